//! Refresh tokens in this process's memory only (the scale lab's per-node store): a token issued
//! by one node is unknown to the others. One lock makes `rotate` atomic within the process.
//! Bounded: past `MAX_TOKENS`, the token that expires soonest goes first.

use super::{NewToken, RefreshStore, StoredToken, Successor, Won};
use crate::store::StoreError;
use async_trait::async_trait;
use std::{collections::HashMap, sync::Mutex};

const MAX_TOKENS: usize = 100_000;

#[derive(Default)]
pub struct MemoryRefresh {
    tokens: Mutex<HashMap<String, StoredToken>>,
}

impl MemoryRefresh {
    fn tokens(&self) -> std::sync::MutexGuard<'_, HashMap<String, StoredToken>> {
        self.tokens.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn insert_in(
    tokens: &mut HashMap<String, StoredToken>,
    token: &NewToken,
) -> Result<(), StoreError> {
    if tokens.contains_key(&token.hash) {
        return Err(StoreError::Collision);
    }
    if tokens.len() >= MAX_TOKENS {
        let soonest = tokens
            .iter()
            .min_by_key(|(_, t)| t.expires_at)
            .map(|(hash, _)| hash.clone());
        if let Some(soonest) = soonest {
            tokens.remove(&soonest);
        }
    }
    tokens.insert(
        token.hash.clone(),
        StoredToken {
            family: token.family.clone(),
            user_id: token.user_id,
            expires_at: token.expires_at,
            used_at: None,
            revoked_at: None,
            family_started_at: token.family_started_at,
        },
    );
    Ok(())
}

fn revoke(
    tokens: &mut HashMap<String, StoredToken>,
    which: impl Fn(&StoredToken) -> bool,
    now: i64,
) -> u64 {
    let mut revoked = 0;
    for token in tokens.values_mut() {
        if which(token) && token.revoked_at.is_none() {
            token.revoked_at = Some(now);
            revoked += 1;
        }
    }
    revoked
}

#[async_trait]
impl RefreshStore for MemoryRefresh {
    async fn insert(&self, token: &NewToken) -> Result<(), StoreError> {
        insert_in(&mut self.tokens(), token)
    }

    async fn rotate(
        &self,
        hash: &str,
        now: i64,
        started_after: i64,
        successor: Successor<'_>,
    ) -> Result<Option<Won>, StoreError> {
        let mut tokens = self.tokens();
        let Some(token) = tokens.get(hash) else {
            return Ok(None);
        };
        let family = token.family.clone();
        let live = token.used_at.is_none()
            && token.revoked_at.is_none()
            && token.expires_at > now
            && token.family_started_at > started_after;
        let family_revoked = tokens
            .values()
            .any(|t| t.family == family && t.revoked_at.is_some());
        if !live || family_revoked {
            return Ok(None);
        }
        let won = Won {
            family,
            user_id: token.user_id,
            family_started_at: token.family_started_at,
        };
        insert_in(&mut tokens, &successor(&won))?;
        if let Some(token) = tokens.get_mut(hash) {
            token.used_at = Some(now);
        }
        Ok(Some(won))
    }

    async fn find(&self, hash: &str) -> Result<Option<StoredToken>, StoreError> {
        Ok(self.tokens().get(hash).cloned())
    }

    async fn owner_of_live(&self, hash: &str, now: i64) -> Result<Option<i64>, StoreError> {
        Ok(self
            .tokens()
            .get(hash)
            .filter(|t| t.used_at.is_none() && t.revoked_at.is_none() && t.expires_at > now)
            .map(|t| t.user_id))
    }

    async fn revoke_family(&self, family: &str, now: i64) -> Result<u64, StoreError> {
        Ok(revoke(&mut self.tokens(), |t| t.family == family, now))
    }

    async fn revoke_user(&self, user_id: i64, now: i64) -> Result<u64, StoreError> {
        Ok(revoke(&mut self.tokens(), |t| t.user_id == user_id, now))
    }

    async fn reuse_detected(&self, family: &str, user_id: i64, now: i64) -> Result<(), StoreError> {
        revoke(&mut self.tokens(), |t| t.family == family, now);
        tracing::warn!(target: "authlab::refresh", user_id, "refresh token reuse: family revoked");
        Ok(())
    }
}
