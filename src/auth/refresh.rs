//! Refresh tokens: long-lived, opaque, random, and *stateful* on purpose. The server stores only
//! their SHA-256 (a stolen database does not yield usable tokens), grouped in a family per login.
//!
//! - Every use **rotates**: the presented token is marked used and a new one is issued.
//! - Presenting a token that was **already rotated** means two parties hold the chain (the user and
//!   a thief). The server cannot tell which is which, so it revokes the whole family: both must log
//!   in again. The event is recorded.
//! - Marking "used" and issuing the successor happen in **one atomic step** of the store
//!   (`store::refresh::RefreshStore::rotate`), which also checks the family is not revoked and not
//!   past its absolute lifetime. So of two concurrent refreshes with the same token exactly one
//!   wins (the other is treated as reuse), and a family revoked mid-refresh cannot gain a
//!   successor.
//! - A family's name says how its access tokens travel (`jwt::Delivery`), fixed at login and
//!   passed to every successor: `cookie.…` for tokens set in the access cookie, `dpop.<jkt>.…`
//!   for tokens bound to a DPoP key (`auth::dpop`). A bound family is refreshed only beside a
//!   proof by that key, checked before anything is written; a stolen refresh cookie is then as
//!   useless without the key as a stolen access token.
//! - A family has an **absolute lifetime** (`jwt.refresh_family_max_secs`), counted from its
//!   login: sliding refreshes cannot keep a stolen chain alive forever.

use crate::{auth::jwt::Delivery, wire::paths};
use crate::{
    db::unix_now,
    store::{
        refresh::{NewToken, RefreshStore, Won},
        StoreError,
    },
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use rand::{rngs::OsRng, RngCore};
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// The refresh cookie. `__Secure-` (not `__Host-`) because it is scoped to `PATH`, which
/// `__Host-` forbids; the prefix still makes the browser insist on `Secure`.
pub const COOKIE: &str = "__Secure-authlab_refresh";
/// Only the endpoints that need it ever receive it.
pub const PATH: &str = paths::jwt::PREFIX;

#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    #[error("no such refresh token")]
    Unknown,
    #[error("refresh token expired")]
    Expired,
    #[error("refresh token family was revoked")]
    Revoked,
    /// The family's login is older than its absolute lifetime.
    #[error("this login is older than the refresh chain may live: log in again")]
    FamilyExpired,
    /// The family is bound to a DPoP key and the refresh did not prove it holds that key (or
    /// brought a proof for a family bound to none).
    #[error("{0}")]
    Binding(&'static str),
    /// An already-rotated token came back: theft. The family (of this user) is now revoked.
    #[error("refresh token reuse detected: the whole family is revoked")]
    Reused { user_id: i64 },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A fresh token and its expiry, and how its family's access tokens travel.
pub struct Issued {
    pub token: String,
    pub expires_at: i64,
    pub delivery: Delivery,
}

/// The length of a refresh token: 32 random bytes in unpadded base64url.
pub const TOKEN_CHARS: usize = 43;

/// Is `token` shaped like one of ours (before any lookup)?
pub fn is_well_formed(token: &str) -> bool {
    token.len() == TOKEN_CHARS
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

pub struct RefreshTokens {
    store: Arc<dyn RefreshStore>,
    ttl_secs: i64,
    family_max_secs: i64,
}

impl RefreshTokens {
    pub fn new(store: Arc<dyn RefreshStore>, ttl_secs: u64, family_max_secs: u64) -> Self {
        RefreshTokens {
            store,
            ttl_secs: ttl_secs as i64,
            family_max_secs: i64::try_from(family_max_secs).unwrap_or(i64::MAX),
        }
    }

    /// A new family (at login), its access tokens travelling as `delivery` says.
    pub async fn start(&self, user_id: i64, delivery: &Delivery) -> Result<Issued, RefreshError> {
        let now = unix_now();
        let token = random_token();
        let family = match delivery {
            Delivery::Dpop(jkt) => format!("{BOUND}{jkt}.{}", random_token()),
            Delivery::Cookie => format!("{COOKIE_FAMILY}{}", random_token()),
            Delivery::Bearer => random_token(),
        };
        let record = self.record(&token, user_id, &family, now, now);
        self.store.insert(&record).await?;
        Ok(Issued {
            token,
            expires_at: record.expires_at,
            delivery: delivery.clone(),
        })
    }

    /// The account a live (unused, unrevoked, unexpired) refresh token belongs to.
    pub async fn owner_of_live(&self, presented: &str) -> Result<Option<i64>, RefreshError> {
        if !is_well_formed(presented) {
            return Ok(None);
        }
        Ok(self
            .store
            .owner_of_live(&digest(presented), unix_now())
            .await?)
    }

    /// Rotate `presented`: returns the user id and the next token of the same family. `key`: the
    /// thumbprint of the DPoP key the refresh proved it holds, if it brought a proof; it must be
    /// the one the family is bound to (checked before anything is written).
    pub async fn rotate(
        &self,
        presented: &str,
        key: Option<&str>,
    ) -> Result<(i64, Issued), RefreshError> {
        if !is_well_formed(presented) {
            return Err(RefreshError::Unknown);
        }
        let hash = digest(presented);
        let mut delivery = Delivery::Bearer;
        if let Some(stored) = self.store.find(&hash).await? {
            delivery = delivery_of(&stored.family);
            match (bound_key(&stored.family), key) {
                (None, None) => {}
                (Some(bound), Some(key)) if bound == key => {}
                (Some(_), None) => {
                    return Err(RefreshError::Binding(
                        "this login is bound to a DPoP key: a refresh needs a proof made by \
                         that key",
                    ))
                }
                (Some(_), Some(_)) => {
                    return Err(RefreshError::Binding(
                        "the proof was made by another key than the one this login is bound \
                         to: whoever sent it holds the cookie, not the key",
                    ))
                }
                (None, Some(_)) => {
                    return Err(RefreshError::Binding(
                        "this login is not bound to a key: refresh it without a DPoP proof",
                    ))
                }
            }
        }
        let now = unix_now();
        let started_after = now.saturating_sub(self.family_max_secs);
        // The successor's token is drawn now; the store makes its record inside the atomic step,
        // once it knows the family the presented token belongs to.
        let token = random_token();
        let successor =
            |won: &Won| self.record(&token, won.user_id, &won.family, won.family_started_at, now);
        if let Some(won) = self
            .store
            .rotate(&hash, now, started_after, &successor)
            .await?
        {
            let expires_at = self.expiry(won.family_started_at, now);
            return Ok((
                won.user_id,
                Issued {
                    token,
                    expires_at,
                    delivery,
                },
            ));
        }
        // Refused: find out why (nothing was written above).
        let Some(token) = self.store.find(&hash).await? else {
            return Err(RefreshError::Unknown);
        };
        if token.revoked_at.is_some() {
            return Err(RefreshError::Revoked);
        }
        if token.used_at.is_some() {
            self.store
                .reuse_detected(&token.family, token.user_id, unix_now())
                .await?;
            tracing::warn!(target: "authlab::refresh", user_id = token.user_id,
                "refresh token reuse: family revoked");
            return Err(RefreshError::Reused {
                user_id: token.user_id,
            });
        }
        if token.expires_at <= now {
            return Err(RefreshError::Expired);
        }
        if token.family_started_at <= started_after {
            self.store.revoke_family(&token.family, unix_now()).await?;
            return Err(RefreshError::FamilyExpired);
        }
        // Another member of the family was revoked.
        Err(RefreshError::Revoked)
    }

    /// Revoke the family `presented` belongs to (logout). Unknown tokens are ignored.
    pub async fn revoke_family_of(&self, presented: &str) -> Result<Option<i64>, RefreshError> {
        let Some(token) = self.store.find(&digest(presented)).await? else {
            return Ok(None);
        };
        self.store.revoke_family(&token.family, unix_now()).await?;
        Ok(Some(token.user_id))
    }

    /// Revoke every family of a user (log out everywhere).
    pub async fn revoke_user(&self, user_id: i64) -> Result<u64, RefreshError> {
        Ok(self.store.revoke_user(user_id, unix_now()).await?)
    }

    /// When a token issued at `now` in a family started at `family_started_at` expires: never
    /// past the family's end, so the cookie's expiry tells the truth about the chain.
    fn expiry(&self, family_started_at: i64, now: i64) -> i64 {
        (now + self.ttl_secs)
            .min(family_started_at.saturating_add(self.family_max_secs))
            .max(now + 1)
    }

    /// What the store keeps for `token` of `family`, issued at `now`.
    fn record(
        &self,
        token: &str,
        user_id: i64,
        family: &str,
        family_started_at: i64,
        now: i64,
    ) -> NewToken {
        NewToken {
            hash: digest(token),
            family: family.to_string(),
            user_id,
            created_at: now,
            expires_at: self.expiry(family_started_at, now),
            family_started_at,
        }
    }
}

/// How a bound family's name starts: `dpop.<thumbprint>.<random>`.
const BOUND: &str = "dpop.";
/// How the name of a family whose access tokens ride in the cookie starts.
const COOKIE_FAMILY: &str = "cookie.";

/// How the access tokens of the family named `family` travel.
pub fn delivery_of(family: &str) -> Delivery {
    match bound_key(family) {
        Some(jkt) => Delivery::Dpop(jkt.to_string()),
        None if family.starts_with(COOKIE_FAMILY) => Delivery::Cookie,
        None => Delivery::Bearer,
    }
}

/// The thumbprint of the DPoP key a family is bound to, if it is bound.
pub fn bound_key(family: &str) -> Option<&str> {
    family.strip_prefix(BOUND)?.split('.').next()
}

/// 32 random bytes from the OS, base64url: a refresh token, or a new family's name.
fn random_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What the database stores instead of the token.
fn digest(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
}
