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
}

impl InProcessRequest {
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        InProcessRequest {
            method,
            path: path.into(),
            headers: HeaderMap::new(),
            body: None,
            client: None,
        }
    }

    /// Send on behalf of the learner at `client`: their rate-limit budget pays for it.
    pub fn on_behalf_of(mut self, client: &ClientAddr) -> Self {
        self.client = Some(client.clone());
        self
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
        let mut request = Request::builder()
            .method(self.method)
            .uri(&self.path)
            .body(Body::from(self.body.unwrap_or_default()))
            .expect("method and path were valid when the call was built");
        *request.headers_mut() = self.headers;
        // The lab's own name, as any request to it carries.
        let host = format!("127.0.0.1:{}", state.settings.listen.port());
        if let Ok(host) = HeaderValue::from_str(&host) {
            request.headers_mut().insert(header::HOST, host);
        }
        if let Some(client) = self.client {
            request.extensions_mut().insert(client);
        }
        // The API, plus the one experiment route the matrix probes (the role claim): never the
        // experiments that send in-process requests themselves.
        let router = crate::api::router(super::role_claim::router()).with_state(state.clone());
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
