//! The experiments' answers: replays, the logout matrix, the cross-site probe, the JWKS-only
//! verifier, the role claim and the bytes a request sent.

use super::Role;
use serde::{Deserialize, Serialize};

/// `GET /api/lab/role-claim`: what a credential says about its role (and that nothing obeys it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleClaim {
    pub username: String,
    pub claimed_role: Role,
    /// Where the role was read from: the accounts table (session) or the token's claim (JWT).
    pub source: String,
    pub note: String,
}

/// `POST /api/replay/capture`: the handle to a server-side copy of the session cookie.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Captured {
    pub handle: String,
    /// What a replay sends: always `GET /api/me`.
    pub replays: String,
}

/// `GET /api/lab/forgery-site`: the origin that serves the forgery lesson's attacker page, if
/// this lab has one for the name it was reached by.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForgerySite {
    pub origin: Option<String>,
}

/// `POST /api/replay`: which copy to replay. The handle is a capability, so it travels in the
/// body, never in a URL path that access logs and browser history keep.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplayRequest {
    pub handle: String,
}

/// An event after which access ought to end: the rows of the logout matrix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccessEvent {
    LogoutThisDevice,
    LogoutEverywhere,
    PasswordChange,
    RoleChange,
    AccountDisabled,
}

impl AccessEvent {
    pub const ALL: [AccessEvent; 5] = [
        AccessEvent::LogoutThisDevice,
        AccessEvent::LogoutEverywhere,
        AccessEvent::PasswordChange,
        AccessEvent::RoleChange,
        AccessEvent::AccountDisabled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AccessEvent::LogoutThisDevice => "logout_this_device",
            AccessEvent::LogoutEverywhere => "logout_everywhere",
            AccessEvent::PasswordChange => "password_change",
            AccessEvent::RoleChange => "role_change",
            AccessEvent::AccountDisabled => "account_disabled",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AccessEvent::LogoutThisDevice => "Log out this device",
            AccessEvent::LogoutEverywhere => "Log out everywhere",
            AccessEvent::PasswordChange => "Password change",
            AccessEvent::RoleChange => "Role change (admin → user)",
            AccessEvent::AccountDisabled => "Account disabled",
        }
    }
}

/// The columns of the logout matrix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatrixModel {
    /// Cookie session (server-side record, user read per request).
    Session,
    /// Bearer JWT, stateless: server-side revocation off.
    Jwt,
    /// Bearer JWT with server-side revocation (denylist + not-before mark) on.
    JwtRevocable,
}

impl MatrixModel {
    pub const ALL: [MatrixModel; 3] = [
        MatrixModel::Session,
        MatrixModel::Jwt,
        MatrixModel::JwtRevocable,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MatrixModel::Session => "session",
            MatrixModel::Jwt => "jwt",
            MatrixModel::JwtRevocable => "jwt_revocable",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            MatrixModel::Session => "cookie session",
            MatrixModel::Jwt => "bearer JWT (stateless)",
            MatrixModel::JwtRevocable => "bearer JWT + server-side revocation",
        }
    }
}

/// One request the matrix runner made, and the status it got.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatrixStep {
    pub request: String,
    pub status: u16,
}

/// One cell: a credential probed before and after the event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatrixCell {
    pub model: MatrixModel,
    /// The probe: `GET /api/me`, or for a role change `GET /api/lab/role-claim` (what the
    /// credential says its role is; it changes nothing).
    pub probe: String,
    pub before: u16,
    pub after: u16,
    /// The check (or error code) that refused the probe after the event.
    pub refused_by: Option<String>,
    /// The server's sentence about the probe after the event.
    pub detail: String,
    /// For JWT cells: what `POST /api/jwt/refresh` answered after the event.
    pub refresh_after: Option<u16>,
    /// Every request made for this cell, in order.
    pub steps: Vec<MatrixStep>,
}

/// One row: an event and what it did to each model.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatrixRow {
    pub event: AccessEvent,
    pub cells: Vec<MatrixCell>,
}

/// `POST /api/lab/logout-matrix`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogoutMatrix {
    pub rows: Vec<MatrixRow>,
    pub ran_at: i64,
}

/// `POST /api/lab/cross-site-probe/start`, `POST /api/lab/xss/start`: the run's nonce, made by
/// the server; only the learner who started it may read its result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabRunStarted {
    pub run: String,
}

/// `GET /api/lab/cross-site-probe/result?nonce=…`: what a cross-site link carried when the
/// learner followed it (all false until it has been followed).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeResult {
    pub arrived: bool,
    pub cookie_sent: bool,
    /// The cookie named a live session.
    pub session_live: bool,
    pub sec_fetch_site: Option<String>,
}

/// `GET /api/lab/xss/result?run=…`: what the attack lab's XSS card's injected script did on the
/// deliberately vulnerable page, as the server saw it arrive.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct XssResult {
    /// The injected script ran and sent its loot to the attacker's drop.
    pub script_ran: bool,
    /// What it found where scripts can read: the place and the first characters of the value.
    pub found: Vec<XssFinding>,
    /// `document.cookie` as the script read it (capped): the HttpOnly session cookie is never in it.
    pub cookie_seen: Option<String>,
    /// The first stolen token, replayed by the attacker from another client: `GET /api/me`.
    pub replay: Option<XssReplay>,
    /// The browser's CSP report: the directive that refused the injected script.
    pub csp_blocked: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct XssFinding {
    pub place: String,
    pub preview: String,
}

/// `POST /api/lab/steal-replay`: what the injected script found, for the server to replay from
/// another client (`XssReplay` is the answer).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StolenCredential {
    pub credential: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct XssReplay {
    pub status: u16,
    /// Who the server took the attacker for, when it let the request in.
    pub username: Option<String>,
    /// The check that refused it, otherwise.
    pub refused_by: Option<String>,
    pub client: String,
}

/// `POST /api/lab/jwks-verify`: what a second service holding only the public key set made of a
/// token. `verified` only with a published key; `detail` says why not, in a sentence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JwksCheck {
    pub verified: bool,
    pub kid: Option<String>,
    pub alg: Option<String>,
    /// How many keys the JWKS it fetched publishes.
    pub published_keys: usize,
    pub detail: String,
}

/// `GET /api/lab/request-size`: how many bytes the request that reached the server took on the
/// wire (HTTP/1.1): its `Cookie` header line, its `Authorization` header line, and the whole
/// request head. The size lesson compares the models with these numbers, never with constants.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestSize {
    pub cookie_bytes: usize,
    pub authorization_bytes: usize,
    pub total_bytes: usize,
}

/// One header line on the wire: `name: value` and CRLF.
pub fn header_line_bytes(name: &str, value: &str) -> usize {
    name.len() + ": ".len() + value.len() + "\r\n".len()
}

/// The request head on the wire: request line, header lines, the blank line.
pub fn request_head_bytes<'a>(
    method: &str,
    target: &str,
    headers: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> usize {
    let request_line = method.len() + 1 + target.len() + " HTTP/1.1\r\n".len();
    let header_lines: usize = headers
        .into_iter()
        .map(|(name, value)| header_line_bytes(name, value))
        .sum();
    request_line + header_lines + "\r\n".len()
}

/// `POST /api/lab/wrong-claim-token`: which one claim of an otherwise genuine token to get wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WrongClaim {
    /// `exp` half an hour ago.
    Expired,
    /// `aud` another service's.
    Audience,
    /// `iss` another issuer's.
    Issuer,
    /// `typ` an ID token's (`id_token+jwt`), not an access token's.
    Typ,
}

impl WrongClaim {
    pub const ALL: [WrongClaim; 4] = [
        WrongClaim::Expired,
        WrongClaim::Audience,
        WrongClaim::Issuer,
        WrongClaim::Typ,
    ];
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WrongClaimRequest {
    pub wrong: WrongClaim,
}

/// A token the server signed with the caller's own key, every claim right but one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WrongClaimToken {
    pub token: String,
    pub wrong: WrongClaim,
    /// Which check refuses it, and which switch lets it through.
    pub note: String,
}
