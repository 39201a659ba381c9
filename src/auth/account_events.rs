//! Account events that ought to end access: log out everywhere, a password change, a role change,
//! a disabled account. What the server can do about each differs by model:
//! - **sessions**: delete the records, or simply let the next request's user check (which reads
//!   the accounts table every time) see the new role or the disabled flag;
//! - **JWTs**: revoke the refresh families (no *new* access tokens) and set a not-before mark, which
//!   stops the access tokens already out there only for an account that switched server-side
//!   revocation on. Otherwise they keep working, with their old claims, until `exp`.

use crate::{
    api::error::ApiError,
    audit::Entry,
    db::users::{self, User},
    state::AppState,
    wire::{AccessEnded, AuthMode, Password, Role},
};

/// File the event under the account it happened to, so its owner sees it in their own log.
async fn record(state: &AppState, by: AuthMode, user: &User, action: &str, detail: &str) {
    state
        .audit
        .record(Entry {
            mode: by,
            user: Some((user.id, &user.username)),
            action,
            allowed: true,
            failed_check: None,
            detail,
        })
        .await;
}

/// End every session, refresh family and (where revocation is on) access token of the account.
pub async fn log_out_everywhere(
    state: &AppState,
    by: AuthMode,
    user: &User,
) -> Result<AccessEnded, ApiError> {
    let sessions_ended = state.sessions.end_all_of(user.id).await?;
    let refresh_families_revoked = state.refresh.revoke_user(user.id).await?;
    let tokens_not_before = state
        .revocation
        .mark_not_before(user.id, &user.username)
        .await?;
    let detail = format!(
        "{sessions_ended} session(s) ended, {refresh_families_revoked} refresh famil(ies) revoked, \
         access tokens issued until now refused where revocation is on"
    );
    record(state, by, user, "log out everywhere", &detail).await;
    Ok(AccessEnded {
        sessions_ended,
        refresh_families_revoked,
        tokens_not_before,
    })
}

/// A new password: whoever knew the old one must lose access, so this logs out everywhere too.
pub async fn change_password(
    state: &AppState,
    by: AuthMode,
    user: &User,
    new_password: &Password,
) -> Result<AccessEnded, ApiError> {
    let hash = state.passwords.hash(new_password).await?;
    users::set_password_hash(&state.db, user.id, &hash).await?;
    record(state, by, user, "password change", "new password set").await;
    log_out_everywhere(state, by, user).await
}

/// A new role. Sessions need nothing: the role is read per request. Tokens carry the old role in
/// their `role` claim, so the mark is the only way to stop them early.
pub async fn change_role(
    state: &AppState,
    by: AuthMode,
    user: &User,
    role: Role,
) -> Result<i64, ApiError> {
    users::set_role(&state.db, user.id, role).await?;
    let detail = format!("role {} → {role} by an administrator", user.role);
    record(state, by, user, "role change", &detail).await;
    Ok(state
        .revocation
        .mark_not_before(user.id, &user.username)
        .await?)
}

/// Disable (or re-enable) an account. Disabling revokes its refresh families; its sessions are
/// refused by the per-request user check, its access tokens only by the mark.
pub async fn set_disabled(
    state: &AppState,
    by: AuthMode,
    user: &User,
    disabled: bool,
) -> Result<i64, ApiError> {
    users::set_disabled(&state.db, user.id, disabled).await?;
    let action = if disabled {
        "account disabled"
    } else {
        "account enabled"
    };
    record(state, by, user, action, "by an administrator").await;
    if disabled {
        state.refresh.revoke_user(user.id).await?;
    }
    Ok(state
        .revocation
        .mark_not_before(user.id, &user.username)
        .await?)
}
