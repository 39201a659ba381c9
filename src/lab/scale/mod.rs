//! The scale lab, run for real: `POST /api/lab/scale`. Three authlab processes behind a balancer
//! (`cluster`, `balancer`), on a store the learner chooses (each node's memory, one shared SQLite
//! file, or a Redis the lab starts), with sticky sessions on or off, in session or JWT mode
//! (`run`). Claims 7, 8 and 9 are what the answers show.
//!
//! Who may start it: a signed-in user (either mode), from our own origin, within
//! `limits.scale_per_account`; one run at a time per server, bounded in time, and every process
//! it started is stopped when it ends, however it ends.

pub mod balancer;
pub mod cluster;
pub mod http;
pub mod run;

use crate::{
    api::{error::ApiError, extract::auth_user::AuthUser, json::ApiJson},
    state::AppState,
    wire::{ScaleRequest, ScaleRun},
};
use axum::{extract::State, http::HeaderMap, routing::post, Json, Router};
use std::time::Duration;

/// The longest a run may take, start to finish.
const RUN_WITHIN: Duration = Duration::from_secs(120);

pub fn router() -> Router<AppState> {
    Router::new().route("/api/lab/scale", post(start))
}

async fn start(
    State(state): State<AppState>,
    user: AuthUser,
    headers: HeaderMap,
    ApiJson(request): ApiJson<ScaleRequest>,
) -> Result<Json<ScaleRun>, ApiError> {
    let _running = super::admit_one(
        &headers,
        &user,
        state.limits.scale_per_account.as_ref(),
        "scale-lab runs",
        &state.scale_running,
        "a scale-lab run is under way on this server; try again in a few seconds",
    )
    .await?;
    match tokio::time::timeout(RUN_WITHIN, run::run(&state, request)).await {
        Ok(Ok(run)) => Ok(Json(run)),
        Ok(Err(why)) => Err(ApiError::LabUnavailable(format!(
            "the scale lab could not run: {why}"
        ))),
        Err(_) => Err(ApiError::LabUnavailable(format!(
            "the scale lab run took longer than {} s and was stopped",
            RUN_WITHIN.as_secs()
        ))),
    }
}
