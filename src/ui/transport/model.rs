//! The browser side of the four modes that cross the two classic ones: a JWT in a cookie, a
//! session id in a header, a DPoP-bound JWT and a backend-for-frontend. One model, the mode
//! deciding which endpoint each action calls and what the page holds: what an injected script
//! could find is exactly what this model keeps where a script can look.

use crate::{
    ui::{
        browser,
        client::{self, Answer, Call, Credential},
        dpop_key,
        exclusive::run_exclusive,
    },
    wire::{
        paths, AccountSwitchesPatch, BffAnswer, BffState, CookieTokenState, Credentials, Transport,
    },
};
use leptos::{prelude::*, task::spawn_local};

/// Where the page keeps a session id sent in a header, and a DPoP-bound token: localStorage, so
/// a reload keeps them, and so the XSS card finds them (a bound token is stolen but useless
/// elsewhere; a session id is stolen and works).
pub const SESSION_ID_KEY: &str = "authlab.session_id";
pub const DPOP_TOKEN_KEY: &str = "authlab.dpop_token";

/// What the page holds in each mode.
#[derive(Clone, Debug, PartialEq)]
pub enum Holding {
    /// Nothing a script can read: the token is in the HttpOnly access cookie. The page keeps the
    /// token's CSRF claim and what the server said about the cookie.
    JwtCookie(CookieTokenState),
    /// The session id itself, in localStorage.
    SessionHeader { session_id: String },
    /// The bound token (in localStorage) and the thumbprint of the key it is bound to.
    Dpop {
        token: String,
        jkt: String,
        expires_at: i64,
    },
    /// Nothing but the session cookie (HttpOnly); the page keeps its CSRF token and what the BFF
    /// says it holds.
    Bff(BffState),
}

#[derive(Clone, Copy)]
pub struct TransportModel {
    pub mode: Transport,
    pub holding: RwSignal<Option<Holding>>,
    /// What was held before the last logout, to replay.
    pub previous: RwSignal<Option<Holding>>,
    pub last: RwSignal<Option<Call>>,
    /// The last call through the BFF: both hops.
    pub hops: RwSignal<Option<BffAnswer>>,
    pub message: RwSignal<Option<String>>,
    /// What the "injected script" found: (where, what).
    pub injected: RwSignal<Option<Vec<(String, String)>>>,
    pub busy: RwSignal<bool>,
    /// Server time minus this browser's, for proofs' `iat` and the countdowns.
    pub skew: RwSignal<i64>,
}

impl TransportModel {
    pub fn new(mode: Transport) -> Self {
        TransportModel {
            mode,
            holding: RwSignal::new(None),
            previous: RwSignal::new(None),
            last: RwSignal::new(None),
            hops: RwSignal::new(None),
            message: RwSignal::new(None),
            injected: RwSignal::new(None),
            busy: RwSignal::new(false),
            skew: RwSignal::new(0),
        }
    }

    fn record<T>(&self, answer: &Answer<T>) {
        answer.show_in(self.last, self.message);
    }

    fn run(self, action: impl std::future::Future<Output = ()> + 'static) {
        run_exclusive(self.busy, action);
    }

    fn server_now(&self) -> i64 {
        browser::now_secs() + self.skew.get_untracked()
    }

    /// A proof by the page's key for `method` `path`, beside `token`.
    async fn proof(&self, method: &str, path: &str, token: Option<&str>) -> Result<String, String> {
        dpop_key::proof(method, path, token, self.server_now()).await
    }

    /// The CSRF token a cookie mode's write repeats.
    fn csrf(&self) -> Option<String> {
        match self.holding.get_untracked()? {
            Holding::JwtCookie(state) => Some(state.csrf_token),
            Holding::Bff(state) => Some(state.csrf_token),
            _ => None,
        }
    }

    fn keep(&self, holding: Option<Holding>) {
        // Only the two header modes put anything where a script can read it.
        match &holding {
            Some(Holding::SessionHeader { session_id }) => {
                browser::local_set(SESSION_ID_KEY, session_id)
            }
            Some(Holding::Dpop { token, .. }) => browser::local_set(DPOP_TOKEN_KEY, token),
            _ => {}
        }
        if holding.is_none() {
            match self.mode {
                Transport::SessionHeader => browser::local_remove(SESSION_ID_KEY),
                Transport::Dpop => browser::local_remove(DPOP_TOKEN_KEY),
                _ => {}
            }
        }
        self.holding.set(holding);
    }

    pub fn login(self, credentials: Credentials) {
        self.run(async move {
            let holding = match self.mode {
                Transport::JwtCookie => {
                    let answer = client::jwt_cookie_login(&credentials).await;
                    self.record(&answer);
                    answer.result.ok().map(|state| {
                        self.skew.set(state.server_now - browser::now_secs());
                        Holding::JwtCookie(state)
                    })
                }
                Transport::SessionHeader => {
                    let answer = client::header_login(&credentials).await;
                    self.record(&answer);
                    answer.result.ok().map(|state| {
                        self.skew.set(state.server_now - browser::now_secs());
                        Holding::SessionHeader {
                            session_id: state.session_id,
                        }
                    })
                }
                Transport::Dpop => self.dpop_login(&credentials).await,
                Transport::Bff => {
                    let answer = client::bff_login(&credentials).await;
                    self.record(&answer);
                    answer.result.ok().map(|state| {
                        self.skew.set(state.server_now - browser::now_secs());
                        Holding::Bff(state)
                    })
                }
                Transport::Session | Transport::Bearer => None,
            };
            if holding.is_some() {
                self.keep(holding);
                self.hops.set(None);
                browser::focus_testid("transport-holding");
            }
        });
    }

    async fn dpop_login(&self, credentials: &Credentials) -> Option<Holding> {
        let key = match dpop_key::public_key().await {
            Ok(key) => key,
            Err(err) => {
                self.message.set(Some(format!("no DPoP key: {err}")));
                return None;
            }
        };
        let proof = match self.proof("POST", paths::jwt::LOGIN, None).await {
            Ok(proof) => proof,
            Err(err) => {
                self.message.set(Some(format!("no DPoP proof: {err}")));
                return None;
            }
        };
        let answer = client::dpop_login(credentials, &proof).await;
        self.record(&answer);
        let tokens = answer.result.ok()?;
        self.skew.set(tokens.server_now - browser::now_secs());
        let jkt =
            thumbprint_of(&tokens.access_token).unwrap_or_else(|| format!("{}…", &key.x[..8]));
        Some(Holding::Dpop {
            expires_at: tokens.server_now + tokens.expires_in as i64,
            token: tokens.access_token,
            jkt,
        })
    }

    /// `GET /api/me` the way this mode sends it.
    pub fn call_me(self) {
        let holding = self.holding.get_untracked();
        self.run(async move { self.me_with(holding).await });
    }

    /// Replay what was held before the last logout: the two header modes can (the page still
    /// has the old credential); in the cookie modes the browser dropped the cookie at logout, so
    /// only a copy made earlier could be replayed (the transport grid does it).
    pub fn replay_previous(self) {
        let holding = self.previous.get_untracked();
        self.run(async move { self.me_with(holding).await });
    }

    async fn me_with(&self, holding: Option<Holding>) {
        match (self.mode, holding) {
            (Transport::SessionHeader, Some(Holding::SessionHeader { session_id })) => {
                let answer = client::me(Credential::Bearer(&session_id)).await;
                self.record(&answer);
            }
            (Transport::Dpop, Some(Holding::Dpop { token, .. })) => {
                match self.proof("GET", paths::ME, Some(&token)).await {
                    Ok(proof) => {
                        let credential = Credential::Dpop {
                            token: Some(&token),
                            proof: &proof,
                        };
                        let answer = client::me(credential).await;
                        self.record(&answer);
                    }
                    Err(err) => self.message.set(Some(format!("no DPoP proof: {err}"))),
                }
            }
            (Transport::Bff, _) => {
                let answer = client::bff_call::<()>("GET", paths::ME, None, None).await;
                self.record(&answer);
                self.hops.set(answer.result.ok());
            }
            // The browser attaches the access cookie by itself.
            _ => {
                let answer = client::me(Credential::Cookies).await;
                self.record(&answer);
            }
        }
    }

    /// A write: switch this account's server-side revocation (the denylist) on or off.
    pub fn set_denylist(self, on: bool) {
        let patch = AccountSwitchesPatch {
            denylist: Some(on),
            ..AccountSwitchesPatch::default()
        };
        let holding = self.holding.get_untracked();
        let csrf = self.csrf();
        self.run(async move {
            match (self.mode, holding) {
                (Transport::SessionHeader, Some(Holding::SessionHeader { session_id })) => {
                    let answer =
                        client::put_account_switches(&patch, Credential::Bearer(&session_id)).await;
                    self.record(&answer);
                }
                (Transport::Dpop, Some(Holding::Dpop { token, .. })) => {
                    match self.proof("PUT", paths::LAB_SETTINGS, Some(&token)).await {
                        Ok(proof) => {
                            let credential = Credential::Dpop {
                                token: Some(&token),
                                proof: &proof,
                            };
                            let answer = client::put_account_switches(&patch, credential).await;
                            self.record(&answer);
                        }
                        Err(err) => self.message.set(Some(format!("no DPoP proof: {err}"))),
                    }
                }
                (Transport::Bff, _) => {
                    let answer =
                        client::bff_call("PUT", paths::LAB_SETTINGS, Some(&patch), csrf.as_deref())
                            .await;
                    self.record(&answer);
                    self.hops.set(answer.result.ok());
                }
                _ => {
                    let credential = csrf
                        .as_deref()
                        .map_or(Credential::Cookies, Credential::Csrf);
                    let answer = client::put_account_switches(&patch, credential).await;
                    self.record(&answer);
                }
            }
        });
    }

    pub fn logout(self) {
        let holding = self.holding.get_untracked();
        let csrf = self.csrf().unwrap_or_default();
        self.run(async move {
            let ok = match (self.mode, holding.clone()) {
                (Transport::SessionHeader, Some(Holding::SessionHeader { session_id })) => {
                    let answer = client::session_logout_with(Credential::Bearer(&session_id)).await;
                    self.record(&answer);
                    answer.result.is_ok()
                }
                (Transport::Dpop, Some(Holding::Dpop { token, .. })) => {
                    let proof = self
                        .proof("POST", paths::jwt::LOGOUT, Some(&token))
                        .await
                        .unwrap_or_default();
                    let answer = client::jwt_logout_dpop(&token, &proof).await;
                    self.record(&answer);
                    answer.result.is_ok()
                }
                (Transport::Bff, _) => {
                    let answer = client::bff_logout(&csrf).await;
                    self.record(&answer);
                    answer.result.is_ok()
                }
                _ => {
                    let answer = client::jwt_cookie_logout(&csrf).await;
                    self.record(&answer);
                    answer.result.is_ok()
                }
            };
            if ok {
                self.previous.set(holding);
                self.keep(None);
                self.hops.set(None);
            }
        });
    }

    /// After a reload: ask the server what this browser's cookie holds (the cookie modes), or
    /// read what the page kept (the header modes).
    pub fn restore(self) {
        spawn_local(async move {
            let holding = match self.mode {
                Transport::JwtCookie => client::jwt_cookie_current()
                    .await
                    .result
                    .ok()
                    .flatten()
                    .map(Holding::JwtCookie),
                Transport::Bff => client::bff_current()
                    .await
                    .result
                    .ok()
                    .flatten()
                    .map(Holding::Bff),
                Transport::SessionHeader => browser::local_get(SESSION_ID_KEY)
                    .map(|session_id| Holding::SessionHeader { session_id }),
                Transport::Dpop => browser::local_get(DPOP_TOKEN_KEY).map(|token| Holding::Dpop {
                    jkt: thumbprint_of(&token).unwrap_or_default(),
                    expires_at: claim_of(&token, "exp").unwrap_or_default(),
                    token,
                }),
                Transport::Session | Transport::Bearer => None,
            };
            if holding.is_some() {
                self.holding.set(holding);
            }
        });
    }

    /// A stand-in for an XSS payload: everything a script on this page can read, and what it
    /// can use without reading.
    pub fn run_injected_script(self) {
        let shown = |value: Option<String>| value.unwrap_or_else(|| "(nothing)".into());
        let cookies = browser::document_cookie();
        let mut found = vec![
            (
                format!("localStorage[{SESSION_ID_KEY:?}]"),
                shown(browser::local_get(SESSION_ID_KEY)),
            ),
            (
                format!("localStorage[{DPOP_TOKEN_KEY:?}]"),
                shown(browser::local_get(DPOP_TOKEN_KEY)),
            ),
            (
                "document.cookie".into(),
                if cookies.is_empty() {
                    "(nothing: the cookies are HttpOnly)".into()
                } else {
                    cookies
                },
            ),
        ];
        if self.mode == Transport::Dpop {
            found.push((
                "IndexedDB \"authlab\" / \"keys\"".into(),
                "a CryptoKey handle: the script can sign proofs with it here, in this page, but WebCrypto refuses to export its private bytes, so nothing it carries away can sign elsewhere".into(),
            ));
        }
        self.injected.set(Some(found));
    }
}

/// A claim of a token, read with the browser's own base64 (for a countdown only: the server's
/// checks are the truth).
fn claim_of(token: &str, name: &str) -> Option<i64> {
    let payload = browser::decode_segment(token.split('.').nth(1)?)?;
    serde_json::from_str::<serde_json::Value>(&payload)
        .ok()?
        .get(name)?
        .as_i64()
}

/// The `cnf.jkt` a bound token names.
fn thumbprint_of(token: &str) -> Option<String> {
    let payload = browser::decode_segment(token.split('.').nth(1)?)?;
    serde_json::from_str::<serde_json::Value>(&payload)
        .ok()?
        .get("cnf")?
        .get("jkt")?
        .as_str()
        .map(str::to_string)
}
