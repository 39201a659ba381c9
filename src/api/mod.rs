//! The JSON REST API under `/api`. Each submodule exposes `fn router() -> Router<AppState>`; this
//! one merges them, caps body size and answers unknown `/api` paths with a JSON 404 (not the HTML
//! page a browser would get).

pub mod account;
pub mod accounts;
pub mod audit;
pub mod client_addr;
pub mod cookies;
pub mod cross_site_probe;
pub mod demo_accounts;
pub mod error;
pub mod extract;
pub mod forgery_site;
pub mod health;
pub mod json;
pub mod jwks_check;
pub mod jwt;
pub mod lab_settings;
pub mod login;
pub mod logout_matrix;
pub mod loopback;
pub mod me;
pub mod replay;
pub mod request_size;
pub mod role_claim;
pub mod session;

use crate::state::AppState;
use axum::{extract::DefaultBodyLimit, Router};
use error::ApiError;

/// Largest request body the API reads. Credentials are tiny; this stops a client from making the
/// server buffer megabytes (and from feeding argon2 a huge input).
pub const MAX_BODY_BYTES: usize = 16 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(accounts::router())
        .merge(account::router())
        .merge(health::router())
        .merge(demo_accounts::router())
        .merge(session::router())
        .merge(jwt::router())
        .merge(audit::router())
        .merge(me::router())
        .merge(lab_settings::router())
        .merge(replay::router())
        .merge(logout_matrix::router())
        .merge(role_claim::router())
        .merge(forgery_site::router())
        .merge(request_size::router())
        .merge(jwks_check::router())
        .merge(cross_site_probe::router())
        .route("/api/{*rest}", axum::routing::any(not_found))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(crate::security_headers::no_store))
}

async fn not_found() -> ApiError {
    ApiError::NotFound
}
