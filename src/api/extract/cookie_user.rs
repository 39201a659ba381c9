//! `CookieUser`: a handler that takes one runs only for a request whose session passed every
//! check (`auth::judge::session`); any other request is refused with 401 (or 403 for the origin
//! and CSRF checks) and the decision trace that refused it.

use super::{judge_time::note_judge, presented, settle, Judging};
use crate::{
    api::error::ApiError,
    auth::{judge, session::ActiveSession},
    wire::{AuthMode, AuthTrace},
};
use axum::{
    extract::{FromRef, FromRequestParts},
    http::request::Parts,
};

pub struct CookieUser {
    pub session: ActiveSession,
    pub trace: AuthTrace,
}

impl<S> FromRequestParts<S> for CookieUser
where
    S: Send + Sync,
    Judging: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let judging = Judging::from_ref(state);
        let presented = presented(&parts.method, &parts.headers);
        let started = std::time::Instant::now();
        let decision = judge::session::judge(&judging.auth, &presented, true).await?;
        if let Ok(session) = &decision.outcome {
            note_judge(parts, session.user.id, AuthMode::Session, started);
        }
        let (session, trace) = settle(&judging, parts, decision).await?;
        Ok(CookieUser { session, trace })
    }
}
