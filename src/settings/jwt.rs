//! `[jwt]`: bearer-JWT mode.

use super::{out_of_range, SettingsError};
use serde::Deserialize;

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

impl JwtSettings {
    pub(super) fn check(&self) -> Result<(), SettingsError> {
        if self.leeway_secs > 60 {
            return out_of_range("jwt.leeway_secs", "must be at most 60 seconds");
        }
        if self.max_published_keys == 0 {
            return out_of_range("jwt.max_published_keys", "must be at least 1");
        }
        if self.max_keys_per_account < 2 {
            return out_of_range(
                "jwt.max_keys_per_account",
                "must be at least 2 (one to rotate to)",
            );
        }
        Ok(())
    }
}
