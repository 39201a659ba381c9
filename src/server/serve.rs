//! The accept loop: hyper with a timer, rather than `axum::serve`, which gives hyper no timer and
//! so cannot time out a client that never finishes its headers. Each protection, and the threat
//! it stops:
//! - **Header-read timeout** (`server.header_read_timeout_secs`): a client must send a complete
//!   request head within it, also on an idle keep-alive connection, or the connection is closed.
//!   Stops slow-header floods (Slowloris), where a few hundred half-open requests hold every
//!   connection the server has.
//! - **Connection limit** (`server.max_connections`): at most that many connections are served
//!   at once; further ones wait in the kernel's accept queue instead of each costing a task and
//!   buffers.
//! - **Request timeout** (`server.request_timeout_secs`, in `edge`): a request must be
//!   answered within it (503 with a JSON reason otherwise).
//! - **Graceful shutdown**: on Ctrl-C or SIGTERM the listener closes, live event streams are told
//!   to end (`AppState::shutdown`), and in-flight requests get a few seconds to finish.
//!
//! The client's address comes from the connection (`ConnectInfo`), as
//! `into_make_service_with_connect_info` would set it.

use crate::{server::StartError, state::AppState};
use axum::{extract::ConnectInfo, Router};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::{sync::Arc, time::Duration};
use tokio::{net::TcpListener, sync::Semaphore};
use tower::ServiceExt;

/// How long in-flight requests get to finish after a shutdown signal.
const DRAIN_SECS: u64 = 5;

/// Serve `app` on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    state: &AppState,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), StartError> {
    let settings = &state.settings.server;
    let slots = Arc::new(Semaphore::new(settings.max_connections.max(1)));
    let header_timeout = Duration::from_secs(settings.header_read_timeout_secs.max(1));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .keep_alive(true);
    let builder = Arc::new(builder);
    tokio::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors, say: wait a moment instead of spinning.
                    tracing::warn!(target: "authlab::server", %err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut request| {
            request.extensions_mut().insert(ConnectInfo(peer));
            app.clone().oneshot(request)
        });
        let connection = builder.serve_connection(TokioIo::new(stream), service);
        let watched = graceful.watch(connection);
        tokio::spawn(async move {
            let _slot = slot;
            if let Err(err) = watched.await {
                tracing::debug!(target: "authlab::server", %err, %peer, "connection ended");
            }
        });
    }
    drop(listener);
    tracing::info!(target: "authlab::server", "shutting down: ending live streams, draining requests");
    state.auth.shutdown.send_replace(true);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(Duration::from_secs(DRAIN_SECS)) => {
            tracing::warn!(target: "authlab::server", "some connections did not finish in time");
        }
    }
    // Every decision made before the end is in the log: the queue is drained.
    state.auth.audit.close().await;
    Ok(())
}
