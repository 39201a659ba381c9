//! Applying what the other server processes announce (`store::changes`) to this process's
//! caches: a switch changed elsewhere is read afresh here, a mark set elsewhere is remembered,
//! keys made, rotated or retired elsewhere are reloaded, and a deleted account is forgotten. When
//! the feed (re)starts, or this process fails to announce a change of its own, changes may have
//! been missed, so everything cached is dropped or reloaded.

use super::Auth;
use crate::{
    classes::feed::ClassChange,
    store::{changes::Change, SharedStore},
};
use std::sync::Arc;

/// Follow the feed for as long as the server runs (nothing to follow with the embedded store).
pub fn spawn(auth: Arc<Auth>) {
    let SharedStore::Redis(redis) = &auth.shared_store else {
        return;
    };
    let mut changes = redis.follow(auth.shutdown.subscribe());
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
            apply(&auth, change).await;
        }
    });
}

/// Apply one change (`None`: forget everything cached).
pub async fn apply(auth: &Auth, change: Option<Change>) {
    let applied = match change {
        Some(Change::Switches(user_id)) => {
            auth.account_settings.forget_switches(user_id);
            Ok(())
        }
        Some(Change::Mark { username, at }) => {
            auth.revocation.remember_mark(&username, at);
            Ok(())
        }
        Some(Change::Keys) => auth.keys.reload().await.map_err(|e| e.to_string()),
        Some(Change::Account(user_id)) => {
            auth.accounts.forget(user_id);
            Ok(())
        }
        Some(Change::Deleted { id, username }) => {
            forget_deleted(auth, id, &username);
            Ok(())
        }
        Some(Change::Progress(learner)) => {
            auth.classes.feed.deliver(ClassChange::Learner(learner));
            Ok(())
        }
        Some(Change::Class(class)) => {
            auth.classes.feed.deliver(ClassChange::Class(class));
            Ok(())
        }
        None => {
            auth.account_settings.forget_all();
            auth.accounts.forget_all();
            match auth.revocation.reload_marks().await {
                Ok(()) => auth.keys.reload().await.map_err(|e| e.to_string()),
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
pub fn forget_deleted(auth: &Auth, id: i64, username: &str) {
    auth.keys.forget_owner(id);
    auth.account_settings.forget(id, username);
    auth.revocation.forget(username);
    auth.accounts.forget(id);
}
