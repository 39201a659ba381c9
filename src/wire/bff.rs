//! The backend-for-frontend's answers (claim 26): the browser holds only its session cookie; the
//! tokens stay on the server, and what the page sees is what the BFF chose to pass on.

use super::{AuthTrace, CookieReport, Role, SessionView};
use serde::{Deserialize, Serialize};

/// `POST /api/bff/login` and `GET /api/bff/current`: the browser's session, and what the BFF
/// holds for it, without the tokens.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BffState {
    pub username: String,
    pub role: Role,
    /// Sent back in `X-CSRF-Token` on every state-changing request to the BFF.
    pub csrf_token: String,
    pub session: SessionView,
    pub cookie: CookieReport,
    /// When the access token the BFF holds expires (it refreshes before then), Unix seconds.
    pub access_expires_at: i64,
    /// When the refresh token the BFF holds expires, Unix seconds.
    pub refresh_expires_at: i64,
    pub server_now: i64,
}

/// What a call through `/api/bff/api/…` answers: the API's status and body as the BFF received
/// them, and the two hops' decisions: the browser's request to the BFF (judged by its session
/// cookie), and the BFF's request to the API (judged by the access token the BFF holds).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BffAnswer {
    pub status: u16,
    pub body: serde_json::Value,
    pub browser_hop: AuthTrace,
    pub api_hop: Option<AuthTrace>,
    /// The BFF refreshed its access token before this call.
    pub refreshed: bool,
}
