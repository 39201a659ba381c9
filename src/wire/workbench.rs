//! The token workbench on the wire: how `POST /api/lab/forge` signs a token the learner edited,
//! each way with the sentence the page shows and the system it broke.

use super::JwtAlg;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The spellings of `none` attackers send, to catch a verifier comparing case-sensitively.
pub const NONE_SPELLINGS: [&str; 4] = ["none", "None", "NONE", "nOnE"];

/// How a public key is fed to an HMAC by a verifier that trusts the header's `alg`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeySpelling {
    /// The SubjectPublicKeyInfo PEM text, as the key sits in a file.
    Pem,
    /// The JWK as JSON text, as a JWKS publishes it.
    JwkJson,
}

/// Where a token names the attacker's own key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Placement {
    /// Only its `kid`, which no lab key has.
    Kid,
    /// The public key itself, embedded in the header as `jwk`.
    Jwk,
    /// A `jku` header naming the attacker site's JWKS, and the attacker's `kid`.
    Jku,
}

/// One way of signing on the workbench.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "how", rename_all = "snake_case", deny_unknown_fields)]
pub enum SignWith {
    /// The signature the token came with, kept: tampering.
    Keep { signature: String },
    /// An empty third part.
    Strip,
    /// `alg` set to a spelling of `none`, no signature.
    AlgNone { spelling: String },
    /// HMAC-SHA256 with the secret typed (empty: the empty key).
    Hmac { secret: String },
    /// HMAC-SHA256 keyed with a public key, spelt as a confused verifier would read it.
    HmacWithPublicKey { jwk: Value, spelling: KeySpelling },
    /// The attacker site's own key pair (EdDSA or ES256), named by `placement`.
    AttackerKey { alg: JwtAlg, placement: Placement },
    /// ES256 with r = s = 0.
    PsychicSignature,
}

impl SignWith {
    /// The one sentence the workbench shows for this way, with what it broke.
    pub fn explain(&self) -> &'static str {
        match self {
            SignWith::Keep { .. } => {
                "Keep the original signature: the edit is tampering, which gets through only \
                 code that decodes without verifying (jwt.decode where jwt.verify was meant)."
            }
            SignWith::Strip => {
                "Strip the signature (an empty third part): ServiceStack accepted such tokens \
                 until 5.9.2, CVE-2020-28042."
            }
            SignWith::AlgNone { .. } => {
                "alg none, in the spellings attackers use: libraries that believed the header's \
                 alg accepted unsigned tokens, as many did before the 2015 disclosure by Tim \
                 McLean (Auth0's node jsonwebtoken among them)."
            }
            SignWith::Hmac { .. } => {
                "HMAC with a secret you type, or the empty key: a guessed secret signs anything, \
                 and a verifier whose key lookup yields an empty string (a kid of /dev/null, a \
                 missing row) checks with the empty key."
            }
            SignWith::HmacWithPublicKey { .. } => {
                "HMAC keyed with the account's public key: a verifier that takes alg from the \
                 header checks HS256 with the public key's text as the secret, CVE-2015-9235 \
                 (node jsonwebtoken), CVE-2016-10555 (jwt-simple), CVE-2017-11424 (PyJWT)."
            }
            SignWith::AttackerKey { .. } => {
                "The attacker's own key pair: a verifier that trusts a key the token brings, \
                 embedded as jwk (CVE-2018-0114, Cisco's node-jose) or fetched from jku, checks \
                 the attacker's signature with the attacker's key."
            }
            SignWith::PsychicSignature => {
                "The psychic signature, r = s = 0: Java 15 to 18's ECDSA accepted it for any \
                 message and key, CVE-2022-21449."
            }
        }
    }
}

/// Body of `POST /api/lab/forge`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForgeRequest {
    pub header: Map<String, Value>,
    pub payload: Map<String, Value>,
    pub sign: SignWith,
}

/// Answer of `POST /api/lab/forge`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Forged {
    pub token: String,
    /// The header as signed (the signing way may set `alg`, `kid`, `jwk` or `jku`).
    pub header: Map<String, Value>,
    pub explain: String,
}
