//! The denylist in this process's memory only: a logout on one node is unknown to the others,
//! which is what the scale lab's per-node store shows. Bounded by the tokens' `exp` (purged by
//! maintenance) and by `MAX_ENTRIES` (past it, the entry nearest its `exp` goes first).

use super::Denylist;
use crate::store::StoreError;
use async_trait::async_trait;
use std::{collections::HashMap, sync::Mutex};

const MAX_ENTRIES: usize = 100_000;

#[derive(Default)]
pub struct MemoryDenylist {
    /// jti → exp.
    entries: Mutex<HashMap<String, i64>>,
}

#[async_trait]
impl Denylist for MemoryDenylist {
    async fn deny(&self, jti: &str, _user_id: i64, exp: i64) -> Result<(), StoreError> {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= MAX_ENTRIES && !entries.contains_key(jti) {
            let soonest = entries
                .iter()
                .min_by_key(|(_, exp)| **exp)
                .map(|(jti, _)| jti.clone());
            if let Some(soonest) = soonest {
                entries.remove(&soonest);
            }
        }
        entries.entry(jti.to_string()).or_insert(exp);
        Ok(())
    }

    async fn is_denied(&self, jti: &str) -> Result<bool, StoreError> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        Ok(entries.contains_key(jti))
    }

    async fn purge_expired(&self, now: i64) -> Result<u64, StoreError> {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let before = entries.len();
        entries.retain(|_, exp| *exp >= now);
        Ok((before - entries.len()) as u64)
    }
}
