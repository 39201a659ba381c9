//! The one error type of the JSON API. Every failure becomes a status code plus a JSON body
//! `{error, reason}`: a stable code for programs and a sentence for people. Internal details are
//! logged, never sent.

use crate::{
    account_rules::RuleError,
    auth::{credentials::CredentialError, password::HashError},
    db::users::UserError,
    wire::ApiErrorBody,
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
    #[error("no such API endpoint")]
    NotFound,
    /// Something broke on our side. The detail goes to the log; the client gets a generic sentence.
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::MalformedJson(_) | ApiError::Rule(_) => StatusCode::BAD_REQUEST,
            ApiError::InvalidBody(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::NotJson => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::BodyTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UsernameTaken(_) => StatusCode::CONFLICT,
            ApiError::InvalidCredentials => StatusCode::UNAUTHORIZED,
            ApiError::NotFound => StatusCode::NOT_FOUND,
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
            ApiError::NotFound => "not_found",
            ApiError::Internal(_) => "internal",
        }
    }

    pub fn body(&self) -> ApiErrorBody {
        ApiErrorBody {
            error: self.code().to_string(),
            reason: self.to_string(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(detail) = &self {
            tracing::error!(target: "authlab::api", %detail, "internal error");
        }
        (self.status(), Json(self.body())).into_response()
    }
}

impl From<UserError> for ApiError {
    fn from(err: UserError) -> Self {
        ApiError::Internal(err.to_string())
    }
}

impl From<HashError> for ApiError {
    fn from(err: HashError) -> Self {
        ApiError::Internal(err.to_string())
    }
}

impl From<CredentialError> for ApiError {
    fn from(err: CredentialError) -> Self {
        match err {
            CredentialError::Invalid => ApiError::InvalidCredentials,
            CredentialError::Store(err) => err.into(),
            CredentialError::Hash(err) => err.into(),
        }
    }
}
