//! `GET`/`PUT /api/lab-settings`: the signed-in account's lab switches (SameSite of the session
//! cookie, the JWT algorithm, the denylist, the access-token lifetime). They are stored per account and applied by the server
//! to that account's requests only, so learners sharing one server never change each other's
//! policy. A PUT names only what changes. In session mode, changing SameSite (or the deliberately
//! weakened CSRF switch, which forces SameSite=None) re-issues the cookie.

use super::{cookies, error::ApiError, extract::every_check_on, json::ApiJson};
use crate::wire::paths;
use crate::{
    api::extract::auth_user::AuthUser,
    auth::weak_secret,
    state::AppState,
    wire::{AccountSwitches, AccountSwitchesPatch, Defence, JwtAlg, Role, ACCESS_TTL_RANGE},
};
use axum::{
    extract::State,
    http::header,
    response::{IntoResponse, Response},
    routing::get,
    Json, Router,
};

pub fn router() -> Router<AppState> {
    Router::new().route(paths::LAB_SETTINGS, get(read).put(write))
}

async fn read(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<Json<AccountSwitches>, ApiError> {
    Ok(Json(state.auth.account_settings.get(user.user_id()).await?))
}

async fn write(
    State(state): State<AppState>,
    user: AuthUser,
    ApiJson(mut patch): ApiJson<AccountSwitchesPatch>,
) -> Result<Response, ApiError> {
    // A request a switched-off check let through (a token forged for a weakened account, or
    // the owner's own token signed by a weak secret) may only turn defences back on: that harms
    // nobody, and it is how a bearer-only learner leaves the weak-secret experiment.
    if !only_turns_defences_on(&state, &user, &patch).await? {
        every_check_on(user.trace(), "changing the lab switches")?;
    }
    let weakens = patch
        .defences_off
        .as_ref()
        .is_some_and(|off| !off.is_empty())
        || patch.csrf_weakened == Some(true)
        || patch.xss_weakened == Some(true);
    if weakens {
        may_weaken(&state, &user).await?;
    }
    if let Some(secs) = patch.access_ttl_secs {
        if secs != 0 && !ACCESS_TTL_RANGE.contains(&secs) {
            return Err(ApiError::InvalidBody(format!(
                "access_ttl_secs must be {} to {} seconds, or 0 for the server's default",
                ACCESS_TTL_RANGE.start(),
                ACCESS_TTL_RANGE.end()
            )));
        }
    }
    weak_secret_follows(&state, &user, &mut patch).await?;
    let settings = state
        .auth
        .account_settings
        .update(user.user_id(), &patch)
        .await?;
    let cookie_changes =
        patch.same_site.is_some() || patch.csrf_weakened.is_some() || patch.defences_off.is_some();
    if let (AuthUser::Session(session_user), true) = (&user, cookie_changes) {
        let (set_cookie, _) = cookies::for_session(&state, &session_user.session, &settings);
        return Ok(([(header::SET_COOKIE, set_cookie)], Json(settings)).into_response());
    }
    Ok(Json(settings).into_response())
}

/// Only a plain learner account may switch a defence off (a verifier check, the CSRF defences,
/// the comments page's CSP). With one off, a token whose signature is not checked names its
/// account by its own claims, and another site's form acts as the account: anyone can act as the
/// account that weakened itself, which is its owner's experiment, but must never be an
/// administrator's (whose powers it would hand out) nor a shared demo account's (whose other
/// users did not choose it). The role is the table's, read now, never a token's claim.
async fn may_weaken(state: &AppState, user: &AuthUser) -> Result<(), ApiError> {
    let account = state
        .auth
        .users
        .find_by_id(user.user_id())
        .await?
        .ok_or_else(|| ApiError::NotAllowed("this account no longer exists".into()))?;
    if account.role != Role::User {
        return Err(ApiError::NotAllowed(format!(
            "{} is an account with role {}: a defence can be switched off only on a learner's own \
             account (register one to try this)",
            account.username, account.role
        )));
    }
    if crate::demo::is_demo_account(&account.username) {
        return Err(ApiError::NotAllowed(format!(
            "{} is a demo account: a defence can be switched off only on a learner's own account \
             (register one to try this)",
            account.username
        )));
    }
    Ok(())
}

/// The `weak_secret` switch changes keys, not a check. On: the account's HS256 key is rotated to
/// one whose secret is a word from the lab's wordlist, and its tokens switch to HS256, so the
/// next login's token can be cracked. Off: a fresh strong key signs, and every rotated-out key of
/// the account (the weak one with them) is retired, so a token forged with the cracked word
/// fails `kid known`. Keys change first: if that fails, the switch stays as it was.
async fn weak_secret_follows(
    state: &AppState,
    user: &AuthUser,
    patch: &mut AccountSwitchesPatch,
) -> Result<(), ApiError> {
    let Some(wanted) = patch
        .defences_off
        .as_ref()
        .map(|off| off.contains(&Defence::WeakSecret))
    else {
        return Ok(());
    };
    let owner = user.user_id();
    let now_off = state
        .auth
        .account_settings
        .get(owner)
        .await?
        .defences_off
        .contains(&Defence::WeakSecret);
    let keys = &state.auth.keys;
    let key_error = |err: crate::auth::keys::KeyError| ApiError::Internal(err.into());
    match (now_off, wanted) {
        (false, true) => {
            let max = state.settings.jwt.max_keys_per_account;
            if keys.of_owner(owner).len() >= max {
                return Err(ApiError::Conflict(format!(
                    "this account holds {max} signing keys, the most allowed: retire the \
                     rotated-out ones (POST /api/jwt/keys/retire) before weakening its secret"
                )));
            }
            keys.rotate_to_weak(owner, weak_secret::pick())
                .await
                .map_err(key_error)?;
            patch.jwt_alg = Some(JwtAlg::HS256);
        }
        (true, false) => {
            keys.rotate(owner, JwtAlg::HS256).await.map_err(key_error)?;
            keys.retire_rotated(owner).await.map_err(key_error)?;
        }
        _ => {}
    }
    Ok(())
}

/// Whether `patch` only switches defences back on: a smaller set of defences off, the weakened
/// CSRF and CSP settings off, and nothing else.
async fn only_turns_defences_on(
    state: &AppState,
    user: &AuthUser,
    patch: &AccountSwitchesPatch,
) -> Result<bool, ApiError> {
    let AccountSwitchesPatch {
        same_site: None,
        jwt_alg: None,
        denylist: None,
        access_ttl_secs: None,
        denylist_fail_open: None,
        csrf_weakened: None | Some(false),
        xss_weakened: None | Some(false),
        defences_off,
    } = patch
    else {
        return Ok(false);
    };
    let Some(wanted) = defences_off else {
        return Ok(true);
    };
    let now = state
        .auth
        .account_settings
        .get(user.user_id())
        .await?
        .defences_off;
    Ok(wanted.iter().all(|defence| now.contains(defence)))
}
