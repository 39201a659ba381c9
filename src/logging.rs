//! The server's log. One line per request with method, path, status and duration, and nothing
//! else from the request: no query string, no headers, no body, so passwords, cookies and tokens
//! cannot reach the log through it.

use crate::settings::LogLevel;
use axum::http::Method;
use std::time::Duration;
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

/// The request's line in the log, once it has been answered (`edge` calls this for every
/// request). `path` is the path only: a query string may carry a token in a careless client's
/// hands. It is capped and escaped here: the path is the client's choice, and a log line is no
/// place for 8 KB of it.
pub fn request_line(method: &Method, path: &str, status: u16, took: Duration) {
    // The cap and escaping cost an allocation, so they are paid only when the line is written.
    if tracing::enabled!(target: "authlab::http", Level::INFO) {
        let path = crate::auth::echo::shown_cow(path, 128);
        tracing::info!(
            target: "authlab::http",
            %method,
            %path,
            status,
            micros = took.as_micros() as u64,
            "request"
        );
    }
}
