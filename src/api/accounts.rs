//! Accounts: `POST /api/register` creates a `user`-role account from `{username, password}`.
//! 201 on success, 409 if the name is taken, 400/413/415/422 with a JSON reason for bad input.

use super::{error::ApiError, json::ApiJson};
use crate::{
    account_rules::{check_password, check_username},
    db::users::{self, UserError},
    state::AppState,
    wire::{Credentials, Registered, Role},
};
use axum::{extract::State, http::StatusCode, routing::post, Json, Router};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/register", post(register))
}

async fn register(
    State(state): State<AppState>,
    ApiJson(credentials): ApiJson<Credentials>,
) -> Result<(StatusCode, Json<Registered>), ApiError> {
    check_username(&credentials.username)?;
    check_password(&credentials.password)?;
    // Registration reveals whether a name exists anyway (that is what 409 means), so check first
    // and spare argon2 the work; the UNIQUE constraint below still settles any race.
    if users::find_by_username(&state.db, &credentials.username)
        .await?
        .is_some()
    {
        return Err(ApiError::UsernameTaken(credentials.username));
    }
    let hash = state.passwords.hash(&credentials.password).await?;
    let user = users::insert(&state.db, &credentials.username, &hash, Role::User)
        .await
        .map_err(|err| match err {
            UserError::Taken => ApiError::UsernameTaken(credentials.username.clone()),
            other => other.into(),
        })?;
    tracing::info!(target: "authlab::accounts", username = %user.username, "account registered");
    Ok((
        StatusCode::CREATED,
        Json(Registered {
            username: user.username,
            role: user.role,
        }),
    ))
}
