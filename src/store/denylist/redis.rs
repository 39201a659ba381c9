//! The denylist on Redis: `deny:<jti>` holds the owner's id and expires a minute after the token
//! would have (it is refused by its `exp` from then on anyway); `deny-exp` orders the entries by
//! `exp` so a purge at a given time finds them. A lookup is one `EXISTS`, the round trip the
//! stateless design was meant to avoid.

use super::Denylist;
use crate::store::{
    redis::{expire_at, Redis},
    StoreError,
};
use async_trait::async_trait;
use redis::Script;
use std::sync::LazyLock;

pub struct RedisDenylist {
    redis: Redis,
}

impl RedisDenylist {
    pub fn new(redis: Redis) -> Self {
        RedisDenylist { redis }
    }
}

/// ARGV: prefix, jti, user_id, exp, until. Denying again changes nothing.
static DENY: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local k = ARGV[1] .. 'deny:' .. ARGV[2]
if redis.call('SET', k, ARGV[3], 'NX', 'EXAT', ARGV[5]) then
  redis.call('ZADD', ARGV[1] .. 'deny-exp', ARGV[4], ARGV[2])
  if redis.call('EXPIRETIME', ARGV[1] .. 'deny-exp') < tonumber(ARGV[5]) then
    redis.call('EXPIREAT', ARGV[1] .. 'deny-exp', ARGV[5])
  end
end
return 1
",
    )
});

/// ARGV: prefix, now. How many entries went.
static PURGE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local gone = redis.call('ZRANGEBYSCORE', ARGV[1] .. 'deny-exp', '-inf', '(' .. ARGV[2])
for _, jti in ipairs(gone) do
  redis.call('DEL', ARGV[1] .. 'deny:' .. jti)
  redis.call('ZREM', ARGV[1] .. 'deny-exp', jti)
end
return #gone
",
    )
});

#[async_trait]
impl Denylist for RedisDenylist {
    async fn deny(&self, jti: &str, user_id: i64, exp: i64) -> Result<(), StoreError> {
        let _: i64 = DENY
            .arg(self.redis.prefix())
            .arg(jti)
            .arg(user_id)
            .arg(exp)
            .arg(expire_at(exp, 60))
            .invoke_async(&mut self.redis.conn())
            .await?;
        Ok(())
    }

    async fn is_denied(&self, jti: &str) -> Result<bool, StoreError> {
        let hits: i64 = redis::cmd("EXISTS")
            .arg(self.redis.key(&format!("deny:{jti}")))
            .query_async(&mut self.redis.conn())
            .await?;
        Ok(hits == 1)
    }

    async fn purge_expired(&self, now: i64) -> Result<u64, StoreError> {
        Ok(PURGE
            .arg(self.redis.prefix())
            .arg(now)
            .invoke_async(&mut self.redis.conn())
            .await?)
    }
}
