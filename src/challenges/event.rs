//! What the server records for the challenges, at the moment it decides: a judged request with
//! each check's outcome, a login, a refresh, a logout, an experiment's result. Every event is the
//! server's own observation; nothing in it is the browser's word about itself. Each is filed
//! under the account the decision was about (the learner's own, or a scratch account the
//! learner's run created, whose owner the server set when it created it).

use crate::wire::{AuthMode, CheckId, CheckStatus};
use serde::{Deserialize, Serialize};

/// The most characters of a value a request chose (a path, a `kid`, a `jti`) kept in an event.
pub const FIELD_CHARS: usize = 64;

/// `text` cut to `FIELD_CHARS` characters: an attacker's value is capped before it is stored.
pub fn capped(text: &str) -> String {
    text.chars().take(FIELD_CHARS).collect()
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// When the server decided (Unix ms).
    pub at_ms: i64,
    /// The account the decision was about.
    pub account: i64,
    pub what: Happened,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Happened {
    /// A request judged by its credential.
    Judged(Judged),
    /// A login that opened a session or issued a token pair.
    SignedIn {
        mode: AuthMode,
        token: Option<Issued>,
        /// Session rotation was off and the login kept the id the browser brought (fixation).
        kept_planted_id: bool,
    },
    /// A refresh token rotated: a new access token, no password.
    Refreshed { token: Issued },
    /// A token the lab signed for the account on request, genuine but with one claim wrong
    /// (`/api/lab/wrong-claim-token`): issued here, so never a forgery.
    Minted { token: Issued },
    /// A refresh token refused; `reuse`: one already rotated came back, and the family ended.
    RefreshRefused { reuse: bool },
    /// A logout. `jti`: the access token presented with a bearer logout, if it verified.
    LoggedOut { mode: AuthMode, jti: Option<String> },
    /// Every session and refresh family of the account ended at once (log out everywhere, a
    /// password change), with the not-before mark set.
    AccessEnded,
    /// A page's first HTML, rendered by the server, knew the account (the SSR witness).
    Rendered { mode: AuthMode },
    /// A login for this account refused by the login limits (429).
    LoginLimited,
    /// An experiment the learner ran, and what it found.
    LabRun(LabRun),
}

/// A judged request: which model, which route, and each check's outcome.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Judged {
    pub mode: AuthMode,
    /// `METHOD /path`, capped.
    pub action: String,
    pub allowed: bool,
    pub checks: Vec<(CheckId, CheckStatus)>,
    /// The token judged, for a bearer request.
    pub token: Option<TokenFacts>,
    /// The browser said the request started on another site (`Sec-Fetch-Site`).
    pub cross_site: bool,
    /// The denylist did not answer and this account fails open: the token was not checked.
    pub failed_open: bool,
}

impl Judged {
    pub fn status(&self, check: CheckId) -> Option<CheckStatus> {
        self.checks
            .iter()
            .find(|(id, _)| *id == check)
            .map(|(_, status)| *status)
    }

    /// The check that refused the request, if one did.
    pub fn refused_at(&self) -> Option<CheckId> {
        self.checks
            .iter()
            .find(|(_, status)| *status == CheckStatus::Fail)
            .map(|(id, _)| *id)
    }

    /// Whether any check was let go because the account switched it off.
    pub fn any_off(&self) -> bool {
        self.checks.iter().any(|(_, s)| *s == CheckStatus::Off)
    }
}

/// What the server found in a judged token.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TokenFacts {
    /// The header's `alg`, as written (capped).
    pub alg: String,
    pub kid: Option<String>,
    /// Read only once the signature held (or was switched off).
    pub jti: Option<String>,
    pub iat: Option<i64>,
    pub signed_by: SignedBy,
    /// The first 16 hex digits of the token's SHA-256: tells a token the server issued from one
    /// made elsewhere, whatever their claims say.
    pub fingerprint: String,
}

/// Whose key the signature was checked with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignedBy {
    /// One of the server's own keys, named by `kid`.
    OurKey,
    /// A key the token brought itself (an embedded `jwk`, or `jku`).
    BroughtKey,
    /// None: `alg: none`.
    Unsigned,
    /// HMAC keyed with one of our public keys (algorithm confusion).
    PublicKeyAsHmac,
    /// The verifier stopped before it chose a key.
    #[default]
    Unknown,
}

/// A token the server issued.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Issued {
    pub jti: String,
    pub kid: String,
    pub iat: i64,
    pub exp: i64,
    /// Its length in characters.
    pub chars: usize,
    pub fingerprint: String,
}

impl Issued {
    /// A token just signed, described by its own values.
    pub fn new(token: &str, jti: &str, kid: &str, iat: i64, exp: i64) -> Issued {
        Issued {
            jti: jti.to_string(),
            kid: kid.to_string(),
            iat,
            exp,
            chars: token.chars().count(),
            fingerprint: fingerprint(token),
        }
    }
}

/// What an experiment found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "run", rename_all = "snake_case")]
pub enum LabRun {
    /// The cost benchmark: median nanoseconds per check.
    CostMeasured { session_ns: u64, token_ns: u64 },
    /// A scale run, and what it found.
    Scale(ScaleFound),
    /// The XSS card: whether a stolen access token was accepted from elsewhere.
    TokenStolenAndReplayed,
}

/// What a scale run's own record shows (`lab::scale`), each read off its steps' answers.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ScaleFound {
    /// A session request answered 200 by a node other than the one that answered the login,
    /// after that node was stopped.
    pub session_on_unseen_node: bool,
    /// A session request answered 503 while the shared store was frozen.
    pub store_down_503: bool,
    /// A logged-out token answered 200 while the denylist failed open during the outage.
    pub revoked_token_worked: bool,
}

/// The SHA-256 fingerprint of a token (16 hex digits).
pub fn fingerprint(token: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(token.as_bytes())
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}
