//! Refresh tokens: long-lived, opaque, random, and *stateful* on purpose. The server stores only
//! their SHA-256 (a stolen database does not yield usable tokens), grouped in a family per login.
//!
//! - Every use **rotates**: the presented token is marked used and a new one is issued.
//! - Presenting a token that was **already rotated** means two parties hold the chain (the user and
//!   a thief). The server cannot tell which is which, so it revokes the whole family: both must log
//!   in again. The event is recorded.
//! - Marking "used" is one conditional UPDATE, so of two concurrent refreshes with the same token,
//!   exactly one wins; the other is treated as reuse.

use crate::db::unix_now;
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use rand::{rngs::OsRng, RngCore};
use sha2::{Digest, Sha256};
use sqlx::SqlitePool;

/// The refresh cookie. `__Secure-` (not `__Host-`) because it is scoped to `PATH`, which
/// `__Host-` forbids; the prefix still makes the browser insist on `Secure`.
pub const COOKIE: &str = "__Secure-authlab_refresh";
/// Only the endpoints that need it ever receive it.
pub const PATH: &str = "/api/jwt";

#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    #[error("no such refresh token")]
    Unknown,
    #[error("refresh token expired")]
    Expired,
    #[error("refresh token family was revoked")]
    Revoked,
    /// An already-rotated token came back: theft. The family (of this user) is now revoked.
    #[error("refresh token reuse detected: the whole family is revoked")]
    Reused { user_id: i64 },
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// A fresh token and its expiry.
pub struct Issued {
    pub token: String,
    pub expires_at: i64,
}

/// family, user_id, expires_at, used_at, revoked_at
type TokenRow = (String, i64, i64, Option<i64>, Option<i64>);

pub struct RefreshTokens {
    db: SqlitePool,
    ttl_secs: i64,
}

impl RefreshTokens {
    pub fn new(db: SqlitePool, ttl_secs: u64) -> Self {
        RefreshTokens {
            db,
            ttl_secs: ttl_secs as i64,
        }
    }

    /// A new family (at login).
    pub async fn start(&self, user_id: i64) -> Result<Issued, RefreshError> {
        self.issue(user_id, &random_token()).await
    }

    /// Rotate `presented`: returns the user id and the next token of the same family.
    pub async fn rotate(&self, presented: &str) -> Result<(i64, Issued), RefreshError> {
        let hash = digest(presented);
        let row: Option<TokenRow> = sqlx::query_as(
            "SELECT family, user_id, expires_at, used_at, revoked_at FROM refresh_tokens WHERE hash = ?",
        )
        .bind(&hash)
        .fetch_optional(&self.db)
        .await?;
        let Some((family, user_id, expires_at, used_at, revoked_at)) = row else {
            return Err(RefreshError::Unknown);
        };
        if revoked_at.is_some() {
            return Err(RefreshError::Revoked);
        }
        if used_at.is_some() {
            self.reuse_detected(&family, user_id).await?;
            return Err(RefreshError::Reused { user_id });
        }
        if expires_at <= unix_now() {
            return Err(RefreshError::Expired);
        }
        // The race is settled here: only one UPDATE can flip used_at from NULL.
        let won = sqlx::query(
            "UPDATE refresh_tokens SET used_at = ? WHERE hash = ? AND used_at IS NULL AND revoked_at IS NULL",
        )
        .bind(unix_now())
        .bind(&hash)
        .execute(&self.db)
        .await?
        .rows_affected()
            == 1;
        if !won {
            self.reuse_detected(&family, user_id).await?;
            return Err(RefreshError::Reused { user_id });
        }
        Ok((user_id, self.issue(user_id, &family).await?))
    }

    /// Revoke the family `presented` belongs to (logout). Unknown tokens are ignored.
    pub async fn revoke_family_of(&self, presented: &str) -> Result<Option<i64>, RefreshError> {
        let row: Option<(String, i64)> =
            sqlx::query_as("SELECT family, user_id FROM refresh_tokens WHERE hash = ?")
                .bind(digest(presented))
                .fetch_optional(&self.db)
                .await?;
        let Some((family, user_id)) = row else {
            return Ok(None);
        };
        self.revoke_family(&family).await?;
        Ok(Some(user_id))
    }

    /// Revoke every family of a user (log out everywhere).
    pub async fn revoke_user(&self, user_id: i64) -> Result<u64, RefreshError> {
        Ok(sqlx::query(
            "UPDATE refresh_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
        )
        .bind(unix_now())
        .bind(user_id)
        .execute(&self.db)
        .await?
        .rows_affected())
    }

    async fn issue(&self, user_id: i64, family: &str) -> Result<Issued, RefreshError> {
        let token = random_token();
        let now = unix_now();
        let expires_at = now + self.ttl_secs;
        sqlx::query(
            "INSERT INTO refresh_tokens (hash, family, user_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(digest(&token))
        .bind(family)
        .bind(user_id)
        .bind(now)
        .bind(expires_at)
        .execute(&self.db)
        .await?;
        Ok(Issued { token, expires_at })
    }

    async fn revoke_family(&self, family: &str) -> Result<(), RefreshError> {
        sqlx::query(
            "UPDATE refresh_tokens SET revoked_at = ? WHERE family = ? AND revoked_at IS NULL",
        )
        .bind(unix_now())
        .bind(family)
        .execute(&self.db)
        .await?;
        Ok(())
    }

    async fn reuse_detected(&self, family: &str, user_id: i64) -> Result<(), RefreshError> {
        self.revoke_family(family).await?;
        sqlx::query("INSERT INTO security_events (at, user_id, kind, detail) VALUES (?, ?, ?, ?)")
            .bind(unix_now())
            .bind(user_id)
            .bind("refresh_reuse")
            .bind("an already-rotated refresh token was presented; its family was revoked")
            .execute(&self.db)
            .await?;
        tracing::warn!(target: "authlab::refresh", user_id, "refresh token reuse: family revoked");
        Ok(())
    }
}

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What the database stores instead of the token.
fn digest(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
}
