//! The server's log. One line per request with method, path, status and duration, and nothing
//! else from the request: no query string, no headers, no body, so passwords, cookies and tokens
//! cannot reach the log through it.

mod batched;
pub mod echo;

use crate::settings::LogLevel;
use axum::http::Method;
use batched::BatchedWriter;
pub use batched::Guard;
use std::{
    io::IsTerminal,
    sync::{
        atomic::{AtomicUsize, Ordering},
        OnceLock,
    },
    time::Duration,
};
use tracing::Level;
use tracing_subscriber::{filter::Targets, layer::SubscriberExt, util::SubscriberInitExt};

/// The writer `init` installed, for its count of dropped lines.
static WRITER: OnceLock<BatchedWriter> = OnceLock::new();

/// The dropped total the log last said (or tried to say) it had lost.
static REPORTED: AtomicUsize = AtomicUsize::new(0);

/// The filter: our own events at `level`, everyone else's (sqlx, hyper, leptos) at warn.
pub fn filter(level: LogLevel) -> Targets {
    Targets::new()
        .with_default(Level::WARN)
        .with_target("authlab", level.as_tracing())
}

/// Install the global subscriber, printing to stdout. A request formats its line and appends it
/// to a buffer; a thread of its own writes the buffer out every few milliseconds
/// (`batched`), so no request waits on the write itself. Stops: a log nobody reads (a pipe left
/// unread, a terminal paused with Ctrl-S) filling up and then blocking every request thread in
/// `write`, which stopped the whole server (`tests/server/server_log.rs`); past `batched::CAPACITY`
/// bytes waiting, lines are dropped and counted. Colours only on a terminal: a log file gets
/// plain lines.
///
/// Keep the returned guard for the life of the process: dropping it writes what is still waiting.
/// `None` when a subscriber was already installed, or the writer thread could not start (then
/// nothing is logged, and the server still serves).
pub fn init(level: LogLevel) -> Option<Guard> {
    let stdout = std::io::stdout();
    let ansi = stdout.is_terminal();
    let (writer, guard) = match batched::start(stdout) {
        Ok(started) => started,
        Err(err) => {
            eprintln!("authlab: the log's writer thread did not start ({err}): no log");
            return None;
        }
    };
    let _ = WRITER.set(writer.clone());
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_target(true)
                .with_ansi(ansi)
                .with_writer(writer),
        )
        .with(filter(level))
        .try_init()
        .ok()
        .map(|()| guard)
}

/// The request's line in the log, once it has been answered (`edge` calls this for every
/// request). `path` is the path only: a query string may carry a token in a careless client's
/// hands. It is capped and escaped here: the path is the client's choice, and a log line is no
/// place for 8 KB of it.
pub fn request_line(method: &Method, path: &str, status: u16, took: Duration) {
    report_dropped();
    // The cap and escaping cost an allocation, so they are paid only when the line is written.
    if tracing::enabled!(target: "authlab::http", Level::INFO) {
        let path = crate::logging::echo::shown_cow(path, 128);
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

/// Log lines dropped since the start because the log's reader fell behind (`/api/health` shows
/// it).
pub fn dropped_lines() -> usize {
    WRITER.get().map_or(0, BatchedWriter::dropped_lines)
}

/// A gap in the log is said in the log: after lines were dropped, the next request's line is
/// preceded by a warning with the total dropped so far. While the buffer is still full, that
/// warning is dropped too, and the next request tries again, so the first warning that gets
/// through carries the full count.
fn report_dropped() {
    let dropped = dropped_lines();
    let reported = REPORTED.load(Ordering::Relaxed);
    if dropped > reported
        && REPORTED
            .compare_exchange(reported, dropped, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
    {
        tracing::warn!(
            target: "authlab::log",
            dropped_since_start = dropped,
            "log lines were dropped: the log's reader fell behind"
        );
    }
}
