//! `CookieUser`: the extractor that decides whether a request is authenticated by its session
//! cookie. A handler that takes a `CookieUser` runs only for a request that passed every check;
//! any other request is refused with 401 (or 403 for CSRF) and the decision trace that refused it.
//!
//! Policy, in order:
//! - an `Authorization` header means the request is judged in bearer mode only: the cookie is
//!   then ignored, never used as a silent fallback;
//! - a state-changing method (anything but GET/HEAD/OPTIONS) must first come from our own origin;
//! - the session must resolve (cookie → store lookup → idle → absolute → user);
//! - a state-changing method must then carry the session's CSRF token.

use crate::{
    api::{client_addr::ClientAddr, error::ApiError},
    audit::Entry,
    auth::{
        csrf,
        decision::Trace,
        session::{ActiveSession, CHECKS},
        session_cookie,
    },
    state::AppState,
    wire::{AuthMode, AuthTrace},
};
use axum::{
    extract::FromRequestParts,
    http::{header, request::Parts, HeaderMap, Method},
};

const READ_PLAN: &[&str] = &CHECKS;
const WRITE_PLAN: &[&str] = &[
    "same origin",
    CHECKS[0],
    CHECKS[1],
    CHECKS[2],
    CHECKS[3],
    CHECKS[4],
    "csrf token",
];
const BEARER_PLAN: &[&str] = &["bearer token"];

pub struct CookieUser {
    pub session: ActiveSession,
    pub trace: AuthTrace,
}

impl FromRequestParts<AppState> for CookieUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if parts.headers.contains_key(header::AUTHORIZATION) {
            // Reached only by endpoints that accept nothing but a session (e.g. the sessions list):
            // a bearer request is never judged by its cookie.
            let mut trace = Trace::new(AuthMode::Jwt, BEARER_PLAN);
            trace.fail(
                "bearer token",
                "an Authorization header was sent, so the request is judged in bearer mode only \
                 (the cookie is ignored), and this endpoint is for cookie sessions",
            );
            return Err(ApiError::Unauthorized(trace.finish()));
        }
        let changes_state = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        let plan = if changes_state { WRITE_PLAN } else { READ_PLAN };
        let mut trace = Trace::new(AuthMode::Session, plan);
        let cookie = session_cookie::read(&parts.headers);
        let action = format!("{} {}", parts.method, parts.uri.path());
        let decision = judge(
            state,
            &parts.headers,
            cookie.as_deref(),
            changes_state,
            &mut trace,
        )
        .await;
        match decision {
            Ok(Some(session)) => {
                let trace = trace.finish();
                let user = Some((session.user.id, session.user.username.as_str()));
                state
                    .audit
                    .record(Entry::from_trace(&trace, user, &action))
                    .await;
                Ok(CookieUser { session, trace })
            }
            Ok(None) => {
                let trace = trace.finish();
                // Only requests that presented a credential are worth an entry.
                if let Some(cookie) = cookie {
                    let owner = state.sessions.owner_of(&cookie).await;
                    let user = owner.as_ref().map(|(id, name)| (*id, name.as_str()));
                    let client = ClientAddr::of(parts, state.settings.hosting.trusted_proxy);
                    state
                        .audit
                        .record(Entry::from_trace(&trace, user, &action).from_client(&client.0))
                        .await;
                }
                let same_origin_failed = trace
                    .failed_check()
                    .is_some_and(|c| c.name == "same origin" || c.name == "csrf token");
                Err(if same_origin_failed {
                    ApiError::Forbidden(trace)
                } else {
                    ApiError::Unauthorized(trace)
                })
            }
            Err(err) => Err(err),
        }
    }
}

/// The checks, in order; `Ok(None)` when one failed (the trace says which).
async fn judge(
    state: &AppState,
    headers: &HeaderMap,
    cookie: Option<&str>,
    changes_state: bool,
    trace: &mut Trace,
) -> Result<Option<ActiveSession>, ApiError> {
    if changes_state {
        match csrf::check_same_origin(headers) {
            Ok(detail) => trace.pass("same origin", detail),
            Err(detail) => {
                // Whether the browser attached the cookie is SameSite's part of the story.
                let carried = if cookie.is_some() {
                    "the browser attached the session cookie anyway"
                } else {
                    "the request carried no session cookie"
                };
                trace.fail("same origin", format!("{detail}; {carried}"));
                return Ok(None);
            }
        }
    }
    let Some(session) = state.sessions.resolve(cookie, trace, true).await? else {
        return Ok(None);
    };
    if changes_state {
        match csrf::check_token(headers, &session.record.csrf_token) {
            Ok(detail) => trace.pass("csrf token", detail),
            Err(detail) => {
                trace.fail("csrf token", detail);
                return Ok(None);
            }
        }
    }
    Ok(Some(session))
}

/// The same-origin check alone, for login (there is no session, hence no token, yet; but a
/// forged cross-site login would sign the victim into the attacker's account).
pub fn login_origin_check(headers: &axum::http::HeaderMap) -> Result<(), ApiError> {
    const PLAN: &[&str] = &["same origin"];
    let mut trace = Trace::new(AuthMode::Session, PLAN);
    match csrf::check_same_origin(headers) {
        Ok(_) => Ok(()),
        Err(detail) => {
            trace.fail("same origin", detail);
            Err(ApiError::Forbidden(trace.finish()))
        }
    }
}
