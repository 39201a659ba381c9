//! The browser side of bearer-JWT mode: the page itself holds the access token (in WASM memory by
//! default, or in sessionStorage/localStorage when the learner picks them, to see the XSS risk) and
//! attaches it to every call as `Authorization: Bearer`. The refresh token never reaches the page:
//! it lives in an HttpOnly cookie scoped to /api/jwt. What the inspector shows of the token is the
//! server's own decode report, never a second, client-side parser.

use super::exclusive::run_exclusive;
use crate::{
    ui::browser,
    ui::client::{self, Answer, Call, Credential},
    wire::{
        AccountSwitches, AccountSwitchesPatch, AuthTrace, Credentials, DecodeReport, Defence,
        JwtAlg, TokenResponse,
    },
};
use leptos::{prelude::*, task::spawn_local};

/// Where the page keeps the access token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenStore {
    /// A Rust variable in the WASM instance: no script can enumerate it, and a reload forgets it.
    Memory,
    SessionStorage,
    LocalStorage,
}

impl TokenStore {
    pub const ALL: [TokenStore; 3] = [
        TokenStore::Memory,
        TokenStore::SessionStorage,
        TokenStore::LocalStorage,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TokenStore::Memory => "memory",
            TokenStore::SessionStorage => "sessionStorage",
            TokenStore::LocalStorage => "localStorage",
        }
    }

    fn parse(text: &str) -> TokenStore {
        TokenStore::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
            .unwrap_or(TokenStore::Memory)
    }

    /// The learner's saved choice (memory when none was saved).
    pub fn chosen() -> TokenStore {
        browser::local_get(STORE_KEY)
            .map(|s| TokenStore::parse(&s))
            .unwrap_or(TokenStore::Memory)
    }

    /// The token kept in this store, if any (memory keeps nothing across a load).
    pub fn read(self) -> Option<String> {
        match self {
            TokenStore::Memory => None,
            TokenStore::SessionStorage => browser::session_get(TOKEN_KEY),
            TokenStore::LocalStorage => browser::local_get(TOKEN_KEY),
        }
    }

    /// Keep `token` in this store and nowhere else (`None`: in no storage at all).
    pub fn write(self, token: Option<&str>) {
        browser::session_remove(TOKEN_KEY);
        browser::local_remove(TOKEN_KEY);
        match (self, token) {
            (TokenStore::SessionStorage, Some(token)) => browser::session_set(TOKEN_KEY, token),
            (TokenStore::LocalStorage, Some(token)) => browser::local_set(TOKEN_KEY, token),
            _ => {}
        }
    }
}

/// The storage key the token is written under (when not in memory).
pub const TOKEN_KEY: &str = "authlab.access_token";
const STORE_KEY: &str = "authlab.token_store";

#[derive(Clone, Copy)]
pub struct JwtModel {
    pub token: RwSignal<Option<String>>,
    /// The token held before the last logout, kept so the learner can replay it.
    pub previous: RwSignal<Option<String>>,
    /// The server's decode report of `token`.
    pub report: RwSignal<Option<DecodeReport>>,
    pub refresh_expires_at: RwSignal<Option<i64>>,
    pub settings: RwSignal<Option<AccountSwitches>>,
    pub store: RwSignal<TokenStore>,
    /// Refresh silently shortly before the access token expires.
    pub silent: RwSignal<bool>,
    pub refreshing: RwSignal<bool>,
    pub last: RwSignal<Option<Call>>,
    pub message: RwSignal<Option<String>>,
    /// What the "injected script" found: (where, what).
    pub injected: RwSignal<Option<Vec<(String, String)>>>,
    pub skew: RwSignal<i64>,
    pub busy: RwSignal<bool>,
    /// The server's verdict on `token` now (introspection): re-asked at expiry and after every
    /// change that can revoke it, so the inspector never keeps saying "allowed" on its own.
    pub verdict: RwSignal<Option<AuthTrace>>,
    /// How long past `exp` the server still accepts a token, as it said at login.
    pub leeway_secs: RwSignal<i64>,
    /// The token whose expiry has been re-checked already (once is enough).
    expiry_checked: StoredValue<Option<String>>,
}

impl JwtModel {
    pub fn new() -> Self {
        JwtModel {
            token: RwSignal::new(None),
            previous: RwSignal::new(None),
            report: RwSignal::new(None),
            refresh_expires_at: RwSignal::new(None),
            settings: RwSignal::new(None),
            store: RwSignal::new(TokenStore::Memory),
            silent: RwSignal::new(true),
            refreshing: RwSignal::new(false),
            last: RwSignal::new(None),
            message: RwSignal::new(None),
            injected: RwSignal::new(None),
            skew: RwSignal::new(0),
            busy: RwSignal::new(false),
            verdict: RwSignal::new(None),
            leeway_secs: RwSignal::new(0),
            expiry_checked: StoredValue::new(None),
        }
    }

    /// The token's `exp` and `iat`, from the server's decode report.
    pub fn times(&self) -> Option<(i64, i64)> {
        self.report.with(|report| {
            let payload = report.as_ref()?.payload.as_ref()?;
            Some((payload.get("exp")?.as_i64()?, payload.get("iat")?.as_i64()?))
        })
    }

    fn record<T>(&self, answer: &Answer<T>) {
        answer.show_in(self.last, self.message);
    }

    fn run(self, action: impl std::future::Future<Output = ()> + 'static) {
        run_exclusive(self.busy, action);
    }

    /// Ask the server for its verdict on the current token now.
    pub fn recheck(self) {
        let Some(token) = self.token.get_untracked() else {
            self.verdict.set(None);
            return;
        };
        spawn_local(async move {
            if let Ok(judged) = client::jwt_introspect(&token).await.result {
                if self.token.get_untracked().as_deref() == Some(token.as_str()) {
                    self.verdict.set(Some(judged.auth));
                }
            }
        });
    }

    /// After a reload: the saved storage choice, and a token kept there (memory is empty, which
    /// is the price of keeping it away from scripts).
    pub fn restore(self) {
        let store = TokenStore::chosen();
        self.store.set(store);
        if let Some(token) = store.read() {
            self.adopt_token(token);
        }
    }

    /// Hold `token` (from a login, a refresh, storage, or the page's identity).
    pub fn adopt_token(self, token: String) {
        self.token.set(Some(token.clone()));
        self.persist(self.store.get_untracked());
        self.verdict.set(None);
        spawn_local(async move {
            if let Ok(report) = client::jwt_decode(&token).await.result {
                if self.token.get_untracked().as_deref() == Some(token.as_str()) {
                    self.report.set(Some(report));
                }
            }
            self.recheck();
            if let Ok(settings) = client::get_account_switches(Credential::Bearer(&token))
                .await
                .result
            {
                self.settings.set(Some(settings));
            }
        });
    }

    fn adopt(self, tokens: TokenResponse) {
        self.skew.set(tokens.server_now - browser::now_secs());
        self.leeway_secs.set(tokens.leeway_secs as i64);
        self.refresh_expires_at.set(Some(tokens.refresh_expires_at));
        self.adopt_token(tokens.access_token);
    }

    /// Write the token where the learner chose, and nowhere else.
    fn persist(&self, store: TokenStore) {
        store.write(self.token.get_untracked().as_deref());
    }

    pub fn set_store(self, store: TokenStore) {
        self.store.set(store);
        browser::local_set(STORE_KEY, store.as_str());
        self.persist(store);
        self.injected.set(None);
    }

    pub fn login(self, credentials: Credentials) {
        self.run(async move {
            let answer = client::jwt_login(&credentials).await;
            self.record(&answer);
            if let Ok(tokens) = answer.result {
                self.adopt(tokens);
                browser::focus_testid("jwt-holding");
            }
        });
    }

    pub fn call_me(self) {
        let token = self.token.get_untracked().unwrap_or_default();
        self.run(async move {
            let answer = client::me(Credential::Bearer(&token)).await;
            self.record(&answer);
        });
    }

    /// Replay the token held before the last logout.
    pub fn replay_previous(self) {
        let Some(token) = self.previous.get_untracked() else {
            return;
        };
        self.run(async move {
            let answer = client::me(Credential::Bearer(&token)).await;
            self.record(&answer);
        });
    }

    pub fn refresh(self) {
        if self.refreshing.get_untracked() {
            return;
        }
        self.refreshing.set(true);
        spawn_local(async move {
            let answer = client::jwt_refresh().await;
            self.record(&answer);
            if let Ok(tokens) = answer.result {
                self.adopt(tokens);
            }
            self.refreshing.set(false);
        });
    }

    /// Called every second: re-ask the verdict once the token is past `exp + leeway`, and
    /// refresh silently when it nears its end.
    pub fn tick(self, server_now: i64) {
        if let (Some((exp, _)), Some(token)) = (self.times(), self.token.get_untracked()) {
            let past = server_now > exp + self.leeway_secs.get_untracked();
            if past && self.expiry_checked.get_value().as_ref() != Some(&token) {
                self.expiry_checked.set_value(Some(token));
                self.recheck();
            }
        }
        if !self.silent.get_untracked() || self.refreshing.get_untracked() {
            return;
        }
        if let Some((exp, iat)) = self.times() {
            let margin = ((exp - iat) / 3).max(2);
            if exp - server_now <= margin && self.token.get_untracked().is_some() {
                self.refresh();
            }
        }
    }

    pub fn logout(self) {
        let token = self.token.get_untracked();
        self.run(async move {
            let answer = client::jwt_logout(token.as_deref()).await;
            self.record(&answer);
            if answer.result.is_ok() {
                self.previous.set(token);
                self.token.set(None);
                self.report.set(None);
                self.verdict.set(None);
                self.refresh_expires_at.set(None);
                self.persist(self.store.get_untracked());
            }
        });
    }

    pub fn logout_everywhere(self) {
        let token = self.token.get_untracked().unwrap_or_default();
        self.run(async move {
            let answer = client::jwt_logout_everywhere(&token).await;
            self.record(&answer);
            self.recheck();
        });
    }

    pub fn rotate_key(self) {
        let token = self.token.get_untracked().unwrap_or_default();
        self.run(async move {
            let answer = client::jwt_rotate_key(&token).await;
            self.record(&answer);
            self.recheck();
        });
    }

    pub fn retire_keys(self) {
        let token = self.token.get_untracked().unwrap_or_default();
        self.run(async move {
            let answer = client::jwt_retire_keys(&token).await;
            self.record(&answer);
            self.recheck();
        });
    }

    pub fn switch(self, patch: AccountSwitchesPatch) {
        let token = self.token.get_untracked().unwrap_or_default();
        self.run(async move {
            let answer = client::put_account_switches(&patch, Credential::Bearer(&token)).await;
            self.record(&answer);
            if let Ok(settings) = answer.result {
                self.settings.set(Some(settings));
            }
            self.recheck();
        });
    }

    /// Switch one verifier defence off (or back on) for this account, keeping the others.
    pub fn set_defence_off(self, defence: Defence, off: bool) {
        let mut set = self
            .settings
            .get_untracked()
            .map(|s| s.defences_off)
            .unwrap_or_default();
        set.retain(|d| *d != defence);
        if off {
            set.push(defence);
        }
        self.switch(AccountSwitchesPatch {
            defences_off: Some(set),
            ..AccountSwitchesPatch::default()
        });
    }

    pub fn set_alg(self, alg: JwtAlg) {
        self.switch(AccountSwitchesPatch {
            jwt_alg: Some(alg),
            ..AccountSwitchesPatch::default()
        });
    }

    pub fn set_denylist(self, on: bool) {
        self.switch(AccountSwitchesPatch {
            denylist: Some(on),
            ..AccountSwitchesPatch::default()
        });
    }

    /// A stand-in for an XSS payload: it reads everything a script on this page can read.
    pub fn run_injected_script(self) {
        let shown = |value: Option<String>| value.unwrap_or_else(|| "(nothing)".into());
        let cookies = browser::document_cookie();
        self.injected.set(Some(vec![
            (format!("sessionStorage[{TOKEN_KEY:?}]"), shown(browser::session_get(TOKEN_KEY))),
            (format!("localStorage[{TOKEN_KEY:?}]"), shown(browser::local_get(TOKEN_KEY))),
            (
                "document.cookie".into(),
                if cookies.is_empty() { "(nothing: the cookies are HttpOnly)".into() } else { cookies },
            ),
            (
                "WASM memory".into(),
                "(not readable by name. But the same script could wrap fetch() and catch the token as it is sent, or simply call the API as you: storage decides only whether a token can be carried away for later)".into(),
            ),
        ]));
    }
}

impl Default for JwtModel {
    fn default() -> Self {
        Self::new()
    }
}
