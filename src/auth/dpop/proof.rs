//! One DPoP proof, read and its signature checked (RFC 9449 §4.2-4.3): three base64url parts;
//! a header with `typ: dpop+jwt`, `alg: ES256` and the public P-256 key (`jwk`) the proof is
//! signed with; claims `htm`, `htu`, `iat`, `jti` and, beside an access token, `ath`. What the
//! proof must say about the request (method, URL, time, token, key) is checked by the judge,
//! each in its own named check; this file answers only "is this a proof, and did its own key
//! sign it?".

use super::{thumbprint, MAX_JTI_CHARS, MAX_PROOF_BYTES, TYP};
use crate::logging::echo::quoted;
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use p256::ecdsa::{signature::Verifier, Signature, VerifyingKey};
use serde::Deserialize;
use serde_json::{Map, Value};

/// A proof whose signature its own key verified. Nothing in it is checked against the request
/// yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proof {
    /// The thumbprint of the key that signed it (RFC 7638).
    pub jkt: String,
    pub htm: String,
    pub htu: String,
    pub iat: i64,
    pub jti: String,
    pub ath: Option<String>,
}

#[derive(Deserialize)]
struct Header {
    typ: Option<String>,
    alg: Option<String>,
    jwk: Option<Map<String, Value>>,
}

#[derive(Deserialize)]
struct Claims {
    htm: String,
    htu: String,
    iat: i64,
    jti: String,
    #[serde(default)]
    ath: Option<String>,
}

/// Read `text` (the `DPoP` header's value) and check it is a proof its own key signed. `Err`
/// says why not, in a sentence; anything the sender wrote is echoed capped (`echo::quoted`).
pub fn read(text: &str) -> Result<Proof, String> {
    if text.len() > MAX_PROOF_BYTES {
        return Err(format!(
            "the proof is {} bytes; a proof is well under {MAX_PROOF_BYTES}",
            text.len()
        ));
    }
    let mut parts = text.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("a proof is a JWT: three base64url parts separated by dots".into());
    };
    let header: Header = json(header, "header")?;
    // Threat: a proof of another kind (an access token signed with a key of ours that somehow
    // also sits in a header) taken for a proof. RFC 9449 §4.3 step 4.
    match header.typ.as_deref() {
        Some(TYP) => {}
        Some(other) => {
            return Err(format!(
                "the proof's typ is {}, not \"{TYP}\": a JWT of another kind is not a proof",
                quoted(other)
            ))
        }
        None => return Err(format!("the proof's header has no typ (\"{TYP}\")")),
    }
    // Pinned: ES256, what WebCrypto's non-extractable P-256 keys sign. `none` and HMAC are
    // refused (RFC 9449 §4.3 step 5: asymmetric only), and nothing else is needed here.
    match header.alg.as_deref() {
        Some("ES256") => {}
        Some(other) => {
            return Err(format!(
                "the proof's alg is {}; this server takes ES256 proofs only (a proof must be \
                 signed by a private key, never none or a shared secret)",
                quoted(other)
            ))
        }
        None => return Err("the proof's header has no alg".into()),
    }
    let Some(jwk) = header.jwk else {
        return Err(
            "the proof's header carries no jwk: nothing to check its signature with".into(),
        );
    };
    let (key, jkt) = public_key(&jwk)?;
    let signature_text = signature;
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .ok()
        .and_then(|bytes| Signature::from_slice(&bytes).ok())
        // `from_slice` refuses r or s of zero: the psychic signature (CVE-2022-21449).
        .ok_or("the proof's signature is not an ES256 signature (64 bytes, r and s non-zero)")?;
    // What the signature signs: `header.payload`, as sent.
    let signing_input = &text[..text.len() - signature_text.len() - 1];
    key.verify(signing_input.as_bytes(), &signature)
        .map_err(|_| "the proof's signature does not verify with the key in its own header")?;
    let claims: Claims = json(payload, "claims")?;
    if claims.jti.is_empty() || claims.jti.chars().count() > MAX_JTI_CHARS {
        return Err(format!(
            "the proof's jti must be 1 to {MAX_JTI_CHARS} characters, not {}",
            claims.jti.chars().count()
        ));
    }
    Ok(Proof {
        jkt,
        htm: claims.htm,
        htu: claims.htu,
        iat: claims.iat,
        jti: claims.jti,
        ath: claims.ath,
    })
}

/// A part's JSON, or why it is not what a proof needs.
fn json<T: for<'de> Deserialize<'de>>(part: &str, what: &str) -> Result<T, String> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| format!("the proof's {what} is not base64url"))?;
    serde_json::from_slice(&bytes).map_err(|_| match what {
        "claims" => "the proof's claims must include htm, htu and jti as text and iat as a \
                     whole number of seconds"
            .to_string(),
        _ => format!("the proof's {what} is not the JSON object a proof has"),
    })
}

/// The public key a proof carries, and its thumbprint.
fn public_key(jwk: &Map<String, Value>) -> Result<(VerifyingKey, String), String> {
    // Threat: a page that leaks its private key in every proof. Whatever else it says, a JWK
    // with a private part is refused (RFC 9449 §4.3 step 7: the key must not be private).
    if jwk.contains_key("d") {
        return Err("the proof's jwk holds a private key (\"d\"): never send one".into());
    }
    let text = |name: &str| jwk.get(name).and_then(Value::as_str);
    if text("kty") != Some("EC") || text("crv") != Some("P-256") {
        return Err("the proof's jwk must be a P-256 key (kty EC, crv P-256)".into());
    }
    let (Some(x), Some(y)) = (text("x"), text("y")) else {
        return Err("the proof's jwk lacks x or y".into());
    };
    let coordinate = |c: &str| {
        URL_SAFE_NO_PAD
            .decode(c)
            .ok()
            .filter(|bytes| bytes.len() == 32)
    };
    let (Some(xb), Some(yb)) = (coordinate(x), coordinate(y)) else {
        return Err("the proof's jwk coordinates must be 32 bytes each, base64url".into());
    };
    let point = [&[4u8][..], &xb, &yb].concat();
    // `from_sec1_bytes` refuses a point that is not on the curve (an invalid-curve attack).
    let key = VerifyingKey::from_sec1_bytes(&point)
        .map_err(|_| "the proof's jwk is not a point on P-256".to_string())?;
    Ok((key, thumbprint::p256(x, y)))
}
