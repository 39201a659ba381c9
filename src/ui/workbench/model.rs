//! The workbench's state and actions: the token being worked on (decoded by the server's own
//! decoder), the header and payload as the learner edits them, the signing way, the last send
//! and the history of sends. Everything lives in signals, in memory: nothing of the workbench is
//! written to localStorage or sessionStorage, where the XSS card's script would read it.

use super::crack::{self, Search};
use crate::{
    ui::client::{self, ClientError},
    wire::{
        paths, AuthTrace, DecodeReport, ForgeRequest, Forged, JwtAlg, KeySpelling, Placement,
        SignWith, WrongClaim,
    },
};
use leptos::{prelude::*, task::spawn_local};
use serde_json::{Map, Value};

/// The endpoints a forged token can be sent to.
pub const TARGETS: [&str; 3] = [
    paths::ME,
    paths::account::ADMIN_ACCOUNTS,
    paths::lab::ROLE_CLAIM,
];

/// The most sends the history keeps.
pub const HISTORY: usize = 20;

/// The signing ways, as the page offers them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Way {
    Keep,
    Strip,
    AlgNone,
    Hmac,
    HmacWithPublicKey,
    AttackerKey,
    Psychic,
}

impl Way {
    pub const ALL: [Way; 7] = [
        Way::Keep,
        Way::Strip,
        Way::AlgNone,
        Way::Hmac,
        Way::HmacWithPublicKey,
        Way::AttackerKey,
        Way::Psychic,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Way::Keep => "keep",
            Way::Strip => "strip",
            Way::AlgNone => "alg_none",
            Way::Hmac => "hmac",
            Way::HmacWithPublicKey => "hmac_with_public_key",
            Way::AttackerKey => "attacker_key",
            Way::Psychic => "psychic_signature",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Way::Keep => "keep the original signature",
            Way::Strip => "strip the signature",
            Way::AlgNone => "alg: none",
            Way::Hmac => "HMAC with a secret you type (empty: the empty key)",
            Way::HmacWithPublicKey => "HMAC keyed with the account's public key",
            Way::AttackerKey => "the attacker's own key pair",
            Way::Psychic => "ECDSA psychic signature (r = s = 0)",
        }
    }

    pub fn parse(text: &str) -> Way {
        Way::ALL
            .into_iter()
            .find(|w| w.as_str() == text)
            .unwrap_or(Way::Keep)
    }
}

/// One send, as the page shows it and the history keeps it.
#[derive(Clone, Debug, PartialEq)]
pub struct Sent {
    pub path: &'static str,
    pub token: String,
    pub status: u16,
    /// The answer's body, as JSON text.
    pub body: String,
    pub trace: Option<AuthTrace>,
}

impl Sent {
    pub fn refused_by(&self) -> Option<String> {
        self.trace
            .as_ref()
            .and_then(|t| t.failed_check())
            .map(|c| c.name.to_string())
    }
}

#[derive(Clone, Copy)]
pub struct WorkbenchModel {
    /// The token text worked on: held, handed over, or pasted.
    pub source: RwSignal<String>,
    pub report: RwSignal<Option<DecodeReport>>,
    pub header: RwSignal<String>,
    pub payload: RwSignal<String>,
    pub way: RwSignal<Way>,
    pub none_spelling: RwSignal<String>,
    pub secret: RwSignal<String>,
    pub key_spelling: RwSignal<KeySpelling>,
    pub attacker_alg: RwSignal<JwtAlg>,
    pub placement: RwSignal<Placement>,
    pub forged: RwSignal<Option<Forged>>,
    pub target: RwSignal<&'static str>,
    pub sent: RwSignal<Option<Sent>>,
    pub history: RwSignal<Vec<Sent>>,
    pub search: RwSignal<Option<Search>>,
    pub error: RwSignal<Option<String>>,
}

impl Default for WorkbenchModel {
    fn default() -> Self {
        Self::new()
    }
}

impl WorkbenchModel {
    pub fn new() -> Self {
        WorkbenchModel {
            source: RwSignal::new(String::new()),
            report: RwSignal::new(None),
            header: RwSignal::new(String::new()),
            payload: RwSignal::new(String::new()),
            way: RwSignal::new(Way::Keep),
            none_spelling: RwSignal::new("none".into()),
            secret: RwSignal::new(String::new()),
            key_spelling: RwSignal::new(KeySpelling::Pem),
            attacker_alg: RwSignal::new(JwtAlg::EdDSA),
            placement: RwSignal::new(Placement::Jwk),
            forged: RwSignal::new(None),
            target: RwSignal::new(paths::ME),
            sent: RwSignal::new(None),
            history: RwSignal::new(Vec::new()),
            search: RwSignal::new(None),
            error: RwSignal::new(None),
        }
    }

    /// Start from `token`: the server's decoder takes it apart (as far as it parses, every
    /// problem named), and the header and payload become editable text.
    pub fn open(self, token: String) {
        let token = token.trim().to_string();
        self.source.set(token.clone());
        self.forged.set(None);
        self.search.set(None);
        self.error.set(None);
        if token.is_empty() {
            self.report.set(None);
            return;
        }
        spawn_local(async move {
            match client::jwt_decode(&token).await.result {
                Ok(report) => {
                    let pretty = |part: &Option<Value>| {
                        part.as_ref()
                            .and_then(|v| serde_json::to_string_pretty(v).ok())
                            .unwrap_or_default()
                    };
                    self.header.set(pretty(&report.header));
                    self.payload.set(pretty(&report.payload));
                    self.report.set(Some(report));
                }
                Err(err) => self.error.set(Some(err.to_string())),
            }
        });
    }

    /// The signature part of the token worked on.
    pub fn original_signature(&self) -> String {
        self.source
            .get_untracked()
            .rsplit_once('.')
            .map(|(_, sig)| sig.to_string())
            .unwrap_or_default()
    }

    /// The payload's claim `name` as a number, if it is one.
    pub fn claim_number(&self, name: &str) -> Option<i64> {
        let payload: Map<String, Value> = serde_json::from_str(&self.payload.get()).ok()?;
        payload.get(name)?.as_i64()
    }

    /// Set the payload's claim `name` to `value` (the JSON text must read as an object).
    pub fn set_claim(&self, name: &str, value: Value) {
        let Ok(mut payload) =
            serde_json::from_str::<Map<String, Value>>(&self.payload.get_untracked())
        else {
            self.error.set(Some(
                "the payload is not a JSON object: mend it first".into(),
            ));
            return;
        };
        payload.insert(name.to_string(), value);
        if let Ok(text) = serde_json::to_string_pretty(&payload) {
            self.payload.set(text);
        }
    }

    /// Sign the edited header and payload the chosen way (`POST /api/lab/forge`).
    pub fn sign(self) {
        self.error.set(None);
        let parse = |what: &str, text: String| {
            serde_json::from_str::<Map<String, Value>>(&text)
                .map_err(|e| format!("the {what} is not a JSON object: {e}"))
        };
        let header = parse("header", self.header.get_untracked());
        let payload = parse("payload", self.payload.get_untracked());
        let (header, payload) = match (header, payload) {
            (Ok(h), Ok(p)) => (h, p),
            (Err(e), _) | (_, Err(e)) => {
                self.error.set(Some(e));
                return;
            }
        };
        let way = self.way.get_untracked();
        spawn_local(async move {
            let sign = match way {
                Way::Keep => SignWith::Keep {
                    signature: self.original_signature(),
                },
                Way::Strip => SignWith::Strip,
                Way::AlgNone => SignWith::AlgNone {
                    spelling: self.none_spelling.get_untracked(),
                },
                Way::Hmac => SignWith::Hmac {
                    secret: self.secret.get_untracked(),
                },
                Way::HmacWithPublicKey => {
                    // The public key, read as anyone reads it: from the JWKS, by the kid.
                    let kid = header
                        .get("kid")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string();
                    let jwks = client::jwks_key(&kid).await.result;
                    let jwk = jwks
                        .ok()
                        .and_then(|set| set["keys"].as_array()?.first().cloned());
                    let Some(jwk) = jwk else {
                        self.error.set(Some(format!(
                            "the JWKS publishes no key {kid:?}: an HMAC secret is never \
                             published, so only an EdDSA or ES256 token's kid has one"
                        )));
                        return;
                    };
                    SignWith::HmacWithPublicKey {
                        jwk,
                        spelling: self.key_spelling.get_untracked(),
                    }
                }
                Way::AttackerKey => SignWith::AttackerKey {
                    alg: self.attacker_alg.get_untracked(),
                    placement: self.placement.get_untracked(),
                },
                Way::Psychic => SignWith::PsychicSignature,
            };
            let request = ForgeRequest {
                header,
                payload,
                sign,
            };
            match client::forge(&request).await.result {
                Ok(forged) => self.forged.set(Some(forged)),
                Err(err) => self.error.set(Some(err.to_string())),
            }
        });
    }

    /// Send the forged token (or, before any signing, the token as it is) to the chosen endpoint.
    pub fn send(self) {
        let token = self
            .forged
            .get_untracked()
            .map(|f| f.token)
            .unwrap_or_else(|| self.source.get_untracked());
        let path = self.target.get_untracked();
        spawn_local(async move {
            let answer = client::get_bearer(path, &token).await;
            let body = match &answer.result {
                Ok(value) => serde_json::to_string_pretty(value).unwrap_or_default(),
                Err(ClientError::Api { error, reason, .. }) => serde_json::to_string_pretty(
                    &serde_json::json!({"error": error, "reason": reason}),
                )
                .unwrap_or_default(),
                Err(other) => other.to_string(),
            };
            let sent = Sent {
                path,
                token,
                status: answer.call.status,
                body,
                trace: answer.call.trace,
            };
            self.history.update(|history| {
                history.insert(0, sent.clone());
                history.truncate(HISTORY);
            });
            self.sent.set(Some(sent));
        });
    }

    /// Crack the token worked on against the lab's wordlist, in this browser.
    pub fn crack(self) {
        let token = self.source.get_untracked();
        self.search.set(Some(Search::default()));
        spawn_local(async move {
            let words = match client::text_file("/wordlist.txt").await {
                Ok(words) => words,
                Err(err) => {
                    self.search.set(Some(Search {
                        error: Some(err.to_string()),
                        done: true,
                        ..Search::default()
                    }));
                    return;
                }
            };
            let done = crack::crack(&token, &words, move |progress| {
                self.search.set(Some(progress))
            })
            .await;
            self.search.set(Some(done));
        });
    }

    /// Work on a token the server genuinely signs for the holder of `token`, one claim wrong:
    /// what the `exp`, `aud_iss` and `typ` switches are tried with.
    pub fn open_wrong_claim(self, token: String, wrong: WrongClaim) {
        self.error.set(None);
        spawn_local(async move {
            match client::wrong_claim_token(&token, wrong).await.result {
                Ok(made) => self.open(made.token),
                Err(err) => self.error.set(Some(err.to_string())),
            }
        });
    }

    /// Sign with the cracked word from now on.
    pub fn use_cracked(self) {
        if let Some(word) = self.search.get_untracked().and_then(|s| s.found) {
            self.secret.set(word);
            self.way.set(Way::Hmac);
        }
    }
}
