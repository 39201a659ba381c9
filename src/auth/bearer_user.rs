//! `BearerUser`: the extractor for bearer-JWT mode. The request must carry
//! `Authorization: Bearer <access token>`; the token is verified by `jwt::verify` (format → kid →
//! algorithm → signature → typ → claims → iss → aud → nbf → exp), then by the subject check (`sub`
//! is an account here and owns the signing key), then by the two revocation tools:
//! the denylist (a timed SQLite lookup) and the not-before mark (memory), both consulted only when
//! this account switched server-side revocation on. No user record is loaded: the token's claims are the whole truth,
//! which is the point, and the weakness, of this model.

use crate::{
    api::{client_addr::ClientAddr, error::ApiError},
    audit::Entry,
    auth::{
        decision::Trace,
        jwt::{self, Claims, Mode},
    },
    state::AppState,
    wire::AuthTrace,
};
use axum::{
    extract::FromRequestParts,
    http::{header, request::Parts, HeaderMap},
};

pub struct BearerUser {
    pub claims: Claims,
    pub user_id: i64,
    pub token: String,
    pub trace: AuthTrace,
}

/// The token of an `Authorization: Bearer <token>` header (RFC 6750 §2.1), if there is one.
pub fn bearer_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .trim_start()
        .split_once(' ')
        // The scheme is case-insensitive (RFC 7235 §2.1): `bearer`, `BEARER` and `Bearer` alike.
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim().to_string())
}

impl FromRequestParts<AppState> for BearerUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let mut trace = jwt::bearer_trace();
        let token = match bearer_token(&parts.headers) {
            Some(token) => token,
            None => {
                trace.fail("format", "no `Authorization: Bearer <token>` header");
                return Err(ApiError::Bearer(trace.finish()));
            }
        };
        let action = format!("{} {}", parts.method, parts.uri.path());
        let (claims, user_id, trace) = match judge(state, &token).await? {
            Judged::Accepted {
                claims,
                user_id,
                trace,
            } => (claims, user_id, trace),
            Judged::Refused { trace, sub } => {
                let client = ClientAddr::of(parts, state.settings.hosting.trusted_proxy);
                return Err(refused(state, trace, sub.as_deref(), &action, &client).await);
            }
        };
        let trace = trace.finish();
        let user = Some((user_id, claims.sub.as_str()));
        state
            .audit
            .record(Entry::from_trace(&trace, user, &action))
            .await;
        Ok(BearerUser {
            claims,
            user_id,
            token,
            trace,
        })
    }
}

/// How a bearer token was judged, before anything is logged.
pub enum Judged {
    Accepted {
        claims: Claims,
        user_id: i64,
        trace: Trace,
    },
    /// `sub` is named only when the signature checked out (anyone can write a `sub`).
    Refused { trace: Trace, sub: Option<String> },
}

/// Every check a bearer token goes through (the token's own, the subject, the denylist and the
/// not-before mark), with no audit entry: the extractor logs the request, and a live event
/// stream re-judges its token with this every few seconds without logging each time.
pub async fn judge(state: &AppState, token: &str) -> Result<Judged, ApiError> {
    let mut trace = jwt::bearer_trace();
    let (claims, verified) = jwt::verify(
        token,
        &state.keys,
        &state.settings.jwt,
        &mut trace,
        Mode::FirstFailure,
    );
    let Some(claims) = claims else {
        // Attribute the refusal only to a subject whose signature checked out: anyone can
        // *write* "sub": "alice" into a forged token.
        let sub = verified.claims.as_ref().map(|c| c.sub.as_str());
        return Ok(Judged::Refused {
            trace,
            sub: sub.map(str::to_string),
        });
    };
    let Some(user_id) = state.account_settings.id_of(&claims.sub).await? else {
        trace.fail("subject", "the token's subject is not an account here");
        return Ok(Judged::Refused { trace, sub: None });
    };
    // Each account signs with keys of its own. A token signed by carol's key that says
    // "sub": "alice" is carol speaking for alice: the key's owner must be the subject.
    if verified.key_owner != Some(user_id) {
        trace.fail(
            "subject",
            "signed with another account's key: a key vouches only for its own account",
        );
        return Ok(Judged::Refused { trace, sub: None });
    }
    trace.pass(
        "subject",
        "an account here, and the owner of the signing key",
    );

    let switches = state.account_settings.get(user_id).await?;
    if switches.denylist {
        let (denied, micros) = state.revocation.is_denied(&claims.jti).await?;
        if denied {
            trace.fail_timed(
                "denylist",
                format!(
                    "jti {} was revoked (logout); the list keeps it until exp",
                    claims.jti
                ),
                micros,
            );
            return Ok(Judged::Refused {
                trace,
                sub: Some(claims.sub),
            });
        }
        trace.pass_timed(
            "denylist",
            "switched on: looked up in SQLite, not listed (this lookup is the price)",
            micros,
        );
    } else {
        trace.pass(
            "denylist",
            "switched off for this account: not consulted, no lookup (stateless)",
        );
    }

    // The not-before mark is revocation state too: consulted only when this account has
    // switched server-side revocation on. Off, nothing the server remembers can stop a token
    // whose signature and claims check out.
    match state.revocation.not_before(&claims.sub) {
        _ if !switches.denylist => trace.pass(
            "not-before mark",
            "switched off for this account: not consulted (stateless)",
        ),
        Some(mark) if claims.iat <= mark => {
            trace.fail(
                "not-before mark",
                format!(
                    "issued {} s before the account's last revocation event (log out \
                         everywhere, password, role or status change)",
                    mark.saturating_sub(claims.iat)
                ),
            );
            return Ok(Judged::Refused {
                trace,
                sub: Some(claims.sub),
            });
        }
        Some(_) => trace.pass(
            "not-before mark",
            "issued after the account's last revocation event",
        ),
        None => trace.pass("not-before mark", "no revocation event for this account"),
    }
    Ok(Judged::Accepted {
        claims,
        user_id,
        trace,
    })
}

/// Record a refused bearer request in the audit log and turn it into the 401.
async fn refused(
    state: &AppState,
    trace: Trace,
    sub: Option<&str>,
    action: &str,
    client: &ClientAddr,
) -> ApiError {
    let trace = trace.finish();
    let user = match sub {
        Some(sub) => state
            .account_settings
            .id_of(sub)
            .await
            .ok()
            .flatten()
            .map(|id| (id, sub)),
        None => None,
    };
    state
        .audit
        .record(Entry::from_trace(&trace, user, action).from_client(&client.0))
        .await;
    ApiError::Bearer(trace)
}
