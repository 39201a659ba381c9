//! Types that cross the wire between the browser and the server. Both targets compile them, so
//! the client and the server cannot disagree about a field name. Nothing secret is kept here:
//! a password only passes through, inside a newtype that never prints itself.
//!
//! One file per domain, all re-exported here (`crate::wire::X` whatever file X lives in):
//! `trace` (how a request was judged), `account`, `session`, `jwt`, `audit`, `lab` (the
//! experiments' answers), `scale` (the scale lab) and `error`. `paths` (every path of the HTTP
//! interface) keeps its own name: `wire::paths::session::LOGIN`.

mod account;
pub mod account_rules;
mod attack;
mod audit;
mod auth_cost;
mod bff;
mod challenge;
mod class;
mod error;
mod jwt;
mod lab;
pub mod paths;
mod scale;
mod session;
mod trace;
mod transport;
mod workbench;

pub use account::*;
pub use attack::*;
pub use audit::*;
pub use auth_cost::*;
pub use bff::*;
pub use challenge::*;
pub use class::*;
pub use error::*;
pub use jwt::*;
pub use lab::*;
pub use scale::*;
pub use session::*;
pub use trace::*;
pub use transport::*;
pub use workbench::*;

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
        for role in [Role::Admin, Role::Teacher, Role::User] {
            assert_eq!(Role::parse(role.as_str()), Some(role));
            assert_eq!(serde_json::to_string(&role).unwrap(), format!("\"{role}\""));
        }
        assert_eq!(Role::parse("Admin"), None);
    }

    #[test]
    fn header_and_ratio_arithmetic_on_a_known_token() {
        // A real-shaped token of 160 characters and a 22-character session id.
        let token = "eyJhbGciOiJFZERTQSIsInR5cCI6ImF0K2p3dCJ9.".to_string()
            + &"a".repeat(76)
            + "."
            + &"s".repeat(42);
        assert_eq!(token.len(), 160);
        let bearer = format!("Bearer {token}");
        let authorization = header_line_bytes("authorization", &bearer);
        assert_eq!(authorization, 13 + 2 + 7 + 160 + 2);
        let cookie = header_line_bytes(
            "cookie",
            &format!("__Host-authlab_session={}", "x".repeat(22)),
        );
        assert_eq!(cookie, 6 + 2 + 23 + 22 + 2);
        assert_eq!(cookie, 55);
        assert_eq!(authorization, 184);
        let head = request_head_bytes(
            "GET",
            "/api/me",
            [("host", "127.0.0.1:3000"), ("cookie", "a=b")],
        );
        assert_eq!(
            head,
            (3 + 1 + 7 + 11) + (4 + 2 + 14 + 2) + (6 + 2 + 3 + 2) + 2
        );
    }
}
