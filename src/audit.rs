//! The audit log: every authentication decision the server makes (logins, refreshes, API calls,
//! logouts, revocations, refused attacks) with its time, mode, account, outcome and the check that
//! refused it. Only descriptions are stored, never a token, cookie or password.
//!
//! Sessions make this easy: every request passes through the store, so every request can be
//! attributed. A replay of a logged-out session cookie finds no record, so the session store keeps
//! a hash of each ended id for a day just to be able to say whose it was.

use crate::{
    auth::echo::shown,
    wire::{AuditEvent, AuthMode, AuthTrace},
};
use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota};
use sqlx::SqlitePool;
use std::{
    num::NonZeroU32,
    sync::atomic::{AtomicU64, Ordering},
};
use tokio::sync::broadcast;

/// The most characters of an action (`METHOD /path`) stored: the path is the client's choice.
const ACTION_CHARS: usize = 128;
/// The most characters of a detail stored (details quote attacker values capped already).
const DETAIL_CHARS: usize = 512;

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

/// Refusals are written one by one only up to `refusals_per_minute`: those that name no account
/// (a forged token, a made-up cookie) all together, and those of each account (a replayed ended
/// cookie, an expired token) separately. Anyone can send refused requests without limit, so
/// beyond it they are only counted, and the count is written as one row by the maintenance task.
pub struct Audit {
    db: SqlitePool,
    live: broadcast::Sender<AuditEvent>,
    per_minute: u32,
    unattributed: DefaultDirectRateLimiter,
    per_account: DefaultKeyedRateLimiter<i64>,
    /// Refusals counted but not written one by one since the last summary.
    suppressed: AtomicU64,
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
    pub fn new(db: SqlitePool, refusals_per_minute: u32) -> Self {
        let (live, _) = broadcast::channel(256);
        let quota =
            Quota::per_minute(NonZeroU32::new(refusals_per_minute).unwrap_or(NonZeroU32::MIN));
        Audit {
            db,
            live,
            per_minute: refusals_per_minute,
            unattributed: DefaultDirectRateLimiter::direct(quota),
            per_account: DefaultKeyedRateLimiter::keyed(quota),
            suppressed: AtomicU64::new(0),
        }
    }

    /// Refusals counted since the last summary, not yet written.
    pub fn suppressed(&self) -> u64 {
        self.suppressed.load(Ordering::Relaxed)
    }

    /// Write one row for the unattributed refusals counted since the last call, if any (the
    /// maintenance task calls this each pass).
    pub async fn write_suppressed_summary(&self) {
        self.per_account.retain_recent();
        let count = self.suppressed.swap(0, Ordering::Relaxed);
        if count == 0 {
            return;
        }
        let detail = format!(
            "{count} more refused requests were counted, not logged one by one (more than {} a \
             minute without an account, or for one account)",
            self.per_minute
        );
        self.write(Entry {
            mode: AuthMode::Session,
            user: None,
            action: "refusals without an account",
            allowed: false,
            failed_check: None,
            detail: &detail,
        })
        .await;
    }

    /// Record an event. A failure to write the log is logged, not raised: the decision stands.
    pub async fn record(&self, entry: Entry<'_>) {
        if !entry.allowed {
            let within = match entry.user {
                None => self.unattributed.check().is_ok(),
                Some((id, _)) => self.per_account.check_key(&id).is_ok(),
            };
            if !within {
                self.suppressed.fetch_add(1, Ordering::Relaxed);
                return;
            }
        }
        self.write(entry).await;
    }

    async fn write(&self, entry: Entry<'_>) {
        let action = shown(entry.action, ACTION_CHARS);
        let detail = shown(entry.detail, DETAIL_CHARS);
        let entry = Entry {
            action: &action,
            detail: &detail,
            ..entry
        };
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
