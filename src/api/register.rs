//! Accounts: `POST /api/register` creates a `user`-role account from `{username, password}`.
//! 201 on success, 409 if the name is taken, 400/413/415/422 with a JSON reason for bad input,
//! 429 past the per-address limit. Names starting `lesson-` are a lesson's scratch accounts and
//! expire (`hosting.lesson_account_ttl_secs`).
//!
//! The new password's argon2 run is charged (`password::Charged`) to the name registered and to
//! the signed-in learner whose browser registers it (a lesson's fresh account), so one learner's
//! lessons cannot fill the hashing threads for the class.

use super::{
    classes::{join_address_limit, join_now},
    client_addr::{ClientAddr, Learner},
    cookies,
    error::ApiError,
    extract::login_origin_check,
    json::ApiJson,
};
use crate::wire::paths;
use crate::{
    auth::{judge, password::Charged},
    db::{
        unix_now,
        users::{self, UserError},
    },
    state::AppState,
    wire::account_rules::{check_password, check_username},
    wire::{AuthMode, Registered, Registration, Role},
};
use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
    routing::post,
    Json, Router,
};

pub fn router() -> Router<AppState> {
    Router::new().route(paths::REGISTER, post(register))
}

/// The account the request is signed in as, if any: its bearer token's when it sends one (and
/// every check passes), else its live session cookie's (read, never touched). This only says
/// whom the hash is charged to and whose lesson account it is; it authorises nothing.
async fn signed_in(state: &AppState, headers: &HeaderMap) -> Option<(i64, String)> {
    if let Some(token) = super::extract::bearer_token(headers) {
        let decision = judge::token::judge(&state.auth, Some(&token), None)
            .await
            .ok()?;
        let principal = decision.outcome.ok()?;
        if decision.trace.switched_off().next().is_some() {
            // Let through only by a switched-off check: anyone could have made it.
            return None;
        }
        return Some((principal.user_id, principal.claims.sub));
    }
    let cookie = cookies::read(headers)?;
    let active = state.auth.sessions.peek(Some(&cookie)).await.ok()??;
    Some((active.user.id, active.user.username))
}

async fn register(
    State(state): State<AppState>,
    client: ClientAddr,
    learner: Learner,
    headers: HeaderMap,
    ApiJson(credentials): ApiJson<Registration>,
) -> Result<(StatusCode, Json<Registered>), ApiError> {
    if let Err(retry) = state.limits.register_per_address.check(&client.0).await {
        return Err(ApiError::RateLimited {
            what: "registrations from your address".into(),
            retry,
        });
    }
    check_username(&credentials.username)?;
    check_password(&credentials.password)?;
    // A class code: the class is checked before the account is made, so a wrong or closed code
    // loses nothing (no account left behind to register again).
    let class_code = credentials
        .class_code
        .as_deref()
        .map(str::trim)
        .filter(|code| !code.is_empty());
    if let Some(code) = class_code {
        // Joining shares the learner's activity with a teacher: only this lab's own pages (or
        // a client that is not a browser) may ask for it, never a form on another site.
        login_origin_check(&headers)?;
        if crate::wire::account_rules::is_scratch_like(&credentials.username) {
            return Err(ApiError::NotAllowed(
                "an experiment's scratch account does not join classes".into(),
            ));
        }
        join_address_limit(&state, &client).await?;
        state.auth.classes.open_by_code(code).await?;
    }
    // Registration reveals whether a name exists anyway (that is what 409 means), so check first
    // and spare argon2 the work; the UNIQUE constraint below still settles any race.
    if state
        .auth
        .users
        .find_by_username(&credentials.username)
        .await?
        .is_some()
    {
        return Err(ApiError::UsernameTaken(credentials.username));
    }
    let asker = signed_in(&state, &headers).await;
    let charged = Charged::to(&credentials.username)
        .and_maybe(asker.as_ref().map(|(_, name)| name.as_str()))
        .and_maybe(learner.0.as_deref());
    let hash = state
        .auth
        .passwords
        .hash(&credentials.password, &charged)
        .await?;
    // A lesson's throwaway account expires, so a class leaves no pile behind.
    let scratch = credentials
        .username
        .starts_with(crate::wire::account_rules::LESSON_PREFIX)
        .then(|| {
            let ttl = state.settings.hosting.lesson_account_ttl_secs as i64;
            (users::Scratch::Lesson, unix_now() + ttl)
        });
    let user = state
        .auth
        .users
        .insert(&credentials.username, &hash, Role::User, scratch)
        .await
        .map_err(|err| match err {
            UserError::Taken => ApiError::UsernameTaken(credentials.username.clone()),
            other => other.into(),
        })?;
    tracing::info!(target: "authlab::accounts", username = %user.username, "account registered");
    // A lesson's account counts for the learner whose page made it (the server's link, set here
    // from the request's own verified credential, never from anything the body says).
    if let (Some(_), Some((learner, _))) = (scratch, &asker) {
        state.auth.challenges.adopt(user.id, *learner).await;
    }
    let class = match class_code {
        // Registered either way: a class that closed in between is named in the log, and the
        // learner can join another from their account page.
        Some(code) => join_now(&state, &user, &client, code, AuthMode::Session)
            .await
            .ok()
            .map(|class| class.name),
        None => None,
    };
    Ok((
        StatusCode::CREATED,
        Json(Registered {
            username: user.username,
            role: user.role,
            class,
        }),
    ))
}
