//! Replay captures in this process's memory: a map by handle, pruned of expired copies and
//! trimmed to the caps on every `keep`.

use super::{CaptureStore, Kind, MAX_CAPTURES, MAX_PER_ACCOUNT};
use crate::store::StoreError;
use async_trait::async_trait;
use std::{collections::HashMap, sync::Mutex};

struct Copy {
    kind: Kind,
    owner: i64,
    credential: String,
    /// Dropped after this (unix seconds): past it the credential could not work anyway.
    until: i64,
    /// Order of capture, for "oldest goes first".
    serial: u64,
}

/// The copies, by handle, and the next serial number.
#[derive(Default)]
pub struct MemoryCaptures {
    copies: Mutex<(HashMap<String, Copy>, u64)>,
}

fn oldest(copies: &HashMap<String, Copy>, of: Option<i64>) -> Option<String> {
    copies
        .iter()
        .filter(|(_, copy)| of.is_none_or(|owner| copy.owner == owner))
        .min_by_key(|(_, copy)| copy.serial)
        .map(|(handle, _)| handle.clone())
}

#[async_trait]
impl CaptureStore for MemoryCaptures {
    async fn keep(
        &self,
        handle: &str,
        kind: Kind,
        owner: i64,
        credential: &str,
        until: i64,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut guard = self.copies.lock().unwrap_or_else(|e| e.into_inner());
        let (copies, serial) = &mut *guard;
        if copies.contains_key(handle) {
            return Err(StoreError::Collision);
        }
        copies.retain(|_, copy| copy.until > now);
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
            handle.to_string(),
            Copy {
                kind,
                owner,
                credential: credential.to_string(),
                until,
                serial: *serial,
            },
        );
        Ok(())
    }

    async fn get(&self, handle: &str, now: i64) -> Result<Option<(Kind, String)>, StoreError> {
        let guard = self.copies.lock().unwrap_or_else(|e| e.into_inner());
        Ok(guard
            .0
            .get(handle)
            .filter(|copy| copy.until > now)
            .map(|copy| (copy.kind, copy.credential.clone())))
    }

    async fn count(&self) -> Result<usize, StoreError> {
        Ok(self
            .copies
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .0
            .len())
    }

    async fn forget_owner(&self, owner: i64) -> Result<usize, StoreError> {
        let mut guard = self.copies.lock().unwrap_or_else(|e| e.into_inner());
        let before = guard.0.len();
        guard.0.retain(|_, copy| copy.owner != owner);
        Ok(before - guard.0.len())
    }
}
