//! What a user, or an administrator, can do to an account, each an event that should end access:
//! - `POST /api/account/logout-everywhere` (either mode) → every session, refresh family and, where
//!   revocation is on, access token of this account ends;
//! - `POST /api/account/password` `{current_password, new_password}` → the same, with a new password;
//! - `GET /api/admin/accounts` (admin) → every account;
//! - `PUT /api/admin/accounts/{username}` `{role?, disabled?}` (admin) → demote, promote, disable.
//!
//! "Admin" means what the accounts table says now, in both models (`auth::admin`). A demoted
//! admin's old token still *says* `admin` until it expires, and is refused here all the same.

use super::{
    client_addr::{ClientAddr, Learner},
    error::ApiError,
    extract::{admin::Admin, auth_user::AuthUser, every_check_on},
    json::ApiJson,
    login::{self, device_cookie, with_device_cookie, Asker, Purpose},
    session::same_site_of,
};
use crate::wire::paths;
use crate::{
    api::cookies,
    auth::account_events,
    db::users::User,
    state::AppState,
    wire::account_rules::check_password,
    wire::{AccessEnded, AccountPatch, AccountView, PasswordChange, Role},
};
use axum::{
    extract::{Path, State},
    http::{header, HeaderMap},
    response::{IntoResponse, Response},
    routing::{get, post, put},
    Json, Router,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(paths::account::LOGOUT_EVERYWHERE, post(logout_everywhere))
        .route(paths::account::PASSWORD, post(change_password))
        .route(paths::account::ADMIN_ACCOUNTS, get(list))
        .route(paths::account::ADMIN_ACCOUNT, put(update))
}

/// The account behind the request, read fresh.
pub(super) async fn account_of(state: &AppState, user: &AuthUser) -> Result<User, ApiError> {
    state
        .auth
        .users
        .find_by_id(user.user_id())
        .await?
        .ok_or_else(|| ApiError::Conflict("the account no longer exists".into()))
}

/// The caller's own session ended with the rest: tell the browser to drop the cookie.
async fn ended_response(
    state: &AppState,
    user: &AuthUser,
    ended: AccessEnded,
) -> Result<Response, ApiError> {
    let mut response = Json(ended).into_response();
    if let AuthUser::Session(cookie_user) = user {
        let same_site = same_site_of(state, cookie_user.session.user.id).await?;
        response
            .headers_mut()
            .insert(header::SET_COOKIE, cookies::clear(same_site));
    }
    Ok(response)
}

async fn logout_everywhere(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<Response, ApiError> {
    every_check_on(user.trace(), "log out everywhere")?;
    let account = account_of(&state, &user).await?;
    let ended = account_events::log_out_everywhere(&state.auth, user.mode(), &account).await?;
    ended_response(&state, &user, ended).await
}

async fn change_password(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientAddr,
    learner: Learner,
    headers: HeaderMap,
    ApiJson(change): ApiJson<PasswordChange>,
) -> Result<Response, ApiError> {
    every_check_on(user.trace(), "a password change")?;
    shared_demo_account_guard(&state, user.username(), "password")?;
    check_password(&change.new_password)?;
    // The current password again: a borrowed, still-open session (or a stolen token) must not be
    // enough to lock the owner out. Checked as a login is, limits, streak and audit entry
    // included: a stolen token must not guess the password any faster than a login could.
    let asker = Asker::new(&state, &headers, &client, &learner);
    let verified = login::check_password(
        &state,
        user.mode(),
        Purpose::PasswordChange,
        user.username(),
        &change.current_password,
        &asker,
    )
    .await?;
    let ended = account_events::change_password(
        &state.auth,
        user.mode(),
        &verified.user,
        &change.new_password,
    )
    .await?;
    let response = ended_response(&state, &user, ended).await?;
    // The change moved the account's epoch: this browser is trusted for the account as it is now.
    let device = device_cookie(&state, &asker, &verified.user).await;
    Ok(with_device_cookie(response, device))
}

/// On loopback use the demo accounts are shared by everyone at this machine, with public
/// passwords: one learner must not lock the others out of them (or take them over).
fn shared_demo_account_guard(state: &AppState, username: &str, what: &str) -> Result<(), ApiError> {
    if state.hosting.demo_accounts_public() && crate::demo::is_demo_account(username) {
        return Err(ApiError::NotAllowed(format!(
            "{username} is a shared demo account: its {what} cannot be changed (register an \
             account of your own to try this)"
        )));
    }
    Ok(())
}

async fn list(
    State(state): State<AppState>,
    _admin: Admin,
) -> Result<Json<Vec<AccountView>>, ApiError> {
    let accounts = state.auth.users.list().await?;
    Ok(Json(
        accounts
            .into_iter()
            .map(|(account, created_at)| AccountView {
                username: account.username,
                role: account.role,
                disabled: account.disabled,
                created_at,
            })
            .collect(),
    ))
}

async fn update(
    State(state): State<AppState>,
    admin: Admin,
    Path(username): Path<String>,
    ApiJson(patch): ApiJson<AccountPatch>,
) -> Result<Json<AccountView>, ApiError> {
    let user = &admin.caller;
    let Some(mut account) = state.auth.users.find_by_username(&username).await? else {
        return Err(ApiError::NotFound);
    };
    if account.id == user.user_id() && patch != AccountPatch::default() {
        // An administrator who demotes or disables themselves may leave nobody to undo it.
        return Err(ApiError::Conflict(
            "administrators cannot change their own role or status".into(),
        ));
    }
    if patch != AccountPatch::default() {
        shared_demo_account_guard(&state, &account.username, "role or status")?;
    }
    if patch.role.is_some_and(|role| role != Role::User)
        && crate::wire::account_rules::is_scratch_like(&account.username)
    {
        return Err(ApiError::NotAllowed(format!(
            "{} is named like an experiment's scratch account: such accounts are never \
             administrators or teachers",
            account.username
        )));
    }
    if let Some(role) = patch.role.filter(|role| *role != account.role) {
        account_events::change_role(&state.auth, user.mode(), &account, role).await?;
        account.role = role;
    }
    if let Some(disabled) = patch.disabled.filter(|d| *d != account.disabled) {
        account_events::set_disabled(&state.auth, user.mode(), &account, disabled).await?;
        account.disabled = disabled;
    }
    let created_at = state.auth.users.created_at(account.id).await?;
    Ok(Json(AccountView {
        username: account.username,
        role: account.role,
        disabled: account.disabled,
        created_at,
    }))
}
