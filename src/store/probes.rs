//! Records a page's experiment reads back under a random nonce it made: what cross-site links
//! carried, for the forgery lesson (see `lab::cross_site_probe`), and what the attack lab's XSS
//! card's injected script got (`lab::xss_victim`). Few (`MAX_PROBES`) and short-lived
//! (`KEEP_SECS`), in this process's memory: a record is read back by the page that started it.

use crate::wire::ProbeResult;
use std::{collections::HashMap, sync::Mutex};

const MAX_PROBES: usize = 2_000;
const KEEP_SECS: i64 = 600;

pub struct Probes<T = ProbeResult> {
    records: Mutex<HashMap<String, (T, i64)>>,
}

impl<T> Default for Probes<T> {
    fn default() -> Self {
        Probes {
            records: Mutex::new(HashMap::new()),
        }
    }
}

impl<T: Clone + Default> Probes<T> {
    /// Change the record of `nonce` at `now` (unix seconds), starting from an empty one.
    pub fn update(&self, nonce: &str, now: i64, change: impl FnOnce(&mut T)) {
        let mut records = self.records.lock().expect("lock");
        records.retain(|_, (_, at)| now - *at < KEEP_SECS);
        if records.len() >= MAX_PROBES && !records.contains_key(nonce) {
            return;
        }
        let (record, _) = records
            .entry(nonce.to_string())
            .or_insert_with(|| (T::default(), now));
        change(record);
    }

    /// Record what arrived for `nonce` at `now` (unix seconds).
    pub fn keep(&self, nonce: &str, result: T, now: i64) {
        let mut records = self.records.lock().expect("lock");
        records.retain(|_, (_, at)| now - *at < KEEP_SECS);
        if records.len() >= MAX_PROBES && !records.contains_key(nonce) {
            return;
        }
        records.insert(nonce.to_string(), (result, now));
    }

    pub fn get(&self, nonce: &str) -> Option<T> {
        self.records
            .lock()
            .expect("lock")
            .get(nonce)
            .map(|(result, _)| result.clone())
    }
}
