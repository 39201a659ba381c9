//! Where the server's state is kept. Each kind of state has a trait here, shaped by what the auth
//! policy needs (atomic rotation, revocation that reports what it found), and a SQLite
//! implementation beside it; sessions, refresh families, the denylist and the captures also have a
//! Redis one, for several server processes sharing one lab, and a per-process memory one. The store
//! test suite (`tests/contracts.rs`) is written against the traits and runs on every one.
//!
//! - `sessions`: session records and the memory of whose ended sessions were;
//! - `refresh`: refresh-token families and their rotation;
//! - `denylist`: revoked access tokens, until their `exp`;
//! - `keys`: signing keys (SQLite only: they belong to accounts, in the accounts database);
//! - `marks`: per-account not-before marks;
//! - `captures`: the lab's copies of live credentials for replay experiments (memory or Redis);
//! - `probes`: what the forgery lesson's cross-site links and the XSS card's runs carried (in
//!   memory, per process);
//! - `changes`: telling the other processes what changed, so their caches follow;
//! - `scale_queue`, `turns`: the scale lab's queue and the one-run-per-account set (per process);
//! - `redis`: the connection the Redis implementations share (`[store] url = "redis://…"`).
//!
//! Accounts stay in the accounts database (`db`); the rate-limit buckets are behind their own
//! trait (`auth::rate_limit::Limiter`, in the same contract suite).

pub mod bff_vault;
pub mod captures;
pub mod changes;
pub mod denylist;
pub mod keys;
pub mod marks;
pub mod probes;
pub mod proof_jtis;
pub mod redis;
pub mod refresh;
pub mod scale_queue;
pub mod sessions;
pub mod turns;

/// Where the state several server processes share lives (`[store] url`): sessions, refresh
/// families and the denylist. The rest (accounts, signing keys, marks, the audit log) is in the
/// accounts database either way.
#[derive(Clone)]
pub enum SharedStore {
    /// The embedded SQLite database: one process, or processes on one machine sharing its file.
    Embedded,
    /// A Redis server.
    Redis(redis::Redis),
    /// This process's memory only: nothing is shared (the scale lab's per-node store).
    Memory,
}

impl SharedStore {
    /// What the traces call it.
    pub fn name(&self) -> &'static str {
        match self {
            SharedStore::Embedded => "SQLite",
            SharedStore::Redis(_) => "Redis",
            SharedStore::Memory => "this process's memory",
        }
    }
}

/// The cause of a failure, kept as it came (a `sqlx::Error`, a `redis::RedisError`, …) for the
/// server's log, never shown to a client: the HTTP layer logs it once, capped and escaped, and
/// answers with a sentence of its own (`api::error`).
pub type Cause = Box<dyn std::error::Error + Send + Sync>;

/// What a store can fail with.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The key or handle is taken (astronomically unlikely with 128 random bits; the caller
    /// draws a new one).
    #[error("a record with this key or handle exists")]
    Collision,
    #[error("store: {0}")]
    Backend(Cause),
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        match &err {
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Collision,
            _ => StoreError::Backend(err.into()),
        }
    }
}
