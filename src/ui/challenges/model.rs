//! The browser side of the challenges: the signed-in learner's progress as the server keeps it,
//! re-read whenever the server announces a solve (on the live audit stream for a cookie session;
//! by waiting on `/api/progress/wait` for a bearer token, since an `EventSource` cannot carry an
//! `Authorization` header). Nothing here decides anything: the page only shows what the server
//! decided.

use crate::{
    ui::{
        browser,
        client::{self, Credential},
        identity::{self, Who},
    },
    wire::{paths, AnswerVerdict, ChallengeId, Progress},
};
use leptos::{prelude::*, task::spawn_local};

#[derive(Clone, Copy)]
pub struct Board {
    pub progress: RwSignal<Option<Progress>>,
    pub message: RwSignal<Option<String>>,
    /// Challenges solved while this page was open (they flip with a mark).
    pub just_solved: RwSignal<Vec<ChallengeId>>,
    /// The last answer's verdict, by challenge.
    pub verdicts: RwSignal<Vec<(ChallengeId, AnswerVerdict)>>,
    pub busy: RwSignal<bool>,
    /// The live feed stops when the page goes.
    stopped: StoredValue<bool>,
}

impl Default for Board {
    fn default() -> Self {
        Board::new()
    }
}

impl Board {
    pub fn new() -> Self {
        let board = Board {
            progress: RwSignal::new(None),
            message: RwSignal::new(None),
            just_solved: RwSignal::new(Vec::new()),
            verdicts: RwSignal::new(Vec::new()),
            busy: RwSignal::new(false),
            stopped: StoredValue::new(false),
        };
        on_cleanup(move || board.stopped.set_value(true));
        board
    }

    /// Start once the learner is known: read progress, then follow the server's announcements.
    pub fn start(self) {
        Effect::new(move |_| identity::find_out());
        let who = identity::who();
        let started = StoredValue::new(false);
        Effect::new(move |_| {
            let now = who.get();
            if matches!(now, Who::Asking) || started.get_value() {
                return;
            }
            started.set_value(true);
            if matches!(now, Who::SignedOut) {
                self.message.set(Some(
                    "Sign in (at the top of the page) to see your progress.".into(),
                ));
                return;
            }
            self.reload();
            self.follow(now);
        });
    }

    /// Read the learner's progress again.
    pub fn reload(self) {
        spawn_local(async move {
            let who = identity::fresh().await;
            let Some(credential) = who.credential() else {
                return;
            };
            let mut answer = client::progress(credential).await.result;
            if refused(&answer) {
                // The browser's credential changed under the page: ask who it is now, once.
                let who = identity::ask_again().await;
                if let Some(credential) = who.credential() {
                    answer = client::progress(credential).await.result;
                }
            }
            match answer {
                Ok(progress) => {
                    let before: Vec<ChallengeId> = self.solved_ids();
                    let was_loaded = self.progress.with_untracked(Option::is_some);
                    let now: Vec<ChallengeId> = progress
                        .challenges
                        .iter()
                        .filter(|c| c.solved_at_ms.is_some())
                        .map(|c| c.id)
                        .collect();
                    if was_loaded {
                        let flipped = now.iter().filter(|id| !before.contains(id)).copied();
                        self.just_solved.update(|list| list.extend(flipped));
                    }
                    self.progress.set(Some(progress));
                    self.message.set(None);
                }
                Err(err) => self.message.set(Some(err.to_string())),
            }
        });
    }

    fn solved_ids(&self) -> Vec<ChallengeId> {
        self.progress.with_untracked(|p| {
            p.as_ref()
                .map(|p| {
                    p.challenges
                        .iter()
                        .filter(|c| c.solved_at_ms.is_some())
                        .map(|c| c.id)
                        .collect()
                })
                .unwrap_or_default()
        })
    }

    /// Follow the server's announcements of solves for as long as the page is open.
    fn follow(self, who: Who) {
        match who {
            Who::Session { .. } => {
                let mut feed = browser::subscribe(paths::AUDIT_STREAM, "solved", move |_| {
                    self.reload();
                });
                // A teacher's reset of this learner (filed in their own log): say so, and read
                // what is left (their sessions ended with it, so likely nothing: sign in again).
                if let Some(feed) = &mut feed {
                    feed.also("audit", move |text| {
                        let reset = serde_json::from_str::<crate::wire::AuditEvent>(&text)
                            .is_ok_and(|event| event.action == crate::wire::TEACHER_RESET);
                        if reset {
                            self.progress.set(None);
                            self.message.set(Some(
                                "Your teacher reset your progress, switches and sign-ins: sign in \
                                 again to go on."
                                    .into(),
                            ));
                        }
                    });
                }
                if let Some(feed) = feed {
                    let feed = StoredValue::new_local(Some(feed));
                    on_cleanup(move || {
                        feed.try_with_value(|live| {
                            if let Some(live) = live {
                                live.close()
                            }
                        });
                    });
                }
            }
            Who::Bearer { .. } => spawn_local(async move {
                let mut after = browser::now_ms();
                while !self.stopped.try_get_value().unwrap_or(true) {
                    let Who::Bearer { token, .. } = identity::fresh().await else {
                        break;
                    };
                    let answer = client::wait_for_solved(after, Credential::Bearer(&token)).await;
                    match answer.result {
                        Ok(solved) => {
                            if let Some(last) = solved.iter().map(|s| s.at_ms).max() {
                                after = after.max(last);
                                self.reload();
                            }
                        }
                        // Refused (the token expired, the server went away): wait, then try
                        // again, never in a tight loop.
                        Err(_) => browser::sleep_ms(5_000).await,
                    }
                }
            }),
            _ => {}
        }
    }

    /// Ask for the next hint of `id` (counted by the server).
    pub fn hint(self, id: ChallengeId) {
        self.act(move |who| async move {
            let credential = who.credential().expect("signed in");
            client::hint(id.as_str(), credential)
                .await
                .result
                .map(|_| ())
        });
    }

    /// Send an answer for `id`; the server checks it against its own records.
    pub fn answer(self, id: ChallengeId, text: String) {
        let verdicts = self.verdicts;
        self.act(move |who| async move {
            let credential = who.credential().expect("signed in");
            let body = crate::wire::Answer { answer: text };
            let verdict = client::answer(id.as_str(), &body, credential)
                .await
                .result?;
            verdicts.update(|list| {
                list.retain(|(c, _)| *c != id);
                list.push((id, verdict));
            });
            Ok(())
        });
    }

    /// Forget every event and solve so far (the server's reset).
    pub fn reset(self) {
        self.act(|who| async move {
            let credential = who.credential().expect("signed in");
            client::reset_progress(credential).await.result.map(|_| ())
        });
        self.just_solved.set(Vec::new());
        self.verdicts.set(Vec::new());
    }

    /// Run one request for the learner, then read progress again.
    fn act<F>(self, request: impl FnOnce(Who) -> F + Clone + 'static)
    where
        F: std::future::Future<Output = Result<(), client::ClientError>> + 'static,
    {
        let who = identity::who().get_untracked();
        if who.credential().is_none() {
            self.message.set(Some("Sign in first.".into()));
            return;
        }
        self.busy.set(true);
        spawn_local(async move {
            let who = identity::fresh().await;
            let mut done = request.clone()(who).await;
            if refused(&done) {
                // The browser's credential changed under the page: ask who it is now, once.
                let who = identity::ask_again().await;
                if who.credential().is_some() {
                    done = request(who).await;
                }
            }
            if let Err(err) = done {
                self.message.set(Some(err.to_string()));
            }
            self.busy.set(false);
            self.reload();
        });
    }
}

/// Whether an answer was a refusal of the credential itself (401, or 403 from a check).
fn refused<T>(answer: &Result<T, client::ClientError>) -> bool {
    matches!(
        answer,
        Err(client::ClientError::Api {
            status: 401 | 403,
            ..
        })
    )
}
