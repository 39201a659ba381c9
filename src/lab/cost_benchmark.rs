//! The cost lesson's live benchmark (`POST /api/lab/cost-benchmark`): what each kind of check
//! costs this server, measured now, side by side. A signature check per algorithm (jsonwebtoken,
//! as the bearer judge calls it, on a throwaway key), a lookup in this server's session store and
//! in its denylist (whichever store it runs on: SQLite, Redis or memory), and, for scale, an
//! in-process map lookup. Each is run `ITERATIONS` times one after another and the median kept.
//!
//! Bounded: a few hundred milliseconds of work, one run at a time on the server, and
//! `limits.cost_runs_per_account` per account. The lookups ask for ids nobody holds, so nothing
//! is created or changed: the same index probe a real check makes.

use crate::wire::paths;
use crate::{
    api::{error::ApiError, extract::auth_user::AuthUser},
    auth::{jwt, keys},
    challenges::event::{Happened, LabRun},
    state::AppState,
    wire::{CostBenchmark, CostRow, JwtAlg, Role},
};
use axum::{extract::State, http::HeaderMap, routing::post, Json, Router};
use std::{collections::HashMap, hint::black_box, time::Instant};

/// Checks of each kind per run.
pub const ITERATIONS: usize = 200;

pub fn router() -> Router<AppState> {
    Router::new().route(paths::lab::COST_BENCHMARK, post(run))
}

async fn run(
    State(state): State<AppState>,
    user: AuthUser,
    headers: HeaderMap,
) -> Result<Json<CostBenchmark>, ApiError> {
    let _running = super::admit_one(
        &headers,
        &user,
        state.limits.cost_runs_per_account.as_ref(),
        "cost benchmark runs",
        &state.lab.cost_running,
        "another cost benchmark is running on this server; try again in a second",
    )
    .await?;
    let mut rows = Vec::new();
    for alg in JwtAlg::ALL {
        rows.push(signature_row(&state, alg)?);
    }
    let store = state.auth.shared_store.name();
    let id = crate::auth::csrf::new_token();
    rows.push(
        timed_async(format!("session lookup ({store})"), "lookup", || {
            state.auth.sessions.lookup_only(&id)
        })
        .await?,
    );
    rows.push(
        timed_async(format!("denylist lookup ({store})"), "lookup", || {
            state.auth.revocation.is_denied(&id)
        })
        .await?,
    );
    let map: HashMap<String, i64> = (0..10_000).map(|i| (format!("id-{i}"), i)).collect();
    rows.push(timed(
        "in-process map lookup (for scale)".into(),
        "memory",
        || map.get(black_box("id-5000")).copied(),
    ));
    // The learner's own measurement, for the challenge that asks which check was cheaper here:
    // the session lookup against the signature check of the learner's own algorithm.
    let alg = state
        .auth
        .account_settings
        .get(user.user_id())
        .await?
        .jwt_alg;
    let median = |what: &str| rows.iter().find(|r| r.what == what).map(|r| r.median_ns);
    let token_row = format!("signature check, {}", alg.as_str());
    let session_row = format!("session lookup ({store})");
    if let (Some(session_ns), Some(token_ns)) = (median(&session_row), median(&token_row)) {
        state.auth.challenges.note(
            user.user_id(),
            Happened::LabRun(LabRun::CostMeasured {
                session_ns,
                token_ns,
            }),
        );
    }
    Ok(Json(CostBenchmark {
        iterations: ITERATIONS as u32,
        rows,
    }))
}

fn timed<T>(what: String, kind: &str, mut work: impl FnMut() -> T) -> CostRow {
    let samples = (0..ITERATIONS)
        .map(|_| {
            let started = Instant::now();
            black_box(work());
            started.elapsed().as_nanos() as u64
        })
        .collect();
    CostRow {
        what,
        kind: kind.into(),
        median_ns: crate::auth::cost::median(samples),
    }
}

async fn timed_async<T, E: std::fmt::Display, F: std::future::Future<Output = Result<T, E>>>(
    what: String,
    kind: &str,
    mut work: impl FnMut() -> F,
) -> Result<CostRow, ApiError> {
    let mut samples = Vec::with_capacity(ITERATIONS);
    for _ in 0..ITERATIONS {
        let started = Instant::now();
        black_box(
            work()
                .await
                .map_err(|e| ApiError::StoreUnavailable(format!("{what}: {e}").into()))?,
        );
        samples.push(started.elapsed().as_nanos() as u64);
    }
    Ok(CostRow {
        what,
        kind: kind.into(),
        median_ns: crate::auth::cost::median(samples),
    })
}

/// A token signed by a throwaway key of `alg`, its signature checked `ITERATIONS` times the way
/// the bearer judge checks it (`jsonwebtoken::crypto::verify` with the pinned key and algorithm).
fn signature_row(state: &AppState, alg: JwtAlg) -> Result<CostRow, ApiError> {
    let key = keys::unregistered(alg).map_err(|e| ApiError::Internal(e.into()))?;
    let (token, _) = jwt::issue(
        &key,
        "cost-benchmark",
        Role::User,
        60,
        &jwt::Delivery::Bearer,
        &state.settings.jwt,
    )
    .map_err(|e| ApiError::Internal(e.into()))?;
    let Some((message, signature)) = token.rsplit_once('.') else {
        return Err(ApiError::Internal("a token without a signature".into()));
    };
    let check = || {
        jsonwebtoken::crypto::verify(
            signature,
            message.as_bytes(),
            &key.decoding,
            key.algorithm(),
        )
        .unwrap_or(false)
    };
    if !check() {
        return Err(ApiError::Internal(
            format!("{} did not verify", alg.as_str()).into(),
        ));
    }
    Ok(timed(
        format!("signature check, {}", alg.as_str()),
        "signature",
        check,
    ))
}
