//! `AuthUser`: either model, chosen by the request itself. With an `Authorization` header the
//! request is judged by it only: an opaque session id there as a session, anything else as a
//! token; without one, by its session cookie, or, when it has none, by its access cookie (a
//! token). Never two: a broken bearer token does not silently fall back to a cookie, nor a
//! broken session to the access cookie.

use super::{bearer_user::BearerUser, cookie_user::CookieUser, Judging};
use crate::{
    api::error::ApiError,
    wire::{AuthMode, AuthTrace, Me, Role},
};
use axum::{
    extract::{FromRef, FromRequestParts},
    http::{header, request::Parts},
};

pub enum AuthUser {
    Session(CookieUser),
    Bearer(BearerUser),
}

impl AuthUser {
    pub fn user_id(&self) -> i64 {
        match self {
            AuthUser::Session(user) => user.session.user.id,
            AuthUser::Bearer(user) => user.user_id,
        }
    }

    pub fn username(&self) -> &str {
        match self {
            AuthUser::Session(user) => &user.session.user.username,
            AuthUser::Bearer(user) => &user.claims.sub,
        }
    }

    /// The role as this request's credential states it: the database's for a session, the token's
    /// claim (possibly stale) for a bearer token.
    pub fn role(&self) -> Role {
        match self {
            AuthUser::Session(user) => user.session.user.role,
            AuthUser::Bearer(user) => user.claims.role,
        }
    }

    /// Which model judged this request.
    pub fn mode(&self) -> AuthMode {
        match self {
            AuthUser::Session(_) => AuthMode::Session,
            AuthUser::Bearer(_) => AuthMode::Jwt,
        }
    }

    /// The answer of `GET /api/me`, taking the trace rather than copying it.
    pub fn into_me(self) -> Me {
        let (username, role) = (self.username().to_string(), self.role());
        let auth = match self {
            AuthUser::Session(user) => user.trace,
            AuthUser::Bearer(user) => user.trace,
        };
        Me {
            username,
            role,
            auth,
        }
    }

    pub fn trace(&self) -> &AuthTrace {
        match self {
            AuthUser::Session(user) => &user.trace,
            AuthUser::Bearer(user) => &user.trace,
        }
    }
}

impl<S> FromRequestParts<S> for AuthUser
where
    S: Send + Sync,
    Judging: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        // An opaque id in the header is a session, judged by the session judge (which reads it
        // from the header): the shape tells it from a JWT.
        let by_header = parts.headers.contains_key(header::AUTHORIZATION)
            && super::header_session(&parts.headers).is_none();
        // With no header and no session cookie, the access cookie (JWT-in-a-cookie mode).
        let by_access_cookie = !parts.headers.contains_key(header::AUTHORIZATION)
            && crate::api::cookies::read(&parts.headers).is_none()
            && super::bearer_user::cookie_token(&parts.headers);
        if by_header || by_access_cookie {
            Ok(AuthUser::Bearer(
                BearerUser::from_request_parts(parts, state).await?,
            ))
        } else {
            Ok(AuthUser::Session(
                CookieUser::from_request_parts(parts, state).await?,
            ))
        }
    }
}
