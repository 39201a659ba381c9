//! The session-mode inspector: the cookie exactly as the server set it (next to what a script on
//! this page can see of it: nothing), the record the server keeps with live countdowns to its idle
//! and absolute deadlines, the last request's decision trace with an equivalent curl command, and
//! the bytes the cookie adds to every request.
//!
//! Until the page holds a session or has made a request, the inspector has nothing to show but
//! its headings, which is all the server renders for a first visit. That blank inspector is in the
//! main WASM; the live one is a file of its own (`#[lazy]`), fetched once there is something to
//! show (the playground starts fetching it as soon as a visitor reaches for the login form).

use super::{
    auth_cost_view::{after_each_call, auth_cost_blank, last_call_accepted, AuthCostView},
    session_model::SessionModel,
    trace_view::TraceView,
    when::When,
};
use crate::{ui::browser, ui::client::Call, wire::SESSION_COOKIE};
use leptos::either::Either;
use leptos::prelude::*;
use std::time::Duration;

#[component]
pub fn SessionInspector(lab: SessionModel) -> impl IntoView {
    let live =
        Memo::new(move |_| lab.state.with(Option::is_some) || lab.last.with(Option::is_some));
    move || {
        if live.get() {
            Either::Right(Suspend::new(async move { live_inspector(lab).await }))
        } else {
            Either::Left(view! {
                <aside class="card inspector" data-testid="session-inspector">
                    <h2>"Inspector: cookie session"</h2>
                    <h3>"The cookie, as the server set it"</h3>
                    {no_cookie()}
                    {what_scripts_see(lab)}
                    <h3>"What the server remembers"</h3>
                    {no_record()}
                    <h3>"Last request"</h3>
                    {no_request()}
                    {auth_cost_blank()}
                    <h3>"Size on the wire"</h3>
                    {no_size()}
                </aside>
            })
        }
    }
}

/// The inspector once there is a session or a request to show.
#[lazy]
pub fn live_inspector(lab: SessionModel) -> AnyView {
    let now = RwSignal::new(0_i64);
    Effect::new(move |_| {
        now.set(browser::now_secs());
        set_interval(move || now.set(browser::now_secs()), Duration::from_secs(1));
    });
    let server_now = move || now.get() + lab.skew.get();

    view! {
        <aside class="card inspector" data-testid="session-inspector">
            <h2>"Inspector: cookie session"</h2>

            <h3>"The cookie, as the server set it"</h3>
            {move || match lab.state.get() {
                None => Either::Left(no_cookie()),
                Some(state) => Either::Right(view! {
                    <pre class="wire" data-testid="set-cookie">"Set-Cookie: " {state.cookie.header_preview.clone()}</pre>
                    <table class="attributes">
                        <tbody>
                            {state.cookie.attributes.iter().map(|a| view! {
                                <tr data-testid=format!("cookie-attr-{}", a.name)>
                                    <th>{a.name.clone()}</th>
                                    <td class="attr-value">{a.value.clone().unwrap_or_else(|| "✓".into())}</td>
                                    <td class="why">{a.why.clone()}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    <p class="muted">"No Domain attribute: host-only, as the __Host- prefix demands."</p>
                }),
            }}
            {what_scripts_see(lab)}

            <h3>"What the server remembers"</h3>
            {move || match lab.state.get() {
                None => Either::Left(no_record()),
                Some(state) => {
                    let record = state.session.clone();
                    let idle_at = record.idle_expires_at;
                    let absolute_at = record.absolute_expires_at;
                    Either::Right(view! {
                        <table class="record" data-testid="session-record">
                            <tbody>
                                <tr><th>"session id"</th><td><code>{record.id_preview.clone()}</code>" (shortened)"</td></tr>
                                <tr><th>"user"</th><td>{record.username.clone()}" ("{record.role.as_str()}")"</td></tr>
                                <tr><th>"created"</th><td><When unix=record.created_at/></td></tr>
                                <tr><th>"last seen"</th><td><When unix=record.last_seen/></td></tr>
                                <tr><th>"idle expiry"</th>
                                    <td data-testid="idle-countdown" aria-live="off">{move || countdown(idle_at - server_now())}</td></tr>
                                <tr><th>"absolute expiry"</th>
                                    <td data-testid="absolute-countdown" aria-live="off">{move || countdown(absolute_at - server_now())}</td></tr>
                            </tbody>
                        </table>
                        <p class="muted">"The idle deadline moves forward with every request the server accepts; the absolute one never moves."</p>
                    })
                }
            }}

            <h3>"Last request"</h3>
            {move || match lab.last.get() {
                None => Either::Left(no_request()),
                Some(call) => {
                    let csrf = lab.state.get_untracked().map(|s| s.csrf_token);
                    Either::Right(view! {
                        <p data-testid="last-call">
                            <code>{format!("{} {}", call.method, call.path)}</code> " → "
                            <strong data-testid="last-status">{call.status}</strong>
                        </p>
                        {call.trace.clone().map(|trace| view! { <TraceView trace=trace/> })}
                        <pre class="wire curl" data-testid="curl">{curl_for(&call, &browser::origin(), csrf.as_deref())}</pre>
                    })
                }
            }}

            <AuthCostView bearer=Signal::derive(|| None::<String>) trigger=after_each_call(lab.last)
                signed_in=Signal::derive(move || {
                    lab.state.with(Option::is_some) && last_call_accepted(lab.last)
                })/>

            <h3>"Size on the wire"</h3>
            {move || match lab.state.get() {
                None => Either::Left(no_size()),
                Some(state) => Either::Right(view! {
                    <p data-testid="cookie-bytes">
                        <strong>{state.cookie.request_bytes}</strong>
                        " bytes per request for the "<code>"Cookie"</code>" header, sent by the browser on every request to this site."
                    </p>
                }),
            }}
        </aside>
    }
    .into_any()
}

fn no_cookie() -> impl IntoView {
    view! { <p class="muted">"No session cookie: log in to see the one the server sets."</p> }
}

fn no_record() -> impl IntoView {
    view! { <p class="muted" data-testid="no-record">"Nothing for this browser."</p> }
}

fn no_request() -> impl IntoView {
    view! { <p class="muted">"No request yet."</p> }
}

fn no_size() -> impl IntoView {
    view! { <p class="muted">"Log in to measure the cookie."</p> }
}

/// What `document.cookie` shows this page: never the session id (HttpOnly).
fn what_scripts_see(lab: SessionModel) -> impl IntoView {
    view! {
        <p>
            <code>"document.cookie"</code> " in this page: "
            <code data-testid="document-cookie">
                {move || {
                    let seen = lab.document_cookie.get();
                    if seen.is_empty() { "\"\" (empty)".to_string() } else { format!("{seen:?}") }
                }}
            </code>
        </p>
        <p class="muted">"HttpOnly keeps the id out of reach of every script on the page, including an injected one."</p>
    }
}

fn countdown(seconds: i64) -> String {
    if seconds <= 0 {
        "expired".into()
    } else {
        format!("in {}:{:02}", seconds / 60, seconds % 60)
    }
}

/// The same request as a curl command. The session id itself cannot be shown: it lives in an
/// HttpOnly cookie this page cannot read, which is the point.
fn curl_for(call: &Call, origin: &str, csrf: Option<&str>) -> String {
    let mut command = format!("curl -i -X {} '{origin}{}'", call.method, call.path);
    command.push_str(&format!(
        " \\\n  -H 'Cookie: {SESSION_COOKIE}=<session id: HttpOnly, copy it from DevTools>'"
    ));
    if call.sent_csrf {
        command.push_str(" \\\n  -H 'Sec-Fetch-Site: same-origin'");
        command.push_str(&format!(
            " \\\n  -H 'X-CSRF-Token: {}'",
            csrf.unwrap_or("<token>")
        ));
    }
    command
}
