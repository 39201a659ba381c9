//! The scale lab's tickets: one run at a time on a server (each starts three nodes, maybe a
//! Redis), and the others wait their turn, in order. Starting a run returns at once with a ticket
//! and a place; the page asks where its ticket is (`view`) until the run is done. Before, a run
//! held the request that started it for the whole run, so two or three accounts could keep the
//! lab busy for everyone, and the request timeout (30 s) cut any run that took longer than that.
//!
//! Fair by account: an account has at most one ticket waiting or running (asking again returns
//! the same ticket), so a class takes turns. At most `MAX_WAITING` tickets wait; finished tickets
//! are kept `KEEP_FINISHED` for their owner to read. This is only the line and what it knows;
//! `lab::scale::queue` is the worker that takes the tickets in turn and runs them.

use crate::wire::{ScaleRequest, ScaleRun, ScaleStep, ScaleTicket, ScaleTicketState};
use rand::RngCore;
use std::{
    collections::{HashMap, VecDeque},
    sync::{
        atomic::{AtomicBool, Ordering},
        Mutex,
    },
    time::{Duration, Instant},
};
use tokio::sync::Notify;

/// Tickets waiting at most (a class of 30 fits with room to spare).
const MAX_WAITING: usize = 48;
/// How long a finished ticket can still be read.
const KEEP_FINISHED: Duration = Duration::from_secs(600);

enum Stage {
    Waiting,
    Running(Vec<ScaleStep>),
    Done(ScaleRun),
    Failed(String),
}

struct Ticket {
    owner: i64,
    request: ScaleRequest,
    stage: Stage,
    /// When it finished (for `KEEP_FINISHED`).
    finished: Option<Instant>,
}

#[derive(Default)]
struct Tickets {
    waiting: VecDeque<String>,
    by_id: HashMap<String, Ticket>,
}

/// Why a ticket was not issued.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// `MAX_WAITING` tickets already wait.
    Full,
}

#[derive(Default)]
pub struct ScaleQueue {
    tickets: Mutex<Tickets>,
    /// Woken when a ticket joins the queue.
    pub turn: Notify,
    /// Whether the worker that runs the tickets has been started.
    worker: AtomicBool,
}

fn new_ticket_id() -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl ScaleQueue {
    fn lock(&self) -> std::sync::MutexGuard<'_, Tickets> {
        self.tickets.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A ticket for `owner`'s run of `request`: the account's open ticket if it has one, else a
    /// new one at the back of the queue.
    pub fn enqueue(&self, owner: i64, request: ScaleRequest) -> Result<String, Refused> {
        let mut tickets = self.lock();
        let now = Instant::now();
        tickets
            .by_id
            .retain(|_, t| t.finished.is_none_or(|at| now - at < KEEP_FINISHED));
        let open = tickets.by_id.iter().find(|(_, t)| {
            t.owner == owner && matches!(t.stage, Stage::Waiting | Stage::Running(_))
        });
        if let Some((id, _)) = open {
            return Ok(id.clone());
        }
        if tickets.waiting.len() >= MAX_WAITING {
            return Err(Refused::Full);
        }
        let id = new_ticket_id();
        tickets.by_id.insert(
            id.clone(),
            Ticket {
                owner,
                request,
                stage: Stage::Waiting,
                finished: None,
            },
        );
        tickets.waiting.push_back(id.clone());
        drop(tickets);
        self.turn.notify_one();
        Ok(id)
    }

    /// Where `ticket` is, for its owner only (anyone else: as if there were none).
    pub fn view(&self, ticket: &str, owner: i64) -> Option<ScaleTicket> {
        let tickets = self.lock();
        let found = tickets.by_id.get(ticket).filter(|t| t.owner == owner)?;
        let place = tickets
            .waiting
            .iter()
            .position(|id| id == ticket)
            .map(|i| i + 1);
        let (state, steps, run, error) = match &found.stage {
            Stage::Waiting => (ScaleTicketState::Waiting, Vec::new(), None, None),
            Stage::Running(steps) => (ScaleTicketState::Running, steps.clone(), None, None),
            Stage::Done(run) => (
                ScaleTicketState::Done,
                run.steps.clone(),
                Some(run.clone()),
                None,
            ),
            Stage::Failed(why) => (
                ScaleTicketState::Failed,
                Vec::new(),
                None,
                Some(why.clone()),
            ),
        };
        Some(ScaleTicket {
            ticket: ticket.to_string(),
            state,
            place,
            steps,
            run,
            error,
        })
    }

    /// The next ticket's turn: it leaves the queue and is running.
    pub fn next(&self) -> Option<(String, i64, ScaleRequest)> {
        let mut tickets = self.lock();
        while let Some(id) = tickets.waiting.pop_front() {
            if let Some(ticket) = tickets.by_id.get_mut(&id) {
                ticket.stage = Stage::Running(Vec::new());
                return Some((id, ticket.owner, ticket.request.clone()));
            }
        }
        None
    }

    /// The steps a running ticket has done so far.
    pub fn progress(&self, ticket: &str, steps: &[ScaleStep]) {
        if let Some(t) = self.lock().by_id.get_mut(ticket) {
            t.stage = Stage::Running(steps.to_vec());
        }
    }

    /// A ticket's run is over: its answers, or why there are none.
    pub fn finish(&self, ticket: &str, outcome: Result<ScaleRun, String>) {
        if let Some(t) = self.lock().by_id.get_mut(ticket) {
            t.stage = match outcome {
                Ok(run) => Stage::Done(run),
                Err(why) => Stage::Failed(why),
            };
            t.finished = Some(Instant::now());
        }
    }

    /// True the first time only: whoever asks first starts the worker.
    pub fn claim_worker(&self) -> bool {
        !self.worker.swap(true, Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{AuthMode, ScaleStore};

    fn request() -> ScaleRequest {
        ScaleRequest {
            store: ScaleStore::PerNode,
            sticky: false,
            mode: AuthMode::Session,
            kill_holder: false,
            denylist: false,
            outage: false,
            fail_open: false,
        }
    }

    #[test]
    fn accounts_take_turns_one_ticket_each_and_only_the_owner_sees_theirs() {
        let queue = ScaleQueue::default();
        let first = queue.enqueue(1, request()).unwrap();
        let second = queue.enqueue(2, request()).unwrap();
        // Asking again while waiting: the same ticket, not a second place in the line.
        assert_eq!(queue.enqueue(1, request()).unwrap(), first);
        assert_eq!(queue.view(&first, 1).unwrap().place, Some(1));
        assert_eq!(queue.view(&second, 2).unwrap().place, Some(2));
        assert_eq!(queue.view(&second, 1), None, "another account's ticket");
        let (running, owner, _) = queue.next().unwrap();
        assert_eq!((running.as_str(), owner), (first.as_str(), 1));
        assert_eq!(
            queue.view(&first, 1).unwrap().state,
            ScaleTicketState::Running
        );
        assert_eq!(queue.view(&second, 2).unwrap().place, Some(1));
        queue.finish(&first, Err("stopped".into()));
        let failed = queue.view(&first, 1).unwrap();
        assert_eq!(failed.state, ScaleTicketState::Failed);
        assert_eq!(failed.error.as_deref(), Some("stopped"));
        // Finished: the account may queue again.
        assert_ne!(queue.enqueue(1, request()).unwrap(), first);
    }

    #[test]
    fn a_full_queue_refuses_more() {
        let queue = ScaleQueue::default();
        for owner in 0..MAX_WAITING as i64 {
            queue.enqueue(owner, request()).unwrap();
        }
        assert_eq!(queue.enqueue(999, request()), Err(Refused::Full));
    }
}
