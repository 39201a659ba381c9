//! The server binary: settings -> state -> router -> serve.

/// mimalloc, not glibc's malloc. A request's memory is often freed on another worker thread than
/// the one that allocated it (a task moves; the Redis connection's task reads a reply that the
/// request's task drops), and glibc then takes the other thread's arena lock: under load, perf
/// counted more `futex` calls from that lock than from anything else in the server
/// (`scripts/bench/profile.sh`). mimalloc hands such a block back to its owner without a lock.
/// The bare reference (bench/reference) uses it too, so the benchmark compares like with like.
/// heaptrack counts only glibc's malloc: `scripts/bench/allocations.sh` builds with the
/// `system-allocator` feature.
#[cfg(all(feature = "ssr", not(feature = "system-allocator")))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[cfg(feature = "ssr")]
#[tokio::main]
async fn main() -> std::process::ExitCode {
    match serve().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("authlab: {err}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(feature = "ssr")]
async fn serve() -> Result<(), authlab::server::StartError> {
    use authlab::{logging, server, settings::Settings};

    let settings = Settings::load()?;
    // Held until `serve` returns: dropping it writes the log lines still waiting.
    let _log = logging::init(settings.log_level);
    let listen = settings.listen;
    let site = server::site(&settings);
    let cleanup_every = std::time::Duration::from_secs(settings.session.cleanup_interval_secs);
    let state = server::build_state(settings, site).await?;
    server::spawn_maintenance(state.clone(), cleanup_every);
    // With a shared store, other processes' changes reach this one's caches.
    authlab::auth::follow_changes::spawn(state.auth.clone());
    let app = server::router(state.clone());

    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|source| server::StartError::Listen {
            addr: listen,
            source,
        })?;
    tracing::info!(target: "authlab::server", "listening on http://{listen}");
    authlab::server::serve::serve(listener, app, &state, server::shutdown_signal()).await
}

/// Built without `ssr` (the WASM library build compiles this file too): nothing to run.
#[cfg(not(feature = "ssr"))]
pub fn main() {}
