//! Revoking access tokens before they expire: the two tools, and what each costs.
//!
//! - **Denylist** (per-account switch): logout puts the token's `jti` on a list kept until the
//!   token's `exp`. While the switch is on, *every* bearer request looks its `jti` up in SQLite: the
//!   lookup the stateless design was meant to avoid, timed for the trace.
//! - **Not-before mark** ("log out everywhere"): tokens of this user issued before the mark are
//!   refused. One number per user, kept in memory (and in SQLite), so the check costs no round trip;
//!   it is read again at most every `CACHE_TTL`, so a mark whose announcement another process
//!   lost still acts there within seconds.
//!   `iat` counts whole seconds, so a token issued in the mark's own second is refused too, and a
//!   token issued *after* the mark waits for the next second (`wait_past_mark`) to be told apart.

use crate::{
    db::unix_now,
    store::{
        changes::{Announcer, Change, CACHE_TTL},
        denylist::Denylist,
        marks::MarkStore,
        StoreError,
    },
};
use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
    time::Instant,
};

pub struct Revocation {
    denylist: Arc<dyn Denylist>,
    marks_store: Arc<dyn MarkStore>,
    marks: RwLock<HashMap<String, i64>>,
    /// When each username's mark was last read from the store.
    read_at: RwLock<HashMap<String, Instant>>,
    /// Tells the other server processes of a new mark, so their memory follows.
    announcer: Announcer,
}

impl Revocation {
    /// Load the not-before marks (keyed by username, the token's `sub`).
    pub async fn load(
        denylist: Arc<dyn Denylist>,
        marks_store: Arc<dyn MarkStore>,
        announcer: Announcer,
    ) -> Result<Self, StoreError> {
        let marks = marks_store.all().await?;
        Ok(Revocation {
            denylist,
            marks_store,
            marks: RwLock::new(marks.into_iter().collect()),
            read_at: RwLock::default(),
            announcer,
        })
    }

    /// Read every mark afresh (changes from other processes may have been missed).
    pub async fn reload_marks(&self) -> Result<(), StoreError> {
        let marks = self.marks_store.all().await?;
        *self.marks.write().expect("lock") = marks.into_iter().collect();
        self.read_at.write().expect("lock").clear();
        Ok(())
    }

    /// The mark for `username`, read again from the store when this process's copy is older
    /// than `CACHE_TTL` (the check a revocation-on account's token goes through, which looks the
    /// denylist up anyway). A store that does not answer leaves the copy in memory.
    pub async fn fresh_not_before(&self, username: &str) -> Option<i64> {
        let fresh = self
            .read_at
            .read()
            .expect("lock")
            .get(username)
            .is_some_and(|at| at.elapsed() < CACHE_TTL);
        if !fresh {
            let read_at = Instant::now();
            match self.marks_store.get(username).await {
                Ok(mark) => {
                    // Marks only ever move forward: a read racing a newer mark set here keeps
                    // the newer one (and a deleted account's row, gone, changes nothing).
                    if let Some(at) = mark {
                        let mut marks = self.marks.write().expect("lock");
                        let entry = marks.entry(username.to_string()).or_insert(at);
                        *entry = (*entry).max(at);
                    }
                    let mut times = self.read_at.write().expect("lock");
                    if times.len() >= 10_000 {
                        times.clear();
                    }
                    times.insert(username.to_string(), read_at);
                }
                Err(err) => {
                    tracing::warn!(target: "authlab::store", %err, "could not re-read a not-before mark");
                }
            }
        }
        self.not_before(username)
    }

    /// Put a token on the denylist until its `exp`.
    pub async fn deny(&self, jti: &str, user_id: i64, exp: i64) -> Result<(), StoreError> {
        self.denylist.deny(jti, user_id, exp).await
    }

    /// Is `jti` denied? Also returns the lookup's cost in microseconds.
    pub async fn is_denied(&self, jti: &str) -> Result<(bool, u64), StoreError> {
        let started = Instant::now();
        let denied = self.denylist.is_denied(jti).await?;
        Ok((denied, started.elapsed().as_micros() as u64))
    }

    /// Drop entries whose token has expired anyway.
    pub async fn purge_expired(&self) -> Result<u64, StoreError> {
        self.denylist.purge_expired(unix_now()).await
    }

    /// Refuse every token of `username` issued before now.
    pub async fn mark_not_before(&self, user_id: i64, username: &str) -> Result<i64, StoreError> {
        let now = unix_now();
        self.marks_store.set(user_id, now).await?;
        self.marked(username, now).await;
        Ok(now)
    }
    /// Called before issuing a token: if `username` has a mark in the current second, wait for
    /// the next one, so the new token's `iat` is after the mark (at most a second, and only right
    /// after a revocation event).
    pub async fn wait_past_mark(&self, username: &str) {
        if let Some(mark) = self.not_before(username) {
            let now_ms = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as i64);
            let next_second_ms = (mark + 1) * 1000;
            if now_ms < next_second_ms {
                let wait = (next_second_ms - now_ms) as u64 + 5;
                tokio::time::sleep(std::time::Duration::from_millis(wait)).await;
            }
        }
    }

    /// A mark already written to the store (in the caller's transaction): remember it, and tell
    /// the other processes.
    pub async fn marked(&self, username: &str, at: i64) {
        self.remember_mark(username, at);
        self.announcer
            .announce(Change::Mark {
                username: username.to_string(),
                at,
            })
            .await;
    }

    /// Record in memory a mark already stored (here, or by another process).
    pub fn remember_mark(&self, username: &str, at: i64) {
        self.marks
            .write()
            .expect("lock")
            .insert(username.to_string(), at);
    }

    /// Forget a deleted account's mark.
    pub fn forget(&self, username: &str) {
        self.marks.write().expect("lock").remove(username);
        self.read_at.write().expect("lock").remove(username);
    }

    /// The mark for `username`, if any (memory only).
    pub fn not_before(&self, username: &str) -> Option<i64> {
        self.marks.read().expect("lock").get(username).copied()
    }
}
