//! `[limits]`: rate limits and the audit log's allowances.

use super::rate::Rate;
use super::{out_of_range, SettingsError};
use serde::Deserialize;

/// Rate limits, each `burst/period` (see `auth::rate_limit`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitSettings {
    /// Logins from one client address without the name's device cookie (spraying many names).
    pub login_per_address: Rate,
    /// Logins for one name from one browser holding its device cookie (`auth::device`).
    pub login_per_name_and_device: Rate,
    /// Logins for one name from every browser without its device cookie, together.
    pub login_per_name: Rate,
    /// Wrong passwords in a row (one name, one origin: a trusted device, or the untrusted rest)
    /// before each further one doubles a wait.
    pub login_backoff_after: u32,
    /// The longest such wait.
    pub login_backoff_max_secs: u64,
    pub register_per_address: Rate,
    /// Attempts to join a class (right code or wrong) from one account: a learner joins once or
    /// twice; a guesser gets this many guesses per account.
    pub join_per_account: Rate,
    /// Attempts to join a class from one client address, every account's together: room for a
    /// whole class joining from one NAT, and the ceiling on guessing codes from one address.
    pub join_per_address: Rate,
    pub refresh_per_address: Rate,
    pub key_rotation_per_account: Rate,
    pub matrix_per_account: Rate,
    /// Scale-lab runs of one account (each starts three server processes).
    pub scale_per_account: Rate,
    /// Attack-lab runs of one account (each makes one or two accounts, a few argon2 hashes).
    pub attacks_per_account: Rate,
    /// Cost-benchmark runs of one account (each a few hundred milliseconds of checks).
    pub cost_runs_per_account: Rate,
    /// Refused requests written to the audit log one by one, per minute: those naming no
    /// account together, and each account's apart. Beyond it they are counted into one row.
    pub audit_refusals_per_minute: u32,
    /// Allowed reads (a GET whose every check passed) of one account written to the audit log
    /// one by one, per minute. Beyond it they are counted into one row.
    pub audit_allowed_reads_per_minute: u32,
    /// Every other allowed row of one account (writes, logouts, refreshes, account events,
    /// requests allowed with checks switched off) written one by one, per minute; the rows
    /// naming no account share one such allowance. Beyond it they are counted into one row.
    pub audit_allowed_writes_per_minute: u32,
}

impl Default for LimitSettings {
    fn default() -> Self {
        // Sized for a class of 120 learners behind one NAT address working through the lessons
        // at once (`scripts/bench/class.sh` measures it): each registers and joins with the
        // class code, logs in both ways, and each lesson registers an account and logs in a few
        // times; a class's short token lifetime (15 s) has each bearer page refresh four times a
        // minute.
        LimitSettings {
            login_per_address: Rate::new(600, 60),
            login_per_name_and_device: Rate::new(10, 60),
            login_per_name: Rate::new(30, 60),
            login_backoff_after: 5,
            login_backoff_max_secs: 300,
            register_per_address: Rate::new(600, 60),
            join_per_account: Rate::new(10, 600),
            join_per_address: Rate::new(600, 600),
            refresh_per_address: Rate::new(1200, 60),
            key_rotation_per_account: Rate::new(5, 60),
            matrix_per_account: Rate::new(2, 60),
            scale_per_account: Rate::new(6, 60),
            attacks_per_account: Rate::new(60, 60),
            cost_runs_per_account: Rate::new(10, 60),
            audit_refusals_per_minute: 120,
            audit_allowed_reads_per_minute: 120,
            audit_allowed_writes_per_minute: 120,
        }
    }
}

impl LimitSettings {
    pub(super) fn check(&self) -> Result<(), SettingsError> {
        // Each audit allowance at least one row a minute.
        for (name, per_minute) in [
            (
                "limits.audit_refusals_per_minute",
                self.audit_refusals_per_minute,
            ),
            (
                "limits.audit_allowed_writes_per_minute",
                self.audit_allowed_writes_per_minute,
            ),
            (
                "limits.audit_allowed_reads_per_minute",
                self.audit_allowed_reads_per_minute,
            ),
        ] {
            if per_minute == 0 {
                return out_of_range(name, "must be at least 1");
            }
        }
        if self.login_backoff_max_secs == 0 {
            return out_of_range("limits.login_backoff_max_secs", "must be at least 1 second");
        }
        Ok(())
    }
}
