//! How a request was judged: the mode, every check (`CheckId`) with its status and reason, and
//! the trace they make; `Me`, the answer that carries it.

use super::Role;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

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
    /// Would have failed, but the account deliberately switched it off (the attack lab's CSRF
    /// card): the request went through without it. The trace names it, so the learner sees which
    /// protection would have stopped the request.
    Off,
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
    /// A session id carried in `Authorization: Bearer` rather than a cookie: told from a JWT by
    /// its shape.
    #[serde(rename = "session header")]
    SessionHeader,
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
    /// A token from the access cookie is not one bound to a DPoP key: such a token is good only
    /// beside a proof, never from a cookie.
    #[serde(rename = "not key-bound")]
    Unbound,
    #[serde(rename = "denylist")]
    Denylist,
    #[serde(rename = "not-before mark")]
    NotBeforeMark,
    // A sender-constrained token (DPoP, RFC 9449): the proof that comes with it.
    /// The `DPoP` header holds one proof: a `dpop+jwt` signed (ES256) by the public key it carries.
    #[serde(rename = "dpop proof")]
    DpopProof,
    /// The proof's `htm` and `htu` are this request's method and URL.
    #[serde(rename = "dpop htm htu")]
    DpopHtmHtu,
    /// The proof's `iat` is recent.
    #[serde(rename = "dpop iat")]
    DpopIat,
    /// The proof's `ath` is the hash of the access token it comes with.
    #[serde(rename = "dpop ath")]
    DpopAth,
    /// The proof's key is the one the token is bound to (`cnf.jkt`, its thumbprint).
    #[serde(rename = "dpop key")]
    DpopKey,
    /// The proof's `jti` was not seen before (a proof is used once).
    #[serde(rename = "dpop jti")]
    DpopJti,
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
            CheckId::SessionHeader => "session header",
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
            CheckId::Unbound => "not key-bound",
            CheckId::Denylist => "denylist",
            CheckId::NotBeforeMark => "not-before mark",
            CheckId::DpopProof => "dpop proof",
            CheckId::DpopHtmHtu => "dpop htm htu",
            CheckId::DpopIat => "dpop iat",
            CheckId::DpopAth => "dpop ath",
            CheckId::DpopKey => "dpop key",
            CheckId::DpopJti => "dpop jti",
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
    /// One line saying why. Most are fixed sentences, which a trace then carries without copying
    /// them (`/api/me` builds a trace of 13 checks on every request).
    pub detail: Cow<'static, str>,
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
    /// The checks that would have refused this request, had the account not switched them off.
    pub fn switched_off(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| c.status == CheckStatus::Off)
    }

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
