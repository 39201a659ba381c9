//! The vault in this process's memory (the per-node store). Bounded by `MAX_ENTRIES`; past it
//! the entry nearest its end goes first.

use super::{BffVault, Held};
use crate::store::StoreError;
use async_trait::async_trait;
use std::{collections::HashMap, sync::Mutex};

const MAX_ENTRIES: usize = 50_000;

#[derive(Default)]
pub struct MemoryBffVault {
    entries: Mutex<HashMap<String, (Held, i64)>>,
}

#[async_trait]
impl BffVault for MemoryBffVault {
    async fn put(&self, key: &str, held: &Held, until: i64) -> Result<(), StoreError> {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= MAX_ENTRIES && !entries.contains_key(key) {
            let soonest = entries
                .iter()
                .min_by_key(|(_, (_, until))| *until)
                .map(|(key, _)| key.clone());
            if let Some(soonest) = soonest {
                entries.remove(&soonest);
            }
        }
        entries.insert(key.to_string(), (held.clone(), until));
        Ok(())
    }

    async fn get(&self, key: &str, now: i64) -> Result<Option<Held>, StoreError> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        Ok(entries
            .get(key)
            .filter(|(_, until)| *until >= now)
            .map(|(held, _)| held.clone()))
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.remove(key);
        Ok(())
    }

    async fn purge_expired(&self, now: i64) -> Result<u64, StoreError> {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let before = entries.len();
        entries.retain(|_, (_, until)| *until >= now);
        Ok((before - entries.len()) as u64)
    }
}
