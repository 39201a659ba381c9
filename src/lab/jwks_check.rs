//! `POST /api/lab/jwks-verify {token}`: hand a token to a second service that knows only the
//! public key set. The service reads the `kid` the token names and fetches that published key
//! (`/.well-known/jwks.json?kid=…`) over this server's own router, as any outsider would, and
//! verifies with nothing else (`auth::jwks_verifier`): no database, no key ring, no secret. It
//! never reads the whole set, so however many keys a class has published, the answer it reads
//! stays one key long. The reading-and-signing lesson runs it for each algorithm.

use super::in_process::InProcessRequest;
use crate::api::{error::ApiError, json::ApiJson};
use crate::wire::paths;
use crate::{
    auth::jwks_verifier::{JwksOnly, JwksVerdict},
    logging::echo,
    state::AppState,
    wire::{DecodeRequest, JwksCheck},
};
use axum::{extract::State, http::Method, routing::post, Json, Router};

pub fn router() -> Router<AppState> {
    Router::new().route(paths::lab::JWKS_VERIFY, post(jwks_verify))
}

async fn jwks_verify(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<DecodeRequest>,
) -> Result<Json<JwksCheck>, ApiError> {
    let token = request.token.trim();
    // The header names the key; a kid that is not a run of base64url characters names none.
    let kid = jsonwebtoken::decode_header(token)
        .ok()
        .and_then(|header| header.kid)
        .filter(|kid| {
            kid.len() <= 64
                && kid
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .unwrap_or_default();
    let fetched = InProcessRequest::new(Method::GET, paths::jwt::jwks_key(&kid))
        .send(&state)
        .await;
    let service = JwksOnly::from_document(&String::from_utf8_lossy(&fetched.body))
        .map_err(ApiError::InvalidBody)?;
    let published_keys = state.auth.keys.published();
    let check = match service.verify(token) {
        JwksVerdict::Verified { kid, alg } => JwksCheck {
            verified: true,
            detail: format!(
                "verified with the published {alg} key {} alone: no secret needed",
                echo::quoted(&kid)
            ),
            kid: Some(kid),
            alg: Some(alg),
            published_keys,
        },
        JwksVerdict::NoPublicKey { kid, alg } => JwksCheck {
            verified: false,
            detail: if alg == "HS256" {
                format!(
                    "key {} is not published: an HS256 key is a shared secret, so a JWKS can never \
                     carry it. To check this token the service would need a copy of the secret (in \
                     its configuration or a secrets manager), and with it could mint tokens for any \
                     user too",
                    echo::quoted(&kid)
                )
            } else {
                format!("key {} is not in the published set", echo::quoted(&kid))
            },
            kid: Some(echo::shown(&kid, echo::ECHO_CHARS)),
            alg: Some(alg),
            published_keys,
        },
        JwksVerdict::Refused(reason) => JwksCheck {
            verified: false,
            kid: None,
            alg: None,
            published_keys,
            detail: reason,
        },
    };
    Ok(Json(check))
}
