//! Cookie-session mode on the wire: the session cookie, what its `Set-Cookie` said, and the
//! sessions the server remembers.

use super::{Role, SameSite};
use serde::{Deserialize, Serialize};

/// Name of the session cookie. `__Host-` makes the browser insist on `Secure`, `Path=/` and no
/// `Domain` (see `api::cookies`).
pub const SESSION_COOKIE: &str = "__Host-authlab_session";

/// One attribute of a `Set-Cookie` header, as sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CookieAttribute {
    pub name: String,
    /// `None` for flags such as `HttpOnly`.
    pub value: Option<String>,
    /// The threat this attribute is there to stop.
    pub why: String,
}

/// What the server put in its `Set-Cookie` header, reported back so the page can show it. The
/// value is shortened: the full id stays in the HttpOnly cookie, out of the page's reach.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CookieReport {
    pub name: String,
    pub value_preview: String,
    pub attributes: Vec<CookieAttribute>,
    /// The `Set-Cookie` header with the value elided.
    pub header_preview: String,
    /// Bytes this cookie adds to every request (`Cookie: name=value`).
    pub request_bytes: usize,
}

/// A session as the server remembers it (times are Unix seconds).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    /// A public handle for listing and revoking; not the session id.
    pub handle: String,
    /// The first characters of the session id, for recognising it.
    pub id_preview: String,
    pub username: String,
    pub role: Role,
    pub created_at: i64,
    pub last_seen: i64,
    pub idle_expires_at: i64,
    pub absolute_expires_at: i64,
    pub user_agent: String,
    pub current: bool,
}

/// `POST /api/session/header-login`: a session whose id the page keeps and sends itself, as
/// `Authorization: Bearer <id>`. No cookie is set and no CSRF token is needed (no other site can
/// make the browser attach a header); the id is as safe as the place the page keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeaderSessionState {
    pub username: String,
    pub role: Role,
    /// The session id itself: in the page's hands, so in any script's on the page.
    pub session_id: String,
    pub session: SessionView,
    /// Server time when this was produced, so countdowns do not depend on the browser's clock.
    pub server_now: i64,
}

/// `POST /api/session/login` and `GET /api/session/current`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionState {
    pub username: String,
    pub role: Role,
    /// Sent back in `X-CSRF-Token` on every state-changing request.
    pub csrf_token: String,
    pub session: SessionView,
    pub cookie: CookieReport,
    pub same_site: SameSite,
    /// This account's CSRF defences are deliberately switched off (the attack lab's CSRF card):
    /// every page that shows the session says so.
    #[serde(default)]
    pub csrf_weakened: bool,
    /// This account's vulnerable comments page is served without CSP (the attack lab's XSS card).
    #[serde(default)]
    pub xss_weakened: bool,
    /// The defences this account switched off (`AccountSwitches::defences_off`): the session's
    /// page says so, whichever they are.
    #[serde(default)]
    pub defences_off: Vec<super::Defence>,
    /// Server time when this was produced, so countdowns do not depend on the browser's clock.
    pub server_now: i64,
}
