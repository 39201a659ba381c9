//! The server's upkeep in SQLite: the health ping, `server_secrets`, the retention pass.

use crate::{
    db::{
        maintenance::Maintenance,
        retention::{fair_share, secs, Purged},
    },
    settings::RetentionSettings,
};
use async_trait::async_trait;
use sqlx::SqlitePool;

pub struct SqliteMaintenance {
    db: SqlitePool,
}

impl SqliteMaintenance {
    pub fn new(db: SqlitePool) -> Self {
        SqliteMaintenance { db }
    }
}

#[async_trait]
impl Maintenance for SqliteMaintenance {
    async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query_scalar::<_, i64>("SELECT 1")
            .fetch_one(&self.db)
            .await?;
        Ok(())
    }

    async fn device_key(&self, fresh: [u8; 32]) -> Result<[u8; 32], sqlx::Error> {
        sqlx::query(
            "INSERT OR IGNORE INTO server_secrets (name, value) VALUES ('device-cookie', ?)",
        )
        .bind(fresh.as_slice())
        .execute(&self.db)
        .await?;
        let stored: Vec<u8> =
            sqlx::query_scalar("SELECT value FROM server_secrets WHERE name = 'device-cookie'")
                .fetch_one(&self.db)
                .await?;
        stored.try_into().map_err(|_| {
            sqlx::Error::Decode("the stored device-cookie key is not 32 bytes long".into())
        })
    }

    async fn purge(&self, keep: &RetentionSettings, now: i64) -> Result<Purged, sqlx::Error> {
        let db = &self.db;
        let audit_cutoff_ms = now
            .saturating_sub(secs(keep.audit_secs))
            .saturating_mul(1000);
        let mut audit_events = sqlx::query("DELETE FROM audit_events WHERE at_ms < ?")
            .bind(audit_cutoff_ms)
            .execute(db)
            .await?
            .rows_affected();
        let per_account = secs(keep.audit_max_rows_per_account);
        let mut held: Vec<(Option<i64>, i64)> =
            sqlx::query_as("SELECT user_id, COUNT(*) FROM audit_events GROUP BY user_id")
                .fetch_all(db)
                .await?;
        let total: i64 = held.iter().map(|(_, n)| (*n).min(per_account)).sum();
        let cap = fair_share(
            held.iter().map(|(_, n)| (*n).min(per_account)),
            total,
            secs(keep.audit_max_rows),
        )
        .min(per_account);
        held.retain(|(_, n)| *n > cap);
        for (account, _) in held {
            // `IS` matches the rows naming no account (NULL) as one history.
            audit_events += sqlx::query(
                "DELETE FROM audit_events WHERE user_id IS ?1 AND id <= (
                     SELECT id FROM audit_events WHERE user_id IS ?1
                     ORDER BY id DESC LIMIT 1 OFFSET ?2
                 )",
            )
            .bind(account)
            .bind(cap)
            .execute(db)
            .await?
            .rows_affected();
        }

        let refresh_cutoff = now.saturating_sub(secs(keep.refresh_tokens_secs));
        let refresh_tokens =
            sqlx::query("DELETE FROM refresh_tokens WHERE expires_at < ?1 OR revoked_at < ?1")
                .bind(refresh_cutoff)
                .execute(db)
                .await?
                .rows_affected();

        let security_events = sqlx::query("DELETE FROM security_events WHERE at < ?")
            .bind(now.saturating_sub(secs(keep.security_events_secs)))
            .execute(db)
            .await?
            .rows_affected();
        Ok(Purged {
            audit_events,
            refresh_tokens,
            security_events,
        })
    }

    async fn close(&self) {
        self.db.close().await;
    }
}
