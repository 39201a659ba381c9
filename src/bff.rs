//! The backend-for-frontend (claim 26; the IETF's "OAuth 2.0 for Browser-Based Applications"):
//! a client of the API beside it, not part of it (it calls the API in process, so the API's
//! router does not hold its routes: the server's does, `server::router`). In short:
//! the browser holds only a session cookie, the BFF holds the tokens on the server (`bff_vault`)
//! and calls the API with them for the page, in process, on an allowlist of paths. No token
//! ever reaches the browser or a log: an injected script finds nothing to steal, though it can
//! still make the page's own requests (in-page requests succeed in every mode).
//!
//! - `POST /api/bff/login` `{username, password}`: the BFF signs in at the token endpoint
//!   (`/api/jwt/login`, in process) with the learner's credentials, keeps the tokens, and gives
//!   the browser an ordinary session (the session cookie, its CSRF token);
//! - `ANY /api/bff/api/{rest}`: hop 1, the browser's request, is judged by its session (origin
//!   check and CSRF token on a write); hop 2, the BFF's request to `/api/{rest}`, carries the
//!   held access token (refreshed first when it is about to expire) and is judged by the API.
//!   The answer is the API's status and body, with both hops' traces;
//! - `POST /api/bff/logout`: the BFF logs out at the token endpoint (the refresh family, and
//!   the access token where the denylist is on), forgets the tokens, ends the session;
//! - `GET /api/bff/current`: the session and what the BFF holds, without the tokens.

use crate::api::{
    client_addr::{ClientAddr, Learner},
    cookies,
    error::ApiError,
    extract::{cookie_user::CookieUser, login_origin_check, TraceSink},
    json::ApiJson,
};
use crate::{
    auth::{refresh, session::Rotation},
    db::unix_now,
    lab::in_process::{InProcessRequest, InProcessResponse},
    state::AppState,
    store::{bff_vault::Held, sessions::key_of},
    wire::{paths, BffAnswer, BffState, Credentials, TokenResponse},
};
use axum::{
    body::Bytes,
    extract::State,
    http::{header, HeaderMap, Method, Uri},
    response::{AppendHeaders, IntoResponse, Response},
    routing::{any, get, post},
    Json, Router,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(paths::bff::LOGIN, post(login))
        .route(paths::bff::LOGOUT, post(logout))
        .route(paths::bff::CURRENT, get(current))
        .route(paths::bff::PROXY, any(proxy))
}

/// The only calls the BFF makes for a page: reads of who the learner is and what happened, and
/// the learner's own switches. Never a token endpoint (the tokens stay here), never an
/// administrator's route. Threat: a BFF that forwards anything is a token-holding open proxy.
const ALLOWED: &[(Method, &str)] = &[
    (Method::GET, paths::ME),
    (Method::GET, paths::AUDIT),
    (Method::GET, paths::LAB_SETTINGS),
    (Method::PUT, paths::LAB_SETTINGS),
    (Method::GET, paths::challenges::PROGRESS),
];

/// The BFF refreshes an access token this close to its `exp`, so a call never carries one that
/// expires on the way.
const REFRESH_AHEAD_SECS: i64 = 5;

async fn login(
    State(state): State<AppState>,
    client: ClientAddr,
    learner: Learner,
    headers: HeaderMap,
    ApiJson(credentials): ApiJson<Credentials>,
) -> Result<Response, ApiError> {
    login_origin_check(&headers)?;
    // The BFF signs in at the token endpoint for the learner: their address and their own
    // device cookie count, as if the browser had asked.
    let mut grant = InProcessRequest::new(Method::POST, paths::jwt::LOGIN)
        .json(&credentials)
        .secret_body()
        .on_behalf_of(&client)
        .for_learner(learner.0.as_deref());
    if let Some(device) = cookies::read_cookie(&headers, crate::auth::device::COOKIE) {
        grant = grant.cookie(crate::auth::device::COOKIE, &device);
    }
    let granted = grant.send(&state).await;
    if !granted.status.is_success() {
        // The token endpoint's refusal (wrong password, rate limit) is the learner's to read.
        return Ok(passed_on(&granted));
    }
    let Some(held) = held_from(&granted) else {
        return Err(ApiError::Internal(
            "the token endpoint answered without tokens".into(),
        ));
    };
    let Some(user) = state
        .auth
        .users
        .find_by_username(&credentials.username)
        .await?
    else {
        return Err(ApiError::InvalidCredentials);
    };
    let user_agent = crate::api::session::user_agent(&headers);
    // As a session login does: the id the browser held is ended, except the learner's own live
    // session when this is one of their experiments' accounts, set aside and given back after.
    let previous = cookies::read(&headers);
    let parked = crate::api::set_aside::park_session(&state, previous.as_deref(), &user).await;
    let to_end = previous.as_deref().filter(|_| parked.is_none());
    let session = state
        .auth
        .sessions
        .log_in(to_end, &user, user_agent, Rotation::NewId)
        .await?;
    let now = unix_now();
    let until = state
        .auth
        .sessions
        .view(&session.record, &user, true)
        .absolute_expires_at;
    state
        .auth
        .bff_vault
        .put(&key_of(&session.id), &held, until)
        .await?;
    tracing::info!(target: "authlab::bff", username = %user.username, "bff login");
    let switches = state.auth.account_settings.get(user.id).await?;
    let (set_cookie, report) = cookies::for_session(&state, &session, &switches);
    let body = BffState {
        username: user.username.clone(),
        role: user.role,
        csrf_token: session.record.csrf_token.clone(),
        session: state.auth.sessions.view(&session.record, &user, true),
        cookie: report,
        access_expires_at: held.access_exp,
        refresh_expires_at: held.refresh_exp,
        server_now: now,
    };
    let mut response = ([(header::SET_COOKIE, set_cookie)], Json(body)).into_response();
    if let Some(parked) = parked {
        response.headers_mut().append(header::SET_COOKIE, parked);
    }
    // The device cookie the token endpoint set is the browser's: passed on.
    for device in granted.headers.get_all(header::SET_COOKIE) {
        let is_device = device
            .to_str()
            .is_ok_and(|v| v.starts_with(&format!("{}=", crate::auth::device::COOKIE)));
        if is_device {
            response
                .headers_mut()
                .append(header::SET_COOKIE, device.clone());
        }
    }
    Ok(response)
}

async fn current(
    State(state): State<AppState>,
    user: Result<CookieUser, ApiError>,
) -> Result<Json<Option<BffState>>, ApiError> {
    let user = match user {
        Ok(user) => user,
        Err(ApiError::Refused { .. }) => return Ok(Json(None)),
        Err(other) => return Err(other),
    };
    let session = &user.session;
    let Some(held) = state
        .auth
        .bff_vault
        .get(&key_of(&session.id), unix_now())
        .await?
    else {
        return Ok(Json(None));
    };
    let switches = state.auth.account_settings.get(session.user.id).await?;
    let (_, report) = cookies::for_session(&state, session, &switches);
    Ok(Json(Some(BffState {
        username: session.user.username.clone(),
        role: session.user.role,
        csrf_token: session.record.csrf_token.clone(),
        session: state
            .auth
            .sessions
            .view(&session.record, &session.user, true),
        cookie: report,
        access_expires_at: held.access_exp,
        refresh_expires_at: held.refresh_exp,
        server_now: unix_now(),
    })))
}

async fn logout(State(state): State<AppState>, user: CookieUser) -> Result<Response, ApiError> {
    let key = key_of(&user.session.id);
    if let Some(held) = state.auth.bff_vault.get(&key, unix_now()).await? {
        // Hop 2: the BFF logs out at the token endpoint with what it holds.
        let _ = InProcessRequest::new(Method::POST, paths::jwt::LOGOUT)
            .bearer(&held.access)
            .cookie(refresh::COOKIE, &held.refresh)
            .send(&state)
            .await;
    }
    state.auth.bff_vault.delete(&key).await?;
    crate::api::session::end(&state, &user.session).await
}

/// A call through the BFF: hop 1 judged by the `CookieUser` extractor (the session, with the
/// origin check and CSRF token on a write), hop 2 by the API.
async fn proxy(
    State(state): State<AppState>,
    client: ClientAddr,
    user: CookieUser,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let rest = uri
        .path()
        .strip_prefix(paths::bff::PROXY_PREFIX)
        .unwrap_or_default();
    let api_path = format!("{}{rest}", paths::API_PREFIX);
    if !ALLOWED
        .iter()
        .any(|(m, path)| *m == method && *path == api_path)
    {
        return Err(ApiError::NotAllowed(format!(
            "the BFF calls only {} for a page: never a token endpoint, never anything else",
            ALLOWED
                .iter()
                .map(|(m, p)| format!("{m} {p}"))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let key = key_of(&user.session.id);
    let Some(mut held) = state.auth.bff_vault.get(&key, unix_now()).await? else {
        return Err(ApiError::NotAllowed(
            "this session was not made by a BFF login, so the BFF holds no tokens for it: sign \
             in through the BFF"
                .into(),
        ));
    };
    let now = unix_now();
    let refreshed = held.access_exp - now <= REFRESH_AHEAD_SECS;
    if refreshed {
        let session = &user.session;
        let until = state
            .auth
            .sessions
            .view(&session.record, &session.user, true)
            .absolute_expires_at;
        held = refresh_held(&state, &client, &key, held, until).await?;
    }
    let target = match uri.query() {
        Some(query) => format!("{api_path}?{query}"),
        None => api_path,
    };
    let sink = TraceSink::default();
    let mut call = InProcessRequest::new(method, target)
        .bearer(&held.access)
        .on_behalf_of(&client)
        .trace_into(&sink);
    if !body.is_empty() {
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/json");
        call = call.body(String::from_utf8_lossy(&body).into_owned(), content_type);
    }
    let answer = call.send(&state).await;
    let status = answer.status;
    let body = serde_json::from_slice(&answer.body).unwrap_or_else(|_| {
        serde_json::Value::String(String::from_utf8_lossy(&answer.body).into_owned())
    });
    Ok((
        status,
        Json(BffAnswer {
            status: status.as_u16(),
            body,
            browser_hop: user.trace,
            api_hop: sink.take(),
            refreshed,
        }),
    )
        .into_response())
}

/// Refresh what the vault holds at the token endpoint (in process), and keep the new pair until
/// `until` (the session's end). A refused refresh ends what the BFF holds: the learner signs in
/// again.
async fn refresh_held(
    state: &AppState,
    client: &ClientAddr,
    key: &str,
    held: Held,
    until: i64,
) -> Result<Held, ApiError> {
    let answer = InProcessRequest::new(Method::POST, paths::jwt::REFRESH)
        .cookie(refresh::COOKIE, &held.refresh)
        .on_behalf_of(client)
        .send(state)
        .await;
    let Some(next) = held_from(&answer) else {
        state.auth.bff_vault.delete(key).await?;
        return Err(ApiError::Refresh(
            "the BFF's refresh token was refused at the token endpoint: sign in again".into(),
        ));
    };
    state.auth.bff_vault.put(key, &next, until).await?;
    Ok(next)
}

/// What a token endpoint's answer gives the BFF to hold: the access token and its `exp`, the
/// refresh token from its cookie and its expiry. `None` when it gave no pair.
fn held_from(answer: &InProcessResponse) -> Option<Held> {
    let tokens = answer.json::<TokenResponse>()?;
    let refresh = answer.set_cookie(refresh::COOKIE)?;
    let now = unix_now();
    Some(Held {
        access: tokens.access_token,
        access_exp: now.saturating_add(i64::try_from(tokens.expires_in).unwrap_or(0)),
        refresh,
        refresh_exp: tokens.refresh_expires_at,
    })
}

/// An in-process answer passed on to the browser as it came (status and JSON body, and a
/// `Retry-After` when it had one).
fn passed_on(answer: &InProcessResponse) -> Response {
    let mut response = (
        answer.status,
        AppendHeaders([(header::CONTENT_TYPE, "application/json")]),
        answer.body.clone(),
    )
        .into_response();
    if let Some(retry) = answer.headers.get(header::RETRY_AFTER) {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, retry.clone());
    }
    response
}
