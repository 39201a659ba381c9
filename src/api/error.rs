//! The one error type of the JSON API. Every failure becomes a status code plus a JSON body
//! `{error, reason}`: a stable code for programs and a sentence for people. Internal details are
//! logged, never sent.

use crate::{
    auth::rate_limit::RetryAfter,
    auth::{
        credentials::CredentialError,
        error::AuthError,
        judge::{Channel, Refused},
        password::HashError,
        session::SessionError,
    },
    db::users::UserError,
    store::{Cause, StoreError},
    wire::account_rules::RuleError,
    wire::{ApiErrorBody, AuthTrace, RefusedAs},
};
use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("request body is not valid JSON: {0}")]
    MalformedJson(String),
    #[error("request body does not have the expected fields: {0}")]
    InvalidBody(String),
    #[error("request body must be JSON, sent with Content-Type: application/json")]
    NotJson,
    #[error("request body is larger than {0} bytes")]
    BodyTooLarge(usize),
    #[error("{0}")]
    Rule(#[from] RuleError),
    #[error("username {0:?} is already taken")]
    UsernameTaken(String),
    #[error("invalid username or password")]
    InvalidCredentials,
    #[error("this account is disabled")]
    AccountDisabled,
    /// Authenticated, but the credential's role does not allow this.
    #[error("{0}")]
    NotAllowed(String),
    /// The request asks for something this endpoint does not do (a DPoP proof at the cookie
    /// login): 400 with the reason.
    #[error("{0}")]
    BadRequest(String),
    /// The request is well formed but conflicts with the current state.
    #[error("{0}")]
    Conflict(String),
    /// Too many at once: the reason says what to wait for.
    #[error("{0}")]
    Busy(String),
    /// A rate limit refused: 429 with `Retry-After`.
    #[error("too many {what}: try again in {} s", retry.secs())]
    RateLimited { what: String, retry: RetryAfter },
    /// The server is saturated (the password-hashing queue is full): 503 with `Retry-After`.
    #[error("{reason}")]
    Overloaded { reason: String, retry: RetryAfter },
    /// The judge refused the request: the trace names the check, and the typed refusal decides
    /// the status (401 or 403), the code and the RFC 6750 challenge.
    #[error("{}", failed_detail(trace))]
    Refused { trace: AuthTrace, refused: Refused },
    /// The refresh token was refused (unknown, expired, revoked, or reused: theft).
    #[error("{0}")]
    Refresh(String),
    #[error("no such API endpoint")]
    NotFound,
    /// A thing the request names that the caller may not see or that does not exist (a class,
    /// a learner of it): the reason says which, the same either way.
    #[error("{0}")]
    Missing(String),
    #[error("no such session among yours")]
    NoSuchSession,
    /// An experiment's run (a probe, an XSS run) that does not exist, has expired, or is
    /// someone else's: all three look the same.
    #[error("no such run of yours (runs are kept ten minutes)")]
    NoSuchRun,
    #[error("no such challenge (GET /api/challenges lists them)")]
    NoSuchChallenge,
    /// The session store did not answer: session mode cannot decide anything, and says so.
    #[error("the session store is unavailable")]
    StoreUnavailable(Cause),
    /// An experiment could not run (a process it needs would not start); the reason says what
    /// to do about it.
    #[error("{0}")]
    LabUnavailable(String),
    /// A store a check needed did not answer; the trace names the check.
    #[error("{}", failed_detail(trace))]
    StoreDown { trace: AuthTrace, cause: Cause },
    /// Something broke on our side. The cause goes to the log; the client gets a generic sentence.
    #[error("internal error")]
    Internal(Cause),
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::MalformedJson(_) | ApiError::Rule(_) | ApiError::BadRequest(_) => {
                StatusCode::BAD_REQUEST
            }
            ApiError::InvalidBody(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::NotJson => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::BodyTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UsernameTaken(_) | ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::AccountDisabled | ApiError::NotAllowed(_) => StatusCode::FORBIDDEN,
            ApiError::Busy(_) | ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Overloaded { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::InvalidCredentials | ApiError::Refresh(_) => StatusCode::UNAUTHORIZED,
            ApiError::Refused { refused, .. } => match refused.refused_as() {
                RefusedAs::Unauthenticated => StatusCode::UNAUTHORIZED,
                RefusedAs::Forbidden => StatusCode::FORBIDDEN,
            },
            ApiError::NotFound
            | ApiError::Missing(_)
            | ApiError::NoSuchSession
            | ApiError::NoSuchRun
            | ApiError::NoSuchChallenge => StatusCode::NOT_FOUND,
            ApiError::StoreUnavailable(_)
            | ApiError::StoreDown { .. }
            | ApiError::LabUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The machine-readable `error` code.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::MalformedJson(_) => "malformed_json",
            ApiError::InvalidBody(_) => "invalid_body",
            ApiError::NotJson => "unsupported_media_type",
            ApiError::BodyTooLarge(_) => "body_too_large",
            ApiError::Rule(RuleError::PasswordLength(_)) => "invalid_password",
            ApiError::Rule(_) => "invalid_username",
            ApiError::UsernameTaken(_) => "username_taken",
            ApiError::InvalidCredentials => "invalid_credentials",
            ApiError::AccountDisabled => "account_disabled",
            ApiError::NotAllowed(_) => "not_allowed",
            ApiError::Conflict(_) => "conflict",
            ApiError::BadRequest(_) => "bad_request",
            ApiError::Busy(_) => "busy",
            ApiError::RateLimited { .. } => "rate_limited",
            ApiError::Overloaded { .. } => "overloaded",
            ApiError::Refused { refused, .. } => match (refused.refused_as(), refused.channel) {
                (RefusedAs::Forbidden, _) => "forbidden",
                (RefusedAs::Unauthenticated, Channel::Header) => "invalid_token",
                (RefusedAs::Unauthenticated, Channel::Cookie) => "unauthenticated",
            },
            ApiError::Refresh(_) => "invalid_refresh_token",
            ApiError::NotFound | ApiError::Missing(_) => "not_found",
            ApiError::NoSuchSession => "no_such_session",
            ApiError::NoSuchRun => "no_such_run",
            ApiError::NoSuchChallenge => "no_such_challenge",
            ApiError::StoreUnavailable(_) => "session_store_unavailable",
            ApiError::LabUnavailable(_) => "lab_unavailable",
            ApiError::StoreDown { trace, .. } => match trace.failed_check().map(|c| c.name) {
                Some(crate::wire::CheckId::Denylist) => "denylist_store_unavailable",
                Some(crate::wire::CheckId::DpopJti) => "dpop_replay_cache_unavailable",
                _ => "session_store_unavailable",
            },
            ApiError::Internal(_) => "internal",
        }
    }

    pub fn body(&self) -> ApiErrorBody {
        ApiErrorBody {
            error: self.code().to_string(),
            reason: self.to_string(),
            auth: match self {
                ApiError::Refused { trace, .. } | ApiError::StoreDown { trace, .. } => {
                    Some(trace.clone())
                }
                _ => None,
            },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        // The one place a cause is logged: capped and escaped like every echo, so a key, a token
        // or a body excerpt a library put in its message cannot fill the log or forge a line.
        match &self {
            ApiError::Internal(cause) => {
                let cause = logged(cause.as_ref());
                tracing::error!(target: "authlab::api", %cause, "internal error")
            }
            ApiError::StoreUnavailable(cause) | ApiError::StoreDown { cause, .. } => {
                let cause = logged(cause.as_ref());
                tracing::error!(target: "authlab::api", %cause, "store unavailable")
            }
            _ => {}
        }
        let mut response = (self.status(), Json(self.body())).into_response();
        let retry_after = match &self {
            ApiError::RateLimited { retry, .. } | ApiError::Overloaded { retry, .. } => {
                Some(retry.secs())
            }
            ApiError::Busy(_) => Some(2),
            _ => None,
        };
        if let Some(secs) = retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        if let ApiError::Refused { trace, refused } = &self {
            if refused.channel == Channel::Header {
                response.headers_mut().insert(
                    axum::http::header::WWW_AUTHENTICATE,
                    www_authenticate(trace, refused),
                );
            }
        }
        response
    }
}

/// An error and its sources, one line, capped at `LOGGED_CHARS` and escaped.
fn logged(err: &(dyn std::error::Error + 'static)) -> String {
    let mut line = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        // A wrapper that prints its source already (`store: <redis error>`) is not repeated.
        if !line.ends_with(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
        source = cause.source();
    }
    crate::logging::echo::shown(&line, LOGGED_CHARS)
}

/// How much of an error's text reaches the log.
const LOGGED_CHARS: usize = 512;

impl From<UserError> for ApiError {
    fn from(err: UserError) -> Self {
        ApiError::Internal(err.into())
    }
}

impl From<HashError> for ApiError {
    fn from(err: HashError) -> Self {
        match err {
            HashError::Busy => ApiError::Overloaded {
                reason: "the server is busy checking passwords; try again in a moment".into(),
                retry: RetryAfter(std::time::Duration::from_secs(2)),
            },
            // One account's flood waits for itself: 429, and the other accounts' slots stay free.
            HashError::AccountBusy => ApiError::RateLimited {
                what: "password checks under way at once for this account".into(),
                retry: RetryAfter(std::time::Duration::from_secs(1)),
            },
            other => ApiError::Internal(other.into()),
        }
    }
}

impl From<CredentialError> for ApiError {
    fn from(err: CredentialError) -> Self {
        match err {
            CredentialError::Invalid => ApiError::InvalidCredentials,
            CredentialError::Disabled => ApiError::AccountDisabled,
            CredentialError::Store(err) => err.into(),
            CredentialError::Hash(err) => err.into(),
        }
    }
}

impl From<SessionError> for ApiError {
    fn from(err: SessionError) -> Self {
        AuthError::from(err).into()
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        AuthError::from(err).into()
    }
}

impl From<AuthError> for ApiError {
    fn from(err: AuthError) -> Self {
        match err {
            AuthError::StoreUnavailable(cause) => ApiError::StoreUnavailable(cause.into()),
            AuthError::StoreDown { trace, cause } => ApiError::StoreDown {
                trace,
                cause: cause.into(),
            },
            AuthError::Hash(err) => err.into(),
            AuthError::Internal(cause) => ApiError::Internal(cause),
        }
    }
}

impl From<crate::challenges::ChallengeError> for ApiError {
    fn from(err: crate::challenges::ChallengeError) -> Self {
        use crate::challenges::ChallengeError as E;
        match err {
            E::Unknown => ApiError::NoSuchChallenge,
            E::NotAnswered => ApiError::Conflict(err.to_string()),
            E::AnswerTooLong => ApiError::InvalidBody(err.to_string()),
            E::Store(err) => ApiError::Internal(err.into()),
        }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(err: sqlx::Error) -> Self {
        ApiError::Internal(err.into())
    }
}

fn failed_detail(trace: &AuthTrace) -> String {
    match trace.failed_check() {
        Some(check) => format!("{}: {}", check.name, check.detail),
        None => "not authenticated".into(),
    }
}

/// RFC 6750 §3: a request with no token gets a bare challenge; a refused token gets
/// `error="invalid_token"` and a description (quotes and backslashes removed, ASCII only).
fn www_authenticate(trace: &AuthTrace, refused: &Refused) -> axum::http::HeaderValue {
    use crate::wire::CheckId;
    // A request judged by the DPoP plan is challenged in its scheme (RFC 9449 §7.1), with the
    // one algorithm this server takes for proofs; a fault in the proof itself is
    // `invalid_dpop_proof`, anything else about the token `invalid_token`.
    let dpop = trace.checks.iter().any(|c| c.name == CheckId::DpopProof);
    let scheme = if dpop {
        "DPoP algs=\"ES256\","
    } else {
        "Bearer"
    };
    let value = if refused.nothing_presented {
        format!("{scheme} realm=\"authlab\"")
    } else {
        let description: String = failed_detail(trace)
            .chars()
            .filter(|c| c.is_ascii() && !c.is_ascii_control() && *c != '"' && *c != '\\')
            .collect();
        let error = match refused.check {
            CheckId::DpopProof
            | CheckId::DpopHtmHtu
            | CheckId::DpopIat
            | CheckId::DpopAth
            | CheckId::DpopJti => "invalid_dpop_proof",
            _ => "invalid_token",
        };
        format!(
            "{scheme} realm=\"authlab\", error=\"{error}\", error_description=\"{description}\""
        )
    };
    axum::http::HeaderValue::from_str(&value)
        .unwrap_or_else(|_| axum::http::HeaderValue::from_static("Bearer error=\"invalid_token\""))
}

impl From<crate::auth::refresh::RefreshError> for ApiError {
    fn from(err: crate::auth::refresh::RefreshError) -> Self {
        use crate::auth::refresh::RefreshError;
        match err {
            RefreshError::Store(err) => AuthError::from(err).into(),
            other => ApiError::Refresh(other.to_string()),
        }
    }
}

impl From<crate::auth::keys::KeyError> for ApiError {
    fn from(err: crate::auth::keys::KeyError) -> Self {
        ApiError::Internal(err.into())
    }
}

impl From<jsonwebtoken::errors::Error> for ApiError {
    fn from(err: jsonwebtoken::errors::Error) -> Self {
        ApiError::Internal(err.into())
    }
}
