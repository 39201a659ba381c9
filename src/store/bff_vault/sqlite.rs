//! The vault in SQLite: table `bff_vault`, primary key the session's key.

use super::{BffVault, Held};
use crate::store::StoreError;
use async_trait::async_trait;
use sqlx::SqlitePool;

pub struct SqliteBffVault {
    db: SqlitePool,
}

impl SqliteBffVault {
    pub fn new(db: SqlitePool) -> Self {
        SqliteBffVault { db }
    }
}

#[async_trait]
impl BffVault for SqliteBffVault {
    async fn put(&self, key: &str, held: &Held, until: i64) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO bff_vault (key, access, access_exp, refresh, refresh_exp, until) \
             VALUES (?, ?, ?, ?, ?, ?) \
             ON CONFLICT (key) DO UPDATE SET access = excluded.access, \
             access_exp = excluded.access_exp, refresh = excluded.refresh, \
             refresh_exp = excluded.refresh_exp, until = excluded.until",
        )
        .bind(key)
        .bind(&held.access)
        .bind(held.access_exp)
        .bind(&held.refresh)
        .bind(held.refresh_exp)
        .bind(until)
        .execute(&self.db)
        .await?;
        Ok(())
    }

    async fn get(&self, key: &str, now: i64) -> Result<Option<Held>, StoreError> {
        let row: Option<(String, i64, String, i64)> = sqlx::query_as(
            "SELECT access, access_exp, refresh, refresh_exp FROM bff_vault \
             WHERE key = ? AND until >= ?",
        )
        .bind(key)
        .bind(now)
        .fetch_optional(&self.db)
        .await?;
        Ok(row.map(|(access, access_exp, refresh, refresh_exp)| Held {
            access,
            access_exp,
            refresh,
            refresh_exp,
        }))
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM bff_vault WHERE key = ?")
            .bind(key)
            .execute(&self.db)
            .await?;
        Ok(())
    }

    async fn purge_expired(&self, now: i64) -> Result<u64, StoreError> {
        Ok(sqlx::query("DELETE FROM bff_vault WHERE until < ?")
            .bind(now)
            .execute(&self.db)
            .await?
            .rows_affected())
    }
}
