//! The audit log: every authentication decision the server makes (logins, refreshes, API calls,
//! logouts, revocations, refused attacks) with its time, mode, account, outcome and the check that
//! refused it. Only descriptions are stored, never a token, cookie or password.
//!
//! Sessions make this easy: every request passes through the store, so every request can be
//! attributed. A replay of a logged-out session cookie finds no record, so the session store keeps
//! a hash of each ended id for a day just to be able to say whose it was.

use crate::wire::{AuditEvent, AuthMode, AuthTrace};
use sqlx::SqlitePool;
use tokio::sync::broadcast;

/// An event to record.
pub struct Entry<'a> {
    pub mode: AuthMode,
    pub user: Option<(i64, &'a str)>,
    pub action: &'a str,
    pub allowed: bool,
    pub failed_check: Option<&'a str>,
    pub detail: &'a str,
}

impl<'a> Entry<'a> {
    /// An entry summarising a decision trace.
    pub fn from_trace(trace: &'a AuthTrace, user: Option<(i64, &'a str)>, action: &'a str) -> Self {
        let failed = trace.failed_check();
        Entry {
            mode: trace.mode,
            user,
            action,
            allowed: trace.allowed,
            failed_check: failed.map(|c| c.name.as_str()),
            detail: failed
                .map(|c| c.detail.as_str())
                .unwrap_or("every check passed"),
        }
    }
}

pub struct Audit {
    db: SqlitePool,
    live: broadcast::Sender<AuditEvent>,
}

type Row = (
    i64,
    i64,
    String,
    Option<String>,
    String,
    i64,
    Option<String>,
    String,
);

impl Audit {
    pub fn new(db: SqlitePool) -> Self {
        let (live, _) = broadcast::channel(256);
        Audit { db, live }
    }

    /// Record an event. A failure to write the log is logged, not raised: the decision stands.
    pub async fn record(&self, entry: Entry<'_>) {
        let at_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        let result = sqlx::query(
            "INSERT INTO audit_events (at_ms, mode, user_id, username, action, allowed, failed_check, detail)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(at_ms)
        .bind(entry.mode.as_str())
        .bind(entry.user.map(|(id, _)| id))
        .bind(entry.user.map(|(_, name)| name))
        .bind(entry.action)
        .bind(entry.allowed as i64)
        .bind(entry.failed_check)
        .bind(entry.detail)
        .execute(&self.db)
        .await;
        match result {
            Ok(done) => {
                let _ = self.live.send(AuditEvent {
                    id: done.last_insert_rowid(),
                    at_ms,
                    mode: entry.mode,
                    username: entry.user.map(|(_, name)| name.to_string()),
                    action: entry.action.to_string(),
                    allowed: entry.allowed,
                    failed_check: entry.failed_check.map(str::to_string),
                    detail: entry.detail.to_string(),
                });
            }
            Err(err) => tracing::warn!(target: "authlab::audit", %err, "audit write failed"),
        }
    }

    /// Events after `after_id`, newest last: one user's (`Some`), or everyone's (`None`, admins).
    pub async fn list(
        &self,
        user_id: Option<i64>,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<AuditEvent>, sqlx::Error> {
        let rows: Vec<Row> = sqlx::query_as(
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
        Ok(rows
            .into_iter()
            .map(
                |(id, at_ms, mode, username, action, allowed, failed_check, detail)| AuditEvent {
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
                },
            )
            .collect())
    }

    /// Live events as they are recorded.
    pub fn subscribe(&self) -> broadcast::Receiver<AuditEvent> {
        self.live.subscribe()
    }
}
