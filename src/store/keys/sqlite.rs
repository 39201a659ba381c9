//! Signing keys in SQLite: the `signing_keys` table, beside the accounts they belong to (a
//! deleted account's keys go with it, by foreign key).

use super::{KeyStore, StoredKey};
use crate::{store::StoreError, wire::JwtAlg};
use async_trait::async_trait;
use sqlx::SqlitePool;

pub struct SqliteKeys {
    db: SqlitePool,
}

impl SqliteKeys {
    pub fn new(db: SqlitePool) -> Self {
        SqliteKeys { db }
    }
}

/// kid, owner_id, alg, secret, created_at, rotated_at
type Row = (String, i64, String, Vec<u8>, i64, Option<i64>);

#[async_trait]
impl KeyStore for SqliteKeys {
    async fn all(&self) -> Result<Vec<StoredKey>, StoreError> {
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT kid, owner_id, alg, secret, created_at, rotated_at FROM signing_keys",
        )
        .fetch_all(&self.db)
        .await?;
        rows.into_iter()
            .map(|(kid, owner_id, alg, secret, created_at, rotated_at)| {
                let alg = JwtAlg::parse(&alg).ok_or_else(|| {
                    StoreError::Backend(format!("key {kid}: unknown alg {alg}").into())
                })?;
                Ok(StoredKey {
                    kid,
                    owner_id,
                    alg,
                    secret,
                    created_at,
                    rotated_at,
                })
            })
            .collect()
    }

    async fn insert(&self, key: &StoredKey) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO signing_keys (kid, owner_id, alg, secret, created_at, rotated_at)
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(&key.kid)
        .bind(key.owner_id)
        .bind(key.alg.as_str())
        .bind(&key.secret)
        .bind(key.created_at)
        .bind(key.rotated_at)
        .execute(&self.db)
        .await?;
        Ok(())
    }

    async fn mark_rotated(&self, owner_id: i64, alg: JwtAlg, at: i64) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE signing_keys SET rotated_at = ?
             WHERE owner_id = ? AND alg = ? AND rotated_at IS NULL",
        )
        .bind(at)
        .bind(owner_id)
        .bind(alg.as_str())
        .execute(&self.db)
        .await?;
        Ok(())
    }

    async fn delete_rotated(&self, owner_id: i64) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM signing_keys WHERE owner_id = ? AND rotated_at IS NOT NULL")
            .bind(owner_id)
            .execute(&self.db)
            .await?;
        Ok(())
    }

    async fn delete_rotated_before(&self, cutoff: i64) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM signing_keys WHERE rotated_at IS NOT NULL AND rotated_at < ?")
            .bind(cutoff)
            .execute(&self.db)
            .await?;
        Ok(())
    }

    async fn delete(&self, kids: &[String]) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        for kid in kids {
            sqlx::query("DELETE FROM signing_keys WHERE kid = ?")
                .bind(kid)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
