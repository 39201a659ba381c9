//! The state every handler and server-rendered page can reach, built once in `main`.

use crate::{
    auth::{password::PasswordHasher, session::Sessions},
    settings::Settings,
    wire::SameSite,
};
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sqlx::SqlitePool;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    /// Where the built site lives and how the HTML shell links the bundle.
    pub leptos_options: LeptosOptions,
    pub db: SqlitePool,
    pub passwords: Arc<PasswordHasher>,
    pub sessions: Arc<Sessions>,
    pub settings: Arc<Settings>,
}

impl AppState {
    /// SameSite for accounts that never chose one (validated when the settings were loaded).
    pub fn default_same_site(&self) -> SameSite {
        SameSite::parse(&self.settings.session.same_site).unwrap_or_default()
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
