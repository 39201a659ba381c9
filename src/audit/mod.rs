//! The audit log: every authentication decision the server makes (logins, refreshes, API calls,
//! logouts, revocations, refused attacks) with its time, mode, account, outcome and the check that
//! refused it. Only descriptions are stored, never a token, cookie or password.
//!
//! Sessions make this easy: every request passes through the store, so every request can be
//! attributed. A replay of a logged-out session cookie finds no record, so the session store keeps
//! a hash of each ended id for a day just to be able to say whose it was.

mod refusals;
pub mod stream_slots;
mod writer;

use crate::{
    auth::echo::shown,
    wire::{AuditEvent, AuthMode, AuthTrace},
};
use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota};
use refusals::{Key, ReadCounts, RefusalCounts};
use sqlx::SqlitePool;
use std::{
    borrow::Cow,
    num::NonZeroU32,
    sync::atomic::{AtomicU64, Ordering},
    time::Duration,
};
use tokio::sync::{broadcast, mpsc, oneshot};
use writer::{Job, Row};

/// The most characters of an action (`METHOD /path`) stored: the path is the client's choice.
const ACTION_CHARS: usize = 128;
/// The most characters of a detail stored (details quote attacker values capped already).
const DETAIL_CHARS: usize = 512;
/// Rows the queue holds before the writer catches up.
const QUEUE: usize = 8192;
/// How long a signed-in request waits for room in a full queue before its entry is counted as
/// lost (and logged as such): long enough for a batch to commit, short enough not to hang.
const ROOM_WAIT: Duration = Duration::from_secs(2);

/// An event to record (plain borrowed values, so copying one costs nothing).
#[derive(Clone)]
pub struct Entry<'a> {
    pub mode: AuthMode,
    pub user: Option<(i64, &'a str)>,
    pub action: &'a str,
    pub allowed: bool,
    pub failed_check: Option<&'a str>,
    pub detail: Cow<'a, str>,
    /// The sender's address, which keys the count a refusal past the allowance goes into.
    pub client: Option<&'a str>,
}

/// The audit line of a request that went through only because its account switched checks off.
pub const OFF_CHECKS_ALLOWED: &str =
    "allowed only because this account deliberately switched these checks off";

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
            detail: match (failed, trace.switched_off().next()) {
                (Some(check), _) => Cow::Borrowed(check.detail.as_ref()),
                (None, Some(_)) => {
                    let off: Vec<&str> = trace.switched_off().map(|c| c.name.as_str()).collect();
                    Cow::Owned(format!(
                        "{OFF_CHECKS_ALLOWED}: {}; with them on, this request is refused",
                        off.join(", ")
                    ))
                }
                (None, None) => Cow::Borrowed(EVERY_CHECK_PASSED),
            },
            client: None,
        }
    }

    /// An account event (a login, a refresh, a password change): no trace, one sentence.
    pub fn event(
        mode: AuthMode,
        user: Option<(i64, &'a str)>,
        action: &'a str,
        allowed: bool,
        detail: &'a str,
    ) -> Self {
        Entry {
            mode,
            user,
            action,
            allowed,
            failed_check: None,
            detail: Cow::Borrowed(detail),
            client: None,
        }
    }

    pub fn from_client(self, client: &'a str) -> Self {
        Entry {
            client: Some(client),
            ..self
        }
    }
}

/// The detail of an allowed request with nothing switched off.
const EVERY_CHECK_PASSED: &str = "every check passed";

/// The audit log. Entries go into a bounded queue that one task writes in batches
/// (`writer.rs`); a request never waits for the disk.
///
/// Refusals are written one by one only up to `refusals_per_minute`: those that name no account
/// (a forged token, a made-up cookie) all together, and those of each account (a replayed ended
/// cookie, an expired token) separately. Anyone can send refused requests without limit, so
/// beyond it, or when the queue is full, they are only counted (`refusals.rs`), and the counts
/// are written as a few rows by the maintenance task. A refusal never waits for room.
///
/// Plain allowed reads (a GET whose every check passed) are kept the same way, up to
/// `allowed_reads_per_minute` per account one by one, the rest counted: a script polling
/// `/api/me` would otherwise put a row on disk per request, the write the stateless model was
/// meant to avoid, and most of what an authenticated read costs this server. Logins, logouts,
/// every write, and any request allowed only because the account switched checks off are always
/// written one by one.
pub struct Audit {
    queue: mpsc::Sender<Job>,
    db: SqlitePool,
    live: broadcast::Sender<AuditEvent>,
    per_minute: u32,
    unattributed: DefaultDirectRateLimiter,
    per_account: DefaultKeyedRateLimiter<i64>,
    refusals: RefusalCounts,
    allowed_reads_per_minute: u32,
    reads_per_account: DefaultKeyedRateLimiter<i64>,
    allowed_reads: ReadCounts,
    /// Entries of allowed requests that found the queue full for longer than `ROOM_WAIT`.
    lost: AtomicU64,
}

impl Audit {
    /// The log and its writer task (spawned on the current runtime).
    pub fn new(db: SqlitePool, refusals_per_minute: u32, allowed_reads_per_minute: u32) -> Self {
        let (live, _) = broadcast::channel(256);
        let (queue, jobs) = mpsc::channel(QUEUE);
        tokio::spawn(writer::run(db.clone(), jobs, live.clone()));
        let quota =
            Quota::per_minute(NonZeroU32::new(refusals_per_minute).unwrap_or(NonZeroU32::MIN));
        Audit {
            queue,
            db,
            live,
            per_minute: refusals_per_minute,
            unattributed: DefaultDirectRateLimiter::direct(quota),
            per_account: DefaultKeyedRateLimiter::keyed(quota),
            refusals: RefusalCounts::default(),
            allowed_reads_per_minute,
            reads_per_account: DefaultKeyedRateLimiter::keyed(Quota::per_minute(
                NonZeroU32::new(allowed_reads_per_minute).unwrap_or(NonZeroU32::MIN),
            )),
            allowed_reads: ReadCounts::default(),
            lost: AtomicU64::new(0),
        }
    }

    /// Refusals counted since the last summary, not yet written.
    pub fn suppressed(&self) -> u64 {
        self.refusals.total()
    }

    /// Entries lost because the queue stayed full (0 unless the disk stalls).
    pub fn lost(&self) -> u64 {
        self.lost.load(Ordering::Relaxed)
    }

    /// Write one row per (check, sender) for the refusals counted since the last call, and wait
    /// until they are written (the maintenance task calls this each pass, shutdown once more).
    pub async fn write_suppressed_summary(&self) {
        self.per_account.retain_recent();
        self.reads_per_account.retain_recent();
        for (sender, count) in self.allowed_reads.take() {
            let detail = format!(
                "{count} more reads by {sender}, every check passed, were counted, not logged one \
                 by one (more than {} allowed reads a minute for one account)",
                self.allowed_reads_per_minute
            );
            let row = row(&Entry::event(
                AuthMode::Session,
                None,
                "allowed reads counted",
                true,
                &detail,
            ));
            self.wait_for_room(row).await;
        }
        for (key, count) in self.refusals.take() {
            let check = key.check.as_deref().unwrap_or("any check");
            let detail = format!(
                "{count} more requests from {} refused by {check} were counted, not logged one \
                 by one (more than {} refusals a minute without an account, or for one account)",
                key.sender, self.per_minute
            );
            let row = row(&Entry {
                failed_check: key.check.as_deref(),
                ..Entry::event(AuthMode::Session, None, "refusals counted", false, &detail)
            });
            self.wait_for_room(row).await;
        }
        self.flush().await;
    }

    /// Queue an event. An allowed request's entry waits briefly for room if the queue is full;
    /// a refusal never waits: past the allowance or a full queue, it is counted.
    pub async fn record(&self, entry: Entry<'_>) {
        if entry.allowed {
            if let (Some((id, name)), true) = (entry.user, is_plain_read(&entry)) {
                if self.read_is_counted(id, name) {
                    return;
                }
            }
            self.wait_for_room(row(&entry)).await;
            return;
        }
        let within = match entry.user {
            None => self.unattributed.check().is_ok(),
            Some((id, _)) => self.per_account.check_key(&id).is_ok(),
        };
        if !within || self.queue.try_send(Job::Write(row(&entry))).is_err() {
            // Only a counted refusal pays for its key.
            self.refusals.count(refusal_key(&entry));
        }
    }

    /// For an allowed plain read (a GET or HEAD whose every check passed) by account `id`:
    /// whether the account has had this minute's reads logged one by one, so that this one is
    /// only counted. Ask once per read: `record` asks itself; a caller that asks first, to build
    /// no entry for a read that is only counted, writes the others with `write_allowed`.
    pub fn read_is_counted(&self, id: i64, name: &str) -> bool {
        if self.reads_per_account.check_key(&id).is_ok() {
            return false;
        }
        self.allowed_reads.count(id, name);
        true
    }

    /// Queue an allowed request's entry without asking `read_is_counted` (its caller did).
    pub async fn write_allowed(&self, entry: Entry<'_>) {
        self.wait_for_room(row(&entry)).await;
    }

    async fn wait_for_room(&self, row: Row) {
        match tokio::time::timeout(ROOM_WAIT, self.queue.send(Job::Write(row))).await {
            Ok(Ok(())) => {}
            _ => {
                self.lost.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(target: "authlab::audit", "audit queue full: an entry was lost");
            }
        }
    }

    /// Wait until everything queued so far is written.
    pub async fn flush(&self) {
        let (done, written) = oneshot::channel();
        if self.queue.send(Job::Flush(done)).await.is_ok() {
            let _ = written.await;
        }
    }

    /// Graceful shutdown: write the pending counts and drain the queue.
    pub async fn close(&self) {
        self.write_suppressed_summary().await;
    }

    /// Events after `after_id`, newest last: one user's (`Some`), or everyone's (`None`, admins).
    pub async fn list(
        &self,
        user_id: Option<i64>,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<AuditEvent>, sqlx::Error> {
        // A reader sees every entry recorded before it asked (its own request's included).
        self.flush().await;
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

/// The owned row an entry becomes: stamped now, with the client's text capped.
/// The count a refusal past the allowance goes into: its check and who sent it.
/// A GET or HEAD allowed with every check on and passed.
fn is_plain_read(entry: &Entry<'_>) -> bool {
    (entry.action.starts_with("GET ") || entry.action.starts_with("HEAD "))
        && entry.detail == EVERY_CHECK_PASSED
}

fn refusal_key(entry: &Entry<'_>) -> Key {
    Key {
        check: entry.failed_check.map(str::to_string),
        sender: match (entry.user, entry.client) {
            (Some((_, name)), _) => format!("account {}", shown(name, 64)),
            (None, Some(client)) => format!("client {}", shown(client, 64)),
            (None, None) => "an unknown client".into(),
        },
    }
}

fn row(entry: &Entry<'_>) -> Row {
    let at_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    Row {
        at_ms,
        mode: entry.mode,
        user: entry.user.map(|(id, name)| (id, name.to_string())),
        action: shown(entry.action, ACTION_CHARS),
        allowed: entry.allowed,
        failed_check: entry.failed_check.map(str::to_string),
        detail: shown(&entry.detail, DETAIL_CHARS),
    }
}
