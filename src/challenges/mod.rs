//! The challenges: goals a learner reaches by acting, declared reached by the server alone. The
//! auth core records an event at each decision it makes (`event`), a writer files them under the
//! learner and judges them against each challenge's rule (`rules`, each beside its hints and worked
//! solution), and progress lasts in the database across restarts and nodes. Nothing the browser
//! says about itself solves anything: there is no way to tell the server "solved".

pub mod event;
pub mod rules;
mod writer;

use crate::{
    db::progress::ProgressTable,
    wire::{
        AnswerVerdict, ChallengeId, ChallengeProgress, ChallengeText, Hint, Progress, Solved,
        ANSWER_MAX_CHARS,
    },
};
use event::{Event, Happened};
use rules::{Records, Rule, Seen, TRIES_BEFORE_WHY};
use std::collections::HashMap;
use std::sync::{
    atomic::{AtomicU64, Ordering},
    Arc, Mutex,
};
use tokio::sync::{broadcast, mpsc, oneshot};
use writer::Job;

/// The most events kept per learner: the newest, older ones pruned as new ones arrive. A
/// challenge's steps must fall within them (a few dozen requests at most for any of them).
pub const EVENTS_KEPT: usize = 1_000;
/// Events the queue holds before the writer catches up; past it an event is counted as lost.
const QUEUE: usize = 16_384;

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

#[derive(Debug, thiserror::Error)]
pub enum ChallengeError {
    #[error("no such challenge")]
    Unknown,
    #[error("this challenge is settled by what you do, not by an answer")]
    NotAnswered,
    #[error("an answer is at most {ANSWER_MAX_CHARS} characters")]
    AnswerTooLong,
    #[error(transparent)]
    Store(#[from] sqlx::Error),
}

pub struct Challenges {
    queue: mpsc::Sender<Job>,
    table: Arc<dyn ProgressTable>,
    solved: broadcast::Sender<(i64, Solved)>,
    /// Learners whose progress moved otherwise: a hint revealed, a reset.
    touched: broadcast::Sender<i64>,
    lost: AtomicU64,
    /// The genuine tokens each account has used since its last logout, by a hash of their `jti`
    /// (`first_use`).
    used: Mutex<HashMap<i64, Vec<u64>>>,
}

/// Accounts `Challenges::used` remembers before it starts afresh, and tokens per account.
const USED_ACCOUNTS: usize = 16_384;
const USED_PER_ACCOUNT: usize = 64;

impl Challenges {
    /// The challenges and their writer task (spawned on the current runtime).
    pub fn new(table: Arc<dyn ProgressTable>) -> Self {
        let (queue, jobs) = mpsc::channel(QUEUE);
        let (solved, _) = broadcast::channel(256);
        tokio::spawn(writer::run(table.clone(), jobs, solved.clone()));
        Challenges {
            queue,
            table,
            solved,
            touched: broadcast::channel(256).0,
            lost: AtomicU64::new(0),
            used: Mutex::new(HashMap::new()),
        }
    }

    /// Whether this is the first use of the genuine token `jti` by `account` since the account's
    /// last logout seen here. Only a first use is worth recording: what a rule asks of an allowed
    /// genuine token is whether it was used after a logout, and a logout forgets the account's
    /// tokens. So a client calling the API a thousand times with one token costs one event, not a
    /// thousand writes (the bearer path's throughput depends on it).
    pub fn first_use(&self, account: i64, jti: &str) -> bool {
        use std::hash::Hasher;
        // Keys fixed for the process: the same jti hashes alike on every call. (A jti here is
        // one the server issued: nobody chooses it to collide.)
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        hasher.write(jti.as_bytes());
        let hash = hasher.finish();
        let mut used = self.used.lock().unwrap_or_else(|e| e.into_inner());
        if used.len() >= USED_ACCOUNTS && !used.contains_key(&account) {
            used.clear();
        }
        let tokens = used.entry(account).or_default();
        if tokens.contains(&hash) {
            return false;
        }
        if tokens.len() >= USED_PER_ACCOUNT {
            tokens.clear();
        }
        tokens.push(hash);
        true
    }

    /// Record what just happened to `account`. Never waits: a request goes on at once, and an
    /// event that finds the queue full is counted as lost (`lost`).
    pub fn note(&self, account: i64, what: Happened) {
        if matches!(what, Happened::LoggedOut { .. } | Happened::AccessEnded) {
            // After a logout, a token used before it is worth recording again (a replay).
            self.used
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&account);
        }
        let event = Event {
            at_ms: now_ms(),
            account,
            what,
        };
        if self.queue.try_send(Job::Note(event)).is_err() {
            self.lost.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Events lost because the queue was full (0 unless the disk stalls).
    pub fn lost(&self) -> u64 {
        self.lost.load(Ordering::Relaxed)
    }

    /// `account` was just created by `learner`'s action (a lesson's, a card's, the compare
    /// page's scratch account): its events count for `learner` from now on.
    pub async fn adopt(&self, account: i64, learner: i64) {
        let (done, wait) = oneshot::channel();
        if self
            .queue
            .send(Job::Adopt {
                account,
                learner,
                done,
            })
            .await
            .is_ok()
        {
            let _ = wait.await;
        }
    }

    /// Wait until every event queued so far is stored and judged.
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.queue.send(Job::Flush(done)).await.is_ok() {
            let _ = wait.await;
        }
    }

    /// The learner `account` acts for: the one whose action created it (a lesson's or a card's
    /// account, signed in by the learner's own browser), else the account itself.
    pub async fn learner_of(&self, account: i64) -> Result<i64, ChallengeError> {
        Ok(self.table.owner_of(account).await?.unwrap_or(account))
    }

    /// Challenges solved from now on, by learner.
    pub fn subscribe(&self) -> broadcast::Receiver<(i64, Solved)> {
        self.solved.subscribe()
    }

    /// Learners whose progress moved other than by a solve (a hint, a reset), from now on.
    pub fn subscribe_touched(&self) -> broadcast::Receiver<i64> {
        self.touched.subscribe()
    }

    /// The learner's last reset, and their events since it, oldest first.
    async fn events(&self, learner: i64) -> Result<(Option<i64>, Vec<Event>), ChallengeError> {
        self.flush().await;
        let reset_at = self.table.reset_at(learner).await?;
        let events = self
            .table
            .events_after(learner, 0)
            .await?
            .into_iter()
            .filter_map(|(_, body)| serde_json::from_str::<Event>(&body).ok())
            .filter(|e| reset_at.is_none_or(|at| e.at_ms >= at))
            .collect();
        Ok((reset_at, events))
    }

    /// The learner's progress on every challenge.
    pub async fn progress(&self, learner: i64, username: &str) -> Result<Progress, ChallengeError> {
        let (reset_at_ms, events) = self.events(learner).await?;
        let seen = Seen {
            learner,
            events: &events,
        };
        let mut rows = self.table.progress(learner).await?;
        // Judged again on read: an event another process stored after this one's writer last
        // looked (a login on one node, its replay on another) still counts.
        let is_solved = |id: ChallengeId| {
            rows.iter()
                .any(|r| r.challenge == id.as_str() && r.solved_at_ms.is_some())
        };
        let newly = rules::newly_solved(&seen, is_solved);
        if !newly.is_empty() {
            let now = now_ms();
            for id in newly {
                if self.table.solve(learner, id.as_str(), now).await? {
                    let _ = self.solved.send((learner, Solved { id, at_ms: now }));
                }
            }
            rows = self.table.progress(learner).await?;
        }
        let challenges = ChallengeId::ALL
            .iter()
            .map(|&id| {
                let row = rows.iter().find(|r| r.challenge == id.as_str());
                let hints_used = row.map_or(0, |r| r.hints_used);
                let challenge = rules::of(id);
                let (tries, why_impossible) = match challenge.rule {
                    Rule::Impossible { tries, why } => {
                        let tries = tries(&seen);
                        (tries, (tries >= TRIES_BEFORE_WHY).then(|| why.to_string()))
                    }
                    _ => (0, None),
                };
                ChallengeProgress {
                    id,
                    solved_at_ms: row.and_then(|r| r.solved_at_ms),
                    hints_used,
                    hints: u8::try_from(challenge.hints.len()).unwrap_or(u8::MAX),
                    revealed: revealed(id, hints_used),
                    tries,
                    why_impossible,
                }
            })
            .collect();
        Ok(Progress {
            username: username.to_string(),
            reset_at_ms,
            challenges,
            hints_off: false,
            solutions_off: false,
        })
    }

    /// Reveal the next hint of `id` (after the last, the worked solution, where `solution`
    /// allows it), counted.
    pub async fn hint(
        &self,
        learner: i64,
        id: ChallengeId,
        solution: bool,
    ) -> Result<Hint, ChallengeError> {
        let challenge = rules::of(id);
        let most = u8::try_from(challenge.hints.len() + usize::from(solution)).unwrap_or(u8::MAX);
        let used = self.table.reveal_hint(learner, id.as_str(), most).await?;
        let _ = self.touched.send(learner);
        let number = used.max(1);
        Ok(match challenge.hints.get(usize::from(number) - 1) {
            Some(text) => Hint {
                number,
                text: text.to_string(),
                solution: false,
            },
            None => Hint {
                number,
                text: challenge.solution.to_string(),
                solution: true,
            },
        })
    }

    /// Check an answer against the server's own records; a right one solves the challenge.
    /// `live_sessions`: the learner's live sessions, counted in the store now.
    pub async fn answer(
        &self,
        learner: i64,
        id: ChallengeId,
        answer: &str,
        live_sessions: usize,
    ) -> Result<AnswerVerdict, ChallengeError> {
        if answer.chars().count() > ANSWER_MAX_CHARS {
            return Err(ChallengeError::AnswerTooLong);
        }
        let Rule::Answer(check) = rules::of(id).rule else {
            return Err(ChallengeError::NotAnswered);
        };
        let (_, events) = self.events(learner).await?;
        let now = now_ms();
        let verdict = check(
            &Records {
                seen: Seen {
                    learner,
                    events: &events,
                },
                live_sessions,
                now_ms: now,
            },
            answer,
        );
        if verdict.correct && self.table.solve(learner, id.as_str(), now).await? {
            let _ = self.solved.send((learner, Solved { id, at_ms: now }));
        }
        Ok(verdict)
    }

    /// Forget the learner's events and progress: every event before now is ignored.
    pub async fn reset(&self, learner: i64) -> Result<(), ChallengeError> {
        let (done, wait) = oneshot::channel();
        let job = Job::Reset {
            learner,
            at_ms: now_ms(),
            done,
        };
        if self.queue.send(job).await.is_err() {
            return Ok(());
        }
        wait.await.unwrap_or(Ok(()))?;
        let _ = self.touched.send(learner);
        Ok(())
    }
}

/// The hints (and the solution, once past them) revealed after `used` requests.
fn revealed(id: ChallengeId, used: u8) -> Vec<String> {
    let challenge = rules::of(id);
    challenge
        .hints
        .iter()
        .copied()
        .chain(std::iter::once(challenge.solution))
        .take(usize::from(used))
        .map(str::to_string)
        .collect()
}

/// Every challenge, as `GET /api/challenges` lists them.
pub fn list() -> Vec<crate::wire::ChallengeInfo> {
    crate::wire::CHALLENGES
        .iter()
        .map(|text: &ChallengeText| {
            let hints = rules::of(text.id).hints.len();
            text.info(u8::try_from(hints).unwrap_or(u8::MAX))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::Settled;

    #[test]
    fn every_challenge_has_a_rule_hints_and_a_solution_and_its_settling_matches() {
        for text in crate::wire::CHALLENGES {
            let challenge = rules::of(text.id);
            assert!(
                !challenge.hints.is_empty() && challenge.hints.len() <= 3,
                "{}",
                text.id
            );
            assert!(!challenge.solution.is_empty());
            let settled = match challenge.rule {
                Rule::Events(_) => Settled::ByRequest,
                Rule::Answer(_) => Settled::ByAnswer,
                Rule::Impossible { .. } => Settled::Impossible,
            };
            assert_eq!(settled, text.settled, "{}", text.id);
        }
        assert_eq!(rules::all().count(), ChallengeId::ALL.len());
    }

    #[test]
    fn hints_come_before_the_solution() {
        let id = ChallengeId::ReuseDetected;
        assert!(revealed(id, 0).is_empty());
        let all = revealed(id, 10);
        assert_eq!(all.len(), rules::of(id).hints.len() + 1);
        assert_eq!(all.last().unwrap(), rules::of(id).solution);
    }

    #[test]
    fn events_round_trip_through_their_stored_form() {
        let event = Event {
            at_ms: 5,
            account: 3,
            what: Happened::LabRun(event::LabRun::Scale(event::ScaleFound {
                session_on_unseen_node: true,
                store_down_503: false,
                revoked_token_worked: false,
            })),
        };
        let stored = serde_json::to_string(&event).unwrap();
        assert_eq!(serde_json::from_str::<Event>(&stored).unwrap(), event);
    }
}
