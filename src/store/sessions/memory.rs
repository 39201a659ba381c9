//! Sessions in this process's memory only: what a server without a shared store has. The scale
//! lab gives each node one, to show that a session made on one node is unknown to the others.
//! Bounded: past `MAX_RECORDS` live records, the one seen longest ago is ended.

use super::{SessionRecord, SessionStore};
use crate::store::StoreError;
use async_trait::async_trait;
use std::{collections::HashMap, sync::Mutex};

/// Most live records kept (a lab node serves a handful of learners).
const MAX_RECORDS: usize = 10_000;

#[derive(Default)]
struct State {
    records: HashMap<String, SessionRecord>,
    /// Whose an ended session was, and when it ended.
    ended: HashMap<String, (i64, i64)>,
}

#[derive(Default)]
pub struct MemorySessions {
    state: Mutex<State>,
}

impl MemorySessions {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl State {
    fn end(&mut self, key: &str, now: i64) -> Option<i64> {
        let record = self.records.remove(key)?;
        self.ended.insert(key.to_string(), (record.user_id, now));
        Some(record.user_id)
    }
}

#[async_trait]
impl SessionStore for MemorySessions {
    fn name(&self) -> &'static str {
        "this process's memory"
    }

    fn hit_sentence(&self) -> &'static str {
        "hit: this process's memory session store has a record for this id"
    }

    async fn create(&self, record: &SessionRecord) -> Result<(), StoreError> {
        let mut state = self.state();
        let taken = state.records.contains_key(&record.key)
            || state.records.values().any(|r| r.handle == record.handle);
        if taken {
            return Err(StoreError::Collision);
        }
        if state.records.len() >= MAX_RECORDS {
            let stalest = state
                .records
                .values()
                .min_by_key(|r| r.last_seen)
                .map(|r| r.key.clone());
            if let Some(key) = stalest {
                state.end(&key, record.created_at);
            }
        }
        state.records.insert(record.key.clone(), record.clone());
        Ok(())
    }

    async fn load(&self, key: &str) -> Result<Option<SessionRecord>, StoreError> {
        Ok(self.state().records.get(key).cloned())
    }

    async fn touch(&self, touches: &[(String, i64)]) -> Result<Vec<bool>, StoreError> {
        let mut state = self.state();
        Ok(touches
            .iter()
            .map(|(key, at)| match state.records.get_mut(key) {
                Some(record) => {
                    record.last_seen = record.last_seen.max(*at);
                    true
                }
                None => false,
            })
            .collect())
    }

    async fn end(&self, key: &str, now: i64) -> Result<Option<i64>, StoreError> {
        Ok(self.state().end(key, now))
    }

    async fn end_by_handle(
        &self,
        user_id: i64,
        handle: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        let mut state = self.state();
        let key = state
            .records
            .values()
            .find(|r| r.user_id == user_id && r.handle == handle)
            .map(|r| r.key.clone());
        Ok(key.is_some_and(|key| state.end(&key, now).is_some()))
    }

    async fn end_all_of(
        &self,
        user_id: i64,
        keep: Option<&str>,
        now: i64,
    ) -> Result<usize, StoreError> {
        let mut state = self.state();
        let keys: Vec<String> = state
            .records
            .values()
            .filter(|r| r.user_id == user_id && Some(r.key.as_str()) != keep)
            .map(|r| r.key.clone())
            .collect();
        Ok(keys.iter().filter_map(|key| state.end(key, now)).count())
    }

    async fn list_of(&self, user_id: i64) -> Result<Vec<SessionRecord>, StoreError> {
        let mut list: Vec<SessionRecord> = self
            .state()
            .records
            .values()
            .filter(|r| r.user_id == user_id)
            .cloned()
            .collect();
        list.sort_by(|a, b| (a.created_at, &a.key).cmp(&(b.created_at, &b.key)));
        Ok(list)
    }

    async fn end_expired(
        &self,
        idle_before: i64,
        created_before: i64,
        now: i64,
    ) -> Result<usize, StoreError> {
        let mut state = self.state();
        let keys: Vec<String> = state
            .records
            .values()
            .filter(|r| r.last_seen < idle_before || r.created_at < created_before)
            .map(|r| r.key.clone())
            .collect();
        Ok(keys.iter().filter_map(|key| state.end(key, now)).count())
    }

    async fn owner_of(&self, key: &str, ended_since: i64) -> Result<Option<i64>, StoreError> {
        let state = self.state();
        if let Some(record) = state.records.get(key) {
            return Ok(Some(record.user_id));
        }
        Ok(state
            .ended
            .get(key)
            .filter(|(_, at)| *at >= ended_since)
            .map(|(user_id, _)| *user_id))
    }

    async fn forget_ended(&self, before: i64) -> Result<u64, StoreError> {
        let mut state = self.state();
        let count = state.ended.len();
        state.ended.retain(|_, (_, at)| *at >= before);
        Ok((count - state.ended.len()) as u64)
    }
}
