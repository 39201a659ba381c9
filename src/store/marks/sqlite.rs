//! Not-before marks in SQLite: the accounts table's `tokens_not_before` column (account events
//! set it in the same transaction as the rest of their change).

use super::MarkStore;
use crate::store::StoreError;
use async_trait::async_trait;
use sqlx::SqlitePool;

pub struct SqliteMarks {
    db: SqlitePool,
}

impl SqliteMarks {
    pub fn new(db: SqlitePool) -> Self {
        SqliteMarks { db }
    }
}

#[async_trait]
impl MarkStore for SqliteMarks {
    async fn all(&self) -> Result<Vec<(String, i64)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT username, tokens_not_before FROM users WHERE tokens_not_before IS NOT NULL",
        )
        .fetch_all(&self.db)
        .await?)
    }

    async fn get(&self, username: &str) -> Result<Option<i64>, StoreError> {
        let mark: Option<Option<i64>> =
            sqlx::query_scalar("SELECT tokens_not_before FROM users WHERE username = ?")
                .bind(username)
                .fetch_optional(&self.db)
                .await?;
        Ok(mark.flatten())
    }

    async fn set(&self, user_id: i64, at: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE users SET tokens_not_before = ? WHERE id = ?")
            .bind(at)
            .bind(user_id)
            .execute(&self.db)
            .await?;
        Ok(())
    }
}
