//! The challenges' one writer. Requests never wait on it: the auth core queues an event and goes
//! on. This task takes what has queued up, files each event under its learner (the account's
//! owner if a learner's run created it), stores them in one transaction, and then judges each
//! learner it touched against the rules of the challenges they have not solved yet: a challenge
//! flips to solved a batch (tens of milliseconds) after its deciding request.
//!
//! It keeps a window of each recently active learner's events in memory and reads only what was
//! stored since (by any process sharing the database), so judging costs a short indexed read.

use super::{
    event::Event,
    rules::{self, Seen},
    EVENTS_KEPT,
};
use crate::{
    db::progress::{EventRow, ProgressTable},
    wire::{ChallengeId, Solved},
};
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use tokio::sync::{broadcast, mpsc, oneshot};

/// Most jobs taken in one batch.
const BATCH: usize = 512;
/// How long a partial batch waits for more events.
const LINGER: std::time::Duration = std::time::Duration::from_millis(20);
/// Learners whose windows stay in memory; past this the windows are dropped and read afresh.
const WINDOWS: usize = 512;
/// Accounts whose owner (or lack of one) stays in memory.
const OWNERS: usize = 16_384;

pub enum Job {
    Note(Event),
    /// `account` was created by `learner`'s action: stored before any later event is filed.
    Adopt {
        account: i64,
        learner: i64,
        done: oneshot::Sender<()>,
    },
    /// Forget `learner`'s events and progress, in order with the events queued before it.
    Reset {
        learner: i64,
        at_ms: i64,
        done: oneshot::Sender<Result<(), sqlx::Error>>,
    },
    /// Answered once every job queued before it is done.
    Flush(oneshot::Sender<()>),
}

/// One learner's recent events, as the rules read them.
struct Window {
    /// The highest stored id read so far.
    last_id: i64,
    reset_at: Option<i64>,
    events: VecDeque<Event>,
    solved: HashSet<ChallengeId>,
}

struct Writer {
    table: Arc<dyn ProgressTable>,
    solved: broadcast::Sender<(i64, Solved)>,
    owners: HashMap<i64, Option<i64>>,
    windows: HashMap<i64, Window>,
}

pub async fn run(
    table: Arc<dyn ProgressTable>,
    mut queue: mpsc::Receiver<Job>,
    solved: broadcast::Sender<(i64, Solved)>,
) {
    let mut writer = Writer {
        table,
        solved,
        owners: HashMap::new(),
        windows: HashMap::new(),
    };
    let mut jobs = Vec::with_capacity(BATCH);
    while queue.recv_many(&mut jobs, BATCH).await > 0 {
        let waiting = jobs.iter().any(|job| !matches!(job, Job::Note(_)));
        if jobs.len() < BATCH && !waiting {
            tokio::time::sleep(LINGER).await;
            while jobs.len() < BATCH {
                match queue.try_recv() {
                    Ok(job) => jobs.push(job),
                    Err(_) => break,
                }
            }
        }
        let mut notes = Vec::new();
        for job in jobs.drain(..) {
            match job {
                Job::Note(event) => notes.push(event),
                Job::Adopt {
                    account,
                    learner,
                    done,
                } => {
                    writer.store(std::mem::take(&mut notes)).await;
                    writer.adopt(account, learner).await;
                    let _ = done.send(());
                }
                Job::Reset {
                    learner,
                    at_ms,
                    done,
                } => {
                    writer.store(std::mem::take(&mut notes)).await;
                    writer.windows.remove(&learner);
                    let _ = done.send(writer.table.reset(learner, at_ms).await);
                }
                Job::Flush(done) => {
                    writer.store(std::mem::take(&mut notes)).await;
                    let _ = done.send(());
                }
            }
        }
        writer.store(notes).await;
    }
}

impl Writer {
    async fn adopt(&mut self, account: i64, learner: i64) {
        // An account made while the browser was signed in as a run's own account (a card that
        // signs in as its victim, then makes another) counts for the learner behind that one.
        let learner = self.learner_of(learner).await;
        if let Err(err) = self.table.set_owner(account, learner).await {
            tracing::warn!(target: "authlab::challenges", %err, "owner not stored");
        }
        self.remember_owner(account, Some(learner));
    }

    fn remember_owner(&mut self, account: i64, owner: Option<i64>) {
        if self.owners.len() >= OWNERS {
            self.owners.clear();
        }
        self.owners.insert(account, owner);
    }

    /// The learner an event of `account` counts for.
    async fn learner_of(&mut self, account: i64) -> i64 {
        if let Some(owner) = self.owners.get(&account) {
            return owner.unwrap_or(account);
        }
        match self.table.owner_of(account).await {
            Ok(owner) => {
                self.remember_owner(account, owner);
                owner.unwrap_or(account)
            }
            Err(_) => account,
        }
    }

    /// Store a batch of events, then judge every learner it touched.
    async fn store(&mut self, events: Vec<Event>) {
        if events.is_empty() {
            return;
        }
        let mut rows = Vec::with_capacity(events.len());
        for event in &events {
            let Ok(body) = serde_json::to_string(event) else {
                continue;
            };
            rows.push(EventRow {
                learner_id: self.learner_of(event.account).await,
                at_ms: event.at_ms,
                body,
            });
        }
        if let Err(err) = self.table.append(&rows, EVENTS_KEPT).await {
            // The requests stand either way; events that cannot be stored are reported.
            tracing::warn!(target: "authlab::challenges", %err, events = rows.len(), "challenge events not stored");
            return;
        }
        let mut learners: Vec<i64> = rows.iter().map(|r| r.learner_id).collect();
        learners.sort_unstable();
        learners.dedup();
        for learner in learners {
            if let Err(err) = self.judge(learner).await {
                tracing::warn!(target: "authlab::challenges", %err, "challenges not judged");
            }
        }
    }

    /// Bring `learner`'s window up to date and solve whatever its events now show.
    async fn judge(&mut self, learner: i64) -> Result<(), sqlx::Error> {
        let reset_at = self.table.reset_at(learner).await?;
        if self
            .windows
            .get(&learner)
            .is_some_and(|w| w.reset_at != reset_at)
        {
            // Another process reset this learner: read everything afresh.
            self.windows.remove(&learner);
        }
        if !self.windows.contains_key(&learner) {
            if self.windows.len() >= WINDOWS {
                self.windows.clear();
            }
            let solved = self
                .table
                .progress(learner)
                .await?
                .into_iter()
                .filter(|row| row.solved_at_ms.is_some())
                .filter_map(|row| ChallengeId::parse(&row.challenge))
                .collect();
            self.windows.insert(
                learner,
                Window {
                    last_id: 0,
                    reset_at,
                    events: VecDeque::new(),
                    solved,
                },
            );
        }
        let window = self.windows.get_mut(&learner).expect("inserted above");
        for (id, body) in self.table.events_after(learner, window.last_id).await? {
            window.last_id = id;
            match serde_json::from_str::<Event>(&body) {
                Ok(event) if reset_at.is_none_or(|at| event.at_ms >= at) => {
                    window.events.push_back(event)
                }
                _ => {}
            }
        }
        while window.events.len() > EVENTS_KEPT {
            window.events.pop_front();
        }
        let events = window.events.make_contiguous();
        let seen = Seen { learner, events };
        let now = super::now_ms();
        let newly = rules::newly_solved(&seen, |id| window.solved.contains(&id));
        for id in newly {
            window.solved.insert(id);
            if self.table.solve(learner, id.as_str(), now).await? {
                let _ = self.solved.send((learner, Solved { id, at_ms: now }));
            }
        }
        Ok(())
    }
}
