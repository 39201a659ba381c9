//! The XSS card's model: its three runs and what moves it from one to the next (a 700 ms tick
//! reading what reached the attacker). The view is `xss/mod.rs`.

use super::super::learner::Learner;
use crate::ui::pages::lessons::experiment::{fresh_account, Run};
use crate::wire::paths;
use crate::{
    ui::browser,
    ui::client::{self, Credential},
    wire::{AccountSwitchesPatch, XssResult},
};
use leptos::{prelude::*, task::spawn_local};

/// Where the card keeps the token in the runs that store it, as many single-page apps do.
pub const KEY: &str = "authlab.attack_lab_token";
/// Polls (700 ms apart) before a run is called unanswered.
const PATIENCE: u32 = 15;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    Idle,
    /// CSP off, token in localStorage.
    Stored,
    /// CSP off, token in memory only.
    Memory,
    /// CSP on, token in localStorage.
    Csp,
    Done,
}

impl Stage {
    pub fn label(self) -> &'static str {
        match self {
            Stage::Idle => "",
            Stage::Stored => "Run 1: CSP off, token in localStorage…",
            Stage::Memory => "Run 2: CSP off, token in memory…",
            Stage::Csp => "Run 3: CSP on, token in localStorage…",
            Stage::Done => "Done.",
        }
    }
}

#[derive(Clone, Copy)]
pub struct Card {
    pub run: StoredValue<Option<Run>>,
    pub stage: RwSignal<Stage>,
    pub run_id: StoredValue<String>,
    pub frame_src: RwSignal<Option<String>>,
    pub results: RwSignal<Vec<(Stage, XssResult)>>,
    pub token: StoredValue<Option<String>>,
    pub polls: StoredValue<u32>,
    pub busy: StoredValue<bool>,
    pub learner: Learner,
}

impl Card {
    pub fn new(learner: Learner) -> Self {
        Card {
            run: StoredValue::new(None),
            stage: RwSignal::new(Stage::Idle),
            run_id: StoredValue::new(String::new()),
            frame_src: RwSignal::new(None),
            results: RwSignal::new(Vec::new()),
            token: StoredValue::new(None),
            polls: StoredValue::new(0),
            busy: StoredValue::new(false),
            learner,
        }
    }

    /// A run from the start: a fresh victim signed in both ways, CSP off for its page, run 1.
    pub fn start(self, run: Run) {
        self.run.set_value(Some(run));
        self.stage.set(Stage::Idle);
        self.frame_src.set(None);
        self.results.set(Vec::new());
        // The card goes on after this (the frames it loads): the learner's sign-in stays
        // aside until it is done.
        run.begin(async move {
            let victim = fresh_account(&run).await?;
            let state = run
                .session_login("the victim signs in (an HttpOnly session cookie)", &victim)
                .await?;
            self.learner.signed_in_as.set(Some(victim.username.clone()));
            self.learner.csrf.set(Some(state.csrf_token.clone()));
            self.learner.weakened.set(state.csrf_weakened);
            let tokens = run
                .bearer_login("the victim signs in (a bearer access token)", &victim)
                .await?;
            let patch = AccountSwitchesPatch {
                xss_weakened: Some(true),
                ..AccountSwitchesPatch::default()
            };
            let set =
                client::put_account_switches(&patch, Credential::Csrf(&state.csrf_token)).await;
            run.step(
                "the account switches CSP OFF for its comments page (this account only)",
                &set,
            );
            set.result.map_err(|e| e.to_string())?;
            self.learner.xss_weakened.set(true);
            browser::local_set(KEY, &tokens.access_token);
            self.token.set_value(Some(tokens.access_token));
            run.saw(format!(
                "The page stored the access token in localStorage under \"{KEY}\", as many \
                 single-page apps do, and loads the comments page, where the attacker's comment \
                 holds a script."
            ));
            self.load(Stage::Stored).await
        });
    }

    fn fail(self, why: impl Into<String>) {
        browser::local_remove(KEY);
        if let Some(run) = self.run.get_value() {
            run.error.set(Some(why.into()));
        }
        self.done();
    }

    /// The card is over: the learner's own sign-in is the browser's again.
    fn done(self) {
        self.stage.set(Stage::Done);
        if let Some(run) = self.run.get_value() {
            run.give_back();
        }
    }

    /// Load the vulnerable page for `stage` under a fresh run of the victim's own (the server
    /// makes its id; only the victim can read its result).
    async fn load(self, stage: Stage) -> Result<(), String> {
        let csrf = self
            .learner
            .csrf
            .get_untracked()
            .ok_or("the victim's session was lost")?;
        let started = client::xss_start(Credential::Csrf(&csrf)).await;
        if let Some(run) = self.run.get_value() {
            run.step(
                &format!("start a run of your own ({})", stage_name(stage)),
                &started,
            );
        }
        let run_id = started.result.map_err(|err| err.to_string())?.run;
        self.frame_src
            .set(Some(paths::attacker::xss_victim(&run_id)));
        self.run_id.set_value(run_id);
        self.polls.set_value(0);
        self.stage.set(stage);
        Ok(())
    }

    pub fn tick(self) {
        let stage = self.stage.get_untracked();
        if matches!(stage, Stage::Idle | Stage::Done) || self.busy.get_value() {
            return;
        }
        let Some(run) = self.run.get_value() else {
            return;
        };
        let polls = self.polls.get_value() + 1;
        self.polls.set_value(polls);
        self.busy.set_value(true);
        spawn_local(async move {
            let answer = client::xss_result(&self.run_id.get_value()).await;
            let result = answer.result.clone().unwrap_or_default();
            let settled = match stage {
                Stage::Csp => result.script_ran || result.csp_blocked.is_some(),
                _ => result.script_ran,
            };
            if settled || polls >= PATIENCE {
                run.step(
                    &format!("what reached the attacker ({})", stage_name(stage)),
                    &answer,
                );
                self.results.update(|all| all.push((stage, result.clone())));
                self.next(run, stage, result).await;
            }
            self.busy.set_value(false);
        });
    }

    async fn next(self, run: Run, stage: Stage, result: XssResult) {
        let cookie = match result.cookie_seen.as_deref() {
            Some("") => "document.cookie was empty to it".to_string(),
            Some(seen) => format!("document.cookie read \"{seen}\""),
            None => String::new(),
        };
        match stage {
            Stage::Stored => {
                let Some(replay) = result.replay.filter(|_| result.script_ran) else {
                    return self.fail("the script ran but no stolen token reached the attacker");
                };
                run.saw(format!(
                    "Run 1: the planted script ran (no CSP on this page for this account), found \
                     the token in {}, and sent it away. The attacker replayed it from another \
                     client ({}): GET /api/me → {}{}. The session cookie was not in its loot: \
                     {cookie}, because the cookie is HttpOnly.",
                    result
                        .found
                        .first()
                        .map(|f| f.place.as_str())
                        .unwrap_or("storage"),
                    replay.client,
                    replay.status,
                    replay
                        .username
                        .map(|u| format!(", signed in as {u}"))
                        .unwrap_or_default(),
                ));
                // Run 2: the same page, the token only in this page's memory.
                browser::local_remove(KEY);
                if let Err(err) = self.load(Stage::Memory).await {
                    self.fail(err);
                }
            }
            Stage::Memory => {
                if !result.script_ran {
                    return self.fail("the planted script did not run with CSP off");
                }
                if !result.found.is_empty() {
                    return self.fail("the script found a token although it was only in memory");
                }
                run.saw(format!(
                    "Run 2: the same script ran and found nothing: the token lived only in the \
                     page's memory (a value inside the WASM), which no other script can reach; \
                     {cookie}. (A script running in the page could still make requests while \
                     the page is open; it just cannot carry the token away.)"
                ));
                // Run 3: the account's page gets CSP back; the token goes back into storage.
                let Some(csrf) = self.learner.csrf.get_untracked() else {
                    return self.fail("the victim's session was lost");
                };
                let patch = AccountSwitchesPatch {
                    xss_weakened: Some(false),
                    ..AccountSwitchesPatch::default()
                };
                let set = client::put_account_switches(&patch, Credential::Csrf(&csrf)).await;
                run.step("switch the page's CSP back ON for this account", &set);
                if set.result.is_err() {
                    return self.fail("CSP could not be switched back on");
                }
                self.learner.xss_weakened.set(false);
                if let Some(token) = self.token.get_value() {
                    browser::local_set(KEY, &token);
                }
                if let Err(err) = self.load(Stage::Csp).await {
                    self.fail(err);
                }
            }
            Stage::Csp => {
                browser::local_remove(KEY);
                if result.script_ran {
                    return self.fail("the planted script ran although CSP was on");
                }
                run.saw(match result.csp_blocked {
                    Some(directive) => format!(
                        "Run 3: with the lab's Content-Security-Policy the browser refused to run \
                         the planted script (it had no nonce of this response) and reported the \
                         violation of {directive} to the lab. Nothing was stolen, although the \
                         token was in localStorage again."
                    ),
                    None => "Run 3: nothing reached the attacker with CSP on; the browser sent \
                             no violation report in time, so the card cannot show the refusal \
                             itself."
                        .to_string(),
                });
                run.saw(
                    "What stops this theft: CSP (no injected script runs at all), keeping the \
                     token out of storage scripts can read (memory, or an HttpOnly cookie), and \
                     escaping what a page prints. The HttpOnly session cookie is the one \
                     credential no script can read, whatever else goes wrong.",
                );
                self.done();
            }
            Stage::Idle | Stage::Done => {}
        }
    }
}

pub fn stage_name(stage: Stage) -> &'static str {
    match stage {
        Stage::Stored => "CSP off, token in localStorage",
        Stage::Memory => "CSP off, token in memory",
        Stage::Csp => "CSP on",
        Stage::Idle | Stage::Done => "",
    }
}
