//! `[passwords]`: how many argon2 runs, queued and per account.

use super::{out_of_range, SettingsError};
use serde::Deserialize;

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PasswordSettings {
    /// At most this many argon2 computations run at once (each takes ~19 MiB and ~14 ms of a core).
    /// 0: one fewer than the machine's cores, at least 1 (`hash_pool_size`).
    pub max_concurrent_hashes: usize,
    /// At most this many more wait their turn; beyond that, 503 with Retry-After at once.
    pub max_queued_hashes: usize,
    /// Of all those slots (running and waiting), at most this many for one account at once;
    /// beyond that, 429 with Retry-After for that account alone (`auth::password::Charged`).
    pub max_hashes_per_account: usize,
}

impl Default for PasswordSettings {
    fn default() -> Self {
        PasswordSettings {
            max_concurrent_hashes: 0,
            max_queued_hashes: 32,
            max_hashes_per_account: 3,
        }
    }
}

impl PasswordSettings {
    pub(super) fn check(&self) -> Result<(), SettingsError> {
        if self.max_hashes_per_account == 0 {
            return out_of_range("passwords.max_hashes_per_account", "must be at least 1");
        }
        Ok(())
    }

    /// How many argon2 runs may go at once. Unset (0), one core is kept free: a burst of logins
    /// that took every core would stall every other request (a session check, a page) behind
    /// password hashing, a denial of service any visitor can start. On 1 core that still leaves 1.
    pub fn hash_pool_size(&self) -> usize {
        if self.max_concurrent_hashes > 0 {
            return self.max_concurrent_hashes;
        }
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        cores.saturating_sub(1).max(1)
    }
}
