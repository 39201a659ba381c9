//! The state every handler and server-rendered page can reach, built once in `main`.

use crate::{
    api::replay::Captures,
    audit::Audit,
    auth::{
        keys::KeyRing, password::PasswordHasher, refresh::RefreshTokens, revocation::Revocation,
        session::Sessions,
    },
    db::account_settings::AccountSettings,
    settings::Settings,
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
    pub account_settings: Arc<AccountSettings>,
    pub keys: Arc<KeyRing>,
    pub refresh: Arc<RefreshTokens>,
    pub revocation: Arc<Revocation>,
    pub audit: Arc<Audit>,
    pub settings: Arc<Settings>,
    /// Session cookies the lab keeps for replay experiments (see `api::replay`).
    pub captures: Arc<Captures>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
