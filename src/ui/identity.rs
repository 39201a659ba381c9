//! Who the learner is signed in as: one answer for every page, asked of the server once per page
//! load and shared by every part of the page (the header, the playground, the workbench, the
//! challenges). A cookie session is found by asking the server about the cookie the browser holds
//! (the page cannot read it: it is HttpOnly); a bearer token by reading where the playground keeps
//! it, or, when it is kept in memory only (lost on every page load), by spending the refresh
//! cookie for a new one, as a single-page app does.
//!
//! In the browser the answer lives in one signal per page (`who`); every island and component
//! reads the same one, so signing in or out anywhere is seen everywhere at once.

use super::{
    browser,
    client::{self, Credential},
    jwt_model::TokenStore,
};
use crate::wire::AuthMode;
use leptos::prelude::*;

/// Where the playground keeps the chosen mode (`playground.rs` writes it).
pub const MODE_KEY: &str = "authlab.mode";
/// Set while this browser holds a bearer sign-in (not a secret: only whether to try the refresh
/// cookie at all, so a page load never sends a refresh that can only be refused).
const BEARER_KEY: &str = "authlab.bearer_signed_in";

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Who {
    /// Not asked yet (the server render, and the moment before the answer).
    Asking,
    SignedOut,
    /// A cookie session; `csrf` goes with every state-changing request.
    Session {
        username: String,
        csrf: String,
    },
    /// A bearer token the page holds.
    Bearer {
        username: String,
        token: String,
    },
}

impl Who {
    pub fn username(&self) -> Option<&str> {
        match self {
            Who::Session { username, .. } | Who::Bearer { username, .. } => Some(username),
            _ => None,
        }
    }

    pub fn mode(&self) -> Option<AuthMode> {
        match self {
            Who::Session { .. } => Some(AuthMode::Session),
            Who::Bearer { .. } => Some(AuthMode::Jwt),
            _ => None,
        }
    }

    /// What a request made for this learner carries.
    pub fn credential(&self) -> Option<Credential<'_>> {
        match self {
            Who::Session { csrf, .. } => Some(Credential::Csrf(csrf)),
            Who::Bearer { token, .. } => Some(Credential::Bearer(token)),
            _ => None,
        }
    }
}

thread_local! {
    /// The page's one answer. A WASM page runs on one thread, so one per page.
    static WHO: ArcRwSignal<Who> = ArcRwSignal::new(Who::Asking);
    static ASKED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    static HAD_COOKIE: std::cell::Cell<bool> = const { std::cell::Cell::new(true) };
    /// A refresh is under way: a second one at once would present a spent refresh token, which
    /// the server rightly takes for theft and ends the family.
    static REFRESHING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// Experiments holding the browser now (each with the learner's sign-in set aside).
    static BORROWED: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
    /// The request for this page carried a parked sign-in: an experiment ended without giving
    /// it back (its tab closed or reloaded mid-run).
    static HAD_PARKED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The signal every part of the page reads.
pub fn who() -> ArcRwSignal<Who> {
    WHO.with(Clone::clone)
}

/// Say who the learner is now (after a login or logout made anywhere on the page).
pub fn set(now: Who) {
    match &now {
        Who::Bearer { .. } => browser::local_set(BEARER_KEY, "1"),
        Who::SignedOut => browser::local_remove(BEARER_KEY),
        _ => {}
    }
    who().set(now);
}

/// Ask the server once per page load (the first caller asks; later ones wait for its answer
/// through the signal). `had_cookie`: whether the request for this page carried a session cookie
/// (the server knows, the page cannot: it is HttpOnly); without one there is no session to ask
/// about, and a first visit sends nothing.
pub fn find_out_with(had_cookie: bool, had_parked: bool) {
    HAD_COOKIE.with(|had| had.set(had_cookie));
    HAD_PARKED.with(|had| had.set(had_parked));
    find_out();
}

/// `find_out_with`, for a part of the page that does not know about the cookie (the header has
/// told, or will tell, by then).
pub fn find_out() {
    // Only a browser can ask (the server renders every page as "asking", and its threads serve
    // many learners: nothing of one may stay behind for the next).
    if cfg!(not(feature = "hydrate")) {
        return;
    }
    if ASKED.with(|asked| asked.replace(true)) {
        return;
    }
    leptos::task::spawn_local(async {
        if HAD_PARKED.with(std::cell::Cell::get) {
            // An experiment left the learner's sign-in aside (its page was closed or loaded
            // again mid-run): theirs again before anything else is asked.
            let _ = client::give_back().await;
            HAD_COOKIE.with(|had| had.set(true));
        }
        let found = ask().await;
        set(found);
    });
}

/// For an island of an islands page (`/account`, `/teach`, `/admin`): the page's clock if no
/// other part provided it, the identity asked for, and who it is, followed through a signal of the
/// island's own that changes only after hydration (the page the server rendered knew nobody, and
/// hydration must meet exactly that). `on_signed_in` runs each time a signed-in learner is known.
pub fn for_island(on_signed_in: impl Fn() + 'static) -> ArcRwSignal<Who> {
    if use_context::<crate::ui::when::Clock>().is_none() {
        crate::ui::when::provide_clock();
        crate::ui::hydrated::mark_hydrated();
    }
    Effect::new(move |_| find_out());
    let known = who();
    let shown = ArcRwSignal::new(Who::Asking);
    let follow = shown.clone();
    Effect::new(move |_| {
        let now = known.get();
        let signed_in = now.credential().is_some();
        follow.set(now);
        if signed_in {
            on_signed_in();
        }
    });
    shown
}

/// Ask the server again, now: the browser's credential changed under the page (an experiment
/// signed the browser in as its own account).
pub async fn ask_again() -> Who {
    // Whatever the page was loaded with, the browser may hold a session cookie now.
    HAD_COOKIE.with(|had| had.set(true));
    let found = ask().await;
    set(found.clone());
    found
}

/// The learner's sign-in while an experiment borrows the browser: an experiment signs the browser
/// in as its own (scratch) account, and the server sets the learner's cookie aside meanwhile
/// (`api::set_aside`). Taken before the experiment (`set_aside`); `give_back` after it, whatever
/// it did.
pub struct SetAside {
    before: Who,
}

/// Note who the learner is before an experiment signs the browser in as its own account. A
/// bearer token is made fresh first: until the give-back the refresh cookie is the experiment's,
/// and `fresh` will not spend it.
async fn set_aside() -> SetAside {
    let before = fresh().await;
    BORROWED.with(|n| n.set(n.get() + 1));
    SetAside { before }
}

impl SetAside {
    /// The experiment is over: the learner's own sign-in is the browser's again, and the page
    /// says who it is signed in as now.
    pub async fn give_back(mut self) {
        let given = client::give_back().await.result.unwrap_or_default();
        let before = std::mem::replace(&mut self.before, Who::Asking);
        drop(self);
        let restored = match &before {
            // The same session (its CSRF token with it), or the same token: the page's own copy
            // of the access token was never touched, and its refresh cookie is back.
            Who::Session { username, .. } => given.session.as_deref() == Some(username.as_str()),
            Who::Bearer { .. } => true,
            _ => false,
        };
        if restored {
            set(before);
        } else if who().get_untracked() != before {
            ask_again().await;
        }
    }
}

/// Where an experiment keeps the learner's sign-in while it holds the browser: set aside once,
/// however often the experiment starts again before it ends, and given back once.
#[derive(Clone, Copy)]
pub struct Borrowed(StoredValue<Option<SetAside>>);

impl Default for Borrowed {
    fn default() -> Self {
        Borrowed(StoredValue::new(None))
    }
}

impl Borrowed {
    /// Set the learner's sign-in aside, unless this experiment holds it already.
    pub async fn set_aside(self) {
        if self.0.with_value(Option::is_none) {
            let aside = set_aside().await;
            self.0.set_value(Some(aside));
        }
    }

    /// The learner's sign-in, if this experiment holds it, taken now (the page may be gone by
    /// the time it is given back).
    pub fn take(self) -> Option<SetAside> {
        self.0.try_update_value(Option::take).flatten()
    }

    /// Give the learner's sign-in back now, if this experiment holds it.
    pub async fn give_back(self) {
        if let Some(aside) = self.take() {
            aside.give_back().await;
        }
    }
}

impl Drop for SetAside {
    fn drop(&mut self) {
        BORROWED.with(|n| n.set(n.get().saturating_sub(1)));
    }
}

async fn ask() -> Who {
    let bearer = browser::local_get(MODE_KEY).as_deref() == Some("jwt");
    if !bearer {
        if !HAD_COOKIE.with(std::cell::Cell::get) {
            return Who::SignedOut;
        }
        return match client::session_current().await.result {
            Ok(Some(state)) => Who::Session {
                username: state.username,
                csrf: state.csrf_token,
            },
            _ => Who::SignedOut,
        };
    }
    let saved = TokenStore::chosen().read();
    if let Some(token) = saved {
        if let Ok(me) = client::me(Credential::Bearer(&token)).await.result {
            return Who::Bearer {
                username: me.username,
                token,
            };
        }
    }
    // Kept in memory only (or expired): the refresh cookie, HttpOnly and sent only to
    // /api/jwt, buys a new access token without the password; tried only where this browser
    // signed in with a token.
    if browser::local_get(BEARER_KEY).is_none() {
        return Who::SignedOut;
    }
    match client::jwt_refresh().await.result {
        Ok(tokens) => {
            let token = tokens.access_token;
            keep(&token);
            match client::me(Credential::Bearer(&token)).await.result {
                Ok(me) => Who::Bearer {
                    username: me.username,
                    token,
                },
                Err(_) => Who::SignedOut,
            }
        }
        Err(_) => Who::SignedOut,
    }
}

/// The identity with a token still valid for a moment: a bearer token about to expire (or past
/// `exp`) is replaced first, by spending the refresh cookie once for the whole page. The
/// playground refreshes its own token ahead of time, and the page follows it, so this rarely has
/// anything to do there.
pub async fn fresh() -> Who {
    let now = who().get_untracked();
    let Who::Bearer { username, token } = &now else {
        return now;
    };
    let expires = token
        .split('.')
        .nth(1)
        .and_then(browser::decode_segment)
        .and_then(|payload| serde_json::from_str::<serde_json::Value>(&payload).ok())
        .and_then(|payload| payload.get("exp")?.as_i64());
    if expires.is_some_and(|exp| exp - browser::now_secs() > 1) {
        return now;
    }
    if BORROWED.with(std::cell::Cell::get) > 0 {
        // An experiment holds the browser: the refresh cookie is its account's, and spending it
        // would buy that account a token (and spend the experiment's own). The learner's comes
        // back with the give-back.
        return now;
    }
    if REFRESHING.with(|busy| busy.replace(true)) {
        // Another part of the page is refreshing: wait for its answer.
        for _ in 0..50 {
            browser::sleep_ms(100).await;
            if !REFRESHING.with(std::cell::Cell::get) {
                break;
            }
        }
        return who().get_untracked();
    }
    let username = username.clone();
    let refreshed = client::jwt_refresh().await.result;
    let next = match refreshed {
        Ok(tokens) => {
            let token = tokens.access_token;
            keep(&token);
            Who::Bearer { username, token }
        }
        Err(_) => Who::SignedOut,
    };
    set(next.clone());
    REFRESHING.with(|busy| busy.set(false));
    next
}

/// Keep `token` where the playground's storage choice says (in memory: nowhere; the page loses
/// it on reload and buys a new one with the refresh cookie).
fn keep(token: &str) {
    TokenStore::chosen().write(Some(token));
}

/// Sign in from the header, in `mode`, and load the page again so every part of it starts from
/// the new identity.
pub async fn sign_in(mode: AuthMode, credentials: crate::wire::Credentials) -> Result<(), String> {
    browser::local_set(MODE_KEY, mode.as_str());
    match mode {
        AuthMode::Session => {
            client::session_login(&credentials)
                .await
                .result
                .map_err(|e| e.to_string())?;
        }
        AuthMode::Jwt => {
            let tokens = client::jwt_login(&credentials)
                .await
                .result
                .map_err(|e| e.to_string())?;
            browser::local_set(BEARER_KEY, "1");
            keep(&tokens.access_token);
        }
    }
    browser::reload();
    Ok(())
}

/// Sign out from the header: the session's record deleted, or the bearer family revoked (and the
/// token denied where the account's denylist is on), then the page loaded again.
pub async fn sign_out() {
    match who().get_untracked() {
        Who::Session { csrf, .. } => {
            let _ = client::session_logout(&csrf).await;
        }
        Who::Bearer { token, .. } => {
            let _ = client::jwt_logout(Some(&token)).await;
            TokenStore::chosen().write(None);
        }
        _ => {}
    }
    set(Who::SignedOut);
    browser::reload();
}
