//! A public key as a JWK says it, read two other ways: as the key a token brings in its own
//! header (`jwk`, trusted only where `Defence::EmbeddedJwk` is off), and as the PEM text a
//! confused verifier keys an HMAC with (`Defence::AlgPinning` off, and the forge endpoint's
//! algorithm-confusion signing). Only Ed25519 (`OKP`) and P-256 (`EC`) keys, the lab's kinds.

use crate::wire::JwtAlg;
use base64::{
    engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD},
    Engine,
};
use jsonwebtoken::DecodingKey;
use serde_json::Value;

/// The DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410): the key's 32 bytes follow.
const ED25519_SPKI: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

/// The DER prefix of a P-256 SubjectPublicKeyInfo (RFC 5480): the uncompressed point follows.
const P256_SPKI: [u8; 26] = [
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
    0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
];

/// The key's kind and its public bytes (Ed25519's 32, or P-256's uncompressed point).
fn public_bytes(jwk: &Value) -> Result<(JwtAlg, Vec<u8>), String> {
    let part = |name: &str| -> Result<Vec<u8>, String> {
        let text = jwk[name]
            .as_str()
            .ok_or(format!("the jwk has no \"{name}\""))?;
        URL_SAFE_NO_PAD
            .decode(text)
            .map_err(|_| format!("the jwk's \"{name}\" is not base64url"))
    };
    match (jwk["kty"].as_str(), jwk["crv"].as_str()) {
        (Some("OKP"), Some("Ed25519")) => {
            let x = part("x")?;
            if x.len() != 32 {
                return Err("an Ed25519 key is 32 bytes".into());
            }
            Ok((JwtAlg::EdDSA, x))
        }
        (Some("EC"), Some("P-256")) => {
            let (x, y) = (part("x")?, part("y")?);
            if x.len() != 32 || y.len() != 32 {
                return Err("a P-256 coordinate is 32 bytes".into());
            }
            Ok((JwtAlg::ES256, [vec![4u8], x, y].concat()))
        }
        _ => Err("the jwk is neither an Ed25519 (OKP) nor a P-256 (EC) key".into()),
    }
}

/// A key a token brought in its `jwk` header: the decoding key and the one algorithm it fits.
pub fn brought(jwk: &Value) -> Result<(DecodingKey, JwtAlg), String> {
    let (alg, _) = public_bytes(jwk)?;
    let text = |name: &str| jwk[name].as_str().unwrap_or_default();
    let key = match alg {
        JwtAlg::EdDSA => DecodingKey::from_ed_components(text("x")),
        _ => DecodingKey::from_ec_components(text("x"), text("y")),
    }
    .map_err(|e| format!("the jwk is not a usable key: {e}"))?;
    Ok((key, alg))
}

/// The key as PEM text (SubjectPublicKeyInfo, 64 characters a line, a newline at the end), the
/// way it sits in a file that a verifier which trusts the header's `alg` would use as an HMAC
/// secret.
pub fn pem(jwk: &Value) -> Result<String, String> {
    let (alg, bytes) = public_bytes(jwk)?;
    let prefix: &[u8] = match alg {
        JwtAlg::EdDSA => &ED25519_SPKI,
        _ => &P256_SPKI,
    };
    let der = [prefix, &bytes].concat();
    let body = STANDARD.encode(der);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|line| std::str::from_utf8(line).unwrap_or_default())
        .collect();
    Ok(format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        lines.join("\n")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The PEM is what the curve crates write for the same key: a confused verifier reading
    /// the key from its file would use exactly this text.
    #[test]
    fn the_pem_spelling_is_the_standard_one() {
        use ed25519_dalek::pkcs8::EncodePublicKey;
        let ed = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]).verifying_key();
        let jwk = serde_json::json!({"kty": "OKP", "crv": "Ed25519",
            "x": URL_SAFE_NO_PAD.encode(ed.as_bytes())});
        let der = ed.to_public_key_der().unwrap();
        assert!(pem(&jwk)
            .unwrap()
            .contains(&STANDARD.encode(der.as_bytes())));
        assert!(brought(&jwk).is_ok());
        assert!(brought(&serde_json::json!({"kty": "RSA"})).is_err());
    }
}
