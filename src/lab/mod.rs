//! The lab's experiments: the requests a lesson or a page asks the server to make or to keep, and
//! what they keep between requests. Every experiment goes through the server's real router and
//! checks (`in_process`), so what it shows is what the server did.
//!
//! - `logout_matrix`: every access-ending event against every model, run for real;
//! - `replay`: a thief's copy of a session id or refresh token (kept by `store::captures`),
//!   replayed;
//! - `cross_site_probe` (kept by `store::probes`), `forgery_site`: what cross-site requests
//!   carried;
//! - `attacks`: the attack lab, each attack run against the real checks;
//! - `cost_benchmark`: what each kind of check costs this server, timed now;
//! - `request_size`: the bytes a request really sent; `jwks_check`: a verifier holding only the
//!   JWKS; `role_claim`: a token's role claim beside the accounts table's.

pub mod attacks;
pub mod cost_benchmark;
pub mod cross_site_probe;
pub mod forgery_site;
pub mod in_process;
pub mod in_process_agent;
pub mod jwks_check;
pub mod logout_matrix;
pub mod processes;
pub mod redis_process;
pub mod replay;
pub mod request_size;
pub mod role_claim;
pub mod scale;
pub mod scratch;
pub mod steal_replay;
pub mod workbench_forge;
pub mod wrong_claim;
pub mod xss_victim;

use crate::api::{error::ApiError, extract::auth_user::AuthUser};
use crate::auth::rate_limit::Limiter;
use crate::state::AppState;
use axum::{http::HeaderMap, Router};
use std::sync::{
    atomic::{AtomicBool, Ordering},
    Arc,
};

/// The admission every bounded experiment starts with, before it does any work:
/// - the request comes from our own pages. A cookie request already passed the origin and CSRF
///   checks in `AuthUser`; a bearer one cannot be forged by another site, but a browser-sent one
///   must still come from our own pages (stops another site spending a learner's budget);
/// - the account has budget left in `budget` (stops one student keeping the server busy).
///
/// `runs` names what is counted, for the 429 ("cost benchmark runs").
pub async fn admit(
    headers: &HeaderMap,
    user: &AuthUser,
    budget: &dyn Limiter,
    runs: &str,
) -> Result<(), ApiError> {
    crate::api::extract::login_origin_check(headers)?;
    budget
        .check(&user.user_id().to_string())
        .await
        .map_err(|retry| ApiError::RateLimited {
            what: format!("{runs} for this account"),
            retry,
        })
}

/// `admit`, then this server's one slot for the experiment (`running`); `busy` is the 429's
/// reason when another run holds it. Keep the returned guard for the whole run.
pub async fn admit_one(
    headers: &HeaderMap,
    user: &AuthUser,
    budget: &dyn Limiter,
    runs: &str,
    running: &Arc<AtomicBool>,
    busy: &str,
) -> Result<OneAtATime, ApiError> {
    admit(headers, user, budget, runs).await?;
    OneAtATime::claim(running).ok_or_else(|| ApiError::Busy(busy.into()))
}

/// Marks an experiment as running on this server; dropping it (the run finished, failed, or was
/// abandoned because the client hung up and the handler's future was dropped) frees the slot.
pub struct OneAtATime(Arc<AtomicBool>);

impl OneAtATime {
    pub fn claim(flag: &Arc<AtomicBool>) -> Option<OneAtATime> {
        (!flag.swap(true, Ordering::SeqCst)).then(|| OneAtATime(flag.clone()))
    }
}

impl Drop for OneAtATime {
    fn drop(&mut self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

/// A run of the signed-in learner's in `records` (a cross-site probe, an XSS-card run), out of
/// their attack-lab budget, under a nonce the server makes: only they will read its result.
pub async fn start_run<T: Clone + Default>(
    state: &AppState,
    headers: &HeaderMap,
    user: &AuthUser,
    records: &crate::store::probes::Probes<T>,
) -> Result<axum::Json<crate::wire::LabRunStarted>, ApiError> {
    attacks::admit_run(state, headers, user).await?;
    let run = records.start(user.user_id(), crate::db::unix_now());
    Ok(axum::Json(crate::wire::LabRunStarted { run }))
}

/// The experiment routes (under `/api/lab/` and the replay endpoints), merged into the API.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(replay::router())
        .merge(logout_matrix::router())
        .merge(role_claim::router())
        .merge(forgery_site::router())
        .merge(request_size::router())
        .merge(cost_benchmark::router())
        .merge(jwks_check::router())
        .merge(cross_site_probe::router())
        .merge(scale::router())
        .merge(attacks::router())
        .merge(xss_victim::router())
        .merge(steal_replay::router())
        .merge(wrong_claim::router())
        .merge(workbench_forge::router())
}
