//! Where the server's state is kept. Each kind of state has a trait here, shaped by what the auth
//! policy needs (atomic rotation, revocation that reports what it found), and a SQLite
//! implementation beside it. A Redis implementation of each arrives with the scale-out lab, and
//! the store test suite (`tests/stores.rs`) is written against the traits so it runs on both.
//!
//! - `sessions`: session records and the memory of whose ended sessions were;
//! - `refresh`: refresh-token families and their rotation;
//! - `denylist`: revoked access tokens, until their `exp`;
//! - `keys`: signing keys (SQLite only: they belong to accounts, in the accounts database);
//! - `marks`: per-account not-before marks;
//! - `captures`: the lab's copies of live credentials for replay experiments (in memory today);
//! - `probes`: what the forgery lesson's cross-site links carried (in memory).
//!
//! Accounts stay in the accounts database (`db`); the rate-limit buckets are behind their own
//! trait (`auth::rate_limit::Limiter`).

pub mod captures;
pub mod denylist;
pub mod keys;
pub mod marks;
pub mod probes;
pub mod refresh;
pub mod sessions;

/// What a store can fail with.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The key or handle is taken (astronomically unlikely with 128 random bits; the caller
    /// draws a new one).
    #[error("a record with this key or handle exists")]
    Collision,
    #[error("store: {0}")]
    Backend(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        match &err {
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Collision,
            _ => StoreError::Backend(err.to_string()),
        }
    }
}
