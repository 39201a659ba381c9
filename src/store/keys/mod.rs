//! How signing keys are stored: each key's `kid`, owner, pinned algorithm, secret material and
//! rotation time. The policy (`auth::keys::KeyRing`) keeps them all in memory, built into
//! jsonwebtoken keys, so a verification never waits on the store; the store is what survives a
//! restart and what another node reads when it meets a `kid` it does not know.
//!
//! Keys stay in the accounts database (they belong to accounts, and go with them), so SQLite is
//! the only implementation even when sessions live in Redis.

pub mod sqlite;

use super::StoreError;
use crate::wire::JwtAlg;
use async_trait::async_trait;

/// A key as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredKey {
    pub kid: String,
    pub owner_id: i64,
    pub alg: JwtAlg,
    /// PKCS#8 DER (EdDSA, ES256) or the HMAC secret (HS256).
    pub secret: Vec<u8>,
    pub created_at: i64,
    pub rotated_at: Option<i64>,
}

#[async_trait]
pub trait KeyStore: Send + Sync {
    /// Every stored key.
    async fn all(&self) -> Result<Vec<StoredKey>, StoreError>;
    /// Add a key (`Collision` if its `kid` is taken).
    async fn insert(&self, key: &StoredKey) -> Result<(), StoreError>;
    /// Mark `owner_id`'s current `alg` key(s) as rotated out at `at`.
    async fn mark_rotated(&self, owner_id: i64, alg: JwtAlg, at: i64) -> Result<(), StoreError>;
    /// Delete `owner_id`'s rotated-out keys.
    async fn delete_rotated(&self, owner_id: i64) -> Result<(), StoreError>;
    /// Delete every key rotated out before `cutoff`.
    async fn delete_rotated_before(&self, cutoff: i64) -> Result<(), StoreError>;
    /// Delete the keys `kids` (retired past the published cap).
    async fn delete(&self, kids: &[String]) -> Result<(), StoreError>;
}
