//! Replay captures on Redis, so a copy kept through one node can be replayed through another.
//! Keys (after the prefix): `cap:<handle>` (kind, owner, credential, until), and three sorted
//! sets: `cap-all` and `cap-owner:<id>` by order of capture (the caps drop the oldest first) and
//! `cap-until` by expiry (expired copies are pruned first). `keep` is one Lua script, so the caps
//! hold however many nodes keep copies at once.

use super::{CaptureStore, Kind, MAX_CAPTURES, MAX_PER_ACCOUNT};
use crate::store::{
    redis::{expire_at, Redis},
    StoreError,
};
use async_trait::async_trait;
use redis::Script;
use std::sync::LazyLock;

pub struct RedisCaptures {
    redis: Redis,
}

impl RedisCaptures {
    pub fn new(redis: Redis) -> Self {
        RedisCaptures { redis }
    }
}

/// ARGV: prefix, handle, kind, owner, credential, until, now, expire_at, per-account cap, total
/// cap. 1 when kept, 0 when the handle is taken.
static KEEP: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local p, h = ARGV[1], ARGV[2]
local all, untils = p .. 'cap-all', p .. 'cap-until'
local function drop(handle)
  local owner = redis.call('HGET', p .. 'cap:' .. handle, 'owner')
  redis.call('DEL', p .. 'cap:' .. handle)
  redis.call('ZREM', all, handle)
  redis.call('ZREM', untils, handle)
  if owner then redis.call('ZREM', p .. 'cap-owner:' .. owner, handle) end
end
if redis.call('EXISTS', p .. 'cap:' .. h) == 1 then return 0 end
for _, old in ipairs(redis.call('ZRANGEBYSCORE', untils, '-inf', ARGV[7])) do drop(old) end
local mine = p .. 'cap-owner:' .. ARGV[4]
if redis.call('ZCARD', mine) >= tonumber(ARGV[9]) then
  drop(redis.call('ZRANGE', mine, 0, 0)[1])
end
if redis.call('ZCARD', all) >= tonumber(ARGV[10]) then
  drop(redis.call('ZRANGE', all, 0, 0)[1])
end
local serial = redis.call('INCR', p .. 'cap-serial')
redis.call('HSET', p .. 'cap:' .. h, 'kind', ARGV[3], 'owner', ARGV[4], 'credential', ARGV[5],
  'until', ARGV[6])
redis.call('ZADD', all, serial, h)
redis.call('ZADD', mine, serial, h)
redis.call('ZADD', untils, ARGV[6], h)
for _, key in ipairs({p .. 'cap:' .. h, all, mine, untils, p .. 'cap-serial'}) do
  if redis.call('EXPIRETIME', key) < tonumber(ARGV[8]) then redis.call('EXPIREAT', key, ARGV[8]) end
end
return 1
",
    )
});

/// ARGV: prefix, owner. Drops every copy of the owner; returns how many.
static FORGET_OWNER: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local p = ARGV[1]
local mine = p .. 'cap-owner:' .. ARGV[2]
local handles = redis.call('ZRANGE', mine, 0, -1)
for _, handle in ipairs(handles) do
  redis.call('DEL', p .. 'cap:' .. handle)
  redis.call('ZREM', p .. 'cap-all', handle)
  redis.call('ZREM', p .. 'cap-until', handle)
end
redis.call('DEL', mine)
return #handles
",
    )
});

#[async_trait]
impl CaptureStore for RedisCaptures {
    async fn keep(
        &self,
        handle: &str,
        kind: Kind,
        owner: i64,
        credential: &str,
        until: i64,
        now: i64,
    ) -> Result<(), StoreError> {
        let kept: i64 = KEEP
            .arg(self.redis.prefix())
            .arg(handle)
            .arg(kind.as_str())
            .arg(owner)
            .arg(credential)
            .arg(until)
            .arg(now)
            .arg(expire_at(until, 60))
            .arg(MAX_PER_ACCOUNT)
            .arg(MAX_CAPTURES)
            .invoke_async(&mut self.redis.conn())
            .await?;
        match kept {
            1 => Ok(()),
            _ => Err(StoreError::Collision),
        }
    }

    async fn get(&self, handle: &str, now: i64) -> Result<Option<(Kind, String)>, StoreError> {
        let (kind, credential, until): (Option<String>, Option<String>, Option<i64>) =
            redis::cmd("HMGET")
                .arg(self.redis.key(&format!("cap:{handle}")))
                .arg(&["kind", "credential", "until"])
                .query_async(&mut self.redis.conn())
                .await?;
        let Some(kind) = kind.as_deref().and_then(Kind::parse) else {
            return Ok(None);
        };
        Ok(match (credential, until) {
            (Some(credential), Some(until)) if until > now => Some((kind, credential)),
            _ => None,
        })
    }

    async fn count(&self) -> Result<usize, StoreError> {
        Ok(redis::cmd("ZCARD")
            .arg(self.redis.key("cap-all"))
            .query_async(&mut self.redis.conn())
            .await?)
    }

    async fn forget_owner(&self, owner: i64) -> Result<usize, StoreError> {
        Ok(FORGET_OWNER
            .arg(self.redis.prefix())
            .arg(owner)
            .invoke_async(&mut self.redis.conn())
            .await?)
    }
}
