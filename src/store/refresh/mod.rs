//! How refresh tokens are stored: by the SHA-256 of the token (a stolen store yields no usable
//! token), grouped in a family per login. The trait carries the one operation that must be atomic,
//! `rotate`: of two concurrent uses of one token exactly one wins, and a family revoked meanwhile
//! cannot gain a successor. The policy (which token is live, what reuse means) is
//! `auth::refresh`'s.

pub mod memory;
pub mod redis;
pub mod sqlite;

use super::StoreError;
use async_trait::async_trait;

/// A token to store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewToken {
    pub hash: String,
    pub family: String,
    pub user_id: i64,
    pub created_at: i64,
    pub expires_at: i64,
    /// When the family's login happened: its absolute lifetime counts from here.
    pub family_started_at: i64,
}

/// A stored token, as `find` sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredToken {
    pub family: String,
    pub user_id: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub family_started_at: i64,
}

/// The token that won a rotation: its family, which the successor joins.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Won {
    pub family: String,
    pub user_id: i64,
    pub family_started_at: i64,
}

/// Makes the successor of the token that won, from the won token's family.
pub type Successor<'a> = &'a (dyn Fn(&Won) -> NewToken + Send + Sync);

#[async_trait]
pub trait RefreshStore: Send + Sync {
    /// Store a new token (the first of a family at login).
    async fn insert(&self, token: &NewToken) -> Result<(), StoreError>;

    /// In one atomic step: if `hash` is unused, unrevoked, unexpired at `now`, of a family with
    /// no revoked member that started after `started_after`, mark it used at `now` and store
    /// `successor(won)`. `None` when it did not win (nothing was written).
    async fn rotate(
        &self,
        hash: &str,
        now: i64,
        started_after: i64,
        successor: Successor<'_>,
    ) -> Result<Option<Won>, StoreError>;

    /// The token stored under `hash`, whatever its state.
    async fn find(&self, hash: &str) -> Result<Option<StoredToken>, StoreError>;

    /// The account of the token under `hash` if it is live at `now` (unused, unrevoked,
    /// unexpired).
    async fn owner_of_live(&self, hash: &str, now: i64) -> Result<Option<i64>, StoreError>;

    /// Revoke every token of `family` at `now`; how many were live.
    async fn revoke_family(&self, family: &str, now: i64) -> Result<u64, StoreError>;

    /// Revoke every family of `user_id` at `now`; how many tokens were live.
    async fn revoke_user(&self, user_id: i64, now: i64) -> Result<u64, StoreError>;

    /// Reuse of an already-rotated token: revoke its family and record the security event, in
    /// one step.
    async fn reuse_detected(&self, family: &str, user_id: i64, now: i64) -> Result<(), StoreError>;
}
