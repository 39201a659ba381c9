//! The classes' tables, as a seam: each class a teacher opened, and which class each learner is
//! in (at most one). The SQLite implementation is `db::sqlite::classes`.

use crate::wire::ClassSwitches;
use async_trait::async_trait;

/// A class as stored, with its teacher's name and how many learners are in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClassRow {
    pub id: i64,
    pub teacher_id: i64,
    pub teacher: String,
    pub name: String,
    pub join_code: String,
    pub created_at: i64,
    pub ends_at: i64,
    pub closed_at: Option<i64>,
    pub switches: ClassSwitches,
    pub members: i64,
}

impl ClassRow {
    /// Whether the class takes no more learners at `now` (closed by hand, or past its end).
    pub fn is_closed(&self, now: i64) -> bool {
        self.closed_at.is_some() || now >= self.ends_at
    }
}

/// A learner of a class.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberRow {
    pub learner_id: i64,
    pub username: String,
    pub joined_at_ms: i64,
    /// The learner's last progress reset, if any.
    pub reset_at_ms: Option<i64>,
}

/// One learner's stored standing on one challenge, for the grid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StandingRow {
    pub learner_id: i64,
    pub challenge: String,
    pub solved_at_ms: Option<i64>,
    pub hints_used: u8,
}

#[derive(Debug, thiserror::Error)]
pub enum ClassDbError {
    /// The join code is taken (drawn again).
    #[error("join code taken")]
    CodeTaken,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

#[async_trait]
pub trait ClassTable: Send + Sync {
    /// Open a class; its id. `CodeTaken` if the code is in use.
    async fn insert(
        &self,
        teacher_id: i64,
        name: &str,
        join_code: &str,
        created_at: i64,
        ends_at: i64,
        switches: &ClassSwitches,
    ) -> Result<i64, ClassDbError>;

    async fn by_id(&self, id: i64) -> Result<Option<ClassRow>, sqlx::Error>;

    async fn by_code(&self, join_code: &str) -> Result<Option<ClassRow>, sqlx::Error>;

    /// The classes of one teacher (`Some`), or every class (`None`, an administrator), newest
    /// first.
    async fn list(&self, teacher_id: Option<i64>) -> Result<Vec<ClassRow>, sqlx::Error>;

    /// Put `learner_id` in `class_id` at `at_ms`, leaving any class they were in.
    async fn join(&self, learner_id: i64, class_id: i64, at_ms: i64) -> Result<(), sqlx::Error>;

    /// Take `learner_id` out of their class; whether they were in one.
    async fn leave(&self, learner_id: i64) -> Result<bool, sqlx::Error>;

    /// The learner's class and when they joined it.
    async fn membership(&self, learner_id: i64) -> Result<Option<(ClassRow, i64)>, sqlx::Error>;

    /// The class's learners, by name.
    async fn members(&self, class_id: i64) -> Result<Vec<MemberRow>, sqlx::Error>;

    /// Every stored standing of every learner of the class, in one read.
    async fn standings(&self, class_id: i64) -> Result<Vec<StandingRow>, sqlx::Error>;

    /// Close the class at `now` unless it already is; whether this call closed it.
    async fn close(&self, class_id: i64, now: i64) -> Result<bool, sqlx::Error>;

    /// Classes still open whose end has come.
    async fn due_to_close(&self, now: i64) -> Result<Vec<i64>, sqlx::Error>;

    /// Make the class's learners' own accounts (plain `user` accounts only: never a teacher's or
    /// an administrator's) expire at `at`; how many.
    async fn expire_members(&self, class_id: i64, at: i64) -> Result<u64, sqlx::Error>;
}
