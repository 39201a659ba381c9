//! The replay cache on Redis: one sorted set per key, `dpop:<jkt>`, its members the `jti`s
//! scored by when each may be forgotten. One script checks, adds, trims the set to its cap and
//! drops what is past its time, atomically, so every node sharing the Redis sees every proof.
//! The set expires by itself after its last entry's time: there is nothing for a purge to do.

use super::ProofJtis;
use crate::store::{redis::Redis, StoreError};
use async_trait::async_trait;
use redis::Script;
use std::sync::LazyLock;

pub struct RedisProofJtis {
    redis: Redis,
}

impl RedisProofJtis {
    pub fn new(redis: Redis) -> Self {
        RedisProofJtis { redis }
    }
}

/// ARGV: prefix, jkt, jti, until, now, cap. 1: new (remembered); 0: seen before.
static FIRST_USE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local k = ARGV[1] .. 'dpop:' .. ARGV[2]
redis.call('ZREMRANGEBYSCORE', k, '-inf', '(' .. ARGV[5])
if redis.call('ZSCORE', k, ARGV[3]) then
  return 0
end
redis.call('ZADD', k, ARGV[4], ARGV[3])
local cap = tonumber(ARGV[6])
local n = redis.call('ZCARD', k)
if n > cap then
  redis.call('ZREMRANGEBYRANK', k, 0, n - cap - 1)
end
if redis.call('EXPIRETIME', k) < tonumber(ARGV[4]) + 1 then
  redis.call('EXPIREAT', k, tonumber(ARGV[4]) + 1)
end
return 1
",
    )
});

#[async_trait]
impl ProofJtis for RedisProofJtis {
    async fn first_use(
        &self,
        jkt: &str,
        jti: &str,
        until: i64,
        cap: usize,
        now: i64,
    ) -> Result<bool, StoreError> {
        let new: i64 = FIRST_USE
            .arg(self.redis.prefix())
            .arg(jkt)
            .arg(jti)
            .arg(until)
            .arg(now)
            .arg(cap)
            .invoke_async(&mut self.redis.conn())
            .await?;
        Ok(new == 1)
    }

    async fn purge_expired(&self, _now: i64) -> Result<u64, StoreError> {
        // Each set trims itself on use and expires after its last entry (`EXPIREAT`).
        Ok(0)
    }

    async fn count(&self, jkt: &str, now: i64) -> Result<u64, StoreError> {
        // Entries past their time are gone as far as anyone can tell, trimmed or not.
        let n: u64 = redis::cmd("ZCOUNT")
            .arg(self.redis.key(&format!("dpop:{jkt}")))
            .arg(now)
            .arg("+inf")
            .query_async(&mut self.redis.conn())
            .await?;
        Ok(n)
    }
}
