//! What a cross-site *link* carries. The signed-in learner starts a probe
//! (`POST /api/lab/cross-site-probe/start` → a nonce the server makes); the forgery lesson's
//! attacker page shows a link to `GET /api/lab/cross-site-probe?nonce=…`; the learner clicks it,
//! the browser opens it as a top-level navigation started by another site, and this server
//! writes down what arrived: was the session cookie attached (SameSite Lax and None send it on
//! such a navigation, Strict does not), did it name a live session, and what `Sec-Fetch-Site`
//! said. The lesson then reads the record (`…/result?nonce=…`), which only the learner who
//! started it may. The link fills in a record that exists and changes nothing else: a GET never
//! changes state.
//!
//! The record holds no cookie and no account name, only yes/no facts; records are few and
//! short-lived (`store::probes`). Nobody signed out can make one, starting one spends the
//! learner's attack-lab budget, and a link followed with someone else's live session (a
//! classmate lured to the link) fills in nothing: the starter learns nothing of another
//! learner's session.

use crate::api::error::ApiError;
use crate::wire::paths;
use crate::{
    api::{cookies, extract::auth_user::AuthUser},
    db::unix_now,
    logging::echo,
    state::AppState,
    wire::{LabRunStarted, ProbeResult},
};
use axum::{
    extract::{Query, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{Html, IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(paths::lab::CROSS_SITE_PROBE_START, post(start))
        .route(paths::lab::CROSS_SITE_PROBE, get(probe))
        .route(paths::lab::CROSS_SITE_PROBE_RESULT, get(result))
}

/// A new probe of the signed-in learner's (a cookie request passed the origin and CSRF checks
/// in `AuthUser`): its nonce. Starting more than `store::probes::PER_ACCOUNT` drops the
/// learner's own oldest.
async fn start(
    State(state): State<AppState>,
    user: AuthUser,
    headers: HeaderMap,
) -> Result<Json<LabRunStarted>, ApiError> {
    super::start_run(&state, &headers, &user, &state.lab.probes).await
}

#[derive(Deserialize)]
struct Nonce {
    nonce: String,
}

/// Is `nonce` one a lesson could have made: 16 to 64 URL-safe characters?
pub fn is_nonce(nonce: &str) -> bool {
    (16..=64).contains(&nonce.len())
        && nonce
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The nonce, or a 422 (anything else is refused unread).
fn checked(nonce: &str) -> Result<&str, ApiError> {
    is_nonce(nonce).then_some(nonce).ok_or_else(|| {
        ApiError::InvalidBody("nonce must be 16 to 64 characters of A-Z a-z 0-9 - _".into())
    })
}

async fn probe(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<Nonce>,
) -> Result<Response, ApiError> {
    let nonce = checked(&query.nonce)?;
    let now = unix_now();
    let Some(owner) = state.lab.probes.owner_of(nonce, now) else {
        let mut response = Html(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>No such \
             probe</title></head><body><p>This link belongs to no probe a learner started (or \
             it is more than ten minutes old). Start the experiment again from the lesson.</p>\
             </body></html>",
        )
        .into_response();
        *response.status_mut() = StatusCode::NOT_FOUND;
        no_script(&mut response);
        return Ok(response);
    };
    let cookie = cookies::read(&headers);
    // Only whether the cookie names a live session: no touch, no account name kept.
    let active = state
        .auth
        .sessions
        .peek(cookie.as_deref())
        .await
        .ok()
        .flatten();
    let live = active.is_some();
    // Another learner's live session: this is not the starter's browser, and what it carried is
    // none of the starter's business.
    let someone_elses = active.is_some_and(|session| session.user.id != owner);
    let fetch_site = headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .map(|v| echo::shown(v, 32));
    let result = ProbeResult {
        arrived: true,
        cookie_sent: cookie.is_some(),
        session_live: live,
        sec_fetch_site: fetch_site.clone(),
    };
    if !someone_elses {
        state.lab.probes.fill(nonce, now, |record| *record = result);
    }
    let sent = if cookie.is_some() {
        "did attach your session cookie"
    } else {
        "did not attach your session cookie"
    };
    let page = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>What a link from \
         another site carried</title></head><body><h1>What this link carried</h1><p>A page on \
         another site linked here, and your browser {sent} (Sec-Fetch-Site: {}). Close this tab \
         and go back to the lesson.</p></body></html>",
        fetch_site.unwrap_or_else(|| "not sent".into())
    );
    let mut response = Html(page).into_response();
    no_script(&mut response);
    Ok(response)
}

/// No script, no style, nothing loaded: the probe's pages only say what arrived.
fn no_script(response: &mut Response) {
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
    );
}

/// The record, to the learner who started it; to anyone else a 404, as for a nonce that never
/// was.
async fn result(
    State(state): State<AppState>,
    user: AuthUser,
    Query(query): Query<Nonce>,
) -> Result<Json<ProbeResult>, ApiError> {
    let nonce = checked(&query.nonce)?;
    state
        .lab
        .probes
        .read(nonce, user.user_id(), unix_now())
        .map(Json)
        .ok_or(ApiError::NoSuchRun)
}

#[cfg(test)]
mod tests {
    use super::checked;

    #[test]
    fn only_lesson_made_nonces_are_accepted() {
        assert!(checked("0123456789abcdef").is_ok());
        assert!(checked("short").is_err());
        assert!(checked(&"a".repeat(65)).is_err());
        assert!(checked("0123456789abcdef<script>").is_err());
    }
}
