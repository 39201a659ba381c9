//! The audit log's one writer. Requests never write the log themselves: they queue a `Row` and go
//! on. This task takes whatever has queued up, writes it with one multi-row INSERT (one round trip
//! and one disk sync for the whole batch instead of one per request), and only then feeds the live stream, so an event
//! a browser sees is always one the log holds.

use crate::wire::{AuditEvent, AuthMode};
use sqlx::{QueryBuilder, Sqlite, SqlitePool};
use tokio::sync::{broadcast, mpsc, oneshot};

/// Most rows written in one statement (8 values a row, well under SQLite's 32,766).
const BATCH: usize = 256;
/// How long a partial batch waits for more entries before it is written.
const LINGER: std::time::Duration = std::time::Duration::from_millis(20);

/// One row of `audit_events`, owned and already capped.
pub struct Row {
    pub at_ms: i64,
    pub mode: AuthMode,
    pub user: Option<(i64, String)>,
    pub action: String,
    pub allowed: bool,
    pub failed_check: Option<String>,
    pub detail: String,
}

pub enum Job {
    Write(Row),
    /// Answered once every job queued before it is written (a reader that must see its own
    /// writes, the maintenance pass, shutdown).
    Flush(oneshot::Sender<()>),
}

pub async fn run(
    db: SqlitePool,
    mut queue: mpsc::Receiver<Job>,
    live: broadcast::Sender<AuditEvent>,
) {
    let mut jobs = Vec::with_capacity(BATCH);
    while queue.recv_many(&mut jobs, BATCH).await > 0 {
        // Under load, let a batch fill for a moment: fewer, larger writes cost less per entry.
        // A reader waiting on a flush never waits for this.
        if jobs.len() < BATCH && !jobs.iter().any(|job| matches!(job, Job::Flush(_))) {
            tokio::time::sleep(LINGER).await;
            while jobs.len() < BATCH {
                match queue.try_recv() {
                    Ok(job) => jobs.push(job),
                    Err(_) => break,
                }
            }
        }
        let mut rows = Vec::with_capacity(jobs.len());
        let mut flushes = Vec::new();
        for job in jobs.drain(..) {
            match job {
                Job::Write(row) => rows.push(row),
                Job::Flush(done) => flushes.push(done),
            }
        }
        if !rows.is_empty() {
            match write_batch(&db, &rows).await {
                Ok(ids) => {
                    for (row, id) in rows.into_iter().zip(ids) {
                        let _ = live.send(AuditEvent {
                            id,
                            at_ms: row.at_ms,
                            mode: row.mode,
                            username: row.user.map(|(_, name)| name),
                            action: row.action,
                            allowed: row.allowed,
                            failed_check: row.failed_check,
                            detail: row.detail,
                        });
                    }
                }
                // The decisions stand either way; a log that cannot be written is reported.
                Err(err) => tracing::warn!(
                    target: "authlab::audit",
                    %err,
                    rows = rows.len(),
                    "audit batch write failed"
                ),
            }
        }
        for done in flushes {
            let _ = done.send(());
        }
    }
}

/// Insert the rows with one statement (one round trip to SQLite's worker thread, one commit);
/// their ids, in the rows' order. Ids are rowids, each one more than the largest before it, so a
/// multi-row insert numbers its rows in order: sorting the returned ids restores that order.
async fn write_batch(db: &SqlitePool, rows: &[Row]) -> Result<Vec<i64>, sqlx::Error> {
    let mut insert = QueryBuilder::<Sqlite>::new(
        "INSERT INTO audit_events (at_ms, mode, user_id, username, action, allowed, failed_check, detail) ",
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
    let mut ids: Vec<i64> = insert.build_query_scalar().fetch_all(db).await?;
    ids.sort_unstable();
    Ok(ids)
}
