//! How not-before marks are stored: one time per account ("tokens issued at or before this are
//! refused"). The policy (`auth::revocation`) keeps them in memory too, so checking a mark costs no
//! round trip; the store is what survives a restart.

pub mod sqlite;

use super::StoreError;
use async_trait::async_trait;

#[async_trait]
pub trait MarkStore: Send + Sync {
    /// Every account's mark, by username (the tokens' `sub`).
    async fn all(&self) -> Result<Vec<(String, i64)>, StoreError>;
    /// `username`'s mark, if it has one.
    async fn get(&self, username: &str) -> Result<Option<i64>, StoreError>;
    /// Set `user_id`'s mark to `at`.
    async fn set(&self, user_id: i64, at: i64) -> Result<(), StoreError>;
}
