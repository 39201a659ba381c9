//! The authentication core: policy with no HTTP types, one concept per file. `judge` decides a
//! request from what it `presented`; account events, logout and the refresh exchange are services
//! here returning `error::AuthError`. The HTTP layer (`api::extract`) turns decisions into axum
//! extractors and API errors.

pub mod account_cache;
pub mod account_events;
pub mod attacker_site;
mod core;
pub mod cost;
pub mod credentials;
pub mod csrf;
pub mod decision;
pub mod device;
pub mod dpop;
pub mod error;
pub mod follow_changes;
pub mod hash_workers;
pub mod judge;
pub mod jwks_verifier;
pub mod jwt;
pub mod keys;
pub mod last_seen;
pub mod login_backoff;
pub mod password;
pub mod presented;
pub mod rate_limit;
pub mod redis_limiter;
pub mod refresh;
pub mod revocation;
pub mod session;
pub mod token_exchange;
pub mod weak_secret;

pub use self::core::Auth;
