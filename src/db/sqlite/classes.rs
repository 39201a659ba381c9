//! The classes' tables in SQLite (migration 0016).

use crate::{
    db::classes::{ClassDbError, ClassRow, ClassTable, MemberRow, StandingRow},
    wire::ClassSwitches,
};
use async_trait::async_trait;
use sqlx::SqlitePool;

pub struct SqliteClasses {
    db: SqlitePool,
}

impl SqliteClasses {
    pub fn new(db: SqlitePool) -> Self {
        SqliteClasses { db }
    }
}

/// Every column of a `ClassRow`, in `Row`'s order.
const SELECT: &str = "SELECT c.id, c.teacher_id, u.username, c.name, c.join_code, c.created_at,
        c.ends_at, c.closed_at, c.hints, c.solutions, c.scale_lab, c.access_ttl_secs,
        c.expire_accounts, (SELECT COUNT(*) FROM class_members m WHERE m.class_id = c.id)
    FROM classes c JOIN users u ON u.id = c.teacher_id";

type Row = (
    i64,
    i64,
    String,
    String,
    String,
    i64,
    i64,
    Option<i64>,
    bool,
    bool,
    bool,
    Option<i64>,
    bool,
    i64,
);

fn class_row(row: Row) -> ClassRow {
    let (id, teacher_id, teacher, name, join_code, created_at, ends_at, closed_at) =
        (row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7);
    ClassRow {
        id,
        teacher_id,
        teacher,
        name,
        join_code,
        created_at,
        ends_at,
        closed_at,
        switches: ClassSwitches {
            hints: row.8,
            solutions: row.9,
            scale_lab: row.10,
            access_ttl_secs: row.11.and_then(|secs| u64::try_from(secs).ok()),
            expire_accounts: row.12,
        },
        members: row.13,
    }
}

#[async_trait]
impl ClassTable for SqliteClasses {
    async fn insert(
        &self,
        teacher_id: i64,
        name: &str,
        join_code: &str,
        created_at: i64,
        ends_at: i64,
        switches: &ClassSwitches,
    ) -> Result<i64, ClassDbError> {
        let inserted = sqlx::query_scalar(
            "INSERT INTO classes (teacher_id, name, join_code, created_at, ends_at, hints,
                 solutions, scale_lab, access_ttl_secs, expire_accounts)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(teacher_id)
        .bind(name)
        .bind(join_code)
        .bind(created_at)
        .bind(ends_at)
        .bind(switches.hints)
        .bind(switches.solutions)
        .bind(switches.scale_lab)
        .bind(switches.access_ttl_secs.map(|secs| secs as i64))
        .bind(switches.expire_accounts)
        .fetch_one(&self.db)
        .await;
        match inserted {
            Ok(id) => Ok(id),
            Err(sqlx::Error::Database(err)) if err.is_unique_violation() => {
                Err(ClassDbError::CodeTaken)
            }
            Err(err) => Err(err.into()),
        }
    }

    async fn by_id(&self, id: i64) -> Result<Option<ClassRow>, sqlx::Error> {
        let row: Option<Row> = sqlx::query_as(&format!("{SELECT} WHERE c.id = ?"))
            .bind(id)
            .fetch_optional(&self.db)
            .await?;
        Ok(row.map(class_row))
    }

    async fn by_code(&self, join_code: &str) -> Result<Option<ClassRow>, sqlx::Error> {
        let row: Option<Row> = sqlx::query_as(&format!("{SELECT} WHERE c.join_code = ?"))
            .bind(join_code)
            .fetch_optional(&self.db)
            .await?;
        Ok(row.map(class_row))
    }

    async fn list(&self, teacher_id: Option<i64>) -> Result<Vec<ClassRow>, sqlx::Error> {
        let rows: Vec<Row> = match teacher_id {
            Some(teacher) => {
                sqlx::query_as(&format!(
                    "{SELECT} WHERE c.teacher_id = ? ORDER BY c.id DESC"
                ))
                .bind(teacher)
                .fetch_all(&self.db)
                .await?
            }
            None => {
                sqlx::query_as(&format!("{SELECT} ORDER BY c.id DESC"))
                    .fetch_all(&self.db)
                    .await?
            }
        };
        Ok(rows.into_iter().map(class_row).collect())
    }

    async fn join(&self, learner_id: i64, class_id: i64, at_ms: i64) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO class_members (learner_id, class_id, joined_at_ms) VALUES (?, ?, ?)
             ON CONFLICT (learner_id) DO UPDATE
                 SET class_id = excluded.class_id, joined_at_ms = excluded.joined_at_ms",
        )
        .bind(learner_id)
        .bind(class_id)
        .bind(at_ms)
        .execute(&self.db)
        .await?;
        Ok(())
    }

    async fn leave(&self, learner_id: i64) -> Result<bool, sqlx::Error> {
        let done = sqlx::query("DELETE FROM class_members WHERE learner_id = ?")
            .bind(learner_id)
            .execute(&self.db)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn membership(&self, learner_id: i64) -> Result<Option<(ClassRow, i64)>, sqlx::Error> {
        let joined: Option<(i64, i64)> =
            sqlx::query_as("SELECT class_id, joined_at_ms FROM class_members WHERE learner_id = ?")
                .bind(learner_id)
                .fetch_optional(&self.db)
                .await?;
        let Some((class_id, joined_at_ms)) = joined else {
            return Ok(None);
        };
        Ok(self.by_id(class_id).await?.map(|row| (row, joined_at_ms)))
    }

    async fn members(&self, class_id: i64) -> Result<Vec<MemberRow>, sqlx::Error> {
        let rows: Vec<(i64, String, i64, Option<i64>)> = sqlx::query_as(
            "SELECT m.learner_id, u.username, m.joined_at_ms, r.reset_at_ms
             FROM class_members m JOIN users u ON u.id = m.learner_id
             LEFT JOIN challenge_resets r ON r.learner_id = m.learner_id
             WHERE m.class_id = ? ORDER BY u.username",
        )
        .bind(class_id)
        .fetch_all(&self.db)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(learner_id, username, joined_at_ms, reset_at_ms)| MemberRow {
                    learner_id,
                    username,
                    joined_at_ms,
                    reset_at_ms,
                },
            )
            .collect())
    }

    async fn standings(&self, class_id: i64) -> Result<Vec<StandingRow>, sqlx::Error> {
        let rows: Vec<(i64, String, Option<i64>, i64)> = sqlx::query_as(
            "SELECT p.learner_id, p.challenge, p.solved_at_ms, p.hints_used
             FROM challenge_progress p JOIN class_members m ON m.learner_id = p.learner_id
             WHERE m.class_id = ?",
        )
        .bind(class_id)
        .fetch_all(&self.db)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(learner_id, challenge, solved_at_ms, hints)| StandingRow {
                learner_id,
                challenge,
                solved_at_ms,
                hints_used: u8::try_from(hints).unwrap_or(u8::MAX),
            })
            .collect())
    }

    async fn close(&self, class_id: i64, now: i64) -> Result<bool, sqlx::Error> {
        let done =
            sqlx::query("UPDATE classes SET closed_at = ? WHERE id = ? AND closed_at IS NULL")
                .bind(now)
                .bind(class_id)
                .execute(&self.db)
                .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn due_to_close(&self, now: i64) -> Result<Vec<i64>, sqlx::Error> {
        sqlx::query_scalar("SELECT id FROM classes WHERE closed_at IS NULL AND ends_at <= ?")
            .bind(now)
            .fetch_all(&self.db)
            .await
    }

    async fn expire_members(&self, class_id: i64, at: i64) -> Result<u64, sqlx::Error> {
        let done = sqlx::query(
            "UPDATE users SET expires_at = ?
             WHERE role = 'user' AND id IN (SELECT learner_id FROM class_members WHERE class_id = ?)",
        )
        .bind(at)
        .bind(class_id)
        .execute(&self.db)
        .await?;
        Ok(done.rows_affected())
    }
}
