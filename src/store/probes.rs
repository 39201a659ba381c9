//! Records an experiment reads back later: what cross-site links carried, for the forgery lesson
//! (`lab::cross_site_probe`), and what the attack lab's XSS card's injected script got
//! (`lab::xss_victim`). In this process's memory, short-lived (`KEEP_SECS`) and few.
//!
//! A record belongs to the signed-in learner who started the run: `start` makes it under a fresh
//! random nonce, the server's and never the client's. What arrives from outside (a followed link,
//! the injected script's drop, the browser's CSP report) only fills in a record that exists, and
//! only its owner reads it back. So nobody signed out can fill the table, a learner can hold at
//! most `PER_ACCOUNT` records (starting another drops their own oldest), and when the table is
//! full the record that goes is the oldest of whoever holds the most: a classmate making records
//! in a loop pushes out their own, never another learner's. And nobody learns anything from a
//! nonce they planted: they cannot plant one.

use rand::RngCore;
use std::{collections::HashMap, sync::Mutex};

/// Records kept in all.
const MAX_RECORDS: usize = 2_000;
/// Records one account may hold at once.
pub const PER_ACCOUNT: usize = 8;
/// How long a record lives, in seconds.
const KEEP_SECS: i64 = 600;

struct Record<T> {
    owner: i64,
    started: i64,
    /// Order of starting, for "oldest first" within a second.
    serial: u64,
    /// Whether the one costly follow-up a record allows (the XSS drop's replay) was spent.
    spent: bool,
    value: T,
}

struct Records<T> {
    by_nonce: HashMap<String, Record<T>>,
    serial: u64,
}

pub struct Probes<T> {
    records: Mutex<Records<T>>,
}

impl<T> Default for Probes<T> {
    fn default() -> Self {
        Probes {
            records: Mutex::new(Records {
                by_nonce: HashMap::new(),
                serial: 0,
            }),
        }
    }
}

/// 128 random bits as 32 hex characters (what `lab::cross_site_probe::is_nonce` accepts).
fn new_nonce() -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl<T> Records<T> {
    /// The nonce of the oldest record among those `matching`.
    fn oldest(&self, matching: impl Fn(&Record<T>) -> bool) -> Option<String> {
        self.by_nonce
            .iter()
            .filter(|(_, record)| matching(record))
            .min_by_key(|(_, record)| (record.started, record.serial))
            .map(|(nonce, _)| nonce.clone())
    }

    /// The account holding the most records (ties: any of them).
    fn greediest(&self) -> Option<i64> {
        let mut held: HashMap<i64, usize> = HashMap::new();
        for record in self.by_nonce.values() {
            *held.entry(record.owner).or_default() += 1;
        }
        held.into_iter()
            .max_by_key(|(_, n)| *n)
            .map(|(owner, _)| owner)
    }
}

impl<T: Clone + Default> Probes<T> {
    /// A new, empty record of `owner` at `now` (unix seconds); its nonce.
    pub fn start(&self, owner: i64, now: i64) -> String {
        let mut records = self.records.lock().unwrap_or_else(|e| e.into_inner());
        records
            .by_nonce
            .retain(|_, record| now - record.started < KEEP_SECS);
        let held = records
            .by_nonce
            .values()
            .filter(|record| record.owner == owner)
            .count();
        if held >= PER_ACCOUNT {
            if let Some(nonce) = records.oldest(|record| record.owner == owner) {
                records.by_nonce.remove(&nonce);
            }
        }
        if records.by_nonce.len() >= MAX_RECORDS {
            if let Some(greediest) = records.greediest() {
                if let Some(nonce) = records.oldest(|record| record.owner == greediest) {
                    records.by_nonce.remove(&nonce);
                }
            }
        }
        records.serial += 1;
        let serial = records.serial;
        let nonce = new_nonce();
        records.by_nonce.insert(
            nonce.clone(),
            Record {
                owner,
                started: now,
                serial,
                spent: false,
                value: T::default(),
            },
        );
        nonce
    }

    /// Change the record of `nonce` if it exists and is still kept at `now`; whether it did.
    pub fn fill(&self, nonce: &str, now: i64, change: impl FnOnce(&mut T)) -> bool {
        let mut records = self.records.lock().unwrap_or_else(|e| e.into_inner());
        match records.by_nonce.get_mut(nonce) {
            Some(record) if now - record.started < KEEP_SECS => {
                change(&mut record.value);
                true
            }
            _ => false,
        }
    }

    /// Whether the record of `nonce` exists, is still kept, and has not spent its one costly
    /// follow-up yet; if so, that follow-up is now spent (so it happens at most once a record).
    pub fn spend(&self, nonce: &str, now: i64) -> bool {
        let mut records = self.records.lock().unwrap_or_else(|e| e.into_inner());
        match records.by_nonce.get_mut(nonce) {
            Some(record) if now - record.started < KEEP_SECS && !record.spent => {
                record.spent = true;
                true
            }
            _ => false,
        }
    }

    /// The record of `nonce`, to its owner only (anyone else: as if there were none).
    pub fn read(&self, nonce: &str, owner: i64, now: i64) -> Option<T> {
        let records = self.records.lock().unwrap_or_else(|e| e.into_inner());
        records
            .by_nonce
            .get(nonce)
            .filter(|record| record.owner == owner && now - record.started < KEEP_SECS)
            .map(|record| record.value.clone())
    }

    /// Whose record `nonce` is, if it is still kept at `now`.
    pub fn owner_of(&self, nonce: &str, now: i64) -> Option<i64> {
        let records = self.records.lock().unwrap_or_else(|e| e.into_inner());
        records
            .by_nonce
            .get(nonce)
            .filter(|record| now - record.started < KEEP_SECS)
            .map(|record| record.owner)
    }

    /// Is `nonce` a record still kept at `now` (whoever's it is)?
    pub fn exists(&self, nonce: &str, now: i64) -> bool {
        let records = self.records.lock().unwrap_or_else(|e| e.into_inner());
        records
            .by_nonce
            .get(nonce)
            .is_some_and(|record| now - record.started < KEEP_SECS)
    }

    /// Whether `nonce` is a record of `owner`'s still kept at `now`.
    pub fn owned_by(&self, nonce: &str, owner: i64, now: i64) -> bool {
        let records = self.records.lock().unwrap_or_else(|e| e.into_inner());
        records
            .by_nonce
            .get(nonce)
            .is_some_and(|record| record.owner == owner && now - record.started < KEEP_SECS)
    }

    /// How many records are kept.
    pub fn len(&self) -> usize {
        self.records
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .by_nonce
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_started_records_fill_and_only_their_owner_reads_them() {
        let probes = Probes::<u32>::default();
        let nonce = probes.start(7, 100);
        assert_eq!(nonce.len(), 32);
        assert!(!probes.fill("planted-by-someone-else", 100, |v| *v = 1));
        assert!(probes.fill(&nonce, 101, |v| *v = 5));
        assert_eq!(probes.read(&nonce, 7, 102), Some(5));
        assert_eq!(probes.read(&nonce, 8, 102), None, "another account");
        assert_eq!(probes.read(&nonce, 7, 100 + KEEP_SECS), None, "expired");
        assert!(probes.spend(&nonce, 103));
        assert!(!probes.spend(&nonce, 104), "once a record");
    }

    #[test]
    fn a_learner_filling_the_table_pushes_out_their_own_records_only() {
        let probes = Probes::<u32>::default();
        let mine: Vec<String> = (0..3).map(|i| probes.start(1, 100 + i)).collect();
        // A classmate with many accounts starts records in a loop.
        for i in 0..(MAX_RECORDS as i64 * 2) {
            probes.start(1_000 + i % 300, 200);
        }
        assert!(probes.len() <= MAX_RECORDS);
        for nonce in &mine {
            assert!(probes.exists(nonce, 300), "a learner's run survives");
        }
        // One account holds at most its own share; its oldest goes first.
        let first = probes.start(2, 300);
        for i in 0..PER_ACCOUNT as i64 {
            probes.start(2, 301 + i);
        }
        assert!(!probes.exists(&first, 400));
    }
}
