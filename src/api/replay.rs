//! Replaying a captured session cookie: the lab's stand-in for a thief who copied it.
//!
//! The page cannot hold a copy itself: the cookie is HttpOnly (no script can read it) and logout
//! makes the browser delete it. So, while the session is live, the page asks the server to keep
//! the copy: `POST /api/replay/capture` (cookie + CSRF token) stores the session id the request
//! carried under a random handle and returns only the handle. Later, `POST /api/replay` with
//! `{"handle": …}` (a capability: in the body, never in a URL that logs keep) sends `GET /api/me` with that cookie through the server's own router (same extractor, same
//! store, same audit log as a browser's request) and returns that answer verbatim: status, JSON
//! body, decision trace. A replay can only ever read `/api/me`.
//!
//! The refresh token gets the same treatment, for the theft-detection lesson: `POST
//! /api/jwt/capture-refresh` (under the refresh cookie's path, so the browser sends it) keeps a
//! copy, and replaying that handle sends `POST /api/jwt/refresh` with the old token, as a thief
//! racing the real client would. It copies only a well-formed refresh token that exists and is
//! live: the server never stores a value just because a client sent it.
//!
//! Copies are bounded: at most `MAX_PER_ACCOUNT` per account (the oldest of that account goes
//! first) and `MAX_CAPTURES` in all, each kept no longer than the credential could live.

use super::{client_addr::ClientAddr, error::ApiError, json::ApiJson, loopback::Call};
use crate::{
    auth::{
        cookie_user::{login_origin_check, CookieUser},
        csrf, refresh, session_cookie,
    },
    db::unix_now,
    state::AppState,
    wire::{Captured, ReplayRequest},
};
use axum::{
    extract::State,
    http::{header, HeaderMap, Method},
    response::{IntoResponse, Response},
    routing::post,
    Json, Router,
};
use std::{collections::HashMap, sync::Mutex};

/// How many copies the server keeps at most; the oldest goes first.
const MAX_CAPTURES: usize = 2_000;
/// How many copies one account may hold; its oldest goes first.
const MAX_PER_ACCOUNT: usize = 16;

/// What a copy is of, and so what replaying it sends.
#[derive(Clone, Copy)]
enum Kind {
    /// A session id: replayed as `GET /api/me` with the session cookie.
    Session,
    /// A refresh token: replayed as `POST /api/jwt/refresh` with the refresh cookie.
    Refresh,
}

struct Copy {
    kind: Kind,
    owner: i64,
    credential: String,
    /// Dropped after this (unix seconds): past it the credential could not work anyway.
    until: i64,
    /// Order of capture, for "oldest goes first".
    serial: u64,
}

/// The copies, by handle.
#[derive(Default)]
pub struct Captures {
    copies: Mutex<(HashMap<String, Copy>, u64)>,
}

impl Captures {
    fn keep(&self, kind: Kind, owner: i64, credential: String, keep_secs: i64) -> String {
        let handle = csrf::new_token();
        let now = unix_now();
        let mut guard = self.copies.lock().expect("lock");
        let (copies, serial) = &mut *guard;
        copies.retain(|_, copy| copy.until > now);
        let oldest = |copies: &HashMap<String, Copy>, of: Option<i64>| {
            copies
                .iter()
                .filter(|(_, copy)| of.is_none_or(|owner| copy.owner == owner))
                .min_by_key(|(_, copy)| copy.serial)
                .map(|(handle, _)| handle.clone())
        };
        if copies.values().filter(|copy| copy.owner == owner).count() >= MAX_PER_ACCOUNT {
            if let Some(handle) = oldest(copies, Some(owner)) {
                copies.remove(&handle);
            }
        }
        if copies.len() >= MAX_CAPTURES {
            if let Some(handle) = oldest(copies, None) {
                copies.remove(&handle);
            }
        }
        *serial += 1;
        copies.insert(
            handle.clone(),
            Copy {
                kind,
                owner,
                credential,
                until: now.saturating_add(keep_secs),
                serial: *serial,
            },
        );
        handle
    }

    fn get(&self, handle: &str) -> Option<(Kind, String)> {
        let guard = self.copies.lock().expect("lock");
        guard
            .0
            .get(handle)
            .filter(|copy| copy.until > unix_now())
            .map(|copy| (copy.kind, copy.credential.clone()))
    }

    /// How many copies are held (tests check the caps with it).
    pub fn len(&self) -> usize {
        self.copies.lock().expect("lock").0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/replay/capture", post(capture))
        .route("/api/jwt/capture-refresh", post(capture_refresh))
        .route("/api/replay", post(replay))
}

async fn capture(State(state): State<AppState>, user: CookieUser) -> Json<Captured> {
    // Past the session's absolute lifetime a replay could only show what a fresh id shows.
    let keep_secs = state.settings.session.absolute_timeout_secs as i64 + 60;
    let handle = state.captures.keep(
        Kind::Session,
        user.session.user.id,
        user.session.id.clone(),
        keep_secs,
    );
    Json(Captured {
        handle,
        replays: "GET /api/me".into(),
    })
}

async fn capture_refresh(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Captured>, ApiError> {
    // Same guard as the refresh endpoint itself: a cookie-bearing POST from our own pages only.
    login_origin_check(&headers)?;
    let Some(token) = session_cookie::read_cookie(&headers, refresh::COOKIE) else {
        return Err(ApiError::Refresh("no refresh token cookie to copy".into()));
    };
    // Only a real, live refresh token of ours is copied: anything else is refused unread.
    let Some(owner) = state.refresh.owner_of_live(&token).await? else {
        return Err(ApiError::Refresh(
            "the refresh cookie is not a live refresh token of this server: nothing copied".into(),
        ));
    };
    let keep_secs = state.settings.jwt.refresh_ttl_secs as i64 + 60;
    let handle = state.captures.keep(Kind::Refresh, owner, token, keep_secs);
    Ok(Json(Captured {
        handle,
        replays: "POST /api/jwt/refresh".into(),
    }))
}

async fn replay(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiJson(request): ApiJson<ReplayRequest>,
) -> Result<Response, ApiError> {
    let Some((kind, credential)) = state.captures.get(&request.handle) else {
        return Err(ApiError::NotFound);
    };
    let (call, replayed) = match kind {
        Kind::Session => (
            Call::new(Method::GET, "/api/me").cookie(session_cookie::NAME, &credential),
            "GET /api/me",
        ),
        Kind::Refresh => (
            Call::new(Method::POST, "/api/jwt/refresh").cookie(refresh::COOKIE, &credential),
            "POST /api/jwt/refresh",
        ),
    };
    // Only status and body come back: a Set-Cookie meant for the thief is not the browser's.
    // The replay spends the budget of the learner who asked for it (the refresh limit is per
    // address), never a budget all in-process requests would otherwise share.
    let answer = call.on_behalf_of(&client).send(&state).await;
    Ok((
        answer.status,
        [
            (header::CONTENT_TYPE, "application/json"),
            (
                header::HeaderName::from_static("x-authlab-replayed"),
                replayed,
            ),
        ],
        answer.body,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::{Captures, Kind, MAX_CAPTURES, MAX_PER_ACCOUNT};

    #[test]
    fn capture_spam_from_many_accounts_never_holds_more_than_the_total_cap() {
        let captures = Captures::default();
        let mut newest = String::new();
        for i in 0..(MAX_CAPTURES as i64 + 300) {
            // A fresh owner each time: only the total cap can bound this.
            newest = captures.keep(Kind::Session, i, format!("id-{i}"), 600);
        }
        let held = captures.copies.lock().unwrap().0.len();
        assert_eq!(held, MAX_CAPTURES);
        assert!(captures.get(&newest).is_some(), "the newest copy is kept");
    }

    #[test]
    fn one_account_holds_at_most_its_own_cap_oldest_out_first() {
        let captures = Captures::default();
        let first = captures.keep(Kind::Refresh, 7, "first".into(), 600);
        for i in 0..MAX_PER_ACCOUNT {
            captures.keep(Kind::Refresh, 7, format!("r-{i}"), 600);
        }
        assert!(captures.get(&first).is_none(), "the oldest went first");
        let held = captures.copies.lock().unwrap().0.len();
        assert_eq!(held, MAX_PER_ACCOUNT);
    }
}
