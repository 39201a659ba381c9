//! The attack lab page (`/attacks`): one card per attack that broke real systems. Its button asks
//! the server to run the attack against its own endpoints (`POST /api/lab/attacks/{attack}`), and
//! the card shows every request sent, every answer, the check that refused it as the decision
//! trace, and "what you just saw", all from that answer.

use crate::ui::{
    attack_cards::{csrf::CsrfCard, learner::Learner, xss::XssCard},
    identity::{self, Who},
    login_form::LoginForm,
    trace_view::TraceView,
};
use crate::wire::paths;
use crate::{
    ui::client::{self, Credential},
    wire::{AttackGroup, AttackId, AttackRun, AttackStep, Credentials, Expect, StepPart, Verdict},
};
use leptos::{prelude::*, task::spawn_local};

#[component]
pub fn AttacksPage() -> impl IntoView {
    let learner = Learner {
        csrf: RwSignal::new(None),
        signed_in_as: RwSignal::new(None),
        weakened: RwSignal::new(false),
        xss_weakened: RwSignal::new(false),
    };
    let Learner {
        csrf, signed_in_as, ..
    } = learner;
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    // Signed in already (the header's identity): runs start as that account, with no second
    // sign-in; a cookie session's runs send its CSRF token, a bearer learner's their token. The
    // browser-run cards sign the browser in as their own victim, then give the learner's own
    // sign-in back: followed here as it changes.
    let bearer = RwSignal::new(false);
    let who = identity::who();
    Effect::new(move |_| match who.get() {
        Who::Session {
            username,
            csrf: token,
        } => {
            bearer.set(false);
            if signed_in_as.get_untracked().as_deref() != Some(username.as_str()) {
                csrf.set(Some(token));
                signed_in_as.set(Some(username));
                spawn_local(async move {
                    if let Ok(Some(state)) = client::session_current().await.result {
                        learner.weakened.set(state.csrf_weakened);
                        learner.xss_weakened.set(state.xss_weakened);
                    }
                });
            }
        }
        Who::Bearer { username, .. } => {
            bearer.set(true);
            csrf.set(None);
            learner.weakened.set(false);
            learner.xss_weakened.set(false);
            signed_in_as.set(Some(username));
        }
        Who::Asking | Who::SignedOut => {}
    });
    let login = move |credentials: Credentials| {
        busy.set(true);
        spawn_local(async move {
            let answer = client::session_login(&credentials).await;
            match answer.result {
                Ok(state) => {
                    csrf.set(Some(state.csrf_token));
                    learner.weakened.set(state.csrf_weakened);
                    learner.xss_weakened.set(state.xss_weakened);
                    signed_in_as.set(Some(credentials.username));
                    error.set(None);
                }
                Err(err) => error.set(Some(err.to_string())),
            }
            busy.set(false);
        });
    };

    view! {
        <h1>"Attack lab"</h1>
        <section class="card prose">
            <p>
                "Each card is an attack that broke real systems. Its button makes the server run it "
                "against its own endpoints: the server creates a fresh victim account, signs it in "
                "for real, and sends the attacker's requests through the same router, checks, "
                "stores and audit log as any browser's. Below each run: every request exactly as "
                "sent, the answer, and the decision trace naming the check that refused it. The "
                "run's accounts are deleted when it ends."
            </p>
            <p>
                "One attack works on purpose (a stolen session cookie): its card says what would "
                "have stopped it."
            </p>
        </section>
        <section class="card">
            {move || match signed_in_as.get() {
                Some(name) => view! {
                    <p data-testid="attacks-signed-in">"Attacks are started as "<strong>{name}</strong>
                        " (runs are limited per account)."</p>
                }.into_any(),
                None => view! {
                    <p>"Sign in with a cookie session to run attacks (any account; a demo account is fine):"</p>
                    <LoginForm test_id="attacks-login" endpoint={paths::session::LOGIN} busy=busy on_login=login/>
                }.into_any(),
            }}
            {move || (signed_in_as.get().is_some() && learner.weakened.get()).then(|| view! {
                <p class="weakened-banner" role="status" data-testid="account-weakened-banner">
                    "This account's CSRF defences are deliberately OFF (SameSite=None, no origin "
                    "check, no CSRF token): any site can make your browser act as it."
                </p>
            })}
            {move || (signed_in_as.get().is_some() && learner.xss_weakened.get()).then(|| view! {
                <p class="weakened-banner" role="status" data-testid="account-xss-weakened-banner">
                    "This account's comments page (the XSS card's) is deliberately served WITHOUT a "
                    "Content-Security-Policy: the script planted in it runs. Only that page."
                </p>
            })}
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        </section>
        {AttackGroup::ALL.into_iter().map(|group| view! {
            <section class="attack-group">
                <h2>{group.title()}</h2>
                {AttackId::ALL.into_iter().filter(|a| a.group() == group)
                    .map(|attack| view! { <AttackCard attack csrf bearer/> }).collect_view()}
            </section>
        }).collect_view()}
        <section class="attack-group">
            <h2>"Attacks your browser carries out"</h2>
            <CsrfCard learner/>
            <XssCard learner/>
        </section>
    }
}

#[component]
fn AttackCard(
    attack: AttackId,
    csrf: RwSignal<Option<String>>,
    /// Signed in with a bearer token (the header's), not a cookie session.
    bearer: RwSignal<bool>,
) -> impl IntoView {
    let id = attack.as_str();
    let running = RwSignal::new(false);
    let result = RwSignal::new(None::<AttackRun>);
    let error = RwSignal::new(None::<String>);
    let run = move |_| {
        let csrf = csrf.get_untracked();
        if csrf.is_none() && !bearer.get_untracked() {
            return;
        }
        running.set(true);
        result.set(None);
        error.set(None);
        spawn_local(async move {
            // A bearer learner's token, still valid for the moment (refreshed once if not).
            let who = match csrf {
                Some(_) => Who::Asking,
                None => identity::fresh().await,
            };
            let credential = match (&csrf, &who) {
                (Some(csrf), _) => Credential::Csrf(csrf),
                (None, Who::Bearer { token, .. }) => Credential::Bearer(token),
                _ => {
                    error.set(Some(
                        "signed out: sign in (in the header) to run attacks".into(),
                    ));
                    running.set(false);
                    return;
                }
            };
            let answer = client::attack_run(attack, credential).await;
            match answer.result {
                Ok(run) => result.set(Some(run)),
                Err(err) => error.set(Some(err.to_string())),
            }
            running.set(false);
        });
    };
    let expect = match attack.expect() {
        Expect::Refused => "expected: refused",
        Expect::Works => "expected: works (the lesson)",
    };
    view! {
        <article class="card attack" data-testid=format!("attack-{id}")>
            <h3>{attack.title()}</h3>
            <p class="attack-what">{attack.what()}</p>
            <p>
                <button data-testid=format!("attack-run-{id}") on:click=run
                    disabled=move || running.get() || (csrf.get().is_none() && !bearer.get())>
                    {move || if running.get() { "Running…" } else { "Run this attack" }}
                </button>
                " "<span class="muted">{expect}</span>
            </p>
            {move || error.get().map(|e| view! {
                <p class="error" role="alert" data-testid=format!("attack-error-{id}")>{e}</p>
            })}
            {move || result.get().map(|run| view! { <RunView run/> })}
        </article>
    }
}

#[component]
fn RunView(run: AttackRun) -> impl IntoView {
    let id = run.attack.as_str();
    let (verdict, class) = match run.verdict {
        Verdict::Refused => ("refused", "badge denied"),
        Verdict::Worked => ("worked", "badge allowed"),
    };
    let checks = run
        .refused_by
        .iter()
        .map(|c| c.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    view! {
        <div class="attack-result" data-testid=format!("attack-result-{id}")>
            <p>
                "Verdict: "<span class=class data-testid=format!("attack-verdict-{id}")>{verdict}</span>
                {(!checks.is_empty()).then(|| view! {
                    " refused by: "<strong data-testid=format!("attack-checks-{id}")>{checks}</strong>
                })}
            </p>
            <h4>"What you just saw"</h4>
            <ul data-testid=format!("attack-saw-{id}")>
                {run.saw.into_iter().map(|line| view! { <li>{line}</li> }).collect_view()}
            </ul>
            {run.missing.map(|missing| view! {
                <p class="attack-missing" data-testid=format!("attack-missing-{id}")>
                    <strong>"What would have stopped it: "</strong>{missing}
                </p>
            })}
            <ol class="attack-steps">
                {run.steps.into_iter().enumerate().map(|(n, step)| view! { <StepView id n step/> }).collect_view()}
            </ol>
        </div>
    }
}

#[component]
fn StepView(id: &'static str, n: usize, step: AttackStep) -> impl IntoView {
    let part = match step.part {
        StepPart::Setup => "setup",
        StepPart::Attack => "attack",
        StepPart::Aftermath => "aftermath",
    };
    let request = &step.request;
    let mut sent = format!("{} {} HTTP/1.1\n", request.method, request.path);
    for (name, value) in &request.headers {
        sent.push_str(&format!("{name}: {value}\n"));
    }
    if let Some(body) = &request.body {
        sent.push('\n');
        sent.push_str(body);
    }
    let status = step.status;
    view! {
        <li class=format!("attack-step {part}") data-testid=format!("attack-step-{id}-{n}")
            data-part=part data-status=status.to_string()>
            <p>
                <span class="badge">{part}</span>" "{step.label}" → "
                <strong data-testid="step-status">{status}</strong>
                {step.refused_by.map(|check| view! {
                    " refused by "<strong data-testid="step-check">{check.as_str()}</strong>
                })}
                {step.retry_after.map(|secs| view! {
                    " Retry-After: "<strong data-testid="step-retry-after">{secs}</strong>" s"
                })}
            </p>
            {step.reason.map(|reason| view! { <p class="muted" data-testid="step-reason">{reason}</p> })}
            // The whole token, handed over in the fragment (which never reaches a server).
            {step.token.map(|token| view! {
                <p><a href=format!("/workbench#token={token}") data-testid="step-workbench">
                    "Open this token in the workbench"
                </a></p>
            })}
            <details>
                <summary>"Request sent and response"</summary>
                <pre class="attack-request" data-testid="step-request">{sent}</pre>
                <pre class="attack-response" data-testid="step-response">{step.response}</pre>
            </details>
            {step.trace.map(|trace| view! { <TraceView trace/> })}
        </li>
    }
}
