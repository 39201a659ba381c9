//! `[session]`: cookie-session mode.

use super::{out_of_range, SettingsError};
use crate::wire::SameSite;
use serde::Deserialize;

/// Cookie-session mode.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SessionSettings {
    /// A session unused for this long is dead.
    pub idle_timeout_secs: u64,
    /// A session is dead this long after login, however busy.
    pub absolute_timeout_secs: u64,
    /// Default SameSite of the session cookie (Lax, Strict or None); each account can switch its own.
    pub same_site: SameSite,
    /// How often the maintenance task runs (expired sessions, retention, scratch accounts).
    pub cleanup_interval_secs: u64,
    /// Keep the accounts session checks read in memory, emptied on every change to the account
    /// (`auth::account_cache`). Turn it off when several processes share one SQLite file without
    /// Redis: they would not hear each other's changes.
    pub cache_accounts: bool,
}

impl Default for SessionSettings {
    fn default() -> Self {
        SessionSettings {
            idle_timeout_secs: 300,
            absolute_timeout_secs: 1800,
            same_site: SameSite::Lax,
            cleanup_interval_secs: 60,
            cache_accounts: true,
        }
    }
}

impl SessionSettings {
    pub(super) fn check(&self) -> Result<(), SettingsError> {
        if self.idle_timeout_secs == 0 || self.absolute_timeout_secs == 0 {
            return out_of_range("session timeouts", "must be at least 1 second");
        }
        if self.cleanup_interval_secs == 0 {
            return out_of_range("session.cleanup_interval_secs", "must be at least 1 second");
        }
        Ok(())
    }
}
