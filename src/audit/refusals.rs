//! Refusals beyond the per-minute allowance, counted instead of written. Anyone can send refused
//! requests without limit (made-up tokens, replayed ended cookies), so past the allowance each one
//! only bumps a count keyed by the check that refused it and who sent it (the account when the
//! refusal names one, else the client address). The maintenance pass, once a minute, turns each
//! count into one row. The map itself is bounded: past `MAX_KEYS` distinct senders, the rest
//! share one count, so a botnet cannot grow it either.

use std::{collections::HashMap, sync::Mutex};

/// Most distinct (check, sender) counts kept between two summaries.
const MAX_KEYS: usize = 1024;
/// The key the counts past `MAX_KEYS` share.
const MANY: &str = "many senders";

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    /// The check that refused, or `None` when the entry names none.
    pub check: Option<String>,
    /// `account alice` or `client 192.0.2.7`.
    pub sender: String,
}

#[derive(Default)]
pub struct RefusalCounts {
    counts: Mutex<HashMap<Key, u64>>,
}

impl RefusalCounts {
    pub fn count(&self, key: Key) {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        let key = if counts.len() >= MAX_KEYS && !counts.contains_key(&key) {
            Key {
                check: None,
                sender: MANY.into(),
            }
        } else {
            key
        };
        *counts.entry(key).or_insert(0) += 1;
    }

    /// Refusals counted since the last `take`.
    pub fn total(&self) -> u64 {
        let counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        counts.values().sum()
    }

    /// The counts since the last call, emptied.
    pub fn take(&self) -> Vec<(Key, u64)> {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        let mut taken: Vec<(Key, u64)> = counts.drain().collect();
        taken.sort_by_key(|(_, count)| std::cmp::Reverse(*count));
        taken
    }
}

/// Allowed reads past the allowance, counted per account (bounded like the refusals). The
/// account's line (`account bob`) is written once, with its first count: the count itself is
/// made on every read a polling script sends, so it costs one lookup by number.
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
            let sender = if id == MANY_ID {
                MANY.to_string()
            } else {
                format!("account {}", crate::auth::echo::shown(name, 64))
            };
            (sender, 0)
        });
        *count += 1;
    }

    /// The counts since the last call (who, how many), most first, emptied.
    pub fn take(&self) -> Vec<(String, u64)> {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        let mut taken: Vec<(String, u64)> = counts.drain().map(|(_, line)| line).collect();
        taken.sort_by_key(|(_, count)| std::cmp::Reverse(*count));
        taken
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(check: &str, sender: &str) -> Key {
        Key {
            check: Some(check.into()),
            sender: sender.into(),
        }
    }

    #[test]
    fn counts_per_check_and_sender_and_empties_on_take() {
        let counts = RefusalCounts::default();
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
    fn reads_are_counted_per_account_and_bounded_like_refusals() {
        let counts = ReadCounts::default();
        for _ in 0..3 {
            counts.count(7, "bob");
        }
        counts.count(8, "al\u{202e}ice");
        let taken = counts.take();
        assert_eq!(taken[0], ("account bob".to_string(), 3));
        assert_eq!(taken[1].0, "account al\\u{202e}ice");
        assert!(counts.take().is_empty());
        for id in 0..(MAX_KEYS as i64 + 10) {
            counts.count(id, "someone");
        }
        let taken = counts.take();
        assert_eq!(taken.len(), MAX_KEYS + 1);
        assert!(taken.contains(&(MANY.to_string(), 10)));
    }

    #[test]
    fn a_flood_of_distinct_senders_shares_one_count_past_the_cap() {
        let counts = RefusalCounts::default();
        for i in 0..(MAX_KEYS + 500) {
            counts.count(key("format", &format!("client {i}")));
        }
        let taken = counts.take();
        assert_eq!(taken.len(), MAX_KEYS + 1);
        let many = taken.iter().find(|(k, _)| k.sender == MANY).unwrap();
        assert_eq!(many.1, 500);
    }
}
