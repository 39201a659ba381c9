//! Judging a request by its server-side session. Policy, in order:
//! - an `Authorization` header means the request is judged by that header only: a session
//!   credential is then ignored, never used as a silent fallback. When the header carries an
//!   opaque session id (`Authorization: Bearer <id>`, told from a JWT by its shape), the session
//!   it names is judged by `session::HEADER_CHECKS`: no origin check and no CSRF token, since no
//!   other site can make a browser attach a header;
//! - a state-changing method (anything but GET/HEAD/OPTIONS) must first come from our own origin;
//! - the session must resolve (cookie → store lookup → idle → absolute → user);
//! - a state-changing method must then carry the session's CSRF token.
//!
//! An account may deliberately switch the origin check and the CSRF token off (the attack lab's
//! CSRF card, `AccountSwitches::csrf_weakened`): then a failing check is recorded as `off`, not
//! passed, and the request goes on. Only that account's sessions are affected.

use super::{Channel, Decision, Refused};
use crate::{
    auth::Auth,
    auth::{
        csrf,
        decision::Trace,
        error::AuthError,
        presented::{FromWhere, Presented},
        session::{ActiveSession, Carrier, CHECKS, HEADER_CHECKS, WRITE_CHECKS},
    },
    wire::{AuthMode, AuthTrace, CheckId, Defence},
};

const BEARER_PLAN: &[CheckId] = &[CheckId::BearerToken];

/// Judge `presented` by its session credential. `touch` moves the session's idle deadline
/// (through the batched last-seen writer); a re-check that is not the user's own request
/// (a live stream's) passes `false`.
pub async fn judge(
    auth: &Auth,
    presented: &Presented,
    touch: bool,
) -> Result<Decision<ActiveSession>, AuthError> {
    if presented.authorization_sent {
        if let Some(id) = presented.header_session.as_deref() {
            return judge_header(auth, id, touch).await;
        }
        let mut trace = Trace::new(AuthMode::Jwt, BEARER_PLAN);
        trace.fail(
            CheckId::BearerToken,
            "an Authorization header was sent, so the request is judged in bearer mode only \
             (the cookie is ignored), and this endpoint is for cookie sessions",
        );
        return Ok(Decision {
            trace: trace.finish(),
            outcome: Err(refused(CheckId::BearerToken, false)),
            account: None,
            presented: false,
            token: None,
            failed_open: false,
        });
    }
    let plan: &'static [CheckId] = if presented.changes_state {
        &WRITE_CHECKS
    } else {
        &CHECKS
    };
    let mut trace = Trace::new(AuthMode::Session, plan);
    let cookie = presented.cookie.as_deref();
    // A store a check needed did not answer: 503, with the trace naming the check.
    let checked = match checks(auth, presented, cookie, touch, &mut trace).await {
        Ok(checked) => checked,
        Err(err) => return Err(err.traced(trace.finish())),
    };
    Ok(decision(auth, trace.finish(), checked, cookie, Channel::Cookie).await)
}

/// The decision on a session whose checks ran (`id`: what the channel carried, if anything).
async fn decision(
    auth: &Auth,
    trace: AuthTrace,
    checked: Result<ActiveSession, CheckId>,
    id: Option<&str>,
    channel: Channel,
) -> Decision<ActiveSession> {
    match checked {
        Ok(session) => Decision {
            account: Some((session.user.id, session.user.username.clone())),
            trace,
            outcome: Ok(session),
            presented: true,
            token: None,
            failed_open: false,
        },
        Err(check) => {
            // A refused session is filed under its owner when the server can tell whose it
            // was (an ended session's id is remembered, hashed, for a day).
            let account = match id {
                Some(id) => auth.sessions.owner_of(id).await,
                None => None,
            };
            Decision {
                trace,
                outcome: Err(Refused {
                    check,
                    channel,
                    nothing_presented: id.is_none(),
                }),
                account,
                presented: id.is_some(),
                token: None,
                failed_open: false,
            }
        }
    }
}

/// Judge a session whose id came in `Authorization: Bearer <id>`.
async fn judge_header(
    auth: &Auth,
    id: &str,
    touch: bool,
) -> Result<Decision<ActiveSession>, AuthError> {
    let mut trace = Trace::new(AuthMode::Session, &HEADER_CHECKS);
    let resolved = match auth
        .sessions
        .resolve(Some(id), Carrier::Header, &mut trace, touch)
        .await
    {
        Ok(resolved) => resolved,
        Err(err) => return Err(AuthError::from(err).traced(trace.finish())),
    };
    let checked = resolved.ok_or(trace.failed().unwrap_or(CheckId::SessionHeader));
    Ok(decision(auth, trace.finish(), checked, Some(id), Channel::Header).await)
}

fn refused(check: CheckId, nothing_presented: bool) -> Refused {
    Refused {
        check,
        channel: Channel::Cookie,
        nothing_presented,
    }
}

/// The checks, in order; `Err(check)` names the one that failed (the trace says why).
async fn checks(
    auth: &Auth,
    presented: &Presented,
    cookie: Option<&str>,
    touch: bool,
    trace: &mut Trace,
) -> Result<Result<ActiveSession, CheckId>, AuthError> {
    if presented.changes_state {
        match csrf::check_same_origin(&presented.from_where) {
            Ok(detail) => trace.pass(CheckId::SameOrigin, detail),
            Err(detail) => {
                // Whether the browser attached the cookie is SameSite's part of the story.
                let carried = if cookie.is_some() {
                    "the browser attached the session cookie anyway"
                } else {
                    "the request carried no session cookie"
                };
                if weakened_owner(auth, cookie).await? {
                    trace.off(CheckId::SameOrigin, format!("{detail}; {carried}. {OFF}"));
                } else {
                    trace.fail(CheckId::SameOrigin, format!("{detail}; {carried}"));
                    return Ok(Err(CheckId::SameOrigin));
                }
            }
        }
    }
    let Some(session) = auth
        .sessions
        .resolve(cookie, Carrier::Cookie, trace, touch)
        .await?
    else {
        return Ok(Err(trace.failed().unwrap_or(CheckId::Cookie)));
    };
    // An account that switched a session defence off: its cookie may be a copy a script read
    // (`HttpOnly` off) or an id an attacker planted before login (rotation off). The cookie check
    // is marked `off`, so the audit log names it and privileged routes refuse the session.
    let switches = auth.account_settings.get(session.user.id).await?;
    let why: Vec<&str> = switches
        .defences_off
        .iter()
        .filter_map(|defence| match defence {
            Defence::HttpOnly => Some(
                "its cookie goes out without HttpOnly (switched off), so a script could have \
                 read it: this may be a stolen copy",
            ),
            Defence::SessionRotation => Some(
                "it keeps the id the browser brings at login (rotation switched off), so \
                 whoever planted it holds this session too",
            ),
            _ => None,
        })
        .collect();
    if !why.is_empty() {
        trace.turn_off(
            CheckId::Cookie,
            format!(
                "a live session's id; but for this account {}",
                why.join("; and ")
            ),
        );
    }
    if presented.changes_state {
        match csrf::check_token(presented.csrf_token.as_deref(), &session.record.csrf_token) {
            Ok(detail) => trace.pass(CheckId::CsrfToken, detail),
            Err(detail)
                if auth
                    .account_settings
                    .get(session.user.id)
                    .await?
                    .csrf_weakened =>
            {
                trace.off(CheckId::CsrfToken, format!("{detail}. {OFF}"));
            }
            Err(detail) => {
                trace.fail(CheckId::CsrfToken, detail);
                return Ok(Err(CheckId::CsrfToken));
            }
        }
    }
    Ok(Ok(session))
}

/// What the trace says of a check the account switched off.
const OFF: &str = "This check is OFF for this account (deliberately weakened in the attack lab), \
                   so the request went on: with it on, this request is refused here";

/// Does `cookie` name a live session of an account whose CSRF defences are deliberately off?
/// Asked only when the origin check has already failed, so an ordinary request pays nothing. The
/// peek moves no idle deadline and leaves no trace: the real lookup follows.
async fn weakened_owner(auth: &Auth, cookie: Option<&str>) -> Result<bool, AuthError> {
    if cookie.is_none() {
        return Ok(false);
    }
    let Some(session) = auth.sessions.peek(cookie).await? else {
        return Ok(false);
    };
    Ok(auth
        .account_settings
        .get(session.user.id)
        .await?
        .csrf_weakened)
}

/// The same-origin check alone, for login and other requests before a session exists (there is
/// no token yet; but a forged cross-site login would sign the victim into the attacker's
/// account). A refusal carries its finished trace.
pub fn origin_only(from_where: &FromWhere) -> Result<(), (AuthTrace, Refused)> {
    const PLAN: &[CheckId] = &[CheckId::SameOrigin];
    csrf::check_same_origin(from_where)
        .map(drop)
        .map_err(|detail| {
            let mut trace = Trace::new(AuthMode::Session, PLAN);
            trace.fail(CheckId::SameOrigin, detail);
            (trace.finish(), refused(CheckId::SameOrigin, false))
        })
}
