//! Runtime settings of the server. Three layers, later ones winning: built-in defaults (so no file is
//! needed at all), the TOML file `Leptos.toml` (or the file named by `AUTHLAB_SETTINGS`), and one
//! `AUTHLAB_…` environment variable per setting (plus the conventional `DATABASE_URL`).
//!
//! cargo-leptos never reads `Leptos.toml`; its *build* settings live in `Cargo.toml`
//! (`[package.metadata.leptos]`). This file is only for what the running server does.

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
    /// Seed the public demo accounts (alice, bob) when they do not exist yet.
    pub seed_demo_accounts: bool,
    /// Log level of the server's own events: error, warn, info, debug or trace.
    pub log_level: String,
    pub passwords: PasswordSettings,
    pub session: SessionSettings,
    pub jwt: JwtSettings,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PasswordSettings {
    /// At most this many argon2 computations run at once (each takes ~19 MiB and ~14 ms of a core);
    /// more logins wait their turn instead of starving the machine.
    pub max_concurrent_hashes: usize,
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
    pub same_site: String,
    /// How often the cleanup task deletes expired session records.
    pub cleanup_interval_secs: u64,
}

/// Bearer-JWT mode.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JwtSettings {
    /// Lifetime of an access token.
    pub access_ttl_secs: u64,
    /// Lifetime of a refresh token.
    pub refresh_ttl_secs: u64,
    /// Clock skew tolerated when checking `exp` and `nbf`.
    pub leeway_secs: u64,
    /// `iss` claim written and required.
    pub issuer: String,
    /// `aud` claim written and required.
    pub audience: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            listen: SocketAddr::from(([127, 0, 0, 1], 3000)),
            database_url: "sqlite://data/authlab.db".into(),
            seed_demo_accounts: true,
            log_level: "info".into(),
            passwords: PasswordSettings::default(),
            session: SessionSettings::default(),
            jwt: JwtSettings::default(),
        }
    }
}

impl Default for PasswordSettings {
    fn default() -> Self {
        PasswordSettings {
            max_concurrent_hashes: 2,
        }
    }
}

impl Default for SessionSettings {
    fn default() -> Self {
        SessionSettings {
            idle_timeout_secs: 300,
            absolute_timeout_secs: 1800,
            same_site: "Lax".into(),
            cleanup_interval_secs: 60,
        }
    }
}

impl Default for JwtSettings {
    fn default() -> Self {
        JwtSettings {
            access_ttl_secs: 120,
            refresh_ttl_secs: 1800,
            leeway_secs: 5,
            issuer: "http://127.0.0.1:3000".into(),
            audience: "authlab-api".into(),
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
    #[error("environment variable {name}={value:?} is not valid: {message}")]
    Env {
        name: String,
        value: String,
        message: String,
    },
    #[error("unknown environment variable {name}; known: {known}")]
    UnknownEnv { name: String, known: String },
    #[error("setting {name} is out of range: {message}")]
    Range { name: &'static str, message: String },
}

/// The file read when `AUTHLAB_SETTINGS` is not set. A missing default file means "all defaults".
pub const DEFAULT_FILE: &str = "Leptos.toml";

/// The environment variables that override single settings, in `Leptos.toml` order.
pub const ENV_OVERRIDES: [&str; 14] = [
    "AUTHLAB_LISTEN",
    "AUTHLAB_DATABASE_URL",
    "AUTHLAB_SEED_DEMO_ACCOUNTS",
    "AUTHLAB_LOG_LEVEL",
    "AUTHLAB_PASSWORDS_MAX_CONCURRENT_HASHES",
    "AUTHLAB_SESSION_IDLE_TIMEOUT_SECS",
    "AUTHLAB_SESSION_ABSOLUTE_TIMEOUT_SECS",
    "AUTHLAB_SESSION_SAME_SITE",
    "AUTHLAB_SESSION_CLEANUP_INTERVAL_SECS",
    "AUTHLAB_JWT_ACCESS_TTL_SECS",
    "AUTHLAB_JWT_REFRESH_TTL_SECS",
    "AUTHLAB_JWT_LEEWAY_SECS",
    "AUTHLAB_JWT_ISSUER",
    "AUTHLAB_JWT_AUDIENCE",
];

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

    fn apply_env(&mut self, env: &impl Fn(&str) -> Option<String>) -> Result<(), SettingsError> {
        let [listen, database_url, seed, log_level, hashes, idle, absolute, same_site, cleanup, access, refresh, leeway, issuer, audience] =
            ENV_OVERRIDES;
        // DATABASE_URL is the name every SQL tool knows; the AUTHLAB_ one wins when both are set.
        override_from(&mut self.database_url, "DATABASE_URL", env)?;
        override_from(&mut self.listen, listen, env)?;
        override_from(&mut self.database_url, database_url, env)?;
        override_from(&mut self.seed_demo_accounts, seed, env)?;
        override_from(&mut self.log_level, log_level, env)?;
        override_from(&mut self.passwords.max_concurrent_hashes, hashes, env)?;
        override_from(&mut self.session.idle_timeout_secs, idle, env)?;
        override_from(&mut self.session.absolute_timeout_secs, absolute, env)?;
        override_from(&mut self.session.same_site, same_site, env)?;
        override_from(&mut self.session.cleanup_interval_secs, cleanup, env)?;
        override_from(&mut self.jwt.access_ttl_secs, access, env)?;
        override_from(&mut self.jwt.refresh_ttl_secs, refresh, env)?;
        override_from(&mut self.jwt.leeway_secs, leeway, env)?;
        override_from(&mut self.jwt.issuer, issuer, env)?;
        override_from(&mut self.jwt.audience, audience, env)?;
        Ok(())
    }

    fn check_ranges(&self) -> Result<(), SettingsError> {
        let range = |name, message: &str| {
            Err(SettingsError::Range {
                name,
                message: message.to_string(),
            })
        };
        if self.passwords.max_concurrent_hashes == 0 {
            return range("passwords.max_concurrent_hashes", "must be at least 1");
        }
        if !["error", "warn", "info", "debug", "trace"].contains(&self.log_level.as_str()) {
            return range("log_level", "must be error, warn, info, debug or trace");
        }
        if !["Lax", "Strict", "None"].contains(&self.session.same_site.as_str()) {
            return range("session.same_site", "must be Lax, Strict or None");
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
        *slot = value.parse().map_err(|err: T::Err| SettingsError::Env {
            name: name.to_string(),
            value: value.clone(),
            message: err.to_string(),
        })?;
    }
    Ok(())
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
