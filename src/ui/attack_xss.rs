//! The attack lab's XSS token-theft card. It runs in the learner's browser, because the theft
//! happens there: a comment planted in a deliberately vulnerable page of the lab
//! (`/attacks/xss-victim`, `lab::xss_victim`) holds a real inline script, which reads what
//! scripts can read and sends it to the attacker, who replays the token from another client.
//!
//! Three runs, each loading the page in a frame with a fresh run id and reading back what reached
//! the attacker (`GET /api/lab/xss/result`):
//! 1. CSP off for this account's page, access token in localStorage: stolen, and it works;
//! 2. CSP off, token kept in memory only (a Rust value in the WASM): the script finds nothing;
//! 3. CSP on (the lab's policy), token back in localStorage: the browser refuses to run the
//!    script, and its CSP report reaches the lab.
//!
//! Every run also shows `document.cookie` as the script saw it: the HttpOnly session cookie is
//! never in it.

use super::{
    attack_learner::Learner,
    pages::lessons::experiment::{fresh_account, Experiment, Run},
};
use crate::wire::paths;
use crate::{
    ui::browser,
    ui::client::{self, Credential},
    wire::{AccountSwitchesPatch, XssResult},
};
use leptos::{prelude::*, task::spawn_local};

/// Where the card keeps the token in the runs that store it, as many single-page apps do.
const KEY: &str = "authlab.attack_lab_token";
/// Polls (700 ms apart) before a run is called unanswered.
const PATIENCE: u32 = 15;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
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
    fn label(self) -> &'static str {
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
struct Card {
    run: StoredValue<Option<Run>>,
    stage: RwSignal<Stage>,
    run_id: StoredValue<String>,
    frame_src: RwSignal<Option<String>>,
    results: RwSignal<Vec<(Stage, XssResult)>>,
    token: StoredValue<Option<String>>,
    polls: StoredValue<u32>,
    busy: StoredValue<bool>,
    learner: Learner,
}

impl Card {
    fn fail(self, why: impl Into<String>) {
        browser::local_remove(KEY);
        if let Some(run) = self.run.get_value() {
            run.error.set(Some(why.into()));
        }
        self.stage.set(Stage::Done);
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

    fn tick(self) {
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
                self.stage.set(Stage::Done);
            }
            Stage::Idle | Stage::Done => {}
        }
    }
}

fn stage_name(stage: Stage) -> &'static str {
    match stage {
        Stage::Stored => "CSP off, token in localStorage",
        Stage::Memory => "CSP off, token in memory",
        Stage::Csp => "CSP on",
        Stage::Idle | Stage::Done => "",
    }
}

#[component]
pub fn XssCard(learner: Learner) -> impl IntoView {
    let card = Card {
        run: StoredValue::new(None),
        stage: RwSignal::new(Stage::Idle),
        run_id: StoredValue::new(String::new()),
        frame_src: RwSignal::new(None),
        results: RwSignal::new(Vec::new()),
        token: StoredValue::new(None),
        polls: StoredValue::new(0),
        busy: StoredValue::new(false),
        learner,
    };
    let poll: StoredValue<Option<IntervalHandle>> = StoredValue::new(None);
    on_cleanup(move || {
        if let Some(handle) = poll.get_value() {
            handle.clear();
        }
        browser::local_remove(KEY);
    });
    let start = move |run: Run| {
        if poll.get_value().is_none() {
            let handle = set_interval_with_handle(
                move || card.tick(),
                std::time::Duration::from_millis(700),
            );
            poll.set_value(handle.ok());
        }
        card.run.set_value(Some(run));
        card.stage.set(Stage::Idle);
        card.frame_src.set(None);
        card.results.set(Vec::new());
        run.go(async move {
            let victim = fresh_account(&run).await?;
            let state = run
                .session_login("the victim signs in (an HttpOnly session cookie)", &victim)
                .await?;
            learner.signed_in_as.set(Some(victim.username.clone()));
            learner.csrf.set(Some(state.csrf_token.clone()));
            learner.weakened.set(state.csrf_weakened);
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
            learner.xss_weakened.set(true);
            browser::local_set(KEY, &tokens.access_token);
            card.token.set_value(Some(tokens.access_token));
            run.saw(format!(
                "The page stored the access token in localStorage under \"{KEY}\", as many \
                 single-page apps do, and loads the comments page, where the attacker's comment \
                 holds a script."
            ));
            card.load(Stage::Stored).await
        });
    };
    view! {
        <article class="card attack browser-attack" data-testid="attack-xss">
            <h3>"XSS token theft"</h3>
            <p>
                "A script injected into a page runs with the page's rights: it reads localStorage and "
                "sends what it finds anywhere. The Samy worm (MySpace, 2005) and the TweetDeck worm "
                "(2014) spread by a script in a post; stolen tokens are how such a script keeps "
                "access after the page closes. This card runs in your browser, where it happens."
            </p>
            <p class="muted">
                "It signs this browser in as a fresh victim account (a session cookie and a bearer "
                "token), switches the deliberately weakened setting on (CSP off for this account's "
                "comments page only, marked on that page), and loads the page three times: token in "
                "localStorage, token in memory, then with CSP back on. The comment's script is "
                "planted by the lab itself: the page never prints anything a request sends."
            </p>
            <Experiment label="Run the XSS token theft" start=start/>
            {move || card.frame_src.get().map(|src| view! {
                <p class="muted">{format!("The vulnerable page: {src}")}</p>
                <iframe class="attacker-frame" data-testid="xss-victim-frame" src=src
                    title="The deliberately vulnerable comments page"></iframe>
            })}
            <ol class="xss-results" data-testid="xss-results">
                {move || card.results.get().into_iter().map(|(stage, result)| view! {
                    <li data-testid="xss-result" data-stage=stage_name(stage)
                        data-script-ran=result.script_ran.to_string()
                        data-replay-status=result.replay.as_ref().map(|r| r.status.to_string()).unwrap_or_default()
                        data-csp-blocked=result.csp_blocked.clone().unwrap_or_default()>
                        <strong>{stage_name(stage)}</strong>": "
                        {if result.script_ran { "the script ran" } else { "the script did not run" }}
                        {format!("; found {}", result.found.len())}
                        {result.found.iter().map(|f| format!(" ({} = {})", f.place, f.preview)).collect::<String>()}
                        {result.replay.as_ref().map(|r| format!("; replayed from {} → {}", r.client, r.status))}
                        {result.csp_blocked.as_ref().map(|d| format!("; CSP report: {d} refused it"))}
                    </li>
                }).collect_view()}
            </ol>
            <p class="muted" data-testid="xss-stage">{move || card.stage.get().label()}</p>
        </article>
    }
}
