//! The state every handler and server-rendered page can reach, built once in `main`.

use crate::{
    audit::stream_slots::StreamSlots,
    auth::{rate_limit::Limits, Auth},
    http::hosting::Hosting,
    settings::Settings,
    store::{captures::CaptureStore, probes::Probes},
};
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
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

/// The app, in a few parts: the auth core, the built site, the experiments' own state, and what
/// the HTTP layer itself keeps.
pub struct Shared {
    /// What the auth core works with (`auth::Auth`): the judges take only this.
    pub auth: Arc<Auth>,
    pub site: Site,
    pub lab: Lab,
    pub settings: Arc<Settings>,
    /// Which host names this server answers, and whether the demo accounts are public.
    pub hosting: Arc<Hosting>,
    /// The database's own upkeep: the health ping, the retention pass.
    pub maintenance: Arc<dyn crate::db::maintenance::Maintenance>,
    /// Rate limits (429 with Retry-After).
    pub limits: Arc<Limits>,
    /// The device cookies' signing key, the same on every process sharing the accounts
    /// database (`auth::device`).
    pub device_key: Arc<crate::auth::device::DeviceKey>,
    /// Live event streams open per account (capped at `server.max_event_streams_per_user`).
    pub streams: Arc<StreamSlots>,
    /// What authentication cost on each account's recent requests (`auth::cost`).
    pub auth_costs: Arc<crate::auth::cost::AuthCosts>,
}

/// The built site the server serves: Leptos' options (where it is, how the shell links the
/// bundle), the bundle's hashed names, and the files, found once at start-up (`server::site`).
#[derive(Clone)]
pub struct Site {
    /// Where the built site lives and how the HTML shell links the bundle.
    pub options: LeptosOptions,
    /// The bundle's hashed file names, which may be cached for good (`static_files`).
    pub bundle: Arc<crate::http::static_files::HashedBundle>,
    /// A release site's files, in memory; none in development, whose files change under the
    /// running server (`site_files`).
    pub files: Arc<crate::http::site_files::SiteFiles>,
}

/// The experiments' own state.
pub struct Lab {
    /// Session cookies the lab keeps for replay experiments (see `lab::replay`).
    pub captures: Arc<dyn CaptureStore>,
    /// Whether a logout-matrix run is under way on this server (one at a time).
    pub matrix_running: Arc<std::sync::atomic::AtomicBool>,
    /// Whether a cost benchmark (the cost lesson's) is under way on this server (one at a time).
    pub cost_running: Arc<std::sync::atomic::AtomicBool>,
    /// Which accounts have an attack-lab run under way (one at a time per account).
    pub attack_runs: Arc<crate::store::turns::OnePerAccount>,
    /// The scale lab's runs, one at a time, the others waiting their turn.
    pub scale_queue: Arc<crate::store::scale_queue::ScaleQueue>,
    /// What cross-site links carried, for the forgery lesson (see `lab::cross_site_probe`).
    pub probes: Arc<Probes<crate::wire::ProbeResult>>,
    /// What the attack lab's XSS card's injected script got (see `lab::xss_victim`).
    pub xss_runs: Arc<Probes<crate::wire::XssResult>>,
}

impl FromRef<AppState> for Arc<Auth> {
    fn from_ref(state: &AppState) -> Self {
        state.auth.clone()
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.site.options.clone()
    }
}
