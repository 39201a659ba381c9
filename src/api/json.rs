//! `ApiJson<T>`: axum's `Json` extractor, with its rejections turned into our JSON errors. Axum's
//! own rejections are plain text; an API whose errors are JSON everywhere else must not answer a
//! broken body with text.

use super::{error::ApiError, MAX_BODY_BYTES};
use axum::{
    extract::{rejection::JsonRejection, FromRequest, Request},
    Json,
};
use serde::de::DeserializeOwned;

pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(rejection_to_error(rejection)),
        }
    }
}

fn rejection_to_error(rejection: JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::JsonSyntaxError(err) => {
            ApiError::MalformedJson(serde_detail(&err.body_text()))
        }
        JsonRejection::JsonDataError(err) => ApiError::InvalidBody(serde_detail(&err.body_text())),
        JsonRejection::MissingJsonContentType(_) => ApiError::NotJson,
        other if other.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::BodyTooLarge(MAX_BODY_BYTES)
        }
        other => ApiError::MalformedJson(serde_detail(&other.body_text())),
    }
}

/// Axum prefixes serde's message with its own sentence; keep serde's precise part
/// (e.g. "missing field `password` at line 1 column 20").
/// Capped: serde quotes the offending key or value, which the client chose.
fn serde_detail(text: &str) -> String {
    let detail = text.rsplit_once(": ").map_or(text, |(_, detail)| detail);
    crate::logging::echo::shown(detail, 2 * crate::logging::echo::ECHO_CHARS)
}
