//! The denylist in SQLite: table `jwt_denylist`, primary key `jti`.

use super::Denylist;
use crate::store::StoreError;
use async_trait::async_trait;
use sqlx::SqlitePool;

pub struct SqliteDenylist {
    db: SqlitePool,
}

impl SqliteDenylist {
    pub fn new(db: SqlitePool) -> Self {
        SqliteDenylist { db }
    }
}

#[async_trait]
impl Denylist for SqliteDenylist {
    async fn deny(&self, jti: &str, user_id: i64, exp: i64) -> Result<(), StoreError> {
        sqlx::query("INSERT OR IGNORE INTO jwt_denylist (jti, user_id, exp) VALUES (?, ?, ?)")
            .bind(jti)
            .bind(user_id)
            .bind(exp)
            .execute(&self.db)
            .await?;
        Ok(())
    }

    async fn is_denied(&self, jti: &str) -> Result<bool, StoreError> {
        let hit: Option<i64> = sqlx::query_scalar("SELECT 1 FROM jwt_denylist WHERE jti = ?")
            .bind(jti)
            .fetch_optional(&self.db)
            .await?;
        Ok(hit.is_some())
    }

    async fn purge_expired(&self, now: i64) -> Result<u64, StoreError> {
        Ok(sqlx::query("DELETE FROM jwt_denylist WHERE exp < ?")
            .bind(now)
            .execute(&self.db)
            .await?
            .rows_affected())
    }
}
