//! `GET /api/demo-accounts`: the demo card's rows. On loopback use these are the shared accounts
//! and their public passwords; on a hosted lab the list is empty and the card says so.

use crate::wire::paths;
use crate::{state::AppState, wire::DemoCard};
use axum::{extract::State, routing::get, Json, Router};

pub fn router() -> Router<AppState> {
    Router::new().route(paths::DEMO_ACCOUNTS, get(demo_accounts))
}

async fn demo_accounts(State(state): State<AppState>) -> Json<DemoCard> {
    Json(DemoCard {
        accounts: crate::demo::card(state.hosting.demo_accounts_public()),
    })
}
