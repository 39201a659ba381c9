//! Runtime settings of the server. Three layers, later ones winning: built-in defaults (so no file is
//! needed at all), the TOML file `Leptos.toml` (or the file named by `AUTHLAB_SETTINGS`), and one
//! `AUTHLAB_…` environment variable per setting (plus the conventional `DATABASE_URL`).
//!
//! cargo-leptos never reads `Leptos.toml`; its *build* settings live in `Cargo.toml`
//! (`[package.metadata.leptos]`). This file is only for what the running server does.

pub mod rate;

use crate::wire::SameSite;
use rate::Rate;
use serde::Deserialize;
use std::{fmt::Display, net::SocketAddr, path::Path, str::FromStr};

/// Every setting, grouped as in `Leptos.toml`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Address the HTTP server listens on.
    pub listen: SocketAddr,
    /// SQLite database; its file (and parent directory) is created on first run.
    pub database_url: String,
    /// Seed the demo accounts (alice, bob) when they do not exist yet.
    pub seed_demo_accounts: bool,
    /// Log level of the server's own events: error, warn, info, debug or trace.
    pub log_level: LogLevel,
    /// This process's name when several serve one lab, sent as `X-Authlab-Node` on every
    /// answer (the scale lab's nodes). Empty: no header.
    pub node_id: String,
    pub hosting: HostingSettings,
    pub server: ServerSettings,
    pub passwords: PasswordSettings,
    pub session: SessionSettings,
    pub jwt: JwtSettings,
    pub limits: LimitSettings,
    pub retention: RetentionSettings,
    pub store: StoreSettings,
    pub scale: ScaleSettings,
}

/// The scale lab's own server processes.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScaleSettings {
    /// The authlab binary a node runs. Empty: this server's own executable.
    pub node_binary: String,
    /// The accounts that may start scale-lab runs (each starts four processes). Empty: every
    /// signed-in account.
    pub allowed_accounts: NameList,
}

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

/// Who may reach the lab, under which names, and what that means for the demo accounts.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HostingSettings {
    /// Host names (with port, as in the `Host` header) the lab answers besides the loopback
    /// names on its own port. Empty: loopback use only, and the demo accounts are public.
    pub public_hosts: HostList,
    /// The origin of the forgery lesson's "other site" (`http(s)://name:port`). Empty: the other
    /// loopback name. When hosting, point a second name at this server and put it here.
    pub attacker_origin: String,
    /// Password of the administrator `alice` when the lab is hosted (public_hosts set). Empty:
    /// no administrator exists then. Ignored on loopback, where alice's password is public.
    pub admin_password: String,
    /// Trust the `X-Forwarded-For` header (the rightmost address) as the client's address. Only
    /// behind a reverse proxy that sets it; otherwise any client could pick its own address.
    pub trusted_proxy: bool,
    /// How often the demo accounts' lab switches and sessions are reset.
    pub demo_reset_secs: u64,
    /// How long an account made by a lesson (`lesson-…`) lives.
    pub lesson_account_ttl_secs: u64,
}

/// The HTTP server itself.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    /// A client must send its request headers within this time (stops slow-header floods).
    pub header_read_timeout_secs: u64,
    /// A request must be answered within this time (a live event stream counts as answered).
    pub request_timeout_secs: u64,
    /// Connections held open at once; further ones wait to be accepted.
    pub max_connections: usize,
    /// Live audit streams one account may hold open at once.
    pub max_event_streams_per_user: usize,
    /// Live audit streams one client address may hold open at once (all its accounts together).
    pub max_event_streams_per_address: usize,
    /// How often a live audit stream re-checks the credential it was opened with.
    pub event_stream_recheck_secs: u64,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PasswordSettings {
    /// At most this many argon2 computations run at once (each takes ~19 MiB and ~14 ms of a core).
    /// 0: one fewer than the machine's cores, at least 1 (`hash_pool_size`).
    pub max_concurrent_hashes: usize,
    /// At most this many more wait their turn; beyond that, 503 with Retry-After at once.
    pub max_queued_hashes: usize,
    /// Of all those slots (running and waiting), at most this many for one account at once;
    /// beyond that, 429 with Retry-After for that account alone (`auth::password::Charged`).
    pub max_hashes_per_account: usize,
}

/// Cookie-session mode.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SessionSettings {
    /// A session unused for this long is dead.
    pub idle_timeout_secs: u64,
    /// A session is dead this long after login, however busy.
    pub absolute_timeout_secs: u64,
    /// Default SameSite of the session cookie (Lax, Strict or None); each account can switch its own.
    pub same_site: SameSite,
    /// How often the maintenance task runs (expired sessions, retention, scratch accounts).
    pub cleanup_interval_secs: u64,
    /// Keep the accounts session checks read in memory, emptied on every change to the account
    /// (`auth::account_cache`). Turn it off when several processes share one SQLite file without
    /// Redis: they would not hear each other's changes.
    pub cache_accounts: bool,
}

/// Bearer-JWT mode.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JwtSettings {
    /// Lifetime of an access token.
    pub access_ttl_secs: u64,
    /// Lifetime of a refresh token.
    pub refresh_ttl_secs: u64,
    /// A refresh family (one login's chain of rotations) ends this long after the login.
    pub refresh_family_max_secs: u64,
    /// Clock skew tolerated when checking `exp` and `nbf`.
    pub leeway_secs: u64,
    /// `iss` claim written and required.
    pub issuer: String,
    /// `aud` claim written and required.
    pub audience: String,
    /// Signing keys one account may hold (active and rotated-out); rotate beyond it: 409.
    pub max_keys_per_account: usize,
    /// Public keys published at once, all accounts together; past it the oldest retire,
    /// rotated-out ones first (`auth::keys`).
    pub max_published_keys: usize,
}

/// Rate limits, each `burst/period` (see `auth::rate_limit`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitSettings {
    /// Logins from one client address without the name's device cookie (spraying many names).
    pub login_per_address: Rate,
    /// Logins for one name from one browser holding its device cookie (`auth::device`).
    pub login_per_name_and_device: Rate,
    /// Logins for one name from every browser without its device cookie, together.
    pub login_per_name: Rate,
    /// Wrong passwords in a row (one name, one origin: a trusted device, or the untrusted rest)
    /// before each further one doubles a wait.
    pub login_backoff_after: u32,
    /// The longest such wait.
    pub login_backoff_max_secs: u64,
    pub register_per_address: Rate,
    pub refresh_per_address: Rate,
    pub key_rotation_per_account: Rate,
    pub matrix_per_account: Rate,
    /// Scale-lab runs of one account (each starts three server processes).
    pub scale_per_account: Rate,
    /// Attack-lab runs of one account (each makes one or two accounts, a few argon2 hashes).
    pub attacks_per_account: Rate,
    /// Cost-benchmark runs of one account (each a few hundred milliseconds of checks).
    pub cost_runs_per_account: Rate,
    /// Refused requests written to the audit log one by one, per minute: those naming no
    /// account together, and each account's apart. Beyond it they are counted into one row.
    pub audit_refusals_per_minute: u32,
    /// Allowed reads (a GET whose every check passed) of one account written to the audit log
    /// one by one, per minute. Beyond it they are counted into one row.
    pub audit_allowed_reads_per_minute: u32,
    /// Every other allowed row of one account (writes, logouts, refreshes, account events,
    /// requests allowed with checks switched off) written one by one, per minute; the rows
    /// naming no account share one such allowance. Beyond it they are counted into one row.
    pub audit_allowed_writes_per_minute: u32,
}

/// How long records are kept.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetentionSettings {
    /// Audit events older than this are deleted.
    pub audit_secs: u64,
    /// And at most this many of one account's (the rows naming no account count as one account).
    pub audit_max_rows_per_account: u64,
    /// And at most this many in all: past it, the largest histories are cut first.
    pub audit_max_rows: u64,
    /// Refresh tokens are deleted this long after they expired or their family was revoked.
    pub refresh_tokens_secs: u64,
    /// Security events (refresh-token reuse) older than this are deleted.
    pub security_events_secs: u64,
    /// How long the hash of an ended session id is kept, to say whose a replayed cookie was.
    pub ended_sessions_secs: u64,
}

/// A comma-separated list of names in one setting, each trimmed and lowercased: host names
/// (`lab.example:443,lab2.example:443`) or account names (`carol,dave`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(from = "Vec<String>")]
pub struct HostList(pub Vec<String>);

/// Account names, as the settings list them.
pub type NameList = HostList;

impl From<Vec<String>> for HostList {
    fn from(hosts: Vec<String>) -> Self {
        HostList(
            hosts
                .into_iter()
                .map(|h| h.trim().to_ascii_lowercase())
                .collect(),
        )
    }
}

impl FromStr for HostList {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        Ok(HostList::from(
            text.split(',')
                .filter(|h| !h.trim().is_empty())
                .map(str::to_string)
                .collect::<Vec<_>>(),
        ))
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            listen: SocketAddr::from(([127, 0, 0, 1], 3000)),
            database_url: "sqlite://data/authlab.db".into(),
            seed_demo_accounts: true,
            log_level: LogLevel::Info,
            node_id: String::new(),
            hosting: HostingSettings::default(),
            server: ServerSettings::default(),
            passwords: PasswordSettings::default(),
            session: SessionSettings::default(),
            jwt: JwtSettings::default(),
            limits: LimitSettings::default(),
            retention: RetentionSettings::default(),
            store: StoreSettings::default(),
            scale: ScaleSettings::default(),
        }
    }
}

impl Default for HostingSettings {
    fn default() -> Self {
        HostingSettings {
            public_hosts: HostList::default(),
            attacker_origin: String::new(),
            admin_password: String::new(),
            trusted_proxy: false,
            demo_reset_secs: 900,
            lesson_account_ttl_secs: 7200,
        }
    }
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            header_read_timeout_secs: 10,
            request_timeout_secs: 30,
            max_connections: 512,
            max_event_streams_per_user: 4,
            max_event_streams_per_address: 64,
            event_stream_recheck_secs: 5,
        }
    }
}

impl Default for PasswordSettings {
    fn default() -> Self {
        PasswordSettings {
            max_concurrent_hashes: 0,
            max_queued_hashes: 32,
            max_hashes_per_account: 3,
        }
    }
}

impl PasswordSettings {
    /// How many argon2 runs may go at once. Unset (0), one core is kept free: a burst of logins
    /// that took every core would stall every other request (a session check, a page) behind
    /// password hashing, a denial of service any visitor can start. On 1 core that still leaves 1.
    pub fn hash_pool_size(&self) -> usize {
        if self.max_concurrent_hashes > 0 {
            return self.max_concurrent_hashes;
        }
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        cores.saturating_sub(1).max(1)
    }
}

impl Default for SessionSettings {
    fn default() -> Self {
        SessionSettings {
            idle_timeout_secs: 300,
            absolute_timeout_secs: 1800,
            same_site: SameSite::Lax,
            cleanup_interval_secs: 60,
            cache_accounts: true,
        }
    }
}

impl Default for JwtSettings {
    fn default() -> Self {
        JwtSettings {
            access_ttl_secs: 120,
            refresh_ttl_secs: 1800,
            refresh_family_max_secs: 28_800,
            leeway_secs: 5,
            issuer: "http://127.0.0.1:3000".into(),
            audience: "authlab-api".into(),
            max_keys_per_account: 10,
            max_published_keys: 1_000,
        }
    }
}

impl Default for LimitSettings {
    fn default() -> Self {
        // Sized for a class of about 30 learners behind one NAT address working through the
        // lessons at once (each lesson registers an account and logs in a few times).
        LimitSettings {
            login_per_address: Rate::new(300, 60),
            login_per_name_and_device: Rate::new(10, 60),
            login_per_name: Rate::new(30, 60),
            login_backoff_after: 5,
            login_backoff_max_secs: 300,
            register_per_address: Rate::new(120, 60),
            refresh_per_address: Rate::new(600, 60),
            key_rotation_per_account: Rate::new(5, 60),
            matrix_per_account: Rate::new(2, 60),
            scale_per_account: Rate::new(6, 60),
            attacks_per_account: Rate::new(60, 60),
            cost_runs_per_account: Rate::new(10, 60),
            audit_refusals_per_minute: 120,
            audit_allowed_reads_per_minute: 120,
            audit_allowed_writes_per_minute: 120,
        }
    }
}

impl Default for RetentionSettings {
    fn default() -> Self {
        RetentionSettings {
            audit_secs: 7 * 86_400,
            audit_max_rows_per_account: 5_000,
            audit_max_rows: 200_000,
            refresh_tokens_secs: 86_400,
            security_events_secs: 30 * 86_400,
            ended_sessions_secs: 86_400,
        }
    }
}

/// Why the settings could not be loaded. The server refuses to start rather than guess.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("cannot read settings file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("settings file {path} is not valid: {message}")]
    Parse { path: String, message: String },
    #[error("environment variable {name} is not valid: {message}")]
    Env { name: String, message: String },
    #[error("unknown environment variable {name}; known: {known}")]
    UnknownEnv { name: String, known: String },
    #[error("setting {name} is out of range: {message}")]
    Range { name: &'static str, message: String },
    /// A combination of settings that would expose the lab to the network: the server refuses to
    /// start rather than guess.
    #[error("refusing to start: {0}")]
    Unsafe(&'static str),
}

/// Why `hosting.trusted_proxy` without `hosting.public_hosts` stops the start.
pub const TRUSTED_PROXY_NEEDS_PUBLIC_HOSTS: &str =
    "hosting.trusted_proxy is on but hosting.public_hosts is empty. Behind a proxy every request \
     arrives from loopback, so a proxy passing Host: 127.0.0.1 would make this hosted lab look \
     like loopback use, where the demo accounts' passwords (alice's, an administrator's, \
     included) are public. Set hosting.public_hosts (AUTHLAB_PUBLIC_HOSTS) to the name the proxy \
     serves, and have the proxy pass that Host header.";

/// The file read when `AUTHLAB_SETTINGS` is not set. A missing default file means "all defaults".
pub const DEFAULT_FILE: &str = "Leptos.toml";

/// Each setting's environment variable, written once: the list of names and the code that applies
/// them both come from here.
macro_rules! env_overrides {
    ($($name:literal => $($field:ident).+;)*) => {
        /// The environment variables that override single settings, in `Leptos.toml` order.
        pub const ENV_OVERRIDES: &[&str] = &[$($name),*];

        impl Settings {
            fn apply_env(&mut self, env: &impl Fn(&str) -> Option<String>) -> Result<(), SettingsError> {
                // DATABASE_URL is the name every SQL tool knows; the AUTHLAB_ one wins.
                override_from(&mut self.database_url, "DATABASE_URL", env)?;
                $(override_from(&mut self.$($field).+, $name, env)?;)*
                Ok(())
            }
        }
    };
}

env_overrides! {
    "AUTHLAB_LISTEN" => listen;
    "AUTHLAB_DATABASE_URL" => database_url;
    "AUTHLAB_SEED_DEMO_ACCOUNTS" => seed_demo_accounts;
    "AUTHLAB_LOG_LEVEL" => log_level;
    "AUTHLAB_NODE_ID" => node_id;
    "AUTHLAB_PUBLIC_HOSTS" => hosting.public_hosts;
    "AUTHLAB_ATTACKER_ORIGIN" => hosting.attacker_origin;
    "AUTHLAB_ADMIN_PASSWORD" => hosting.admin_password;
    "AUTHLAB_TRUSTED_PROXY" => hosting.trusted_proxy;
    "AUTHLAB_DEMO_RESET_SECS" => hosting.demo_reset_secs;
    "AUTHLAB_LESSON_ACCOUNT_TTL_SECS" => hosting.lesson_account_ttl_secs;
    "AUTHLAB_SERVER_HEADER_READ_TIMEOUT_SECS" => server.header_read_timeout_secs;
    "AUTHLAB_SERVER_REQUEST_TIMEOUT_SECS" => server.request_timeout_secs;
    "AUTHLAB_SERVER_MAX_CONNECTIONS" => server.max_connections;
    "AUTHLAB_SERVER_MAX_EVENT_STREAMS_PER_USER" => server.max_event_streams_per_user;
    "AUTHLAB_SERVER_MAX_EVENT_STREAMS_PER_ADDRESS" => server.max_event_streams_per_address;
    "AUTHLAB_SERVER_EVENT_STREAM_RECHECK_SECS" => server.event_stream_recheck_secs;
    "AUTHLAB_PASSWORDS_MAX_CONCURRENT_HASHES" => passwords.max_concurrent_hashes;
    "AUTHLAB_PASSWORDS_MAX_QUEUED_HASHES" => passwords.max_queued_hashes;
    "AUTHLAB_PASSWORDS_MAX_HASHES_PER_ACCOUNT" => passwords.max_hashes_per_account;
    "AUTHLAB_SESSION_IDLE_TIMEOUT_SECS" => session.idle_timeout_secs;
    "AUTHLAB_SESSION_ABSOLUTE_TIMEOUT_SECS" => session.absolute_timeout_secs;
    "AUTHLAB_SESSION_SAME_SITE" => session.same_site;
    "AUTHLAB_SESSION_CLEANUP_INTERVAL_SECS" => session.cleanup_interval_secs;
    "AUTHLAB_SESSION_CACHE_ACCOUNTS" => session.cache_accounts;
    "AUTHLAB_JWT_ACCESS_TTL_SECS" => jwt.access_ttl_secs;
    "AUTHLAB_JWT_REFRESH_TTL_SECS" => jwt.refresh_ttl_secs;
    "AUTHLAB_JWT_REFRESH_FAMILY_MAX_SECS" => jwt.refresh_family_max_secs;
    "AUTHLAB_JWT_LEEWAY_SECS" => jwt.leeway_secs;
    "AUTHLAB_JWT_ISSUER" => jwt.issuer;
    "AUTHLAB_JWT_AUDIENCE" => jwt.audience;
    "AUTHLAB_JWT_MAX_KEYS_PER_ACCOUNT" => jwt.max_keys_per_account;
    "AUTHLAB_JWT_MAX_PUBLISHED_KEYS" => jwt.max_published_keys;
    "AUTHLAB_LIMITS_LOGIN_PER_ADDRESS" => limits.login_per_address;
    "AUTHLAB_LIMITS_LOGIN_PER_NAME_AND_DEVICE" => limits.login_per_name_and_device;
    "AUTHLAB_LIMITS_LOGIN_PER_NAME" => limits.login_per_name;
    "AUTHLAB_LIMITS_LOGIN_BACKOFF_AFTER" => limits.login_backoff_after;
    "AUTHLAB_LIMITS_LOGIN_BACKOFF_MAX_SECS" => limits.login_backoff_max_secs;
    "AUTHLAB_LIMITS_REGISTER_PER_ADDRESS" => limits.register_per_address;
    "AUTHLAB_LIMITS_REFRESH_PER_ADDRESS" => limits.refresh_per_address;
    "AUTHLAB_LIMITS_KEY_ROTATION_PER_ACCOUNT" => limits.key_rotation_per_account;
    "AUTHLAB_LIMITS_MATRIX_PER_ACCOUNT" => limits.matrix_per_account;
    "AUTHLAB_LIMITS_SCALE_PER_ACCOUNT" => limits.scale_per_account;
    "AUTHLAB_LIMITS_ATTACKS_PER_ACCOUNT" => limits.attacks_per_account;
    "AUTHLAB_LIMITS_COST_RUNS_PER_ACCOUNT" => limits.cost_runs_per_account;
    "AUTHLAB_LIMITS_AUDIT_REFUSALS_PER_MINUTE" => limits.audit_refusals_per_minute;
    "AUTHLAB_LIMITS_AUDIT_ALLOWED_READS_PER_MINUTE" => limits.audit_allowed_reads_per_minute;
    "AUTHLAB_LIMITS_AUDIT_ALLOWED_WRITES_PER_MINUTE" => limits.audit_allowed_writes_per_minute;
    "AUTHLAB_RETENTION_AUDIT_SECS" => retention.audit_secs;
    "AUTHLAB_RETENTION_AUDIT_MAX_ROWS_PER_ACCOUNT" => retention.audit_max_rows_per_account;
    "AUTHLAB_RETENTION_AUDIT_MAX_ROWS" => retention.audit_max_rows;
    "AUTHLAB_RETENTION_REFRESH_TOKENS_SECS" => retention.refresh_tokens_secs;
    "AUTHLAB_RETENTION_SECURITY_EVENTS_SECS" => retention.security_events_secs;
    "AUTHLAB_RETENTION_ENDED_SESSIONS_SECS" => retention.ended_sessions_secs;
    "AUTHLAB_STORE_URL" => store.url;
    "AUTHLAB_STORE_PREFIX" => store.prefix;
    "AUTHLAB_SCALE_NODE_BINARY" => scale.node_binary;
    "AUTHLAB_SCALE_ALLOWED_ACCOUNTS" => scale.allowed_accounts;
}

impl Settings {
    /// Load from the process environment: the settings file, then the variables.
    pub fn load() -> Result<Settings, SettingsError> {
        let vars: Vec<(String, String)> = std::env::vars().collect();
        Settings::check_env_names(vars.iter().map(|(name, _)| name.as_str()))?;
        Settings::load_from(|name| {
            vars.iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.clone())
        })
    }

    /// Load with `env` standing in for the environment (tests pass a map).
    pub fn load_from(env: impl Fn(&str) -> Option<String>) -> Result<Settings, SettingsError> {
        let explicit = env("AUTHLAB_SETTINGS");
        let path = explicit.clone().unwrap_or_else(|| DEFAULT_FILE.to_string());
        let mut settings = match std::fs::read_to_string(&path) {
            Ok(text) => Settings::from_toml(&text).map_err(|message| SettingsError::Parse {
                path: path.clone(),
                message,
            })?,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound && explicit.is_none() => {
                Settings::default()
            }
            Err(source) => return Err(SettingsError::Read { path, source }),
        };
        settings.apply_env(&env)?;
        settings.check_ranges()?;
        Ok(settings)
    }

    /// Parse a settings file's text; missing keys keep their defaults, unknown keys are errors
    /// (a typo must not silently leave a security setting at its default).
    pub fn from_toml(text: &str) -> Result<Settings, String> {
        toml::from_str(text).map_err(|err| err.to_string())
    }

    fn check_ranges(&self) -> Result<(), SettingsError> {
        let range = |name, message: &str| {
            Err(SettingsError::Range {
                name,
                message: message.to_string(),
            })
        };
        let node_name = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
        if self.node_id.len() > 32 || !self.node_id.chars().all(node_name) {
            return range(
                "node_id",
                "at most 32 letters, digits, '-' or '_' (it is sent as a header)",
            );
        }
        if self.session.idle_timeout_secs == 0 || self.session.absolute_timeout_secs == 0 {
            return range("session timeouts", "must be at least 1 second");
        }
        if self.session.cleanup_interval_secs == 0 {
            return range("session.cleanup_interval_secs", "must be at least 1 second");
        }
        if self.jwt.leeway_secs > 60 {
            return range("jwt.leeway_secs", "must be at most 60 seconds");
        }
        if self.jwt.max_published_keys == 0 {
            return range("jwt.max_published_keys", "must be at least 1");
        }
        if self.jwt.max_keys_per_account < 2 {
            return range(
                "jwt.max_keys_per_account",
                "must be at least 2 (one to rotate to)",
            );
        }
        if self.server.header_read_timeout_secs == 0
            || self.server.request_timeout_secs == 0
            || self.server.event_stream_recheck_secs == 0
        {
            return range("server timeouts", "must be at least 1 second");
        }
        if self.server.max_connections == 0
            || self.server.max_event_streams_per_user == 0
            || self.server.max_event_streams_per_address == 0
        {
            return range("server limits", "must be at least 1");
        }
        // demo_reset_secs = 0 means "never reset" (the browser suite shares the demo accounts).
        if self.limits.audit_refusals_per_minute == 0 {
            return range("limits.audit_refusals_per_minute", "must be at least 1");
        }
        if self.limits.audit_allowed_writes_per_minute == 0 {
            return range(
                "limits.audit_allowed_writes_per_minute",
                "must be at least 1",
            );
        }
        if self.limits.audit_allowed_reads_per_minute == 0 {
            return range(
                "limits.audit_allowed_reads_per_minute",
                "must be at least 1",
            );
        }
        if self.passwords.max_hashes_per_account == 0 {
            return range("passwords.max_hashes_per_account", "must be at least 1");
        }
        if self.limits.login_backoff_max_secs == 0 {
            return range("limits.login_backoff_max_secs", "must be at least 1 second");
        }
        if self.hosting.lesson_account_ttl_secs == 0 {
            return range(
                "hosting.lesson_account_ttl_secs",
                "must be at least 1 second",
            );
        }
        if self.hosting.trusted_proxy && self.hosting.public_hosts.0.is_empty() {
            // Threat: behind a proxy every connection comes from loopback, and a proxy that
            // passes `Host: 127.0.0.1:<port>` through makes a hosted lab look like loopback use,
            // where alice's admin password is the public one printed on the page.
            return Err(SettingsError::Unsafe(TRUSTED_PROXY_NEEDS_PUBLIC_HOSTS));
        }
        let origin = &self.hosting.attacker_origin;
        if !origin.is_empty() && origin_host(origin).is_none() {
            return range(
                "hosting.attacker_origin",
                "must be http(s)://name[:port], with nothing after it",
            );
        }
        Ok(())
    }

    /// Refuse unknown `AUTHLAB_*` variables, so `AUTHLAB_JWT_TTL=5` is an error, not a silent no-op.
    pub fn check_env_names<'a>(
        names: impl IntoIterator<Item = &'a str>,
    ) -> Result<(), SettingsError> {
        for name in names {
            if name.starts_with("AUTHLAB_")
                && name != "AUTHLAB_SETTINGS"
                && !ENV_OVERRIDES.contains(&name)
            {
                return Err(SettingsError::UnknownEnv {
                    name: name.to_string(),
                    known: ENV_OVERRIDES.join(", "),
                });
            }
        }
        Ok(())
    }

    /// The path of the SQLite file named by `database_url`, if it names a file.
    pub fn database_path(&self) -> Option<&Path> {
        let rest = self
            .database_url
            .strip_prefix("sqlite://")
            .or_else(|| self.database_url.strip_prefix("sqlite:"))?;
        let file = rest.split('?').next().unwrap_or(rest);
        (!file.is_empty() && file != ":memory:").then(|| Path::new(file))
    }
}

fn override_from<T>(
    slot: &mut T,
    name: &str,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<(), SettingsError>
where
    T: FromStr,
    T::Err: Display,
{
    if let Some(value) = env(name) {
        // The value itself is not repeated: it may be a password.
        *slot = value.parse().map_err(|err: T::Err| SettingsError::Env {
            name: name.to_string(),
            message: err.to_string(),
        })?;
    }
    Ok(())
}

/// How much the server logs about itself (everyone else's crates log at warn).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    Error,
    Warn,
    Info,
    Debug,
    Trace,
}

impl LogLevel {
    pub fn as_tracing(self) -> tracing::Level {
        match self {
            LogLevel::Error => tracing::Level::ERROR,
            LogLevel::Warn => tracing::Level::WARN,
            LogLevel::Info => tracing::Level::INFO,
            LogLevel::Debug => tracing::Level::DEBUG,
            LogLevel::Trace => tracing::Level::TRACE,
        }
    }
}

impl FromStr for LogLevel {
    type Err = String;

    fn from_str(text: &str) -> Result<LogLevel, String> {
        match text {
            "error" => Ok(LogLevel::Error),
            "warn" => Ok(LogLevel::Warn),
            "info" => Ok(LogLevel::Info),
            "debug" => Ok(LogLevel::Debug),
            "trace" => Ok(LogLevel::Trace),
            _ => Err("log_level must be error, warn, info, debug or trace".into()),
        }
    }
}

/// `http(s)://host[:port]` → `host[:port]`; `None` for anything else (a path, a query, a
/// user-info part, another scheme).
pub fn origin_host(origin: &str) -> Option<&str> {
    let rest = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))?;
    let valid = !rest.is_empty()
        && rest
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'));
    valid.then_some(rest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    fn write_file(text: &str) -> (tempfile::TempDir, String) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.toml");
        std::fs::write(&path, text).unwrap();
        (dir, path.to_string_lossy().into_owned())
    }

    #[test]
    fn no_file_and_no_variables_give_the_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("Leptos.toml");
        // An explicitly named file must exist...
        let err = Settings::load_from(env_of(&[("AUTHLAB_SETTINGS", missing.to_str().unwrap())]))
            .unwrap_err();
        assert!(matches!(err, SettingsError::Read { .. }), "{err}");
        // ...while the defaults alone are a complete configuration.
        assert_eq!(Settings::from_toml("").unwrap(), Settings::default());
        assert_eq!(Settings::default().listen.to_string(), "127.0.0.1:3000");
    }

    #[test]
    fn the_shipped_leptos_toml_parses_and_matches_the_defaults() {
        let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Leptos.toml"))
            .expect("Leptos.toml at the crate root");
        assert_eq!(Settings::from_toml(&text).unwrap(), Settings::default());
    }

    #[test]
    fn file_values_override_defaults_and_variables_override_the_file() {
        let (_dir, path) = write_file(
            "listen = \"127.0.0.1:4000\"\n[jwt]\naccess_ttl_secs = 30\nissuer = \"file\"\n",
        );
        let settings = Settings::load_from(env_of(&[
            ("AUTHLAB_SETTINGS", &path),
            ("AUTHLAB_JWT_ISSUER", "env"),
        ]))
        .unwrap();
        assert_eq!(settings.listen.port(), 4000);
        assert_eq!(settings.jwt.access_ttl_secs, 30);
        assert_eq!(settings.jwt.issuer, "env");
        assert_eq!(settings.jwt.audience, JwtSettings::default().audience);
    }

    #[test]
    fn authlab_database_url_beats_database_url() {
        let (_dir, path) = write_file("");
        let only_generic = Settings::load_from(env_of(&[
            ("AUTHLAB_SETTINGS", &path),
            ("DATABASE_URL", "sqlite://a.db"),
        ]))
        .unwrap();
        assert_eq!(only_generic.database_url, "sqlite://a.db");
        let both = Settings::load_from(env_of(&[
            ("AUTHLAB_SETTINGS", &path),
            ("DATABASE_URL", "sqlite://a.db"),
            ("AUTHLAB_DATABASE_URL", "sqlite://b.db"),
        ]))
        .unwrap();
        assert_eq!(both.database_url, "sqlite://b.db");
    }

    #[test]
    fn unknown_keys_and_bad_values_are_refused_with_their_name() {
        let err = Settings::from_toml("[jwt]\naccess_ttl = 5\n").unwrap_err();
        assert!(err.contains("access_ttl"), "{err}");
        // Typed values: a misspelt level or SameSite is refused, never defaulted.
        let err = Settings::from_toml("log_level = \"verbose\"\n").unwrap_err();
        assert!(err.contains("log_level"), "{err}");
        let err = Settings::from_toml("[session]\nsame_site = \"lax\"\n").unwrap_err();
        assert!(err.contains("same_site"), "{err}");
        let err = Settings::load_from(env_of(&[("AUTHLAB_LOG_LEVEL", "loud")])).unwrap_err();
        assert!(err.to_string().contains("AUTHLAB_LOG_LEVEL"), "{err}");

        let (_dir, path) = write_file("");
        let err = Settings::load_from(env_of(&[
            ("AUTHLAB_SETTINGS", &path),
            ("AUTHLAB_LISTEN", "not an address"),
        ]))
        .unwrap_err();
        assert!(err.to_string().contains("AUTHLAB_LISTEN"), "{err}");

        let err = Settings::load_from(env_of(&[
            ("AUTHLAB_SETTINGS", &path),
            ("AUTHLAB_SESSION_SAME_SITE", "lax"),
        ]))
        .unwrap_err();
        assert!(err.to_string().contains("same_site"), "{err}");

        let err = Settings::check_env_names(["PATH", "AUTHLAB_JWT_TTL"]).unwrap_err();
        assert!(err.to_string().contains("AUTHLAB_JWT_TTL"), "{err}");
        Settings::check_env_names(ENV_OVERRIDES.iter().copied().chain(["AUTHLAB_SETTINGS"]))
            .unwrap();
    }

    #[test]
    fn database_path_is_the_file_part_of_the_url() {
        let mut settings = Settings::default();
        assert_eq!(settings.database_path(), Some(Path::new("data/authlab.db")));
        settings.database_url = "sqlite:///tmp/x/lab.db?mode=rwc".into();
        assert_eq!(settings.database_path(), Some(Path::new("/tmp/x/lab.db")));
        settings.database_url = "sqlite::memory:".into();
        assert_eq!(settings.database_path(), None);
    }
}
