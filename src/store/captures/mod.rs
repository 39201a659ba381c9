//! How replay captures are stored: the copies of live credentials (a session id, a refresh token)
//! that the lab keeps under a random handle so a replay can later play the thief. Every
//! implementation is bounded: at most `MAX_PER_ACCOUNT` copies per account (that account's oldest
//! goes first) and `MAX_CAPTURES` in all (the oldest goes first), each kept no longer than its
//! credential could live.

pub mod memory;
pub mod redis;

use super::StoreError;
use async_trait::async_trait;

/// How many copies a store keeps at most.
pub const MAX_CAPTURES: usize = 2_000;
/// How many copies one account may hold.
pub const MAX_PER_ACCOUNT: usize = 16;

/// What a copy is of, and so what replaying it sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A session id: replayed as `GET /api/me` with the session cookie.
    Session,
    /// A refresh token: replayed as `POST /api/jwt/refresh` with the refresh cookie.
    Refresh,
    /// An access token from the access cookie (JWT-in-a-cookie mode): replayed as `GET /api/me`
    /// with that cookie.
    AccessCookie,
    /// The session id of a BFF login: replayed as `GET /api/bff/api/me` with the session cookie.
    BffSession,
}

impl Kind {
    /// The name a store keeps it under.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Session => "session",
            Kind::Refresh => "refresh",
            Kind::AccessCookie => "access",
            Kind::BffSession => "bff",
        }
    }

    pub fn parse(text: &str) -> Option<Kind> {
        [
            Kind::Session,
            Kind::Refresh,
            Kind::AccessCookie,
            Kind::BffSession,
        ]
        .into_iter()
        .find(|kind| kind.as_str() == text)
    }
}

#[async_trait]
pub trait CaptureStore: Send + Sync {
    /// Keep a copy of `credential` (of `owner`) until `until`, under `handle` (random, made by the
    /// caller). Never replaces a copy: `Collision` if the handle is taken.
    async fn keep(
        &self,
        handle: &str,
        kind: Kind,
        owner: i64,
        credential: &str,
        until: i64,
        now: i64,
    ) -> Result<(), StoreError>;

    /// The copy under `handle`, if it is still kept at `now`.
    async fn get(&self, handle: &str, now: i64) -> Result<Option<(Kind, String)>, StoreError>;

    /// How many copies are held (the caps are checked with it).
    async fn count(&self) -> Result<usize, StoreError>;

    /// Drop every copy `owner` kept (the account was deleted); returns how many.
    async fn forget_owner(&self, owner: i64) -> Result<usize, StoreError>;
}
