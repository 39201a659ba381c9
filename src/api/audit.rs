//! The audit log over HTTP: `GET /api/audit?after=<id>` lists the signed-in user's events (an
//! admin sees everyone's), oldest first; `GET /api/audit/stream` pushes new ones as server-sent
//! events the moment they are recorded.

use super::error::ApiError;
use crate::{
    auth::auth_user::AuthUser,
    state::AppState,
    wire::{AuditEvent, Role},
};
use axum::{
    extract::{Query, State},
    response::sse::{Event, KeepAlive, Sse},
    routing::get,
    Json, Router,
};
use futures_util::stream::{self, Stream};
use serde::Deserialize;
use std::convert::Infallible;
use tokio::sync::broadcast::error::RecvError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/audit", get(list))
        .route("/api/audit/stream", get(live))
}

#[derive(Deserialize)]
struct After {
    #[serde(default)]
    after: i64,
}

/// Whose events this user may see: `None` means everyone's.
fn scope(user: &AuthUser) -> Option<String> {
    (user.role() != Role::Admin).then(|| user.username().to_string())
}

async fn list(
    State(state): State<AppState>,
    user: AuthUser,
    Query(after): Query<After>,
) -> Result<Json<Vec<AuditEvent>>, ApiError> {
    let user_id = scope(&user).map(|_| user.user_id());
    Ok(Json(state.audit.list(user_id, after.after, 200).await?))
}

async fn live(
    State(state): State<AppState>,
    user: AuthUser,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let only = scope(&user);
    let events = stream::unfold(state.audit.subscribe(), move |mut receiver| {
        let only = only.clone();
        async move {
            loop {
                match receiver.recv().await {
                    Ok(event) => {
                        let visible = only.is_none() || event.username == only;
                        if visible {
                            let data = Event::default()
                                .event("audit")
                                .json_data(&event)
                                .unwrap_or_default();
                            return Some((Ok(data), receiver));
                        }
                    }
                    // A slow reader missed some; the list endpoint can fill the gap.
                    Err(RecvError::Lagged(_)) => continue,
                    Err(RecvError::Closed) => return None,
                }
            }
        }
    });
    Sse::new(events).keep_alive(KeepAlive::default())
}
