//! A second service that holds nothing but the public key set (`/.well-known/jwks.json`), as any
//! other service of the same company would: no database, no key ring, no secret. It can verify
//! a token signed with an asymmetric key (EdDSA, ES256), because the JWKS publishes the verifying
//! half. It cannot verify an HS256 token: that key is a shared secret, which is never published,
//! and a service that wanted to check HS256 tokens would have to be given a copy of it (in its
//! configuration, say), and could then mint tokens for any user as well.
//!
//! The algorithm comes from the published key, never from the token's header, exactly as in the
//! lab's own verifier: a header naming another algorithm is refused.

use jsonwebtoken::{
    crypto,
    jwk::{Jwk, JwkSet},
    Algorithm, DecodingKey,
};

/// What the JWKS-only service concluded about one token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JwksVerdict {
    /// The signature checks out with the published key `kid`.
    Verified { kid: String, alg: String },
    /// The token names a key the JWKS does not publish: for HS256, because a shared secret can
    /// never be published.
    NoPublicKey { kid: String, alg: String },
    /// Anything else: the reason, in a sentence.
    Refused(String),
}

pub struct JwksOnly {
    set: JwkSet,
}

impl JwksOnly {
    /// The service's whole knowledge: the JWKS document as fetched.
    pub fn from_document(document: &str) -> Result<Self, String> {
        serde_json::from_str::<JwkSet>(document)
            .map(|set| JwksOnly { set })
            .map_err(|_| "the key set is not a JWKS document".to_string())
    }

    pub fn published(&self) -> usize {
        self.set.keys.len()
    }

    pub fn verify(&self, token: &str) -> JwksVerdict {
        let header = match jsonwebtoken::decode_header(token) {
            Ok(header) => header,
            Err(_) => return JwksVerdict::Refused("the token's header cannot be read".into()),
        };
        let alg = format!("{:?}", header.alg);
        let Some(kid) = header.kid else {
            return JwksVerdict::Refused("the token names no kid to look up".into());
        };
        let Some(jwk) = self.set.find(&kid) else {
            return JwksVerdict::NoPublicKey { kid, alg };
        };
        let Some(pinned) = algorithm_of(jwk) else {
            return JwksVerdict::Refused(format!("the published key {kid} names no algorithm"));
        };
        if pinned != header.alg {
            return JwksVerdict::Refused(format!(
                "the token says {alg}, but the published key {kid} is for {pinned:?}"
            ));
        }
        let Ok(key) = DecodingKey::from_jwk(jwk) else {
            return JwksVerdict::Refused(format!("the published key {kid} cannot be used"));
        };
        let Some((message, signature)) = token.rsplit_once('.') else {
            return JwksVerdict::Refused("the token is not three parts".into());
        };
        match crypto::verify(signature, message.as_bytes(), &key, pinned) {
            Ok(true) => JwksVerdict::Verified { kid, alg },
            Ok(false) => JwksVerdict::Refused(format!(
                "the signature does not match the published key {kid}"
            )),
            Err(_) => JwksVerdict::Refused("the signature cannot be checked".into()),
        }
    }
}

/// The algorithm a published key is for (its `alg`), by its JOSE name.
fn algorithm_of(jwk: &Jwk) -> Option<Algorithm> {
    jwk.common.key_algorithm?.to_string().parse().ok()
}
