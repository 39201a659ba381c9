//! `GET /api/health`: answers 200 once the server is up and its database reachable. Test harnesses
//! (Playwright's `webServer`, the timing scripts) wait on it. It also names the shared store
//! (`sqlite` or `redis`) and whether it answers now: with Redis away the server is up, and its
//! session and refresh requests answer 503 until Redis is back. `log.dropped_lines` counts the
//! request-log lines lost because the log's reader fell behind (`logging::init`).

use crate::wire::paths;
use crate::{state::AppState, store::SharedStore};
use axum::{extract::State, http::StatusCode, routing::get, Json, Router};
use serde_json::{json, Value};

pub fn router() -> Router<AppState> {
    Router::new().route(paths::HEALTH, get(health))
}

async fn health(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    match state.maintenance.ping().await {
        Ok(_) => {
            let store = match &state.auth.shared_store {
                SharedStore::Embedded => json!({ "kind": "sqlite", "reachable": true }),
                SharedStore::Memory => json!({ "kind": "memory", "reachable": true }),
                SharedStore::Redis(redis) => {
                    json!({ "kind": "redis", "reachable": redis.ping().await.is_ok() })
                }
            };
            (
                StatusCode::OK,
                Json(json!({
                    "status": "ok",
                    "store": store,
                    "log": { "dropped_lines": crate::logging::dropped_lines() },
                })),
            )
        }
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(
                json!({ "error": "database_unavailable", "reason": "the database did not answer" }),
            ),
        ),
    }
}
