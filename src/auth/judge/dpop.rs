//! The DPoP checks of a request's judgement (RFC 9449 §4.3, §7.1), each a named line of the
//! trace: `dpop proof` → `dpop htm htu` → `dpop iat` → `dpop ath` → `dpop key` run right after
//! the token's subject; `dpop jti` runs last, after revocation, so the replay cache remembers a
//! proof only once everything else about the request held (`remember`).
//!
//! A token bound to a key (`cnf.jkt`) is judged by these checks however it was sent: sent as a
//! plain bearer token it has no proof, and fails the first of them.

use super::{Channel, Refused};
use crate::{
    auth::{
        decision::Trace,
        dpop::{self, Proof},
        error::AuthError,
        jwt::Claims,
        Auth,
    },
    db::unix_now,
    logging::echo::quoted,
    wire::{AuthMode, AuthTrace, CheckId},
};

/// What a request sent as `Authorization: DPoP` carries besides the token.
pub struct ProofSent<'a> {
    /// The value of each `DPoP` header (a request with two is refused: RFC 9449 §4.3 step 1).
    pub proofs: &'a [String],
    /// The request's method, as the proof's `htm` must name it.
    pub method: &'a str,
    /// The request's URL as the learner reached it (the public scheme and host, the path).
    pub htu: &'a str,
}

/// The checks up to the binding. `Ok(proof)`: every one passed, and the proof's `jti` is to be
/// remembered once revocation has passed too. `Err(check)`: the one that refused.
pub fn checks(
    token: &str,
    claims: &Claims,
    sent: Option<&ProofSent<'_>>,
    leeway_secs: i64,
    trace: &mut Trace,
) -> Result<Proof, CheckId> {
    let Some(sent) = sent else {
        let jkt = claims.cnf.as_ref().map_or("", |cnf| cnf.jkt.as_str());
        return refuse(
            trace,
            CheckId::DpopProof,
            format!(
                "the token is bound to a key (cnf.jkt {jkt}) but came as a plain bearer token, \
                 with no proof: a bound token is accepted only as `Authorization: DPoP` beside \
                 a proof made by that key (RFC 9449 §7.1)"
            ),
        );
    };
    let proof = proof_checks(sent, leeway_secs, trace)?;
    match &proof.ath {
        Some(ath) if *ath == dpop::ath_of(token) => trace.pass(
            CheckId::DpopAth,
            "the hash of this very access token: the proof cannot be moved to another token",
        ),
        Some(ath) => {
            return refuse(
                trace,
                CheckId::DpopAth,
                format!(
                    "the proof's ath {} is the hash of another token: it was made for a \
                     different access token",
                    quoted(ath)
                ),
            )
        }
        None => {
            return refuse(
                trace,
                CheckId::DpopAth,
                "the proof has no ath: beside an access token a proof must carry the token's \
                 hash (RFC 9449 §4.2)",
            )
        }
    }
    match &claims.cnf {
        Some(cnf) if cnf.jkt == proof.jkt => trace.pass(
            CheckId::DpopKey,
            format!("the token is bound to this key (cnf.jkt {})", cnf.jkt),
        ),
        Some(cnf) => {
            return refuse(
                trace,
                CheckId::DpopKey,
                format!(
                    "the token is bound to key {} but the proof was signed by key {}: whoever \
                     sent it holds the token, not the key",
                    cnf.jkt, proof.jkt
                ),
            )
        }
        None => {
            return refuse(
                trace,
                CheckId::DpopKey,
                "the token is not bound to any key (no cnf.jkt): a plain bearer token sent \
                 as DPoP proves nothing about its sender",
            )
        }
    }
    Ok(proof)
}

/// The proof's own checks, the same beside a token and at the token endpoint: present once, a
/// `dpop+jwt` its own key signed (`dpop proof`), made for this request (`dpop htm htu`), recent
/// (`dpop iat`).
pub fn proof_checks(
    sent: &ProofSent<'_>,
    leeway_secs: i64,
    trace: &mut Trace,
) -> Result<Proof, CheckId> {
    let read = match sent.proofs {
        [] => Err("no DPoP header: a DPoP-bound request carries a fresh proof".to_string()),
        [proof] => dpop::read(proof),
        _ => Err("more than one DPoP header: a request carries exactly one proof".to_string()),
    };
    let proof = match read {
        Ok(proof) => {
            trace.pass(
                CheckId::DpopProof,
                format!(
                    "an ES256 dpop+jwt, signed by the P-256 key it carries (thumbprint {})",
                    proof.jkt
                ),
            );
            proof
        }
        Err(why) => return refuse(trace, CheckId::DpopProof, why),
    };
    let mismatch = if proof.htm != sent.method {
        Some((quoted(&proof.htm), format!("is a {}", sent.method)))
    } else if dpop::normalized_htu(&proof.htu) != dpop::normalized_htu(sent.htu) {
        Some((quoted(&proof.htu), format!("went to {}", sent.htu)))
    } else {
        None
    };
    if let Some((made_for, this)) = mismatch {
        return refuse(
            trace,
            CheckId::DpopHtmHtu,
            format!(
                "the proof was made for {made_for}, this request {this}: a proof is good for \
                 one method and URL"
            ),
        );
    }
    trace.pass(
        CheckId::DpopHtmHtu,
        format!("made for {} {}", proof.htm, sent.htu),
    );
    let now = unix_now();
    let age = now.saturating_sub(proof.iat);
    if proof.iat > now.saturating_add(leeway_secs) {
        return refuse(
            trace,
            CheckId::DpopIat,
            format!(
                "the proof says it was made {} s from now: a proof from the future is refused",
                proof.iat.saturating_sub(now)
            ),
        );
    }
    if age > dpop::MAX_AGE_SECS {
        return refuse(
            trace,
            CheckId::DpopIat,
            format!(
                "the proof was made {age} s ago; a proof is good for {} s, so a recorded one \
                 cannot be replayed later",
                dpop::MAX_AGE_SECS
            ),
        );
    }
    trace.pass(
        CheckId::DpopIat,
        format!(
            "made {} s ago (good for {} s)",
            age.max(0),
            dpop::MAX_AGE_SECS
        ),
    );
    Ok(proof)
}

fn refuse<T>(trace: &mut Trace, check: CheckId, why: impl Into<String>) -> Result<T, CheckId> {
    trace.fail(check, why.into());
    Err(check)
}

/// The last check: the proof's `jti` not seen before for its key, and remembered from now until
/// the proof is too old to pass anyway. A store that does not answer fails the request closed
/// (503 naming the check): without the cache a recorded proof could be replayed.
pub async fn remember(
    auth: &Auth,
    proof: &Proof,
    trace: &mut Trace,
) -> Result<Result<(), CheckId>, AuthError> {
    let until = proof
        .iat
        .saturating_add(dpop::MAX_AGE_SECS)
        .saturating_add(auth.jwt.leeway_secs as i64);
    let started = std::time::Instant::now();
    let first = auth
        .proof_jtis
        .first_use(
            &proof.jkt,
            &proof.jti,
            until,
            dpop::JTIS_PER_KEY,
            unix_now(),
        )
        .await;
    let micros = started.elapsed().as_micros() as u64;
    let store = auth.shared_store.name();
    match first {
        Ok(true) => {
            trace.pass_timed(
                CheckId::DpopJti,
                format!(
                    "not seen before; remembered in {store} until the proof is too old to pass \
                     (this write is the price of a replay check)"
                ),
                micros,
            );
            Ok(Ok(()))
        }
        Ok(false) => {
            trace.fail_timed(
                CheckId::DpopJti,
                format!(
                    "the proof's jti {} was used before: a copied proof is refused (replay)",
                    quoted(&proof.jti)
                ),
                micros,
            );
            Ok(Err(CheckId::DpopJti))
        }
        Err(err) => {
            trace.fail(
                CheckId::DpopJti,
                format!("the replay cache ({store}) did not answer; refused, since a replayed proof could not be told apart"),
            );
            Err(AuthError::StoreUnavailable(err))
        }
    }
}

/// A proof's checks at the token endpoint (login, refresh): there is no access token yet, so no
/// `ath` and no binding to check; the `jti` is remembered once the proof held.
const AT_TOKEN_ENDPOINT: [CheckId; 4] = [
    CheckId::DpopProof,
    CheckId::DpopHtmHtu,
    CheckId::DpopIat,
    CheckId::DpopJti,
];

/// Judge the proof a login or refresh brought: `Ok(proof)` (its key is what the new tokens are
/// bound to), or the finished trace and the refusal.
pub async fn at_token_endpoint(
    auth: &Auth,
    sent: &ProofSent<'_>,
) -> Result<Result<Proof, (AuthTrace, Refused)>, AuthError> {
    let mut trace = Trace::new(AuthMode::Jwt, &AT_TOKEN_ENDPOINT);
    let refused = |trace: Trace, check| {
        Ok(Err((
            trace.finish(),
            Refused {
                check,
                channel: Channel::Header,
                nothing_presented: false,
            },
        )))
    };
    let proof = match proof_checks(sent, auth.jwt.leeway_secs as i64, &mut trace) {
        Ok(proof) => proof,
        Err(check) => return refused(trace, check),
    };
    match remember(auth, &proof, &mut trace).await {
        Ok(Ok(())) => Ok(Ok(proof)),
        Ok(Err(check)) => refused(trace, check),
        Err(err) => Err(err.traced(trace.finish())),
    }
}
