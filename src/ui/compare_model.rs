//! The compare page's state: one user signed in twice at once, by cookie session and by bearer
//! JWT, and a replay run after logout. Each side keeps a copy of its old credential: the JWT side
//! the token itself (the page held it all along); the session side only a *handle* to a copy the
//! server keeps, because an HttpOnly cookie is invisible to the page and logout deletes it from the
//! browser (see `lab::replay`). After a logout the page replays both copies once a second and
//! records each answer as a mark on the timeline.
//!
//! The steps themselves are the shared scenario's (`scenario`), sent by the page's agent
//! (`ui::page_agent`), the same as the logout lesson's.

use super::exclusive::run_exclusive;
use super::identity::Borrowed;
use super::page_agent::{PageAgent, PageSession};
use super::pages::lessons::experiment::register_fresh;
use crate::{
    scenario::{Agent, Replayed},
    ui::browser,
    ui::client::{self, Answer, Call, ClientError, Credential},
    wire::{AccountSwitchesPatch, Credentials, Me, TokenResponse},
};
use leptos::{prelude::*, task::spawn_local};
use std::time::Duration;

/// The two columns (and timeline lanes): the scenario's two credentials.
pub use crate::scenario::Lane;

/// One replay's answer, placed on the timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mark {
    pub lane: Lane,
    /// Milliseconds after the run started (the first logout).
    pub at_ms: i64,
    pub status: u16,
    /// The check that refused it, if one did.
    pub check: Option<String>,
    pub detail: String,
}

/// What one column holds.
#[derive(Clone, Copy)]
pub struct Column {
    /// Signed in as (the server's word), `None` when logged out.
    pub user: RwSignal<Option<String>>,
    /// The copy kept for replay: a capture handle (session) or the token (JWT).
    pub copy: RwSignal<Option<String>>,
    /// Session: the CSRF token; JWT: the live access token.
    pub secret: RwSignal<Option<String>>,
    /// When access ends by itself, in browser milliseconds (session: idle deadline; JWT: `exp`).
    pub ends_at_ms: RwSignal<Option<i64>>,
    pub last: RwSignal<Option<Call>>,
    pub message: RwSignal<Option<String>>,
    /// When this column logged out, in milliseconds after the run started.
    pub logged_out_at: RwSignal<Option<i64>>,
}

impl Column {
    fn new() -> Self {
        Column {
            user: RwSignal::new(None),
            copy: RwSignal::new(None),
            secret: RwSignal::new(None),
            ends_at_ms: RwSignal::new(None),
            last: RwSignal::new(None),
            message: RwSignal::new(None),
            logged_out_at: RwSignal::new(None),
        }
    }

    fn record<T>(&self, answer: &Answer<T>) {
        self.record_call(&answer.call, answer.result.as_ref().err());
    }

    fn record_call(&self, call: &Call, error: Option<&ClientError>) {
        self.last.set(Some(call.clone()));
        // A refusal with a trace is shown by the "last request" line; say only what it cannot.
        let untraced = call.trace.is_none();
        self.message
            .set(error.filter(|_| untraced).map(|err| err.to_string()));
    }
}

#[derive(Clone, Copy)]
pub struct CompareModel {
    pub session: Column,
    pub jwt: Column,
    /// This account's server-side revocation switch (denylist + not-before mark).
    pub denylist: RwSignal<Option<bool>>,
    /// Browser time (ms) the replay run started; `None` before the first logout.
    pub run_started_ms: RwSignal<Option<i64>>,
    pub marks: RwSignal<Vec<Mark>>,
    pub replaying: RwSignal<bool>,
    pub busy: RwSignal<bool>,
    /// What the page is waiting for while `busy` (shown, so a click is never silently dropped:
    /// the buttons are disabled and this says why).
    pub busy_with: RwSignal<&'static str>,
    /// Ask for a short-lived access token at login (this account's lifetime switch).
    pub short_token: RwSignal<bool>,
    /// How long past `exp` the server still accepts a token, as it said at login.
    pub leeway_secs: RwSignal<Option<u64>>,
    /// What the page holds of each sign-in, kept after logout for the replays.
    held_session: StoredValue<Option<PageSession>>,
    held_bearer: StoredValue<Option<TokenResponse>>,
    interval: StoredValue<Option<IntervalHandle>>,
    tick_busy: RwSignal<bool>,
    /// The learner's own sign-in, set aside while the columns hold the browser (given back once
    /// both have logged out).
    aside: Borrowed,
}

/// The short lifetime the compare page asks for (the smallest an account may choose).
pub const SHORT_TOKEN_SECS: u64 = *crate::wire::ACCESS_TTL_RANGE.start();
/// How long a run goes on replaying after the old JWT was first refused, to show it stays red.
const AFTER_REFUSAL_MS: i64 = 3_000;
const MIN_RUN_MS: i64 = 5_000;
/// A run never replays longer than this, whatever the token's lifetime (the longest an account
/// may choose, 900 s, plus a minute of leeway and the margin).
const MAX_RUN_MS: i64 = 965_000;

impl CompareModel {
    pub fn new() -> Self {
        CompareModel {
            session: Column::new(),
            jwt: Column::new(),
            denylist: RwSignal::new(None),
            run_started_ms: RwSignal::new(None),
            marks: RwSignal::new(Vec::new()),
            replaying: RwSignal::new(false),
            busy: RwSignal::new(false),
            busy_with: RwSignal::new(""),
            short_token: RwSignal::new(true),
            leeway_secs: RwSignal::new(None),
            held_session: StoredValue::new(None),
            held_bearer: StoredValue::new(None),
            interval: StoredValue::new(None),
            tick_busy: RwSignal::new(false),
            aside: Borrowed::default(),
        }
    }

    /// The page as the scenario's agent; each answer lands in its lane's column.
    fn page(self) -> PageAgent<impl Fn(Lane, &'static str, &Call, Option<&ClientError>)> {
        PageAgent::new(move |lane, _, call, error| self.column(lane).record_call(call, error))
    }

    pub fn column(&self, lane: Lane) -> Column {
        match lane {
            Lane::Session => self.session,
            Lane::Jwt => self.jwt,
        }
    }

    /// Run `action` unless another is under way; the buttons are disabled meanwhile and
    /// `busy_with` says what the page waits for.
    fn exclusive(
        self,
        what: &'static str,
        action: impl std::future::Future<Output = ()> + 'static,
    ) {
        if self.busy.get_untracked() {
            return;
        }
        self.busy_with.set(what);
        run_exclusive(self.busy, action);
    }

    /// Sign in twice: a session (and capture its cookie server-side) and a bearer token, with
    /// this account's access-token lifetime switched as the page asks first.
    pub fn login_both(self, credentials: Credentials) {
        self.exclusive("signing in twice", async move {
            self.sign_in_twice(credentials).await;
        });
    }

    /// For a signed-in learner: a fresh account of theirs, signed in both ways (no password is
    /// asked; the page made it). Its switches touch nobody else, and what it does counts for them.
    pub fn login_fresh(self) {
        self.exclusive(
            "making a fresh account and signing it in twice",
            async move {
                match register_fresh().await {
                    Ok(credentials) => self.sign_in_twice(credentials).await,
                    Err(err) => self.session.message.set(Some(err)),
                }
            },
        );
    }

    async fn sign_in_twice(self, credentials: Credentials) {
        self.stop();
        self.marks.set(Vec::new());
        self.run_started_ms.set(None);
        self.aside.set_aside().await;
        self.login_session(&credentials).await;
        self.set_token_lifetime().await;
        self.login_jwt(&credentials).await;
        browser::focus_testid("compare-columns");
    }

    /// The page is left (a client-side navigation) mid-run: the learner's own sign-in is the
    /// browser's again. (A page load gives it back too: the header asks first.)
    pub fn leave(self) {
        if let Some(aside) = self.aside.take() {
            spawn_local(aside.give_back());
        }
    }

    /// Once both columns have logged out, the learner's own sign-in is the browser's again.
    async fn give_back_when_both_out(&self) {
        let both_out = self.session.user.with_untracked(Option::is_none)
            && self.jwt.user.with_untracked(Option::is_none);
        if !both_out {
            return;
        }
        self.aside.give_back().await;
    }

    /// Before the bearer login: this account's access-token lifetime, short or the server's
    /// default (a switch of this account only, like the others).
    async fn set_token_lifetime(&self) {
        let Some(csrf) = self.session.secret.get_untracked() else {
            return;
        };
        let patch = AccountSwitchesPatch {
            access_ttl_secs: Some(if self.short_token.get_untracked() {
                SHORT_TOKEN_SECS
            } else {
                0
            }),
            ..AccountSwitchesPatch::default()
        };
        let answer = client::put_account_switches(&patch, Credential::Csrf(&csrf)).await;
        if let Err(err) = answer.result {
            self.jwt
                .message
                .set(Some(format!("could not set the token's lifetime: {err}")));
        }
    }

    async fn login_session(&self, credentials: &Credentials) {
        let column = self.session;
        let Ok(held) = self.page().sign_in_session(credentials).await else {
            return;
        };
        let state = &held.state;
        let skew = state.server_now - browser::now_secs();
        column.user.set(Some(state.username.clone()));
        column.secret.set(Some(state.csrf_token.clone()));
        column
            .ends_at_ms
            .set(Some((state.session.idle_expires_at - skew) * 1000));
        column.logged_out_at.set(None);
        column.copy.set(Some(held.handle.clone()));
        self.held_session.set_value(Some(held));
    }

    async fn login_jwt(&self, credentials: &Credentials) {
        let column = self.jwt;
        let Ok(tokens) = self.page().sign_in_bearer(credentials).await else {
            return;
        };
        let skew = tokens.server_now - browser::now_secs();
        self.leeway_secs.set(Some(tokens.leeway_secs));
        let token = tokens.access_token.clone();
        self.held_bearer.set_value(Some(tokens));
        column.secret.set(Some(token.clone()));
        column.copy.set(Some(token.clone()));
        column.logged_out_at.set(None);
        // The token's own `exp`, read by the server's decoder (the page has no JWT parser).
        let exp = client::jwt_decode(&token).await.result.ok().and_then(|r| {
            let payload = r.payload?;
            Some((
                payload.get("sub")?.as_str()?.to_string(),
                payload.get("exp")?.as_i64()?,
            ))
        });
        if let Some((sub, exp)) = exp {
            column.user.set(Some(sub));
            column.ends_at_ms.set(Some((exp - skew) * 1000));
        }
        if let Ok(settings) = client::get_account_switches(Credential::Bearer(&token))
            .await
            .result
        {
            self.denylist.set(Some(settings.denylist));
        }
    }

    /// `GET /api/me` with the live credential of `lane`.
    pub fn call(self, lane: Lane) {
        self.exclusive("calling the API", async move { self.call_one(lane).await });
    }

    pub fn call_both(self) {
        self.exclusive("calling the API", async move {
            self.call_one(Lane::Session).await;
            self.call_one(Lane::Jwt).await;
        });
    }

    /// Whether `lane` holds a live credential to call with (after its logout, the old one is
    /// replayed instead; the browser's cookie may be the learner's own again by then).
    pub fn signed_in(&self, lane: Lane) -> bool {
        self.column(lane).user.with(Option::is_some)
    }

    async fn call_one(&self, lane: Lane) {
        let column = self.column(lane);
        if column.user.with_untracked(Option::is_none) {
            return;
        }
        let answer: Answer<Me> = match lane {
            Lane::Session => client::me(Credential::Cookies).await,
            Lane::Jwt => {
                let token = column.secret.get_untracked().unwrap_or_default();
                client::me(Credential::Bearer(&token)).await
            }
        };
        column.record(&answer);
    }

    pub fn logout(self, lane: Lane) {
        self.exclusive("logging out", async move {
            self.logout_one(lane).await;
            self.give_back_when_both_out().await;
            self.start_replaying();
        });
    }

    pub fn logout_both(self) {
        self.exclusive("logging out", async move {
            self.logout_one(Lane::Session).await;
            self.logout_one(Lane::Jwt).await;
            self.give_back_when_both_out().await;
            self.start_replaying();
        });
    }

    async fn logout_one(&self, lane: Lane) {
        let column = self.column(lane);
        if column.user.get_untracked().is_none() {
            return;
        }
        let page = self.page();
        let out = match (
            lane,
            self.held_session.get_value(),
            self.held_bearer.get_value(),
        ) {
            (Lane::Session, Some(session), _) => page.log_out_session(&session).await,
            (Lane::Jwt, _, Some(bearer)) => page.log_out_bearer(&bearer).await,
            _ => return,
        };
        if out.is_ok() {
            let started = self.run_start();
            column.user.set(None);
            column.secret.set(None);
            column.logged_out_at.set(Some(browser::now_ms() - started));
        }
    }

    /// When the current run started; the first logout or replay starts one.
    fn run_start(&self) -> i64 {
        match self.run_started_ms.get_untracked() {
            Some(started) => started,
            None => {
                let now = browser::now_ms();
                self.marks.set(Vec::new());
                self.run_started_ms.set(Some(now));
                now
            }
        }
    }

    /// Replay the old credential of `lane` once, now.
    pub fn replay(self, lane: Lane) {
        spawn_local(async move { self.replay_one(lane).await });
    }

    pub fn replay_both(self) {
        spawn_local(async move {
            self.replay_one(Lane::Session).await;
            self.replay_one(Lane::Jwt).await;
        });
    }

    async fn replay_one(&self, lane: Lane) {
        let page = self.page();
        let replayed: Replayed = match (
            lane,
            self.held_session.get_value(),
            self.held_bearer.get_value(),
        ) {
            (Lane::Session, Some(session), _) => page.replay_session(&session).await,
            (Lane::Jwt, _, Some(bearer)) => page.replay_bearer(&bearer).await,
            _ => return,
        };
        let started = self.run_start();
        self.marks.update(|marks| {
            marks.push(Mark {
                lane,
                at_ms: browser::now_ms() - started,
                status: replayed.status,
                check: replayed.refused_by,
                detail: replayed.detail,
            })
        });
    }

    /// The JWT's `exp` and `exp + leeway`, in milliseconds after the run started.
    pub fn exp_and_leeway_ms(&self) -> Option<(i64, i64)> {
        let started = self.run_started_ms.get()?;
        let exp = self.jwt.ends_at_ms.get()? - started;
        let leeway = self.leeway_secs.get().unwrap_or(0) as i64 * 1000;
        Some((exp, exp + leeway))
    }

    /// How long this run replays. Once the old JWT has been refused: a few seconds more, to show
    /// it stays refused. Before that, if a JWT was logged out: until past `exp` plus the
    /// server's real leeway (its clock counts whole seconds, hence one more), plus the margin.
    pub fn horizon_ms(&self) -> i64 {
        let first_jwt_refusal = self.marks.with(|marks| {
            marks
                .iter()
                .find(|m| m.lane == Lane::Jwt && m.status != 200)
                .map(|m| m.at_ms)
        });
        let horizon = match first_jwt_refusal {
            Some(at) => at + AFTER_REFUSAL_MS,
            None => self
                .exp_and_leeway_ms()
                .filter(|_| self.jwt.logged_out_at.get().is_some())
                .map(|(_, accepted_until)| accepted_until + 1_000 + AFTER_REFUSAL_MS)
                .unwrap_or(MIN_RUN_MS),
        };
        horizon.clamp(MIN_RUN_MS, MAX_RUN_MS)
    }

    /// Replay both old credentials now and then once a second, until the horizon.
    fn start_replaying(self) {
        if self.replaying.get_untracked() {
            return;
        }
        self.replaying.set(true);
        self.replay_logged_out();
        let handle = set_interval_with_handle(
            move || {
                let elapsed = browser::now_ms() - self.run_started_ms.get_untracked().unwrap_or(0);
                if elapsed > self.horizon_ms_untracked() {
                    self.stop();
                    return;
                }
                self.replay_logged_out();
            },
            Duration::from_secs(1),
        )
        .ok();
        self.interval.set_value(handle);
    }

    fn horizon_ms_untracked(&self) -> i64 {
        untrack(|| self.horizon_ms())
    }

    /// One tick: replay each column that has logged out (never two ticks at once).
    fn replay_logged_out(self) {
        if self.tick_busy.get_untracked() {
            return;
        }
        self.tick_busy.set(true);
        spawn_local(async move {
            for lane in [Lane::Session, Lane::Jwt] {
                if self.column(lane).logged_out_at.get_untracked().is_some() {
                    self.replay_one(lane).await;
                }
            }
            self.tick_busy.set(false);
        });
    }

    pub fn stop(self) {
        if let Some(handle) = self.interval.get_value() {
            handle.clear();
        }
        self.interval.set_value(None);
        self.replaying.set(false);
    }

    /// Flip this account's server-side revocation switch (with whichever credential is live).
    pub fn set_denylist(self, on: bool) {
        self.exclusive("switching revocation", async move {
            let patch = AccountSwitchesPatch {
                denylist: Some(on),
                ..AccountSwitchesPatch::default()
            };
            let token = self.jwt.secret.get_untracked();
            let csrf = self.session.secret.get_untracked();
            let answer = match (&token, &csrf) {
                (Some(token), _) => {
                    client::put_account_switches(&patch, Credential::Bearer(token)).await
                }
                (None, Some(csrf)) => {
                    client::put_account_switches(&patch, Credential::Csrf(csrf)).await
                }
                (None, None) => {
                    self.jwt.message.set(Some(
                        "log in first: the switch belongs to an account".into(),
                    ));
                    return;
                }
            };
            if let Ok(settings) = answer.result {
                self.denylist.set(Some(settings.denylist));
            }
        });
    }
}

impl Default for CompareModel {
    fn default() -> Self {
        Self::new()
    }
}
