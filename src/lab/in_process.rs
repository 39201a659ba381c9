//! Requests the server sends to its own API, in process: they go through the same router,
//! extractors, stores and audit log as any browser's request; only the network hop is skipped.
//! The lab's experiments use this where a browser cannot act for itself: replaying a cookie it
//! was made to forget, or holding several accounts' sessions at once.

use crate::api::client_addr::ClientAddr;
use crate::state::AppState;
use axum::{
    body::{to_bytes, Body},
    http::{header, HeaderMap, HeaderValue, Method, Request, StatusCode},
};
use tower::ServiceExt;

/// Largest response body an experiment reads back.
const MAX_RESPONSE_BYTES: usize = 256 * 1024;

/// A response, read whole.
pub struct InProcessResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl InProcessResponse {
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Option<T> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The value of the `name` cookie this response sets, if it sets one with a value.
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        crate::api::cookies::set_by(&self.headers, name)
    }
}

/// A request to build: method, path, headers, optional JSON body.
pub struct InProcessRequest {
    method: Method,
    path: String,
    headers: HeaderMap,
    body: Option<String>,
    client: Option<ClientAddr>,
    /// The learner's account the request acts for (`Learner`).
    learner: Option<String>,
    /// Show the body's `password` as redacted in transcripts (`shown`).
    secret_body: bool,
    /// Where the API leaves its decision on this request (`api::extract::TraceSink`).
    trace_sink: Option<crate::api::extract::TraceSink>,
}

/// Longest header value or body a transcript shows; the rest is counted, not shown.
const SHOWN_CHARS: usize = 240;

/// `text` cut to `SHOWN_CHARS` characters, saying how long it really was.
pub fn cut(text: &str) -> String {
    if text.chars().count() <= SHOWN_CHARS {
        return text.to_string();
    }
    let head: String = text.chars().take(SHOWN_CHARS).collect();
    format!("{head}… ({} bytes in all)", text.len())
}

/// The lab's own name, as any request to it carries.
fn host(state: &AppState) -> String {
    format!("127.0.0.1:{}", state.settings.listen.port())
}

impl InProcessRequest {
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        InProcessRequest {
            method,
            path: path.into(),
            headers: HeaderMap::new(),
            body: None,
            client: None,
            learner: None,
            secret_body: false,
            trace_sink: None,
        }
    }

    /// Redact the body's `password` when this request is shown.
    pub fn secret_body(mut self) -> Self {
        self.secret_body = true;
        self
    }

    /// The request as the server will receive it, for a transcript: every header (Host
    /// included), each value and the body cut to a readable length.
    pub fn shown(&self, state: &AppState) -> crate::wire::SentRequest {
        let mut headers = vec![("host".to_string(), host(state))];
        for (name, value) in &self.headers {
            let value = String::from_utf8_lossy(value.as_bytes());
            headers.push((name.as_str().to_string(), cut(&value)));
        }
        let body = self.body.as_deref().map(|body| {
            match serde_json::from_str::<serde_json::Value>(body) {
                Ok(mut json) if self.secret_body => {
                    if let Some(password) = json.get_mut("password") {
                        *password = serde_json::Value::String("[the account's password]".into());
                    }
                    cut(&json.to_string())
                }
                _ => cut(body),
            }
        });
        crate::wire::SentRequest {
            method: self.method.to_string(),
            path: self.path.clone(),
            headers,
            body,
        }
    }

    /// Send on behalf of the learner at `client`: their rate-limit budget pays for it.
    pub fn on_behalf_of(mut self, client: &ClientAddr) -> Self {
        self.client = Some(client.clone());
        self
    }

    /// Charge the password checks this request causes to the learner `account` too, whatever
    /// address it is sent from (`api::client_addr::Learner`).
    pub fn for_learner(mut self, account: Option<&str>) -> Self {
        self.learner = account.map(str::to_string);
        self
    }

    /// Ask the API for its decision on this request, left in `sink`.
    pub fn trace_into(mut self, sink: &crate::api::extract::TraceSink) -> Self {
        self.trace_sink = Some(sink.clone());
        self
    }

    /// A raw body of type `content_type`, as a client sent it.
    pub fn body(mut self, body: String, content_type: &str) -> Self {
        self.body = Some(body);
        self.header(header::CONTENT_TYPE, content_type)
    }

    pub fn header(mut self, name: header::HeaderName, value: &str) -> Self {
        if let Ok(value) = HeaderValue::from_str(value) {
            self.headers.append(name, value);
        }
        self
    }

    pub fn cookie(self, name: &str, value: &str) -> Self {
        self.header(header::COOKIE, &format!("{name}={value}"))
    }

    /// The bearer token this request carries, whole, if it carries one.
    pub fn bearer_token(&self) -> Option<String> {
        let value = self.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
        value.strip_prefix("Bearer ").map(str::to_string)
    }

    pub fn bearer(self, token: &str) -> Self {
        self.header(header::AUTHORIZATION, &format!("Bearer {token}"))
    }

    pub fn json(mut self, body: &impl serde::Serialize) -> Self {
        self.body = serde_json::to_string(body).ok();
        self.header(header::CONTENT_TYPE, "application/json")
    }

    /// "POST /api/me"-style label for transcripts.
    pub fn label(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    pub async fn send(self, state: &AppState) -> InProcessResponse {
        self.send_through(state, axum::Router::new()).await
    }

    /// `send`, to a router that also has `more` (the BFF's routes, for a replay of a BFF
    /// session: they call this module, so they cannot be part of the router it builds itself).
    pub async fn send_through(
        self,
        state: &AppState,
        more: axum::Router<AppState>,
    ) -> InProcessResponse {
        let mut request = Request::builder()
            .method(self.method)
            .uri(&self.path)
            .body(Body::from(self.body.unwrap_or_default()))
            .expect("method and path were valid when the call was built");
        *request.headers_mut() = self.headers;
        if let Ok(host) = HeaderValue::from_str(&host(state)) {
            request.headers_mut().insert(header::HOST, host);
        }
        if let Some(account) = self.learner {
            request
                .extensions_mut()
                .insert(crate::api::client_addr::Learner(Some(account)));
        }
        if let Some(client) = self.client {
            request.extensions_mut().insert(client);
        }
        if let Some(sink) = self.trace_sink {
            request.extensions_mut().insert(sink);
        }
        // The API, plus the one experiment route the matrix probes (the role claim): never the
        // experiments that send in-process requests themselves.
        let router = crate::api::router(super::role_claim::router().merge(more))
            .layer(axum::middleware::from_fn(crate::api::never_cached))
            .with_state(state.clone());
        let response = match router.oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        };
        let status = response.status();
        let headers = response.headers().clone();
        let body = to_bytes(response.into_body(), MAX_RESPONSE_BYTES)
            .await
            .map(|b| b.to_vec())
            .unwrap_or_default();
        InProcessResponse {
            status,
            headers,
            body,
        }
    }
}
