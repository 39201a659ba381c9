//! The "last seen" writer. Checking a session is a read; moving its idle deadline forward is a
//! write, and a request must not wait for a disk write. So requests hand `(key, now)` to this one
//! writer over a bounded channel, and it applies whatever has queued up in one transaction.
//!
//! The write is `SessionStore::touch`: an UPDATE that never creates a record. A touch that arrives
//! after its session was ended finds nothing, and the writer counts it as a revoked session; it
//! cannot bring the session back.

use crate::store::sessions::SessionStore;
use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
};
use tokio::sync::{mpsc, oneshot};

/// Pending touches the channel holds; past this a touch is dropped (the session then merely
/// looks a little idler than it is), never waited for.
const QUEUE: usize = 4096;
/// Most touches applied in one transaction.
const BATCH: usize = 512;

enum Message {
    Touch(String, i64),
    /// Answered once everything queued before it is written (tests, shutdown).
    Flush(oneshot::Sender<()>),
}

/// What the writer has done, for tests and the inspector.
#[derive(Default)]
pub struct Counters {
    /// Touches that found their session.
    pub written: AtomicU64,
    /// Touches whose session had been ended meanwhile (nothing was written).
    pub found_ended: AtomicU64,
    /// Touches dropped because the queue was full.
    pub dropped: AtomicU64,
}

pub struct LastSeenWriter {
    queue: mpsc::Sender<Message>,
    pub counters: Arc<Counters>,
}

impl LastSeenWriter {
    /// Start the writer task on the current runtime.
    pub fn spawn(store: Arc<dyn SessionStore>) -> Self {
        let (queue, receiver) = mpsc::channel(QUEUE);
        let counters = Arc::new(Counters::default());
        tokio::spawn(run(store, receiver, counters.clone()));
        LastSeenWriter { queue, counters }
    }

    /// Queue a touch; never waits.
    pub fn touch(&self, key: String, at: i64) {
        if self.queue.try_send(Message::Touch(key, at)).is_err() {
            self.counters.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Wait until every touch queued so far is written.
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.queue.send(Message::Flush(done)).await.is_ok() {
            let _ = wait.await;
        }
    }
}

async fn run(
    store: Arc<dyn SessionStore>,
    mut receiver: mpsc::Receiver<Message>,
    counters: Arc<Counters>,
) {
    let mut batch = Vec::with_capacity(BATCH);
    while receiver.recv_many(&mut batch, BATCH).await > 0 {
        // The latest time per session is all that matters.
        let mut latest: HashMap<String, i64> = HashMap::new();
        let mut flushes = Vec::new();
        for message in batch.drain(..) {
            match message {
                Message::Touch(key, at) => {
                    let slot = latest.entry(key).or_insert(at);
                    *slot = (*slot).max(at);
                }
                Message::Flush(done) => flushes.push(done),
            }
        }
        if !latest.is_empty() {
            let touches: Vec<(String, i64)> = latest.into_iter().collect();
            match store.touch(&touches).await {
                Ok(found) => {
                    let written = found.iter().filter(|f| **f).count() as u64;
                    counters.written.fetch_add(written, Ordering::Relaxed);
                    counters
                        .found_ended
                        .fetch_add(found.len() as u64 - written, Ordering::Relaxed);
                }
                Err(err) => {
                    tracing::warn!(target: "authlab::session", %err, "last-seen write failed")
                }
            }
        }
        for done in flushes {
            let _ = done.send(());
        }
    }
}
