//! Attacks on access tokens. The victim signs in for real and holds a genuine token; the attacker
//! takes it apart (`forge`) and sends variants to `GET /api/me`. Where the attack is a token the
//! server itself would have signed (expired, for another audience, with `crit`), the lab signs it
//! with the victim's real key: what an attacker replays after stealing or collecting it.

use super::{forge::Pieces, me, Played, Run};
use crate::wire::paths;
use crate::{
    api::error::ApiError,
    auth::{
        jwt::MAX_TOKEN_BYTES,
        keys::{self, SigningKey},
        weak_secret,
    },
    db::unix_now,
    lab::in_process::InProcessRequest,
    wire::{AttackId, JwtAlg, StepPart},
};
use axum::http::{header, Method};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::{json, Value};
use std::sync::Arc;

/// A label and the `Authorization` header value the attacker sends.
type Forged = Vec<(String, String)>;

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

pub async fn run(run: &mut Run<'_>, attack: AttackId) -> Played {
    let state = run.state();
    // The victim signs with the algorithm the attack is about: an HMAC key to try the empty key
    // and the wordlist on, a P-256 key for the psychic signature; else the default.
    let alg = match attack {
        AttackId::EmptyHmacKey | AttackId::WeakSecretCracked => Some(JwtAlg::HS256),
        AttackId::PsychicSignature => Some(JwtAlg::ES256),
        _ => None,
    };
    let victim = run.account_signing_with("victim", alg).await?;
    let signed = run
        .bearer_login(&victim, "the victim signs in (bearer mode)")
        .await?;
    run.victim(
        StepPart::Setup,
        "the victim's genuine token works",
        me().bearer(&signed.access),
    )
    .await;
    let genuine = Pieces::of(&signed.access).ok_or_else(|| super::broken("token shape"))?;
    let key = genuine
        .header
        .get("kid")
        .and_then(Value::as_str)
        .and_then(|kid| state.auth.keys.get(kid))
        .ok_or_else(|| super::broken("the victim's key"))?;
    let resign = |pieces: Pieces| pieces.signed(&key.encoding, key.algorithm());
    let now = unix_now();
    // The cracking card's account of its search, written once it has run.
    let cracking: String;

    let (forged, why): (Forged, &str) = match attack {
        AttackId::TamperedRole => (
            vec![(
                "role changed to admin, the victim's signature kept".into(),
                bearer(&genuine.clone().set_claim("role", "admin").resent()),
            )],
            "A signature covers the header and the payload: change one byte of either and it no \
             longer matches. The server checks it with its own key before reading any claim.",
        ),
        AttackId::AlgNone => {
            let mut forged = Forged::new();
            for spelling in ["none", "None", "NONE", "nOnE"] {
                let unsigned = genuine
                    .clone()
                    .set_header("alg", spelling)
                    .set_claim("role", "admin");
                forged.push((
                    format!("alg {spelling}, no signature"),
                    bearer(&unsigned.with_signature("")),
                ));
                forged.push((
                    format!("alg {spelling}, the old signature kept"),
                    bearer(&unsigned.resent()),
                ));
            }
            (
                forged,
                "The algorithm comes from the key the kid names, never from the header: each key \
                 is pinned to one algorithm, and none is not one of them.",
            )
        }
        AttackId::AlgConfusion => (
            confusion(run, &genuine, victim.user.id).await?,
            "The attacker knew the public key exactly (it is published), so the HMAC was \
             right. It did not matter: our keys are pinned to EdDSA or ES256, so an HS256 token \
             naming them is refused before any signature is computed.",
        ),
        AttackId::Expired => (
            vec![(
                "a genuine token whose exp passed an hour ago".into(),
                bearer(&resign(
                    genuine
                        .clone()
                        .set_claim("iat", now - 7200)
                        .set_claim("nbf", now - 7200)
                        .set_claim("exp", now - 3600),
                )),
            )],
            "exp is a required claim, checked with a small leeway for clock skew. It is the only \
             thing that ends a stateless token's life without a denylist.",
        ),
        AttackId::NbfFuture => (
            vec![(
                "a genuine token valid only from an hour from now".into(),
                bearer(&resign(
                    genuine
                        .clone()
                        .set_claim("nbf", now + 3600)
                        .set_claim("exp", now + 7200),
                )),
            )],
            "nbf is required and checked like exp, with the same small leeway.",
        ),
        AttackId::WrongIss => (
            vec![(
                "signed by our key, issued by someone else".into(),
                bearer(&resign(
                    genuine.clone().set_claim("iss", "https://attacker.example"),
                )),
            )],
            "iss must equal this server's issuer exactly: a valid signature says who signed, \
             not that the token was meant for us.",
        ),
        AttackId::WrongAud => (
            vec![(
                "signed by our key, for another audience".into(),
                bearer(&resign(genuine.clone().set_claim("aud", "billing-api"))),
            )],
            "aud must equal this API's audience exactly, so a token minted for one service \
             cannot be spent at another.",
        ),
        AttackId::UnknownKid => (
            vec![(
                "kid attacker-key-1, HS256 with the attacker's secret".into(),
                bearer(&hs256(&genuine, "attacker-key-1", b"attacker-secret")),
            )],
            "A kid is only looked up in the server's own key ring; a kid it never issued finds no \
             key, and nothing is verified with anything the token supplies.",
        ),
        AttackId::KidInjection => (
            vec![
                (
                    "kid ../../../../dev/null, HS256 with an empty secret".into(),
                    bearer(&hs256(&genuine, "../../../../../../dev/null", b"")),
                ),
                (
                    "kid with SQL: ' UNION SELECT 'attacker-secret' --".into(),
                    bearer(&hs256(
                        &genuine,
                        "x' UNION SELECT 'attacker-secret' --",
                        b"attacker-secret",
                    )),
                ),
            ],
            "The kid is a key in an in-memory map, never a path or part of a query; the refusal \
             echoes it quoted and cut to 64 characters.",
        ),
        AttackId::KeyFromHeader => (
            own_key(&genuine, &key)?,
            "Keys come only from the server's own ring. jku, x5u and jwk are ignored: with a kid \
             we never issued there is no key at all, and with one of ours the attacker's \
             signature does not match our key.",
        ),
        AttackId::CritHeader => (
            vec![(
                "signed by our key, crit [\"b64\"] with b64 false".into(),
                bearer(&resign(
                    genuine
                        .clone()
                        .set_header("crit", json!(["b64"]))
                        .set_header("b64", false),
                )),
            )],
            "This server implements no header extensions, so a token that marks any as critical \
             is refused, as RFC 7515 requires, even with a valid signature.",
        ),
        AttackId::RefreshAsAccess => (
            vec![(
                "the victim's refresh token as a bearer token".into(),
                bearer(&signed.refresh),
            )],
            "Refresh tokens are opaque random strings kept by the server, not JWTs: nothing can \
             verify them as access tokens. (Were they JWTs, the typ header at+jwt would tell \
             them apart.)",
        ),
        AttackId::TrailingGarbage => (
            vec![
                (
                    "AAAA appended to the signature".into(),
                    bearer(&format!("{}AAAA", signed.access)),
                ),
                (
                    "== padding appended".into(),
                    bearer(&format!("{}==", signed.access)),
                ),
                (
                    "a space and more text after the token".into(),
                    bearer(&format!("{} trailing", signed.access)),
                ),
            ],
            "The signature must decode exactly, and the header must hold one token: any byte \
             beyond it makes the token another string that no key signed.",
        ),
        AttackId::ExtraSegment => (
            vec![
                (
                    "a fourth segment".into(),
                    bearer(&format!("{}.e30", signed.access)),
                ),
                (
                    "the signature dropped: two segments".into(),
                    bearer(genuine.with_signature("").trim_end_matches('.')),
                ),
            ],
            "A compact JWS has exactly three parts; anything else is refused before decoding.",
        ),
        AttackId::Oversized => {
            let padding = "A".repeat(MAX_TOKEN_BYTES + 1024);
            (
                vec![(
                    format!("signed by our key, padded past {MAX_TOKEN_BYTES} bytes"),
                    bearer(&resign(genuine.clone().set_claim("padding", padding))),
                )],
                "Tokens longer than the server reads at all are refused unread, and never \
                 echoed back: the refusal states the size.",
            )
        }
        AttackId::OtherAccountsKey => {
            let other = run.account("other").await?;
            let alg = key.alg;
            let other_key = state
                .auth
                .keys
                .active(other.user.id, alg)
                .await
                .map_err(key_error)?;
            (
                vec![(
                    "signed by another account's real key, sub set to the victim".into(),
                    bearer(
                        &genuine
                            .clone()
                            .set_header("kid", other_key.kid.clone())
                            .signed(&other_key.encoding, other_key.algorithm()),
                    ),
                )],
                "Keys belong to accounts here. A valid signature by another account's key proves \
                 only that account's server-side key signed it, so the subject check refuses a \
                 sub that is not the key's owner.",
            )
        }
        AttackId::StrippedSignature => (
            vec![(
                "role changed to admin, nothing after the last dot".into(),
                bearer(
                    &genuine
                        .clone()
                        .set_claim("role", "admin")
                        .with_signature(""),
                ),
            )],
            "An empty signature is a signature that does not match: the verifier computes what \
             the key's signature over header and payload would be, and nothing is not it.",
        ),
        AttackId::EmptyHmacKey => (
            vec![(
                "HS256 keyed with zero bytes, the victim's kid, role admin".into(),
                bearer(&hs256(&genuine, &key.kid, b"")),
            )],
            "The kid finds the victim's real key in the ring, never an empty one: a key is made \
             of 32 random bytes or not at all, so the HMAC with the empty key does not match.",
        ),
        AttackId::PsychicSignature => (
            vec![(
                "ES256, the victim's kid, role admin, signature r = s = 0".into(),
                bearer(
                    &genuine
                        .clone()
                        .set_claim("role", "admin")
                        .with_signature(&URL_SAFE_NO_PAD.encode([0u8; 64])),
                ),
            )],
            "The P-256 verifier rejects r = 0 and s = 0 before any arithmetic, as ECDSA requires \
             (both must lie in 1..n-1): the zero signature matches nothing.",
        ),
        AttackId::WeakSecretCracked => {
            let started = std::time::Instant::now();
            let (word, tried) = weak_secret::crack(&signed.access);
            let took = started.elapsed();
            let found = word.is_some();
            let guess = word.unwrap_or_else(|| weak_secret::words().next().unwrap_or_default());
            cracking = format!(
                "The attacker tried all {tried} words of the lab's wordlist as the secret of the \
                 victim's token, offline, in {} ms: {}. This server's HS256 secrets are 32 \
                 random bytes; trying them all at a billion guesses a second would take about \
                 4 × 10^60 years. Switch \"a strong HS256 secret\" off for your own account \
                 (the playground's JWT panel) and the same search finds the word in a moment.",
                took.as_millis(),
                if found {
                    "one matched"
                } else {
                    "none matched, so the forgery below is signed with a guess"
                }
            );
            (
                vec![(
                    format!("HS256 signed with the word \"{guess}\", role admin"),
                    bearer(&hs256(&genuine, &key.kid, guess.as_bytes())),
                )],
                cracking.as_str(),
            )
        }
        AttackId::IdTokenTyp => (
            vec![(
                "signed by the victim's key, typ id_token+jwt".into(),
                bearer(&resign(genuine.clone().set_header("typ", "id_token+jwt"))),
            )],
            "An access token here says typ at+jwt (RFC 9068), and the verifier requires it: a \
             token of any other kind, however well signed, is refused before its claims are read.",
        ),
        _ => return Err(super::broken("not a token attack")),
    };
    for (label, authorization) in forged {
        run.attacker(
            StepPart::Attack,
            &label,
            me().header(header::AUTHORIZATION, &authorization),
        )
        .await;
    }
    Ok((vec![why.to_string()], None))
}

fn key_error(err: keys::KeyError) -> ApiError {
    ApiError::Internal(format!("attack lab: {err}").into())
}

/// `genuine`'s header and payload with `kid`, HS256-signed with `secret`, role set to admin.
fn hs256(genuine: &Pieces, kid: &str, secret: &[u8]) -> String {
    genuine
        .clone()
        .set_header("alg", "HS256")
        .set_header("kid", kid)
        .set_claim("role", "admin")
        .signed(&EncodingKey::from_secret(secret), Algorithm::HS256)
}

/// Algorithm confusion with each of the victim's published keys: the attacker reads the JWKS
/// (a real request) and uses each public key, as published and as raw bytes, as the HMAC secret.
async fn confusion(run: &mut Run<'_>, genuine: &Pieces, owner: i64) -> Result<Forged, ApiError> {
    let state = run.state();
    // The victim's account signs with one algorithm; give it a key of the other kind too, so
    // the JWKS holds one of each.
    for alg in [JwtAlg::EdDSA, JwtAlg::ES256] {
        state
            .auth
            .keys
            .active(owner, alg)
            .await
            .map_err(key_error)?;
    }
    let ours: Vec<String> = state
        .auth
        .keys
        .of_owner(owner)
        .iter()
        .filter(|k| k.public_jwk.is_some())
        .map(|k| k.kid.clone())
        .collect();
    let mut forged = Forged::new();
    for kid in &ours {
        // Each of the victim's keys as published (the whole set may hold thousands).
        let jwks = run
            .attacker(
                StepPart::Setup,
                &format!("the attacker downloads the victim's public key {kid} (JWKS)"),
                InProcessRequest::new(Method::GET, paths::jwt::jwks_key(kid)),
            )
            .await;
        let jwks: Value = jwks.json().unwrap_or_default();
        let Some(jwk) = jwks["keys"].as_array().and_then(|keys| keys.first()) else {
            continue;
        };
        let alg = jwk["alg"].as_str().unwrap_or("?");
        forged.push((
            format!("HS256 keyed with {alg} key {kid} as published (JWK JSON)"),
            bearer(&hs256(genuine, kid, jwk.to_string().as_bytes())),
        ));
        let raw = public_bytes(jwk);
        forged.push((
            format!("HS256 keyed with {alg} key {kid} as raw public-key bytes"),
            bearer(&hs256(genuine, kid, &raw)),
        ));
    }
    Ok(forged)
}

/// A published key's public bytes: Ed25519's 32 bytes, or a P-256 point uncompressed (04 x y).
fn public_bytes(jwk: &Value) -> Vec<u8> {
    let part = |name: &str| {
        jwk[name]
            .as_str()
            .and_then(|v| URL_SAFE_NO_PAD.decode(v).ok())
            .unwrap_or_default()
    };
    match jwk["kty"].as_str() {
        Some("EC") => [vec![4u8], part("x"), part("y")].concat(),
        _ => part("x"),
    }
}

/// Tokens that bring the attacker's own key: by URL (`jku`, `x5u`) or embedded (`jwk`).
fn own_key(genuine: &Pieces, ours: &Arc<SigningKey>) -> Result<Forged, ApiError> {
    let theirs = keys::unregistered(ours.alg).map_err(key_error)?;
    let public = theirs.public_jwk.clone().unwrap_or(Value::Null);
    let sign = |pieces: Pieces| pieces.signed(&theirs.encoding, theirs.algorithm());
    let admin = genuine.clone().set_claim("role", "admin");
    Ok(vec![
        (
            "jku: https://attacker.example/jwks.json, the attacker's kid".into(),
            bearer(&sign(
                admin
                    .clone()
                    .set_header("kid", theirs.kid.clone())
                    .set_header("jku", "https://attacker.example/jwks.json"),
            )),
        ),
        (
            "jwk: the attacker's public key embedded, our kid".into(),
            bearer(&sign(admin.clone().set_header("jwk", public))),
        ),
        (
            "x5u: https://attacker.example/cert.pem, our kid".into(),
            bearer(&sign(
                admin.set_header("x5u", "https://attacker.example/cert.pem"),
            )),
        ),
    ])
}
