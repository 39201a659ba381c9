//! `GET /api/lab/forgery-site`: where the cross-site forgery lesson loads its attacker's page.
//! On loopback use that is the other loopback name on the lab's port (another site, as far as
//! the browser can tell); on a hosted lab it is `hosting.attacker_origin`, a second name that
//! serves only the attacker's pages. The server decides, because only it knows the setting.

use crate::wire::paths;
use crate::{state::AppState, wire::ForgerySite};
use axum::{
    extract::State,
    http::{header, HeaderMap},
    routing::get,
    Json, Router,
};

pub fn router() -> Router<AppState> {
    Router::new().route(paths::lab::FORGERY_SITE, get(forgery_site))
}

async fn forgery_site(State(state): State<AppState>, headers: HeaderMap) -> Json<ForgerySite> {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    // The lab has no TLS of its own: on loopback it is plain http; a hosted lab names its
    // attacker origin, scheme included.
    Json(ForgerySite {
        origin: state.hosting.attacker_origin_for("http", host),
    })
}
