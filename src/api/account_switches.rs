//! `GET`/`PUT /api/lab-settings`: the signed-in account's lab switches (SameSite of the session
//! cookie, the JWT algorithm, the denylist, the access-token lifetime). They are stored per account and applied by the server
//! to that account's requests only, so learners sharing one server never change each other's
//! policy. A PUT names only what changes. In session mode, changing SameSite (or the deliberately
//! weakened CSRF switch, which forces SameSite=None) re-issues the cookie.

use super::{error::ApiError, json::ApiJson, session::issue_cookie};
use crate::wire::paths;
use crate::{
    api::extract::auth_user::AuthUser,
    state::AppState,
    wire::{AccountSwitches, AccountSwitchesPatch, ACCESS_TTL_RANGE},
};
use axum::{
    extract::State,
    http::header,
    response::{IntoResponse, Response},
    routing::get,
    Json, Router,
};

pub fn router() -> Router<AppState> {
    Router::new().route(paths::LAB_SETTINGS, get(read).put(write))
}

async fn read(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<Json<AccountSwitches>, ApiError> {
    Ok(Json(state.auth.account_settings.get(user.user_id()).await?))
}

async fn write(
    State(state): State<AppState>,
    user: AuthUser,
    ApiJson(patch): ApiJson<AccountSwitchesPatch>,
) -> Result<Response, ApiError> {
    if let Some(secs) = patch.access_ttl_secs {
        if secs != 0 && !ACCESS_TTL_RANGE.contains(&secs) {
            return Err(ApiError::InvalidBody(format!(
                "access_ttl_secs must be {} to {} seconds, or 0 for the server's default",
                ACCESS_TTL_RANGE.start(),
                ACCESS_TTL_RANGE.end()
            )));
        }
    }
    let settings = state
        .auth
        .account_settings
        .update(user.user_id(), &patch)
        .await?;
    let cookie_changes = patch.same_site.is_some() || patch.csrf_weakened.is_some();
    if let (AuthUser::Session(session_user), true) = (&user, cookie_changes) {
        let (set_cookie, _) =
            issue_cookie(&state, &session_user.session, settings.cookie_same_site());
        return Ok(([(header::SET_COOKIE, set_cookie)], Json(settings)).into_response());
    }
    Ok(Json(settings).into_response())
}
