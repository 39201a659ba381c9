//! `[retention]`: how long records are kept.

use serde::Deserialize;

/// How long records are kept.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetentionSettings {
    /// Audit events older than this are deleted.
    pub audit_secs: u64,
    /// And at most this many of one account's (the rows naming no account count as one account).
    pub audit_max_rows_per_account: u64,
    /// And at most this many in all: past it, the largest histories are cut first.
    pub audit_max_rows: u64,
    /// Refresh tokens are deleted this long after they expired or their family was revoked.
    pub refresh_tokens_secs: u64,
    /// Security events (refresh-token reuse) older than this are deleted.
    pub security_events_secs: u64,
    /// How long the hash of an ended session id is kept, to say whose a replayed cookie was.
    pub ended_sessions_secs: u64,
}

impl Default for RetentionSettings {
    fn default() -> Self {
        RetentionSettings {
            audit_secs: 7 * 86_400,
            audit_max_rows_per_account: 5_000,
            audit_max_rows: 200_000,
            refresh_tokens_secs: 86_400,
            security_events_secs: 30 * 86_400,
            ended_sessions_secs: 86_400,
        }
    }
}
