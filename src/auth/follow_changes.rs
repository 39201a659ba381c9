//! Applying what the other server processes announce (`store::changes`) to this process's
//! caches: a switch changed elsewhere is read afresh here, a mark set elsewhere is remembered, and
//! keys made, rotated or retired elsewhere are reloaded. When the feed (re)starts, changes may
//! have been missed, so everything cached is dropped or reloaded.

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
    tokio::spawn(async move {
        while let Some(change) = changes.recv().await {
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
