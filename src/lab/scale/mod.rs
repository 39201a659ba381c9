//! The scale lab, run for real: `POST /api/lab/scale`. Three authlab processes behind a balancer
//! (`cluster`, `balancer`), on a store the learner chooses (each node's memory, one shared SQLite
//! file, or a Redis the lab starts), with sticky sessions on or off, in session or JWT mode
//! (`run`). Claims 7, 8 and 9 are what the answers show.
//!
//! Who may start one: a signed-in user (either mode; on a hosted lab, one of
//! `scale.allowed_accounts` if that is set), from our own origin. Runs take turns in one queue
//! (`queue`): starting answers at once, 202 with a ticket, and `GET /api/lab/scale/{ticket}` says
//! where it is, then what every node answered. Each run is bounded in time, charged to its
//! account's budget (`limits.scale_per_account`) when its turn comes, and every process it
//! started is stopped when it ends, however it ends, the server's own death included.

pub mod balancer;
pub mod cluster;
pub mod http;
pub mod queue;
pub mod run;

use crate::wire::paths;
use crate::{
    api::{error::ApiError, extract::auth_user::AuthUser, json::ApiJson},
    state::AppState,
    wire::{ScaleRequest, ScaleTicket},
};
use axum::{
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    routing::{get, post},
    Json, Router,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(paths::lab::SCALE, post(start))
        .route(paths::lab::SCALE_TICKET, get(ticket))
}

async fn start(
    State(state): State<AppState>,
    user: AuthUser,
    headers: HeaderMap,
    ApiJson(request): ApiJson<ScaleRequest>,
) -> Result<(StatusCode, Json<ScaleTicket>), ApiError> {
    crate::api::extract::login_origin_check(&headers)?;
    let allowed = &state.settings.scale.allowed_accounts.0;
    if !allowed.is_empty() && !allowed.iter().any(|name| name == user.username()) {
        return Err(ApiError::NotAllowed(
            "this lab lets only the accounts its teacher chose start scale-lab runs".into(),
        ));
    }
    let class = state.auth.classes.switches_of(user.user_id()).await?;
    if class.is_some_and(|class| !class.scale_lab) {
        return Err(ApiError::NotAllowed(
            "your class has the scale lab switched off (your teacher's choice: each run starts \
             three server processes)"
                .into(),
        ));
    }
    let id = state
        .lab
        .scale_queue
        .enqueue(user.user_id(), request)
        .map_err(|crate::store::scale_queue::Refused::Full| {
            ApiError::Busy("the scale lab's queue is full; try again in a minute".into())
        })?;
    queue::ensure_worker(&state);
    let ticket = state
        .lab
        .scale_queue
        .view(&id, user.user_id())
        .ok_or(ApiError::NoSuchRun)?;
    Ok((StatusCode::ACCEPTED, Json(ticket)))
}

async fn ticket(
    State(state): State<AppState>,
    user: AuthUser,
    Path(ticket): Path<String>,
) -> Result<Json<ScaleTicket>, ApiError> {
    state
        .lab
        .scale_queue
        .view(&ticket, user.user_id())
        .map(Json)
        .ok_or(ApiError::NoSuchRun)
}
