//! One entry of the audit log.

use super::AuthMode;
use serde::{Deserialize, Serialize};

/// One entry of the audit log (`GET /api/audit`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub id: i64,
    /// Unix milliseconds.
    pub at_ms: i64,
    pub mode: AuthMode,
    /// `None` when the server cannot tell whose credential it was.
    pub username: Option<String>,
    /// What was attempted: `login`, `logout`, `refresh`, `GET /api/me`, ...
    pub action: String,
    pub allowed: bool,
    pub failed_check: Option<String>,
    pub detail: String,
}
