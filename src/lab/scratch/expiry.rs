//! Scratch accounts: the ones experiments make for themselves, which expire and are deleted.
//!
//! - **Matrix accounts** are created by the logout matrix, one set per run, named
//!   `lab:matrix-<run>-…`. The `lab:` namespace cannot be registered (':' is not a username
//!   character), so no learner can hold one, and the matrix only ever touches the ids it created
//!   in that run. They are deleted when the run ends, or by maintenance if a run was abandoned.
//! - **Lesson accounts** (`lesson-…`, registered by the lessons through the public API) expire
//!   after `hosting.lesson_account_ttl_secs`.
//!
//! Deleting an account takes everything of it along: in SQLite its sessions, refresh tokens,
//! keys and switches go with it (foreign keys); in a shared store (Redis) its sessions, refresh
//! families and replay captures are ended here; and every process's memory forgets it, this
//! one's at once, the others' through the change feed. Ids are never reused (AUTOINCREMENT,
//! `db::users_rebuild`), so nothing left behind anywhere can ever be mistaken for a newer
//! account's.

use crate::{
    db::{
        unix_now,
        users::{Scratch, UserError},
    },
    state::AppState,
    store::changes::Change,
};

/// How long a matrix account may outlive an abandoned run.
pub const MATRIX_TTL_SECS: i64 = 600;

/// End what the shared store still holds of deleted accounts, drop what this process's memory
/// holds, and tell the other processes to drop theirs.
async fn forget(state: &AppState, deleted: &[(i64, String)]) {
    for (id, username) in deleted {
        // Each a no-op where SQLite's foreign keys already took them; a failure is logged and
        // left to expiry (sessions, families and captures all expire in the store).
        if let Err(err) = state.auth.sessions.end_all_of(*id).await {
            tracing::warn!(target: "authlab::accounts", %err, "a deleted account's sessions");
        }
        if let Err(err) = state.auth.refresh.revoke_user(*id).await {
            tracing::warn!(target: "authlab::accounts", %err, "a deleted account's refresh families");
        }
        if let Err(err) = state.lab.captures.forget_owner(*id).await {
            tracing::warn!(target: "authlab::accounts", %err, "a deleted account's captures");
        }
        crate::auth::follow_changes::forget_deleted(&state.auth, *id, username);
        state
            .auth
            .accounts
            .announce(Change::Deleted {
                id: *id,
                username: username.clone(),
            })
            .await;
    }
}

/// Delete the matrix accounts of one run (only matrix accounts, only these ids).
pub async fn delete_matrix_accounts(state: &AppState, ids: &[i64]) -> Result<usize, UserError> {
    let deleted = state
        .auth
        .users
        .delete_scratch(Scratch::Matrix, ids)
        .await?;
    forget(state, &deleted).await;
    Ok(deleted.len())
}

/// Maintenance: delete every scratch account past its expiry.
pub async fn delete_expired(state: &AppState) -> Result<usize, UserError> {
    let deleted = state.auth.users.delete_expired_scratch(unix_now()).await?;
    forget(state, &deleted).await;
    Ok(deleted.len())
}
