//! The audit log's table, as a seam: the one writer's batched insert and the readers' query.
//! The SQLite implementation is `audit::sqlite`.

use crate::wire::{AuditEvent, AuthMode};
use async_trait::async_trait;

/// One row of `audit_events`, owned and already capped.
pub struct Row {
    pub at_ms: i64,
    pub mode: AuthMode,
    pub user: Option<(i64, String)>,
    pub action: String,
    pub allowed: bool,
    pub failed_check: Option<String>,
    pub detail: String,
}

#[async_trait]
pub trait AuditTable: Send + Sync {
    /// Insert the rows as one batch (one round trip, one commit); their ids, in the rows' order.
    /// Ids only grow: a row written later has a larger id.
    async fn write_batch(&self, rows: &[Row]) -> Result<Vec<i64>, sqlx::Error>;

    /// Up to `limit` events after `after_id`, the newest of them, oldest first: one account's
    /// (`Some`), or everyone's (`None`).
    async fn list(
        &self,
        user_id: Option<i64>,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<AuditEvent>, sqlx::Error>;

    /// Up to `limit` of one account's events recorded at or after `since_ms`, the newest of
    /// them, oldest first (a teacher's view of a learner: from the moment they joined only).
    async fn list_since(
        &self,
        user_id: i64,
        since_ms: i64,
        limit: i64,
    ) -> Result<Vec<AuditEvent>, sqlx::Error>;
}
