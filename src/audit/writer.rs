//! The audit log's one writer. Requests never write the log themselves: they queue a `Row` and go
//! on. This task takes whatever has queued up, writes it with one multi-row INSERT (one round trip
//! and one disk sync for the whole batch instead of one per request), and only then feeds the live stream, so an event
//! a browser sees is always one the log holds.

use super::table::{AuditTable, Row};
use crate::wire::AuditEvent;
use std::sync::Arc;
use tokio::sync::{broadcast, mpsc, oneshot};

/// Most rows written in one batch (one statement: 8 values a row, well under SQLite's 32,766).
pub const BATCH: usize = 256;
/// How long a partial batch waits for more entries before it is written.
const LINGER: std::time::Duration = std::time::Duration::from_millis(20);

pub enum Job {
    Write(Row),
    /// Answered once every job queued before it is written (a reader that must see its own
    /// writes, the maintenance pass, shutdown).
    Flush(oneshot::Sender<()>),
}

pub async fn run(
    table: Arc<dyn AuditTable>,
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
            match table.write_batch(&rows).await {
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
