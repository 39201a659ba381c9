//! Access tokens: signed JWTs that carry the state themselves. The server keeps nothing per token;
//! it checks a signature and some claims, and that is why it cannot simply "delete" one.
//!
//! Issued: header `{alg, typ: "at+jwt", kid}`, claims `iss aud sub role iat nbf exp jti`.
//! Verified, in this order, each a named check in the decision trace:
//! format → kid known → algorithm → signature → typ → claims → iss → aud → nbf → exp.
//! (The bearer extractor then adds: subject → denylist → not-before mark.)
//!
//! Everything a token's author wrote (a `kid`, an `alg`, an issuer) is echoed through
//! `echo::quoted`, capped at 64 characters: a 6 KB `kid` is a short refusal, not a 19 KB one.
//!
//! Every rule is explicit here rather than left to a library default: the algorithm comes from
//! the key the `kid` names (never from the header), all claims are required, `iss` and `aud` must
//! match exactly, and `nbf`/`exp` allow only the configured leeway (at most 60 s).

use crate::{
    auth::{
        decision::Trace,
        echo::{quoted, shown, ECHO_CHARS},
        keys::{KeyRing, SigningKey},
    },
    db::unix_now,
    settings::JwtSettings,
    wire::{AuthMode, CheckId, Role},
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use jsonwebtoken::{crypto, Header};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The `typ` header of our access tokens (RFC 9068): a refresh token or an ID token from another
/// system, even if signed by a key we know, is not an access token.
pub const TYP: &str = "at+jwt";

/// The longest token read at all. Ours are well under 1 KB; a bigger one is refused before any
/// decoding, and never echoed (a bearer header is the easiest place to push megabytes of text).
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;

/// The bearer judge's plan: the token's own checks (`CHECKS`), then whose it is and whether it
/// was revoked.
pub const BEARER_PLAN: [CheckId; 13] = [
    CheckId::Format,
    CheckId::KidKnown,
    CheckId::Algorithm,
    CheckId::Signature,
    CheckId::Typ,
    CheckId::Claims,
    CheckId::Iss,
    CheckId::Aud,
    CheckId::Nbf,
    CheckId::Exp,
    CheckId::Subject,
    CheckId::Denylist,
    CheckId::NotBeforeMark,
];

/// The checks `verify` runs, in order: the first ten of the bearer plan.
pub const CHECKS: &[CheckId] = BEARER_PLAN.split_at(10).0;

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
}

/// Sign a new access token for `username`/`role` with `key`, valid for `ttl_secs`.
pub fn issue(
    key: &SigningKey,
    username: &str,
    role: Role,
    ttl_secs: u64,
    config: &JwtSettings,
) -> Result<(String, Claims), jsonwebtoken::errors::Error> {
    let now = unix_now();
    let claims = Claims {
        iss: config.issuer.clone(),
        aud: config.audience.clone(),
        sub: username.to_string(),
        role,
        iat: now,
        nbf: now,
        exp: now.saturating_add(i64::try_from(ttl_secs).unwrap_or(i64::MAX)),
        jti: crate::auth::csrf::new_token()[..22].to_string(),
    };
    let mut header = Header::new(key.algorithm());
    header.typ = Some(TYP.into());
    header.kid = Some(key.kid.clone());
    let token = jsonwebtoken::encode(&header, &claims, &key.encoding)?;
    Ok((token, claims))
}

/// How far to go after a failed check.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A real request: the first failure decides.
    FirstFailure,
    /// The decoder: keep going, so every problem gets named.
    EveryProblem,
}

/// A token taken apart (whatever the verdict).
#[derive(Default)]
pub struct Parts {
    pub header: Option<Value>,
    pub payload: Option<Value>,
    pub signature: Option<String>,
    pub claims: Option<Claims>,
    /// The account that owns the key the `kid` names (the bearer extractor checks it is `sub`'s).
    pub key_owner: Option<i64>,
}

/// Verify `token`, recording each check in `trace`. `Some(claims)` only if every check passed.
pub fn verify(
    token: &str,
    keys: &KeyRing,
    config: &JwtSettings,
    trace: &mut Trace,
    mode: Mode,
) -> (Option<Claims>, Parts) {
    let mut parts = Parts::default();
    let mut failed = false;
    macro_rules! fail {
        ($name:expr, $detail:expr) => {{
            trace.fail($name, String::from($detail));
            failed = true;
        }};
    }
    macro_rules! stop {
        () => {
            failed && mode == Mode::FirstFailure
        };
    }

    // format: bounded size, three base64url segments; header and payload are JSON objects.
    if token.len() > MAX_TOKEN_BYTES {
        trace.fail(
            CheckId::Format,
            format!(
                "the token is {} bytes, more than the {MAX_TOKEN_BYTES} read at all; not decoded",
                token.len()
            ),
        );
        return (None, parts);
    }
    let (signing_input, segments) = match split(token) {
        Some(split) => split,
        None => {
            trace.fail(
                CheckId::Format,
                format!(
                    "a JWS has 3 dot-separated parts; this has {}",
                    token.split('.').count()
                ),
            );
            return (None, parts);
        }
    };
    const NOT_BASE64: &str =
        "is not base64url text (only A-Z, a-z, 0-9, - and _ may appear, without padding)";
    let header_bytes = URL_SAFE_NO_PAD.decode(segments[0]);
    let payload_bytes = URL_SAFE_NO_PAD.decode(segments[1]);
    let header = match &header_bytes {
        Ok(bytes) => header_fields(bytes),
        Err(_) => Err(NOT_BASE64.to_string()),
    };
    let payload = match &payload_bytes {
        Ok(bytes) => payload_of(bytes),
        Err(_) => Err(NOT_BASE64.to_string()),
    };
    // The decoded parts are for showing (the decoder); a request's judge needs only the fields
    // it checks, so it is spared building them.
    if mode == Mode::EveryProblem {
        parts.signature = Some(segments[2].to_string());
        parts.header = header_bytes
            .as_deref()
            .ok()
            .and_then(|b| json_object(b).ok());
        // Show a payload that is not a JSON object as text (a JWS may sign anything; a JWT may
        // not).
        parts.payload = payload_bytes.as_deref().ok().and_then(|bytes| {
            json_object(bytes)
                .ok()
                .or_else(|| String::from_utf8(bytes.to_vec()).ok().map(Value::String))
        });
    }
    match (&header, &payload) {
        (Ok(_), Ok(_)) => trace.pass(
            CheckId::Format,
            "three base64url parts; header and payload are JSON",
        ),
        (Err(e), _) => fail!(CheckId::Format, format!("the header {e}")),
        (_, Err(e)) => fail!(CheckId::Format, format!("the payload {e}")),
    }
    let header = match header {
        Ok(header) if !stop!() => header,
        _ => return (None, parts),
    };

    // kid known: the key comes from our own ring, never from the token (no `jku`, no embedded `jwk`).
    let key = match header.kid.as_deref() {
        None => {
            fail!(
                CheckId::KidKnown,
                "the header names no kid, so no key of ours can check it"
            );
            None
        }
        Some(kid) => match keys.get(kid) {
            Some(key) => {
                trace.pass(
                    CheckId::KidKnown,
                    // The kid is ours (it named a key of our ring), so it is shown as it is.
                    format!(
                        "kid \"{}\" is one of our keys ({})",
                        key.kid,
                        key.alg.as_str()
                    ),
                );
                parts.key_owner = Some(key.owner_id);
                Some(key)
            }
            None => {
                fail!(
                    CheckId::KidKnown,
                    format!(
                        "kid {} is not in our key ring (never ours, or retired)",
                        quoted(kid)
                    )
                );
                None
            }
        },
    };
    if stop!() {
        return (None, parts);
    }

    // algorithm: the key is pinned to one algorithm; the header must name exactly that one.
    let alg = header.alg.as_deref().unwrap_or_default();
    let algorithm_ok = match &key {
        Some(key) if alg == key.alg.as_str() => {
            trace.pass(
                CheckId::Algorithm,
                format!("{alg}, the only algorithm key {} accepts", key.kid),
            );
            true
        }
        Some(key) => {
            let why = if alg.eq_ignore_ascii_case("none") {
                "alg none means unsigned, and is never accepted".to_string()
            } else {
                format!(
                    "this key is pinned to {}; a token cannot choose another",
                    key.alg.as_str()
                )
            };
            fail!(
                CheckId::Algorithm,
                format!("header says {}: {why}", quoted(alg))
            );
            false
        }
        None => {
            if alg.eq_ignore_ascii_case("none") {
                fail!(
                    CheckId::Algorithm,
                    format!(
                        "header says {}: unsigned tokens are never accepted",
                        quoted(alg)
                    )
                );
            } else {
                trace.fail(CheckId::Algorithm, "no key to pin the algorithm to");
            }
            false
        }
    };
    if stop!() {
        return (None, parts);
    }

    // signature: with the pinned key and algorithm.
    match (&key, algorithm_ok) {
        (Some(key), true) => {
            match crypto::verify(
                segments[2],
                signing_input.as_bytes(),
                &key.decoding,
                key.algorithm(),
            ) {
                Ok(true) => trace.pass(
                    CheckId::Signature,
                    format!("valid {} signature by key {}", key.alg.as_str(), key.kid),
                ),
                Ok(false) => fail!(
                    CheckId::Signature,
                    "does not match: the header or payload was changed, or another key signed it"
                ),
                Err(e) => fail!(CheckId::Signature, format!("cannot be checked: {e}")),
            }
        }
        _ => fail!(
            CheckId::Signature,
            "not checked: no trusted key and algorithm for this token"
        ),
    }
    if stop!() {
        return (None, parts);
    }

    // typ
    match header.typ.as_deref() {
        Some(typ) if typ.eq_ignore_ascii_case(TYP) => {
            trace.pass(CheckId::Typ, format!("{typ}: an access token"))
        }
        other => fail!(
            CheckId::Typ,
            match other {
                Some(typ) => format!(
                    "the header's typ is {}, but this server's access tokens say \"{TYP}\" \
                     (RFC 9068): a token of another kind must not pass for one",
                    quoted(typ)
                ),
                None => format!(
                    "the header has no typ; this server's access tokens say \"{TYP}\" (RFC 9068)"
                ),
            }
        ),
    }
    if stop!() {
        return (None, parts);
    }

    // claims: the required ones present and of the right type; any other is ignored (RFC 7519
    // §4) and named as not checked.
    let read = match payload {
        Ok(Payload::Read(claims, unchecked)) => Ok((claims, unchecked)),
        Ok(Payload::Object(payload)) => claims_of(&payload),
        Err(_) => return (None, parts),
    };
    let claims = match read {
        Ok((claims, unchecked)) => {
            if unchecked.is_empty() {
                trace.pass(CheckId::Claims, ALL_CLAIMS_PRESENT);
            } else {
                trace.pass(
                    CheckId::Claims,
                    format!(
                        "{ALL_CLAIMS_PRESENT}; not checked by this server: {}",
                        unchecked.join(", ")
                    ),
                );
            }
            claims
        }
        Err(problem) => {
            trace.fail(CheckId::Claims, problem);
            return (None, parts);
        }
    };
    let now = unix_now();
    let leeway = config.leeway_secs as i64;

    if claims.iss == config.issuer {
        trace.pass(CheckId::Iss, format!("issued by {}", claims.iss));
    } else {
        fail!(
            CheckId::Iss,
            format!(
                "the issuer {} is not this server (\"{}\")",
                quoted(&claims.iss),
                config.issuer
            )
        );
    }
    if !stop!() {
        if claims.aud == config.audience {
            trace.pass(CheckId::Aud, format!("meant for {}", claims.aud));
        } else {
            fail!(
                CheckId::Aud,
                format!(
                    "the audience {} is not \"{}\": the token was meant for another service",
                    quoted(&claims.aud),
                    config.audience
                )
            );
        }
    }
    if !stop!() {
        // Saturating: nbf and exp are whatever the token's author wrote, i64::MIN to i64::MAX.
        if claims.nbf <= now.saturating_add(leeway) {
            trace.pass(
                CheckId::Nbf,
                format!("valid since {} s ago", now.saturating_sub(claims.nbf)),
            );
        } else {
            fail!(
                CheckId::Nbf,
                format!(
                    "not valid for another {} s (leeway {leeway} s)",
                    claims.nbf.saturating_sub(now)
                )
            );
        }
    }
    if !stop!() {
        if now < claims.exp.saturating_add(leeway) {
            trace.pass(
                CheckId::Exp,
                format!("expires in {} s", claims.exp.saturating_sub(now)),
            );
        } else {
            fail!(
                CheckId::Exp,
                format!(
                    "expired {} s ago (leeway {leeway} s)",
                    now.saturating_sub(claims.exp)
                )
            );
        }
    }
    if failed {
        parts.claims = Some(claims);
        (None, parts)
    } else {
        if mode == Mode::EveryProblem {
            parts.claims = Some(claims.clone());
        }
        (Some(claims), parts)
    }
}

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
fn claims_of(payload: &Value) -> Result<(Claims, Vec<String>), String> {
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
        .filter(|key| !REQUIRED.iter().any(|(name, _)| name == key))
        .take(8)
        .map(|key| shown(key, ECHO_CHARS))
        .collect();
    Ok((claims, unchecked))
}

const ALL_CLAIMS_PRESENT: &str = "iss aud sub role iat nbf exp jti all present";

/// `token` as its signing input (`header.payload`) and its three parts, if it has exactly three.
fn split(token: &str) -> Option<(&str, [&str; 3])> {
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
struct HeaderFields {
    alg: Option<String>,
    kid: Option<String>,
    typ: Option<String>,
}

/// Read the header. The usual header (a JSON object whose fields are text, no `crit`, no field
/// twice) is read straight into `HeaderFields`; anything else goes the long way through a
/// `serde_json::Value`, which names the problem. Both ways give the same verdict: a field that
/// is not text counts as absent, and a repeated field counts by its last value.
fn header_fields(bytes: &[u8]) -> Result<HeaderFields, String> {
    #[derive(Deserialize)]
    struct Usual {
        alg: Option<String>,
        kid: Option<String>,
        typ: Option<String>,
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
            crit: false,
        }) = serde_json::from_slice::<Usual>(bytes)
        {
            return Ok(HeaderFields { alg, kid, typ });
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
    })
}

/// The payload, read as far as the format check needs.
enum Payload {
    /// Every required claim present and well-typed, and the names of the others.
    Read(Claims, Vec<String>),
    /// A JSON object the short way could not read: `claims_of` says what is wrong with it.
    Object(Value),
}

/// Read the payload: the usual one (a JSON object, each required claim once and of its type)
/// straight into `Claims`; anything else as a `Value`, for `claims_of` to explain.
fn payload_of(bytes: &[u8]) -> Result<Payload, String> {
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

/// A trace for verifying a bearer token: the token's checks, then the extractor's own three.
pub fn bearer_trace() -> Trace {
    Trace::new(AuthMode::Jwt, &BEARER_PLAN)
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
