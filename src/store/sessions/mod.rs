//! How sessions are stored: the store trait the session policy (`auth::session`) calls, and its
//! implementations: SQLite (`sqlite`), Redis (`redis`) and per-process memory (`memory`), each held
//! to the same contract (`tests/contracts.rs`).
//!
//! The trait is shaped by what revocation needs, which is why it is ours and not tower-sessions'
//! `SessionStore` (whose `save` is an upsert that reports nothing):
//! - `create` only ever inserts, and `touch` only ever updates and says whether a record was still
//!   there. No request can write a deleted session back: a request still in flight when its
//!   session is logged out finds nothing to touch, and that *is* the news that it was revoked.
//! - `end` deletes a record and remembers whose it was in one step (one transaction), so the audit
//!   log can still attribute a replay of the dead cookie.
//! - Records are keyed by a SHA-256 of the session id, never the id itself: a copy of the store
//!   (a backup, a stolen file) holds no cookie anyone can use.

pub mod memory;
pub mod redis;
pub mod sqlite;

use crate::store::StoreError;
use async_trait::async_trait;
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What the server remembers about one session. Each field is a real column (the Redis store
/// keeps them as one JSON string, under a name made from the key).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRecord {
    /// SHA-256 of the session id (base64url): the store's key. Not in the JSON: the Redis key
    /// carries it.
    #[serde(skip)]
    pub key: String,
    /// The first characters of the id, for the inspector to recognise it by.
    pub id_preview: String,
    /// A random public handle: sessions are listed and revoked by it, never by id.
    pub handle: String,
    pub user_id: i64,
    pub csrf_token: String,
    pub user_agent: String,
    pub created_at: i64,
    pub last_seen: i64,
}

/// The key a session id is stored under.
pub fn key_of(session_id: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(session_id.as_bytes()))
}

#[async_trait]
pub trait SessionStore: Send + Sync {
    /// What the traces call this store ("SQLite", "Redis", "this process's memory").
    fn name(&self) -> &'static str;

    /// The session check's sentence when this store has the record: a fixed string, so the
    /// check allocates nothing for it on every request.
    fn hit_sentence(&self) -> &'static str;

    /// Insert a new record. Never replaces one: `Collision` if the key or handle exists.
    async fn create(&self, record: &SessionRecord) -> Result<(), StoreError>;

    /// The record under `key`, if there is one.
    async fn load(&self, key: &str) -> Result<Option<SessionRecord>, StoreError>;

    /// Move `last_seen` forward (never back) for each `(key, at)`. Never creates a record.
    /// Returns, per entry, whether a record was still there; `false` means it was ended meanwhile.
    async fn touch(&self, touches: &[(String, i64)]) -> Result<Vec<bool>, StoreError>;

    /// Delete the record under `key` and remember whose it was, at once. Returns the owner's
    /// user id, or `None` if there was no such record.
    async fn end(&self, key: &str, now: i64) -> Result<Option<i64>, StoreError>;

    /// End `user_id`'s session with this public handle; `false` if it has none such.
    async fn end_by_handle(&self, user_id: i64, handle: &str, now: i64)
        -> Result<bool, StoreError>;

    /// End every session of `user_id` except the one under `keep`; returns how many ended.
    async fn end_all_of(
        &self,
        user_id: i64,
        keep: Option<&str>,
        now: i64,
    ) -> Result<usize, StoreError>;

    /// Every record of `user_id`, oldest first.
    async fn list_of(&self, user_id: i64) -> Result<Vec<SessionRecord>, StoreError>;

    /// End records last seen before `idle_before` or created before `created_before`.
    async fn end_expired(
        &self,
        idle_before: i64,
        created_before: i64,
        now: i64,
    ) -> Result<usize, StoreError>;

    /// Whose session `key` is, or was, if it ended at or after `ended_since`.
    async fn owner_of(&self, key: &str, ended_since: i64) -> Result<Option<i64>, StoreError>;

    /// Forget which ended sessions were whose, for those ended before `before`.
    async fn forget_ended(&self, before: i64) -> Result<u64, StoreError>;
}
