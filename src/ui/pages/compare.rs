//! The compare page, for the projector: **cookie session | bearer JWT**, one user signed in both
//! ways at once. Log out both and the page replays both old credentials once a second: the session
//! is refused from the first replay (its record is gone), the JWT keeps being accepted until its
//! `exp` (nothing on the server says otherwise), unless the account's server-side revocation is
//! on, when both are refused at once. Below it, the logout matrix.

use crate::ui::{
    auth_cost_view::AuthCostView,
    compare_model::{Column, CompareModel, Lane, SHORT_TOKEN_SECS},
    demo_accounts::DemoAccounts,
    login_form::LoginForm,
    logout_matrix_view::LogoutMatrixView,
    replay_timeline::ReplayTimeline,
    trace_view::TraceView,
};
use crate::{
    ui::{
        browser,
        identity::{self, Who},
    },
    wire::Credentials,
};
use leptos::prelude::*;
use std::time::Duration;

#[component]
pub fn ComparePage() -> impl IntoView {
    let lab = CompareModel::new();
    let now_ms = RwSignal::new(0i64);
    let clock: StoredValue<Option<IntervalHandle>> = StoredValue::new(None);
    Effect::new(move |_| {
        now_ms.set(browser::now_ms());
        let handle = set_interval_with_handle(
            move || now_ms.set(browser::now_ms()),
            Duration::from_millis(250),
        );
        clock.set_value(handle.ok());
    });
    on_cleanup(move || {
        lab.stop();
        lab.leave();
        if let Some(handle) = clock.get_value() {
            handle.clear();
        }
    });
    let denylist = move || lab.denylist.get().unwrap_or(false);
    // The header's identity, followed after hydration: this page's code may arrive after the
    // header already knows, and hydration must first see what the server rendered ("asking").
    let who = RwSignal::new(Who::Asking);
    let known = identity::who();
    Effect::new(move |_| who.set(known.get()));

    view! {
        <section class="card intro">
            <h1>"Side by side: what logout really ends"</h1>
            <p>
                "One account, signed in twice: with a session cookie and with a bearer token. "
                "Log out both, and the page replays each credential it captured before logout, once a "
                "second, against this server. The session cookie is HttpOnly, so the page cannot keep a "
                "copy; the server keeps one for the lab (as a thief with a copied cookie would) and replays "
                "it through its own router."
            </p>
            <div class="compare-controls">
                <div class="stack">
                    {move || match who.get() {
                        // A signed-in learner is never asked for a password here: the page signs
                        // a fresh account of theirs in (their own sign-in set aside meanwhile).
                        Who::Session { username, .. } | Who::Bearer { username, .. } => view! {
                            <p data-testid="compare-as-learner">
                                "Signed in as "<strong>{username}</strong>". The page makes a fresh "
                                "account of yours and signs it in both ways: its switches touch "
                                "nobody else, and what it does counts for you. Your own sign-in is "
                                "set aside meanwhile and given back once both columns have logged out."
                            </p>
                            <button type="button" data-testid="compare-fresh"
                                disabled=move || lab.busy.get() on:click=move |_| lab.login_fresh()>
                                "Sign a fresh account in both ways"
                            </button>
                        }.into_any(),
                        Who::SignedOut => view! {
                            <LoginForm test_id="compare-login" endpoint="both modes" busy=lab.busy
                                on_login=move |credentials: Credentials| lab.login_both(credentials)/>
                        }.into_any(),
                        Who::Asking => view! { <p class="muted">"…"</p> }.into_any(),
                    }}
                    <label class="switch">
                        <input type="checkbox" data-testid="compare-short-token"
                            prop:checked=move || lab.short_token.get()
                            disabled=move || lab.busy.get()
                            on:change=move |ev| lab.short_token.set(event_target_checked(&ev))/>
                        {format!(
                            " Short-lived token for this demo ({SHORT_TOKEN_SECS} s instead of the \
                             server's default): a switch of this account only, set at login"
                        )}
                    </label>
                </div>
                <div class="stack">
                    <div class="button-row">
                        <button type="button" data-testid="call-both"
                            disabled=move || lab.busy.get() || !(lab.signed_in(Lane::Session) || lab.signed_in(Lane::Jwt))
                            on:click=move |_| lab.call_both()>
                            "Call the API with both"
                        </button>
                        <button type="button" data-testid="logout-both" disabled=move || lab.busy.get()
                            on:click=move |_| lab.logout_both()>
                            "Log out both"
                        </button>
                        <button type="button" class="secondary" data-testid="replay-both"
                            on:click=move |_| lab.replay_both()>"Replay both old credentials"</button>
                        <button type="button" class="secondary" data-testid="stop-replaying"
                            disabled=move || !lab.replaying.get() on:click=move |_| lab.stop()>
                            "Stop replaying"
                        </button>
                    </div>
                    <label class="switch">
                        <input type="checkbox" data-testid="compare-denylist"
                            prop:checked=denylist
                            disabled=move || lab.denylist.get().is_none()
                            on:change=move |ev| lab.set_denylist(event_target_checked(&ev))/>
                        " Server-side revocation for this account (JWT denylist + not-before mark): "
                        <strong data-testid="compare-denylist-state">
                            {move || match lab.denylist.get() {
                                None => "log in to see it",
                                Some(true) => "on: the JWT is stateful again",
                                Some(false) => "off: stateless",
                            }}
                        </strong>
                    </label>
                    <p class="muted" role="status" data-testid="busy-state">
                        {move || lab.busy.get().then(|| format!(
                            "Waiting for the server ({}): the buttons come back when it answers.",
                            lab.busy_with.get()
                        ))}
                    </p>
                    <p class="muted" data-testid="replay-state">
                        {move || if lab.replaying.get() {
                            "Replaying both old credentials once a second…".to_string()
                        } else if lab.marks.with(|m| m.is_empty()) {
                            "Log in, then log out both to start the replays.".to_string()
                        } else {
                            format!("Replays stopped after {} marks.", lab.marks.with(|m| m.len()))
                        }}
                    </p>
                </div>
            </div>
        </section>
        <div class="columns compare-columns" data-testid="compare-columns" tabindex="-1"
            role="region" aria-label="the two models, side by side">
            <CompareColumn lab=lab lane=Lane::Session now_ms=now_ms/>
            <CompareColumn lab=lab lane=Lane::Jwt now_ms=now_ms/>
        </div>
        <ReplayTimeline lab=lab/>
        <section class="card">
            <h2>"What the timeline shows"</h2>
            <p>
                "The session lane is red from the first replay: logout deleted the record, and every request "
                "looks the record up. The JWT lane stays green past the dashed "<code>"exp"</code>" line, "
                "through the shaded band, until "<code>"exp + leeway"</code>": the token is still correctly "
                "signed, a stateless server has nowhere to remember that you logged out, and it forgives a "
                "few seconds of clock difference after "<code>"exp"</code>" (the leeway). Switch revocation "
                "on, log in and out again: the JWT lane is red from the first replay too, refused at the "
                "denylist, a database lookup every bearer request now pays (its cost is in each trace)."
            </p>
            // Every call and every replay is one of this account's requests, timed by the server.
            // Asked with the live token while the JWT column is signed in, else the cookie while
            // the session column is; after both logouts, not at all (the last figures stay).
            <AuthCostView
                bearer=Signal::derive(move || {
                    lab.jwt.user.with(Option::is_some).then(|| lab.jwt.secret.get()).flatten()
                })
                trigger=Signal::derive(move || {
                    lab.session.last.track();
                    lab.jwt.last.track();
                    lab.marks.with(Vec::len)
                })
                signed_in=Signal::derive(move || {
                    lab.jwt.user.with(Option::is_some) || lab.session.user.with(Option::is_some)
                })/>
        </section>
        <LogoutMatrixView token=lab.jwt.secret/>
        <DemoAccounts/>
    }
    .into_any()
}

#[component]
fn CompareColumn(lab: CompareModel, lane: Lane, now_ms: RwSignal<i64>) -> impl IntoView {
    let column: Column = lab.column(lane);
    let (title, credential, ends) = match lane {
        Lane::Session => (
            "cookie session",
            "An opaque id in an HttpOnly cookie; the page never sees it. Replays use the server's copy.",
            "idle timeout",
        ),
        Lane::Jwt => (
            "bearer JWT",
            "A signed token in this page's memory, sent as Authorization: Bearer.",
            "exp",
        ),
    };
    let id = lane.as_str();
    let countdown = move || {
        let end = column.ends_at_ms.get()?;
        let left = (end - now_ms.get()) / 1000;
        Some(if left > 0 {
            format!("{ends} in {left} s")
        } else {
            format!("{ends} passed")
        })
    };
    let copy = move || {
        column.copy.get().map(|copy| match lane {
            Lane::Session => format!("server-side copy, handle {}…", &copy[..8.min(copy.len())]),
            Lane::Jwt => format!("{}… ({} bytes)", &copy[..16.min(copy.len())], copy.len()),
        })
    };
    view! {
        <section class="card compare-column" data-testid=format!("column-{id}")>
            <h2>{title}</h2>
            <p class="muted">{credential}</p>
            <dl class="facts">
                <dt>"signed in"</dt>
                <dd data-testid=format!("{id}-user")>
                    {move || column.user.get().unwrap_or_else(|| "no (logged out)".into())}
                </dd>
                <dt>"copy kept for replay"</dt>
                <dd data-testid=format!("{id}-copy")>{move || copy().unwrap_or_else(|| "none yet".into())}</dd>
                <dt>"ends by itself"</dt>
                <dd data-testid=format!("{id}-countdown") aria-live="off">{move || countdown().unwrap_or_else(|| "-".into())}</dd>
                <dt>"last request"</dt>
                <dd data-testid=format!("{id}-last")>
                    {move || column.last.get().map(|call| {
                        let verdict = match call.failed_check() {
                            Some(check) => format!(" · refused at {}: {}", check.name, check.detail),
                            None if call.status < 300 => " · allowed".to_string(),
                            None => String::new(),
                        };
                        view! {
                            <span data-testid=format!("{id}-last-status")>{call.status}</span>
                            " " {format!("{} {}", call.method, call.path)} {verdict}
                        }
                    })}
                </dd>
            </dl>
            {move || column.last.get().and_then(|call| call.trace).map(|trace| view! {
                <details class="compact-trace">
                    <summary>"decision trace of the last request"</summary>
                    <TraceView trace=trace/>
                </details>
            })}
            {move || column.message.get().map(|m| view! { <p class="error">{m}</p> })}
            <div class="button-row">
                <button type="button" class="small" data-testid=format!("{id}-call")
                    disabled=move || lab.busy.get() || !lab.signed_in(lane)
                    on:click=move |_| lab.call(lane)>"Call the API"</button>
                <button type="button" class="small" data-testid=format!("{id}-logout")
                    disabled=move || lab.busy.get() on:click=move |_| lab.logout(lane)>"Log out"</button>
                <button type="button" class="small secondary" data-testid=format!("{id}-replay")
                    on:click=move |_| lab.replay(lane)>"Replay old credential"</button>
            </div>
        </section>
    }
    .into_any()
}
