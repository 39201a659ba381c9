//! The playground's six modes: where the state lives (a record on the server, or a signed token)
//! crossed with how the credential travels (a cookie the browser attaches, or a header the page's
//! script attaches), plus the two answers today's guidance gives for browser apps: a token bound
//! to a key the page cannot export (DPoP), and no token in the browser at all (a BFF).

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transport {
    /// An opaque id in an HttpOnly cookie, a record on the server.
    Session,
    /// A signed token the page holds and sends as `Authorization: Bearer`.
    Bearer,
    /// A signed token in an HttpOnly cookie the browser attaches.
    JwtCookie,
    /// An opaque id the page holds and sends as `Authorization: Bearer`.
    SessionHeader,
    /// A signed token bound to the page's non-extractable key, each request with a proof.
    Dpop,
    /// A session cookie to a backend that holds the tokens on the server.
    Bff,
}

impl Transport {
    pub const ALL: [Transport; 6] = [
        Transport::Session,
        Transport::Bearer,
        Transport::JwtCookie,
        Transport::SessionHeader,
        Transport::Dpop,
        Transport::Bff,
    ];

    /// The name kept in the page's storage and used in test ids (`session` and `jwt` as before).
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Session => "session",
            Transport::Bearer => "jwt",
            Transport::JwtCookie => "jwt-cookie",
            Transport::SessionHeader => "session-header",
            Transport::Dpop => "dpop",
            Transport::Bff => "bff",
        }
    }

    pub fn parse(text: &str) -> Option<Transport> {
        Transport::ALL.into_iter().find(|t| t.as_str() == text)
    }

    /// What the mode toggle says.
    pub fn label(self) -> &'static str {
        match self {
            Transport::Session => "cookie session",
            Transport::Bearer => "bearer JWT",
            Transport::JwtCookie => "JWT in a cookie",
            Transport::SessionHeader => "session id in a header",
            Transport::Dpop => "DPoP-bound JWT",
            Transport::Bff => "backend-for-frontend",
        }
    }

    /// Where the state lives.
    pub fn state(self) -> &'static str {
        match self {
            Transport::Session | Transport::SessionHeader | Transport::Bff => {
                "a record on the server"
            }
            Transport::Bearer | Transport::JwtCookie | Transport::Dpop => "a signed token",
        }
    }

    /// How the browser's credential travels.
    pub fn carrier(self) -> &'static str {
        match self {
            Transport::Session | Transport::JwtCookie | Transport::Bff => {
                "a cookie the browser attaches"
            }
            Transport::Bearer | Transport::SessionHeader | Transport::Dpop => {
                "a header the page's script attaches"
            }
        }
    }
}
