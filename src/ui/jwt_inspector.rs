//! The bearer-mode inspector: the token in its three colour-coded parts, the header and payload as
//! the server's verifier decoded them with each check's verdict, live countdowns for the access and
//! refresh tokens, the bytes the token adds to every request, the last request's trace with its
//! curl equivalent, and a decoder for any pasted token.

use super::{
    auth_cost_view::{after_each_call, last_call_accepted, AuthCostView},
    jwt_model::JwtModel,
    trace_view::TraceView,
    when::When,
};
use crate::{
    ui::browser,
    ui::client,
    ui::client::Call,
    wire::{DecodeReport, SESSION_COOKIE},
};
use leptos::either::Either;
use leptos::{prelude::*, task::spawn_local};
use std::time::Duration;

#[component]
pub fn JwtInspector(lab: JwtModel) -> impl IntoView {
    let now = RwSignal::new(0_i64);
    Effect::new(move |_| {
        now.set(browser::now_secs());
        set_interval(
            move || {
                now.set(browser::now_secs());
                lab.tick(browser::now_secs() + lab.skew.get_untracked());
            },
            Duration::from_secs(1),
        );
    });
    let server_now = move || now.get() + lab.skew.get();
    // A session cookie is `Cookie: <name>=<22-character id>`.
    let session_bytes = "Cookie: ".len() + SESSION_COOKIE.len() + 1 + 22;

    view! {
        <aside class="card inspector" data-testid="jwt-inspector">
            <h2>"Inspector: bearer JWT"</h2>
            <h3>"The access token"</h3>
            {move || match lab.token.get() {
                None => Either::Left(view! { <p class="muted">"No token: log in to get one."</p> }),
                Some(token) => {
                    let parts: Vec<String> = token.split('.').map(str::to_string).collect();
                    Either::Right(view! {
                        <pre class="wire token" data-testid="jwt-token">
                            <span class="seg-header">{parts.first().cloned().unwrap_or_default()}</span>"."
                            <span class="seg-payload">{parts.get(1).cloned().unwrap_or_default()}</span>"."
                            <span class="seg-signature">{parts.get(2).cloned().unwrap_or_default()}</span>
                        </pre>
                        <p data-testid="jwt-bytes">
                            <strong>{format!("Authorization: Bearer {token}").len()}</strong>
                            " bytes per request for the " <code>"Authorization"</code> " header, against "
                            <strong>{session_bytes}</strong> " for a session cookie."
                        </p>
                    })
                }
            }}
            {move || lab.report.get().map(|report| view! { <Decoded report=report/> })}
            {move || lab.verdict.get().map(|verdict| {
                let allowed = verdict.allowed.to_string();
                view! {
                <div data-testid="jwt-verdict" data-allowed=allowed>
                    <h4>"The server's verdict now"</h4>
                    <p class="muted">
                        "Everything a request carrying this token would meet: its own checks, the subject, "
                        "the denylist and the not-before mark. Asked again when the token passes "
                        <code>"exp"</code>" plus the leeway, and after every change that can revoke it."
                    </p>
                    <TraceView trace=verdict/>
                </div>
            }})}
            <h3>"Countdowns"</h3>
            <table class="record">
                <tbody>
                    <tr><th>"access token"</th>
                        <td data-testid="access-countdown" aria-live="off">{move || match lab.times() {
                            Some((exp, _)) => countdown(exp - server_now()),
                            None => "-".into(),
                        }}</td></tr>
                    <tr><th>"refresh token"</th>
                        <td data-testid="refresh-countdown" aria-live="off">{move || match lab.refresh_expires_at.get() {
                            Some(at) => countdown(at - server_now()),
                            None => "-".into(),
                        }}</td></tr>
                </tbody>
            </table>
            <p class="muted">"The refresh token sits in an HttpOnly cookie (Path=/api/jwt): this page never sees it, only its expiry."</p>

            <h3>"Last request"</h3>
            {move || match lab.last.get() {
                None => Either::Left(view! { <p class="muted">"No request yet."</p> }),
                Some(call) => Either::Right(view! {
                    <p data-testid="jwt-last-call">
                        <code>{format!("{} {}", call.method, call.path)}</code> " → "
                        <strong data-testid="jwt-last-status">{call.status}</strong>
                    </p>
                    {call.trace.clone().map(|trace| view! { <TraceView trace=trace/> })}
                    <pre class="wire curl" data-testid="jwt-curl">{curl_for(&call, &browser::origin())}</pre>
                }),
            }}
            <AuthCostView bearer=lab.token trigger=after_each_call(lab.last)
                signed_in=Signal::derive(move || {
                    lab.token.with(Option::is_some) && last_call_accepted(lab.last)
                })/>
            <Decoder/>
        </aside>
    }
}

/// The token's times (`iat`, `nbf`, `exp`) that are whole numbers, to show as moments.
fn times_of(payload: &Option<serde_json::Value>) -> Option<Vec<(&'static str, &'static str, i64)>> {
    let payload = payload.as_ref()?;
    let times: Vec<_> = [("iat", "issued"), ("nbf", "valid from"), ("exp", "expires")]
        .into_iter()
        .filter_map(|(name, meaning)| Some((name, meaning, payload.get(name)?.as_i64()?)))
        .collect();
    (!times.is_empty()).then_some(times)
}

#[component]
fn Decoded(report: DecodeReport) -> impl IntoView {
    let pretty = |value: &Option<serde_json::Value>| {
        value
            .as_ref()
            .map(|v| serde_json::to_string_pretty(v).unwrap_or_default())
            .unwrap_or_else(|| "(not decodable)".into())
    };
    view! {
        <div class="decoded">
            <div>
                <h4>"Header"</h4>
                <pre class="wire seg-header-box" data-testid="jwt-header">{pretty(&report.header)}</pre>
            </div>
            <div>
                <h4>"Payload (readable by anyone: encoded, not encrypted)"</h4>
                <pre class="wire seg-payload-box" data-testid="jwt-payload">{pretty(&report.payload)}</pre>
            </div>
        </div>
        {times_of(&report.payload).map(|times| view! {
            <table class="record token-times" data-testid="token-times">
                <tbody>
                    {times.into_iter().map(|(name, meaning, unix)| view! {
                        <tr><th><code>{name}</code>" " {meaning}</th><td><When unix=unix/></td></tr>
                    }).collect_view()}
                </tbody>
            </table>
        })}
        <h4>"Checked by the server's verifier"</h4>
        <TraceView trace=report.checks/>
    }
}

#[component]
fn Decoder() -> impl IntoView {
    let text = RwSignal::new(String::new());
    let report = RwSignal::new(None::<DecodeReport>);
    let decode = move |_| {
        let token = text.get_untracked();
        spawn_local(async move {
            if let Ok(decoded) = client::jwt_decode(&token).await.result {
                report.set(Some(decoded));
            }
        });
    };
    view! {
        <div class="decoder" data-testid="decoder">
            <h3>"Decoder"</h3>
            <p class="muted">"Paste any JWT: the server's own verifier takes it apart and names every problem."</p>
            <label class="stacked" for="decoder-input">"Token to decode"</label>
            <textarea id="decoder-input" rows="4" data-testid="decoder-input" bind:value=text></textarea>
            <button type="button" class="small" data-testid="decoder-run" on:click=decode>"Decode"</button>
            {move || report.get().map(|r| view! { <div data-testid="decoder-report"><Decoded report=r/></div> })}
        </div>
    }
}

fn countdown(seconds: i64) -> String {
    if seconds <= 0 {
        "expired".into()
    } else {
        format!("in {}:{:02}", seconds / 60, seconds % 60)
    }
}

fn curl_for(call: &Call, origin: &str) -> String {
    let mut command = format!("curl -i -X {} '{origin}{}'", call.method, call.path);
    if let Some(token) = &call.bearer {
        command.push_str(&format!(" \\\n  -H 'Authorization: Bearer {token}'"));
    }
    command
}
