//! The audit log's table in SQLite (`audit_events`).

use super::table::{AuditTable, Row};
use crate::wire::{AuditEvent, AuthMode};
use async_trait::async_trait;
use sqlx::{QueryBuilder, Sqlite, SqlitePool};

pub struct SqliteAudit {
    db: SqlitePool,
}

impl SqliteAudit {
    pub fn new(db: SqlitePool) -> Self {
        SqliteAudit { db }
    }
}

/// A row of `audit_events` as `list` reads it.
type Stored = (
    i64,
    i64,
    String,
    Option<String>,
    String,
    i64,
    Option<String>,
    String,
);

#[async_trait]
impl AuditTable for SqliteAudit {
    /// One multi-row INSERT. Ids are rowids, each one more than the largest before it, so a
    /// multi-row insert numbers its rows in order: sorting the returned ids restores that order.
    async fn write_batch(&self, rows: &[Row]) -> Result<Vec<i64>, sqlx::Error> {
        let mut insert = QueryBuilder::<Sqlite>::new(
            "INSERT INTO audit_events \
             (at_ms, mode, user_id, username, action, allowed, failed_check, detail) ",
        );
        insert.push_values(rows, |mut values, row| {
            values
                .push_bind(row.at_ms)
                .push_bind(row.mode.as_str())
                .push_bind(row.user.as_ref().map(|(id, _)| *id))
                .push_bind(row.user.as_ref().map(|(_, name)| name.as_str()))
                .push_bind(row.action.as_str())
                .push_bind(row.allowed as i64)
                .push_bind(row.failed_check.as_deref())
                .push_bind(row.detail.as_str());
        });
        insert.push(" RETURNING id");
        let mut ids: Vec<i64> = insert.build_query_scalar().fetch_all(&self.db).await?;
        ids.sort_unstable();
        Ok(ids)
    }

    async fn list(
        &self,
        user_id: Option<i64>,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<AuditEvent>, sqlx::Error> {
        let rows: Vec<Stored> = sqlx::query_as(
            "SELECT id, at_ms, mode, username, action, allowed, failed_check, detail FROM (
                 SELECT * FROM audit_events
                 WHERE id > ? AND (? IS NULL OR user_id = ?)
                 ORDER BY id DESC LIMIT ?
             ) ORDER BY id",
        )
        .bind(after_id)
        .bind(user_id)
        .bind(user_id)
        .bind(limit)
        .fetch_all(&self.db)
        .await?;
        Ok(rows.into_iter().map(event).collect())
    }

    async fn list_since(
        &self,
        user_id: i64,
        since_ms: i64,
        limit: i64,
    ) -> Result<Vec<AuditEvent>, sqlx::Error> {
        let rows: Vec<Stored> = sqlx::query_as(
            "SELECT id, at_ms, mode, username, action, allowed, failed_check, detail FROM (
                 SELECT * FROM audit_events
                 WHERE user_id = ? AND at_ms >= ?
                 ORDER BY id DESC LIMIT ?
             ) ORDER BY id",
        )
        .bind(user_id)
        .bind(since_ms)
        .bind(limit)
        .fetch_all(&self.db)
        .await?;
        Ok(rows.into_iter().map(event).collect())
    }
}

fn event((id, at_ms, mode, username, action, allowed, failed_check, detail): Stored) -> AuditEvent {
    AuditEvent {
        id,
        at_ms,
        mode: if mode == "jwt" {
            AuthMode::Jwt
        } else {
            AuthMode::Session
        },
        username,
        action,
        allowed: allowed != 0,
        failed_check,
        detail,
    }
}
