//! Refresh tokens in SQLite: table `refresh_tokens`. `rotate` is one transaction whose first
//! statement is the conditional UPDATE, so it holds SQLite's write lock from "used" to "successor
//! stored": nothing can revoke the family in between.

use super::{NewToken, RefreshStore, StoredToken, Successor, Won};
use crate::store::StoreError;
use async_trait::async_trait;
use sqlx::{SqliteConnection, SqlitePool};

pub struct SqliteRefresh {
    db: SqlitePool,
}

impl SqliteRefresh {
    pub fn new(db: SqlitePool) -> Self {
        SqliteRefresh { db }
    }
}

async fn insert_in(db: &mut SqliteConnection, token: &NewToken) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO refresh_tokens (hash, family, user_id, created_at, expires_at, family_started_at)
         VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(&token.hash)
    .bind(&token.family)
    .bind(token.user_id)
    .bind(token.created_at)
    .bind(token.expires_at)
    .bind(token.family_started_at)
    .execute(db)
    .await?;
    Ok(())
}

#[async_trait]
impl RefreshStore for SqliteRefresh {
    async fn insert(&self, token: &NewToken) -> Result<(), StoreError> {
        let mut db = self.db.acquire().await?;
        Ok(insert_in(&mut db, token).await?)
    }

    async fn rotate(
        &self,
        hash: &str,
        now: i64,
        started_after: i64,
        successor: Successor<'_>,
    ) -> Result<Option<Won>, StoreError> {
        let mut tx = self.db.begin().await?;
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
        .bind(hash)
        .bind(started_after)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((family, user_id, family_started_at)) = won else {
            tx.rollback().await?;
            return Ok(None);
        };
        let won = Won {
            family,
            user_id,
            family_started_at,
        };
        insert_in(&mut tx, &successor(&won)).await?;
        tx.commit().await?;
        Ok(Some(won))
    }

    async fn find(&self, hash: &str) -> Result<Option<StoredToken>, StoreError> {
        type Row = (String, i64, i64, Option<i64>, Option<i64>, i64);
        let row: Option<Row> = sqlx::query_as(
            "SELECT family, user_id, expires_at, used_at, revoked_at, family_started_at
             FROM refresh_tokens WHERE hash = ?",
        )
        .bind(hash)
        .fetch_optional(&self.db)
        .await?;
        Ok(row.map(
            |(family, user_id, expires_at, used_at, revoked_at, family_started_at)| StoredToken {
                family,
                user_id,
                expires_at,
                used_at,
                revoked_at,
                family_started_at,
            },
        ))
    }

    async fn owner_of_live(&self, hash: &str, now: i64) -> Result<Option<i64>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT user_id FROM refresh_tokens
             WHERE hash = ? AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ?",
        )
        .bind(hash)
        .bind(now)
        .fetch_optional(&self.db)
        .await?)
    }

    async fn revoke_family(&self, family: &str, now: i64) -> Result<u64, StoreError> {
        Ok(sqlx::query(
            "UPDATE refresh_tokens SET revoked_at = ? WHERE family = ? AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(family)
        .execute(&self.db)
        .await?
        .rows_affected())
    }

    async fn revoke_user(&self, user_id: i64, now: i64) -> Result<u64, StoreError> {
        Ok(sqlx::query(
            "UPDATE refresh_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(user_id)
        .execute(&self.db)
        .await?
        .rows_affected())
    }

    async fn reuse_detected(&self, family: &str, user_id: i64, now: i64) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        sqlx::query(
            "UPDATE refresh_tokens SET revoked_at = ? WHERE family = ? AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(family)
        .execute(&mut *tx)
        .await?;
        sqlx::query("INSERT INTO security_events (at, user_id, kind, detail) VALUES (?, ?, ?, ?)")
            .bind(now)
            .bind(user_id)
            .bind("refresh_reuse")
            .bind("an already-rotated refresh token was presented; its family was revoked")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
