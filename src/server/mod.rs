//! Assembling the server: state from settings, then the router (JSON API, server-rendered pages,
//! static bundle). `main` calls these in order; the integration tests call the very same functions.

pub mod attacker_site;
pub mod edge;
pub mod serve;

use crate::wire::paths;
use crate::{
    api,
    app::{shell, App},
    auth::{
        account_cache::AccountCache,
        attacker_site::AttackerSite,
        keys::{KeyError, KeyRing},
        password::{HashError, PasswordHasher},
        rate_limit::Limits,
        refresh::RefreshTokens,
        revocation::Revocation,
        session::Sessions,
        Auth,
    },
    db::{self, account_settings::AccountSettings, DbError},
    http::site_files::SiteFiles,
    http::static_files::HashedBundle,
    settings::{Settings, StoreUrl},
    state::{AppState, Lab, Shared, Site},
    store::{
        bff_vault::{memory::MemoryBffVault, redis::RedisBffVault, BffVault},
        captures::{memory::MemoryCaptures, redis::RedisCaptures, CaptureStore},
        changes::Announcer,
        denylist::{memory::MemoryDenylist, redis::RedisDenylist, Denylist},
        proof_jtis::{memory::MemoryProofJtis, redis::RedisProofJtis, ProofJtis},
        redis::Redis,
        refresh::{memory::MemoryRefresh, redis::RedisRefresh, RefreshStore},
        sessions::{memory::MemorySessions, redis::RedisSessions, SessionStore},
        SharedStore, StoreError,
    },
};
use axum::Router;
use leptos::config::{Env, LeptosOptions};
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::{sync::Arc, time::Duration};

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Settings(#[from] crate::settings::SettingsError),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("seeding the demo accounts failed: {0}")]
    Seed(#[from] crate::demo::SeedError),
    #[error(transparent)]
    Hash(#[from] HashError),
    #[error("signing keys: {0}")]
    Keys(#[from] KeyError),
    #[error("database: {0}")]
    Sql(#[from] sqlx::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error("server error: {0}")]
    Serve(std::io::Error),
}

/// Where the built site is and what the bundle is called. cargo-leptos passes these as `LEPTOS_*`
/// variables when it runs the server; the defaults match `[package.metadata.leptos]` so the binary
/// also runs on its own (and under `cargo test`).
pub fn site(settings: &Settings) -> Site {
    let var = |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.into());
    let env = match var("LEPTOS_ENV", "PROD").to_ascii_uppercase().as_str() {
        "DEV" | "DEVELOPMENT" => Env::DEV,
        _ => Env::PROD,
    };
    let output_name = var("LEPTOS_OUTPUT_NAME", "authlab");
    let site_root = var("LEPTOS_SITE_ROOT", "target/site");
    let pkg_dir = var("LEPTOS_SITE_PKG_DIR", "pkg");
    let hash_file = var("LEPTOS_HASH_FILE_NAME", "hash.txt");
    // Hashed names only when the build wrote them and every file is there: Leptos panics while
    // rendering a page if it is told to hash and the hash file is missing.
    let bundle = HashedBundle::find(
        &HashedBundle::hash_file_beside_binary(&hash_file),
        std::path::Path::new(&site_root),
        &pkg_dir,
        &output_name,
    );
    let files = match env {
        Env::PROD => SiteFiles::load(std::path::Path::new(&site_root)),
        Env::DEV => SiteFiles::default(),
    };
    if !files.is_empty() {
        tracing::info!(target: "authlab::server", files = files.len(), "the built site is held in memory");
    }
    let options = LeptosOptions::builder()
        .output_name(output_name)
        .site_root(site_root)
        .site_pkg_dir(pkg_dir)
        .hash_file(hash_file.into())
        .hash_files(bundle.in_use())
        .site_addr(settings.listen)
        .env(env)
        .build();
    Site {
        options,
        bundle: Arc::new(bundle),
        files: Arc::new(files),
    }
}

/// Open the database, seed it, and build the shared state.
pub async fn build_state(settings: Settings, site: Site) -> Result<AppState, StartError> {
    let db = db::open(&settings.database_url).await?;
    let passwords = Arc::new(PasswordHasher::new(
        settings.passwords.hash_pool_size(),
        settings.passwords.max_queued_hashes,
        settings.passwords.max_hashes_per_account,
    )?);
    let hosting = Arc::new(crate::http::hosting::Hosting::new(&settings));
    let public = hosting.demo_accounts_public();
    // Hosted, the lock-down always runs; on loopback, seeding can be switched off.
    if !public || settings.seed_demo_accounts {
        let prepared = crate::demo::prepare(
            &*db.users,
            &passwords,
            public,
            &settings.hosting.admin_password,
        )
        .await?;
        if prepared.created > 0 {
            tracing::info!(target: "authlab::seed", created = prepared.created, "demo accounts seeded");
        }
        if !prepared.disabled.is_empty() {
            tracing::warn!(target: "authlab::seed", disabled = ?prepared.disabled,
                "hosted: demo accounts that still had their public password are disabled");
        }
        if !public && !prepared.hosted_admin {
            tracing::warn!(target: "authlab::seed", demoted = ?prepared.demoted,
                "hosted without hosting.admin_password: no administrator exists");
        }
    }
    // The teachers the settings name, each with the settings' password.
    let teachers =
        crate::demo::seed_teachers(&*db.users, &passwords, &settings.hosting.teachers).await?;
    if !teachers.is_empty() {
        tracing::info!(target: "authlab::seed", ?teachers, "teacher accounts from the settings");
    }
    let stores = shared_stores(&settings, &db)?;
    // Tells the other processes sharing the store what changed here (nobody, on SQLite).
    let announcer = Announcer::for_store(&stores.which);
    let accounts = Arc::new(AccountCache::new(
        db.users.clone(),
        settings.session.cache_accounts,
        announcer.clone(),
    ));
    let sessions = Arc::new(Sessions::new(
        stores.sessions,
        db.users.clone(),
        accounts.clone(),
        settings.session.idle_timeout_secs,
        settings.session.absolute_timeout_secs,
        settings.retention.ended_sessions_secs,
    ));
    let default_same_site = settings.session.same_site;
    let device_key = db
        .maintenance
        .device_key(crate::auth::device::new_key_bytes())
        .await?;
    let challenges = Arc::new(crate::challenges::Challenges::new(db.progress.clone()));
    let classes = Arc::new(crate::classes::Classes::new(
        db.classes.clone(),
        challenges.clone(),
        Arc::new(crate::classes::feed::ClassFeed::new(announcer.clone())),
    ));
    let auth = Auth {
        accounts,
        account_settings: Arc::new(AccountSettings::new(
            db.switches.clone(),
            db.users.clone(),
            default_same_site,
            announcer.clone(),
        )),
        keys: Arc::new(
            KeyRing::load(
                db.keys.clone(),
                announcer.clone(),
                settings.jwt.max_published_keys,
            )
            .await?,
        ),
        attacker: Arc::new(AttackerSite::new(&hosting.attacker_origins())?),
        refresh: Arc::new(RefreshTokens::new(
            stores.refresh,
            settings.jwt.refresh_ttl_secs,
            settings.jwt.refresh_family_max_secs,
        )),
        revocation: Arc::new(Revocation::load(stores.denylist, db.marks.clone(), announcer).await?),
        proof_jtis: stores.proof_jtis,
        bff_vault: stores.bff_vault,
        shared_store: stores.which,
        challenges,
        classes,
        audit: Arc::new(crate::audit::Audit::new(
            db.audit.clone(),
            settings.limits.audit_refusals_per_minute,
            settings.limits.audit_allowed_reads_per_minute,
            settings.limits.audit_allowed_writes_per_minute,
        )),
        users: db.users.clone(),
        passwords,
        sessions,
        jwt: settings.jwt.clone(),
        shutdown: Arc::new(tokio::sync::watch::Sender::new(false)),
    };
    Ok(AppState::new(Shared {
        auth: Arc::new(auth),
        site,
        lab: Lab {
            captures: stores.captures,
            matrix_running: Arc::default(),
            cost_running: Arc::default(),
            attack_runs: Arc::default(),
            scale_queue: Arc::default(),
            probes: Arc::default(),
            xss_runs: Arc::default(),
        },
        hosting,
        maintenance: db.maintenance.clone(),
        limits: Arc::new(stores.limits),
        settings: Arc::new(settings),
        device_key: Arc::new(crate::auth::device::DeviceKey::new(device_key)),
        streams: Arc::default(),
        auth_costs: Arc::default(),
    }))
}

/// The stores of the state server processes share, where `[store] url` says.
struct SharedStores {
    which: SharedStore,
    sessions: Arc<dyn SessionStore>,
    refresh: Arc<dyn RefreshStore>,
    denylist: Arc<dyn Denylist>,
    proof_jtis: Arc<dyn ProofJtis>,
    bff_vault: Arc<dyn BffVault>,
    captures: Arc<dyn CaptureStore>,
    limits: Limits,
}

fn shared_stores(settings: &Settings, db: &db::Database) -> Result<SharedStores, StoreError> {
    Ok(match &settings.store.url {
        StoreUrl::Embedded => SharedStores {
            which: SharedStore::Embedded,
            sessions: db.sessions.clone(),
            refresh: db.refresh.clone(),
            denylist: db.denylist.clone(),
            proof_jtis: db.proof_jtis.clone(),
            bff_vault: db.bff_vault.clone(),
            captures: Arc::new(MemoryCaptures::default()),
            limits: Limits::local(&settings.limits),
        },
        StoreUrl::Memory => SharedStores {
            which: SharedStore::Memory,
            sessions: Arc::new(MemorySessions::default()),
            refresh: Arc::new(MemoryRefresh::default()),
            denylist: Arc::new(MemoryDenylist::default()),
            proof_jtis: Arc::new(MemoryProofJtis::default()),
            bff_vault: Arc::new(MemoryBffVault::default()),
            captures: Arc::new(MemoryCaptures::default()),
            limits: Limits::local(&settings.limits),
        },
        StoreUrl::Redis(url) => {
            // Lazy: the server starts while Redis is away; its session and refresh requests
            // answer 503 until Redis is back.
            let redis = Redis::connect(url, &settings.store.prefix)?;
            let secs = |s: u64| i64::try_from(s).unwrap_or(i64::MAX);
            SharedStores {
                which: SharedStore::Redis(redis.clone()),
                sessions: Arc::new(RedisSessions::new(
                    redis.clone(),
                    secs(settings.session.absolute_timeout_secs),
                    secs(settings.retention.ended_sessions_secs),
                )),
                refresh: Arc::new(RedisRefresh::new(
                    redis.clone(),
                    secs(settings.jwt.refresh_family_max_secs),
                )),
                denylist: Arc::new(RedisDenylist::new(redis.clone())),
                proof_jtis: Arc::new(RedisProofJtis::new(redis.clone())),
                bff_vault: Arc::new(RedisBffVault::new(redis.clone())),
                captures: Arc::new(RedisCaptures::new(redis.clone())),
                limits: Limits::shared(&settings.limits, &redis),
            }
        }
    })
}

/// The whole HTTP surface.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let options = state.site.options.clone();
    let edge = Arc::new(crate::server::edge::Edge::new(
        state.hosting.clone(),
        &state.settings.node_id,
        Duration::from_secs(state.settings.server.request_timeout_secs),
        state.site.bundle.clone(),
        state.auth_costs.clone(),
    ));
    Router::new()
        // Timed for the learner and never cached, in `edge`.
        .merge(api::router(
            crate::lab::router().merge(crate::bff::router()),
        ))
        // Browsers ask for /favicon.ico on pages without an icon link (a JSON answer, say).
        .route(
            "/favicon.ico",
            axum::routing::get(|| async { axum::response::Redirect::permanent("/favicon.svg") }),
        )
        .route(
            paths::attacker::CSRF,
            axum::routing::get(crate::server::attacker_site::csrf_page),
        )
        .route(
            paths::attacker::LINK,
            axum::routing::get(crate::server::attacker_site::link_page),
        )
        .route(
            paths::attacker::JWKS,
            axum::routing::get(crate::server::attacker_site::jwks),
        )
        // Server-rendered pages can reach the state (the SSR lesson resolves the page request's
        // session cookie while rendering).
        .leptos_routes_with_context(
            &state,
            routes,
            {
                let state = state.clone();
                move || {
                    leptos::prelude::provide_context(state.clone());
                    // The page's CSP names the attacker origin (`security_headers::page_policy`).
                    leptos::prelude::provide_context(state.hosting.clone());
                }
            },
            move || shell(options.clone()),
        )
        // The site's files from memory (`site_files`); anything else, a page's 404 included, as
        // leptos_axum answers it.
        .fallback({
            let leptos_files = leptos_axum::file_and_error_handler::<AppState, _>(shell);
            move |uri: axum::http::Uri,
                  axum::extract::State(state): axum::extract::State<AppState>,
                  request: axum::extract::Request| async move {
                match state
                    .site
                    .files
                    .answer(request.method(), uri.path(), request.headers())
                {
                    Some(response) => response,
                    None => leptos_files(uri, axum::extract::State(state), request).await,
                }
            }
        })
        // The log, the node's name, the security headers, the host check, the request timeout,
        // the API's measured cost and `no-store`, and the static files' cache policy, in that
        // order from the outside in (`edge`).
        .layer(crate::server::edge::EdgeLayer(edge))
        .with_state(state)
}

/// Housekeeping every `period`: expired session records, denylist entries past their token's
/// `exp`, rotated-out keys whose last token has expired, retention of the logs and refresh
/// tokens, expired scratch accounts, idle rate-limit buckets and the count of unattributed
/// refusals.
pub fn spawn_maintenance(state: AppState, period: std::time::Duration) {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(period);
        ticker.tick().await;
        let key_lifetime =
            // The longest a token of a rotated-out key can live: the server default or the
            // longest lifetime an account may choose, plus the leeway.
            (state.settings.jwt.access_ttl_secs.max(*crate::wire::ACCESS_TTL_RANGE.end())
                + state.settings.jwt.leeway_secs) as i64;
        // 0 switches the demo reset off (the browser suite, which uses the demo accounts).
        let demo_every = state.settings.hosting.demo_reset_secs;
        let mut last_demo_reset = std::time::Instant::now();
        loop {
            ticker.tick().await;
            if demo_every > 0 && last_demo_reset.elapsed().as_secs() >= demo_every {
                last_demo_reset = std::time::Instant::now();
                match crate::demo::reset_shared(&state).await {
                    Ok(reset) if reset > 0 => {
                        tracing::info!(target: "authlab::maintenance", reset, "demo accounts reset")
                    }
                    Ok(_) => {}
                    Err(err) => {
                        tracing::warn!(target: "authlab::maintenance", %err, "demo reset failed")
                    }
                }
            }
            if let Err(err) = state.auth.sessions.delete_expired().await {
                tracing::warn!(target: "authlab::maintenance", %err, "session cleanup failed");
            }
            if let Err(err) = state.auth.revocation.purge_expired().await {
                tracing::warn!(target: "authlab::maintenance", %err, "denylist purge failed");
            }
            if let Err(err) = state
                .auth
                .proof_jtis
                .purge_expired(crate::db::unix_now())
                .await
            {
                tracing::warn!(target: "authlab::maintenance", %err, "DPoP replay cache purge failed");
            }
            if let Err(err) = state
                .auth
                .bff_vault
                .purge_expired(crate::db::unix_now())
                .await
            {
                tracing::warn!(target: "authlab::maintenance", %err, "BFF vault purge failed");
            }
            if let Err(err) = state.auth.keys.retire_expired(key_lifetime).await {
                tracing::warn!(target: "authlab::maintenance", %err, "key retirement failed");
            }
            maintain_once(&state).await;
        }
    });
}

/// The maintenance steps that need no timer state (tests call this directly).
pub async fn maintain_once(state: &AppState) {
    // Purge what is written: the queue first.
    state.auth.audit.flush().await;
    let now = crate::db::unix_now();
    match state
        .maintenance
        .purge(&state.settings.retention, now)
        .await
    {
        Ok(purged) if purged != crate::db::retention::Purged::default() => {
            tracing::info!(target: "authlab::maintenance", ?purged, "retention purge")
        }
        Ok(_) => {}
        Err(err) => tracing::warn!(target: "authlab::maintenance", %err, "retention purge failed"),
    }
    // Classes whose end has come close (their members' accounts expire, if the class says so)
    // before expired accounts are deleted.
    match state.auth.classes.close_due().await {
        Ok(0) => {}
        Ok(closed) => {
            tracing::info!(target: "authlab::maintenance", closed, "classes closed at their end")
        }
        Err(err) => tracing::warn!(target: "authlab::maintenance", %err, "closing classes failed"),
    }
    match crate::lab::scratch::expiry::delete_expired(state).await {
        Ok(0) => {}
        Ok(deleted) => {
            tracing::info!(target: "authlab::maintenance", deleted, "expired scratch accounts deleted")
        }
        Err(err) => tracing::warn!(target: "authlab::maintenance", %err, "scratch cleanup failed"),
    }
    state.limits.forget_idle();
    state.auth.audit.write_suppressed_summary().await;
}

/// Resolve on Ctrl-C or SIGTERM, so the database is closed cleanly.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
