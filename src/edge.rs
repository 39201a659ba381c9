//! What every request passes through before any route, in one middleware. Outermost first:
//! - the request's line in the log (`logging::request_line`), which sees every answer;
//! - `X-Authlab-Node: <node_id>` on every answer, when this process is one of several nodes;
//! - the security headers every answer carries (`security_headers::set_everywhere`), a 421
//!   included;
//! - the host check (`Hosting::refusal`, the DNS rebinding guard): a request for a name we do not
//!   serve goes no further;
//! - the request timeout around the handlers: 503 with a JSON reason if no response came in time
//!   (a live event stream has produced its response, headers first, and streams on);
//! - the cache policy of static files (`static_files::set_cache_policy`).
//!
//! One middleware rather than six: each of axum's `from_fn` layers clones and boxes the service
//! behind it on every request, a fixed cost the benchmark found on every authenticated read.

use crate::{
    api::error::ApiError, auth::rate_limit::RetryAfter, hosting::Hosting,
    static_files::HashedBundle,
};
use axum::{
    extract::{Request, State},
    http::HeaderValue,
    middleware::Next,
    response::{IntoResponse, Response},
};
use std::{
    future::Future,
    sync::Arc,
    time::{Duration, Instant},
};

/// What the edge needs to know, built once.
pub struct Edge {
    pub hosting: Arc<Hosting>,
    /// This node's name for `X-Authlab-Node`, when it is one of several.
    pub node: Option<HeaderValue>,
    pub timeout: Duration,
    pub bundle: Arc<HashedBundle>,
}

impl Edge {
    pub fn new(
        hosting: Arc<Hosting>,
        node_id: &str,
        timeout: Duration,
        bundle: Arc<HashedBundle>,
    ) -> Edge {
        Edge {
            hosting,
            node: (!node_id.is_empty())
                .then(|| HeaderValue::from_str(node_id).ok())
                .flatten(),
            timeout: timeout.max(Duration::from_secs(1)),
            bundle,
        }
    }
}

/// The middleware (`axum::middleware::from_fn_with_state` with an `Arc<Edge>`).
pub async fn edge(State(edge): State<Arc<Edge>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    // Cheap: a `Uri` shares the request's bytes.
    let uri = request.uri().clone();
    let mut response = match edge.hosting.refusal(request.headers(), uri.path()) {
        Some(refused) => refused,
        None => {
            let hashed = edge.bundle.is_hashed(uri.path());
            let mut response = within(edge.timeout, next.run(request)).await;
            crate::static_files::set_cache_policy(hashed, &mut response);
            response
        }
    };
    let headers = response.headers_mut();
    crate::security_headers::set_everywhere(headers);
    if let Some(node) = &edge.node {
        headers.insert(crate::wire::NODE_HEADER, node.clone());
    }
    crate::logging::request_line(
        &method,
        uri.path(),
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}

/// `answer`, or 503 with a JSON reason if it has not come within `limit`.
pub async fn within(limit: Duration, answer: impl Future<Output = Response>) -> Response {
    match tokio::time::timeout(limit, answer).await {
        Ok(response) => response,
        Err(_) => ApiError::Overloaded {
            reason: format!("the request took longer than {} s", limit.as_secs()),
            retry: RetryAfter(Duration::from_secs(1)),
        }
        .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::within;
    use axum::{
        body::Body, extract::Request, http, middleware, middleware::Next, routing::get, Router,
    };
    use std::time::Duration;
    use tower::ServiceExt;

    #[tokio::test]
    async fn handler_that_never_answers_is_cut_off_with_503_not_held_open() {
        let app = Router::new()
            .route(
                "/stuck",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(3600)).await;
                    "never"
                }),
            )
            .route("/quick", get(|| async { "ok" }))
            .layer(middleware::from_fn(|request: Request, next: Next| {
                within(Duration::from_secs(1), next.run(request))
            }));
        let quick = app
            .clone()
            .oneshot(http::Request::get("/quick").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(quick.status(), 200);
        let stuck = app
            .oneshot(http::Request::get("/stuck").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(stuck.status(), 503);
        assert!(stuck.headers().contains_key("retry-after"));
        let body = axum::body::to_bytes(stuck.into_body(), 4096).await.unwrap();
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(json["error"], "overloaded", "{json}");
    }
}
