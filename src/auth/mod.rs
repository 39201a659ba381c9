//! The server-side authentication core, one concept per file.

pub mod account_events;
pub mod admin;
pub mod auth_user;
pub mod bearer_user;
pub mod cookie_user;
pub mod credentials;
pub mod csrf;
pub mod decision;
pub mod echo;
pub mod jwks_verifier;
pub mod jwt;
pub mod keys;
pub mod last_seen;
pub mod login_backoff;
pub mod password;
pub mod rate_limit;
pub mod refresh;
pub mod revocation;
pub mod session;
pub mod session_cookie;
pub mod session_store;
