//! The replay cache in SQLite: table `dpop_jtis`, primary key `(jkt, jti)`. The insert is the
//! check (`INSERT OR IGNORE`: one row changed means the `jti` was new), and the same transaction
//! trims the key to its cap, so processes sharing the file see each other's proofs.

use super::ProofJtis;
use crate::store::StoreError;
use async_trait::async_trait;
use sqlx::SqlitePool;

pub struct SqliteProofJtis {
    db: SqlitePool,
}

impl SqliteProofJtis {
    pub fn new(db: SqlitePool) -> Self {
        SqliteProofJtis { db }
    }
}

#[async_trait]
impl ProofJtis for SqliteProofJtis {
    async fn first_use(
        &self,
        jkt: &str,
        jti: &str,
        until: i64,
        cap: usize,
        _now: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.db.begin().await?;
        let new = sqlx::query("INSERT OR IGNORE INTO dpop_jtis (jkt, jti, until) VALUES (?, ?, ?)")
            .bind(jkt)
            .bind(jti)
            .bind(until)
            .execute(&mut *tx)
            .await?
            .rows_affected()
            == 1;
        if new {
            // Past the cap, the entries nearest their end go (the index walks this key only).
            sqlx::query(
                "DELETE FROM dpop_jtis WHERE jkt = ?1 AND jti IN \
                 (SELECT jti FROM dpop_jtis WHERE jkt = ?1 ORDER BY until DESC, jti \
                  LIMIT -1 OFFSET ?2)",
            )
            .bind(jkt)
            .bind(i64::try_from(cap).unwrap_or(i64::MAX))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(new)
    }

    async fn purge_expired(&self, now: i64) -> Result<u64, StoreError> {
        Ok(sqlx::query("DELETE FROM dpop_jtis WHERE until < ?")
            .bind(now)
            .execute(&self.db)
            .await?
            .rows_affected())
    }

    async fn count(&self, jkt: &str, now: i64) -> Result<u64, StoreError> {
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM dpop_jtis WHERE jkt = ? AND until >= ?")
                .bind(jkt)
                .bind(now)
                .fetch_one(&self.db)
                .await?;
        Ok(n.max(0) as u64)
    }
}
