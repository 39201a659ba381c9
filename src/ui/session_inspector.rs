//! The session-mode inspector: the cookie exactly as the server set it (next to what a script on
//! this page can see of it: nothing), the record the server keeps with live countdowns to its idle
//! and absolute deadlines, the last request's decision trace with an equivalent curl command, and
//! the bytes the cookie adds to every request.

use super::{
    auth_cost_view::{after_each_call, last_call_accepted, AuthCostView},
    session_model::SessionModel,
    trace_view::TraceView,
    when::When,
};
use crate::{browser, client::Call, wire::SESSION_COOKIE};
use leptos::either::Either;
use leptos::prelude::*;
use std::time::Duration;

#[component]
pub fn SessionInspector(lab: SessionModel) -> impl IntoView {
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
                None => Either::Left(view! { <p class="muted">"No session cookie: log in to see the one the server sets."</p> }),
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

            <h3>"What the server remembers"</h3>
            {move || match lab.state.get() {
                None => Either::Left(view! { <p class="muted" data-testid="no-record">"Nothing for this browser."</p> }),
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
                None => Either::Left(view! { <p class="muted">"No request yet."</p> }),
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
                None => Either::Left(view! { <p class="muted">"Log in to measure the cookie."</p> }),
                Some(state) => Either::Right(view! {
                    <p data-testid="cookie-bytes">
                        <strong>{state.cookie.request_bytes}</strong>
                        " bytes per request for the "<code>"Cookie"</code>" header, sent by the browser on every request to this site."
                    </p>
                }),
            }}
        </aside>
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
