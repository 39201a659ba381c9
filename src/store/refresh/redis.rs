//! Refresh tokens on Redis. Keys (after the prefix):
//! - `rt:<hash>`: the token, a hash of its fields (`used_at`, `revoked_at` only once set);
//! - `fam:<family>`: the set of the family's token hashes;
//! - `famrev:<family>`: present once any member of the family was revoked;
//! - `ufam:<user id>`: the set of the user's families;
//! - `security`: the latest security events (refresh-token reuse), newest first, capped.
//!
//! Rotation is one Lua script: the check (unused, unrevoked, unexpired, family unrevoked and
//! young enough), marking the token used and storing its successor happen atomically, so of two
//! nodes presenting one token at once exactly one wins, and a family revoked meanwhile gains no
//! successor. The successor is made from the token's family, which never changes once stored, so
//! it is read first and the script checks that it still matches.

use super::{NewToken, RefreshStore, StoredToken, Successor, Won};
use crate::store::{
    redis::{expire_at, Redis},
    StoreError,
};
use async_trait::async_trait;
use redis::Script;
use std::sync::LazyLock;

/// Security events kept in Redis (the newest).
const SECURITY_EVENTS: i64 = 1_000;

pub struct RedisRefresh {
    redis: Redis,
    /// How long past its own expiry a token is kept: a family's absolute lifetime, so that a
    /// used token presented again is still recognised as reuse while its family could live.
    keep_secs: i64,
}

impl RedisRefresh {
    pub fn new(redis: Redis, keep_secs: i64) -> Self {
        RedisRefresh { redis, keep_secs }
    }
}

/// `insert(p, hash, family, user_id, created_at, expires_at, family_started_at, until)`:
/// false if the hash is taken.
const INSERT: &str = r"
local function insert(p, h, fam, user, created, expires, started, keep_until)
  local t = p .. 'rt:' .. h
  if redis.call('EXISTS', t) == 1 then return false end
  redis.call('HSET', t, 'family', fam, 'user_id', user, 'created_at', created,
    'expires_at', expires, 'family_started_at', started)
  redis.call('SADD', p .. 'fam:' .. fam, h)
  redis.call('SADD', p .. 'ufam:' .. user, fam)
  for _, key in ipairs({t, p .. 'fam:' .. fam, p .. 'ufam:' .. user}) do
    if redis.call('EXPIRETIME', key) < tonumber(keep_until) then redis.call('EXPIREAT', key, keep_until) end
  end
  return true
end
local function revoke_family(p, fam, now, keep_until)
  local n = 0
  for _, h in ipairs(redis.call('SMEMBERS', p .. 'fam:' .. fam)) do
    local t = p .. 'rt:' .. h
    if redis.call('EXISTS', t) == 1 and not redis.call('HGET', t, 'revoked_at') then
      redis.call('HSET', t, 'revoked_at', now)
      n = n + 1
    end
  end
  redis.call('SET', p .. 'famrev:' .. fam, now, 'EXAT', keep_until)
  return n
end
";

fn script(body: &str) -> Script {
    Script::new(&format!("{INSERT}{body}"))
}

/// ARGV: prefix, hash, family, user_id, created_at, expires_at, family_started_at, until.
static INSERT_ONE: LazyLock<Script> = LazyLock::new(|| {
    script(
        r"
if insert(ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8]) then
  return 1
end
return 0
",
    )
});

/// ARGV: prefix, hash, now, started_after, then the successor: hash, family, user_id,
/// created_at, expires_at, family_started_at, until. 1: won; 0: lost (nothing written);
/// -1: the successor's hash was taken (nothing written).
static ROTATE: LazyLock<Script> = LazyLock::new(|| {
    script(
        r"
local p, now = ARGV[1], tonumber(ARGV[3])
local t = p .. 'rt:' .. ARGV[2]
local v = redis.call('HMGET', t, 'family', 'expires_at', 'used_at', 'revoked_at',
  'family_started_at')
if not v[1] or v[3] or v[4] then return 0 end
if tonumber(v[2]) <= now or tonumber(v[5]) <= tonumber(ARGV[4]) then return 0 end
if v[1] ~= ARGV[6] or redis.call('EXISTS', p .. 'famrev:' .. v[1]) == 1 then return 0 end
if redis.call('EXISTS', p .. 'rt:' .. ARGV[5]) == 1 then return -1 end
redis.call('HSET', t, 'used_at', ARGV[3])
insert(p, ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10], ARGV[11])
return 1
",
    )
});

/// ARGV: prefix, family, now, until. How many tokens were unrevoked.
static REVOKE_FAMILY: LazyLock<Script> =
    LazyLock::new(|| script("return revoke_family(ARGV[1], ARGV[2], ARGV[3], ARGV[4])"));

/// ARGV: prefix, user_id, now, until. How many tokens were unrevoked.
static REVOKE_USER: LazyLock<Script> = LazyLock::new(|| {
    script(
        r"
local n = 0
for _, fam in ipairs(redis.call('SMEMBERS', ARGV[1] .. 'ufam:' .. ARGV[2])) do
  n = n + revoke_family(ARGV[1], fam, ARGV[3], ARGV[4])
end
return n
",
    )
});

/// ARGV: prefix, family, user_id, now, until, event (JSON), cap.
static REUSE_DETECTED: LazyLock<Script> = LazyLock::new(|| {
    script(
        r"
revoke_family(ARGV[1], ARGV[2], ARGV[4], ARGV[5])
local events = ARGV[1] .. 'security'
redis.call('LPUSH', events, ARGV[6])
redis.call('LTRIM', events, 0, tonumber(ARGV[7]) - 1)
redis.call('EXPIREAT', events, ARGV[5])
return 1
",
    )
});

fn number(value: Option<String>, field: &str) -> Result<i64, StoreError> {
    value
        .as_deref()
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| {
            StoreError::Backend(format!("redis: refresh token field {field} unreadable").into())
        })
}

impl RedisRefresh {
    fn until(&self, expires_at: i64) -> i64 {
        expire_at(expires_at, self.keep_secs)
    }

    /// How long a revocation mark is kept: as long as any token of a family could be.
    fn revoked_until(&self, now: i64) -> i64 {
        expire_at(now, self.keep_secs)
    }
}

#[async_trait]
impl RefreshStore for RedisRefresh {
    async fn insert(&self, token: &NewToken) -> Result<(), StoreError> {
        let inserted: i64 = INSERT_ONE
            .arg(self.redis.prefix())
            .arg(&token.hash)
            .arg(&token.family)
            .arg(token.user_id)
            .arg(token.created_at)
            .arg(token.expires_at)
            .arg(token.family_started_at)
            .arg(self.until(token.expires_at))
            .invoke_async(&mut self.redis.conn())
            .await?;
        match inserted {
            1 => Ok(()),
            _ => Err(StoreError::Collision),
        }
    }

    async fn rotate(
        &self,
        hash: &str,
        now: i64,
        started_after: i64,
        successor: Successor<'_>,
    ) -> Result<Option<Won>, StoreError> {
        // The family, owner and start of a token never change: read them, make the successor,
        // and let the script check everything that can change.
        let Some(found) = self.find(hash).await? else {
            return Ok(None);
        };
        // What the read already shows cannot win is not tried (and no successor is made).
        let spent = found.used_at.is_some() || found.revoked_at.is_some();
        if spent || found.expires_at <= now || found.family_started_at <= started_after {
            return Ok(None);
        }
        let won = Won {
            family: found.family,
            user_id: found.user_id,
            family_started_at: found.family_started_at,
        };
        let next = successor(&won);
        let outcome: i64 = ROTATE
            .arg(self.redis.prefix())
            .arg(hash)
            .arg(now)
            .arg(started_after)
            .arg(&next.hash)
            .arg(&next.family)
            .arg(next.user_id)
            .arg(next.created_at)
            .arg(next.expires_at)
            .arg(next.family_started_at)
            .arg(self.until(next.expires_at))
            .invoke_async(&mut self.redis.conn())
            .await?;
        match outcome {
            1 => Ok(Some(won)),
            -1 => Err(StoreError::Collision),
            _ => Ok(None),
        }
    }

    async fn find(&self, hash: &str) -> Result<Option<StoredToken>, StoreError> {
        let fields: Vec<Option<String>> = redis::cmd("HMGET")
            .arg(self.redis.key(&format!("rt:{hash}")))
            .arg(&[
                "family",
                "user_id",
                "expires_at",
                "used_at",
                "revoked_at",
                "family_started_at",
            ])
            .query_async(&mut self.redis.conn())
            .await?;
        let [family, user_id, expires_at, used_at, revoked_at, started] =
            <[Option<String>; 6]>::try_from(fields).unwrap_or_default();
        let Some(family) = family else {
            return Ok(None);
        };
        let optional =
            |value: Option<String>, field| value.map(|v| number(Some(v), field)).transpose();
        Ok(Some(StoredToken {
            family,
            user_id: number(user_id, "user_id")?,
            expires_at: number(expires_at, "expires_at")?,
            used_at: optional(used_at, "used_at")?,
            revoked_at: optional(revoked_at, "revoked_at")?,
            family_started_at: number(started, "family_started_at")?,
        }))
    }

    async fn owner_of_live(&self, hash: &str, now: i64) -> Result<Option<i64>, StoreError> {
        Ok(self.find(hash).await?.and_then(|token| {
            (token.used_at.is_none() && token.revoked_at.is_none() && token.expires_at > now)
                .then_some(token.user_id)
        }))
    }

    async fn revoke_family(&self, family: &str, now: i64) -> Result<u64, StoreError> {
        Ok(REVOKE_FAMILY
            .arg(self.redis.prefix())
            .arg(family)
            .arg(now)
            .arg(self.revoked_until(now))
            .invoke_async(&mut self.redis.conn())
            .await?)
    }

    async fn revoke_user(&self, user_id: i64, now: i64) -> Result<u64, StoreError> {
        Ok(REVOKE_USER
            .arg(self.redis.prefix())
            .arg(user_id)
            .arg(now)
            .arg(self.revoked_until(now))
            .invoke_async(&mut self.redis.conn())
            .await?)
    }

    async fn reuse_detected(&self, family: &str, user_id: i64, now: i64) -> Result<(), StoreError> {
        let event = serde_json::json!({
            "at": now,
            "user_id": user_id,
            "kind": "refresh_reuse",
            "detail": "an already-rotated refresh token was presented; its family was revoked",
        });
        let _: i64 = REUSE_DETECTED
            .arg(self.redis.prefix())
            .arg(family)
            .arg(user_id)
            .arg(now)
            .arg(self.revoked_until(now))
            .arg(event.to_string())
            .arg(SECURITY_EVENTS)
            .invoke_async(&mut self.redis.conn())
            .await?;
        Ok(())
    }
}
