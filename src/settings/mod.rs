//! Runtime settings of the server. Three layers, later ones winning: built-in defaults (so no file is
//! needed at all), the TOML file `Leptos.toml` (or the file named by `AUTHLAB_SETTINGS`), and one
//! `AUTHLAB_…` environment variable per setting (plus the conventional `DATABASE_URL`).
//!
//! cargo-leptos never reads `Leptos.toml`; its *build* settings live in `Cargo.toml`
//! (`[package.metadata.leptos]`). This file is only for what the running server does.

pub mod rate;

mod hosting;
mod jwt;
mod limits;
mod log_level;
mod passwords;
mod retention;
mod scale;
mod server;
mod session;
mod store;
#[cfg(test)]
mod tests;

pub use hosting::{
    origin_host, HostList, HostingSettings, NameList, TeacherList, TRUSTED_PROXY_NEEDS_PUBLIC_HOSTS,
};
pub use jwt::JwtSettings;
pub use limits::LimitSettings;
pub use log_level::LogLevel;
pub use passwords::PasswordSettings;
pub use retention::RetentionSettings;
pub use scale::ScaleSettings;
pub use server::ServerSettings;
pub use session::SessionSettings;
pub use store::{StoreSettings, StoreUrl};

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

/// A setting out of its range.
fn out_of_range(name: &'static str, message: &str) -> Result<(), SettingsError> {
    Err(SettingsError::Range {
        name,
        message: message.to_string(),
    })
}

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
    "AUTHLAB_TEACHERS" => hosting.teachers;
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
    "AUTHLAB_LIMITS_JOIN_PER_ACCOUNT" => limits.join_per_account;
    "AUTHLAB_LIMITS_JOIN_PER_ADDRESS" => limits.join_per_address;
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

    /// Each value in its range, section by section (each section's own `check`).
    fn check_ranges(&self) -> Result<(), SettingsError> {
        let node_name = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
        if self.node_id.len() > 32 || !self.node_id.chars().all(node_name) {
            return out_of_range(
                "node_id",
                "at most 32 letters, digits, '-' or '_' (it is sent as a header)",
            );
        }
        self.session.check()?;
        self.jwt.check()?;
        self.server.check()?;
        self.limits.check()?;
        self.passwords.check()?;
        self.hosting.check()
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
