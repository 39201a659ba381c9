//! Reading a token's parts: its three segments, the header fields the checks read, and the
//! claims. Each reader says in a sentence a learner can act on why a part cannot be read. The
//! usual header and payload take a short way (straight into their structs, no `Value`), which
//! `the_short_way_reads_exactly_what_the_long_way_reads` holds to the same verdicts as the long.

use super::{Claims, Confirmation};
use crate::{
    logging::echo::{shown, ECHO_CHARS},
    wire::Role,
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use serde::Deserialize;
use serde_json::Value;

/// Why a segment does not decode.
const NOT_BASE64: &str =
    "is not base64url text (only A-Z, a-z, 0-9, - and _ may appear, without padding)";

/// A segment's bytes, or why it has none.
pub(super) fn base64url(segment: &str) -> Result<Vec<u8>, String> {
    URL_SAFE_NO_PAD
        .decode(segment)
        .map_err(|_| NOT_BASE64.to_string())
}

/// The decoded header and payload as a decoder shows them: JSON objects, and a payload that is
/// not one as its text (a JWS may sign anything; a JWT may not).
pub(super) fn shown_json(
    header: Option<&[u8]>,
    payload: Option<&[u8]>,
) -> (Option<Value>, Option<Value>) {
    let header = header.and_then(|b| json_object(b).ok());
    let payload = payload.and_then(|bytes| {
        json_object(bytes)
            .ok()
            .or_else(|| String::from_utf8(bytes.to_vec()).ok().map(Value::String))
    });
    (header, payload)
}

/// The claims this server reads when present: a DPoP-bound token's `cnf`, a cookie token's
/// `csrf`. Each must be of its type when it is there.
const OPTIONAL: [&str; 2] = ["cnf", "csrf"];

/// The claims this server requires, and what each must be.
const REQUIRED: [(&str, ClaimKind); 8] = [
    ("iss", ClaimKind::Text),
    ("aud", ClaimKind::Text),
    ("sub", ClaimKind::Text),
    ("role", ClaimKind::Role),
    ("iat", ClaimKind::Seconds),
    ("nbf", ClaimKind::Seconds),
    ("exp", ClaimKind::Seconds),
    ("jti", ClaimKind::Text),
];

#[derive(Clone, Copy)]
enum ClaimKind {
    Text,
    Seconds,
    Role,
}

/// Read the required claims from `payload`, in sentences a learner can act on when one is
/// missing or malformed. Also returns the names of the claims this server does not check.
pub(super) fn claims_of(payload: &Value) -> Result<(Claims, Vec<String>), String> {
    let object = payload
        .as_object()
        .ok_or("the payload is not an object of named claims")?;
    let missing: Vec<&str> = REQUIRED
        .iter()
        .map(|(name, _)| *name)
        .filter(|name| !object.contains_key(*name))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "missing {}: this server requires all of iss aud sub role iat nbf exp jti",
            missing.join(", ")
        ));
    }
    for (name, kind) in REQUIRED {
        let value = &object[name];
        let problem = match kind {
            ClaimKind::Text if !value.is_string() => Some("must be a string".to_string()),
            ClaimKind::Seconds if value.as_i64().is_none() => {
                Some("must be a whole number of seconds since 1970 (a NumericDate)".to_string())
            }
            ClaimKind::Role if !matches!(value.as_str(), Some("user" | "admin")) => {
                Some("must be \"user\" or \"admin\"".to_string())
            }
            _ => None,
        };
        if let Some(problem) = problem {
            return Err(format!(
                "the claim {name} {problem}, not {}",
                shown(&value.to_string(), ECHO_CHARS)
            ));
        }
    }
    let claims =
        Claims::deserialize(payload).map_err(|_| "the claims could not be read".to_string())?;
    let unchecked: Vec<String> = object
        .keys()
        .filter(|key| {
            !REQUIRED.iter().any(|(name, _)| name == key) && !OPTIONAL.contains(&key.as_str())
        })
        .take(8)
        .map(|key| shown(key, ECHO_CHARS))
        .collect();
    Ok((claims, unchecked))
}

/// The `sub` a token's payload names, however the rest of it reads (or `None`): whose switches
/// apply to a token that brings its own key, or none.
pub fn named_subject(token: &str) -> Option<String> {
    let (_, [_, payload, _]) = split(token)?;
    let bytes = base64url(payload).ok()?;
    #[derive(Deserialize)]
    struct Sub {
        sub: String,
    }
    serde_json::from_slice::<Sub>(&bytes).ok().map(|s| s.sub)
}

/// `token` as its signing input (`header.payload`) and its three parts, if it has exactly three.
pub(super) fn split(token: &str) -> Option<(&str, [&str; 3])> {
    let (signing_input, signature) = token.rsplit_once('.')?;
    let (header, payload) = signing_input.split_once('.')?;
    if payload.contains('.') {
        return None;
    }
    Some((signing_input, [header, payload, signature]))
}

/// Decoded bytes as a JSON object, or why they are not one.
fn json_object(bytes: &[u8]) -> Result<Value, String> {
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|_| "decodes to bytes that are not JSON".to_string())?;
    if value.is_object() {
        Ok(value)
    } else {
        Err("is JSON, but not an object of named fields".into())
    }
}

/// The header fields the checks read. Any other field is ignored, except `crit`.
#[derive(Debug, PartialEq)]
pub(super) struct HeaderFields {
    pub alg: Option<String>,
    pub kid: Option<String>,
    pub typ: Option<String>,
    /// A public key the token brings (an object, else absent): read only where the account
    /// switched `Defence::EmbeddedJwk` off.
    pub jwk: Option<Value>,
    /// A URL of keys the token names: followed only where the account switched `Defence::Jku`
    /// off, and then only to the attacker site's JWKS.
    pub jku: Option<String>,
}

/// Read the header. The usual header (a JSON object whose fields are text, no `crit`, no field
/// twice) is read straight into `HeaderFields`; anything else goes the long way through a
/// `serde_json::Value`, which names the problem. Both ways give the same verdict: a field that
/// is not text counts as absent, and a repeated field counts by its last value.
pub(super) fn header_fields(bytes: &[u8]) -> Result<HeaderFields, String> {
    #[derive(Deserialize)]
    struct Usual {
        alg: Option<String>,
        kid: Option<String>,
        typ: Option<String>,
        jwk: Option<Value>,
        jku: Option<String>,
        /// Whether the header has a `crit` at all: `"crit": null` sets it too.
        #[serde(default, deserialize_with = "present")]
        crit: bool,
    }
    fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
        serde::de::IgnoredAny::deserialize(d).map(|_| true)
    }
    // A struct also reads from a JSON array; only an object may take the short way.
    if bytes.first() == Some(&b'{') {
        if let Ok(Usual {
            alg,
            kid,
            typ,
            jwk,
            jku,
            crit: false,
        }) = serde_json::from_slice::<Usual>(bytes)
        {
            let jwk = jwk.filter(Value::is_object);
            return Ok(HeaderFields {
                alg,
                kid,
                typ,
                jwk,
                jku,
            });
        }
    }
    header_fields_the_long_way(bytes)
}

/// Any header, through a `serde_json::Value`.
fn header_fields_the_long_way(bytes: &[u8]) -> Result<HeaderFields, String> {
    let header = json_object(bytes)?;
    // `crit` (RFC 7515 §4.1.11) lists header extensions the verifier MUST understand, or refuse
    // the token. We understand none, so a token that sets it is refused: otherwise a token could
    // demand a rule (say, "b64": false) that this verifier silently skips.
    if let Some(crit) = header.get("crit") {
        return Err(format!(
            "names critical extensions {}, which this server does not implement, so it must \
             refuse the token (RFC 7515 §4.1.11)",
            shown(&crit.to_string(), ECHO_CHARS)
        ));
    }
    let text = |name: &str| header.get(name).and_then(Value::as_str).map(str::to_string);
    Ok(HeaderFields {
        alg: text("alg"),
        kid: text("kid"),
        typ: text("typ"),
        jwk: header.get("jwk").filter(|jwk| jwk.is_object()).cloned(),
        jku: text("jku"),
    })
}

/// The payload, read as far as the format check needs.
pub(super) enum Payload {
    /// Every required claim present and well-typed, and the names of the others.
    Read(Claims, Vec<String>),
    /// A JSON object the short way could not read: `claims_of` says what is wrong with it.
    Object(Value),
}

/// Read the payload: the usual one (a JSON object, each required claim once and of its type)
/// straight into `Claims`; anything else as a `Value`, for `claims_of` to explain.
pub(super) fn payload_of(bytes: &[u8]) -> Result<Payload, String> {
    if let Ok(UsualPayload(claims, unchecked)) = serde_json::from_slice::<UsualPayload>(bytes) {
        return Ok(Payload::Read(claims, unchecked));
    }
    json_object(bytes).map(Payload::Object)
}

/// The usual payload, read as a map (never from an array), claim by claim.
struct UsualPayload(Claims, Vec<String>);

impl<'de> Deserialize<'de> for UsualPayload {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(UsualPayloadVisitor)
    }
}

struct UsualPayloadVisitor;

impl<'de> serde::de::Visitor<'de> for UsualPayloadVisitor {
    type Value = UsualPayload;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an object of claims")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<UsualPayload, A::Error> {
        use serde::de::Error;
        fn once<T, E: Error>(slot: &mut Option<T>, value: T) -> Result<(), E> {
            match slot.replace(value) {
                None => Ok(()),
                Some(_) => Err(E::custom("a claim appears twice")),
            }
        }
        let (mut iss, mut aud, mut sub, mut jti) = (None, None, None, None);
        let (mut iat, mut nbf, mut exp, mut role) = (None, None, None, None);
        let (mut cnf, mut csrf) = (None, None);
        let mut others: Vec<&'de str> = Vec::new();
        // A key written with escapes cannot be borrowed: the long way reads it.
        while let Some(key) = map.next_key::<&'de str>()? {
            match key {
                "iss" => once(&mut iss, map.next_value::<String>()?)?,
                "aud" => once(&mut aud, map.next_value::<String>()?)?,
                "sub" => once(&mut sub, map.next_value::<String>()?)?,
                "jti" => once(&mut jti, map.next_value::<String>()?)?,
                "role" => once(&mut role, map.next_value::<Role>()?)?,
                "iat" => once(&mut iat, map.next_value::<i64>()?)?,
                "nbf" => once(&mut nbf, map.next_value::<i64>()?)?,
                "exp" => once(&mut exp, map.next_value::<i64>()?)?,
                "cnf" => once(&mut cnf, map.next_value::<Option<Confirmation>>()?)?,
                "csrf" => once(&mut csrf, map.next_value::<Option<String>>()?)?,
                other => {
                    others.push(other);
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        let missing = || A::Error::custom("a required claim is missing");
        let claims = Claims {
            iss: iss.ok_or_else(missing)?,
            aud: aud.ok_or_else(missing)?,
            sub: sub.ok_or_else(missing)?,
            role: role.ok_or_else(missing)?,
            iat: iat.ok_or_else(missing)?,
            nbf: nbf.ok_or_else(missing)?,
            exp: exp.ok_or_else(missing)?,
            jti: jti.ok_or_else(missing)?,
            cnf: cnf.flatten(),
            csrf: csrf.flatten(),
        };
        // As the long way names them: in order, each once, at most 8.
        others.sort_unstable();
        others.dedup();
        let unchecked = others
            .into_iter()
            .take(8)
            .map(|key| shown(key, ECHO_CHARS))
            .collect();
        Ok(UsualPayload(claims, unchecked))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Headers and payloads an attacker might send: each gets the same verdict the short way
    /// as the long way, or the short way would be a second verifier with rules of its own.
    #[test]
    fn the_short_way_reads_exactly_what_the_long_way_reads() {
        let headers = [
            r#"{"alg":"HS256","kid":"k1","typ":"at+jwt"}"#,
            r#"{"alg":"HS256","kid":"k1","typ":"at+jwt","crit":null}"#,
            r#"{"alg":"HS256","kid":"k1","typ":"at+jwt","crit":["b64"]}"#,
            r#"{"alg":"HS256","kid":"k1","kid":"k2"}"#,
            r#"{"alg":"HS256","kid":7,"typ":null}"#,
            r#"{"alg":"HS256","k\u0069d":"k1"}"#,
            r#"{"alg":"none","kid":"k\u0031","x":{"y":[1,2]}}"#,
            r#"["HS256","k1","at+jwt"]"#,
            r#"{"alg":"EdDSA","jwk":{"kty":"OKP","x":"AA"},"jku":"http://a/b"}"#,
            r#"{"alg":"EdDSA","jwk":null,"jku":7}"#,
            r#"{"alg":"EdDSA","jwk":[1],"jwk":{"kty":"EC"}}"#,
            r#" {"alg":"HS256"}"#,
            r#"{"alg":"HS256"} x"#,
            r#"{}"#,
            r#""text""#,
        ];
        for header in headers {
            let short = header_fields(header.as_bytes());
            let long = header_fields_the_long_way(header.as_bytes());
            assert_eq!(short, long, "{header}");
        }
        let base = r#""iss":"authlab","aud":"authlab-api","sub":"bob","role":"user","iat":1,"nbf":1,"exp":2,"jti":"j""#;
        let with = |from: &str, to: &str| format!("{{{}}}", base.replace(from, to));
        let payloads = [
            format!("{{{base}}}"),
            format!(r#"{{{base},"zeta":1,"alpha":[true],"alpha":2}}"#),
            format!(r#"{{{base},"sub":"alice"}}"#),
            format!(r#"{{{base},"r\u006fle":"admin"}}"#),
            format!(r#"{{{base},"x\u0041":null}}"#),
            format!(r#"{{{base},"a":1,"b":1,"c":1,"d":1,"e":1,"f":1,"g":1,"h":1,"i":1}}"#),
            with(r#""role":"user""#, r#""role":"root""#),
            with(r#""exp":2"#, r#""exp":2.0"#),
            with(r#""exp":2"#, r#""exp":9223372036854775808"#),
            with(r#""exp":2"#, r#""exp":-5"#),
            with(r#""iss":"authlab""#, r#""iss":null"#),
            with(r#","jti":"j""#, ""),
            format!(r#"{{{base},"cnf":{{"jkt":"abc"}}}}"#),
            format!(r#"{{{base},"cnf":{{"jkt":"abc","x5t#S256":"d"}}}}"#),
            format!(r#"{{{base},"cnf":null}}"#),
            format!(r#"{{{base},"cnf":5}}"#),
            format!(r#"{{{base},"csrf":"c"}}"#),
            format!(r#"{{{base},"csrf":5}}"#),
            format!(r#"{{{base},"csrf":null,"cnf":{{"jkt":"k"}}}}"#),
            format!(r#"{{{base},"cnf":{{"jkt":7}}}}"#),
            format!(r#"{{{base},"cnf":{{}},"cnf":{{"jkt":"a"}}}}"#),
            format!("[{base}]"),
            base.to_string(),
            "[]".to_string(),
        ];
        for payload in payloads {
            let bytes = payload.as_bytes();
            let long = json_object(bytes).and_then(|value| claims_of(&value));
            let short = payload_of(bytes).and_then(|read| match read {
                Payload::Read(claims, unchecked) => Ok((claims, unchecked)),
                Payload::Object(value) => claims_of(&value),
            });
            assert_eq!(short, long, "{payload}");
        }
        // The usual payload does take the short way.
        let usual = format!("{{{base}}}");
        assert!(matches!(
            payload_of(usual.as_bytes()),
            Ok(Payload::Read(_, _))
        ));
    }
}
