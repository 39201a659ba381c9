//! Refresh tokens: long-lived, opaque, random, and *stateful* on purpose. The server stores only
//! their SHA-256 (a stolen database does not yield usable tokens), grouped in a family per login.
//!
//! - Every use **rotates**: the presented token is marked used and a new one is issued.
//! - Presenting a token that was **already rotated** means two parties hold the chain (the user and
//!   a thief). The server cannot tell which is which, so it revokes the whole family: both must log
//!   in again. The event is recorded.
//! - Marking "used" and issuing the successor happen in **one transaction**, whose first
//!   statement is a conditional UPDATE that also checks the family is not revoked and not past its
//!   absolute lifetime. So of two concurrent refreshes with the same token exactly one wins (the
//!   other is treated as reuse), and a family revoked mid-refresh cannot gain a successor.
//! - A family has an **absolute lifetime** (`jwt.refresh_family_max_secs`), counted from its
//!   login: sliding refreshes cannot keep a stolen chain alive forever.

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
    /// The family's login is older than its absolute lifetime.
    #[error("this login is older than the refresh chain may live: log in again")]
    FamilyExpired,
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

/// family, user_id, expires_at, used_at, revoked_at, family_started_at
type TokenRow = (String, i64, i64, Option<i64>, Option<i64>, i64);

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
    db: SqlitePool,
    ttl_secs: i64,
    family_max_secs: i64,
}

impl RefreshTokens {
    pub fn new(db: SqlitePool, ttl_secs: u64, family_max_secs: u64) -> Self {
        RefreshTokens {
            db,
            ttl_secs: ttl_secs as i64,
            family_max_secs: i64::try_from(family_max_secs).unwrap_or(i64::MAX),
        }
    }

    /// A new family (at login).
    pub async fn start(&self, user_id: i64) -> Result<Issued, RefreshError> {
        let mut tx = self.db.begin().await?;
        let issued = self
            .issue(&mut tx, user_id, &random_token(), unix_now())
            .await?;
        tx.commit().await?;
        Ok(issued)
    }

    /// The account a live (unused, unrevoked, unexpired) refresh token belongs to.
    pub async fn owner_of_live(&self, presented: &str) -> Result<Option<i64>, RefreshError> {
        if !is_well_formed(presented) {
            return Ok(None);
        }
        Ok(sqlx::query_scalar(
            "SELECT user_id FROM refresh_tokens
             WHERE hash = ? AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ?",
        )
        .bind(digest(presented))
        .bind(unix_now())
        .fetch_optional(&self.db)
        .await?)
    }

    /// Rotate `presented`: returns the user id and the next token of the same family.
    pub async fn rotate(&self, presented: &str) -> Result<(i64, Issued), RefreshError> {
        if !is_well_formed(presented) {
            return Err(RefreshError::Unknown);
        }
        let hash = digest(presented);
        let now = unix_now();
        let mut tx = self.db.begin().await?;
        // The first statement writes, so this transaction holds SQLite's write lock from here to
        // the commit: nothing can revoke the family between "used" and "successor issued".
        let won: Option<(String, i64, i64)> = sqlx::query_as(
            "UPDATE refresh_tokens SET used_at = ?1
             WHERE hash = ?2 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ?1
               AND family_started_at > ?3
               AND NOT EXISTS (
                   SELECT 1 FROM refresh_tokens AS f
                   WHERE f.family = refresh_tokens.family AND f.revoked_at IS NOT NULL
               )
             RETURNING family, user_id, family_started_at",
        )
        .bind(now)
        .bind(&hash)
        .bind(now.saturating_sub(self.family_max_secs))
        .fetch_optional(&mut *tx)
        .await?;
        if let Some((family, user_id, started)) = won {
            let next = self.issue(&mut tx, user_id, &family, started).await?;
            tx.commit().await?;
            return Ok((user_id, next));
        }
        tx.rollback().await?;
        // Refused: find out why (nothing was written above).
        let row: Option<TokenRow> = sqlx::query_as(
            "SELECT family, user_id, expires_at, used_at, revoked_at, family_started_at
             FROM refresh_tokens WHERE hash = ?",
        )
        .bind(&hash)
        .fetch_optional(&self.db)
        .await?;
        let Some((family, user_id, expires_at, used_at, revoked_at, started)) = row else {
            return Err(RefreshError::Unknown);
        };
        if revoked_at.is_some() {
            return Err(RefreshError::Revoked);
        }
        if used_at.is_some() {
            self.reuse_detected(&family, user_id).await?;
            return Err(RefreshError::Reused { user_id });
        }
        if expires_at <= now {
            return Err(RefreshError::Expired);
        }
        if started <= now.saturating_sub(self.family_max_secs) {
            self.revoke_family(&family).await?;
            return Err(RefreshError::FamilyExpired);
        }
        // Another member of the family was revoked.
        Err(RefreshError::Revoked)
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

    async fn issue(
        &self,
        tx: &mut sqlx::SqliteConnection,
        user_id: i64,
        family: &str,
        family_started_at: i64,
    ) -> Result<Issued, RefreshError> {
        let token = random_token();
        let now = unix_now();
        // Never past the family's end: the cookie's expiry tells the truth about the chain.
        let expires_at = (now + self.ttl_secs)
            .min(family_started_at.saturating_add(self.family_max_secs))
            .max(now + 1);
        sqlx::query(
            "INSERT INTO refresh_tokens (hash, family, user_id, created_at, expires_at, family_started_at)
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(digest(&token))
        .bind(family)
        .bind(user_id)
        .bind(now)
        .bind(expires_at)
        .bind(family_started_at)
        .execute(&mut *tx)
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
        let mut tx = self.db.begin().await?;
        sqlx::query(
            "UPDATE refresh_tokens SET revoked_at = ? WHERE family = ? AND revoked_at IS NULL",
        )
        .bind(unix_now())
        .bind(family)
        .execute(&mut *tx)
        .await?;
        sqlx::query("INSERT INTO security_events (at, user_id, kind, detail) VALUES (?, ?, ?, ?)")
            .bind(unix_now())
            .bind(user_id)
            .bind("refresh_reuse")
            .bind("an already-rotated refresh token was presented; its family was revoked")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
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
