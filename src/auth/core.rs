//! `Auth`: what the auth core works with, and nothing else. The judges, the account events, the
//! token exchange and the change follower take `&Auth`, not the whole app: no site files, no lab
//! records, no "one run at a time" flags. So the core can be called (and tested) without the app
//! around it, and what it may touch is this list.
//!
//! The app holds it behind one `Arc` (`AppState::auth`); an axum handler or extractor that needs
//! only the core gets it with `State<Arc<Auth>>` (`FromRef`, in `state.rs`).

use super::{
    account_cache::AccountCache, attacker_site::AttackerSite, keys::KeyRing,
    password::PasswordHasher, refresh::RefreshTokens, revocation::Revocation, session::Sessions,
};
use crate::{
    audit::Audit,
    db::{account_settings::AccountSettings, users::Users},
    settings::JwtSettings,
    store::SharedStore,
};
use std::sync::Arc;
use tokio::sync::watch;

pub struct Auth {
    /// The accounts table (`db::users`): its reads, and the account events' writes.
    pub users: Arc<dyn Users>,
    pub passwords: Arc<PasswordHasher>,
    pub sessions: Arc<Sessions>,
    /// The accounts session checks read (`session.cache_accounts`); every write to an account
    /// calls `changed`.
    pub accounts: Arc<AccountCache>,
    /// Each account's lab switches.
    pub account_settings: Arc<AccountSettings>,
    pub keys: Arc<KeyRing>,
    /// The attacker site's key pairs: what a forged token's `jwk` or `jku` brings, used only for
    /// an account that switched that defence off.
    pub attacker: Arc<AttackerSite>,
    pub refresh: Arc<RefreshTokens>,
    pub revocation: Arc<Revocation>,
    /// The DPoP proofs already used, per key (`auth::dpop`), in the shared store.
    pub proof_jtis: Arc<dyn crate::store::proof_jtis::ProofJtis>,
    /// The tokens BFF logins hold on the server (`crate::bff`), in the shared store.
    pub bff_vault: Arc<dyn crate::store::bff_vault::BffVault>,
    /// Where sessions, refresh families and the denylist live (`[store] url`).
    pub shared_store: SharedStore,
    pub audit: Arc<Audit>,
    /// The challenges' events, judged as they arrive (`crate::challenges`).
    pub challenges: Arc<crate::challenges::Challenges>,
    /// The classes teachers open and learners join (`crate::classes`).
    pub classes: Arc<crate::classes::Classes>,
    /// Issuer, audience, lifetimes and leeway of the tokens.
    pub jwt: JwtSettings,
    /// Set to `true` when the server shuts down: live event streams end on it.
    pub shutdown: Arc<watch::Sender<bool>>,
}
