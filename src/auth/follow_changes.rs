//! Applying what the other server processes announce (`store::changes`) to this process's
//! caches: a switch changed elsewhere is read afresh here, a mark set elsewhere is remembered,
//! keys made, rotated or retired elsewhere are reloaded, and a deleted account is forgotten. When
//! the feed (re)starts, or this process fails to announce a change of its own, changes may have
//! been missed, so everything cached is dropped or reloaded.

use crate::{
    state::AppState,
    store::{changes::Change, SharedStore},
};

/// Follow the feed for as long as the server runs (nothing to follow with the embedded store).
pub fn spawn(state: AppState) {
    let SharedStore::Redis(redis) = &state.shared_store else {
        return;
    };
    let mut changes = redis.follow(state.shutdown.subscribe());
    let publish_failed = redis.publish_failed.clone();
    tokio::spawn(async move {
        loop {
            let change = tokio::select! {
                change = changes.recv() => match change {
                    Some(change) => change,
                    None => return,
                },
                // This process could not announce a change: it may be missing others' too.
                () = publish_failed.notified() => None,
            };
            apply(&state, change).await;
        }
    });
}

/// Apply one change (`None`: forget everything cached).
pub async fn apply(state: &AppState, change: Option<Change>) {
    let applied = match change {
        Some(Change::Switches(user_id)) => {
            state.account_settings.forget_switches(user_id);
            Ok(())
        }
        Some(Change::Mark { username, at }) => {
            state.revocation.remember_mark(&username, at);
            Ok(())
        }
        Some(Change::Keys) => state.keys.reload().await.map_err(|e| e.to_string()),
        Some(Change::Account(user_id)) => {
            state.accounts.forget(user_id);
            Ok(())
        }
        Some(Change::Deleted { id, username }) => {
            forget_deleted(state, id, &username);
            Ok(())
        }
        None => {
            state.account_settings.forget_all();
            state.accounts.forget_all();
            match state.revocation.reload_marks().await {
                Ok(()) => state.keys.reload().await.map_err(|e| e.to_string()),
                Err(err) => Err(err.to_string()),
            }
        }
    };
    if let Err(err) = applied {
        tracing::warn!(target: "authlab::store", %err, "could not follow a change made elsewhere");
    }
}

/// Drop what this process's memory holds about a deleted account (deleted here, or announced by
/// another process): its keys, switches, name, not-before mark and cached row.
pub fn forget_deleted(state: &AppState, id: i64, username: &str) {
    state.keys.forget_owner(id);
    state.account_settings.forget(id, username);
    state.revocation.forget(username);
    state.accounts.forget(id);
}
