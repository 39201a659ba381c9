//! `[server]`: the HTTP server itself.

use super::{out_of_range, SettingsError};
use serde::Deserialize;

/// The HTTP server itself.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    /// A client must send its request headers within this time (stops slow-header floods).
    pub header_read_timeout_secs: u64,
    /// A request must be answered within this time (a live event stream counts as answered).
    pub request_timeout_secs: u64,
    /// Connections held open at once; further ones wait to be accepted.
    pub max_connections: usize,
    /// Live audit streams one account may hold open at once.
    pub max_event_streams_per_user: usize,
    /// Live audit streams one client address may hold open at once (all its accounts together).
    pub max_event_streams_per_address: usize,
    /// How often a live audit stream re-checks the credential it was opened with.
    pub event_stream_recheck_secs: u64,
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            header_read_timeout_secs: 10,
            request_timeout_secs: 30,
            max_connections: 512,
            max_event_streams_per_user: 4,
            max_event_streams_per_address: 256,
            event_stream_recheck_secs: 5,
        }
    }
}

impl ServerSettings {
    pub(super) fn check(&self) -> Result<(), SettingsError> {
        if self.header_read_timeout_secs == 0
            || self.request_timeout_secs == 0
            || self.event_stream_recheck_secs == 0
        {
            return out_of_range("server timeouts", "must be at least 1 second");
        }
        if self.max_connections == 0
            || self.max_event_streams_per_user == 0
            || self.max_event_streams_per_address == 0
        {
            return out_of_range("server limits", "must be at least 1");
        }
        Ok(())
    }
}
