//! The replay cache in this process's memory: for the per-node store (`[store] url = "memory"`),
//! where nothing is shared and a replay to another node is not seen (the scale lab shows it).
//! Bounded per key (`cap`) and by `MAX_KEYS`; past it the key whose entries end soonest goes.

use super::ProofJtis;
use crate::store::StoreError;
use async_trait::async_trait;
use std::{
    collections::{BTreeMap, HashMap},
    sync::Mutex,
};

const MAX_KEYS: usize = 20_000;

/// One key's remembered proofs: jti → until.
type Seen = BTreeMap<String, i64>;

#[derive(Default)]
pub struct MemoryProofJtis {
    keys: Mutex<HashMap<String, Seen>>,
}

#[async_trait]
impl ProofJtis for MemoryProofJtis {
    async fn first_use(
        &self,
        jkt: &str,
        jti: &str,
        until: i64,
        cap: usize,
        _now: i64,
    ) -> Result<bool, StoreError> {
        let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        if !keys.contains_key(jkt) && keys.len() >= MAX_KEYS {
            let soonest = keys
                .iter()
                .min_by_key(|(_, seen)| seen.values().max().copied().unwrap_or(i64::MIN))
                .map(|(jkt, _)| jkt.clone());
            if let Some(soonest) = soonest {
                keys.remove(&soonest);
            }
        }
        let seen = keys.entry(jkt.to_string()).or_default();
        if seen.contains_key(jti) {
            return Ok(false);
        }
        seen.insert(jti.to_string(), until);
        while seen.len() > cap {
            let Some(soonest) = seen
                .iter()
                .min_by_key(|(_, until)| **until)
                .map(|(j, _)| j.clone())
            else {
                break;
            };
            seen.remove(&soonest);
        }
        Ok(true)
    }

    async fn purge_expired(&self, now: i64) -> Result<u64, StoreError> {
        let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        let mut gone = 0;
        keys.retain(|_, seen| {
            let before = seen.len();
            seen.retain(|_, until| *until >= now);
            gone += (before - seen.len()) as u64;
            !seen.is_empty()
        });
        Ok(gone)
    }

    async fn count(&self, jkt: &str, now: i64) -> Result<u64, StoreError> {
        let keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        Ok(keys.get(jkt).map_or(0, |seen| {
            seen.values().filter(|until| **until >= now).count() as u64
        }))
    }
}
