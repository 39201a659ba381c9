//! The session store on the app's SQLite database: table `sessions` (migration 0006), with the
//! owner and public handle as real columns, and `ended_sessions` for whose a dead id was.
//!
//! Each multi-row change is one transaction that starts with its write, so SQLite takes the write
//! lock first and never has to upgrade a read (which could fail under contention).

use super::{SessionRecord, SessionStore};
use crate::store::StoreError;
use async_trait::async_trait;
use sqlx::{Sqlite, SqlitePool, Transaction};

pub struct SqliteSessions {
    db: SqlitePool,
}

impl SqliteSessions {
    pub fn new(db: SqlitePool) -> Self {
        SqliteSessions { db }
    }
}

type Row = (String, String, String, i64, String, String, i64, i64);

const COLUMNS: &str =
    "key, id_preview, handle, user_id, csrf_token, user_agent, created_at, last_seen";

fn from_row(
    (key, id_preview, handle, user_id, csrf_token, user_agent, created_at, last_seen): Row,
) -> SessionRecord {
    SessionRecord {
        key,
        id_preview,
        handle,
        user_id,
        csrf_token,
        user_agent,
        created_at,
        last_seen,
    }
}

/// Delete the records `DELETE … RETURNING key, user_id` selects and remember their owners, inside
/// `tx`. Returns the owners of what was deleted.
async fn delete_and_remember(
    tx: &mut Transaction<'_, Sqlite>,
    deleted: Vec<(String, i64)>,
    now: i64,
) -> Result<Vec<i64>, StoreError> {
    for (key, user_id) in &deleted {
        sqlx::query(
            "INSERT OR REPLACE INTO ended_sessions (id_hash, user_id, ended_at) VALUES (?, ?, ?)",
        )
        .bind(key)
        .bind(user_id)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(deleted.into_iter().map(|(_, user_id)| user_id).collect())
}

/// End every session of `user_id` but `keep` inside an existing transaction: account events
/// (a password change, say) end sessions in the same transaction as the rest of their work.
pub async fn end_all_in(
    tx: &mut Transaction<'_, Sqlite>,
    user_id: i64,
    keep: Option<&str>,
    now: i64,
) -> Result<usize, StoreError> {
    let deleted: Vec<(String, i64)> = sqlx::query_as(
        "DELETE FROM sessions WHERE user_id = ? AND (? IS NULL OR key <> ?) RETURNING key, user_id",
    )
    .bind(user_id)
    .bind(keep)
    .bind(keep)
    .fetch_all(&mut **tx)
    .await?;
    Ok(delete_and_remember(tx, deleted, now).await?.len())
}

#[async_trait]
impl SessionStore for SqliteSessions {
    fn name(&self) -> &'static str {
        "SQLite"
    }

    fn hit_sentence(&self) -> &'static str {
        "hit: the SQLite session store has a record for this id"
    }

    async fn create(&self, record: &SessionRecord) -> Result<(), StoreError> {
        sqlx::query(&format!(
            "INSERT INTO sessions ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        ))
        .bind(&record.key)
        .bind(&record.id_preview)
        .bind(&record.handle)
        .bind(record.user_id)
        .bind(&record.csrf_token)
        .bind(&record.user_agent)
        .bind(record.created_at)
        .bind(record.last_seen)
        .execute(&self.db)
        .await?;
        Ok(())
    }

    async fn load(&self, key: &str) -> Result<Option<SessionRecord>, StoreError> {
        let row: Option<Row> =
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM sessions WHERE key = ?"))
                .bind(key)
                .fetch_optional(&self.db)
                .await?;
        Ok(row.map(from_row))
    }

    async fn touch(&self, touches: &[(String, i64)]) -> Result<Vec<bool>, StoreError> {
        let mut tx = self.db.begin().await?;
        let mut found = Vec::with_capacity(touches.len());
        for (key, at) in touches {
            // An UPDATE, never an upsert: a record ended meanwhile stays ended.
            let done =
                sqlx::query("UPDATE sessions SET last_seen = max(last_seen, ?) WHERE key = ?")
                    .bind(at)
                    .bind(key)
                    .execute(&mut *tx)
                    .await?;
            found.push(done.rows_affected() == 1);
        }
        tx.commit().await?;
        Ok(found)
    }

    async fn end(&self, key: &str, now: i64) -> Result<Option<i64>, StoreError> {
        let mut tx = self.db.begin().await?;
        let deleted: Vec<(String, i64)> =
            sqlx::query_as("DELETE FROM sessions WHERE key = ? RETURNING key, user_id")
                .bind(key)
                .fetch_all(&mut *tx)
                .await?;
        let owners = delete_and_remember(&mut tx, deleted, now).await?;
        tx.commit().await?;
        Ok(owners.first().copied())
    }

    async fn end_by_handle(
        &self,
        user_id: i64,
        handle: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.db.begin().await?;
        let deleted: Vec<(String, i64)> = sqlx::query_as(
            "DELETE FROM sessions WHERE handle = ? AND user_id = ? RETURNING key, user_id",
        )
        .bind(handle)
        .bind(user_id)
        .fetch_all(&mut *tx)
        .await?;
        let ended = !delete_and_remember(&mut tx, deleted, now).await?.is_empty();
        tx.commit().await?;
        Ok(ended)
    }

    async fn end_all_of(
        &self,
        user_id: i64,
        keep: Option<&str>,
        now: i64,
    ) -> Result<usize, StoreError> {
        let mut tx = self.db.begin().await?;
        let ended = end_all_in(&mut tx, user_id, keep, now).await?;
        tx.commit().await?;
        Ok(ended)
    }

    async fn list_of(&self, user_id: i64) -> Result<Vec<SessionRecord>, StoreError> {
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM sessions WHERE user_id = ? ORDER BY created_at, key"
        ))
        .bind(user_id)
        .fetch_all(&self.db)
        .await?;
        Ok(rows.into_iter().map(from_row).collect())
    }

    async fn end_expired(
        &self,
        idle_before: i64,
        created_before: i64,
        now: i64,
    ) -> Result<usize, StoreError> {
        let mut tx = self.db.begin().await?;
        let deleted: Vec<(String, i64)> = sqlx::query_as(
            "DELETE FROM sessions WHERE last_seen < ? OR created_at < ? RETURNING key, user_id",
        )
        .bind(idle_before)
        .bind(created_before)
        .fetch_all(&mut *tx)
        .await?;
        let ended = delete_and_remember(&mut tx, deleted, now).await?.len();
        tx.commit().await?;
        Ok(ended)
    }

    async fn owner_of(&self, key: &str, ended_since: i64) -> Result<Option<i64>, StoreError> {
        let owner: Option<i64> = sqlx::query_scalar(
            "SELECT user_id FROM sessions WHERE key = ?1
             UNION ALL
             SELECT user_id FROM ended_sessions WHERE id_hash = ?1 AND ended_at >= ?2
             LIMIT 1",
        )
        .bind(key)
        .bind(ended_since)
        .fetch_optional(&self.db)
        .await?;
        Ok(owner)
    }

    async fn forget_ended(&self, before: i64) -> Result<u64, StoreError> {
        Ok(sqlx::query("DELETE FROM ended_sessions WHERE ended_at < ?")
            .bind(before)
            .execute(&self.db)
            .await?
            .rows_affected())
    }
}
