//! The JSON REST API under `/api`. Each submodule exposes `fn router() -> Router<AppState>`; this
//! one merges them, caps body size and answers unknown `/api` paths with a JSON 404 (not the HTML
//! page a browser would get).

pub mod account;
pub mod account_switches;
pub mod audit;
pub mod auth_cost;
pub mod challenges;
pub mod classes;
pub mod client_addr;
pub mod cookies;
pub mod demo_accounts;
pub mod error;
pub mod extract;
pub mod health;
pub mod json;
pub mod jwt;
pub mod login;
pub mod me;
pub mod register;
pub mod session;
pub mod set_aside;

use crate::wire::paths;
use crate::{http::security_headers::set_no_store, state::AppState};
use axum::{
    extract::{DefaultBodyLimit, Request},
    middleware::Next,
    response::Response,
    Router,
};
use error::ApiError;

/// Largest request body the API reads. Credentials are tiny; this stops a client from making the
/// server buffer megabytes (and from feeding argon2 a huge input).
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// The API, with the lab's `experiments` (`crate::lab::router`) merged in under the same body
/// limit and JSON 404. The server's `edge` times its answers for the learner and marks them
/// never cached; the lab's in-process calls go through `never_cached`.
pub fn router(experiments: Router<AppState>) -> Router<AppState> {
    Router::new()
        .merge(register::router())
        .merge(account::router())
        .merge(health::router())
        .merge(demo_accounts::router())
        .merge(session::router())
        .merge(set_aside::router())
        .merge(jwt::router())
        .merge(audit::router())
        .merge(me::router())
        .merge(auth_cost::router())
        .merge(account_switches::router())
        .merge(challenges::router())
        .merge(classes::router())
        .merge(experiments)
        .route(paths::API_FALLBACK, axum::routing::any(not_found))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}

/// An `/api` answer to one of the lab's in-process calls: never cached, like every `/api` answer
/// the server gives (`edge`), and not counted among the learner's own requests.
pub async fn never_cached(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    set_no_store(response.headers_mut());
    response
}

async fn not_found() -> ApiError {
    ApiError::NotFound
}
