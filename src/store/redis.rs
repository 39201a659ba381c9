//! The connection the Redis stores share, and what they agree on:
//! - one `ConnectionManager` (redis-rs), which reconnects by itself after an outage: while Redis
//!   is away every store call fails at once (`StoreError::Backend`, a 503 to the client) and the
//!   first call after it is back succeeds, with nothing restarted;
//! - every key starts with the configured prefix, so one Redis can serve several labs;
//! - every key carries an expiry (`EXPIREAT`), so nothing is kept forever. The stores' times are
//!   the policy's (`now` is passed in, as with SQLite); the expiry is a wall-clock bound on top,
//!   never earlier than the policy's own end for that record;
//! - each change that touches more than one key is one Lua script, which Redis runs atomically.

use crate::store::StoreError;
use redis::{
    aio::{ConnectionManager, ConnectionManagerConfig},
    Client,
};
use std::time::Duration;

/// How long a command may take before the store reports Redis unavailable. Short: a request
/// must fail fast when the store is down, not hang.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(1);
const CONNECT_TIMEOUT: Duration = Duration::from_millis(500);

/// A connection to one Redis, and the prefix of every key the stores write there.
#[derive(Clone)]
pub struct Redis {
    client: Client,
    conn: ConnectionManager,
    prefix: String,
    /// Woken when this process failed to announce a change (`store::changes`): its own feed may
    /// be missing changes too, so its caches start again empty.
    pub publish_failed: std::sync::Arc<tokio::sync::Notify>,
}

impl Redis {
    /// Connect lazily to `url` (`redis://host:port[/db]`): a server can start while Redis is
    /// down, and its store calls fail until Redis is reachable. `prefix` starts every key.
    pub fn connect(url: &str, prefix: &str) -> Result<Self, StoreError> {
        let client = Client::open(url).map_err(|err| StoreError::Backend(err.into()))?;
        let config = ConnectionManagerConfig::new()
            .set_response_timeout(Some(RESPONSE_TIMEOUT))
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(200));
        let conn = client
            .get_connection_manager_lazy(config)
            .map_err(|err| StoreError::Backend(err.into()))?;
        Ok(Redis {
            publish_failed: Default::default(),
            client,
            conn,
            prefix: prefix.to_string(),
        })
    }

    /// A handle to the shared connection (cheap: the manager multiplexes one socket).
    pub fn conn(&self) -> ConnectionManager {
        self.conn.clone()
    }

    /// The client, for connections of their own (a pub/sub subscription).
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The prefix every key starts with (the Lua scripts build their keys from it).
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// `<prefix><rest>`.
    pub fn key(&self, rest: &str) -> String {
        format!("{}{rest}", self.prefix)
    }

    /// Whether Redis answers now.
    pub async fn ping(&self) -> Result<(), StoreError> {
        let _: String = redis::cmd("PING").query_async(&mut self.conn()).await?;
        Ok(())
    }
}

impl From<redis::RedisError> for StoreError {
    fn from(err: redis::RedisError) -> Self {
        StoreError::Backend(err.into())
    }
}

/// The wall-clock time a key may be dropped: `keep_secs` past the later of the policy's own end
/// for the record and now (the policy's times can lie in the past in tests and replays).
pub fn expire_at(policy_end: i64, keep_secs: i64) -> i64 {
    // Redis' expiry is wall-clock time, whatever clock the policy's times come from.
    let wall_now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    policy_end.max(wall_now).saturating_add(keep_secs.max(1))
}
