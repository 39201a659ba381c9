//! The settings' own tests: defaults, the file, the variables, and the ranges.

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
    let (_dir, path) =
        write_file("listen = \"127.0.0.1:4000\"\n[jwt]\naccess_ttl_secs = 30\nissuer = \"file\"\n");
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
    Settings::check_env_names(ENV_OVERRIDES.iter().copied().chain(["AUTHLAB_SETTINGS"])).unwrap();
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
