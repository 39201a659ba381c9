//! Telling the other server processes what changed, so the caches each keeps in memory follow.
//! Each process caches what every bearer request reads (the per-account switches, the signing
//! keys, the not-before marks); with several processes sharing one lab, a change made on one must
//! reach the others' caches at once, or a denylist switched on at one node is ignored at another.
//!
//! The channel is Redis pub/sub on `<prefix>changes`: a change is published after it is stored,
//! and every process (the publisher too) applies each message it receives. Pub/sub keeps nothing
//! for a subscriber that was away, so each time the subscription (re)starts the follower is told
//! to forget everything it cached (`None`), and reloads on demand. With the embedded SQLite store
//! there is one process and nothing to tell.

use super::{redis::Redis, SharedStore, StoreError};
use futures_util::StreamExt;
use std::{sync::Arc, time::Duration};
use tokio::sync::{mpsc, watch, Notify};

/// The longest a process keeps a cached copy of an account, its switches or its not-before mark
/// without reading it again. Announcements are best effort (Redis pub/sub keeps nothing for a
/// listener that was away, and a publish can fail), so a lost one must not leave another node
/// trusting a disabled or demoted account for good: its copy is read afresh within this.
pub const CACHE_TTL: Duration = Duration::from_secs(5);

/// After a failed publish, it is tried again after each of these waits.
const REPUBLISH_AFTER: [Duration; 3] = [
    Duration::from_millis(250),
    Duration::from_secs(1),
    Duration::from_secs(4),
];

/// A change another process must hear of.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// An account's switches changed (the denylist, the token lifetime, …).
    Switches(i64),
    /// An account's not-before mark moved to `at`.
    Mark { username: String, at: i64 },
    /// Signing keys were made, rotated or retired.
    Keys,
    /// An account's row changed (role, disabled, password).
    Account(i64),
    /// An account was deleted: every cache forgets it (its switches, keys, mark, name).
    Deleted { id: i64, username: String },
    /// A learner's challenge progress moved: their class's grid, wherever it is open, reads again.
    Progress(i64),
    /// A class's members or state moved.
    Class(i64),
}

impl Change {
    fn encode(&self) -> String {
        match self {
            Change::Switches(id) => format!("switches {id}"),
            Change::Mark { username, at } => format!("mark {at} {username}"),
            Change::Keys => "keys".into(),
            Change::Account(id) => format!("account {id}"),
            Change::Deleted { id, username } => format!("deleted {id} {username}"),
            Change::Progress(id) => format!("progress {id}"),
            Change::Class(id) => format!("class {id}"),
        }
    }

    fn decode(text: &str) -> Option<Change> {
        let mut words = text.splitn(3, ' ');
        match (words.next()?, words.next(), words.next()) {
            ("switches", Some(id), None) => Some(Change::Switches(id.parse().ok()?)),
            ("mark", Some(at), Some(username)) => Some(Change::Mark {
                username: username.to_string(),
                at: at.parse().ok()?,
            }),
            ("keys", None, None) => Some(Change::Keys),
            ("account", Some(id), None) => Some(Change::Account(id.parse().ok()?)),
            ("progress", Some(id), None) => Some(Change::Progress(id.parse().ok()?)),
            ("class", Some(id), None) => Some(Change::Class(id.parse().ok()?)),
            ("deleted", Some(id), Some(username)) => Some(Change::Deleted {
                id: id.parse().ok()?,
                username: username.to_string(),
            }),
            _ => None,
        }
    }
}

/// Publishes changes, when there are other processes to tell.
#[derive(Clone)]
pub struct Announcer(Option<(Redis, Arc<Notify>)>);

impl Announcer {
    pub fn for_store(store: &SharedStore) -> Self {
        match store {
            SharedStore::Embedded | SharedStore::Memory => Announcer(None),
            SharedStore::Redis(redis) => {
                Announcer(Some((redis.clone(), redis.publish_failed.clone())))
            }
        }
    }

    /// No other process to tell (tests of one process, the embedded store).
    pub fn none() -> Self {
        Announcer(None)
    }

    /// Tell the other processes. A failure is not returned (the change itself is already
    /// stored), but not dropped either: this process forgets everything it cached (a publish
    /// that fails says its own feed may be missing changes too; `follow_changes` listens), and
    /// the message is published again a few times in the background. Whatever still goes
    /// missing, the other processes' copies expire within `CACHE_TTL`.
    pub async fn announce(&self, change: Change) {
        let Some((redis, failed)) = &self.0 else {
            return;
        };
        if let Err(err) = publish(redis, &change).await {
            tracing::warn!(target: "authlab::store", %err, ?change, "could not announce a change; retrying");
            failed.notify_one();
            let redis = redis.clone();
            tokio::spawn(async move {
                for wait in REPUBLISH_AFTER {
                    tokio::time::sleep(wait).await;
                    if publish(&redis, &change).await.is_ok() {
                        return;
                    }
                }
                tracing::warn!(target: "authlab::store", ?change,
                    "a change was never announced; other processes read it within their cache's lifetime");
            });
        }
    }
}

async fn publish(redis: &Redis, change: &Change) -> Result<i64, redis::RedisError> {
    redis::cmd("PUBLISH")
        .arg(redis.key("changes"))
        .arg(change.encode())
        .query_async(&mut redis.conn())
        .await
}

impl Redis {
    /// Follow the changes every process announces. The receiver gets `Some(change)` for each, and
    /// `None` whenever the subscription (re)starts, since changes may have been missed meanwhile.
    /// Ends when `shutdown` turns true.
    pub fn follow(&self, mut shutdown: watch::Receiver<bool>) -> mpsc::Receiver<Option<Change>> {
        let (send, receive) = mpsc::channel(256);
        let redis = self.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = shutdown.changed() => return,
                    ended = redis.follow_once(&send) => {
                        if let Err(err) = ended {
                            tracing::debug!(target: "authlab::store", %err, "change feed lost");
                        }
                    }
                }
                if send.is_closed() {
                    return;
                }
                // Redis is away: try again shortly.
                tokio::select! {
                    _ = shutdown.changed() => return,
                    _ = tokio::time::sleep(Duration::from_millis(250)) => {}
                }
            }
        });
        receive
    }

    /// One subscription, until the connection drops.
    async fn follow_once(&self, send: &mpsc::Sender<Option<Change>>) -> Result<(), StoreError> {
        let mut feed = self.client().get_async_pubsub().await?;
        feed.subscribe(self.key("changes")).await?;
        if send.send(None).await.is_err() {
            return Ok(());
        }
        let mut messages = feed.on_message();
        while let Some(message) = messages.next().await {
            let Ok(text) = message.get_payload::<String>() else {
                continue;
            };
            let Some(change) = Change::decode(&text) else {
                tracing::warn!(target: "authlab::store", "an unreadable change was announced");
                continue;
            };
            if send.send(Some(change)).await.is_err() {
                return Ok(());
            }
        }
        Err(StoreError::Backend("redis: the change feed ended".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_read_back_as_written() {
        for change in [
            Change::Switches(42),
            Change::Mark {
                username: "lab:matrix-x-admin".into(),
                at: 1_700_000_000,
            },
            Change::Keys,
            Change::Account(7),
            Change::Deleted {
                id: 9,
                username: "lab:attack-x-victim".into(),
            },
            Change::Progress(11),
            Change::Class(3),
        ] {
            assert_eq!(Change::decode(&change.encode()), Some(change));
        }
        for junk in [
            "",
            "switches",
            "switches x",
            "mark 1",
            "keys now",
            "account",
            "account seven",
            "deleted 9",
            "deleted x name",
            "other 1",
        ] {
            assert_eq!(Change::decode(junk), None, "{junk:?}");
        }
    }
}
