//! Cookie-session mode's endpoints, under `/api/session`:
//! - `POST /login` `{username, password}` → 200 `SessionState` and the `Set-Cookie` (new id always);
//! - `POST /header-login` `{username, password}` → 200 `HeaderSessionState`: the same session,
//!   its id in the body for the page to send as `Authorization: Bearer <id>`, no cookie;
//! - `POST /logout` → 204: the record is deleted and the cookie cleared;
//! - `GET /current` → the session as the server remembers it, with the CSRF token (after a reload),
//!   or `null` when the browser holds no live session (a question, not an error: no 401);
//! - `GET /sessions` → this user's live sessions; `DELETE /sessions/{handle}` revokes one;
//!   `POST /logout-others` revokes all but this one.

use super::{
    client_addr::{ClientAddr, Learner},
    error::ApiError,
    extract::{cookie_user::CookieUser, login_origin_check},
    json::ApiJson,
    login::{check_password, device_cookie, with_device_cookie, Asker, Purpose},
};
use crate::wire::paths;
use crate::{
    api::cookies,
    auth::session::{ActiveSession, Rotation},
    challenges::event::Happened,
    db::unix_now,
    state::AppState,
    wire::{
        AccountSwitches, AuthMode, CookieReport, Credentials, Defence, HeaderSessionState,
        SameSite, SessionState, SessionView,
    },
};
use axum::{
    extract::{Path, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{delete, get, post},
    Json, Router,
};
use serde_json::json;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(paths::session::LOGIN, post(login))
        .route(paths::session::HEADER_LOGIN, post(header_login))
        .route(paths::session::LOGOUT, post(logout))
        .route(paths::session::CURRENT, get(current))
        .route(paths::session::SESSIONS, get(list))
        .route(paths::session::ONE_SESSION, delete(revoke))
        .route(paths::session::LOGOUT_OTHERS, post(logout_others))
}

async fn login(
    State(state): State<AppState>,
    client: ClientAddr,
    learner: Learner,
    headers: HeaderMap,
    ApiJson(credentials): ApiJson<Credentials>,
) -> Result<Response, ApiError> {
    let asker = Asker::new(&state, &headers, &client, &learner);
    let user = password_login(&state, &headers, &asker, &credentials).await?;
    let user_agent = user_agent(&headers);
    // Rotation (the core's rule): the id the browser held before is ended, never adopted;
    // unless this account switched rotation off, to watch fixation work (`Defence::SessionRotation`).
    let previous = cookies::read(&headers);
    // Except the learner's own live session when this is one of their experiments' accounts:
    // set aside, not ended, and given back after (`set_aside`).
    let parked = super::set_aside::park_session(&state, previous.as_deref(), &user).await;
    let to_end = previous.as_deref().filter(|_| parked.is_none());
    let switches = state.auth.account_settings.get(user.id).await?;
    let rotation = if switches.defences_off.contains(&Defence::SessionRotation) {
        Rotation::KeepThePlantedId
    } else {
        Rotation::NewId
    };
    let session = state
        .auth
        .sessions
        .log_in(to_end, &user, user_agent, rotation)
        .await?;
    tracing::info!(target: "authlab::session", username = %user.username, "session login");
    state.auth.challenges.note(
        user.id,
        Happened::SignedIn {
            mode: AuthMode::Session,
            token: None,
            kept_planted_id: previous.as_deref() == Some(session.id.as_str()),
        },
    );
    let (set_cookie, report) = cookies::for_session(&state, &session, &switches);
    let body = session_state(&state, &session, report, &switches);
    let mut response = ([(header::SET_COOKIE, set_cookie)], Json(body)).into_response();
    if let Some(parked) = parked {
        response.headers_mut().append(header::SET_COOKIE, parked);
    }
    let device = device_cookie(&state, &asker, &user).await;
    Ok(with_device_cookie(response, device))
}

/// A session login that hands the id to the page instead of a cookie. Threat: the page keeps it
/// where its scripts can read it (any XSS can), which is the lesson this mode exists for; the
/// server side is the same session, revocable at once.
async fn header_login(
    State(state): State<AppState>,
    client: ClientAddr,
    learner: Learner,
    headers: HeaderMap,
    ApiJson(credentials): ApiJson<Credentials>,
) -> Result<Json<HeaderSessionState>, ApiError> {
    let asker = Asker::new(&state, &headers, &client, &learner);
    let user = password_login(&state, &headers, &asker, &credentials).await?;
    let user_agent = user_agent(&headers);
    // Always a new id: nothing the browser held is adopted (there is no cookie to plant here).
    let session = state
        .auth
        .sessions
        .log_in(None, &user, user_agent, Rotation::NewId)
        .await?;
    tracing::info!(target: "authlab::session", username = %user.username, "session login (header)");
    state.auth.challenges.note(
        user.id,
        Happened::SignedIn {
            mode: AuthMode::Session,
            token: None,
            kept_planted_id: false,
        },
    );
    Ok(Json(HeaderSessionState {
        username: user.username.clone(),
        role: user.role,
        session_id: session.id.clone(),
        session: state
            .auth
            .sessions
            .view(&session.record, &session.user, true),
        server_now: unix_now(),
    }))
}

/// The first steps of both session logins: the origin check (a forged cross-site login would sign
/// the victim into the attacker's account) and the password. The account.
async fn password_login(
    state: &AppState,
    headers: &HeaderMap,
    asker: &Asker<'_>,
    credentials: &Credentials,
) -> Result<crate::db::users::User, ApiError> {
    login_origin_check(headers)?;
    let verified = check_password(
        state,
        AuthMode::Session,
        Purpose::Login,
        &credentials.username,
        &credentials.password,
        asker,
    )
    .await?;
    Ok(verified.user)
}

/// The browser's `User-Agent`, as a session's list shows it ("" when it sent none).
pub fn user_agent(headers: &HeaderMap) -> &str {
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

async fn logout(State(state): State<AppState>, user: CookieUser) -> Result<Response, ApiError> {
    end(&state, &user.session).await
}

/// End `session` (the record is deleted: its cookie fails at once) and answer 204 clearing the
/// cookie: the session logout, and the BFF's once it has logged out at the token endpoint.
pub async fn end(state: &AppState, session: &ActiveSession) -> Result<Response, ApiError> {
    state.auth.sessions.end(&session.id).await?;
    state.auth.challenges.note(
        session.user.id,
        Happened::LoggedOut {
            mode: AuthMode::Session,
            jti: None,
        },
    );
    let same_site = same_site_of(state, session.user.id).await?;
    Ok((
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, cookies::clear(same_site))],
    )
        .into_response())
}

async fn current(
    State(state): State<AppState>,
    user: Result<CookieUser, ApiError>,
) -> Result<Json<Option<SessionState>>, ApiError> {
    let user = match user {
        Ok(user) => user,
        Err(ApiError::Refused { .. }) => return Ok(Json(None)),
        Err(other) => return Err(other),
    };
    let switches = state
        .auth
        .account_settings
        .get(user.session.user.id)
        .await?;
    let (_, report) = cookies::for_session(&state, &user.session, &switches);
    Ok(Json(Some(session_state(
        &state,
        &user.session,
        report,
        &switches,
    ))))
}

async fn list(
    State(state): State<AppState>,
    user: CookieUser,
) -> Result<Json<Vec<SessionView>>, ApiError> {
    let session = &user.session;
    Ok(Json(
        state
            .auth
            .sessions
            .list(&session.user, &session.record)
            .await?,
    ))
}

async fn revoke(
    State(state): State<AppState>,
    user: CookieUser,
    Path(handle): Path<String>,
) -> Result<StatusCode, ApiError> {
    crate::api::extract::every_check_on(&user.trace, "ending a session by its handle")?;
    if state
        .auth
        .sessions
        .revoke(user.session.user.id, &handle)
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NoSuchSession)
    }
}

async fn logout_others(
    State(state): State<AppState>,
    user: CookieUser,
) -> Result<Json<serde_json::Value>, ApiError> {
    let session = &user.session;
    let revoked = state
        .auth
        .sessions
        .revoke_others(session.user.id, &session.record)
        .await?;
    Ok(Json(json!({ "revoked": revoked })))
}

pub async fn same_site_of(state: &AppState, user_id: i64) -> Result<SameSite, ApiError> {
    // A deliberately weakened account's cookie goes out SameSite=None (the attack lab's CSRF card).
    Ok(state
        .auth
        .account_settings
        .get(user_id)
        .await?
        .cookie_same_site())
}

fn session_state(
    state: &AppState,
    session: &ActiveSession,
    cookie: CookieReport,
    switches: &AccountSwitches,
) -> SessionState {
    SessionState {
        username: session.user.username.clone(),
        role: session.user.role,
        csrf_token: session.record.csrf_token.clone(),
        session: state
            .auth
            .sessions
            .view(&session.record, &session.user, true),
        cookie,
        same_site: switches.cookie_same_site(),
        csrf_weakened: switches.csrf_weakened,
        xss_weakened: switches.xss_weakened,
        defences_off: switches.defences_off.clone(),
        server_now: unix_now(),
    }
}
