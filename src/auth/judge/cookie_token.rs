//! Judging a request by the access token in its `__Host-authlab_access` cookie (JWT-in-a-cookie
//! mode): stateless like a bearer token, sent by the browser like a session. So it is judged by
//! both models' checks: a state-changing request first shows it came from our own pages (the
//! origin check) and at the end repeats the CSRF token the token's own signed `csrf` claim names;
//! in between the token goes through every check a bearer token does (`token::checks`), and is
//! refused if it is bound to a DPoP key.
//!
//! CSRF design: a token bound to the JWT. The login that sets the cookie also hands the page the
//! token's `csrf` claim; a forged request from another site carries the cookie (the browser
//! attaches it) but cannot read it, so it cannot repeat the claim. The server keeps nothing.
//!
//! An account that switched its CSRF defences off (the attack lab's card) has the two checks
//! recorded `off`, as its sessions do, and its cookie goes out `SameSite=None`.

use super::{
    token::{checks, decision, Learnt, TokenPrincipal},
    Channel, Decision,
};
use crate::{
    auth::{
        csrf,
        decision::Trace,
        error::AuthError,
        jwt::{Plan, MAX_TOKEN_BYTES},
        presented::Presented,
        Auth,
    },
    wire::CheckId,
};

/// The cookie's name, as the trace says it.
const COOKIE: &str = "__Host-authlab_access";

/// What the trace says of a check the account switched off.
const OFF: &str = "This check is OFF for this account (deliberately weakened in the attack lab), \
                   so the request went on: with it on, this request is refused here";

/// Judge `presented` by its access cookie.
pub async fn judge(
    auth: &Auth,
    presented: &Presented,
) -> Result<Decision<TokenPrincipal>, AuthError> {
    let plan = if presented.changes_state {
        Plan::COOKIE_WRITE
    } else {
        Plan::COOKIE_READ
    };
    let mut trace = plan.trace();
    let token = presented.access_cookie.as_deref();
    let refuse = |trace: Trace, check, nothing_presented| {
        Decision::refused_early(trace.finish(), check, Channel::Cookie, nothing_presented)
    };
    if presented.changes_state {
        match csrf::check_same_origin(&presented.from_where) {
            Ok(detail) => trace.pass(CheckId::SameOrigin, detail),
            Err(detail) if weakened(auth, token).await? => {
                trace.off(
                    CheckId::SameOrigin,
                    format!("{detail}; the browser attached the access cookie anyway. {OFF}"),
                );
            }
            Err(detail) => {
                trace.fail(CheckId::SameOrigin, detail);
                return Ok(refuse(trace, CheckId::SameOrigin, token.is_none()));
            }
        }
    }
    let Some(token) = token else {
        trace.fail(
            CheckId::Cookie,
            format!("no {COOKIE} cookie in the request"),
        );
        return Ok(refuse(trace, CheckId::Cookie, true));
    };
    if token.len() > MAX_TOKEN_BYTES {
        trace.fail(
            CheckId::Cookie,
            format!(
                "the {COOKIE} cookie is {} bytes; a token is well under {MAX_TOKEN_BYTES}",
                token.len()
            ),
        );
        return Ok(refuse(trace, CheckId::Cookie, false));
    }
    trace.pass(
        CheckId::Cookie,
        format!(
            "{COOKIE} sent ({} bytes): a signed token the browser attached by itself, judged as \
             a token, not looked up",
            token.len()
        ),
    );
    let mut learnt = Learnt::default();
    let mut checked = match checks(auth, token, &plan, None, &mut trace, &mut learnt).await {
        Ok(checked) => checked,
        Err(err) => return Err(err.traced(trace.finish())),
    };
    if let (true, Ok((claims, user_id))) = (presented.changes_state, &checked) {
        let expected = claims.csrf.as_deref().unwrap_or_default();
        let sent = presented.csrf_token.as_deref();
        match csrf::check_token_of(sent, expected, "the token's csrf claim") {
            Ok(detail) if !expected.is_empty() => trace.pass(CheckId::CsrfToken, detail),
            result => {
                let detail = match result {
                    Err(detail) => detail,
                    Ok(_) => "the token carries no csrf claim: it was not issued for a cookie"
                        .to_string(),
                };
                if auth.account_settings.get(*user_id).await?.csrf_weakened {
                    trace.off(CheckId::CsrfToken, format!("{detail}. {OFF}"));
                } else {
                    trace.fail(CheckId::CsrfToken, detail);
                    let sub = claims.sub.clone();
                    checked = Err((CheckId::CsrfToken, Some(sub)));
                }
            }
        }
    }
    Ok(decision(
        auth,
        token,
        trace.finish(),
        checked,
        learnt,
        Channel::Cookie,
    )
    .await)
}

/// Is the token in the cookie one whose account switched its CSRF defences off? Asked only when
/// the origin check failed, so an ordinary request pays nothing: the token is verified on its own
/// (a forged one names no account), and the real judgement follows.
async fn weakened(auth: &Auth, token: Option<&str>) -> Result<bool, AuthError> {
    let Some(token) = token.filter(|t| t.len() <= MAX_TOKEN_BYTES) else {
        return Ok(false);
    };
    let plan = Plan::TOKEN;
    let mut scratch = plan.trace();
    let (claims, _) = super::token::verify(auth, token, &plan, &mut scratch).await?;
    let Some(claims) = claims else {
        return Ok(false);
    };
    let Some(id) = auth.account_settings.id_of(&claims.sub).await? else {
        return Ok(false);
    };
    Ok(auth.account_settings.get(id).await?.csrf_weakened)
}
