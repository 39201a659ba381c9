//! Bearer-JWT mode on the wire: the token response, the decoder and the introspection verdict.

use super::AuthTrace;
use serde::{Deserialize, Serialize};

/// `POST /api/jwt/login` and `/api/jwt/refresh` (RFC 6749's token response).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: String,
    pub expires_in: u64,
    /// When the refresh token (in its HttpOnly cookie) expires, Unix seconds.
    pub refresh_expires_at: i64,
    pub server_now: i64,
    /// How long past `exp` this server still accepts the token (clock-skew leeway): the compare
    /// page draws it, because a replay is refused only once `exp + leeway` has passed.
    pub leeway_secs: u64,
}

/// `POST /api/jwt/cookie-login`, `GET /api/jwt/cookie-current`, and `/api/jwt/refresh` of a
/// cookie login: the token went into the HttpOnly access cookie, out of every script's reach,
/// so the page gets only what it needs and may show.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CookieTokenState {
    pub username: String,
    pub role: super::Role,
    /// Repeated in `X-CSRF-Token` on every state-changing request: the token's own `csrf` claim.
    pub csrf_token: String,
    /// The token's claims as the server signed them (not the token: without its signature they
    /// prove nothing), for the inspector.
    pub claims: serde_json::Value,
    /// The access cookie's `Set-Cookie`, its value elided.
    pub cookie: super::CookieReport,
    pub expires_in: u64,
    pub refresh_expires_at: i64,
    pub server_now: i64,
    pub leeway_secs: u64,
}

/// `POST /api/jwt/decode`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecodeRequest {
    pub token: String,
}

/// `POST /api/jwt/introspect` (after RFC 7662): is this token accepted right now, and by which
/// checks: the token's own, the subject, the denylist and the not-before mark, exactly as a
/// request carrying it would be judged. The inspector re-asks at expiry and after every change
/// that can revoke, so its verdict never goes stale.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Introspection {
    pub active: bool,
    pub auth: AuthTrace,
}

/// A token taken apart by the server's own verifier: the decoded parts (anyone can read them) and
/// every check, run to the end so that every problem is named.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecodeReport {
    pub header: Option<serde_json::Value>,
    pub payload: Option<serde_json::Value>,
    pub signature: Option<String>,
    pub checks: AuthTrace,
}
