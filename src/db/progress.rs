//! The challenges' tables, as a seam: each learner's recorded events, their progress (solved when,
//! hints revealed), their last reset, and who created each scratch account. The SQLite
//! implementation is `db::sqlite::progress`.

use async_trait::async_trait;

/// One learner's standing on one challenge, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgressRow {
    pub challenge: String,
    pub solved_at_ms: Option<i64>,
    pub hints_used: u8,
}

/// An event to store: the learner it counts for, when, and its JSON.
pub struct EventRow {
    pub learner_id: i64,
    pub at_ms: i64,
    pub body: String,
}

#[async_trait]
pub trait ProgressTable: Send + Sync {
    /// Store events in one transaction, then keep only the newest `keep` of each learner named.
    async fn append(&self, rows: &[EventRow], keep: usize) -> Result<(), sqlx::Error>;

    /// The learner's events with an id above `after`, oldest first (id, JSON).
    async fn events_after(
        &self,
        learner_id: i64,
        after: i64,
    ) -> Result<Vec<(i64, String)>, sqlx::Error>;

    /// Every challenge the learner touched.
    async fn progress(&self, learner_id: i64) -> Result<Vec<ProgressRow>, sqlx::Error>;

    /// Mark `challenge` solved at `at_ms`, unless it already was (the first solve stands).
    /// Returns whether this call solved it.
    async fn solve(
        &self,
        learner_id: i64,
        challenge: &str,
        at_ms: i64,
    ) -> Result<bool, sqlx::Error>;

    /// Count one more hint revealed, up to `most`; returns the count now.
    async fn reveal_hint(
        &self,
        learner_id: i64,
        challenge: &str,
        most: u8,
    ) -> Result<u8, sqlx::Error>;

    /// Forget the learner's events and progress; events before `at_ms` are ignored from now on.
    async fn reset(&self, learner_id: i64, at_ms: i64) -> Result<(), sqlx::Error>;

    /// The learner's last reset, if any.
    async fn reset_at(&self, learner_id: i64) -> Result<Option<i64>, sqlx::Error>;

    /// Record that `learner_id`'s action created `account_id`.
    async fn set_owner(&self, account_id: i64, learner_id: i64) -> Result<(), sqlx::Error>;

    /// The learner who created `account_id`, if a learner's action did.
    async fn owner_of(&self, account_id: i64) -> Result<Option<i64>, sqlx::Error>;
}
