//! Types that cross the wire between the browser and the server. Both targets compile them, so
//! the client and the server cannot disagree about a field name. Nothing secret is kept here:
//! a password only passes through, inside a newtype that never prints itself.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What an account may do. Stored as lowercase text in the database and on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    User,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::User => "user",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "admin" => Some(Role::Admin),
            "user" => Some(Role::User),
            _ => None,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A plaintext password on its way to be hashed or checked. It must be (de)serialised to travel
/// in a request body, but its `Debug` is redacted so it can never end up in a log line by accident.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Password(String);

impl Password {
    pub fn new(text: impl Into<String>) -> Self {
        Password(text.into())
    }

    /// The plaintext, for the hasher and the length rule only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password([redacted])")
    }
}

/// Body of `POST /api/register` (and, in the mode issues, of the two login endpoints).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    pub username: String,
    pub password: Password,
}

/// `201 Created` answer of `POST /api/register`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registered {
    pub username: String,
    pub role: Role,
}

/// Every 4xx/5xx answer of the JSON API: a stable machine-readable `error` code and a sentence
/// for people in `reason`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiErrorBody {
    pub error: String,
    pub reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_debug_never_shows_the_plaintext() {
        let creds = Credentials {
            username: "alice".into(),
            password: Password::new("hunter2-hunter2"),
        };
        let printed = format!("{creds:?}");
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(printed.contains("[redacted]"));
    }

    #[test]
    fn password_travels_as_a_plain_json_string() {
        let creds: Credentials =
            serde_json::from_str(r#"{"username":"bob","password":"s3cret-pass"}"#).unwrap();
        assert_eq!(creds.password.expose(), "s3cret-pass");
        assert_eq!(
            serde_json::to_string(&creds).unwrap(),
            r#"{"username":"bob","password":"s3cret-pass"}"#
        );
    }

    #[test]
    fn role_round_trips_as_lowercase_text() {
        for role in [Role::Admin, Role::User] {
            assert_eq!(Role::parse(role.as_str()), Some(role));
            assert_eq!(serde_json::to_string(&role).unwrap(), format!("\"{role}\""));
        }
        assert_eq!(Role::parse("Admin"), None);
    }
}
