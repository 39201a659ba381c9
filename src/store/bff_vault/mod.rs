//! The backend-for-frontend's vault: the tokens a BFF login holds on the server, under the key
//! of the browser's session (`sessions::key_of`), never in the browser. The BFF reads them to
//! call the API for the page, and writes them back when it refreshes.
//!
//! The vault holds them as they are, the way a BFF's session store does (it must present them):
//! a stolen vault yields live tokens until they expire, so it is as sensitive as the session
//! store, and lives beside it (`[store] url`).

pub mod memory;
pub mod redis;
pub mod sqlite;

use super::StoreError;
use async_trait::async_trait;

/// What a BFF login holds. Not `Debug`: tokens never reach a log.
#[derive(Clone, PartialEq, Eq)]
pub struct Held {
    pub access: String,
    /// The access token's `exp`: the BFF refreshes before it passes.
    pub access_exp: i64,
    pub refresh: String,
    /// When the refresh token expires.
    pub refresh_exp: i64,
}

#[async_trait]
pub trait BffVault: Send + Sync {
    /// Keep `held` under `key` until `until` (unix seconds), replacing what was there.
    async fn put(&self, key: &str, held: &Held, until: i64) -> Result<(), StoreError>;
    /// What `key` holds, unless it is past its time at `now`.
    async fn get(&self, key: &str, now: i64) -> Result<Option<Held>, StoreError>;
    /// Forget `key` (logout).
    async fn delete(&self, key: &str) -> Result<(), StoreError>;
    /// Forget what is past its time; how many went.
    async fn purge_expired(&self, now: i64) -> Result<u64, StoreError>;
}
