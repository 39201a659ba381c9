//! What every lesson's live experiment shares: a run button, the list of real requests it made
//! (each with the status and failing check the server gave), and the "what you just saw" box,
//! whose sentences are built from those answers, never written in advance.

use crate::{
    ui::client::{self, Answer, Call, Credential},
    ui::identity::{self, Borrowed},
    wire::{AccountSwitchesPatch, Credentials, Password, SessionState, TokenResponse},
};
use leptos::{prelude::*, task::spawn_local};
use leptos_router::{hooks::use_query_map, params::ParamsMap};
use std::future::Future;

/// One request the experiment made, as the server answered it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub label: String,
    pub call: Call,
}

/// A run of an experiment: what it did and what it concluded.
#[derive(Clone, Copy)]
pub struct Run {
    pub steps: RwSignal<Vec<Step>>,
    pub saw: RwSignal<Vec<String>>,
    pub error: RwSignal<Option<String>>,
    pub running: RwSignal<bool>,
    /// The learner's own sign-in, set aside while the run may hold the browser as its account.
    aside: Borrowed,
}

impl Run {
    fn new() -> Self {
        Run {
            steps: RwSignal::new(Vec::new()),
            saw: RwSignal::new(Vec::new()),
            error: RwSignal::new(None),
            running: RwSignal::new(false),
            aside: Borrowed::default(),
        }
    }

    /// Record a request under a label; returns its status.
    pub fn step<T>(&self, label: &str, answer: &Answer<T>) -> u16 {
        self.record(label, &answer.call);
        answer.call.status
    }

    /// Record a call under a label.
    pub fn record(&self, label: &str, call: &Call) {
        self.steps.update(|steps| {
            steps.push(Step {
                label: label.to_string(),
                call: call.clone(),
            })
        });
    }

    /// Add a sentence to "what you just saw".
    pub fn saw(&self, sentence: impl Into<String>) {
        self.saw.update(|saw| saw.push(sentence.into()));
    }

    /// Log in in session mode, recorded as a step labelled `label`.
    pub async fn session_login(
        &self,
        label: &str,
        account: &Credentials,
    ) -> Result<SessionState, String> {
        let answer = client::session_login(account).await;
        self.step(label, &answer);
        // The browser is now signed in as the experiment's account (the learner's cookie is set
        // aside until the run ends): the page says so, and its challenges speak through it for
        // the learner whose page made it.
        if let Ok(state) = &answer.result {
            crate::ui::identity::set(crate::ui::identity::Who::Session {
                username: state.username.clone(),
                csrf: state.csrf_token.clone(),
            });
        }
        answer.result.map_err(|e| e.to_string())
    }

    /// Log in in bearer mode, recorded as a step labelled `label`.
    pub async fn bearer_login(
        &self,
        label: &str,
        account: &Credentials,
    ) -> Result<TokenResponse, String> {
        let answer = client::jwt_login(account).await;
        self.step(label, &answer);
        answer.result.map_err(|e| e.to_string())
    }

    /// Switch the account's server-side revocation (denylist + not-before mark) on.
    pub async fn revocation_on(&self, token: &str) {
        let patch = AccountSwitchesPatch {
            denylist: Some(true),
            ..AccountSwitchesPatch::default()
        };
        let switched = client::put_account_switches(&patch, Credential::Bearer(token)).await;
        self.step("switch server-side revocation on", &switched);
    }

    /// Clear the last run and start this one (one at a time). The run may sign the browser in
    /// as its own account: the learner's sign-in is set aside meanwhile and given back when the
    /// run ends, however it ends.
    pub fn go(self, experiment: impl Future<Output = Result<(), String>> + 'static) {
        self.start(experiment, true);
    }

    /// `go`, for an experiment that goes on after `experiment` (an attack card whose later steps
    /// follow the frames it loads): the learner's sign-in stays aside until `give_back`.
    pub fn begin(self, experiment: impl Future<Output = Result<(), String>> + 'static) {
        self.start(experiment, false);
    }

    fn start(self, experiment: impl Future<Output = Result<(), String>> + 'static, ends: bool) {
        if self.running.get_untracked() {
            return;
        }
        self.running.set(true);
        self.steps.set(Vec::new());
        self.saw.set(Vec::new());
        self.error.set(None);
        spawn_local(async move {
            // Taken once: a card started again before it ended still holds the learner's first.
            self.aside.set_aside().await;
            let failed = experiment.await.err();
            // A card that failed here goes on no further either.
            if ends || failed.is_some() {
                self.aside.give_back().await;
            }
            if let Some(err) = failed {
                self.error.set(Some(err));
            }
            self.running.set(false);
        });
    }

    /// The experiment is over: the learner's own sign-in is the browser's again.
    pub fn give_back(self) {
        spawn_local(self.aside.give_back());
    }
}

/// A throwaway account for this run, registered through the public API, so the experiment's
/// switches touch nobody else.
///
/// Name and password are drawn independently from `crypto.getRandomValues`: the password is 128
/// random bits that nothing else reveals (the name is shown on screen and in the audit log).
pub async fn fresh_account(run: &Run) -> Result<Credentials, String> {
    let credentials = register_fresh().await?;
    run.saw(format!(
        "The experiment registered a fresh account, {}, so nothing it switches touches anyone else.",
        credentials.username
    ));
    Ok(credentials)
}

/// `fresh_account` without a run to tell (the compare page's). When the learner is signed in,
/// the account is theirs: what it does counts for them, and signing the browser in as it sets
/// their own sign-in aside (`identity::SetAside`) rather than ending it.
pub async fn register_fresh() -> Result<Credentials, String> {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let name_bytes = crate::ui::browser::random_bytes::<8>()
        .ok_or("this browser has no crypto.getRandomValues: no safe password can be made")?;
    let password_bytes = crate::ui::browser::random_bytes::<16>()
        .ok_or("this browser has no crypto.getRandomValues: no safe password can be made")?;
    let suffix: String = name_bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect();
    let password: String = password_bytes.iter().map(|b| format!("{b:02x}")).collect();
    let credentials = Credentials {
        username: format!("lesson-{suffix}"),
        password: Password::new(password),
    };
    // Sent with the learner's own credential, so the server makes the account theirs (a bearer
    // token must be sent; a cookie goes by itself), with a token still valid for the moment.
    let who = identity::fresh().await;
    client::register(&credentials, who.credential())
        .await
        .map_err(|err| format!("could not register a fresh account: {err}"))?;
    Ok(credentials)
}

/// The lesson's URL parameters (the URL is the lesson's state, so a teacher can link to it). Call
/// in the component body; read with `param` when the experiment runs.
pub fn lesson_params() -> Memo<ParamsMap> {
    use_query_map()
}

pub fn param(params: Memo<ParamsMap>, name: &str, default: &str) -> String {
    params
        .with_untracked(|q| q.get(name))
        .unwrap_or_else(|| default.to_string())
}

/// Run button, the requests made, and the conclusions.
#[component]
pub fn Experiment(
    /// What the button says.
    label: &'static str,
    #[prop(into)] start: Callback<Run>,
) -> impl IntoView {
    let run = Run::new();
    view! {
        <section class="card experiment" data-testid="experiment">
            <h2>"Live experiment"</h2>
            <button type="button" data-testid="run-experiment" disabled=move || run.running.get()
                on:click=move |_| start.run(run)>
                {move || if run.running.get() { "Running against the server…" } else { label }}
            </button>
            {move || run.error.get().map(|e| view! { <p class="error" data-testid="experiment-error">{e}</p> })}
            <ol class="steps" data-testid="steps">
                {move || run.steps.get().into_iter().map(|step| {
                    let check = step.call.failed_check().map(|c| c.name.to_string());
                    let check_attr = check.clone().unwrap_or_default();
                    view! {
                        <li data-testid="step" data-method=step.call.method data-path=step.call.path.clone()
                            data-status=step.call.status.to_string() data-check=check_attr>
                            <strong>{step.label}</strong>": "
                            <code>{format!("{} {}", step.call.method, step.call.path)}</code>
                            {format!(" → {}", step.call.status)}
                            {check.map(|c| format!(" (refused at {c})"))}
                        </li>
                    }
                }).collect_view()}
            </ol>
            <Show when=move || !run.saw.with(|s| s.is_empty()) && !run.running.get()>
                <aside class="saw" data-testid="what-you-saw">
                    <h3>"What you just saw"</h3>
                    <ul>{move || run.saw.get().into_iter().map(|s| view! { <li>{s}</li> }).collect_view()}</ul>
                </aside>
            </Show>
        </section>
    }
    .into_any()
}

/// Links that set one of the lesson's switches (and so its URL).
#[component]
pub fn Switch(
    name: &'static str,
    options: &'static [&'static str],
    /// The value used when the URL says nothing.
    default: &'static str,
) -> impl IntoView {
    let query = use_query_map();
    let current = move || {
        query
            .with(|q| q.get(name))
            .unwrap_or_else(|| default.to_string())
    };
    view! {
        <p class="lesson-switch" data-testid=format!("switch-{name}")>
            <span class="muted">{format!("{name}: ")}</span>
            {options.iter().map(|option| {
                let option = *option;
                view! {
                    <a href=format!("?{name}={option}") data-testid=format!("switch-{name}-{option}")
                        aria-current=move || (current() == option).then_some("true")>{option}</a>
                    " "
                }
            }).collect_view()}
        </p>
    }
}
