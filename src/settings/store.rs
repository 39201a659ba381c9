//! `[store]`: where the state several server processes share lives.

use serde::Deserialize;
use std::str::FromStr;

/// Where the state several server processes must share lives (sessions, refresh families, the
/// denylist). Accounts and signing keys stay in `database_url`'s database either way.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StoreSettings {
    /// Empty: the embedded SQLite database. `redis://host:port[/db]`: that Redis.
    pub url: StoreUrl,
    /// The start of every key this lab writes to Redis, so one Redis can serve several labs.
    pub prefix: String,
}

impl Default for StoreSettings {
    fn default() -> Self {
        StoreSettings {
            url: StoreUrl::Embedded,
            prefix: "authlab:".into(),
        }
    }
}

/// `[store] url`, checked at start-up: anything but empty or a `redis://` URL stops the server.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub enum StoreUrl {
    /// The embedded SQLite database (`database_url`).
    #[default]
    Embedded,
    /// A Redis server, `redis://host:port[/db]`.
    Redis(String),
    /// `memory`: this process's memory only, shared with no other process (the scale lab's
    /// per-node store; lost on restart).
    Memory,
}

impl FromStr for StoreUrl {
    type Err = String;

    fn from_str(text: &str) -> Result<StoreUrl, String> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(StoreUrl::Embedded);
        }
        if text == "memory" {
            return Ok(StoreUrl::Memory);
        }
        match text.strip_prefix("redis://") {
            Some(rest) if !rest.is_empty() => Ok(StoreUrl::Redis(text.to_string())),
            _ => Err("store.url must be empty (the embedded SQLite database), \
                      redis://host:port[/db], or memory (this process only)"
                .into()),
        }
    }
}

impl TryFrom<String> for StoreUrl {
    type Error = String;

    fn try_from(text: String) -> Result<StoreUrl, String> {
        text.parse()
    }
}
