//! The measured cost of authentication on the learner's own requests (`auth::cost`):
//! - `Measure`, in the layer every request passes (`edge`, on `/api` paths), times each request
//!   and hands the extractors a cell in which the judge's own time is put
//!   (`extract::judge_time`); after the answer, an accepted request's two times are recorded
//!   under its account and mode;
//! - `GET /api/auth-cost` answers the caller's medians, per mode. It is not itself counted: a page
//!   that polls it would otherwise be measuring its own polling. Without a working credential it
//!   answers 200 with nothing in it (`signed_in: false`), so the inspector can ask after any
//!   request, a logout or an expiry included, without provoking an error of its own.

use crate::wire::paths;
use crate::{
    api::{
        error::ApiError,
        extract::{auth_user::AuthUser, judge_time::JudgeTime},
    },
    auth::cost::AuthCosts,
    state::AppState,
    wire::AuthCost,
};
use axum::{
    extract::{Request, State},
    routing::get,
    Extension, Json, Router,
};
use std::time::Instant;

/// One request's measurement: started before the request goes in, finished once its answer is
/// ready.
pub struct Measure {
    cell: JudgeTime,
    started: Instant,
}

impl Measure {
    /// Hands `request`'s extractors the cell for their judge's time; the request came in at
    /// `started` (the edge's clock, read once for its log line and for this).
    pub fn start(request: &mut Request, started: Instant) -> Measure {
        let cell = JudgeTime::default();
        request.extensions_mut().insert(cell.clone());
        Measure { cell, started }
    }

    /// Records the request's two times under its account and mode, if a judge accepted it.
    pub fn finish(self, costs: &AuthCosts) {
        if let Some((user_id, mode, judged)) = self.cell.take() {
            costs.record(user_id, mode, judged, self.started.elapsed());
        }
    }
}

pub fn router() -> Router<AppState> {
    Router::new().route(paths::AUTH_COST, get(auth_cost))
}

async fn auth_cost(
    State(state): State<AppState>,
    cell: Option<Extension<JudgeTime>>,
    user: Result<AuthUser, ApiError>,
) -> Json<AuthCost> {
    // This request's own judgement is not one of the learner's experiments.
    if let Some(Extension(cell)) = cell {
        cell.take();
    }
    Json(match user {
        Ok(user) => state.auth_costs.of(user.user_id()),
        // The refusal was judged (and audited) like any other; it only gets no figures.
        Err(_) => AuthCost {
            signed_in: false,
            window: crate::auth::cost::WINDOW as u32,
            modes: Vec::new(),
        },
    })
}
