//! Access tokens: signed JWTs that carry the state themselves. The server keeps nothing per token;
//! it checks a signature and some claims, and that is why it cannot simply "delete" one.
//!
//! - `issue`: header `{alg, typ: "at+jwt", kid}`, claims `iss aud sub role iat nbf exp jti`.
//! - `verify`: the token's checks, each a named function writing its own line of the decision
//!   trace, run in the order of a `Plan` the caller passes in:
//!   format → kid known → algorithm → signature → typ → claims → iss → aud → nbf → exp.
//!   (The bearer judge then adds: subject → denylist → not-before mark.)
//! - `decode`: reading the parts of a token, for `verify` and for nothing else.
//!
//! Everything a token's author wrote (a `kid`, an `alg`, an issuer) is echoed through
//! `echo::quoted`, capped at 64 characters: a 6 KB `kid` is a short refusal, not a 19 KB one.
//!
//! Every rule is explicit here rather than left to a library default: the algorithm comes from
//! the key the `kid` names (never from the header), all claims are required, `iss` and `aud` must
//! match exactly, and `nbf`/`exp` allow only the configured leeway (at most 60 s).

mod decode;
mod issue;
mod plan;
pub mod public_key;
mod verify;

pub use decode::named_subject;
pub use issue::issue;
pub use plan::Plan;
pub use verify::{verify, Mode, Parts};

use crate::wire::Role;
use serde::{Deserialize, Serialize};

/// The `typ` header of our access tokens (RFC 9068): a refresh token or an ID token from another
/// system, even if signed by a key we know, is not an access token.
pub const TYP: &str = "at+jwt";

/// The longest token read at all. Ours are well under 1 KB; a bigger one is refused before any
/// decoding, and never echoed (a bearer header is the easiest place to push megabytes of text).
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;

/// The claims this server requires and checks. Any other claim in a token is ignored, as RFC 7519
/// §4 says it must be (and the decoder lists it as "not checked by this server").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    /// The username (usernames never change in this lab).
    pub sub: String,
    pub role: Role,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    /// Unique id of this token: what a denylist stores.
    pub jti: String,
    /// The confirmation claim (RFC 7800, RFC 9449 §6.1): on a DPoP-bound token, the thumbprint
    /// of the key whose proofs must come with it. Absent on a plain bearer token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cnf: Option<Confirmation>,
    /// On a token issued for the access cookie: the CSRF token a state-changing request must
    /// repeat in `X-CSRF-Token`. Signed into the token, so the server keeps nothing for it, and
    /// a page on another site, which cannot read the cookie, cannot learn it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csrf: Option<String>,
}

/// How a token's holder sends it, which decides what is issued with it and how a refresh
/// answers: fixed at login, and carried by the refresh family's name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// In `Authorization: Bearer`, from wherever the page keeps it.
    Bearer,
    /// In the `__Host-authlab_access` cookie the browser attaches (a CSRF token in the claims).
    Cookie,
    /// In `Authorization: DPoP` beside a proof by the key with this thumbprint (`cnf.jkt`).
    Dpop(String),
}

/// What a bound token is bound to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confirmation {
    /// The RFC 7638 thumbprint of the key (`auth::dpop::thumbprint`).
    pub jkt: String,
}
