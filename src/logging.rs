//! The server's log. One line per request with method, path, status and duration, and nothing
//! else from the request: no query string, no headers, no body, so passwords, cookies and tokens
//! cannot reach the log through it.

use crate::settings::LogLevel;
use axum::{extract::Request, middleware::Next, response::Response};
use std::time::Instant;
use tracing::Level;
use tracing_subscriber::{filter::Targets, layer::SubscriberExt, util::SubscriberInitExt};

/// The filter: our own events at `level`, everyone else's (sqlx, hyper, leptos) at warn.
pub fn filter(level: LogLevel) -> Targets {
    Targets::new()
        .with_default(Level::WARN)
        .with_target("authlab", level.as_tracing())
}

/// Install the global subscriber, printing to stdout.
pub fn init(level: LogLevel) {
    let _ = tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer().with_target(true))
        .with(filter(level))
        .try_init();
}

/// Middleware: log each request once it has been answered.
pub async fn log_request(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    // The path only: a query string may carry a token in a careless client's hands. Capped and
    // escaped: the path is the client's choice, and a log line is no place for 8 KB of it.
    let path = crate::auth::echo::shown(request.uri().path(), 128);
    let started = Instant::now();
    let response = next.run(request).await;
    tracing::info!(
        target: "authlab::http",
        %method,
        %path,
        status = response.status().as_u16(),
        micros = started.elapsed().as_micros() as u64,
        "request"
    );
    response
}
