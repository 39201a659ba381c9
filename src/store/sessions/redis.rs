//! The session store on Redis, for several server processes sharing one lab. Keys (after the
//! prefix):
//! - `rec:<key>`: the record, the `SessionRecord` fields but the key as one JSON string, readable
//!   with `redis-cli GET`. It was a hash under `s:<key>` before; the new name means a server
//!   upgraded over a live Redis finds the old records absent (their cookies ask for a new login)
//!   rather than of the wrong type (an error on every request that sends one);
//! - `h:<handle>`: the key a public handle names (handles are unique, like the SQLite column);
//! - `u:<user id>`: a sorted set of the user's keys by `created_at` (list, revoke all);
//! - `seen`, `created`: sorted sets of every key by `last_seen` and `created_at`, so expiry by
//!   idle time or by age finds its records without a scan;
//! - `ended` (key → when it ended) and `ended-owner` (key → user id): whose a dead id was.
//!
//! Every change is one Lua script, so `end` deletes and remembers in one step, and `touch`
//! never writes back a record ended meanwhile, exactly as the SQLite store's transactions do.
//!
//! One string rather than a hash of seven fields because every request with a session cookie
//! reads the record: a `GET` costs Redis a fifth of an `HMGET` of seven fields (0.16 µs against
//! 0.84 in `redis-benchmark` here), and the reply is one string to read rather than seven
//! (scripts/bench/profile.sh measured the lookup). The scripts that change a record, off the
//! request path, decode and encode it with Redis' own `cjson`.

use super::{SessionRecord, SessionStore};
use crate::store::{
    redis::{expire_at, Redis},
    StoreError,
};
use async_trait::async_trait;
use redis::Script;
use std::sync::LazyLock;

pub struct RedisSessions {
    redis: Redis,
    /// How long a record may live (the absolute timeout): its key's expiry.
    lifetime_secs: i64,
    /// How long whose an ended session was is remembered.
    memory_secs: i64,
}

impl RedisSessions {
    pub fn new(redis: Redis, lifetime_secs: i64, memory_secs: i64) -> Self {
        RedisSessions {
            redis,
            lifetime_secs,
            memory_secs,
        }
    }

    /// When the memory of sessions ended at `now` may go.
    fn memory_until(&self, now: i64) -> i64 {
        expire_at(now + self.memory_secs, self.lifetime_secs)
    }
}

/// Shared by every script:
/// - `record(p, k)`: the record at `rec:<k>` decoded, or nil;
/// - `id(n)`: a number as the decimal string Rust wrote (Lua's own `tostring` may write `1e+15`);
/// - `end_one(p, key, now, keep_until)` deletes the record and its indexes and remembers its
///   owner; returns the owner's id, or false if there was none.
const END_ONE: &str = r"
local function record(p, k)
  local v = redis.call('GET', p .. 'rec:' .. k)
  if v then return cjson.decode(v) end
  return nil
end
local function id(n)
  return string.format('%d', n)
end
local function end_one(p, k, now, keep_until)
  local r = record(p, k)
  redis.call('ZREM', p .. 'seen', k)
  redis.call('ZREM', p .. 'created', k)
  if not r then return false end
  local owner = id(r.user_id)
  redis.call('DEL', p .. 'rec:' .. k, p .. 'h:' .. r.handle)
  redis.call('ZREM', p .. 'u:' .. owner, k)
  redis.call('ZADD', p .. 'ended', now, k)
  redis.call('HSET', p .. 'ended-owner', k, owner)
  redis.call('EXPIREAT', p .. 'ended', keep_until)
  redis.call('EXPIREAT', p .. 'ended-owner', keep_until)
  return owner
end
";

fn script(body: &str) -> Script {
    Script::new(&format!("{END_ONE}{body}"))
}

/// ARGV: prefix, key, the record (JSON), handle, user_id, created_at, last_seen,
/// expire_at. 1 when created, 0 when the key or the handle is taken.
static CREATE: LazyLock<Script> = LazyLock::new(|| {
    script(
        r"
local p, k = ARGV[1], ARGV[2]
local s, h, u = p .. 'rec:' .. k, p .. 'h:' .. ARGV[4], p .. 'u:' .. ARGV[5]
if redis.call('EXISTS', s) == 1 or redis.call('EXISTS', h) == 1 then return 0 end
redis.call('SET', s, ARGV[3])
redis.call('SET', h, k)
redis.call('ZADD', u, ARGV[6], k)
redis.call('ZADD', p .. 'seen', ARGV[7], k)
redis.call('ZADD', p .. 'created', ARGV[6], k)
for _, key in ipairs({s, h, u, p .. 'seen', p .. 'created'}) do
  redis.call('EXPIREAT', key, ARGV[8])
end
return 1
",
    )
});

/// ARGV: prefix, then (key, at) pairs. Per pair, 1 if the record was there (last_seen moved
/// forward, never back), 0 if not (nothing written).
static TOUCH: LazyLock<Script> = LazyLock::new(|| {
    script(
        r"
local p, found = ARGV[1], {}
for i = 2, #ARGV, 2 do
  local k, at = ARGV[i], ARGV[i + 1]
  local r = record(p, k)
  if r then
    if tonumber(at) > r.last_seen then
      r.last_seen = tonumber(at)
      redis.call('SET', p .. 'rec:' .. k, cjson.encode(r), 'KEEPTTL')
      redis.call('ZADD', p .. 'seen', at, k)
    end
    found[#found + 1] = 1
  else
    found[#found + 1] = 0
  end
end
return found
",
    )
});

/// ARGV: prefix, key, now, until. The owner's id, or nil.
static END: LazyLock<Script> =
    LazyLock::new(|| script("return end_one(ARGV[1], ARGV[2], ARGV[3], ARGV[4])"));

/// ARGV: prefix, user_id, handle, now, until. 1 if that user's session with the handle ended.
static END_BY_HANDLE: LazyLock<Script> = LazyLock::new(|| {
    script(
        r"
local p = ARGV[1]
local k = redis.call('GET', p .. 'h:' .. ARGV[3])
if not k then return 0 end
local r = record(p, k)
if not r or id(r.user_id) ~= ARGV[2] then return 0 end
if end_one(p, k, ARGV[4], ARGV[5]) then return 1 end
return 0
",
    )
});

/// ARGV: prefix, user_id, keep ('' for none), now, until. How many ended.
static END_ALL_OF: LazyLock<Script> = LazyLock::new(|| {
    script(
        r"
local p, n = ARGV[1], 0
local u = p .. 'u:' .. ARGV[2]
for _, k in ipairs(redis.call('ZRANGE', u, 0, -1)) do
  if k ~= ARGV[3] then
    if end_one(p, k, ARGV[4], ARGV[5]) then n = n + 1 else redis.call('ZREM', u, k) end
  end
end
return n
",
    )
});

/// ARGV: prefix, idle_before, created_before, now, until. How many ended.
static END_EXPIRED: LazyLock<Script> = LazyLock::new(|| {
    script(
        r"
local p, n = ARGV[1], 0
local idle = redis.call('ZRANGEBYSCORE', p .. 'seen', '-inf', '(' .. ARGV[2])
local old = redis.call('ZRANGEBYSCORE', p .. 'created', '-inf', '(' .. ARGV[3])
for _, list in ipairs({idle, old}) do
  for _, k in ipairs(list) do
    if end_one(p, k, ARGV[4], ARGV[5]) then n = n + 1 end
  end
end
return n
",
    )
});

/// ARGV: prefix, user_id. Each record of the user, oldest first, as [key, record (JSON)].
static LIST_OF: LazyLock<Script> = LazyLock::new(|| {
    script(
        r"
local p, out = ARGV[1], {}
local u = p .. 'u:' .. ARGV[2]
for _, k in ipairs(redis.call('ZRANGE', u, 0, -1)) do
  local v = redis.call('GET', p .. 'rec:' .. k)
  if v then
    out[#out + 1] = {k, v}
  else
    redis.call('ZREM', u, k)
  end
end
return out
",
    )
});

/// ARGV: prefix, key, ended_since. The owner of a live record, or of one ended since then.
static OWNER_OF: LazyLock<Script> = LazyLock::new(|| {
    script(
        r"
local p, k = ARGV[1], ARGV[2]
local live = record(p, k)
if live then return id(live.user_id) end
local at = redis.call('ZSCORE', p .. 'ended', k)
if at and tonumber(at) >= tonumber(ARGV[3]) then
  return redis.call('HGET', p .. 'ended-owner', k)
end
return false
",
    )
});

/// ARGV: prefix, before. How many memories went.
static FORGET_ENDED: LazyLock<Script> = LazyLock::new(|| {
    script(
        r"
local p = ARGV[1]
local gone = redis.call('ZRANGEBYSCORE', p .. 'ended', '-inf', '(' .. ARGV[2])
for _, k in ipairs(gone) do
  redis.call('ZREM', p .. 'ended', k)
  redis.call('HDEL', p .. 'ended-owner', k)
end
return #gone
",
    )
});

fn parse_i64(value: &str) -> Result<i64, StoreError> {
    value
        .parse()
        .map_err(|_| StoreError::Backend(format!("redis: not a number: {value:?}").into()))
}

fn parse_record(key: String, json: &[u8]) -> Result<SessionRecord, StoreError> {
    serde_json::from_slice::<SessionRecord>(json)
        .map(|record| SessionRecord { key, ..record })
        .map_err(|err| StoreError::Backend(format!("redis: not a session record: {err}").into()))
}

#[async_trait]
impl SessionStore for RedisSessions {
    fn name(&self) -> &'static str {
        "Redis"
    }

    fn hit_sentence(&self) -> &'static str {
        "hit: the Redis session store has a record for this id"
    }

    async fn create(&self, record: &SessionRecord) -> Result<(), StoreError> {
        let until = expire_at(record.created_at + self.lifetime_secs, 60);
        let stored = serde_json::to_string(record)
            .map_err(|err| StoreError::Backend(format!("redis: session record: {err}").into()))?;
        let created: i64 = CREATE
            .arg(self.redis.prefix())
            .arg(&record.key)
            .arg(stored)
            .arg(&record.handle)
            .arg(record.user_id)
            .arg(record.created_at)
            .arg(record.last_seen)
            .arg(until)
            .invoke_async(&mut self.redis.conn())
            .await?;
        match created {
            1 => Ok(()),
            _ => Err(StoreError::Collision),
        }
    }

    async fn load(&self, key: &str) -> Result<Option<SessionRecord>, StoreError> {
        // Every request with a session cookie comes here: one `GET`, its key built in one
        // allocation, the reply read as bytes and parsed straight into the record's fields.
        let stored: Option<Vec<u8>> = redis::cmd("GET")
            .arg(format!("{}rec:{key}", self.redis.prefix()))
            .query_async(&mut self.redis.conn())
            .await?;
        stored
            .map(|json| parse_record(key.to_string(), &json))
            .transpose()
    }

    async fn touch(&self, touches: &[(String, i64)]) -> Result<Vec<bool>, StoreError> {
        if touches.is_empty() {
            return Ok(Vec::new());
        }
        let mut call = TOUCH.prepare_invoke();
        call.arg(self.redis.prefix());
        for (key, at) in touches {
            call.arg(key).arg(at);
        }
        let found: Vec<i64> = call.invoke_async(&mut self.redis.conn()).await?;
        Ok(found.into_iter().map(|f| f == 1).collect())
    }

    async fn end(&self, key: &str, now: i64) -> Result<Option<i64>, StoreError> {
        let owner: Option<String> = END
            .arg(self.redis.prefix())
            .arg(key)
            .arg(now)
            .arg(self.memory_until(now))
            .invoke_async(&mut self.redis.conn())
            .await?;
        owner.as_deref().map(parse_i64).transpose()
    }

    async fn end_by_handle(
        &self,
        user_id: i64,
        handle: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        let ended: i64 = END_BY_HANDLE
            .arg(self.redis.prefix())
            .arg(user_id)
            .arg(handle)
            .arg(now)
            .arg(self.memory_until(now))
            .invoke_async(&mut self.redis.conn())
            .await?;
        Ok(ended == 1)
    }

    async fn end_all_of(
        &self,
        user_id: i64,
        keep: Option<&str>,
        now: i64,
    ) -> Result<usize, StoreError> {
        let ended: usize = END_ALL_OF
            .arg(self.redis.prefix())
            .arg(user_id)
            .arg(keep.unwrap_or(""))
            .arg(now)
            .arg(self.memory_until(now))
            .invoke_async(&mut self.redis.conn())
            .await?;
        Ok(ended)
    }

    async fn list_of(&self, user_id: i64) -> Result<Vec<SessionRecord>, StoreError> {
        let rows: Vec<(String, Vec<u8>)> = LIST_OF
            .arg(self.redis.prefix())
            .arg(user_id)
            .invoke_async(&mut self.redis.conn())
            .await?;
        rows.into_iter()
            .map(|(key, json)| parse_record(key, &json))
            .collect()
    }

    async fn end_expired(
        &self,
        idle_before: i64,
        created_before: i64,
        now: i64,
    ) -> Result<usize, StoreError> {
        let ended: usize = END_EXPIRED
            .arg(self.redis.prefix())
            .arg(idle_before)
            .arg(created_before)
            .arg(now)
            .arg(self.memory_until(now))
            .invoke_async(&mut self.redis.conn())
            .await?;
        Ok(ended)
    }

    async fn owner_of(&self, key: &str, ended_since: i64) -> Result<Option<i64>, StoreError> {
        let owner: Option<String> = OWNER_OF
            .arg(self.redis.prefix())
            .arg(key)
            .arg(ended_since)
            .invoke_async(&mut self.redis.conn())
            .await?;
        owner.as_deref().map(parse_i64).transpose()
    }

    async fn forget_ended(&self, before: i64) -> Result<u64, StoreError> {
        let gone: u64 = FORGET_ENDED
            .arg(self.redis.prefix())
            .arg(before)
            .invoke_async(&mut self.redis.conn())
            .await?;
        Ok(gone)
    }
}
