//! `GET`/`PUT /api/lab-settings`: the signed-in account's lab switches. They are stored per account
//! and applied by the server to that account's requests only, so learners sharing one server never
//! change each other's policy. Changing SameSite re-issues the session cookie with the new value.

use super::{error::ApiError, json::ApiJson, session::issue_cookie};
use crate::{
    auth::cookie_user::CookieUser, db::account_settings, state::AppState, wire::LabSettings,
};
use axum::{
    extract::State,
    http::header,
    response::{IntoResponse, Response},
    routing::get,
    Json, Router,
};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/lab-settings", get(read).put(write))
}

async fn read(
    State(state): State<AppState>,
    user: CookieUser,
) -> Result<Json<LabSettings>, ApiError> {
    Ok(Json(
        account_settings::load(&state.db, user.session.user.id, state.default_same_site()).await?,
    ))
}

async fn write(
    State(state): State<AppState>,
    user: CookieUser,
    ApiJson(settings): ApiJson<LabSettings>,
) -> Result<Response, ApiError> {
    account_settings::store(&state.db, user.session.user.id, &settings).await?;
    let (set_cookie, _) = issue_cookie(&state, &user.session, settings.same_site);
    Ok(([(header::SET_COOKIE, set_cookie)], Json(settings)).into_response())
}
