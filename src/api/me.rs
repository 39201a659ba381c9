//! `GET /api/me`: the protected API both modes call. 200 `{username, role, auth}` where `auth` is
//! the decision trace; otherwise 401 with the trace that refused. With an `Authorization` header
//! it is judged in bearer mode only, else by the session cookie.
//!
//! This is the request every benchmark and every replay makes, so its answer is written in one
//! go: the trace is moved, not copied, into a buffer sized for it up front (axum's `Json` starts
//! at 128 bytes and grows a ~2 KB trace through several reallocations).

use crate::wire::paths;
use crate::{
    api::{error::ApiError, extract::auth_user::AuthUser},
    state::AppState,
    wire::Me,
};
use axum::{
    http::{header, HeaderValue},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};

/// Room for a typical answer: a bearer trace of 13 checks is about 2.5 KB.
const ANSWER_BYTES: usize = 4096;

pub fn router() -> Router<AppState> {
    Router::new().route(paths::ME, get(me))
}

async fn me(user: AuthUser) -> Response {
    let me: Me = user.into_me();
    let mut body = Vec::with_capacity(ANSWER_BYTES);
    match serde_json::to_writer(&mut body, &me) {
        Ok(()) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            body,
        )
            .into_response(),
        // Cannot happen for these plain types; if it ever does, the client still gets a JSON
        // reason (and the log the detail), never a bare status.
        Err(err) => {
            ApiError::Internal(format!("could not write /api/me: {err}").into()).into_response()
        }
    }
}
