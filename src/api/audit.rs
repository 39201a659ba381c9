//! The audit log over HTTP: `GET /api/audit?after=<id>` lists the signed-in user's events (an
//! admin sees everyone's), oldest first; `GET /api/audit/stream` pushes new ones as server-sent
//! events the moment they are recorded.
//!
//! A stream is a long-lived request, so it does not trust the check it passed when it opened:
//! - every `server.event_stream_recheck_secs` it re-judges its credential (the session still in
//!   the store; the token still within `exp`, and not denylisted or marked where revocation is
//!   on) and, for an administrator's all-accounts view, the role in the accounts table. If any of
//!   that fails (logout, expiry, demotion) it sends a last `end` event with the reason and closes;
//! - one account may hold at most `server.max_event_streams_per_user` streams (429 beyond);
//! - every stream ends when the server shuts down, so graceful shutdown can complete.

use super::{client_addr::ClientAddr, error::ApiError};
use crate::{
    auth::{
        admin::current_account,
        auth_user::AuthUser,
        bearer_user::{self, Judged},
        decision::Trace,
        session,
    },
    state::AppState,
    wire::{AuditEvent, AuthMode, Role},
};
use axum::{
    extract::{Query, State},
    response::sse::{Event, KeepAlive, Sse},
    routing::get,
    Json, Router,
};
use futures_util::stream::{self, Stream};
use serde::Deserialize;
use std::{
    collections::HashMap,
    convert::Infallible,
    sync::{Arc, Mutex},
    time::Duration,
};
use tokio::sync::broadcast::{self, error::RecvError};

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

/// Whose events this user may see: `None` means everyone's. An administrator is whoever the
/// accounts table says is one now, never a token's (possibly stale) role claim.
async fn scope(state: &AppState, user: &AuthUser) -> Result<Option<String>, ApiError> {
    let is_admin = current_account(state, user)
        .await?
        .is_some_and(|account| account.role == Role::Admin && !account.disabled);
    Ok((!is_admin).then(|| user.username().to_string()))
}

async fn list(
    State(state): State<AppState>,
    user: AuthUser,
    Query(after): Query<After>,
) -> Result<Json<Vec<AuditEvent>>, ApiError> {
    let user_id = scope(&state, &user).await?.map(|_| user.user_id());
    Ok(Json(state.audit.list(user_id, after.after, 200).await?))
}

/// Live streams open per account.
#[derive(Default)]
pub struct StreamSlots {
    open: Mutex<Open>,
}

/// Streams open per account and per client address. Each holds a connection for as long as it
/// lives, so both are capped: one account cannot hold many, and one address cannot hold many by
/// registering many accounts (and starve everyone of the server's connections).
#[derive(Default)]
struct Open {
    per_user: HashMap<i64, usize>,
    per_address: HashMap<String, usize>,
}

/// One open stream; dropping it (the stream ended or the client went away) frees the slot.
pub struct StreamSlot {
    slots: Arc<StreamSlots>,
    user_id: i64,
    address: String,
}

/// Which cap a stream request met.
enum Full {
    Account(usize),
    Address(usize),
}

impl StreamSlots {
    fn take(
        self: &Arc<Self>,
        user_id: i64,
        address: &str,
        max_per_user: usize,
        max_per_address: usize,
    ) -> Result<StreamSlot, Full> {
        let mut open = self.open.lock().expect("lock");
        if open.per_user.get(&user_id).copied().unwrap_or(0) >= max_per_user {
            return Err(Full::Account(max_per_user));
        }
        if open.per_address.get(address).copied().unwrap_or(0) >= max_per_address {
            return Err(Full::Address(max_per_address));
        }
        *open.per_user.entry(user_id).or_default() += 1;
        *open.per_address.entry(address.to_string()).or_default() += 1;
        Ok(StreamSlot {
            slots: self.clone(),
            user_id,
            address: address.to_string(),
        })
    }

    /// Streams open for `user_id` now.
    pub fn open_for(&self, user_id: i64) -> usize {
        self.open
            .lock()
            .expect("lock")
            .per_user
            .get(&user_id)
            .copied()
            .unwrap_or(0)
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = self.slots.open.lock().expect("lock");
        if let Some(count) = open.per_user.get_mut(&self.user_id) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.per_user.remove(&self.user_id);
            }
        }
        if let Some(count) = open.per_address.get_mut(&self.address) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.per_address.remove(&self.address);
            }
        }
    }
}

/// The credential a stream was opened with, kept to re-judge it.
enum Held {
    Session(String),
    Bearer(String),
}

/// `Err(reason)` once the stream's credential (or its admin view) no longer holds.
async fn still_allowed(state: &AppState, held: &Held, admin_view: bool) -> Result<(), String> {
    let user_id = match held {
        Held::Session(id) => {
            let mut trace = Trace::new(AuthMode::Session, &session::CHECKS);
            match state.sessions.resolve(Some(id), &mut trace, false).await {
                Ok(Some(active)) => active.user.id,
                Ok(None) => {
                    let why = trace
                        .finish()
                        .failed_check()
                        .map(|c| format!("{}: {}", c.name, c.detail))
                        .unwrap_or_else(|| "the session ended".into());
                    return Err(format!("the session no longer holds ({why})"));
                }
                Err(err) => return Err(format!("the session store did not answer: {err}")),
            }
        }
        Held::Bearer(token) => match bearer_user::judge(state, token).await {
            Ok(Judged::Accepted { user_id, .. }) => user_id,
            Ok(Judged::Refused { trace, .. }) => {
                let why = trace
                    .finish()
                    .failed_check()
                    .map(|c| format!("{}: {}", c.name, c.detail))
                    .unwrap_or_default();
                return Err(format!("the access token no longer holds ({why})"));
            }
            Err(err) => return Err(err.to_string()),
        },
    };
    if admin_view {
        let account = crate::db::users::find_by_id(&state.db, user_id)
            .await
            .map_err(|err| err.to_string())?;
        if !account.is_some_and(|a| a.role == Role::Admin && !a.disabled) {
            return Err("no longer an administrator: the all-accounts view ends".into());
        }
    }
    Ok(())
}

struct Live {
    state: AppState,
    held: Held,
    only: Option<String>,
    receiver: broadcast::Receiver<AuditEvent>,
    shutdown: tokio::sync::watch::Receiver<bool>,
    recheck: tokio::time::Interval,
    ended: bool,
    _slot: StreamSlot,
}

fn end_event(reason: &str) -> Event {
    Event::default().event("end").data(reason)
}

impl Live {
    async fn next(mut self) -> Option<(Result<Event, Infallible>, Live)> {
        if self.ended {
            return None;
        }
        // A stream opened after shutdown began has already seen the flag (`subscribe` marks the
        // current value as seen), so `changed()` would never fire for it: look first.
        if *self.shutdown.borrow_and_update() {
            self.ended = true;
            return Some((Ok(end_event("the server is shutting down")), self));
        }
        loop {
            tokio::select! {
                changed = self.shutdown.changed() => {
                    if changed.is_err() || *self.shutdown.borrow() {
                        self.ended = true;
                        return Some((Ok(end_event("the server is shutting down")), self));
                    }
                }
                _ = self.recheck.tick() => {
                    let admin_view = self.only.is_none();
                    if let Err(reason) = still_allowed(&self.state, &self.held, admin_view).await {
                        self.ended = true;
                        return Some((Ok(end_event(&reason)), self));
                    }
                }
                received = self.receiver.recv() => match received {
                    Ok(event) => {
                        if self.only.is_none() || event.username == self.only {
                            let data = Event::default()
                                .event("audit")
                                .json_data(&event)
                                .unwrap_or_default();
                            return Some((Ok(data), self));
                        }
                    }
                    // A slow reader missed some; the list endpoint can fill the gap.
                    Err(RecvError::Lagged(_)) => continue,
                    Err(RecvError::Closed) => return None,
                },
            }
        }
    }
}

async fn live(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientAddr,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let server = &state.settings.server;
    let slot = state
        .streams
        .take(
            user.user_id(),
            &client.0,
            server.max_event_streams_per_user.max(1),
            server.max_event_streams_per_address.max(1),
        )
        .map_err(|full| {
            ApiError::Busy(match full {
                Full::Account(max) => format!(
                    "this account already has {max} live audit streams open: close one first"
                ),
                Full::Address(max) => format!(
                    "your address already has {max} live audit streams open: close one first"
                ),
            })
        })?;
    let only = scope(&state, &user).await?;
    let held = match &user {
        AuthUser::Session(user) => Held::Session(user.session.id.clone()),
        AuthUser::Bearer(user) => Held::Bearer(user.token.clone()),
    };
    let every = Duration::from_secs(state.settings.server.event_stream_recheck_secs.max(1));
    let mut recheck = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    recheck.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let live = Live {
        receiver: state.audit.subscribe(),
        shutdown: state.shutdown.subscribe(),
        state,
        held,
        only,
        recheck,
        ended: false,
        _slot: slot,
    };
    let events = stream::unfold(live, Live::next);
    Ok(Sse::new(events).keep_alive(KeepAlive::default()))
}
