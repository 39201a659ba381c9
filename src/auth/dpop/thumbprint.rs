//! A JWK thumbprint (RFC 7638): SHA-256 over the key's required members, in lexicographic order,
//! with no whitespace. For a P-256 key that is exactly `{"crv":"P-256","kty":"EC","x":…,"y":…}`,
//! so two spellings of one key (members reordered, extra members added) have one thumbprint, and
//! a token's `cnf.jkt` names the key whatever JSON carried it. (The interop test,
//! `tests/interop/dpop.py`, holds it to an independent JOSE library's thumbprint.)

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use sha2::{Digest, Sha256};

/// The thumbprint of the P-256 key with these coordinates (each base64url, as in the JWK).
pub fn p256(x: &str, y: &str) -> String {
    // The members are base64url text, which needs no JSON escaping.
    let canonical = format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#);
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}
