//! `GET /api/me`: the protected API both modes call. 200 `{username, role, auth}` where `auth` is
//! the decision trace; otherwise 401 with the trace that refused.

use crate::{auth::cookie_user::CookieUser, state::AppState, wire::Me};
use axum::{routing::get, Json, Router};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/me", get(me))
}

async fn me(user: CookieUser) -> Json<Me> {
    Json(Me {
        username: user.session.user.username.clone(),
        role: user.session.user.role,
        auth: user.trace,
    })
}
