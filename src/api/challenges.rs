//! The challenges over HTTP:
//! - `GET /api/challenges`: every challenge, with tier, claims and lesson (anyone);
//! - `GET /api/progress`: the signed-in learner's own progress; `GET /api/progress/export`: the
//!   same as a file; `POST /api/progress/reset`: forget it all;
//! - `POST /api/challenges/{id}/hint`: the next hint, counted (then the worked solution);
//! - `POST /api/challenges/{id}/answer` `{answer}`: checked against the server's own records;
//! - `GET /api/progress/wait?after=<ms>`: answers once something is solved (the bearer-only
//!   page's channel; a cookie session also hears it on the live audit stream);
//! - `POST /api/challenges/{id}/solved`: refused, always. Only the server's own decisions solve.
//!
//! Every one of them but the list takes only a request every check passed: a token let through
//! because its account switched a check off could have been forged by anyone, and must not read
//! or change that learner's progress.

use super::{
    client_addr::ClientAddr,
    error::ApiError,
    extract::{auth_user::AuthUser, every_check_on},
    json::ApiJson,
};
use crate::{
    challenges::{self, now_ms},
    state::AppState,
    wire::{
        paths::challenges as path, Answer, AnswerVerdict, ChallengeId, ChallengeList, Hint,
        Progress, Solved,
    },
};
use axum::{
    extract::{Path, Query, State},
    http::header,
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use serde::Deserialize;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

/// How long a wait is held open with nothing solved before it answers an empty list.
const WAIT_AT_MOST: Duration = Duration::from_secs(20);

pub fn router() -> Router<AppState> {
    Router::new()
        .route(path::LIST, get(list))
        .route(path::PROGRESS, get(progress))
        .route(path::EXPORT, get(export))
        .route(path::RESET, post(reset))
        .route(path::HINT, post(hint))
        .route(path::ANSWER, post(answer))
        .route(path::SOLVED, post(solved))
        .route(path::WAIT, get(wait))
}

async fn list() -> Json<ChallengeList> {
    Json(ChallengeList {
        challenges: challenges::list(),
    })
}

/// The learner a request speaks for, once every check passed: the account itself, or, for an
/// account a learner's run created (a lesson's experiment signs the browser in as one), the
/// learner behind it. Returns the learner's id and name.
async fn learner(state: &AppState, user: &AuthUser, what: &str) -> Result<(i64, String), ApiError> {
    every_check_on(user.trace(), what)?;
    let learner = state.auth.challenges.learner_of(user.user_id()).await?;
    if learner == user.user_id() {
        return Ok((learner, user.username().to_string()));
    }
    match state.auth.users.find_by_id(learner).await? {
        Some(account) => Ok((account.id, account.username)),
        None => Ok((user.user_id(), user.username().to_string())),
    }
}

fn challenge(id: &str) -> Result<ChallengeId, ApiError> {
    ChallengeId::parse(id).ok_or(ApiError::NoSuchChallenge)
}

/// The learner's progress, with what their class allows of hints.
async fn progress_of(state: &AppState, learner: i64, name: &str) -> Result<Progress, ApiError> {
    let mut progress = state.auth.challenges.progress(learner, name).await?;
    if let Some(class) = state.auth.classes.switches_of(learner).await? {
        progress.hints_off = !class.hints;
        progress.solutions_off = !class.solutions;
    }
    Ok(progress)
}

async fn progress(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<Json<Progress>, ApiError> {
    let (learner, name) = learner(&state, &user, "your progress").await?;
    Ok(Json(progress_of(&state, learner, &name).await?))
}

async fn export(State(state): State<AppState>, user: AuthUser) -> Result<Response, ApiError> {
    let (learner, name) = learner(&state, &user, "your progress").await?;
    let progress = progress_of(&state, learner, &name).await?;
    // The username is [a-z0-9_.-] (registration's rule), so it is safe in a file name.
    let disposition = format!("attachment; filename=\"authlab-progress-{name}.json\"");
    Ok(([(header::CONTENT_DISPOSITION, disposition)], Json(progress)).into_response())
}

async fn reset(State(state): State<AppState>, user: AuthUser) -> Result<Json<Progress>, ApiError> {
    let (learner, name) = learner(&state, &user, "resetting your progress").await?;
    let challenges = &state.auth.challenges;
    challenges.reset(learner).await?;
    Ok(Json(progress_of(&state, learner, &name).await?))
}

async fn hint(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Json<Hint>, ApiError> {
    let id = challenge(&id)?;
    let (learner, _) = learner(&state, &user, "a hint").await?;
    let class = state.auth.classes.switches_of(learner).await?;
    if class.as_ref().is_some_and(|class| !class.hints) {
        return Err(ApiError::NotAllowed(
            "your class has hints switched off (your teacher's choice)".into(),
        ));
    }
    let solution = class.is_none_or(|class| class.solutions);
    Ok(Json(
        state.auth.challenges.hint(learner, id, solution).await?,
    ))
}

async fn answer(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
    ApiJson(answer): ApiJson<Answer>,
) -> Result<Json<AnswerVerdict>, ApiError> {
    let id = challenge(&id)?;
    let (learner, _) = learner(&state, &user, "an answer").await?;
    let live_sessions = state.auth.sessions.count_live(learner).await?;
    Ok(Json(
        state
            .auth
            .challenges
            .answer(learner, id, &answer.answer, live_sessions)
            .await?,
    ))
}

/// Whatever it says, whoever sends it: a challenge is solved by the request the server judged,
/// never by the browser's word. Refused before anything is read.
async fn solved(Path(_): Path<String>) -> ApiError {
    ApiError::NotAllowed(
        "a challenge is solved only by the server's own decision on the request that reaches \
         its goal; nothing a browser says about itself solves one"
            .into(),
    )
}

#[derive(Deserialize)]
struct After {
    after: Option<i64>,
}

async fn wait(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientAddr,
    Query(After { after }): Query<After>,
) -> Result<Json<Vec<Solved>>, ApiError> {
    let (learner, name) = learner(&state, &user, "waiting for your progress").await?;
    // A wait holds a connection open, so it takes one of the live-stream slots.
    let _slot = super::audit::stream_slot(&state, learner, &client)?;
    let challenges = &state.auth.challenges;
    // Subscribed before reading, so nothing solved in between is missed.
    let mut solved = challenges.subscribe();
    let after = after.unwrap_or_else(now_ms);
    let already: Vec<Solved> = challenges
        .progress(learner, &name)
        .await?
        .challenges
        .into_iter()
        .filter_map(|c| c.solved_at_ms.map(|at_ms| Solved { id: c.id, at_ms }))
        .filter(|s| s.at_ms > after)
        .collect();
    if !already.is_empty() {
        return Ok(Json(already));
    }
    let mut shutdown = state.auth.shutdown.subscribe();
    let deadline = tokio::time::sleep(WAIT_AT_MOST);
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            _ = &mut deadline => return Ok(Json(Vec::new())),
            _ = shutdown.changed() => return Ok(Json(Vec::new())),
            received = solved.recv() => match received {
                Ok((who, one)) if who == learner => return Ok(Json(vec![one])),
                Ok(_) | Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => return Ok(Json(Vec::new())),
            },
        }
    }
}
