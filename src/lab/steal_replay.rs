//! `POST /api/lab/steal-replay {credential}`: what the transport grid's injected script found in
//! the page (a bearer token, a session id kept for a header, a DPoP-bound token), replayed by the
//! server from another client: `GET /api/me` with `Authorization: Bearer <credential>`, from the
//! attacker's address, with no cookie and no key (`xss_victim::replay`). What works there works
//! for a thief on another machine.
//!
//! A signed-in learner's, within their attack-lab budget (`limits.attacks_per_account`), and the
//! credential is capped before anything reads it. It tells the learner nothing sending the
//! request themselves would not: a replay is a request, judged and audited like one.

use crate::{
    api::{error::ApiError, extract::auth_user::AuthUser, json::ApiJson},
    auth::jwt::MAX_TOKEN_BYTES,
    state::AppState,
    wire::{paths, StolenCredential, XssReplay},
};
use axum::{extract::State, http::HeaderMap, routing::post, Json, Router};

pub fn router() -> Router<AppState> {
    Router::new().route(paths::lab::STEAL_REPLAY, post(steal_replay))
}

async fn steal_replay(
    State(state): State<AppState>,
    user: AuthUser,
    headers: HeaderMap,
    ApiJson(stolen): ApiJson<StolenCredential>,
) -> Result<Json<XssReplay>, ApiError> {
    if stolen.credential.is_empty() || stolen.credential.len() > MAX_TOKEN_BYTES {
        return Err(ApiError::InvalidBody(format!(
            "credential must be 1 to {MAX_TOKEN_BYTES} bytes"
        )));
    }
    super::attacks::admit_run(&state, &headers, &user).await?;
    Ok(Json(
        super::xss_victim::replay(&state, &stolen.credential).await,
    ))
}
