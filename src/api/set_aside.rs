//! The learner's own sign-in, set aside while one of their experiments signs this browser in as
//! the experiment's account, and given back after.
//!
//! A browser holds one session cookie and one refresh cookie. A lesson's experiment, an attack
//! card or the compare page signs the browser in as a scratch account of the learner's (made by
//! their page, so owned by them: `challenges::Challenges::learner_of`), and that login would
//! overwrite the learner's cookie; a session login even ends the id the browser came with. The
//! learner would have to sign in again after every experiment. Instead:
//! - a login as a scratch account whose owner is the account the browser's own cookie signs in
//!   leaves the owner's credential alive and parks it in a cookie of its own;
//! - `POST /api/give-back` puts a parked credential back, if it is still live and not a scratch
//!   account's, and drops the parked copies.
//!
//! Only the owner's own credential is ever parked: the owner link is the server's, set when the
//! scratch account was made, never from a request. A login as anyone else (a real account, or a
//! scratch account of someone else's) treats the browser's cookie as before: a session login ends
//! it, which is what makes a planted id worthless (fixation).
//!
//! The parked cookies, each flag on purpose:
//! - `__Host-` (so `Secure`, `Path=/`, no `Domain`): no sibling subdomain or plain-http page can
//!   plant one and have the give-back sign the learner into someone else's account;
//! - `HttpOnly`: a script cannot read the learner's parked credential, not even the XSS card's,
//!   whose experiment account may switch its own cookie's HttpOnly off;
//! - `SameSite=Strict`: no request another site starts carries them (no forged give-back);
//! - `Max-Age` an hour at most: an experiment is over long before, and a forgotten copy goes.

use super::{cookies, extract::login_origin_check, ApiError, AppState};
use crate::{
    db::users::User,
    wire::{account_rules::is_scratch_like, paths, GivenBack},
};
use axum::{
    extract::State,
    http::{header, HeaderMap, HeaderValue},
    response::{IntoResponse, Response},
    routing::post,
    Json, Router,
};
use cookie::Cookie;

/// The learner's session id, parked.
pub const SESSION: &str = "__Host-authlab_parked_session";
/// The learner's refresh token, parked.
pub const REFRESH: &str = "__Host-authlab_parked_refresh";
/// The longest a parked copy stays in the browser.
const MAX_AGE_SECS: i64 = 3600;

pub fn router() -> Router<AppState> {
    Router::new().route(paths::GIVE_BACK, post(give_back))
}

/// Before a session login as `user`: the `Set-Cookie` that parks the session id the browser came
/// with (`previous`), when it is a live session of the account that owns `user`. When this is
/// `Some`, the login must leave `previous` alive (it is the learner's, not a planted one).
pub async fn park_session(
    state: &AppState,
    previous: Option<&str>,
    user: &User,
) -> Option<HeaderValue> {
    let previous = previous?;
    let holder = live_session(state, previous).await?;
    if !owns(state, holder.user.id, user).await {
        return None;
    }
    let max_age = state
        .auth
        .sessions
        .cookie_max_age(&holder.record)
        .min(MAX_AGE_SECS);
    Some(parked(SESSION, previous, max_age))
}

/// Before a bearer login as `user`: the `Set-Cookie` that parks the refresh token the browser
/// came with (`presented`), when it is a live token of the account that owns `user`. (A bearer
/// login ends no earlier token; it only overwrites the browser's refresh cookie.)
pub async fn park_refresh(
    state: &AppState,
    presented: Option<&str>,
    user: &User,
) -> Option<HeaderValue> {
    let presented = presented?;
    let holder = state.auth.refresh.owner_of_live(presented).await.ok()??;
    owns(state, holder, user)
        .await
        .then(|| parked(REFRESH, presented, MAX_AGE_SECS))
}

/// Is `user` a scratch account made for `holder` (and not `holder` itself)?
async fn owns(state: &AppState, holder: i64, user: &User) -> bool {
    holder != user.id
        && is_scratch_like(&user.username)
        && state.auth.challenges.learner_of(user.id).await.ok() == Some(holder)
}

/// The live session `id` names (read, never touched: parking is not use).
async fn live_session(state: &AppState, id: &str) -> Option<crate::auth::session::ActiveSession> {
    state.auth.sessions.peek(Some(id)).await.ok()?
}

fn parked(name: &str, value: &str, max_age_secs: i64) -> HeaderValue {
    let header = Cookie::build((name, value))
        .http_only(true)
        .secure(true)
        .same_site(cookie::SameSite::Strict)
        .path("/")
        .max_age(cookie::time::Duration::seconds(max_age_secs.max(0)))
        .build()
        .to_string();
    HeaderValue::from_str(&header).expect("cookie header is ASCII")
}

/// `POST /api/give-back` → 200 `GivenBack`: each parked credential that is still live and not a
/// scratch account's is this browser's again; both parked copies are dropped either way.
async fn give_back(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    // No CSRF token can come with it (the page lost the learner's with the cookie): the same
    // origin check as a login, and the parked cookies' SameSite=Strict.
    login_origin_check(&headers)?;
    let mut set_cookies = Vec::new();
    let mut given = GivenBack::default();
    if let Some(id) = cookies::read_cookie(&headers, SESSION) {
        if let Some(session) = live_session(&state, &id)
            .await
            .filter(|session| !is_scratch_like(&session.user.username))
        {
            let switches = state.auth.account_settings.get(session.user.id).await?;
            let (cookie, _) = cookies::for_session(&state, &session, &switches);
            set_cookies.push(cookie);
            given.session = Some(session.user.username);
        }
        set_cookies.push(parked(SESSION, "", 0));
    }
    if let Some(token) = cookies::read_cookie(&headers, REFRESH) {
        if let Some(owner) = state.auth.refresh.owner_of_live(&token).await? {
            let user = state.auth.users.find_by_id(owner).await?;
            if let Some(user) = user.filter(|user| !is_scratch_like(&user.username)) {
                let max_age = state.settings.jwt.refresh_ttl_secs as i64;
                set_cookies.push(cookies::refresh(&token, max_age));
                given.refresh = Some(user.username);
            }
        }
        set_cookies.push(parked(REFRESH, "", 0));
    }
    let mut response = Json(given).into_response();
    for cookie in set_cookies {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    Ok(response)
}
