//! Verifying a token: a short pipeline over a `Plan`, one function per check. Each check reads
//! what the checks before it learnt about the token (`Token`), adds what it learns, writes its
//! own line of the decision trace (`Line`) and says how it went (`Outcome`).

use super::{
    decode::{self, HeaderFields, Payload},
    public_key, Claims, Plan, MAX_TOKEN_BYTES, TYP,
};
use crate::{
    auth::{
        attacker_site::{AttackerSite, Unfollowed},
        decision::Trace,
        keys::{algorithm_of, KeyRing, SigningKey},
    },
    challenges::event::SignedBy,
    db::unix_now,
    logging::echo::quoted,
    settings::JwtSettings,
    wire::{CheckId, Defence, JwtAlg},
};
use jsonwebtoken::{crypto, Algorithm, DecodingKey};
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
    /// Whose key the signature was checked with: tells a forgery from a genuine token by its key.
    pub signed_by: SignedBy,
}

/// Verify `token` by `plan`, recording each check in `trace`. `Some(claims)` only if every check
/// passed (or failed only where the plan switched it off).
pub fn verify(
    token: &str,
    keys: (&KeyRing, &AttackerSite),
    config: &JwtSettings,
    plan: &Plan,
    trace: &mut Trace,
    mode: Mode,
) -> (Option<Claims>, Parts) {
    let (keys, attacker) = keys;
    let context = Context {
        keys,
        attacker,
        config,
        mode,
        plan,
    };
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
    attacker: &'a AttackerSite,
    config: &'a JwtSettings,
    mode: Mode,
    plan: &'a Plan,
}

/// The key a token is checked with.
enum KeyInUse {
    /// One of our ring's, found by the `kid`.
    Ours(Arc<SigningKey>),
    /// A key the token brought (an embedded `jwk`, or the attacker site's by `jku`), trusted
    /// only because the account it names switched that defence off.
    Brought {
        decoding: DecodingKey,
        alg: JwtAlg,
        from: &'static str,
    },
}

impl KeyInUse {
    fn alg(&self) -> JwtAlg {
        match self {
            KeyInUse::Ours(key) => key.alg,
            KeyInUse::Brought { alg, .. } => *alg,
        }
    }

    fn name(&self) -> String {
        match self {
            KeyInUse::Ours(key) => format!("key {}", key.kid),
            KeyInUse::Brought { from, .. } => format!("the key the token brought ({from})"),
        }
    }
}

/// What the header's `alg` is taken to mean where the algorithm is not pinned.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Trusted {
    /// The key's own algorithm: pinned, or named correctly.
    Pinned,
    /// `none` in any spelling: nothing to verify.
    Unsigned,
    /// `HS256` on a public key: an HMAC keyed with that key's PEM text.
    HmacWithPublicKey,
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
    key: Option<KeyInUse>,
    /// How the signature is to be checked, once the algorithm check has passed.
    algorithm: Option<Trusted>,
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
            algorithm: None,
            claims: None,
            parts: Parts::default(),
        }
    }

    fn finish(mut self, failed: bool, mode: Mode) -> (Option<Claims>, Parts) {
        self.parts.signed_by = match (self.algorithm, &self.key) {
            (Some(Trusted::Unsigned), _) => SignedBy::Unsigned,
            (Some(Trusted::HmacWithPublicKey), _) => SignedBy::PublicKeyAsHmac,
            (_, Some(KeyInUse::Brought { .. })) => SignedBy::BroughtKey,
            (_, Some(KeyInUse::Ours(_))) => SignedBy::OurKey,
            (_, None) => SignedBy::Unknown,
        };
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

/// The key comes from our own ring, never from the token (no `jku`, no embedded `jwk`), unless
/// the account the token names switched one of those defences off.
fn kid_known(token: &mut Token<'_>, context: &Context<'_>, line: Line<'_>) -> Outcome {
    let line = match brought_key(token, context, line) {
        Ok(outcome) => return outcome,
        Err(line) => line,
    };
    let Some(header) = &token.header else {
        return Outcome::Stop;
    };
    let Some(kid) = header.kid.as_deref() else {
        if unsigned_trusted(header, context) {
            return line.off_anyway(
                "no kid, and no key needed: the header says alg none, which this verifier \
                 trusts (algorithm pinning switched off by the account the token names)",
            );
        }
        return line.fail("the header names no kid, so no key of ours can check it");
    };
    let Some(key) = context.keys.get(kid) else {
        if unsigned_trusted(header, context) {
            return line.off_anyway(format!(
                "kid {} is not ours, and no key is needed: the header says alg none, which \
                 this verifier trusts (algorithm pinning switched off)",
                quoted(kid)
            ));
        }
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
    token.key = Some(KeyInUse::Ours(key));
    line.pass(detail)
}

/// Whether the header says `none` and the plan trusts the header's `alg`.
fn unsigned_trusted(header: &HeaderFields, context: &Context<'_>) -> bool {
    context.plan.relaxes(Defence::AlgPinning)
        && header
            .alg
            .as_deref()
            .is_some_and(|alg| alg.eq_ignore_ascii_case("none"))
}

/// A key the token brings, where the plan trusts one: `Ok(outcome)` when the header brought a
/// key this plan reads (used, or refused with the reason), `Err(line)` to look in our ring.
fn brought_key<'t>(
    token: &mut Token<'_>,
    context: &Context<'_>,
    line: Line<'t>,
) -> Result<Outcome, Line<'t>> {
    let Some(header) = token.header.as_ref() else {
        return Ok(Outcome::Stop);
    };
    if context.plan.relaxes(Defence::EmbeddedJwk) {
        if let Some(jwk) = &header.jwk {
            return Ok(match public_key::brought(jwk) {
                Ok((decoding, alg)) => {
                    token.key = Some(KeyInUse::Brought {
                        decoding,
                        alg,
                        from: "jwk",
                    });
                    line.off_anyway(format!(
                        "the header brings its own {} key (jwk), and this verifier trusts it: \
                         the account the token names switched \"ignore an embedded jwk\" off \
                         (CVE-2018-0114). Anyone's key pair now signs for that account",
                        alg.as_str()
                    ))
                }
                Err(why) => line.fail(format!("the embedded jwk cannot be used: {why}")),
            });
        }
    }
    if context.plan.relaxes(Defence::Jku) {
        if let Some(jku) = &header.jku {
            let urls = context.attacker.jwks_urls().join(" or ");
            return Ok(match context.attacker.follow(jku, header.kid.as_deref()) {
                Ok(key) => {
                    token.key = Some(KeyInUse::Brought {
                        decoding: key.decoding.clone(),
                        alg: key.alg,
                        from: "jku",
                    });
                    line.off_anyway(format!(
                        "followed jku to the attacker site's JWKS (read inside the server, \
                         nothing fetched) and found kid {}: the account the token names \
                         switched \"ignore jku\" off",
                        key.kid
                    ))
                }
                Err(Unfollowed::NotTheAttackerSite) => line.fail(format!(
                    "jku {} is not the attacker site's JWKS ({urls}): the follower reads that \
                     one document and nothing else, so it fetched nothing",
                    quoted(jku)
                )),
                Err(Unfollowed::NoKid) => {
                    line.fail("jku names the attacker site's JWKS, but the header names no kid")
                }
                Err(Unfollowed::UnknownKid) => line.fail(format!(
                    "the attacker site's JWKS has no kid {}",
                    quoted(header.kid.as_deref().unwrap_or_default())
                )),
            });
        }
    }
    Err(line)
}

/// The key is pinned to one algorithm; the header must name exactly that one (unless the
/// account the token names switched pinning off: then the header's `alg` is believed).
fn algorithm(token: &mut Token<'_>, context: &Context<'_>, line: Line<'_>) -> Outcome {
    let alg = token.header.as_ref().and_then(|h| h.alg.as_deref());
    let alg = alg.unwrap_or_default();
    let unsigned = alg.eq_ignore_ascii_case("none");
    let unpinned = context.plan.relaxes(Defence::AlgPinning);
    match &token.key {
        Some(key) if alg == key.alg().as_str() => {
            token.algorithm = Some(Trusted::Pinned);
            line.pass(format!("{alg}, the only algorithm {} accepts", key.name()))
        }
        _ if unpinned && unsigned => {
            token.algorithm = Some(Trusted::Unsigned);
            line.off_anyway(format!(
                "header says {}: believed, because the account the token names switched \
                 algorithm pinning off, so nothing will be verified (CVE-2015-9235)",
                quoted(alg)
            ))
        }
        Some(KeyInUse::Ours(key)) if unpinned && alg == "HS256" && key.public_jwk.is_some() => {
            token.algorithm = Some(Trusted::HmacWithPublicKey);
            line.off_anyway(format!(
                "header says HS256 for {} key {}: believed (algorithm pinning switched off), \
                 so the signature is checked as an HMAC keyed with the key's public PEM text: \
                 algorithm confusion",
                key.alg.as_str(),
                key.kid
            ))
        }
        Some(key) => {
            let why = if unsigned {
                "alg none means unsigned, and is never accepted".to_string()
            } else {
                let pinned = key.alg().as_str();
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
fn signature(token: &mut Token<'_>, context: &Context<'_>, line: Line<'_>) -> Outcome {
    // Believed `none` needs no key at all.
    if token.algorithm == Some(Trusted::Unsigned) {
        return unsigned(token, line);
    }
    let (Some(key), Some(trusted)) = (token.key.as_ref(), token.algorithm) else {
        return line.fail("not checked: no trusted key and algorithm for this token");
    };
    let input = token.signing_input.as_bytes();
    match (key, trusted) {
        (KeyInUse::Ours(key), Trusted::HmacWithPublicKey) => {
            let Some(pem) = key
                .public_jwk
                .as_ref()
                .and_then(|jwk| public_key::pem(jwk).ok())
            else {
                return line.fail(format!("key {} has no public key to spell", key.kid));
            };
            let secret = DecodingKey::from_secret(pem.as_bytes());
            match crypto::verify(token.signature, input, &secret, Algorithm::HS256) {
                Ok(true) => line.off_anyway(format!(
                    "a valid HMAC keyed with key {}'s public PEM text: anyone can compute it, \
                     the key is published",
                    key.kid
                )),
                _ => line.fail(format!(
                    "does not match an HMAC keyed with key {}'s public PEM text",
                    key.kid
                )),
            }
        }
        (KeyInUse::Brought { decoding, alg, .. }, _) => {
            match crypto::verify(token.signature, input, decoding, algorithm_of(*alg)) {
                Ok(true) => line.pass(format!(
                    "valid {} signature by {}",
                    alg.as_str(),
                    key.name()
                )),
                _ => line.fail(format!("does not match {}", key.name())),
            }
        }
        (KeyInUse::Ours(key), _) => ours(token, context, key, line),
    }
}

/// `alg: none`, believed: there is nothing to verify.
fn unsigned(token: &Token<'_>, line: Line<'_>) -> Outcome {
    let shown = if token.signature.is_empty() {
        "no signature"
    } else {
        "a signature nobody looks at"
    };
    line.off_anyway(format!(
        "not checked ({shown}): alg none, believed because algorithm pinning is switched off"
    ))
}

/// A signature checked with one of our keys, under its pinned algorithm.
fn ours(token: &Token<'_>, context: &Context<'_>, key: &SigningKey, line: Line<'_>) -> Outcome {
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
        _ if key.alg == JwtAlg::ES256
            && context.plan.relaxes(Defence::PsychicSignature)
            && zero_ecdsa(token.signature) =>
        {
            line.off_anyway(format!(
                "r = s = 0: no valid ECDSA signature, yet accepted, as Java 15 to 18 did \
                 (CVE-2022-21449): the account switched the non-zero check off, so this \
                 signature passes for any token naming key {}",
                key.kid
            ))
        }
        Ok(false) => {
            line.fail("does not match: the header or payload was changed, or another key signed it")
        }
        Err(e) => line.fail(format!("cannot be checked: {e}")),
    }
}

/// An ES256 signature whose r and s are both zero (the psychic signature).
fn zero_ecdsa(signature: &str) -> bool {
    decode::base64url(signature)
        .is_ok_and(|bytes| bytes.len() == 64 && bytes.iter().all(|b| *b == 0))
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
