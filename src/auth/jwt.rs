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
    let segments: Vec<&str> = token.split('.').collect();
    if segments.len() != 3 {
        trace.fail(
            CheckId::Format,
            format!(
                "a JWS has 3 dot-separated parts; this has {}",
                segments.len()
            ),
        );
        return (None, parts);
    }
    let json_of = |segment: &str| -> Result<Value, String> {
        let bytes = URL_SAFE_NO_PAD.decode(segment).map_err(|_| {
            "is not base64url text (only A-Z, a-z, 0-9, - and _ may appear, without padding)"
                .to_string()
        })?;
        let value: Value = serde_json::from_slice(&bytes)
            .map_err(|_| "decodes to bytes that are not JSON".to_string())?;
        if value.is_object() {
            Ok(value)
        } else {
            Err("is JSON, but not an object of named fields".into())
        }
    };
    parts.signature = Some(segments[2].to_string());
    // `crit` (RFC 7515 §4.1.11) lists header extensions the verifier MUST understand, or refuse
    // the token. We understand none, so a token that sets it is refused: otherwise a token could
    // demand a rule (say, "b64": false) that this verifier silently skips.
    let header = json_of(segments[0]).and_then(|header| match header.get("crit") {
        Some(crit) => Err(format!(
            "names critical extensions {}, which this server does not implement, so it must \
             refuse the token (RFC 7515 §4.1.11)",
            shown(&crit.to_string(), ECHO_CHARS)
        )),
        None => Ok(header),
    });
    let payload = json_of(segments[1]);
    // The decoded parts are for showing (the decoder); a request's judge needs only the claims,
    // so it is spared a second parse and a copy of each.
    if mode == Mode::EveryProblem {
        parts.header = json_of(segments[0]).ok();
        // Show a payload that is not a JSON object as text (a JWS may sign anything; a JWT may
        // not).
        parts.payload = payload.as_ref().ok().cloned().or_else(|| {
            URL_SAFE_NO_PAD
                .decode(segments[1])
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .map(Value::String)
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
    if stop!() || header.is_err() {
        return (None, parts);
    }
    let header = header.unwrap_or_default();
    let text = |name: &str| header.get(name).and_then(Value::as_str).map(str::to_string);

    // kid known: the key comes from our own ring, never from the token (no `jku`, no embedded `jwk`).
    let key = match text("kid") {
        None => {
            fail!(
                CheckId::KidKnown,
                "the header names no kid, so no key of ours can check it"
            );
            None
        }
        Some(kid) => match keys.get(&kid) {
            Some(key) => {
                trace.pass(
                    CheckId::KidKnown,
                    format!(
                        "kid {} is one of our keys ({})",
                        quoted(&kid),
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
                        quoted(&kid)
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
    let alg = text("alg").unwrap_or_default();
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
                format!("header says {}: {why}", quoted(&alg))
            );
            false
        }
        None => {
            if alg.eq_ignore_ascii_case("none") {
                fail!(
                    CheckId::Algorithm,
                    format!(
                        "header says {}: unsigned tokens are never accepted",
                        quoted(&alg)
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
            let message = format!("{}.{}", segments[0], segments[1]);
            match crypto::verify(
                segments[2],
                message.as_bytes(),
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
    match text("typ") {
        Some(typ) if typ.eq_ignore_ascii_case(TYP) => {
            trace.pass(CheckId::Typ, format!("{typ}: an access token"))
        }
        other => fail!(
            CheckId::Typ,
            match other {
                Some(typ) => format!(
                    "the header's typ is {}, but this server's access tokens say \"{TYP}\" \
                     (RFC 9068): a token of another kind must not pass for one",
                    quoted(&typ)
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
    let claims: Option<Claims> = match payload {
        Ok(payload) => match claims_of(&payload) {
            Ok((claims, unchecked)) => {
                let mut detail = "iss aud sub role iat nbf exp jti all present".to_string();
                if !unchecked.is_empty() {
                    detail.push_str(&format!(
                        "; not checked by this server: {}",
                        unchecked.join(", ")
                    ));
                }
                trace.pass(CheckId::Claims, detail);
                Some(claims)
            }
            Err(problem) => {
                fail!(CheckId::Claims, problem);
                None
            }
        },
        Err(_) => None,
    };
    let Some(claims) = claims else {
        return (None, parts);
    };
    parts.claims = Some(claims.clone());
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
        (None, parts)
    } else {
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

/// A trace for verifying a bearer token: the token's checks, then the extractor's own three.
pub fn bearer_trace() -> Trace {
    Trace::new(AuthMode::Jwt, &BEARER_PLAN)
}
