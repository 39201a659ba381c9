//! `GET /api/me`: the protected API both modes call. 200 `{username, role, auth}` where `auth` is
//! the decision trace; otherwise 401 with the trace that refused. With an `Authorization` header
//! it is judged in bearer mode only, else by the session cookie.

use crate::{api::extract::auth_user::AuthUser, state::AppState, wire::Me};
use axum::{routing::get, Json, Router};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/me", get(me))
}

async fn me(user: AuthUser) -> Json<Me> {
    Json(Me {
        username: user.username().to_string(),
        role: user.role(),
        auth: user.trace().clone(),
    })
}
