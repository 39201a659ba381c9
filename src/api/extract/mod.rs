//! The thin layer between HTTP and the auth core: read what a request presents off its headers,
//! call the core's judge, log the decision, and turn a refusal into an `ApiError`.
//!
//! - `CookieUser`: judged by its session only;
//! - `BearerUser`: judged by its bearer token only;
//! - `AuthUser`: either, chosen by the request itself (an `Authorization` header means bearer);
//! - `Admin`: an `AuthUser` whose account is an administrator now.

pub mod admin;
pub mod auth_user;
pub mod bearer_user;
pub mod cookie_user;
pub mod judge_time;

use super::{client_addr::ClientAddr, cookies, error::ApiError};
use crate::{
    auth::{
        judge::{self, Decision},
        presented::{FromWhere, Presented},
        Auth,
    },
    challenges::event::{capped, Happened, Judged},
    state::AppState,
};
use axum::{
    extract::FromRef,
    http::{header, request::Parts, HeaderMap, Method},
};
use std::sync::Arc;

/// What the extractors take from the app, and nothing more: the auth core, and whether a proxy's
/// `X-Forwarded-For` is believed (for the audit entry's client address). Any state that gives
/// these (`FromRef`) can use the extractors, not only `AppState`.
#[derive(Clone)]
pub struct Judging {
    pub auth: Arc<Auth>,
    pub trusted_proxy: bool,
}

impl FromRef<AppState> for Judging {
    fn from_ref(state: &AppState) -> Self {
        Judging {
            auth: state.auth.clone(),
            trusted_proxy: state.settings.hosting.trusted_proxy,
        }
    }
}

/// What the request presents, read off its method and headers.
pub fn presented(method: &Method, headers: &HeaderMap) -> Presented {
    Presented {
        changes_state: !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS),
        cookie: cookies::read(headers),
        access_cookie: cookies::read_cookie(headers, cookies::ACCESS),
        authorization_sent: headers.contains_key(header::AUTHORIZATION),
        header_session: header_session(headers),
        csrf_token: text(headers, crate::auth::csrf::TOKEN_HEADER),
        from_where: from_where(headers),
    }
}

/// The session id of an `Authorization: Bearer <id>` header whose credential is shaped like a
/// session id rather than a JWT.
pub fn header_session(headers: &HeaderMap) -> Option<String> {
    bearer_token(headers).filter(|token| crate::auth::session::is_session_id(token))
}

/// What the browser says about where the request started.
fn from_where(headers: &HeaderMap) -> FromWhere {
    FromWhere {
        sec_fetch_site: text(headers, "sec-fetch-site"),
        origin: text(headers, header::ORIGIN.as_str()),
        host: text(headers, header::HOST.as_str()),
    }
}

/// A header's value as text (absent or not text: `None`).
fn text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// How an access token was sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    /// `Authorization: Bearer <token>` (RFC 6750 §2.1): whoever holds it may use it.
    Bearer,
    /// `Authorization: DPoP <token>` (RFC 9449 §7.1), beside a `DPoP` proof header.
    Dpop,
}

/// The token of an `Authorization: Bearer <token>` header (RFC 6750 §2.1), if there is one.
pub fn bearer_token(headers: &HeaderMap) -> Option<String> {
    access_token(headers)
        .filter(|(scheme, _)| *scheme == Scheme::Bearer)
        .map(|(_, token)| token)
}

/// The access token of an `Authorization` header in either scheme, and the scheme.
pub fn access_token(headers: &HeaderMap) -> Option<(Scheme, String)> {
    let (scheme, token) = headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .trim_start()
        .split_once(' ')?;
    // The scheme is case-insensitive (RFC 7235 §2.1): `bearer`, `BEARER` and `Bearer` alike.
    let scheme = if scheme.eq_ignore_ascii_case("bearer") {
        Scheme::Bearer
    } else if scheme.eq_ignore_ascii_case(crate::auth::dpop::SCHEME) {
        Scheme::Dpop
    } else {
        return None;
    };
    Some((scheme, token.trim().to_string()))
}

/// The `DPoP` headers of a request (at most two are read: two already refuse it).
pub fn proof_headers(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(crate::auth::dpop::HEADER)
        .iter()
        .take(2)
        .map(|value| value.to_str().unwrap_or_default().to_string())
        .collect()
}

/// The URL of this request as the browser named it, which a DPoP proof's `htu` must name: the
/// scheme the lab is reached by (`https` behind the trusted proxy that terminates TLS, else
/// `http`), the `Host` the host check let through, the path.
pub fn public_url(parts: &Parts, trusted_proxy: bool) -> String {
    let scheme = if trusted_proxy { "https" } else { "http" };
    let host = text(&parts.headers, header::HOST.as_str()).unwrap_or_default();
    crate::auth::dpop::expected_htu(scheme, &host, parts.uri.path())
}

/// Where an in-process caller (the BFF, calling the API for a page) asks for the decision on its
/// request: a request extension, which no client can send, that `settle` fills with the trace.
#[derive(Clone, Default)]
pub struct TraceSink(pub Arc<std::sync::Mutex<Option<crate::wire::AuthTrace>>>);

impl TraceSink {
    pub fn take(&self) -> Option<crate::wire::AuthTrace> {
        self.0.lock().ok().and_then(|mut slot| slot.take())
    }
}

/// Log a decision (when it presented a credential) and turn it into the principal or the error.
pub async fn settle<P>(
    judging: &Judging,
    parts: &Parts,
    decision: Decision<P>,
) -> Result<(P, crate::wire::AuthTrace), ApiError> {
    if decision.worth_logging() {
        let read = matches!(parts.method, Method::GET | Method::HEAD);
        // A plain read past its account's allowance is only counted: no entry is built for it.
        let plain = decision.passed_every_check().filter(|_| read);
        let counted = plain.is_some_and(|(id, name)| judging.auth.audit.read_is_counted(id, name));
        if !counted {
            let action = format!("{} {}", parts.method, parts.uri.path());
            let client = ClientAddr::of(parts, judging.trusted_proxy);
            let entry = decision.entry(&action, &client.0);
            if plain.is_some() {
                judging.auth.audit.write_allowed(entry).await;
            } else {
                judging.auth.audit.record(entry).await;
            }
        }
    }
    note_for_challenges(judging, parts, &decision);
    if let Some(sink) = parts.extensions.get::<TraceSink>() {
        if let Ok(mut slot) = sink.0.lock() {
            *slot = Some(decision.trace.clone());
        }
    }
    match decision.outcome {
        Ok(principal) => Ok((principal, decision.trace)),
        Err(refused) => Err(ApiError::Refused {
            trace: decision.trace,
            refused,
        }),
    }
}

/// Record the decision for the challenges, filed under the account it was about (a refusal only
/// when the server can tell whose credential it was). A plain session read every check passed is
/// left out (no challenge turns on one, and it is the commonest request there is), and so is a
/// genuine token's use after its first, until the account logs out.
fn note_for_challenges<P>(judging: &Judging, parts: &Parts, decision: &Decision<P>) {
    let Some((account, _)) = decision.account else {
        return;
    };
    let trace = &decision.trace;
    let read = matches!(parts.method, Method::GET | Method::HEAD);
    if read
        && trace.mode == crate::wire::AuthMode::Session
        && decision.passed_every_check().is_some()
    {
        return;
    }
    // A genuine token's uses after its first are recorded again only after a logout
    // (`Challenges::first_use`): the bearer path does not write an event per request.
    if trace.mode == crate::wire::AuthMode::Jwt
        && decision.passed_every_check().is_some()
        && !decision.failed_open
    {
        let jti = decision.token.as_ref().and_then(|t| t.jti.as_deref());
        if jti.is_some_and(|jti| !judging.auth.challenges.first_use(account, jti)) {
            return;
        }
    }
    let action = format!("{} {}", parts.method, parts.uri.path());
    let cross_site = text(&parts.headers, "sec-fetch-site")
        .is_some_and(|site| site == "cross-site" || site == "same-site");
    judging.auth.challenges.note(
        account,
        Happened::Judged(Judged {
            mode: trace.mode,
            action: capped(&action),
            allowed: trace.allowed,
            checks: trace.checks.iter().map(|c| (c.name, c.status)).collect(),
            token: decision.token.clone(),
            cross_site,
            failed_open: decision.failed_open,
        }),
    );
}

/// Privileged routes, the password change, the switches' own endpoint and every account event
/// take only a fully checked decision. One let through because its account switched a check off
/// could have been made by anyone: a verifier that skips the signature accepts whatever a token
/// says about whose it is. So such a decision reaches `/api/me`, the role-claim probe and the lab's
/// endpoints, never these.
pub fn every_check_on(trace: &crate::wire::AuthTrace, what: &str) -> Result<(), ApiError> {
    let off: Vec<String> = trace
        .switched_off()
        .map(|check| check.name.to_string())
        .collect();
    if off.is_empty() {
        return Ok(());
    }
    Err(ApiError::NotAllowed(format!(
        "{what} takes only a request every check passed; this one passed only because the account          switched off: {}",
        off.join(", ")
    )))
}

/// The same-origin check alone, for login and other requests before a session exists.
pub fn login_origin_check(headers: &HeaderMap) -> Result<(), ApiError> {
    judge::session::origin_only(&from_where(headers))
        .map_err(|(trace, refused)| ApiError::Refused { trace, refused })
}
