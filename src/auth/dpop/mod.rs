//! DPoP, sender-constrained access tokens (RFC 9449). A bearer token works for whoever holds it;
//! a DPoP-bound one works only beside a fresh proof signed by a key its holder keeps. The page
//! makes a P-256 key the browser will not export, login binds the token to the key's thumbprint
//! (`cnf.jkt`), and every request carries a new proof (`DPoP` header) naming its method, URL,
//! time, a unique `jti` and the hash of the token (`ath`). A thief who copies the token away
//! has no key to sign proofs with; a script running inside the page does, which is the lesson.
//!
//! - `proof`: one proof read and its signature checked against the key it carries;
//! - `thumbprint`: the key's RFC 7638 thumbprint, what a token's `cnf.jkt` names.
//!
//! The named checks a request goes through, in the order of `jwt::Plan::DPOP` (after the token's
//! own checks and its subject): `dpop proof` → `dpop htm htu` → `dpop iat` → `dpop ath` →
//! `dpop key`, then revocation, then `dpop jti` last, so a `jti` is remembered
//! (`store::proof_jtis`) only once the proof, the token and the binding all held: a flood of
//! invalid proofs writes nothing.

pub mod proof;
pub mod thumbprint;

pub use proof::{read, Proof};

/// The request header a proof travels in.
pub const HEADER: &str = "dpop";
/// The `Authorization` scheme of a bound token (RFC 9449 §7.1).
pub const SCHEME: &str = "DPoP";
/// A proof's `typ`: a JWT of another kind (an access token, an ID token) is not a proof.
pub const TYP: &str = "dpop+jwt";
/// The longest proof read at all: ours are about 600 bytes (a header with a P-256 key, five
/// claims, a 64-byte signature). A bigger one is refused before any decoding, never echoed.
pub const MAX_PROOF_BYTES: usize = 2048;
/// How old a proof may be. Past it the proof is refused by its `iat`, so a `jti` need be
/// remembered only this long (plus the leeway): the replay cache stays small.
pub const MAX_AGE_SECS: i64 = 60;
/// The longest `jti` kept: the page's are 22 characters; RFC 9449 asks for enough randomness,
/// not for a length, so anything longer than a UUID's spelling twice over is refused.
pub const MAX_JTI_CHARS: usize = 72;
/// How many live `jti`s one key may have remembered. A key making more proofs than this within
/// `MAX_AGE_SECS` has its oldest forgotten first: only the key's holder can make proofs, so this
/// bounds what one holder can store without opening a replay to anyone else (a forgotten proof
/// is refused by its age soon after).
pub const JTIS_PER_KEY: usize = 512;

/// The URL a proof's `htu` must name for a request to `path` on `host` reached by `scheme`
/// (RFC 9449 §4.3: without query and fragment).
pub fn expected_htu(scheme: &str, host: &str, path: &str) -> String {
    format!("{scheme}://{}{path}", host.to_ascii_lowercase())
}

/// `htu` as compared: scheme and host lowercase, query and fragment dropped (RFC 9449 §4.3,
/// RFC 3986 §6.2.2.1).
pub fn normalized_htu(htu: &str) -> String {
    let without = htu.split(['?', '#']).next().unwrap_or_default();
    match without.split_once("://") {
        Some((scheme, rest)) => {
            let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            let path = if path.is_empty() { "/" } else { path };
            format!(
                "{}://{}{path}",
                scheme.to_ascii_lowercase(),
                authority.to_ascii_lowercase()
            )
        }
        None => without.to_string(),
    }
}

/// The `ath` a proof must carry beside `access_token`: base64url(SHA-256(token)).
pub fn ath_of(access_token: &str) -> String {
    use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
    use sha2::{Digest, Sha256};
    URL_SAFE_NO_PAD.encode(Sha256::digest(access_token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn htu_is_compared_without_query_fragment_or_case() {
        assert_eq!(
            normalized_htu("HTTP://Lab.Test:3000/api/me?x=1#y"),
            "http://lab.test:3000/api/me"
        );
        assert_eq!(normalized_htu("https://lab.test"), "https://lab.test/");
        assert_eq!(
            expected_htu("http", "127.0.0.1:3000", "/api/me"),
            "http://127.0.0.1:3000/api/me"
        );
    }

    #[test]
    fn ath_is_the_unpadded_sha256_of_the_token() {
        // SHA-256("abc"), RFC 6234's test vector, in base64url.
        assert_eq!(ath_of("abc"), "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
    }
}
