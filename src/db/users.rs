//! The accounts table, as a seam: what the server asks of it (`Users`), and the account it gets
//! back. The SQLite implementation is `db::sqlite::users`; the contract every implementation
//! keeps is `tests/contracts.rs` (`users_*`). The password hash leaves this seam only inside
//! `PasswordHash`, which cannot be serialised or printed.

use super::password_hash::PasswordHash;
use crate::{store::StoreError, wire::Role};
use async_trait::async_trait;

/// An account as the server knows it.
#[derive(Clone, Debug)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub role: Role,
    pub password_hash: PasswordHash,
    /// Set by an administrator: no login, and no session request, succeeds.
    pub disabled: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("username is taken")]
    Taken,
    #[error("stored role {0:?} is not a known role")]
    BadRole(String),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    /// The sessions or refresh families of an account event's transaction.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What made a scratch account, which expires and is then deleted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scratch {
    Lesson,
    Matrix,
}

impl Scratch {
    pub fn as_str(self) -> &'static str {
        match self {
            Scratch::Lesson => "lesson",
            Scratch::Matrix => "matrix",
        }
    }
}

/// What changes on the account itself when all its access ends: always the not-before mark, and
/// a new password or the disabled flag when the event is one of those.
#[derive(Clone, Copy, Debug, Default)]
pub struct AccountChange<'a> {
    pub new_hash: Option<&'a PasswordHash>,
    pub disable: bool,
}

/// What one "end all access" transaction ended.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AccessEnded {
    pub sessions_ended: usize,
    pub refresh_revoked: u64,
}

#[async_trait]
pub trait Users: Send + Sync {
    async fn find_by_username(&self, username: &str) -> Result<Option<User>, UserError>;

    async fn find_by_id(&self, id: i64) -> Result<Option<User>, UserError>;

    /// The id of `username` alone (the bearer path names its user by `sub`).
    async fn id_of(&self, username: &str) -> Result<Option<i64>, UserError>;

    /// Insert a new account; `Taken` if the name exists (decided by the database's uniqueness
    /// rule, so two concurrent registrations of one name cannot both win). A scratch account is
    /// marked with its kind and expiry in the same statement, so no half-made account (an
    /// unmarked matrix admin that nothing would ever delete) can be left behind by a client
    /// hanging up. Ids are never reused.
    async fn insert(
        &self,
        username: &str,
        hash: &PasswordHash,
        role: Role,
        scratch: Option<(Scratch, i64)>,
    ) -> Result<User, UserError>;

    /// Delete scratch accounts of `kind` by id (only those that really are scratch of that
    /// kind); the (id, username) of each deleted. Their sessions, keys and refresh tokens in this
    /// database go with them.
    async fn delete_scratch(
        &self,
        kind: Scratch,
        ids: &[i64],
    ) -> Result<Vec<(i64, String)>, UserError>;

    /// Delete every scratch account past its expiry, and every learner account set to expire
    /// with its class; the (id, username) of each.
    async fn delete_expired_scratch(&self, now: i64) -> Result<Vec<(i64, String)>, UserError>;

    async fn count(&self) -> Result<i64, UserError>;

    /// Every account, by name, with its creation time, as the admin list shows it.
    async fn list(&self) -> Result<Vec<(User, i64)>, UserError>;

    async fn created_at(&self, id: i64) -> Result<i64, UserError>;

    // Start-up only (`demo::prepare`, before any account is cached). At run time accounts
    // change through `auth::account_events`, which also empties the account cache here and on
    // the other servers.

    async fn set_role(&self, id: i64, role: Role) -> Result<(), UserError>;

    async fn set_disabled(&self, id: i64, disabled: bool) -> Result<(), UserError>;

    async fn set_password_hash(&self, id: i64, hash: &PasswordHash) -> Result<(), UserError>;

    // The account events (`auth::account_events`).

    /// In **one transaction**: the account's `change` and its not-before mark at `now`, every
    /// session of the account ended (remembered as ended), every refresh family revoked. All or
    /// nothing. Only for sessions and refresh families kept in this same database.
    async fn end_all_access(
        &self,
        id: i64,
        change: AccountChange<'_>,
        now: i64,
    ) -> Result<AccessEnded, UserError>;

    /// The account's side alone (its sessions and refresh families live in another store).
    async fn mark(&self, id: i64, change: AccountChange<'_>, now: i64) -> Result<(), UserError>;

    /// A new role and the not-before mark in one statement: never a new role beside tokens
    /// still unmarked.
    async fn change_role(&self, id: i64, role: Role, now: i64) -> Result<(), UserError>;

    /// Enabled again, with the not-before mark at `now`.
    async fn enable(&self, id: i64, now: i64) -> Result<(), UserError>;
}
