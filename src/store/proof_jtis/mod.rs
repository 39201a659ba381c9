//! The DPoP replay cache: which proofs (`jti`, per key) were already used. A proof is good once
//! (RFC 9449 §11.1): a copy of a request's `DPoP` header replayed by whoever saw it is refused
//! here. An entry is needed only until its proof is too old to pass the `iat` check anyway, so
//! each is kept until then and no longer, and each key keeps at most a cap of them (its oldest
//! go first).
//!
//! The judge records a `jti` only after the proof, the token and the binding all verified, so
//! what a stranger sends never reaches this store. It is the one write a DPoP request makes:
//! remembering is the check, and a batched write would let a replay through in the meantime.

pub mod memory;
pub mod redis;
pub mod sqlite;

use super::StoreError;
use async_trait::async_trait;

#[async_trait]
pub trait ProofJtis: Send + Sync {
    /// Remember `jti` of the key `jkt` until `until` (unix seconds), in one atomic step at `now`:
    /// `true` if it was new (now remembered), `false` if it was seen before (a replay; nothing
    /// changes). Past `cap` live entries for `jkt`, the ones nearest their end are forgotten.
    async fn first_use(
        &self,
        jkt: &str,
        jti: &str,
        until: i64,
        cap: usize,
        now: i64,
    ) -> Result<bool, StoreError>;
    /// Forget the entries whose `until` is before `now`; how many went.
    async fn purge_expired(&self, now: i64) -> Result<u64, StoreError>;
    /// How many entries not yet past their time are kept for `jkt` (what a flood could grow,
    /// and the tests measure).
    async fn count(&self, jkt: &str, now: i64) -> Result<u64, StoreError>;
}
