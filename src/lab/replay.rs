//! Replaying a captured cookie: the lab's stand-in for a thief who copied it. A session cookie,
//! and for the transport grid the access cookie of a cookie login (`capture-access`) and a BFF
//! login's session cookie (`capture-bff`, replayed through the BFF).
//!
//! The page cannot hold a copy itself: the cookie is HttpOnly (no script can read it) and logout
//! makes the browser delete it. So, while the session is live, the page asks the server to keep
//! the copy: `POST /api/replay/capture` (cookie + CSRF token) stores the session id the request
//! carried under a random handle and returns only the handle. Later, `POST /api/replay` with
//! `{"handle": …}` (a capability: in the body, never in a URL that logs keep) sends `GET /api/me` with that cookie through the server's own router (same extractor, same
//! store, same audit log as a browser's request) and returns that answer verbatim: status, JSON
//! body, decision trace. A replay can only ever read `/api/me`.
//!
//! The refresh token gets the same treatment, for the theft-detection lesson: `POST
//! /api/jwt/capture-refresh` (under the refresh cookie's path, so the browser sends it) keeps a
//! copy, and replaying that handle sends `POST /api/jwt/refresh` with the old token, as a thief
//! racing the real client would. It copies only a well-formed refresh token that exists and is
//! live: the server never stores a value just because a client sent it.
//!
//! Copies are bounded: at most `MAX_PER_ACCOUNT` per account (the oldest of that account goes
//! first) and `MAX_CAPTURES` in all, each kept no longer than the credential could live.

use super::in_process::InProcessRequest;
use crate::api::{
    client_addr::ClientAddr,
    error::ApiError,
    extract::{bearer_user::BearerUser, cookie_user::CookieUser, login_origin_check},
    json::ApiJson,
};
use crate::wire::paths;
use crate::{
    api::cookies,
    auth::{csrf, refresh},
    db::unix_now,
    state::AppState,
    store::captures::Kind,
    wire::{Captured, ReplayRequest},
};
use axum::{
    extract::State,
    http::{header, HeaderMap, Method},
    response::{IntoResponse, Response},
    routing::post,
    Json, Router,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(paths::lab::REPLAY_CAPTURE, post(capture))
        .route(paths::lab::REPLAY_CAPTURE_ACCESS, post(capture_access))
        .route(paths::lab::REPLAY_CAPTURE_BFF, post(capture_bff))
        .route(paths::jwt::CAPTURE_REFRESH, post(capture_refresh))
        .route(paths::lab::REPLAY, post(replay))
}

async fn capture(
    State(state): State<AppState>,
    user: CookieUser,
) -> Result<Json<Captured>, ApiError> {
    // Past the session's absolute lifetime a replay could only show what a fresh id shows.
    let keep_secs = state.settings.session.absolute_timeout_secs as i64 + 60;
    keep_copy(
        &state,
        Kind::Session,
        user.session.user.id,
        &user.session.id,
        keep_secs,
    )
    .await
}

/// A copy of the access cookie of a cookie login (judged by it: a live token of ours only),
/// kept until the token would be refused anyway.
async fn capture_access(
    State(state): State<AppState>,
    user: BearerUser,
) -> Result<Json<Captured>, ApiError> {
    if user.claims.csrf.is_none() {
        return Err(ApiError::BadRequest(
            "this request's token did not come from the access cookie: nothing copied".into(),
        ));
    }
    let keep_secs = user
        .claims
        .exp
        .saturating_sub(unix_now())
        .saturating_add(state.settings.jwt.leeway_secs as i64 + 60);
    keep_copy(
        &state,
        Kind::AccessCookie,
        user.user_id,
        &user.token,
        keep_secs,
    )
    .await
}

/// A copy of a BFF login's session cookie (its session must hold the BFF's tokens).
async fn capture_bff(
    State(state): State<AppState>,
    user: CookieUser,
) -> Result<Json<Captured>, ApiError> {
    let key = crate::store::sessions::key_of(&user.session.id);
    if state.auth.bff_vault.get(&key, unix_now()).await?.is_none() {
        return Err(ApiError::BadRequest(
            "this session was not made by a BFF login: nothing copied".into(),
        ));
    }
    let keep_secs = state.settings.session.absolute_timeout_secs as i64 + 60;
    keep_copy(
        &state,
        Kind::BffSession,
        user.session.user.id,
        &user.session.id,
        keep_secs,
    )
    .await
}

async fn capture_refresh(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Captured>, ApiError> {
    // Same guard as the refresh endpoint itself: a cookie-bearing POST from our own pages only.
    login_origin_check(&headers)?;
    let Some(token) = cookies::read_cookie(&headers, refresh::COOKIE) else {
        return Err(ApiError::Refresh("no refresh token cookie to copy".into()));
    };
    // Only a real, live refresh token of ours is copied: anything else is refused unread.
    let Some(owner) = state.auth.refresh.owner_of_live(&token).await? else {
        return Err(ApiError::Refresh(
            "the refresh cookie is not a live refresh token of this server: nothing copied".into(),
        ));
    };
    let keep_secs = state.settings.jwt.refresh_ttl_secs as i64 + 60;
    keep_copy(&state, Kind::Refresh, owner, &token, keep_secs).await
}

/// Keep a copy of `credential` for `keep_secs` under a fresh random handle, and say what a
/// replay of it will send.
async fn keep_copy(
    state: &AppState,
    kind: Kind,
    owner: i64,
    credential: &str,
    keep_secs: i64,
) -> Result<Json<Captured>, ApiError> {
    let handle = csrf::new_token();
    let now = unix_now();
    state
        .lab
        .captures
        .keep(
            &handle,
            kind,
            owner,
            credential,
            now.saturating_add(keep_secs),
            now,
        )
        .await?;
    let replays = replayed(kind);
    Ok(Json(Captured {
        handle,
        replays: replays.into(),
    }))
}

/// What a replay of a copy of `kind` sends.
fn replayed(kind: Kind) -> &'static str {
    match kind {
        Kind::Session | Kind::AccessCookie => "GET /api/me",
        Kind::Refresh => "POST /api/jwt/refresh",
        Kind::BffSession => "GET /api/bff/api/me",
    }
}

async fn replay(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiJson(request): ApiJson<ReplayRequest>,
) -> Result<Response, ApiError> {
    let Some((kind, credential)) = state.lab.captures.get(&request.handle, unix_now()).await?
    else {
        return Err(ApiError::NotFound);
    };
    let call = match kind {
        Kind::Session => {
            InProcessRequest::new(Method::GET, paths::ME).cookie(cookies::NAME, &credential)
        }
        Kind::Refresh => InProcessRequest::new(Method::POST, paths::jwt::REFRESH)
            .cookie(refresh::COOKIE, &credential),
        Kind::AccessCookie => {
            InProcessRequest::new(Method::GET, paths::ME).cookie(cookies::ACCESS, &credential)
        }
        Kind::BffSession => InProcessRequest::new(Method::GET, paths::bff::via(paths::ME))
            .cookie(cookies::NAME, &credential),
    };
    let replayed = replayed(kind);
    // Only status and body come back: a Set-Cookie meant for the thief is not the browser's.
    // The replay spends the budget of the learner who asked for it (the refresh limit is per
    // address), never a budget all in-process requests would otherwise share.
    let call = call.on_behalf_of(&client);
    let answer = match kind {
        Kind::BffSession => call.send_through(&state, crate::bff::router()).await,
        _ => call.send(&state).await,
    };
    Ok((
        answer.status,
        [
            (header::CONTENT_TYPE, "application/json"),
            (
                header::HeaderName::from_static("x-authlab-replayed"),
                replayed,
            ),
        ],
        answer.body,
    )
        .into_response())
}
