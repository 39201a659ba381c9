//! `BearerUser`: a handler that takes one runs only for a request whose
//! `Authorization: Bearer <access token>` passed every check (`auth::judge::token`); any other
//! request is refused with 401 and an RFC 6750 challenge.

use super::{bearer_token, judge_time::note_judge, settle, Judging};
use crate::{
    api::error::ApiError,
    auth::{
        judge::{self, token::TokenPrincipal},
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

impl<S> FromRequestParts<S> for BearerUser
where
    S: Send + Sync,
    Judging: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let judging = Judging::from_ref(state);
        let token = bearer_token(&parts.headers);
        let started = std::time::Instant::now();
        let decision = judge::token::judge(&judging.auth, token.as_deref()).await?;
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
