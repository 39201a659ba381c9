//! The accounts a session check reads, kept in this process's memory (`session.cache_accounts`).
//!
//! Every cookie request loads its account after its session record, so that a role change, a
//! disable or a deletion acts on the very next request. Without a cache that is a second database
//! round trip per request, next to the session lookup itself (on Redis, a SQLite query beside the
//! Redis GET). With it, the account comes from memory, and "at once" is kept by dropping the copy
//! whenever the account changes:
//! - here, by every write to the accounts table that a session check reads (`changed`);
//! - in the other processes sharing the lab, through the change feed (`store::changes`), which
//!   they apply as they apply switch and key changes.
//!
//! Logout needs none of this: it deletes the session record, and the record is still read from
//! the store on every request.
//!
//! A read racing a change cannot put the old account back: a read that missed remembers the
//! generation it started in, and keeps its row only if no change came in meanwhile. And since
//! an announcement can be lost (a failed publish, a feed that was down), no copy is trusted for
//! longer than `CACHE_TTL`: a disable or a demotion made on another node acts here within
//! seconds even then.
//!
//! Only correct when every process writing the accounts database hears the others' changes: one
//! process, or several sharing Redis. Processes sharing one SQLite file without Redis turn it off.

use crate::{
    db::users::{User, UserError, Users},
    store::changes::{Announcer, Change, CACHE_TTL},
};
use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, RwLock,
    },
    time::Instant,
};

/// More accounts than this and the cache starts again empty: memory stays bounded whatever a
/// crowd of registrations does.
const MAX_ACCOUNTS: usize = 10_000;

pub struct AccountCache {
    users: Arc<dyn Users>,
    on: bool,
    /// Each account with the time it was read.
    entries: RwLock<HashMap<i64, (User, Instant)>>,
    /// Moves on every change, so a read that started before it keeps nothing.
    generation: AtomicU64,
    announcer: Announcer,
}

/// Where a session check's account came from: the trace says which.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Database,
    Memory,
}

impl AccountCache {
    pub fn new(users: Arc<dyn Users>, on: bool, announcer: Announcer) -> Self {
        AccountCache {
            users,
            on,
            entries: RwLock::new(HashMap::new()),
            generation: AtomicU64::new(0),
            announcer,
        }
    }

    /// Account `id`, from memory when this process holds it and nothing changed since.
    pub async fn find(&self, id: i64) -> Result<(Option<User>, Source), UserError> {
        if !self.on {
            return Ok((self.users.find_by_id(id).await?, Source::Database));
        }
        if let Some((user, read_at)) = self.entries.read().expect("lock").get(&id) {
            if read_at.elapsed() < CACHE_TTL {
                return Ok((Some(user.clone()), Source::Memory));
            }
        }
        let started_in = self.generation.load(Ordering::SeqCst);
        let read_at = Instant::now();
        let user = self.users.find_by_id(id).await?;
        if let Some(user) = &user {
            let mut entries = self.entries.write().expect("lock");
            // Checked under the write lock: `forget` bumps the generation before it takes it.
            if self.generation.load(Ordering::SeqCst) == started_in {
                if entries.len() >= MAX_ACCOUNTS {
                    entries.clear();
                }
                entries.insert(id, (user.clone(), read_at));
            }
        }
        Ok((user, Source::Database))
    }

    /// Account `id` was changed (role, disabled, password) or deleted here: drop this process's
    /// copy and tell the others. Call it after the change is committed.
    pub async fn changed(&self, id: i64) {
        self.forget(id);
        self.announcer.announce(Change::Account(id)).await;
    }

    /// Tell the other processes of `change` (an account deleted here).
    pub async fn announce(&self, change: Change) {
        self.announcer.announce(change).await;
    }

    /// Account `id` changed, here or elsewhere: read it afresh next time.
    pub fn forget(&self, id: i64) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.entries.write().expect("lock").remove(&id);
    }

    /// Changes may have been missed (the change feed restarted): forget everything.
    pub fn forget_all(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.entries.write().expect("lock").clear();
    }
}
