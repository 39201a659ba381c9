//! The session store on Redis, for several server processes sharing one lab. Keys (after the
//! prefix):
//! - `s:<key>`: the record, a hash of the `SessionRecord` fields;
//! - `h:<handle>`: the key a public handle names (handles are unique, like the SQLite column);
//! - `u:<user id>`: a sorted set of the user's keys by `created_at` (list, revoke all);
//! - `seen`, `created`: sorted sets of every key by `last_seen` and `created_at`, so expiry by
//!   idle time or by age finds its records without a scan;
//! - `ended` (key → when it ended) and `ended-owner` (key → user id): whose a dead id was.
//!
//! Every change is one Lua script, so `end` deletes and remembers in one step, and `touch`
//! never writes back a record ended meanwhile, exactly as the SQLite store's transactions do.

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

/// Shared by the scripts that end sessions: `end_one(p, key, now, keep_until)` deletes the record
/// and its indexes and remembers its owner; returns the owner's id, or false if there was none.
const END_ONE: &str = r"
local function end_one(p, k, now, keep_until)
  local s = p .. 's:' .. k
  local v = redis.call('HMGET', s, 'user_id', 'handle')
  redis.call('ZREM', p .. 'seen', k)
  redis.call('ZREM', p .. 'created', k)
  if not v[1] then return false end
  redis.call('DEL', s, p .. 'h:' .. v[2])
  redis.call('ZREM', p .. 'u:' .. v[1], k)
  redis.call('ZADD', p .. 'ended', now, k)
  redis.call('HSET', p .. 'ended-owner', k, v[1])
  redis.call('EXPIREAT', p .. 'ended', keep_until)
  redis.call('EXPIREAT', p .. 'ended-owner', keep_until)
  return v[1]
end
";

fn script(body: &str) -> Script {
    Script::new(&format!("{END_ONE}{body}"))
}

/// ARGV: prefix, key, id_preview, handle, user_id, csrf_token, user_agent, created_at, last_seen,
/// expire_at. 1 when created, 0 when the key or the handle is taken.
static CREATE: LazyLock<Script> = LazyLock::new(|| {
    script(
        r"
local p, k = ARGV[1], ARGV[2]
local s, h, u = p .. 's:' .. k, p .. 'h:' .. ARGV[4], p .. 'u:' .. ARGV[5]
if redis.call('EXISTS', s) == 1 or redis.call('EXISTS', h) == 1 then return 0 end
redis.call('HSET', s, 'id_preview', ARGV[3], 'handle', ARGV[4], 'user_id', ARGV[5],
  'csrf_token', ARGV[6], 'user_agent', ARGV[7], 'created_at', ARGV[8], 'last_seen', ARGV[9])
redis.call('SET', h, k)
redis.call('ZADD', u, ARGV[8], k)
redis.call('ZADD', p .. 'seen', ARGV[9], k)
redis.call('ZADD', p .. 'created', ARGV[8], k)
for _, key in ipairs({s, h, u, p .. 'seen', p .. 'created'}) do
  redis.call('EXPIREAT', key, ARGV[10])
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
  local s = p .. 's:' .. k
  local seen = redis.call('HGET', s, 'last_seen')
  if seen then
    if tonumber(at) > tonumber(seen) then
      redis.call('HSET', s, 'last_seen', at)
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
if not k or redis.call('HGET', p .. 's:' .. k, 'user_id') ~= ARGV[2] then return 0 end
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

/// ARGV: prefix, user_id. Each record of the user, oldest first, as
/// [key, id_preview, handle, csrf_token, user_agent, created_at, last_seen].
static LIST_OF: LazyLock<Script> = LazyLock::new(|| {
    script(
        r"
local p, out = ARGV[1], {}
local u = p .. 'u:' .. ARGV[2]
for _, k in ipairs(redis.call('ZRANGE', u, 0, -1)) do
  local v = redis.call('HMGET', p .. 's:' .. k, 'id_preview', 'handle', 'csrf_token',
    'user_agent', 'created_at', 'last_seen')
  if v[1] then
    out[#out + 1] = {k, v[1], v[2], v[3], v[4], v[5], v[6]}
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
local live = redis.call('HGET', p .. 's:' .. k, 'user_id')
if live then return live end
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
        .map_err(|_| StoreError::Backend(format!("redis: not a number: {value:?}")))
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
        let created: i64 = CREATE
            .arg(self.redis.prefix())
            .arg(&record.key)
            .arg(&record.id_preview)
            .arg(&record.handle)
            .arg(record.user_id)
            .arg(&record.csrf_token)
            .arg(&record.user_agent)
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
        // Every request with a session cookie comes here: one key built in one allocation, and
        // the reply read straight into a tuple (no intermediate Vec).
        type Fields = (
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
        );
        const FIELDS: [&str; 7] = [
            "id_preview",
            "handle",
            "user_id",
            "csrf_token",
            "user_agent",
            "created_at",
            "last_seen",
        ];
        // The command's buffers sized once (name, key and fields: 9 arguments in about 128 bytes)
        // rather than grown argument by argument: 5 fewer allocations on every session request
        // (scripts/bench/allocations.sh).
        let fields: Fields = redis::Cmd::with_capacity(2 + FIELDS.len(), 128)
            .arg("HMGET")
            .arg(format!("{}s:{key}", self.redis.prefix()))
            .arg(&FIELDS)
            .query_async(&mut self.redis.conn())
            .await?;
        let (
            Some(id_preview),
            Some(handle),
            Some(user_id),
            Some(csrf_token),
            Some(user_agent),
            Some(created_at),
            Some(last_seen),
        ) = fields
        else {
            return Ok(None);
        };
        Ok(Some(SessionRecord {
            key: key.to_string(),
            id_preview,
            handle,
            user_id: parse_i64(&user_id)?,
            csrf_token,
            user_agent,
            created_at: parse_i64(&created_at)?,
            last_seen: parse_i64(&last_seen)?,
        }))
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
        let rows: Vec<(String, String, String, String, String, String, String)> = LIST_OF
            .arg(self.redis.prefix())
            .arg(user_id)
            .invoke_async(&mut self.redis.conn())
            .await?;
        rows.into_iter()
            .map(
                |(key, id_preview, handle, csrf_token, user_agent, created_at, last_seen)| {
                    Ok(SessionRecord {
                        key,
                        id_preview,
                        handle,
                        user_id,
                        csrf_token,
                        user_agent,
                        created_at: parse_i64(&created_at)?,
                        last_seen: parse_i64(&last_seen)?,
                    })
                },
            )
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
