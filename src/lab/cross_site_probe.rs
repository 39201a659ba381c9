//! What a cross-site *link* carries. The forgery lesson's attacker page shows a link to
//! `GET /api/lab/cross-site-probe?nonce=…`; the learner clicks it, the browser opens it as a
//! top-level navigation started by another site, and this server writes down what arrived: was
//! the session cookie attached (SameSite Lax and None send it on such a navigation, Strict does
//! not), did it name a live session, and what `Sec-Fetch-Site` said. The lesson then reads the
//! record (`…/result?nonce=…`). Nothing else happens: a GET never changes state.
//!
//! The record holds no cookie and no account name, only yes/no facts, under a random nonce the
//! lesson made; records are few (`MAX_PROBES`) and short-lived (`KEEP_SECS`).

use crate::api::error::ApiError;
use crate::{
    api::cookies,
    auth::{decision::Trace, echo, session},
    state::AppState,
    wire::{AuthMode, ProbeResult},
};
use axum::{
    extract::{Query, State},
    http::{header, HeaderMap, HeaderValue},
    response::{Html, IntoResponse, Response},
    routing::get,
    Json, Router,
};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/lab/cross-site-probe", get(probe))
        .route("/api/lab/cross-site-probe/result", get(result))
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
    let cookie = cookies::read(&headers);
    let mut trace = Trace::new(AuthMode::Session, &session::CHECKS);
    // Only whether the cookie names a live session: no touch, no account name kept.
    let live = state
        .sessions
        .resolve(cookie.as_deref(), &mut trace, false)
        .await
        .ok()
        .flatten()
        .is_some();
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
    state.probes.keep(nonce, result, crate::db::unix_now());
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
    // No script, no style, nothing loaded: this page only says what arrived.
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
    );
    Ok(response)
}

async fn result(
    State(state): State<AppState>,
    Query(query): Query<Nonce>,
) -> Result<Json<ProbeResult>, ApiError> {
    let nonce = checked(&query.nonce)?;
    Ok(Json(state.probes.get(nonce).unwrap_or_default()))
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
