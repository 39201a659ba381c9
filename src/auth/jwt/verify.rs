//! Verifying a token: a short pipeline over a `Plan`, one function per check. Each check reads
//! what the checks before it learnt about the token (`Token`), adds what it learns, writes its
//! own line of the decision trace (`Line`) and says how it went (`Outcome`).

use super::{
    decode::{self, HeaderFields, Payload},
    Claims, Plan, MAX_TOKEN_BYTES, TYP,
};
use crate::{
    auth::{
        decision::Trace,
        keys::{KeyRing, SigningKey},
    },
    db::unix_now,
    logging::echo::quoted,
    settings::JwtSettings,
    wire::CheckId,
};
use jsonwebtoken::crypto;
use serde_json::Value;
use std::{borrow::Cow, sync::Arc};

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
    /// The account that owns the key the `kid` names (the bearer judge checks it is `sub`'s).
    pub key_owner: Option<i64>,
}

/// Verify `token` by `plan`, recording each check in `trace`. `Some(claims)` only if every check
/// passed (or failed only where the plan switched it off).
pub fn verify(
    token: &str,
    keys: &KeyRing,
    config: &JwtSettings,
    plan: &Plan,
    trace: &mut Trace,
    mode: Mode,
) -> (Option<Claims>, Parts) {
    let context = Context { keys, config, mode };
    let mut learnt = Token::new(token);
    let mut failed = false;
    for &check in plan.checks() {
        // The plan's other checks (whose the token is, revocation) are the judge's.
        let Some(run) = check_of(check) else { continue };
        let line = Line {
            trace: &mut *trace,
            check,
            off: plan.is_off(check),
        };
        match run(&mut learnt, &context, line) {
            Outcome::Pass => {}
            Outcome::Fail if mode == Mode::EveryProblem => failed = true,
            Outcome::Fail | Outcome::Stop => {
                failed = true;
                break;
            }
        }
    }
    learnt.finish(failed, mode)
}

/// The function of each of the token's own checks.
fn check_of(check: CheckId) -> Option<Check> {
    Some(match check {
        CheckId::Format => format,
        CheckId::KidKnown => kid_known,
        CheckId::Algorithm => algorithm,
        CheckId::Signature => signature,
        CheckId::Typ => typ,
        CheckId::Claims => claims,
        CheckId::Iss => iss,
        CheckId::Aud => aud,
        CheckId::Nbf => nbf,
        CheckId::Exp => exp,
        _ => return None,
    })
}

type Check = fn(&mut Token<'_>, &Context<'_>, Line<'_>) -> Outcome;

/// What every check may consult.
struct Context<'a> {
    keys: &'a KeyRing,
    config: &'a JwtSettings,
    mode: Mode,
}

/// What the checks learnt about the token so far.
struct Token<'a> {
    raw: &'a str,
    /// `header.payload`, what the signature signs.
    signing_input: &'a str,
    signature: &'a str,
    header: Option<HeaderFields>,
    /// `None` once the claims check has read it, or when it could not be read.
    payload: Option<Payload>,
    key: Option<Arc<SigningKey>>,
    /// The header names the one algorithm the key is pinned to.
    algorithm_ok: bool,
    claims: Option<Claims>,
    parts: Parts,
}

impl<'a> Token<'a> {
    fn new(raw: &'a str) -> Self {
        Token {
            raw,
            signing_input: "",
            signature: "",
            header: None,
            payload: None,
            key: None,
            algorithm_ok: false,
            claims: None,
            parts: Parts::default(),
        }
    }

    fn finish(mut self, failed: bool, mode: Mode) -> (Option<Claims>, Parts) {
        match self.claims.take() {
            Some(claims) if !failed => {
                if mode == Mode::EveryProblem {
                    self.parts.claims = Some(claims.clone());
                }
                (Some(claims), self.parts)
            }
            claims => {
                self.parts.claims = claims;
                (None, self.parts)
            }
        }
    }
}

/// How a check went.
enum Outcome {
    Pass,
    /// Failed; later checks may still run (the decoder names every problem).
    Fail,
    /// Failed, and nothing after it can be checked.
    Stop,
}

/// A check's line in the trace.
struct Line<'t> {
    trace: &'t mut Trace,
    check: CheckId,
    /// Switched off by the plan: a failure is recorded as `off`, and the token goes on.
    off: bool,
}

impl Line<'_> {
    fn pass(self, detail: impl Into<Cow<'static, str>>) -> Outcome {
        self.trace.pass(self.check, detail);
        Outcome::Pass
    }

    fn fail(self, detail: impl Into<Cow<'static, str>>) -> Outcome {
        if self.off {
            self.trace.off(self.check, detail);
            return Outcome::Pass;
        }
        self.trace.fail(self.check, detail);
        Outcome::Fail
    }

    /// Passed only because the account weakened this defence: recorded `off`, whatever the plan.
    fn off_anyway(self, detail: impl Into<Cow<'static, str>>) -> Outcome {
        self.trace.off(self.check, detail);
        Outcome::Pass
    }

    /// A failure that leaves nothing to check after it, switched off or not.
    fn stop(self, detail: impl Into<Cow<'static, str>>) -> Outcome {
        self.trace.fail(self.check, detail);
        Outcome::Stop
    }
}

/// Bounded size, three base64url segments; header and payload are JSON objects.
fn format(token: &mut Token<'_>, context: &Context<'_>, line: Line<'_>) -> Outcome {
    let size = token.raw.len();
    if size > MAX_TOKEN_BYTES {
        return line.stop(format!(
            "the token is {size} bytes, more than the {MAX_TOKEN_BYTES} read at all; not decoded"
        ));
    }
    let Some((signing_input, [header, payload, signature])) = decode::split(token.raw) else {
        let parts = token.raw.split('.').count();
        return line.stop(format!("a JWS has 3 dot-separated parts; this has {parts}"));
    };
    (token.signing_input, token.signature) = (signing_input, signature);
    let (header, payload) = (decode::base64url(header), decode::base64url(payload));
    // The decoded parts are for showing (the decoder); a request's judge needs only the fields
    // it checks, so it is spared building them.
    if context.mode == Mode::EveryProblem {
        let shown = decode::shown_json(header.as_deref().ok(), payload.as_deref().ok());
        (token.parts.header, token.parts.payload) = shown;
        token.parts.signature = Some(signature.to_string());
    }
    let header = header.and_then(|bytes| decode::header_fields(&bytes));
    let payload = payload.and_then(|bytes| decode::payload_of(&bytes));
    match (header, payload) {
        (Err(e), _) => line.stop(format!("the header {e}")),
        (Ok(header), payload) => {
            token.header = Some(header);
            match payload {
                Ok(payload) => {
                    token.payload = Some(payload);
                    line.pass("three base64url parts; header and payload are JSON")
                }
                Err(e) => line.fail(format!("the payload {e}")),
            }
        }
    }
}

/// The key comes from our own ring, never from the token (no `jku`, no embedded `jwk`).
fn kid_known(token: &mut Token<'_>, context: &Context<'_>, line: Line<'_>) -> Outcome {
    let Some(header) = &token.header else {
        return Outcome::Stop;
    };
    let Some(kid) = header.kid.as_deref() else {
        return line.fail("the header names no kid, so no key of ours can check it");
    };
    let Some(key) = context.keys.get(kid) else {
        return line.fail(format!(
            "kid {} is not in our key ring (never ours, or retired)",
            quoted(kid)
        ));
    };
    // The kid is ours (it named a key of our ring), so it is shown as it is.
    let detail = format!(
        "kid \"{}\" is one of our keys ({})",
        key.kid,
        key.alg.as_str()
    );
    token.parts.key_owner = Some(key.owner_id);
    token.key = Some(key);
    line.pass(detail)
}

/// The key is pinned to one algorithm; the header must name exactly that one.
fn algorithm(token: &mut Token<'_>, _: &Context<'_>, line: Line<'_>) -> Outcome {
    let alg = token.header.as_ref().and_then(|h| h.alg.as_deref());
    let alg = alg.unwrap_or_default();
    let unsigned = alg.eq_ignore_ascii_case("none");
    match &token.key {
        Some(key) if alg == key.alg.as_str() => {
            token.algorithm_ok = true;
            line.pass(format!("{alg}, the only algorithm key {} accepts", key.kid))
        }
        Some(key) => {
            let why = if unsigned {
                "alg none means unsigned, and is never accepted".to_string()
            } else {
                let pinned = key.alg.as_str();
                format!("this key is pinned to {pinned}; a token cannot choose another")
            };
            line.fail(format!("header says {}: {why}", quoted(alg)))
        }
        None if unsigned => line.fail(format!(
            "header says {}: unsigned tokens are never accepted",
            quoted(alg)
        )),
        None => line.fail("no key to pin the algorithm to"),
    }
}

/// With the pinned key and algorithm.
fn signature(token: &mut Token<'_>, _: &Context<'_>, line: Line<'_>) -> Outcome {
    let key = token.key.as_ref().filter(|_| token.algorithm_ok);
    let Some(key) = key else {
        return line.fail("not checked: no trusted key and algorithm for this token");
    };
    let input = token.signing_input.as_bytes();
    match crypto::verify(token.signature, input, &key.decoding, key.algorithm()) {
        // A weak key's signature is genuine, and proves nothing: anyone who cracked a token it
        // signed could have made this one.
        Ok(true) if key.weak => line.off_anyway(format!(
            "a valid HS256 signature by key {}, whose secret is a word from the lab's wordlist \
             (this account switched strong secrets off): anyone who cracked one of its tokens \
             could have signed this",
            key.kid
        )),
        Ok(true) => line.pass(format!(
            "valid {} signature by key {}",
            key.alg.as_str(),
            key.kid
        )),
        Ok(false) => {
            line.fail("does not match: the header or payload was changed, or another key signed it")
        }
        Err(e) => line.fail(format!("cannot be checked: {e}")),
    }
}

/// An access token says so (RFC 9068): a token of another kind must not pass for one.
fn typ(token: &mut Token<'_>, _: &Context<'_>, line: Line<'_>) -> Outcome {
    match token.header.as_ref().and_then(|h| h.typ.as_deref()) {
        Some(typ) if typ.eq_ignore_ascii_case(TYP) => line.pass(format!("{typ}: an access token")),
        Some(typ) => line.fail(format!(
            "the header's typ is {}, but this server's access tokens say \"{TYP}\" (RFC 9068): \
             a token of another kind must not pass for one",
            quoted(typ)
        )),
        None => line.fail(format!(
            "the header has no typ; this server's access tokens say \"{TYP}\" (RFC 9068)"
        )),
    }
}

const ALL_CLAIMS_PRESENT: &str = "iss aud sub role iat nbf exp jti all present";

/// The required claims present and of the right type; any other is ignored (RFC 7519 §4) and
/// named as not checked.
fn claims(token: &mut Token<'_>, _: &Context<'_>, line: Line<'_>) -> Outcome {
    let read = match token.payload.take() {
        Some(Payload::Read(claims, unchecked)) => Ok((claims, unchecked)),
        Some(Payload::Object(payload)) => decode::claims_of(&payload),
        // The format check already said why the payload cannot be read.
        None => return Outcome::Stop,
    };
    match read {
        Ok((claims, unchecked)) => {
            token.claims = Some(claims);
            if unchecked.is_empty() {
                line.pass(ALL_CLAIMS_PRESENT)
            } else {
                let unchecked = unchecked.join(", ");
                line.pass(format!(
                    "{ALL_CLAIMS_PRESENT}; not checked by this server: {unchecked}"
                ))
            }
        }
        Err(problem) => line.stop(problem),
    }
}

fn iss(token: &mut Token<'_>, context: &Context<'_>, line: Line<'_>) -> Outcome {
    let Some(claims) = &token.claims else {
        return Outcome::Stop;
    };
    let ours = &context.config.issuer;
    if claims.iss == *ours {
        return line.pass(format!("issued by {}", claims.iss));
    }
    line.fail(format!(
        "the issuer {} is not this server (\"{ours}\")",
        quoted(&claims.iss)
    ))
}

fn aud(token: &mut Token<'_>, context: &Context<'_>, line: Line<'_>) -> Outcome {
    let Some(claims) = &token.claims else {
        return Outcome::Stop;
    };
    let ours = &context.config.audience;
    if claims.aud == *ours {
        return line.pass(format!("meant for {}", claims.aud));
    }
    line.fail(format!(
        "the audience {} is not \"{ours}\": the token was meant for another service",
        quoted(&claims.aud)
    ))
}

// `nbf` and `exp` are whatever the token's author wrote, i64::MIN to i64::MAX: saturating.

fn nbf(token: &mut Token<'_>, context: &Context<'_>, line: Line<'_>) -> Outcome {
    let Some(claims) = &token.claims else {
        return Outcome::Stop;
    };
    let (now, leeway) = (unix_now(), context.config.leeway_secs as i64);
    if claims.nbf <= now.saturating_add(leeway) {
        let since = now.saturating_sub(claims.nbf);
        return line.pass(format!("valid since {since} s ago"));
    }
    let wait = claims.nbf.saturating_sub(now);
    line.fail(format!(
        "not valid for another {wait} s (leeway {leeway} s)"
    ))
}

fn exp(token: &mut Token<'_>, context: &Context<'_>, line: Line<'_>) -> Outcome {
    let Some(claims) = &token.claims else {
        return Outcome::Stop;
    };
    let (now, leeway) = (unix_now(), context.config.leeway_secs as i64);
    if now < claims.exp.saturating_add(leeway) {
        let left = claims.exp.saturating_sub(now);
        return line.pass(format!("expires in {left} s"));
    }
    let ago = now.saturating_sub(claims.exp);
    line.fail(format!("expired {ago} s ago (leeway {leeway} s)"))
}
