//! Account events that ought to end access: log out everywhere, a password change, a role change,
//! a disabled account. What the server can do about each differs by model:
//! - **sessions**: delete the records, or simply let the next request's user check (which reads
//!   the accounts table every time) see the new role or the disabled flag;
//! - **JWTs**: revoke the refresh families (no *new* access tokens) and set a not-before mark, which
//!   stops the access tokens already out there only for an account that switched server-side
//!   revocation on. Otherwise they keep working, with their old claims, until `exp`.
//!
//! "Log out everywhere" and a password change write in **one SQLite transaction** when sessions
//! and refresh families live in the embedded database: the new password hash, the ended sessions
//! (with their ended-session memory), the revoked refresh families and the not-before mark either
//! all happen or none do. With a Redis store no transaction spans both databases, so access ends
//! first (each step atomic in Redis) and the password changes after: a failure part-way leaves
//! the account logged out with its old password, never a new password beside live sessions.

use crate::{
    audit::Entry,
    auth::error::AuthError,
    auth::password::PasswordHash,
    db::{unix_now, users::User},
    state::AppState,
    store::{sessions::sqlite::end_all_in, SharedStore},
    wire::{AccessEnded, AuthMode, Password, Role},
};

/// File the event under the account it happened to, so its owner sees it in their own log.
async fn record(state: &AppState, by: AuthMode, user: &User, action: &str, detail: &str) {
    state
        .audit
        .record(Entry::event(
            by,
            Some((user.id, &user.username)),
            action,
            true,
            detail,
        ))
        .await;
}

/// In one transaction: set `new_hash` (if any), end every session, revoke every refresh family
/// and set the not-before mark. Returns (sessions ended, refresh tokens revoked, the mark).
async fn end_all_access(
    state: &AppState,
    user: &User,
    new_hash: Option<&PasswordHash>,
) -> Result<(usize, u64, i64), AuthError> {
    let now = unix_now();
    if !matches!(state.shared_store, SharedStore::Embedded) {
        return end_all_access_then_account(state, user, new_hash, now).await;
    }
    let mut tx = state.db.begin().await?;
    // Write first, so the transaction holds SQLite's write lock from its first statement.
    mark_account(&mut *tx, user, new_hash, now).await?;
    let sessions_ended = end_all_in(&mut tx, user.id, None, now)
        .await
        .map_err(crate::auth::session::SessionError::from)?;
    let refresh_revoked = sqlx::query(
        "UPDATE refresh_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(user.id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    // Memory follows the database only once the database has it.
    state.accounts.changed(user.id).await;
    state.revocation.marked(&user.username, now).await;
    Ok((sessions_ended, refresh_revoked, now))
}

/// `end_all_access` with sessions and refresh families in Redis: end them there first, then write
/// the account (password, mark) in the accounts database.
async fn end_all_access_then_account(
    state: &AppState,
    user: &User,
    new_hash: Option<&PasswordHash>,
    now: i64,
) -> Result<(usize, u64, i64), AuthError> {
    let sessions_ended = state.sessions.end_all_of(user.id).await?;
    let refresh_revoked = state.refresh.revoke_user(user.id).await?;
    mark_account(&state.db, user, new_hash, now).await?;
    state.accounts.changed(user.id).await;
    state.revocation.marked(&user.username, now).await;
    Ok((sessions_ended, refresh_revoked, now))
}

/// The account's side of ending all access: the not-before mark, and the new password if any.
async fn mark_account<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Sqlite>,
    user: &User,
    new_hash: Option<&PasswordHash>,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE users SET tokens_not_before = ?1, password_hash = COALESCE(?2, password_hash)
         WHERE id = ?3",
    )
    .bind(now)
    .bind(new_hash.map(PasswordHash::as_phc))
    .bind(user.id)
    .execute(db)
    .await?;
    Ok(())
}

/// End every session, refresh family and (where revocation is on) access token of the account.
pub async fn log_out_everywhere(
    state: &AppState,
    by: AuthMode,
    user: &User,
) -> Result<AccessEnded, AuthError> {
    let (sessions_ended, refresh_families_revoked, tokens_not_before) =
        end_all_access(state, user, None).await?;
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
) -> Result<AccessEnded, AuthError> {
    let hash = state.passwords.hash(new_password).await?;
    let (sessions_ended, refresh_families_revoked, tokens_not_before) =
        end_all_access(state, user, Some(&hash)).await?;
    let detail = format!(
        "new password set; {sessions_ended} session(s) ended, {refresh_families_revoked} refresh \
         famil(ies) revoked, access tokens issued until now refused where revocation is on"
    );
    record(state, by, user, "password change", &detail).await;
    Ok(AccessEnded {
        sessions_ended,
        refresh_families_revoked,
        tokens_not_before,
    })
}

/// A new role. Sessions need nothing: the role is read per request. Tokens carry the old role in
/// their `role` claim, so the mark is the only way to stop them early.
pub async fn change_role(
    state: &AppState,
    by: AuthMode,
    user: &User,
    role: Role,
) -> Result<i64, AuthError> {
    // The role and the mark in one statement: never a new role with tokens still unmarked.
    let now = unix_now();
    sqlx::query("UPDATE users SET role = ?, tokens_not_before = ? WHERE id = ?")
        .bind(role.as_str())
        .bind(now)
        .bind(user.id)
        .execute(&state.db)
        .await?;
    state.accounts.changed(user.id).await;
    state.revocation.marked(&user.username, now).await;
    let detail = format!("role {} → {role} by an administrator", user.role);
    record(state, by, user, "role change", &detail).await;
    Ok(now)
}

/// Disable (or re-enable) an account. Disabling revokes its refresh families; its sessions are
/// refused by the per-request user check, its access tokens only by the mark.
pub async fn set_disabled(
    state: &AppState,
    by: AuthMode,
    user: &User,
    disabled: bool,
) -> Result<i64, AuthError> {
    // Status, refresh families and mark in one transaction (with Redis: the families first).
    let now = unix_now();
    if disabled && !matches!(state.shared_store, SharedStore::Embedded) {
        state.refresh.revoke_user(user.id).await?;
    }
    let mut tx = state.db.begin().await?;
    sqlx::query("UPDATE users SET disabled = ?, tokens_not_before = ? WHERE id = ?")
        .bind(disabled as i64)
        .bind(now)
        .bind(user.id)
        .execute(&mut *tx)
        .await?;
    if disabled && matches!(state.shared_store, SharedStore::Embedded) {
        sqlx::query(
            "UPDATE refresh_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(user.id)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    state.accounts.changed(user.id).await;
    state.revocation.marked(&user.username, now).await;
    let action = if disabled {
        "account disabled"
    } else {
        "account enabled"
    };
    record(state, by, user, action, "by an administrator").await;
    Ok(now)
}
