//! The credentials the lab keeps for replay experiments (see `lab::replay`): a session id or a
//! refresh token copied while it was live, under a random handle, so a later replay can play the
//! thief. Bounded: at most `MAX_PER_ACCOUNT` per account (the oldest of that account goes first)
//! and `MAX_CAPTURES` in all, each kept no longer than the credential could live.

use crate::{auth::csrf, db::unix_now};
use std::{collections::HashMap, sync::Mutex};

/// How many copies the server keeps at most; the oldest goes first.
const MAX_CAPTURES: usize = 2_000;
/// How many copies one account may hold; its oldest goes first.
const MAX_PER_ACCOUNT: usize = 16;

/// What a copy is of, and so what replaying it sends.
#[derive(Clone, Copy)]
pub enum Kind {
    /// A session id: replayed as `GET /api/me` with the session cookie.
    Session,
    /// A refresh token: replayed as `POST /api/jwt/refresh` with the refresh cookie.
    Refresh,
}

struct Copy {
    kind: Kind,
    owner: i64,
    credential: String,
    /// Dropped after this (unix seconds): past it the credential could not work anyway.
    until: i64,
    /// Order of capture, for "oldest goes first".
    serial: u64,
}

/// The copies, by handle.
#[derive(Default)]
pub struct Captures {
    copies: Mutex<(HashMap<String, Copy>, u64)>,
}

impl Captures {
    pub fn keep(&self, kind: Kind, owner: i64, credential: String, keep_secs: i64) -> String {
        let handle = csrf::new_token();
        let now = unix_now();
        let mut guard = self.copies.lock().expect("lock");
        let (copies, serial) = &mut *guard;
        copies.retain(|_, copy| copy.until > now);
        let oldest = |copies: &HashMap<String, Copy>, of: Option<i64>| {
            copies
                .iter()
                .filter(|(_, copy)| of.is_none_or(|owner| copy.owner == owner))
                .min_by_key(|(_, copy)| copy.serial)
                .map(|(handle, _)| handle.clone())
        };
        if copies.values().filter(|copy| copy.owner == owner).count() >= MAX_PER_ACCOUNT {
            if let Some(handle) = oldest(copies, Some(owner)) {
                copies.remove(&handle);
            }
        }
        if copies.len() >= MAX_CAPTURES {
            if let Some(handle) = oldest(copies, None) {
                copies.remove(&handle);
            }
        }
        *serial += 1;
        copies.insert(
            handle.clone(),
            Copy {
                kind,
                owner,
                credential,
                until: now.saturating_add(keep_secs),
                serial: *serial,
            },
        );
        handle
    }

    pub fn get(&self, handle: &str) -> Option<(Kind, String)> {
        let guard = self.copies.lock().expect("lock");
        guard
            .0
            .get(handle)
            .filter(|copy| copy.until > unix_now())
            .map(|copy| (copy.kind, copy.credential.clone()))
    }

    /// How many copies are held (tests check the caps with it).
    pub fn len(&self) -> usize {
        self.copies.lock().expect("lock").0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::{Captures, Kind, MAX_CAPTURES, MAX_PER_ACCOUNT};

    #[test]
    fn capture_spam_from_many_accounts_never_holds_more_than_the_total_cap() {
        let captures = Captures::default();
        let mut newest = String::new();
        for i in 0..(MAX_CAPTURES as i64 + 300) {
            // A fresh owner each time: only the total cap can bound this.
            newest = captures.keep(Kind::Session, i, format!("id-{i}"), 600);
        }
        let held = captures.copies.lock().unwrap().0.len();
        assert_eq!(held, MAX_CAPTURES);
        assert!(captures.get(&newest).is_some(), "the newest copy is kept");
    }

    #[test]
    fn one_account_holds_at_most_its_own_cap_oldest_out_first() {
        let captures = Captures::default();
        let first = captures.keep(Kind::Refresh, 7, "first".into(), 600);
        for i in 0..MAX_PER_ACCOUNT {
            captures.keep(Kind::Refresh, 7, format!("r-{i}"), 600);
        }
        assert!(captures.get(&first).is_none(), "the oldest went first");
        let held = captures.copies.lock().unwrap().0.len();
        assert_eq!(held, MAX_PER_ACCOUNT);
    }
}
