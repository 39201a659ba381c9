//! Replaying a captured session cookie: the lab's stand-in for a thief who copied it.
//!
//! The page cannot hold a copy itself: the cookie is HttpOnly (no script can read it) and logout
//! makes the browser delete it. So, while the session is live, the page asks the server to keep
//! the copy: `POST /api/replay/capture` (cookie + CSRF token) stores the session id the request
//! carried under a random handle and returns only the handle. Later, `POST /api/replay/{handle}`
//! sends `GET /api/me` with that cookie through the server's own router (same extractor, same
//! store, same audit log as a browser's request) and returns that answer verbatim: status, JSON
//! body, decision trace. A replay can only ever read `/api/me`.

use super::{error::ApiError, loopback::Call};
use crate::{
    auth::{cookie_user::CookieUser, csrf, session_cookie},
    db::unix_now,
    state::AppState,
    wire::Captured,
};
use axum::{
    extract::{Path, State},
    http::{header, Method},
    response::{IntoResponse, Response},
    routing::post,
    Json, Router,
};
use std::{collections::HashMap, sync::Mutex};

/// How many copies the server keeps at most; the oldest goes first.
const MAX_CAPTURES: usize = 10_000;

/// The copies, by handle: (session id, captured at).
#[derive(Default)]
pub struct Captures {
    copies: Mutex<HashMap<String, (String, i64)>>,
}

impl Captures {
    fn keep(&self, session_id: String, keep_secs: i64) -> String {
        let handle = csrf::new_token();
        let now = unix_now();
        let mut copies = self.copies.lock().expect("lock");
        // Past the session's absolute lifetime a replay could only show what a fresh id shows.
        copies.retain(|_, (_, at)| now - *at < keep_secs);
        if copies.len() >= MAX_CAPTURES {
            if let Some(oldest) = copies
                .iter()
                .min_by_key(|(_, (_, at))| *at)
                .map(|(h, _)| h.clone())
            {
                copies.remove(&oldest);
            }
        }
        copies.insert(handle.clone(), (session_id, now));
        handle
    }

    fn get(&self, handle: &str) -> Option<String> {
        let copies = self.copies.lock().expect("lock");
        copies.get(handle).map(|(id, _)| id.clone())
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/replay/capture", post(capture))
        .route("/api/replay/{handle}", post(replay))
}

async fn capture(State(state): State<AppState>, user: CookieUser) -> Json<Captured> {
    let keep_secs = state.settings.session.absolute_timeout_secs as i64 + 600;
    let handle = state.captures.keep(user.session.id.to_string(), keep_secs);
    Json(Captured {
        handle,
        replays: "GET /api/me".into(),
    })
}

async fn replay(
    State(state): State<AppState>,
    Path(handle): Path<String>,
) -> Result<Response, ApiError> {
    let Some(session_id) = state.captures.get(&handle) else {
        return Err(ApiError::NotFound);
    };
    let answer = Call::new(Method::GET, "/api/me")
        .cookie(session_cookie::NAME, &session_id)
        .send(&state)
        .await;
    Ok((
        answer.status,
        [
            (header::CONTENT_TYPE, "application/json"),
            (
                header::HeaderName::from_static("x-authlab-replayed"),
                "GET /api/me",
            ),
        ],
        answer.body,
    )
        .into_response())
}
