//! Types that cross the wire between the browser and the server. Both targets compile them, so
//! the client and the server cannot disagree about a field name. Nothing secret is kept here:
//! a password only passes through, inside a newtype that never prints itself.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Name of the session cookie. `__Host-` makes the browser insist on `Secure`, `Path=/` and no
/// `Domain` (see `api::cookies`).
pub const SESSION_COOKIE: &str = "__Host-authlab_session";

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
/// for people in `reason`. Authentication failures also carry the decision trace that refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiErrorBody {
    pub error: String,
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth: Option<AuthTrace>,
}

/// Which of the two models judged a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthMode {
    Session,
    Jwt,
}

impl AuthMode {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMode::Session => "session",
            AuthMode::Jwt => "jwt",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckStatus {
    Pass,
    Fail,
    /// Not reached, because an earlier check failed.
    Skip,
}

/// Every check the server can make while judging a request. Serialised to the names the UI, the
/// Playwright ids and the audit log have always used. Status codes and challenges are derived
/// from this (`CheckId::refuses_as`), never from the text of a check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CheckId {
    // How a request shows it comes from our own pages (cookie mode, state-changing methods).
    #[serde(rename = "same origin")]
    SameOrigin,
    #[serde(rename = "csrf token")]
    CsrfToken,
    // A server-side session.
    #[serde(rename = "cookie")]
    Cookie,
    #[serde(rename = "store lookup")]
    StoreLookup,
    #[serde(rename = "idle timeout")]
    IdleTimeout,
    #[serde(rename = "absolute timeout")]
    AbsoluteTimeout,
    #[serde(rename = "user")]
    User,
    /// An `Authorization` header met an endpoint that takes only a session.
    #[serde(rename = "bearer token")]
    BearerToken,
    // A signed token.
    #[serde(rename = "format")]
    Format,
    #[serde(rename = "kid known")]
    KidKnown,
    #[serde(rename = "algorithm")]
    Algorithm,
    #[serde(rename = "signature")]
    Signature,
    #[serde(rename = "typ")]
    Typ,
    #[serde(rename = "claims")]
    Claims,
    #[serde(rename = "iss")]
    Iss,
    #[serde(rename = "aud")]
    Aud,
    #[serde(rename = "nbf")]
    Nbf,
    #[serde(rename = "exp")]
    Exp,
    #[serde(rename = "subject")]
    Subject,
    #[serde(rename = "denylist")]
    Denylist,
    #[serde(rename = "not-before mark")]
    NotBeforeMark,
}

/// What a failed check means for the answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefusedAs {
    /// 401: the credential does not prove who the caller is.
    Unauthenticated,
    /// 403: the caller may be who they say, but this request may not come from where it did.
    Forbidden,
}

impl CheckId {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckId::SameOrigin => "same origin",
            CheckId::CsrfToken => "csrf token",
            CheckId::Cookie => "cookie",
            CheckId::StoreLookup => "store lookup",
            CheckId::IdleTimeout => "idle timeout",
            CheckId::AbsoluteTimeout => "absolute timeout",
            CheckId::User => "user",
            CheckId::BearerToken => "bearer token",
            CheckId::Format => "format",
            CheckId::KidKnown => "kid known",
            CheckId::Algorithm => "algorithm",
            CheckId::Signature => "signature",
            CheckId::Typ => "typ",
            CheckId::Claims => "claims",
            CheckId::Iss => "iss",
            CheckId::Aud => "aud",
            CheckId::Nbf => "nbf",
            CheckId::Exp => "exp",
            CheckId::Subject => "subject",
            CheckId::Denylist => "denylist",
            CheckId::NotBeforeMark => "not-before mark",
        }
    }

    /// How a refusal by this check is answered.
    pub fn refuses_as(self) -> RefusedAs {
        match self {
            CheckId::SameOrigin | CheckId::CsrfToken => RefusedAs::Forbidden,
            _ => RefusedAs::Unauthenticated,
        }
    }
}

impl std::fmt::Display for CheckId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for CheckId {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// One check the server made while deciding a request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    pub name: CheckId,
    pub status: CheckStatus,
    /// One line saying why.
    pub detail: String,
    /// Measured cost of this check, where it touched a store.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub micros: Option<u64>,
}

/// The decision trace: the ordered checks behind "allowed" or "denied".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthTrace {
    pub mode: AuthMode,
    pub allowed: bool,
    pub checks: Vec<Check>,
}

impl AuthTrace {
    /// The first failing check, if the request was denied.
    pub fn failed_check(&self) -> Option<&Check> {
        self.checks.iter().find(|c| c.status == CheckStatus::Fail)
    }
}

/// `GET /api/me`: who the request is, and how the server decided it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub username: String,
    pub role: Role,
    pub auth: AuthTrace,
}

/// `POST /api/account/password`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: Password,
    pub new_password: Password,
}

/// What "log out everywhere" (and a password change, which implies it) ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessEnded {
    pub sessions_ended: usize,
    pub refresh_families_revoked: u64,
    /// Access tokens issued before this Unix second are refused, where revocation is switched on.
    pub tokens_not_before: i64,
}

/// One account, as `GET /api/admin/accounts` lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountView {
    pub username: String,
    pub role: Role,
    pub disabled: bool,
    pub created_at: i64,
}

/// `PUT /api/admin/accounts/{username}`: only the fields named change.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
}

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

/// One row of the demo card (`GET /api/demo-accounts`): public passwords, loopback use only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoAccountView {
    pub username: String,
    pub password: String,
    pub role: Role,
}

/// `GET /api/demo-accounts`: what the demo card shows. Empty when the lab is hosted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoCard {
    pub accounts: Vec<DemoAccountView>,
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

/// The SameSite attribute of the session cookie, switchable per account.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum SameSite {
    #[default]
    Lax,
    Strict,
    None,
}

impl SameSite {
    pub const ALL: [SameSite; 3] = [SameSite::Lax, SameSite::Strict, SameSite::None];

    pub fn as_str(self) -> &'static str {
        match self {
            SameSite::Lax => "Lax",
            SameSite::Strict => "Strict",
            SameSite::None => "None",
        }
    }

    pub fn parse(text: &str) -> Option<SameSite> {
        SameSite::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

impl std::str::FromStr for SameSite {
    type Err = String;

    fn from_str(text: &str) -> Result<SameSite, String> {
        SameSite::parse(text).ok_or_else(|| "same_site must be Lax, Strict or None".to_string())
    }
}

/// The algorithm an account's access tokens are signed with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum JwtAlg {
    #[default]
    EdDSA,
    ES256,
    HS256,
}

impl JwtAlg {
    pub const ALL: [JwtAlg; 3] = [JwtAlg::EdDSA, JwtAlg::ES256, JwtAlg::HS256];

    pub fn as_str(self) -> &'static str {
        match self {
            JwtAlg::EdDSA => "EdDSA",
            JwtAlg::ES256 => "ES256",
            JwtAlg::HS256 => "HS256",
        }
    }

    pub fn parse(text: &str) -> Option<JwtAlg> {
        JwtAlg::ALL.into_iter().find(|a| a.as_str() == text)
    }
}

/// The lab switches of one account (`GET`/`PUT /api/lab-settings`), applied by the server to that
/// account's requests only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSwitches {
    pub same_site: SameSite,
    pub jwt_alg: JwtAlg,
    /// Revoked access tokens go on a denylist that every bearer request consults.
    pub denylist: bool,
    /// Lifetime of the access tokens issued to this account, if not the server's default
    /// (`ACCESS_TTL_RANGE`): a class watches a 15-second token expire instead of a 2-minute one.
    #[serde(default)]
    pub access_ttl_secs: Option<u64>,
}

/// The access-token lifetimes an account may choose for itself, in seconds.
pub const ACCESS_TTL_RANGE: std::ops::RangeInclusive<u64> = 15..=900;

/// `PUT /api/lab-settings`: only the switches named change.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountSwitchesPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub same_site: Option<SameSite>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwt_alg: Option<JwtAlg>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub denylist: Option<bool>,
    /// Seconds within `ACCESS_TTL_RANGE`, or 0 for the server's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_ttl_secs: Option<u64>,
}

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

/// One entry of the audit log (`GET /api/audit`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub id: i64,
    /// Unix milliseconds.
    pub at_ms: i64,
    pub mode: AuthMode,
    /// `None` when the server cannot tell whose credential it was.
    pub username: Option<String>,
    /// What was attempted: `login`, `logout`, `refresh`, `GET /api/me`, ...
    pub action: String,
    pub allowed: bool,
    pub failed_check: Option<String>,
    pub detail: String,
}

/// `POST /api/jwt/decode`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecodeRequest {
    pub token: String,
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
    /// Server time when this was produced, so countdowns do not depend on the browser's clock.
    pub server_now: i64,
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

/// `a` as a multiple of `b`, to one decimal ("7.7×"); "n/a" when `b` is zero.
pub fn times(a: usize, b: usize) -> String {
    if b == 0 {
        return "n/a".into();
    }
    format!("{:.1}×", a as f64 / b as f64)
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
        assert_eq!(times(authorization, cookie), "3.3×");
        assert_eq!(times(1, 0), "n/a");
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
