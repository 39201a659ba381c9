//! The vault on Redis: `bff:<key>`, a hash of the four fields, expiring by itself at its time.

use super::{BffVault, Held};
use crate::store::{redis::Redis, StoreError};
use async_trait::async_trait;

pub struct RedisBffVault {
    redis: Redis,
}

impl RedisBffVault {
    pub fn new(redis: Redis) -> Self {
        RedisBffVault { redis }
    }

    fn key(&self, key: &str) -> String {
        self.redis.key(&format!("bff:{key}"))
    }
}

#[async_trait]
impl BffVault for RedisBffVault {
    async fn put(&self, key: &str, held: &Held, until: i64) -> Result<(), StoreError> {
        let name = self.key(key);
        let () = redis::pipe()
            .atomic()
            .cmd("DEL")
            .arg(&name)
            .ignore()
            .cmd("HSET")
            .arg(&name)
            .arg("access")
            .arg(&held.access)
            .arg("access_exp")
            .arg(held.access_exp)
            .arg("refresh")
            .arg(&held.refresh)
            .arg("refresh_exp")
            .arg(held.refresh_exp)
            .ignore()
            .cmd("EXPIREAT")
            .arg(&name)
            // A time already past deletes the key at once: what is past its time is gone.
            .arg(until.saturating_add(1))
            .ignore()
            .query_async(&mut self.redis.conn())
            .await?;
        Ok(())
    }

    async fn get(&self, key: &str, _now: i64) -> Result<Option<Held>, StoreError> {
        let (access, access_exp, refresh, refresh_exp): (
            Option<String>,
            Option<i64>,
            Option<String>,
            Option<i64>,
        ) = redis::cmd("HMGET")
            .arg(self.key(key))
            .arg("access")
            .arg("access_exp")
            .arg("refresh")
            .arg("refresh_exp")
            .query_async(&mut self.redis.conn())
            .await?;
        Ok(match (access, access_exp, refresh, refresh_exp) {
            (Some(access), Some(access_exp), Some(refresh), Some(refresh_exp)) => Some(Held {
                access,
                access_exp,
                refresh,
                refresh_exp,
            }),
            _ => None,
        })
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        let _: i64 = redis::cmd("DEL")
            .arg(self.key(key))
            .query_async(&mut self.redis.conn())
            .await?;
        Ok(())
    }

    async fn purge_expired(&self, _now: i64) -> Result<u64, StoreError> {
        // Each entry expires by itself (`EXPIREAT`).
        Ok(0)
    }
}
