//! `BearerUser`: a handler that takes one runs only for a request whose access token passed
//! every check, however it travelled: `Authorization: Bearer <token>`, `Authorization: DPoP
//! <token>` beside a `DPoP` proof (`auth::judge::token`), or, with no `Authorization` header,
//! the access cookie (`auth::judge::cookie_token`). Any other request is refused with 401 (403
//! for the cookie's origin and CSRF checks) and an RFC 6750 (or RFC 9449) challenge for a header.

use super::{
    access_token, judge_time::note_judge, proof_headers, public_url, settle, Judging, Scheme,
};
use crate::{
    api::error::ApiError,
    auth::{
        judge::{self, dpop::ProofSent, token::TokenPrincipal},
        jwt::Claims,
    },
    wire::{AuthMode, AuthTrace},
};
use axum::{
    extract::{FromRef, FromRequestParts},
    http::request::Parts,
};

pub struct BearerUser {
    pub claims: Claims,
    pub user_id: i64,
    pub token: String,
    pub trace: AuthTrace,
}

/// Whether the request carries the access cookie (JWT-in-a-cookie mode).
pub fn cookie_token(headers: &axum::http::HeaderMap) -> bool {
    crate::api::cookies::read_cookie(headers, crate::api::cookies::ACCESS).is_some()
}

impl<S> FromRequestParts<S> for BearerUser
where
    S: Send + Sync,
    Judging: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let judging = Judging::from_ref(state);
        let presented = access_token(&parts.headers);
        let started = std::time::Instant::now();
        let (proofs, htu) = match presented {
            Some((Scheme::Dpop, _)) => (
                proof_headers(&parts.headers),
                public_url(parts, judging.trusted_proxy),
            ),
            _ => (Vec::new(), String::new()),
        };
        let proof = matches!(presented, Some((Scheme::Dpop, _))).then(|| ProofSent {
            proofs: &proofs,
            method: parts.method.as_str(),
            htu: &htu,
        });
        let token = presented.as_ref().map(|(_, token)| token.as_str());
        let decision = if presented.is_none() && cookie_token(&parts.headers) {
            let presented = super::presented(&parts.method, &parts.headers);
            judge::cookie_token::judge(&judging.auth, &presented).await?
        } else {
            judge::token::judge(&judging.auth, token, proof.as_ref()).await?
        };
        if let Ok(principal) = &decision.outcome {
            note_judge(parts, principal.user_id, AuthMode::Jwt, started);
        }
        let (principal, trace) = settle(&judging, parts, decision).await?;
        let TokenPrincipal {
            claims,
            user_id,
            token,
        } = principal;
        Ok(BearerUser {
            claims,
            user_id,
            token,
            trace,
        })
    }
}
