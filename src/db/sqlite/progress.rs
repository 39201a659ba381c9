//! The challenges' tables in SQLite (migration 0015).

use crate::db::progress::{EventRow, ProgressRow, ProgressTable};
use async_trait::async_trait;
use sqlx::SqlitePool;

pub struct SqliteProgress {
    db: SqlitePool,
}

impl SqliteProgress {
    pub fn new(db: SqlitePool) -> Self {
        SqliteProgress { db }
    }
}

#[async_trait]
impl ProgressTable for SqliteProgress {
    async fn append(&self, rows: &[EventRow], keep: usize) -> Result<(), sqlx::Error> {
        if rows.is_empty() {
            return Ok(());
        }
        let mut tx = self.db.begin().await?;
        // 3 values a row; batches stay far below SQLite's 32,766 variables.
        for chunk in rows.chunks(2048) {
            let mut insert =
                sqlx::QueryBuilder::new("INSERT INTO challenge_events (learner_id, at_ms, body) ");
            insert.push_values(chunk, |mut row, event| {
                row.push_bind(event.learner_id)
                    .push_bind(event.at_ms)
                    .push_bind(&event.body);
            });
            insert.build().execute(&mut *tx).await?;
        }
        let mut learners: Vec<i64> = rows.iter().map(|r| r.learner_id).collect();
        learners.sort_unstable();
        learners.dedup();
        let keep = i64::try_from(keep).unwrap_or(i64::MAX);
        for learner in learners {
            sqlx::query(
                "DELETE FROM challenge_events WHERE learner_id = ?1 AND id <= (
                     SELECT id FROM challenge_events WHERE learner_id = ?1
                     ORDER BY id DESC LIMIT 1 OFFSET ?2)",
            )
            .bind(learner)
            .bind(keep)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await
    }

    async fn events_after(
        &self,
        learner_id: i64,
        after: i64,
    ) -> Result<Vec<(i64, String)>, sqlx::Error> {
        sqlx::query_as(
            "SELECT id, body FROM challenge_events WHERE learner_id = ? AND id > ? ORDER BY id",
        )
        .bind(learner_id)
        .bind(after)
        .fetch_all(&self.db)
        .await
    }

    async fn progress(&self, learner_id: i64) -> Result<Vec<ProgressRow>, sqlx::Error> {
        let rows: Vec<(String, Option<i64>, i64)> = sqlx::query_as(
            "SELECT challenge, solved_at_ms, hints_used FROM challenge_progress
             WHERE learner_id = ? ORDER BY challenge",
        )
        .bind(learner_id)
        .fetch_all(&self.db)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(challenge, solved_at_ms, hints)| ProgressRow {
                challenge,
                solved_at_ms,
                hints_used: u8::try_from(hints).unwrap_or(u8::MAX),
            })
            .collect())
    }

    async fn solve(
        &self,
        learner_id: i64,
        challenge: &str,
        at_ms: i64,
    ) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "INSERT INTO challenge_progress (learner_id, challenge, solved_at_ms) VALUES (?, ?, ?)
             ON CONFLICT (learner_id, challenge) DO UPDATE SET solved_at_ms = excluded.solved_at_ms
             WHERE solved_at_ms IS NULL",
        )
        .bind(learner_id)
        .bind(challenge)
        .bind(at_ms)
        .execute(&self.db)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn reveal_hint(
        &self,
        learner_id: i64,
        challenge: &str,
        most: u8,
    ) -> Result<u8, sqlx::Error> {
        let (count,): (i64,) = sqlx::query_as(
            "INSERT INTO challenge_progress (learner_id, challenge, hints_used) VALUES (?1, ?2, MIN(1, ?3))
             ON CONFLICT (learner_id, challenge) DO UPDATE SET hints_used = MIN(hints_used + 1, ?3)
             RETURNING hints_used",
        )
        .bind(learner_id)
        .bind(challenge)
        .bind(i64::from(most))
        .fetch_one(&self.db)
        .await?;
        Ok(u8::try_from(count).unwrap_or(most))
    }

    async fn reset(&self, learner_id: i64, at_ms: i64) -> Result<(), sqlx::Error> {
        let mut tx = self.db.begin().await?;
        sqlx::query("DELETE FROM challenge_events WHERE learner_id = ?")
            .bind(learner_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM challenge_progress WHERE learner_id = ?")
            .bind(learner_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO challenge_resets (learner_id, reset_at_ms) VALUES (?, ?)
             ON CONFLICT (learner_id) DO UPDATE SET reset_at_ms = excluded.reset_at_ms",
        )
        .bind(learner_id)
        .bind(at_ms)
        .execute(&mut *tx)
        .await?;
        tx.commit().await
    }

    async fn reset_at(&self, learner_id: i64) -> Result<Option<i64>, sqlx::Error> {
        sqlx::query_scalar("SELECT reset_at_ms FROM challenge_resets WHERE learner_id = ?")
            .bind(learner_id)
            .fetch_optional(&self.db)
            .await
    }

    async fn set_owner(&self, account_id: i64, learner_id: i64) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO challenge_owners (account_id, learner_id) VALUES (?, ?)
             ON CONFLICT (account_id) DO NOTHING",
        )
        .bind(account_id)
        .bind(learner_id)
        .execute(&self.db)
        .await?;
        Ok(())
    }

    async fn owner_of(&self, account_id: i64) -> Result<Option<i64>, sqlx::Error> {
        sqlx::query_scalar("SELECT learner_id FROM challenge_owners WHERE account_id = ?")
            .bind(account_id)
            .fetch_optional(&self.db)
            .await
    }
}
