//! What changed in which class, for the teachers' grids waiting on it. A change made on this
//! process is delivered here at once and announced to the other processes (`store::changes`,
//! through Redis when there is one), whose follower delivers it to their own feed: a grid open
//! on any node hears of a solve made on any other.

use crate::store::changes::{Announcer, Change};
use tokio::sync::broadcast;

/// One change a grid may need to show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClassChange {
    /// A learner's progress moved (a solve, a hint, a reset).
    Learner(i64),
    /// A class's membership or state moved (a join, a leave, a close).
    Class(i64),
}

pub struct ClassFeed {
    sender: broadcast::Sender<ClassChange>,
    announcer: Announcer,
}

impl ClassFeed {
    pub fn new(announcer: Announcer) -> Self {
        ClassFeed {
            sender: broadcast::channel(1024).0,
            announcer,
        }
    }

    /// Something changed here: tell this process's grids, then the other processes.
    pub async fn changed(&self, change: ClassChange) {
        self.deliver(change);
        self.announcer
            .announce(match change {
                ClassChange::Learner(id) => Change::Progress(id),
                ClassChange::Class(id) => Change::Class(id),
            })
            .await;
    }

    /// Another process's change (its announcement, followed here).
    pub fn deliver(&self, change: ClassChange) {
        let _ = self.sender.send(change);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<ClassChange> {
        self.sender.subscribe()
    }
}
