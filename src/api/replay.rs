//! Replaying a captured session cookie: the lab's stand-in for a thief who copied it.
//!
//! The page cannot hold a copy itself: the cookie is HttpOnly (no script can read it) and logout
//! makes the browser delete it. So, while the session is live, the page asks the server to keep
//! the copy: `POST /api/replay/capture` (cookie + CSRF token) stores the session id the request
//! carried under a random handle and returns only the handle. Later, `POST /api/replay/{handle}`
//! sends `GET /api/me` with that cookie through the server's own router (same extractor, same
//! store, same audit log as a browser's request) and returns that answer verbatim: status, JSON
//! body, decision trace. A replay can only ever read `/api/me`.
//!
//! The refresh token gets the same treatment, for the theft-detection lesson: `POST
//! /api/jwt/capture-refresh` (under the refresh cookie's path, so the browser sends it) keeps a
//! copy, and replaying that handle sends `POST /api/jwt/refresh` with the old token, as a thief
//! racing the real client would.

use super::{error::ApiError, loopback::Call};
use crate::{
    auth::{
        cookie_user::{login_origin_check, CookieUser},
        csrf, refresh, session_cookie,
    },
    db::unix_now,
    state::AppState,
    wire::Captured,
};
use axum::{
    extract::{Path, State},
    http::{header, HeaderMap, Method},
    response::{IntoResponse, Response},
    routing::post,
    Json, Router,
};
use std::{collections::HashMap, sync::Mutex};

/// How many copies the server keeps at most; the oldest goes first.
const MAX_CAPTURES: usize = 10_000;

/// What a copy is of, and so what replaying it sends.
#[derive(Clone, Copy)]
enum Kind {
    /// A session id: replayed as `GET /api/me` with the session cookie.
    Session,
    /// A refresh token: replayed as `POST /api/jwt/refresh` with the refresh cookie.
    Refresh,
}

/// The copies, by handle: (kind, credential, captured at).
#[derive(Default)]
pub struct Captures {
    copies: Mutex<HashMap<String, (Kind, String, i64)>>,
}

impl Captures {
    fn keep(&self, kind: Kind, credential: String, keep_secs: i64) -> String {
        let handle = csrf::new_token();
        let now = unix_now();
        let mut copies = self.copies.lock().expect("lock");
        // Past the session's absolute lifetime a replay could only show what a fresh id shows.
        copies.retain(|_, (_, _, at)| now - *at < keep_secs);
        if copies.len() >= MAX_CAPTURES {
            if let Some(oldest) = copies
                .iter()
                .min_by_key(|(_, (_, _, at))| *at)
                .map(|(h, _)| h.clone())
            {
                copies.remove(&oldest);
            }
        }
        copies.insert(handle.clone(), (kind, credential, now));
        handle
    }

    fn get(&self, handle: &str) -> Option<(Kind, String)> {
        let copies = self.copies.lock().expect("lock");
        copies
            .get(handle)
            .map(|(kind, credential, _)| (*kind, credential.clone()))
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/replay/capture", post(capture))
        .route("/api/jwt/capture-refresh", post(capture_refresh))
        .route("/api/replay/{handle}", post(replay))
}

async fn capture(State(state): State<AppState>, user: CookieUser) -> Json<Captured> {
    let keep_secs = state.settings.session.absolute_timeout_secs as i64 + 600;
    let handle = state
        .captures
        .keep(Kind::Session, user.session.id.clone(), keep_secs);
    Json(Captured {
        handle,
        replays: "GET /api/me".into(),
    })
}

async fn capture_refresh(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Captured>, ApiError> {
    // Same guard as the refresh endpoint itself: a cookie-bearing POST from our own pages only.
    login_origin_check(&headers)?;
    let Some(token) = session_cookie::read_cookie(&headers, refresh::COOKIE) else {
        return Err(ApiError::Refresh("no refresh token cookie to copy".into()));
    };
    let keep_secs = state.settings.jwt.refresh_ttl_secs as i64 + 600;
    let handle = state.captures.keep(Kind::Refresh, token, keep_secs);
    Ok(Json(Captured {
        handle,
        replays: "POST /api/jwt/refresh".into(),
    }))
}

async fn replay(
    State(state): State<AppState>,
    Path(handle): Path<String>,
) -> Result<Response, ApiError> {
    let Some((kind, credential)) = state.captures.get(&handle) else {
        return Err(ApiError::NotFound);
    };
    let (call, replayed) = match kind {
        Kind::Session => (
            Call::new(Method::GET, "/api/me").cookie(session_cookie::NAME, &credential),
            "GET /api/me",
        ),
        Kind::Refresh => (
            Call::new(Method::POST, "/api/jwt/refresh").cookie(refresh::COOKIE, &credential),
            "POST /api/jwt/refresh",
        ),
    };
    // Only status and body come back: a Set-Cookie meant for the thief is not the browser's.
    let answer = call.send(&state).await;
    Ok((
        answer.status,
        [
            (header::CONTENT_TYPE, "application/json"),
            (
                header::HeaderName::from_static("x-authlab-replayed"),
                replayed,
            ),
        ],
        answer.body,
    )
        .into_response())
}
