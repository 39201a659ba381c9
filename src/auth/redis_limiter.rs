//! Rate-limit buckets on Redis, so a limit holds across every server process sharing the lab (a
//! guesser spreading attempts over three nodes still meets one bucket). The same algorithm as the
//! in-process buckets (GCRA, `rate_limit`), as one Lua script: each key keeps its "theoretical
//! arrival time" in milliseconds of Redis' own clock (`TIME`, one clock for every node), and
//! expires when its bucket is full again.

use super::rate_limit::{Limiter, Limits};
use crate::{
    settings::rate::{Rate, RetryAfter},
    store::redis::Redis,
};
use async_trait::async_trait;
use redis::Script;
use std::{sync::LazyLock, time::Duration};

/// Keys are capped, as in process: a 10 KB "username" is one bucket of 64 characters.
const KEY_CHARS: usize = 64;

pub struct RedisLimiter {
    redis: Redis,
    /// `<prefix>rl:<name>:`, before each key.
    start: String,
    /// Milliseconds between two attempts at the steady rate.
    interval_ms: u64,
    /// How far ahead of now the arrival time may run: a burst.
    tolerance_ms: u64,
}

impl RedisLimiter {
    pub fn new(redis: Redis, name: &str, rate: Rate) -> Self {
        let burst = u64::from(rate.burst.max(1));
        let interval_ms = (rate.period.as_millis() as u64 / burst).max(1);
        RedisLimiter {
            start: redis.key(&format!("rl:{name}:")),
            redis,
            interval_ms,
            tolerance_ms: interval_ms * (burst - 1),
        }
    }
}

/// KEYS[1]: the bucket. ARGV: interval, tolerance (ms). 0 when allowed, else the wait in ms.
static TAKE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval, tolerance = tonumber(ARGV[1]), tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
if tat - tolerance > now then return tat - tolerance - now end
local next = tat + interval
redis.call('SET', KEYS[1], next, 'PX', next - now)
return 0
",
    )
});

#[async_trait]
impl Limiter for RedisLimiter {
    async fn check(&self, key: &str) -> Result<(), RetryAfter> {
        let key: String = key.chars().take(KEY_CHARS).collect();
        let waited: Result<u64, redis::RedisError> = TAKE
            .key(format!("{}{key}", self.start))
            .arg(self.interval_ms)
            .arg(self.tolerance_ms)
            .invoke_async(&mut self.redis.conn())
            .await;
        match waited {
            Ok(0) => Ok(()),
            Ok(ms) => Err(RetryAfter(Duration::from_millis(ms))),
            // Fail closed: with no bucket to consult, an attempt is not let through (a password
            // guesser would love an outage); the client is asked to retry in a second.
            Err(err) => {
                tracing::warn!(target: "authlab::rate_limit", %err, "rate-limit store unavailable");
                Err(RetryAfter(Duration::from_secs(1)))
            }
        }
    }

    /// Nothing to do: each bucket expires by itself once full again.
    fn forget_idle(&self) {}
}

impl Limits {
    /// The buckets in Redis, shared by every process of the lab. The login back-off (failures in
    /// a row) stays in each process.
    pub fn shared(settings: &crate::settings::LimitSettings, redis: &Redis) -> Self {
        Self::with(settings, |name, rate| {
            Box::new(RedisLimiter::new(redis.clone(), name, rate))
        })
    }
}
