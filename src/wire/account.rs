//! Accounts on the wire: roles, passwords and credentials, the admin views, the demo card, and
//! the per-account switches (SameSite, signing algorithm, denylist, token lifetime).

use super::CheckId;
use serde::{Deserialize, Serialize};
use std::fmt;

/// What an account may do. Stored as lowercase text in the database and on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    /// May open classes and watch their members' progress (`crate::classes`).
    Teacher,
    User,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Teacher => "teacher",
            Role::User => "user",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "admin" => Some(Role::Admin),
            "teacher" => Some(Role::Teacher),
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

/// Body of `POST /api/register`: the new account's credentials and, if the learner has one, the
/// join code of their class (joined in the same request, after `JOINING_SHARES` was shown).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Registration {
    pub username: String,
    pub password: Password,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class_code: Option<String>,
}

impl From<Credentials> for Registration {
    fn from(credentials: Credentials) -> Self {
        Registration {
            username: credentials.username,
            password: credentials.password,
            class_code: None,
        }
    }
}

/// `201 Created` answer of `POST /api/register`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registered {
    pub username: String,
    pub role: Role,
    /// The class joined with the registration's code, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
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
    /// When the denylist's store does not answer: accept the token unchecked (fail open: a
    /// revoked token works again, claim 9) rather than refuse every bearer request with 503.
    #[serde(default)]
    pub denylist_fail_open: bool,
    /// Deliberately weakened for the attack lab's CSRF card: the session cookie goes out
    /// `SameSite=None`, and state-changing requests skip the origin check and the CSRF token, so
    /// a form on another site can act as this account. This account only, never server-wide;
    /// its pages say so.
    #[serde(default)]
    pub csrf_weakened: bool,
    /// Deliberately weakened for the attack lab's XSS card: this account's vulnerable comments
    /// page is served without a Content-Security-Policy, so the script planted in it runs. No
    /// other page loses its policy; the page says so.
    #[serde(default)]
    pub xss_weakened: bool,
    /// The verifier's defences this account switched off, one each (`Defence`): its own tokens
    /// are then accepted where that one check would have refused them, the trace marks the check
    /// `off`, and the audit log names it. Sorted, no repeats.
    #[serde(default)]
    pub defences_off: Vec<Defence>,
}

impl AccountSwitches {
    /// The SameSite the session cookie really gets: `None` while CSRF defences are weakened.
    pub fn cookie_same_site(&self) -> SameSite {
        if self.csrf_weakened {
            SameSite::None
        } else {
            self.same_site
        }
    }
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub denylist_fail_open: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csrf_weakened: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub xss_weakened: Option<bool>,
    /// The whole set of defences off from now on (`[]`: every one on again).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub defences_off: Option<Vec<Defence>>,
}

/// One defence of the token verifier, which an account may switch off for its own tokens to see
/// the attack it stops succeed. Each one relaxes exactly one rule of one check of `CheckId` (or,
/// for `AudIss`, the pair that names who the token is for).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Defence {
    /// The key's algorithm is not pinned: the verifier trusts the header's `alg`, so `none`
    /// needs no signature and `HS256` on a public key is an HMAC keyed with that key's PEM text
    /// (algorithm confusion).
    AlgPinning,
    /// The signature is not verified (decode only): a token changed after signing still passes.
    Signature,
    /// An ECDSA signature of r = s = 0 is accepted, as Java 15 to 18 did (CVE-2022-21449).
    PsychicSignature,
    /// A public key embedded in the header (`jwk`) is trusted to verify the token (CVE-2018-0114).
    EmbeddedJwk,
    /// A `jku` header is followed, to the attacker site's JWKS only (resolved in-process).
    Jku,
    /// `exp` is not enforced: an expired token still passes.
    Exp,
    /// `aud` and `iss` are not enforced: a token issued by or for another service passes.
    AudIss,
    /// `typ` is not enforced: a token of another kind (an ID token) passes for an access token.
    Typ,
    /// The account's HS256 secret is a word from the lab's wordlist: a token it signed can be
    /// cracked offline, and the cracked secret signs anything. Switching it back on retires
    /// that key.
    WeakSecret,
    /// A session login keeps the id the browser came with (no rotation): an attacker who planted
    /// that id holds the session too (session fixation, CWE-384).
    SessionRotation,
    /// The session cookie goes out without `HttpOnly`: `document.cookie` shows the id, so any
    /// script on the page (an XSS) can read it and send it away.
    HttpOnly,
}

impl Defence {
    pub const ALL: [Defence; 11] = [
        Defence::AlgPinning,
        Defence::Signature,
        Defence::PsychicSignature,
        Defence::EmbeddedJwk,
        Defence::Jku,
        Defence::Exp,
        Defence::AudIss,
        Defence::Typ,
        Defence::WeakSecret,
        Defence::SessionRotation,
        Defence::HttpOnly,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Defence::AlgPinning => "alg_pinning",
            Defence::Signature => "signature",
            Defence::PsychicSignature => "psychic_signature",
            Defence::EmbeddedJwk => "embedded_jwk",
            Defence::Jku => "jku",
            Defence::Exp => "exp",
            Defence::AudIss => "aud_iss",
            Defence::Typ => "typ",
            Defence::WeakSecret => "weak_secret",
            Defence::SessionRotation => "session_rotation",
            Defence::HttpOnly => "http_only",
        }
    }

    pub fn parse(text: &str) -> Option<Defence> {
        Defence::ALL.into_iter().find(|d| d.as_str() == text)
    }

    /// What the learner sees beside the switch: what turning it off lets through.
    pub fn meaning(self) -> &'static str {
        match self {
            Defence::AlgPinning => {
                "algorithm pinning: the header's alg is trusted, so alg none needs no signature \
                 and HS256 keyed with the public key's PEM text passes (CVE-2015-9235, \
                 algorithm confusion)"
            }
            Defence::Signature => {
                "signature: not verified (decode only), so a token changed after signing still \
                 passes, as in CVE-2020-28042"
            }
            Defence::PsychicSignature => {
                "ECDSA r and s non-zero: a signature of all zeros passes for any ES256 token, as \
                 in Java 15 to 18 (CVE-2022-21449, the psychic signature)"
            }
            Defence::EmbeddedJwk => {
                "ignoring an embedded jwk: a public key in the token's own header verifies it, \
                 so anyone's key pair signs for this account (CVE-2018-0114)"
            }
            Defence::Jku => {
                "ignoring jku: the verifier reads the keys at the URL the header names (here \
                 only the attacker site's JWKS, resolved inside the server)"
            }
            Defence::Exp => "exp: not enforced, so an expired token works for ever",
            Defence::AudIss => {
                "aud and iss: not enforced, so a token issued by or for another service is \
                 taken for this one's"
            }
            Defence::Typ => {
                "typ: not enforced, so an ID token (id_token+jwt) passes for an access token"
            }
            Defence::WeakSecret => {
                "a strong HS256 secret: this account's becomes a word from the lab's wordlist \
                 (its tokens switch to HS256), so a token can be cracked offline and the secret \
                 used to sign anything"
            }
            Defence::SessionRotation => {
                "a new session id at login: the login keeps the id the browser came with, so \
                 whoever planted it is signed in too (session fixation, CWE-384)"
            }
            Defence::HttpOnly => {
                "HttpOnly on the session cookie: document.cookie shows the id, so a script on \
                 the page (an XSS) can read it and send it away"
            }
        }
    }

    /// The checks whose refusal this defence may turn around: a token refused by one of them is
    /// judged again with the account's defences off. A token that brings its own key fails at
    /// `kid known` (no kid of ours), or, keeping one of ours, at `algorithm` or `signature`; an
    /// unsigned one at `kid known` (none of ours) or `algorithm`. A weak secret is no check to
    /// relax: its tokens pass the signature check, which marks itself `off` for a key anyone
    /// could have cracked; the session switches are the session judge's.
    pub fn checks(self) -> &'static [CheckId] {
        match self {
            Defence::WeakSecret | Defence::SessionRotation | Defence::HttpOnly => &[],
            Defence::AlgPinning => &[CheckId::KidKnown, CheckId::Algorithm],
            Defence::Signature | Defence::PsychicSignature => &[CheckId::Signature],
            Defence::EmbeddedJwk | Defence::Jku => {
                &[CheckId::KidKnown, CheckId::Algorithm, CheckId::Signature]
            }
            Defence::Exp => &[CheckId::Exp],
            Defence::AudIss => &[CheckId::Aud, CheckId::Iss],
            Defence::Typ => &[CheckId::Typ],
        }
    }

    /// Whether this is a defence of cookie sessions rather than of the token verifier.
    pub fn of_sessions(self) -> bool {
        matches!(self, Defence::SessionRotation | Defence::HttpOnly)
    }

    /// Whether switching this defence off skips its checks outright (they still run, and a
    /// failure is recorded `off`); the others change how a check works instead.
    pub fn skips_checks(self) -> bool {
        matches!(
            self,
            Defence::Signature | Defence::Exp | Defence::AudIss | Defence::Typ
        )
    }

    /// The defences as stored (`"exp,typ"`), and back; names no longer known are dropped.
    pub fn join(set: &[Defence]) -> String {
        set.iter().map(|d| d.as_str()).collect::<Vec<_>>().join(",")
    }

    pub fn split(text: &str) -> Vec<Defence> {
        let mut set: Vec<Defence> = text.split(',').filter_map(Defence::parse).collect();
        set.sort_unstable();
        set.dedup();
        set
    }
}

/// `POST /api/give-back`: whose sign-ins were given back to this browser (none when nothing was
/// set aside, or what was is no longer live).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GivenBack {
    /// The learner's cookie session, again this browser's.
    pub session: Option<String>,
    /// The learner's refresh cookie, again this browser's.
    pub refresh: Option<String>,
}
