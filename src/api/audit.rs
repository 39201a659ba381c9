//! The audit log over HTTP: `GET /api/audit?after=<id>` lists the signed-in user's events (an
//! admin sees everyone's), oldest first; `GET /api/audit/stream` pushes new ones as server-sent
//! events the moment they are recorded, and each challenge the learner solves (`solved`).
//!
//! A stream is a long-lived request, so it does not trust the check it passed when it opened:
//! - every `server.event_stream_recheck_secs` it re-judges its credential (the session still in
//!   the store; the token still within `exp`, and not denylisted or marked where revocation is
//!   on) and, for an administrator's all-accounts view, the role in the accounts table. If any of
//!   that fails (logout, expiry, demotion) it sends a last `end` event with the reason and closes;
//! - one account may hold at most `server.max_event_streams_per_user` streams (429 beyond);
//! - every stream ends when the server shuts down, so graceful shutdown can complete.

use super::{
    client_addr::ClientAddr,
    error::ApiError,
    extract::{admin::current_account, auth_user::AuthUser},
};
use crate::wire::paths;
use crate::{
    audit::stream_slots::{Full, StreamSlot},
    auth::{judge, presented::Presented},
    state::AppState,
    wire::{AuditEvent, AuthTrace, Role, Solved},
};
use axum::{
    extract::{Query, State},
    response::sse::{Event, KeepAlive, Sse},
    routing::get,
    Json, Router,
};
use futures_util::stream::{self, Stream};
use serde::Deserialize;
use std::{convert::Infallible, time::Duration};
use tokio::sync::broadcast::{self, error::RecvError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(paths::AUDIT, get(list))
        .route(paths::AUDIT_STREAM, get(live))
}

#[derive(Deserialize)]
struct After {
    #[serde(default)]
    after: i64,
}

/// Whose events this user may see: `None` means everyone's. An administrator is whoever the
/// accounts table says is one now, never a token's (possibly stale) role claim.
async fn scope(state: &AppState, user: &AuthUser) -> Result<Option<String>, ApiError> {
    let is_admin = current_account(&state.auth, user)
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
    Ok(Json(
        state.auth.audit.list(user_id, after.after, 200).await?,
    ))
}

/// The credential a stream was opened with, kept to re-judge it.
enum Held {
    Session(String),
    Bearer(String),
}

/// "check: detail" of the failed check, or `otherwise`.
fn failed(trace: &AuthTrace, otherwise: &str) -> String {
    trace
        .failed_check()
        .map(|c| format!("{}: {}", c.name, c.detail))
        .unwrap_or_else(|| otherwise.to_string())
}

/// `Err(reason)` once the stream's credential (or its admin view) no longer holds.
async fn still_allowed(state: &AppState, held: &Held, admin_view: bool) -> Result<(), String> {
    let user_id = match held {
        Held::Session(id) => {
            // Re-judged as a read that is not the user's own request: no idle deadline moves.
            let presented = Presented {
                cookie: Some(id.clone()),
                ..Presented::default()
            };
            match judge::session::judge(&state.auth, &presented, false).await {
                Ok(decision) => match decision.outcome {
                    Ok(active) => active.user.id,
                    Err(_) => {
                        let why = failed(&decision.trace, "the session ended");
                        return Err(format!("the session no longer holds ({why})"));
                    }
                },
                Err(err) => return Err(format!("the session store did not answer: {err}")),
            }
        }
        Held::Bearer(token) => match judge::token::judge(&state.auth, Some(token), None).await {
            Ok(decision) => match decision.outcome {
                Ok(principal) => principal.user_id,
                Err(_) => {
                    let why = failed(&decision.trace, "");
                    return Err(format!("the access token no longer holds ({why})"));
                }
            },
            Err(err) => return Err(err.to_string()),
        },
    };
    if admin_view {
        let account = state
            .auth
            .users
            .find_by_id(user_id)
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
    /// Challenges solved, by learner: this stream's own are sent as `solved` events, so a
    /// challenge flips on the learner's screen the moment the server decides.
    solved: broadcast::Receiver<(i64, Solved)>,
    learner: i64,
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
                solved = self.solved.recv() => match solved {
                    Ok((learner, solved)) if learner == self.learner => {
                        let data = Event::default()
                            .event("solved")
                            .json_data(&solved)
                            .unwrap_or_default();
                        return Some((Ok(data), self));
                    }
                    Ok(_) | Err(RecvError::Lagged(_)) => continue,
                    Err(RecvError::Closed) => return None,
                },
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
    // The view (everyone's events, or only one's own) is decided before the stream counts as
    // open, so a counted stream's view is settled and every recheck after it re-judges that view.
    // Counted first, a demotion landing before the view was decided left a counted stream scoped
    // to its own events, which never rechecks the role (harmless, but not the view it was opened
    // to watch).
    let only = scope(&state, &user).await?;
    let slot = stream_slot(&state, user.user_id(), &client)?;
    // The learner this stream's solves are announced for (a lesson's account speaks for the
    // learner whose page made it).
    let learner = state
        .auth
        .challenges
        .learner_of(user.user_id())
        .await
        .unwrap_or_else(|_| user.user_id());
    let held = match &user {
        AuthUser::Session(user) => Held::Session(user.session.id.clone()),
        AuthUser::Bearer(user) => Held::Bearer(user.token.clone()),
    };
    let every = Duration::from_secs(state.settings.server.event_stream_recheck_secs.max(1));
    let mut recheck = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    recheck.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let live = Live {
        receiver: state.auth.audit.subscribe(),
        solved: state.auth.challenges.subscribe(),
        learner,
        shutdown: state.auth.shutdown.subscribe(),
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

/// One of the account's (and the address's) live-stream slots, for a request that holds a
/// connection open (the audit stream, a progress wait): nobody holds open more than the caps.
pub fn stream_slot(
    state: &AppState,
    account: i64,
    client: &ClientAddr,
) -> Result<StreamSlot, ApiError> {
    let server = &state.settings.server;
    state
        .streams
        .take(
            account,
            &client.0,
            server.max_event_streams_per_user.max(1),
            server.max_event_streams_per_address.max(1),
        )
        .map_err(|full| {
            ApiError::Busy(match full {
                Full::Account(max) => format!(
                    "this account already has {max} live streams or progress waits open: close one first"
                ),
                Full::Address(max) => format!(
                    "your address already has {max} live streams or progress waits open: close one first"
                ),
            })
        })
}
