//! The state every handler and server-rendered page can reach, built once in `main`.

use crate::{
    audit::{stream_slots::StreamSlots, Audit},
    auth::rate_limit::Limits,
    auth::{
        keys::KeyRing, password::PasswordHasher, refresh::RefreshTokens, revocation::Revocation,
        session::Sessions,
    },
    db::account_settings::AccountSettings,
    hosting::Hosting,
    settings::Settings,
    store::{captures::CaptureStore, probes::Probes, SharedStore},
};
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sqlx::SqlitePool;
use std::sync::Arc;

/// The state, shared: cloning it (axum does, for every request and layer) is one reference count.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    pub fn new(shared: Shared) -> AppState {
        AppState(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

pub struct Shared {
    /// Where the built site lives and how the HTML shell links the bundle.
    pub leptos_options: LeptosOptions,
    /// The bundle's hashed file names, which may be cached for good (`static_files`).
    pub bundle: Arc<crate::static_files::HashedBundle>,
    /// The built site's files, held in memory in a release build (`site_files`).
    pub site_files: Arc<crate::site_files::SiteFiles>,
    pub db: SqlitePool,
    pub passwords: Arc<PasswordHasher>,
    pub sessions: Arc<Sessions>,
    /// The accounts session checks read (`session.cache_accounts`); every write to an account
    /// calls `changed`.
    pub accounts: Arc<crate::auth::account_cache::AccountCache>,
    pub account_settings: Arc<AccountSettings>,
    pub keys: Arc<KeyRing>,
    pub refresh: Arc<RefreshTokens>,
    pub revocation: Arc<Revocation>,
    /// Where sessions, refresh families and the denylist live (`[store] url`).
    pub shared_store: SharedStore,
    pub audit: Arc<Audit>,
    pub settings: Arc<Settings>,
    /// Which host names this server answers, and whether the demo accounts are public.
    pub hosting: Arc<Hosting>,
    /// Rate limits (429 with Retry-After).
    pub limits: Arc<Limits>,
    /// Session cookies the lab keeps for replay experiments (see `lab::replay`).
    pub captures: Arc<dyn CaptureStore>,
    /// Set to `true` when the server shuts down: live event streams end on it.
    pub shutdown: Arc<tokio::sync::watch::Sender<bool>>,
    /// Live event streams open per account (capped at `server.max_event_streams_per_user`).
    pub streams: Arc<StreamSlots>,
    /// Whether a logout-matrix run is under way on this server (one at a time).
    pub matrix_running: Arc<std::sync::atomic::AtomicBool>,
    /// Whether a cost benchmark (the cost lesson's) is under way on this server (one at a time).
    pub cost_running: Arc<std::sync::atomic::AtomicBool>,
    /// Which accounts have an attack-lab run under way (one at a time per account).
    pub attack_runs: Arc<crate::store::turns::OnePerAccount>,
    /// The device cookies' signing key, the same on every process sharing the accounts
    /// database (`auth::device`).
    pub device_key: Arc<crate::auth::device::DeviceKey>,
    /// The scale lab's runs, one at a time, the others waiting their turn.
    pub scale_queue: Arc<crate::store::scale_queue::ScaleQueue>,
    /// What cross-site links carried, for the forgery lesson (see `lab::cross_site_probe`).
    pub probes: Arc<Probes<crate::wire::ProbeResult>>,
    /// What the attack lab's XSS card's injected script got (see `lab::xss_victim`).
    pub xss_runs: Arc<Probes<crate::wire::XssResult>>,
    /// What authentication cost on each account's recent requests (`auth::cost`).
    pub auth_costs: Arc<crate::auth::cost::AuthCosts>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
