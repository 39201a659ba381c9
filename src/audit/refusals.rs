//! Rows beyond an allowance, counted instead of written. Anyone can send refused requests without
//! limit (made-up tokens, replayed ended cookies), and a signed-in learner can send allowed ones
//! without limit (a polling script, a loop of writes), so past the allowance each one only bumps
//! a count. The maintenance pass, once a minute, turns each count into one row: attributed to the
//! account it counts (so the account's owner sees it, and retention keeps it with the account's
//! history), keyed by the facts a decision is judged on (allowed or refused, the check that
//! refused it, whether checks were switched off). The maps themselves are bounded: past
//! `MAX_KEYS` distinct keys, the rest share one count, so a botnet cannot grow them either.

use std::{collections::HashMap, sync::Mutex};

/// Most distinct counts kept between two summaries.
const MAX_KEYS: usize = 1024;
/// The sender the counts past `MAX_KEYS` share.
const MANY: &str = "many senders";

/// What a counted row was: who, and what was decided.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    /// The account the rows name, if any (id and name): the summary row is filed under it.
    pub account: Option<(i64, String)>,
    /// `account bob`, `client 192.0.2.7` or `many senders`, for the summary's sentence.
    pub sender: String,
    pub allowed: bool,
    /// The check that refused, or `None` when the entry names none.
    pub check: Option<String>,
    /// Allowed only because the account switched checks off.
    pub checks_off: bool,
}

#[derive(Default)]
pub struct Counts {
    counts: Mutex<HashMap<Key, u64>>,
}

impl Counts {
    pub fn count(&self, key: Key) {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        let key = if counts.len() >= MAX_KEYS && !counts.contains_key(&key) {
            Key {
                account: None,
                sender: MANY.into(),
                allowed: key.allowed,
                check: None,
                checks_off: false,
            }
        } else {
            key
        };
        *counts.entry(key).or_insert(0) += 1;
    }

    /// Rows counted since the last `take`.
    pub fn total(&self) -> u64 {
        let counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        counts.values().sum()
    }

    /// The counts since the last call, most first, emptied.
    pub fn take(&self) -> Vec<(Key, u64)> {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        let mut taken: Vec<(Key, u64)> = counts.drain().collect();
        taken.sort_by_key(|(_, count)| std::cmp::Reverse(*count));
        taken
    }
}

/// Allowed reads past the allowance, counted per account (bounded like the others). The count
/// is made on every read a polling script sends, so it costs one lookup by number; the account's
/// name is copied once, with its first count.
#[derive(Default)]
pub struct ReadCounts {
    counts: Mutex<HashMap<i64, (String, u64)>>,
}

/// The key the counts past `MAX_KEYS` share (no account has it).
const MANY_ID: i64 = i64::MIN;

impl ReadCounts {
    pub fn count(&self, id: i64, name: &str) {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        let id = if counts.len() >= MAX_KEYS && !counts.contains_key(&id) {
            MANY_ID
        } else {
            id
        };
        let (_, count) = counts.entry(id).or_insert_with(|| {
            let name = if id == MANY_ID {
                MANY.to_string()
            } else {
                crate::logging::echo::shown(name, 64)
            };
            (name, 0)
        });
        *count += 1;
    }

    /// The counts since the last call: (the account, if one, with its name; how many), most
    /// first, emptied.
    pub fn take(&self) -> Vec<(Option<(i64, String)>, u64)> {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        let mut taken: Vec<(Option<(i64, String)>, u64)> = counts
            .drain()
            .map(|(id, (name, count))| ((id != MANY_ID).then_some((id, name)), count))
            .collect();
        taken.sort_by_key(|(_, count)| std::cmp::Reverse(*count));
        taken
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(check: &str, sender: &str) -> Key {
        Key {
            account: None,
            sender: sender.into(),
            allowed: false,
            check: Some(check.into()),
            checks_off: false,
        }
    }

    #[test]
    fn counts_per_key_and_empties_on_take() {
        let counts = Counts::default();
        for _ in 0..3 {
            counts.count(key("format", "client 10.0.0.1"));
        }
        counts.count(key("signature", "client 10.0.0.1"));
        assert_eq!(counts.total(), 4);
        let taken = counts.take();
        assert_eq!(taken[0], (key("format", "client 10.0.0.1"), 3));
        assert_eq!(taken.len(), 2);
        assert_eq!(counts.total(), 0);
    }

    #[test]
    fn past_the_key_cap_the_rest_share_one_count() {
        let counts = Counts::default();
        for i in 0..(MAX_KEYS + 50) {
            counts.count(key(
                "format",
                &format!("client 10.0.{}.{}", i / 256, i % 256),
            ));
        }
        let taken = counts.take();
        assert_eq!(taken.len(), MAX_KEYS + 1);
        let many = taken.iter().find(|(k, _)| k.sender == MANY).unwrap();
        assert_eq!(many.1, 50);
    }

    #[test]
    fn reads_are_counted_per_account_and_bounded_like_the_rest() {
        let counts = ReadCounts::default();
        for _ in 0..3 {
            counts.count(7, "bob");
        }
        counts.count(8, "al\u{202e}ice");
        let taken = counts.take();
        assert_eq!(taken[0], (Some((7, "bob".to_string())), 3));
        assert_eq!(taken[1].0, Some((8, "al\\u{202e}ice".to_string())));
        assert!(counts.take().is_empty());
        for id in 0..(MAX_KEYS as i64 + 10) {
            counts.count(id, "someone");
        }
        let taken = counts.take();
        assert_eq!(taken.len(), MAX_KEYS + 1);
        assert!(taken
            .iter()
            .any(|(account, n)| account.is_none() && *n == 10));
    }
}
