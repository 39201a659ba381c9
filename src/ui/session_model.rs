//! The browser side of cookie-session mode: what the page knows (the server's report of the session
//! and the CSRF token, never the session id itself), and the actions the buttons run. Each action
//! is one API call, recorded for the inspector with its status and decision trace.

use super::exclusive::run_exclusive;
use crate::{
    ui::browser,
    ui::client::{self, Answer, Call, Credential},
    wire::{AccountSwitchesPatch, Credentials, SameSite, SessionState, SessionView},
};
use leptos::{prelude::*, task::spawn_local};

#[derive(Clone, Copy)]
pub struct SessionModel {
    /// The signed-in session as the server reported it; `None` when logged out.
    pub state: RwSignal<Option<SessionState>>,
    /// The most recent request, for the inspector.
    pub last: RwSignal<Option<Call>>,
    /// The last error sentence the server gave.
    pub message: RwSignal<Option<String>>,
    pub sessions: RwSignal<Vec<SessionView>>,
    /// What `document.cookie` returned after the last call.
    pub document_cookie: RwSignal<String>,
    /// Server clock minus browser clock, so countdowns follow the server's deadlines.
    pub skew: RwSignal<i64>,
    pub busy: RwSignal<bool>,
}

impl SessionModel {
    pub fn new() -> Self {
        SessionModel {
            state: RwSignal::new(None),
            last: RwSignal::new(None),
            message: RwSignal::new(None),
            sessions: RwSignal::new(Vec::new()),
            document_cookie: RwSignal::new(String::new()),
            skew: RwSignal::new(0),
            busy: RwSignal::new(false),
        }
    }

    fn csrf(&self) -> String {
        self.state
            .get_untracked()
            .map(|s| s.csrf_token)
            .unwrap_or_default()
    }

    fn record<T>(&self, answer: &Answer<T>) {
        answer.show_in(self.last, self.message);
        self.document_cookie.set(browser::document_cookie());
        if answer.call.status == 401 {
            // The server no longer knows this session: the page must not pretend otherwise.
            self.state.set(None);
            self.sessions.set(Vec::new());
        }
    }

    fn adopt(&self, state: SessionState) {
        self.skew.set(state.server_now - browser::now_secs());
        self.state.set(Some(state));
    }

    /// Run one action at a time, with the busy flag set.
    fn run(self, action: impl std::future::Future<Output = ()> + 'static) {
        run_exclusive(self.busy, action);
    }

    /// After a reload: ask the server whether the browser's cookie is a live session.
    pub fn restore(self) {
        spawn_local(ask(self, Ask::Restore));
    }

    pub fn login(self, credentials: Credentials) {
        self.run(ask(self, Ask::Login(credentials)));
    }

    pub fn call_me(self) {
        self.run(ask(self, Ask::CallMe));
    }

    pub fn logout(self) {
        let csrf = self.csrf();
        self.run(ask(self, Ask::Logout { csrf }));
    }

    pub fn refresh_sessions(self) {
        spawn_local(ask(self, Ask::RefreshSessions));
    }

    pub fn revoke(self, handle: String) {
        let csrf = self.csrf();
        self.run(ask(self, Ask::Revoke { handle, csrf }));
    }

    pub fn logout_others(self) {
        let csrf = self.csrf();
        self.run(ask(self, Ask::LogoutOthers { csrf }));
    }

    pub fn set_same_site(self, same_site: SameSite) {
        let csrf = self.csrf();
        self.run(ask(self, Ask::SetSameSite { same_site, csrf }));
    }
}

/// What a button (or a reload) asks the server.
pub(crate) enum Ask {
    Restore,
    Login(Credentials),
    CallMe,
    Logout { csrf: String },
    RefreshSessions,
    Revoke { handle: String, csrf: String },
    LogoutOthers { csrf: String },
    SetSameSite { same_site: SameSite, csrf: String },
}

/// Every session-mode call, and the readers of every answer, in a WASM file of their own
/// (`#[lazy]`). A first visit carries no session cookie, so it has nothing to restore and never
/// fetches this file until the visitor reaches for the form (`playground` preloads it then).
#[lazy]
pub(crate) async fn ask(lab: SessionModel, ask: Ask) {
    match ask {
        Ask::Restore => {
            if let Ok(Some(state)) = client::session_current().await.result {
                lab.adopt(state);
                lab.refresh_sessions();
            }
        }
        Ask::Login(credentials) => {
            let answer = client::session_login(&credentials).await;
            lab.record(&answer);
            if let Ok(state) = answer.result {
                lab.adopt(state);
                browser::focus_testid("signed-in");
                lab.refresh_sessions();
            }
        }
        Ask::CallMe => {
            let answer = client::me(Credential::Cookies).await;
            lab.record(&answer);
        }
        Ask::Logout { csrf } => {
            let answer = client::session_logout(&csrf).await;
            lab.record(&answer);
            if answer.result.is_ok() {
                lab.state.set(None);
                lab.sessions.set(Vec::new());
            }
        }
        Ask::RefreshSessions => {
            if let Ok(list) = client::session_list().await.result {
                lab.sessions.set(list);
            }
        }
        Ask::Revoke { handle, csrf } => {
            let answer = client::session_revoke(&handle, &csrf).await;
            lab.record(&answer);
            lab.refresh_sessions();
        }
        Ask::LogoutOthers { csrf } => {
            let answer = client::session_logout_others(&csrf).await;
            lab.record(&answer);
            lab.refresh_sessions();
        }
        Ask::SetSameSite { same_site, csrf } => {
            let patch = AccountSwitchesPatch {
                same_site: Some(same_site),
                ..AccountSwitchesPatch::default()
            };
            let answer = client::put_account_switches(&patch, Credential::Csrf(&csrf)).await;
            lab.record(&answer);
            if answer.result.is_ok() {
                // The server re-issued the cookie; fetch its new report.
                if let Ok(Some(state)) = client::session_current().await.result {
                    lab.adopt(state);
                }
            }
        }
    }
}

impl Default for SessionModel {
    fn default() -> Self {
        Self::new()
    }
}
