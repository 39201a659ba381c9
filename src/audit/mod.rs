//! The audit log: every authentication decision the server makes (logins, refreshes, API calls,
//! logouts, revocations, refused attacks) with its time, mode, account, outcome and the check that
//! refused it. Only descriptions are stored, never a token, cookie or password.
//!
//! Sessions make this easy: every request passes through the store, so every request can be
//! attributed. A replay of a logged-out session cookie finds no record, so the session store keeps
//! a hash of each ended id for a day just to be able to say whose it was.

mod refusals;
pub mod sqlite;
pub mod stream_slots;
pub mod table;
mod writer;

use crate::{
    logging::echo::shown,
    wire::{AuditEvent, AuthMode, AuthTrace},
};
use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota};
use refusals::{Counts, Key, ReadCounts};
use std::sync::Arc;
use std::{
    borrow::Cow,
    num::NonZeroU32,
    sync::atomic::{AtomicU64, Ordering},
    time::Duration,
};
use table::{AuditTable, Row};
use tokio::sync::{broadcast, mpsc, oneshot};
use writer::Job;

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
    /// One of the decisions lessons and challenges are judged on (`Entry::judged`): written one
    /// by one whatever the allowance.
    pub judged: bool,
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
            judged: false,
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
            judged: false,
        }
    }

    pub fn from_client(self, client: &'a str) -> Self {
        Entry {
            client: Some(client),
            ..self
        }
    }

    /// Mark this entry as one of the rows the lab's lessons and (next) challenges are judged on:
    /// it is written one by one, never only counted, whatever the account's allowance (only a
    /// queue the disk keeps full for `ROOM_WAIT` loses it, and that is counted and logged). Only for
    /// decisions nobody can produce at will, each bounded by what produces it:
    /// - a password checked for a named account (a login, a password change): the login limits
    ///   bound them per name, per device and per address;
    /// - an administrator's change to an account's role or status: administrators only;
    /// - a refresh token presented again after it rotated (theft detected): it revokes its whole
    ///   family, so each needs a new login.
    ///
    /// Every other row (a request a judge allowed or refused, a logout, a refresh, log out
    /// everywhere) is written one by one within its account's allowance and counted past it, and
    /// the count keeps what such a decision is judged on: the account, allowed or refused, the
    /// check that refused it, and whether checks were switched off (`refusals::Key`).
    pub fn judged(self) -> Self {
        Entry {
            judged: self.user.is_some(),
            ..self
        }
    }
}

/// The detail of an allowed request with nothing switched off.
const EVERY_CHECK_PASSED: &str = "every check passed";

/// The audit log. Entries go into a bounded queue that one task writes in batches
/// (`writer.rs`); a request never waits for the disk.
///
/// Anyone can send refused requests without limit, and a signed-in learner can send allowed ones
/// without limit, so every kind of row has an allowance per account (and one for the rows naming
/// no account, all together), counted in a minute:
/// - refusals: `refusals_per_minute` (a forged token, a made-up cookie, a replayed ended cookie);
/// - plain allowed reads (a GET whose every check passed): `allowed_reads_per_minute`, so a
///   script polling `/api/me` does not put a row on disk per request, the write the stateless
///   model was meant to avoid;
/// - every other allowed row (writes, logouts, refreshes, account events, and requests allowed
///   only because checks were switched off): `allowed_writes_per_minute`.
///
/// Beyond its allowance, or when the queue is full, a row is only counted (`refusals.rs`), and
/// the counts are written as a few rows, each filed under its account, by the maintenance task.
/// A refusal never waits for room. The decisions marked `Entry::judged` are always written one
/// by one. With retention keeping the newest rows per account (`retention.rs`), one learner's
/// flood fills only their own history.
pub struct Audit {
    queue: mpsc::Sender<Job>,
    table: Arc<dyn AuditTable>,
    live: broadcast::Sender<AuditEvent>,
    refusals_per_minute: u32,
    unattributed: DefaultDirectRateLimiter,
    per_account: DefaultKeyedRateLimiter<i64>,
    allowed_reads_per_minute: u32,
    reads_per_account: DefaultKeyedRateLimiter<i64>,
    allowed_reads: ReadCounts,
    allowed_writes_per_minute: u32,
    writes_per_account: DefaultKeyedRateLimiter<i64>,
    unattributed_writes: DefaultDirectRateLimiter,
    /// Refusals and allowed writes past their allowance.
    counted: Counts,
    /// Entries of allowed requests that found the queue full for longer than `ROOM_WAIT`.
    lost: AtomicU64,
}

/// A quota of `per_minute` (at least 1).
fn per_minute(n: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN))
}

impl Audit {
    /// The log and its writer task (spawned on the current runtime).
    pub fn new(
        table: Arc<dyn AuditTable>,
        refusals_per_minute: u32,
        allowed_reads_per_minute: u32,
        allowed_writes_per_minute: u32,
    ) -> Self {
        let (live, _) = broadcast::channel(256);
        let (queue, jobs) = mpsc::channel(QUEUE);
        tokio::spawn(writer::run(table.clone(), jobs, live.clone()));
        Audit {
            queue,
            table,
            live,
            refusals_per_minute,
            unattributed: DefaultDirectRateLimiter::direct(per_minute(refusals_per_minute)),
            per_account: DefaultKeyedRateLimiter::keyed(per_minute(refusals_per_minute)),
            allowed_reads_per_minute,
            reads_per_account: DefaultKeyedRateLimiter::keyed(per_minute(allowed_reads_per_minute)),
            allowed_reads: ReadCounts::default(),
            allowed_writes_per_minute,
            writes_per_account: DefaultKeyedRateLimiter::keyed(per_minute(
                allowed_writes_per_minute,
            )),
            unattributed_writes: DefaultDirectRateLimiter::direct(per_minute(
                allowed_writes_per_minute,
            )),
            counted: Counts::default(),
            lost: AtomicU64::new(0),
        }
    }

    /// Refusals counted since the last summary, not yet written.
    pub fn suppressed(&self) -> u64 {
        self.counted.total()
    }

    /// Entries lost because the queue stayed full (0 unless the disk stalls).
    pub fn lost(&self) -> u64 {
        self.lost.load(Ordering::Relaxed)
    }

    /// Write one row per account (or sender) and decision for the rows counted since the last
    /// call, and wait until they are written (the maintenance task calls this each pass,
    /// shutdown once more).
    pub async fn write_suppressed_summary(&self) {
        self.per_account.retain_recent();
        self.reads_per_account.retain_recent();
        self.writes_per_account.retain_recent();
        for (account, count) in self.allowed_reads.take() {
            let sender = match &account {
                Some((_, name)) => format!("account {name}"),
                None => "many accounts".to_string(),
            };
            let detail = format!(
                "{count} more reads by {sender}, every check passed, were counted, not logged one \
                 by one (more than {} allowed reads a minute for one account)",
                self.allowed_reads_per_minute
            );
            let user = account.as_ref().map(|(id, name)| (*id, name.as_str()));
            let row = row(&Entry::event(
                AuthMode::Session,
                user,
                "allowed reads counted",
                true,
                &detail,
            ));
            self.wait_for_room(row).await;
        }
        for (key, count) in self.counted.take() {
            let (action, what, per_minute) = match (key.allowed, key.checks_off) {
                (false, _) => (
                    "refusals counted",
                    format!("refused by {}", key.check.as_deref().unwrap_or("any check")),
                    self.refusals_per_minute,
                ),
                (true, false) => (
                    "allowed requests counted",
                    "allowed".to_string(),
                    self.allowed_writes_per_minute,
                ),
                (true, true) => (
                    "allowed requests counted",
                    format!("allowed only because checks were switched off ({OFF_CHECKS_ALLOWED})"),
                    self.allowed_writes_per_minute,
                ),
            };
            let detail = format!(
                "{count} more requests from {} {what} were counted, not logged one by one (more \
                 than {per_minute} such rows a minute for one account, or without one)",
                key.sender
            );
            let user = key.account.as_ref().map(|(id, name)| (*id, name.as_str()));
            let row = row(&Entry {
                failed_check: key.check.as_deref(),
                ..Entry::event(AuthMode::Session, user, action, key.allowed, &detail)
            });
            self.wait_for_room(row).await;
        }
        self.flush().await;
    }

    /// Queue an event. Within its allowance (or judged) it is written one by one: an allowed
    /// request's entry waits briefly for room if the queue is full, a refusal never waits. Past
    /// the allowance, or for a refusal meeting a full queue, it is counted.
    pub async fn record(&self, entry: Entry<'_>) {
        if entry.judged {
            self.wait_for_room(row(&entry)).await;
            return;
        }
        if entry.allowed {
            if let (Some((id, name)), true) = (entry.user, is_plain_read(&entry)) {
                if self.read_is_counted(id, name) {
                    return;
                }
                self.wait_for_room(row(&entry)).await;
                return;
            }
            let within = match entry.user {
                None => self.unattributed_writes.check().is_ok(),
                Some((id, _)) => self.writes_per_account.check_key(&id).is_ok(),
            };
            if within {
                self.wait_for_room(row(&entry)).await;
            } else {
                self.counted.count(count_key(&entry));
            }
            return;
        }
        let within = match entry.user {
            None => self.unattributed.check().is_ok(),
            Some((id, _)) => self.per_account.check_key(&id).is_ok(),
        };
        if !within || self.queue.try_send(Job::Write(row(&entry))).is_err() {
            // Only a counted refusal pays for its key.
            self.counted.count(count_key(&entry));
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
        self.table.list(user_id, after_id, limit).await
    }

    /// One account's events since `since_ms`, newest last (`AuditTable::list_since`).
    pub async fn list_since(
        &self,
        user_id: i64,
        since_ms: i64,
        limit: i64,
    ) -> Result<Vec<AuditEvent>, sqlx::Error> {
        self.flush().await;
        self.table.list_since(user_id, since_ms, limit).await
    }

    /// Live events as they are recorded.
    pub fn subscribe(&self) -> broadcast::Receiver<AuditEvent> {
        self.live.subscribe()
    }
}

/// The owned row an entry becomes: stamped now, with the client's text capped.
/// The count a refusal past the allowance goes into: its check and who sent it.
/// A GET or HEAD allowed with every check on and passed.
fn is_plain_read(entry: &Entry<'_>) -> bool {
    (entry.action.starts_with("GET ") || entry.action.starts_with("HEAD "))
        && entry.detail == EVERY_CHECK_PASSED
}

/// The count a row past its allowance goes into: its account (or sender) and its decision.
fn count_key(entry: &Entry<'_>) -> Key {
    Key {
        account: entry.user.map(|(id, name)| (id, shown(name, 64))),
        sender: match (entry.user, entry.client) {
            (Some((_, name)), _) => format!("account {}", shown(name, 64)),
            (None, Some(client)) => format!("client {}", shown(client, 64)),
            (None, None) => "an unknown client".into(),
        },
        allowed: entry.allowed,
        check: entry.failed_check.map(str::to_string),
        checks_off: entry.allowed && entry.detail.starts_with(OFF_CHECKS_ALLOWED),
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
