//! How the denylist is stored: revoked access tokens by `jti`, each kept until its token's `exp`
//! (past it the token is refused anyway). Consulted on every bearer request of an account that
//! switched server-side revocation on: the lookup the stateless design was meant to avoid.

pub mod memory;
pub mod redis;
pub mod sqlite;

use super::StoreError;
use async_trait::async_trait;

#[async_trait]
pub trait Denylist: Send + Sync {
    /// Deny `jti` (of `user_id`) until `exp`. Denying it again changes nothing.
    async fn deny(&self, jti: &str, user_id: i64, exp: i64) -> Result<(), StoreError>;
    /// Is `jti` denied?
    async fn is_denied(&self, jti: &str) -> Result<bool, StoreError>;
    /// Drop the entries whose `exp` is before `now`; how many went.
    async fn purge_expired(&self, now: i64) -> Result<u64, StoreError>;
}
