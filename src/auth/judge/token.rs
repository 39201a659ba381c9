//! Judging a request by its signed access token, by the bearer plan (`jwt::Plan::BEARER`). The
//! token is verified by `jwt::verify` (format → kid → algorithm → signature → typ → claims → iss →
//! aud → nbf → exp), then by the subject check
//! (`sub` is an account here and owns the signing key), then by the two revocation tools: the
//! denylist (a timed SQLite lookup) and the not-before mark (memory), both consulted only when
//! this account switched server-side revocation on. No user record is loaded: the token's claims
//! are the whole truth, which is the point, and the weakness, of this model.

use super::{dpop::ProofSent, Channel, Decision, Refused};
use crate::{
    auth::Auth,
    auth::{
        decision::Trace,
        error::AuthError,
        jwt::{self, Claims, Mode, Plan},
    },
    challenges::event::{self, TokenFacts},
    wire::CheckId,
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};

/// A token that passed every check.
pub struct TokenPrincipal {
    pub claims: Claims,
    pub user_id: i64,
    pub token: String,
}

/// Judge a request by the token its channel carried (`None`: none was presented). `proof`: what
/// came with a token sent as `Authorization: DPoP` (judged by `Plan::DPOP`); `None` for one
/// sent as `Authorization: Bearer` (judged by `Plan::BEARER`, unless the token turns out to be
/// bound to a key, which then needs the proof it did not bring).
pub async fn judge(
    auth: &Auth,
    token: Option<&str>,
    proof: Option<&ProofSent<'_>>,
) -> Result<Decision<TokenPrincipal>, AuthError> {
    let plan = if proof.is_some() {
        Plan::DPOP
    } else {
        Plan::BEARER
    };
    let Some(token) = token else {
        let mut trace = plan.trace();
        trace.fail(
            CheckId::Format,
            if proof.is_some() {
                "no token after `Authorization: DPoP`"
            } else {
                "no `Authorization: Bearer <token>` header"
            },
        );
        return Ok(Decision::refused_early(
            trace.finish(),
            CheckId::Format,
            Channel::Header,
            true,
        ));
    };
    let mut trace = plan.trace();
    let mut learnt = Learnt::default();
    // A store a check needed did not answer: 503, with the trace naming the check.
    let checked = match checks(auth, token, &plan, proof, &mut trace, &mut learnt).await {
        Ok(checked) => checked,
        Err(err) => return Err(err.traced(trace.finish())),
    };
    Ok(decision(
        auth,
        token,
        trace.finish(),
        checked,
        learnt,
        Channel::Header,
    )
    .await)
}

/// The decision on a token whose checks ran: the principal, or the refusal filed under the
/// account it provably belonged to.
pub(super) async fn decision(
    auth: &Auth,
    token: &str,
    trace: crate::wire::AuthTrace,
    checked: Checked,
    learnt: Learnt,
    channel: Channel,
) -> Decision<TokenPrincipal> {
    match checked {
        Ok((claims, user_id)) => Decision {
            account: Some((user_id, claims.sub.clone())),
            trace,
            outcome: Ok(TokenPrincipal {
                claims,
                user_id,
                token: token.to_string(),
            }),
            presented: true,
            token: learnt.facts,
            failed_open: learnt.failed_open,
        },
        Err((check, sub)) => {
            // Filed under the subject only when the signature checked out: anyone can *write*
            // "sub": "alice" into a forged token.
            let account = match sub {
                Some(sub) => auth
                    .account_settings
                    .id_of(&sub)
                    .await
                    .ok()
                    .flatten()
                    .map(|id| (id, sub)),
                None => None,
            };
            Decision {
                trace,
                outcome: Err(Refused {
                    check,
                    channel,
                    nothing_presented: false,
                }),
                account,
                presented: true,
                token: learnt.facts,
                failed_open: learnt.failed_open,
            }
        }
    }
}

/// The longest header segment the challenges' record reads (a header with an embedded key is a
/// few hundred characters).
const HEADER_READ_MAX: usize = 2048;

/// What the checks learnt for the challenges' record: the token's facts, and whether the
/// denylist went unconsulted because it failed open.
#[derive(Default)]
pub(super) struct Learnt {
    facts: Option<TokenFacts>,
    failed_open: bool,
}

/// The facts the challenges record about a judged token: its header's `alg` and `kid` (capped),
/// the `jti` and `iat` once its signature held (or was switched off), whose key signed it.
fn facts_of(token: &str, claims: Option<&Claims>, verified: &jwt::Parts) -> TokenFacts {
    let claims = claims.or(verified.claims.as_ref());
    // The header as written: read again here (the verifier keeps it only for the decoder), and
    // only when it is of a header's size.
    let header: Option<serde_json::Value> = token
        .split('.')
        .next()
        .filter(|part| part.len() <= HEADER_READ_MAX)
        .and_then(|part| URL_SAFE_NO_PAD.decode(part).ok())
        .and_then(|bytes| serde_json::from_slice(&bytes).ok());
    let header = |name: &str| {
        header
            .as_ref()
            .and_then(|h| h.get(name))
            .and_then(|v| v.as_str())
            .map(event::capped)
    };
    TokenFacts {
        alg: header("alg").unwrap_or_default(),
        kid: header("kid"),
        jti: claims.map(|c| event::capped(&c.jti)),
        iat: claims.map(|c| c.iat),
        signed_by: verified.signed_by,
        fingerprint: event::fingerprint(token),
    }
}

/// Verify `token` against this process's key ring. A kid the ring has not seen may be a key
/// another process sharing the key store made: then the new keys are learnt (at most once a
/// second) and the token is verified afresh, so a token signed on one node verifies on all.
pub async fn verify(
    auth: &Auth,
    token: &str,
    plan: &Plan,
    trace: &mut Trace,
) -> Result<(Option<Claims>, jwt::Parts), AuthError> {
    let once = |trace: &mut Trace| {
        jwt::verify(
            token,
            (&auth.keys, &auth.attacker),
            &auth.jwt,
            plan,
            trace,
            Mode::FirstFailure,
        )
    };
    let verified = once(trace);
    if verified.0.is_none() && trace.failed() == Some(CheckId::KidKnown) {
        // Judged afresh whatever the learning found: the key may also have arrived meanwhile
        // through the change feed. A kid that stays unknown fails the same check again.
        auth.keys
            .learn_new_keys()
            .await
            .map_err(|e| AuthError::Internal(e.into()))?;
        trace.rewind(CheckId::Format);
        return Ok(once(trace));
    }
    Ok(verified)
}

pub(super) type Checked = Result<(Claims, i64), (CheckId, Option<String>)>;

/// A token refused by a check its account switched off (`AccountSwitches::defences_off`): the plan
/// with every defence that account switched off, to judge the token again by, and the account.
/// `None` when the refusing check is on for it. The account is the one the token names: the
/// owner of the key its `kid` names, or, where the `kid` names no key of ours (the token brings
/// its own key, or needs none), the account its `sub` names. Only a refused token pays for this
/// look-up; a token every check passes never does.
async fn weakened_plan(
    auth: &Auth,
    token: &str,
    plan: &Plan,
    trace: &Trace,
    verified: &jwt::Parts,
) -> Result<Option<(Plan, i64)>, AuthError> {
    let Some(failed) = trace.failed() else {
        return Ok(None);
    };
    let owner = match verified.key_owner {
        Some(owner) => owner,
        None => {
            let Some(sub) = jwt::named_subject(token) else {
                return Ok(None);
            };
            match auth.account_settings.id_of(&sub).await? {
                Some(id) => id,
                None => return Ok(None),
            }
        }
    };
    let switches = auth.account_settings.get(owner).await?;
    let refusing_is_off = switches
        .defences_off
        .iter()
        .any(|defence| defence.checks().contains(&failed));
    if !refusing_is_off {
        return Ok(None);
    }
    let weaker = switches
        .defences_off
        .iter()
        .fold(*plan, |plan, &defence| plan.without(defence));
    Ok(Some((weaker, owner)))
}

/// Every check, in order. `Err` names the failed check and, when the signature held, the
/// token's subject.
pub(super) async fn checks(
    auth: &Auth,
    token: &str,
    plan: &Plan,
    proof: Option<&ProofSent<'_>>,
    trace: &mut Trace,
    learnt: &mut Learnt,
) -> Result<Checked, AuthError> {
    let (mut claims, mut verified) = verify(auth, token, plan, trace).await?;
    // The account whose switches judged the token again, if any.
    let mut weakened = None;
    if claims.is_none() {
        if let Some((weaker, account)) = weakened_plan(auth, token, plan, trace, &verified).await? {
            // Judged afresh by the plan with the account's defences off: a check off records what
            // it found as `off` and the token goes on.
            trace.rewind(CheckId::Format);
            (claims, verified) = verify(auth, token, &weaker, trace).await?;
            weakened = Some(account);
        }
    }
    // A genuine token (every check of its own passed, none switched off) needs only its `jti` and
    // `iat` on the record: the hot path pays no hash and no second header read for it.
    learnt.facts = Some(match (&claims, weakened) {
        (Some(claims), None) if !trace.any_off() => TokenFacts {
            alg: String::new(),
            kid: None,
            jti: Some(event::capped(&claims.jti)),
            iat: Some(claims.iat),
            signed_by: verified.signed_by,
            fingerprint: String::new(),
        },
        _ => facts_of(token, claims.as_ref(), &verified),
    });
    let Some(claims) = claims else {
        let mut sub = verified.claims.as_ref().map(|c| c.sub.clone());
        // After a weakened re-check the claims were read past a check marked `off`: `sub` is
        // then only the token's word, and files the refusal under that account only if it is
        // the account that vouched (whose switches let the token this far).
        if let (Some(vouched), Some(name)) = (verified.key_owner.or(weakened), &sub) {
            if weakened.is_some() && auth.account_settings.id_of(name).await? != Some(vouched) {
                sub = None;
            }
        }
        return Ok(Err((trace.failed().unwrap_or(CheckId::Format), sub)));
    };
    // From the cookie, a token bound to a DPoP key is refused outright: it is good only beside a
    // proof by its key. Threat: a thief who copied a bound token plants it in a cookie of their
    // own browser, where no proof is asked for.
    if plan.in_cookie() {
        if let Some(cnf) = &claims.cnf {
            trace.fail(
                CheckId::Unbound,
                format!(
                    "bound to a DPoP key (cnf.jkt {}): such a token is accepted only beside a \
                     proof by that key, never from a cookie",
                    cnf.jkt
                ),
            );
            return Ok(Err((CheckId::Unbound, Some(claims.sub))));
        }
        trace.pass(
            CheckId::Unbound,
            "not bound to a DPoP key: a token that may travel in a cookie",
        );
    }
    // A token bound to a key is judged by the DPoP plan however it came: sent as a plain bearer
    // token it brings no proof, and its first DPoP check refuses it (RFC 9449 §7.1). Threat: a
    // thief who copied a bound token drops the proof and sends it as `Bearer`.
    let bound = plan.checks_proof() || claims.cnf.is_some();
    if bound && !plan.checks_proof() {
        trace.extend_plan(plan.bound().checks());
    }
    let Some(user_id) = auth.account_settings.id_of(&claims.sub).await? else {
        trace.fail(
            CheckId::Subject,
            "the token's subject is not an account here",
        );
        return Ok(Err((CheckId::Subject, None)));
    };
    // Each account signs with keys of its own. A token signed by carol's key that says
    // "sub": "alice" is carol speaking for alice: the key's owner must be the subject. A token
    // that brought its own key (or needed none) is vouched for only by the weakened account's
    // switches, and that account must be the subject too.
    let vouched_by = verified.key_owner.or(weakened);
    if vouched_by != Some(user_id) {
        trace.fail(
            CheckId::Subject,
            "signed with another account's key: a key vouches only for its own account",
        );
        return Ok(Err((CheckId::Subject, None)));
    }
    if weakened.is_some() {
        let whose = if verified.key_owner.is_some() {
            "the owner of the key the kid names"
        } else {
            "named by sub, since the token brought its own key or needed none"
        };
        trace.pass(
            CheckId::Subject,
            format!(
                "an account here, {whose}: its own switches turned the checks marked off off, so \
                 anyone holding such a token acts as it (and only as it)"
            ),
        );
    } else {
        trace.pass(
            CheckId::Subject,
            "an account here, and the owner of the signing key",
        );
    }

    let proved = if bound {
        let leeway = auth.jwt.leeway_secs as i64;
        match super::dpop::checks(token, &claims, proof, leeway, trace) {
            Ok(proved) => Some(proved),
            Err(check) => return Ok(Err((check, Some(claims.sub)))),
        }
    } else {
        None
    };

    let switches = auth.account_settings.get(user_id).await?;
    if switches.denylist {
        let store = auth.shared_store.name();
        match auth.revocation.is_denied(&claims.jti).await {
            Ok((true, micros)) => {
                trace.fail_timed(
                    CheckId::Denylist,
                    format!(
                        "jti {} was revoked (logout); the list keeps it until exp",
                        claims.jti
                    ),
                    micros,
                );
                return Ok(Err((CheckId::Denylist, Some(claims.sub))));
            }
            Ok((false, micros)) => trace.pass_timed(
                CheckId::Denylist,
                format!("switched on: looked up in {store}, not listed (this lookup is the price)"),
                micros,
            ),
            // Fail open: the request goes on as if the token were not listed. A revoked token
            // works again, and nothing looks broken (claim 9).
            Err(err) if switches.denylist_fail_open => {
                learnt.failed_open = true;
                trace.pass(
                    CheckId::Denylist,
                    format!(
                    "the denylist ({store}) did not answer ({err}); this account fails open, so \
                     the token was NOT checked: a revoked token would pass too"
                ),
                )
            }
            Err(err) => {
                trace.fail(
                    CheckId::Denylist,
                    format!(
                        "the denylist ({store}) did not answer ({err}); this account fails \
                         closed, so none of its tokens is accepted until the store is back"
                    ),
                );
                return Err(AuthError::StoreUnavailable(err));
            }
        }
    } else {
        trace.pass(
            CheckId::Denylist,
            "switched off for this account: not consulted, no lookup (stateless)",
        );
    }

    // The not-before mark is revocation state too: consulted only when this account has
    // switched server-side revocation on. Off, nothing the server remembers can stop a token
    // whose signature and claims check out.
    let mark = if switches.denylist {
        auth.revocation.fresh_not_before(&claims.sub).await
    } else {
        None
    };
    match mark {
        _ if !switches.denylist => trace.pass(
            CheckId::NotBeforeMark,
            "switched off for this account: not consulted (stateless)",
        ),
        Some(mark) if claims.iat <= mark => {
            trace.fail(
                CheckId::NotBeforeMark,
                format!(
                    "issued {} s before the account's last revocation event (log out \
                     everywhere, password, role or status change)",
                    mark.saturating_sub(claims.iat)
                ),
            );
            return Ok(Err((CheckId::NotBeforeMark, Some(claims.sub))));
        }
        Some(_) => trace.pass(
            CheckId::NotBeforeMark,
            "issued after the account's last revocation event",
        ),
        None => trace.pass(
            CheckId::NotBeforeMark,
            "no revocation event for this account",
        ),
    }
    // Last: the proof's jti, remembered only now that everything else held.
    if let Some(proved) = proved {
        if let Err(check) = super::dpop::remember(auth, &proved, trace).await? {
            return Ok(Err((check, Some(claims.sub))));
        }
    }
    Ok(Ok((claims, user_id)))
}
