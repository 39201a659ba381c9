//! Account events that ought to end access: log out everywhere, a password change, a role change,
//! a disabled account. What the server can do about each differs by model:
//! - **sessions**: delete the records (log out everywhere, a password change, a disable), or let
//!   the next request's user check (which reads the account, from a cache that follows every
//!   change) see the new role;
//! - **JWTs**: revoke the refresh families (no *new* access tokens) and set a not-before mark, which
//!   stops the access tokens already out there only for an account that switched server-side
//!   revocation on. Otherwise they keep working, with their old claims, until `exp`.
//!
//! "Log out everywhere", a password change and a disable write in **one transaction**
//! (`Users::end_all_access`) when sessions and refresh families live in the accounts database: the new password hash, the ended sessions
//! (with their ended-session memory), the revoked refresh families and the not-before mark either
//! all happen or none do. With a Redis store no transaction spans both databases, so access ends
//! first (each step atomic in Redis) and the password changes after: a failure part-way leaves
//! the account logged out with its old password, never a new password beside live sessions.

use crate::{
    audit::Entry,
    auth::error::AuthError,
    auth::password::Charged,
    auth::Auth,
    challenges::event::Happened,
    db::{
        unix_now,
        users::{AccessEnded as Ended, AccountChange, User},
    },
    store::SharedStore,
    wire::{AccessEnded, AccountSwitchesPatch, AuthMode, Password, Role},
};

/// File the event under the account it happened to, so its owner sees it in their own log. The
/// events an account's owner cannot repeat at will (a password change passes the login limits;
/// role and status changes are an administrator's) are judged rows, always written; log out
/// everywhere, which a token can repeat, counts against the account's allowance.
async fn record(auth: &Auth, by: AuthMode, user: &User, action: &str, detail: &str) {
    let entry = Entry::event(by, Some((user.id, &user.username)), action, true, detail);
    let entry = if action == "log out everywhere" {
        entry
    } else {
        entry.judged()
    };
    auth.audit.record(entry).await;
}

/// Once the account's change is stored: memory follows it, here and (announced) elsewhere, the
/// cached account and its not-before mark at `now`.
async fn account_changed(auth: &Auth, user: &User, now: i64) {
    auth.accounts.changed(user.id).await;
    auth.revocation.marked(&user.username, now).await;
}

/// In one transaction: change the account (`change`), end every session, revoke every refresh
/// family and set the not-before mark. Returns (sessions ended, refresh tokens revoked, the mark).
async fn end_all_access(
    auth: &Auth,
    user: &User,
    change: AccountChange<'_>,
) -> Result<(usize, u64, i64), AuthError> {
    let now = unix_now();
    let ended = if !matches!(auth.shared_store, SharedStore::Embedded) {
        end_all_access_then_account(auth, user, change, now).await?
    } else {
        let Ended {
            sessions_ended,
            refresh_revoked,
        } = auth.users.end_all_access(user.id, change, now).await?;
        // Memory follows the database only once the database has it.
        account_changed(auth, user, now).await;
        (sessions_ended, refresh_revoked, now)
    };
    auth.challenges.note(user.id, Happened::AccessEnded);
    Ok(ended)
}

/// `end_all_access` with sessions and refresh families in Redis: end them there first, then write
/// the account (password, mark) in the accounts database.
async fn end_all_access_then_account(
    auth: &Auth,
    user: &User,
    change: AccountChange<'_>,
    now: i64,
) -> Result<(usize, u64, i64), AuthError> {
    let sessions_ended = auth.sessions.end_all_of(user.id).await?;
    let refresh_revoked = auth.refresh.revoke_user(user.id).await?;
    auth.users.mark(user.id, change, now).await?;
    account_changed(auth, user, now).await;
    Ok((sessions_ended, refresh_revoked, now))
}

/// End every session, refresh family and (where revocation is on) access token of the account.
pub async fn log_out_everywhere(
    auth: &Auth,
    by: AuthMode,
    user: &User,
) -> Result<AccessEnded, AuthError> {
    let (sessions_ended, refresh_families_revoked, tokens_not_before) =
        end_all_access(auth, user, AccountChange::default()).await?;
    let detail = format!(
        "{sessions_ended} session(s) ended, {refresh_families_revoked} refresh famil(ies) revoked, \
         access tokens issued until now refused where revocation is on"
    );
    record(auth, by, user, "log out everywhere", &detail).await;
    Ok(AccessEnded {
        sessions_ended,
        refresh_families_revoked,
        tokens_not_before,
    })
}

/// A new password: whoever knew the old one must lose access, so this logs out everywhere too.
pub async fn change_password(
    auth: &Auth,
    by: AuthMode,
    user: &User,
    new_password: &Password,
) -> Result<AccessEnded, AuthError> {
    let hash = auth
        .passwords
        .hash(new_password, &Charged::to(&user.username))
        .await?;
    let (sessions_ended, refresh_families_revoked, tokens_not_before) = end_all_access(
        auth,
        user,
        AccountChange {
            new_hash: Some(&hash),
            disable: false,
        },
    )
    .await?;
    let detail = format!(
        "new password set; {sessions_ended} session(s) ended, {refresh_families_revoked} refresh \
         famil(ies) revoked, access tokens issued until now refused where revocation is on"
    );
    record(auth, by, user, "password change", &detail).await;
    Ok(AccessEnded {
        sessions_ended,
        refresh_families_revoked,
        tokens_not_before,
    })
}

/// A teacher's reset of one learner of their class: the learner's lab switches back to the
/// defaults, then every session, refresh family and (where revocation is on) access token of the
/// account ended, as "log out everywhere" does. Filed under the learner, so they see who reset
/// them; a judged row (a teacher's action, bounded by their class). The progress is the
/// classes' to reset (`classes::Classes::reset_learner`).
pub async fn reset_by_teacher(
    auth: &Auth,
    by: AuthMode,
    teacher: &str,
    learner: &User,
) -> Result<AccessEnded, AuthError> {
    // Written, and so on the learner's live stream, before their sessions end: a stream whose
    // session is gone closes at its next check, and the learner's page must hear why first.
    // (How many sessions ended is in the teacher's answer and the teacher's own row.)
    let detail = format!(
        "your teacher {teacher} reset your lab switches, sessions, refresh tokens and progress"
    );
    let entry = Entry::event(
        by,
        Some((learner.id, &learner.username)),
        crate::wire::TEACHER_RESET,
        true,
        &detail,
    );
    auth.audit.record(entry.judged()).await;
    auth.audit.flush().await;
    auth.account_settings.reset(learner.id).await?;
    let (sessions_ended, refresh_families_revoked, tokens_not_before) =
        end_all_access(auth, learner, AccountChange::default()).await?;
    Ok(AccessEnded {
        sessions_ended,
        refresh_families_revoked,
        tokens_not_before,
    })
}

/// A new role. Sessions need nothing: the role is read per request. Tokens carry the old role in
/// their `role` claim, so the mark is the only way to stop them early.
pub async fn change_role(
    auth: &Auth,
    by: AuthMode,
    user: &User,
    role: Role,
) -> Result<i64, AuthError> {
    // The role and the mark in one statement: never a new role with tokens still unmarked.
    let now = unix_now();
    auth.users.change_role(user.id, role, now).await?;
    if role != Role::User {
        // Only a learner's own account may have a defence off (`api::account_switches`): a
        // promoted account gets every one back on.
        let every_defence_on = AccountSwitchesPatch {
            defences_off: Some(Vec::new()),
            ..AccountSwitchesPatch::default()
        };
        auth.account_settings
            .update(user.id, &every_defence_on)
            .await?;
    }
    account_changed(auth, user, now).await;
    let detail = format!("role {} → {role} by an administrator", user.role);
    record(auth, by, user, "role change", &detail).await;
    Ok(now)
}

/// Disable (or re-enable) an account. Disabling ends all its access, as "log out everywhere"
/// does: its sessions and refresh families end in the same transaction as the flag (with Redis:
/// them first), so no node, whatever its cache still says about the account, finds a session of
/// it to accept; its access tokens stop at the mark where revocation is on.
pub async fn set_disabled(
    auth: &Auth,
    by: AuthMode,
    user: &User,
    disabled: bool,
) -> Result<i64, AuthError> {
    let now = if disabled {
        let change = AccountChange {
            new_hash: None,
            disable: true,
        };
        let (sessions_ended, families_revoked, now) = end_all_access(auth, user, change).await?;
        let detail = format!(
            "by an administrator; {sessions_ended} session(s) ended, {families_revoked} refresh \
             famil(ies) revoked"
        );
        record(auth, by, user, "account disabled", &detail).await;
        now
    } else {
        let now = unix_now();
        auth.users.enable(user.id, now).await?;
        account_changed(auth, user, now).await;
        record(auth, by, user, "account enabled", "by an administrator").await;
        now
    };
    Ok(now)
}
