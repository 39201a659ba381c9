//! What cross-site links carried, for the forgery lesson (see `lab::cross_site_probe`): yes/no
//! facts under a random nonce the lesson made, few (`MAX_PROBES`) and short-lived (`KEEP_SECS`).
//! In this process's memory: a probe is read back by the page that started it, on this server.

use crate::wire::ProbeResult;
use std::{collections::HashMap, sync::Mutex};

const MAX_PROBES: usize = 2_000;
const KEEP_SECS: i64 = 600;

#[derive(Default)]
pub struct Probes {
    records: Mutex<HashMap<String, (ProbeResult, i64)>>,
}

impl Probes {
    /// Record what arrived for `nonce` at `now` (unix seconds).
    pub fn keep(&self, nonce: &str, result: ProbeResult, now: i64) {
        let mut records = self.records.lock().expect("lock");
        records.retain(|_, (_, at)| now - *at < KEEP_SECS);
        if records.len() >= MAX_PROBES && !records.contains_key(nonce) {
            return;
        }
        records.insert(nonce.to_string(), (result, now));
    }

    pub fn get(&self, nonce: &str) -> Option<ProbeResult> {
        self.records
            .lock()
            .expect("lock")
            .get(nonce)
            .map(|(result, _)| result.clone())
    }
}
