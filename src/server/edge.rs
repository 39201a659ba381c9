//! What every request passes through before any route, in one middleware. Outermost first:
//! - the request's line in the log (`logging::request_line`), which sees every answer;
//! - `X-Authlab-Node: <node_id>` on every answer, when this process is one of several nodes;
//! - the security headers every answer carries (`security_headers::set_everywhere`), a 421
//!   included;
//! - the host check (`Hosting::refusal`, the DNS rebinding guard): a request for a name we do not
//!   serve goes no further;
//! - the request timeout around the handlers: 503 with a JSON reason if no response came in time
//!   (a live event stream has produced its response, headers first, and streams on);
//! - on `/api` answers: never cached (`security_headers::set_no_store`), and the cost of the
//!   request's authentication measured for the learner (`api::auth_cost::Measure`);
//! - the cache policy of static files (`static_files::set_cache_policy`).
//!
//! One layer rather than seven, and a tower layer of our own rather than axum's `from_fn`:
//! `from_fn` clones the service behind it and boxes it on every request, a fixed cost the
//! benchmark found on every authenticated read. `EdgeService` calls the service it wraps in place
//! and boxes only its own future.

use crate::wire::paths;
use crate::{
    api::{auth_cost::Measure, error::ApiError},
    auth::{cost::AuthCosts, rate_limit::RetryAfter},
    http::hosting::Hosting,
    http::static_files::HashedBundle,
};
use axum::{
    extract::Request,
    http::HeaderValue,
    response::{IntoResponse, Response},
};
use futures_util::future::BoxFuture;
use std::{
    convert::Infallible,
    future::Future,
    sync::Arc,
    task::{Context, Poll},
    time::{Duration, Instant},
};

/// What the edge needs to know, built once.
pub struct Edge {
    pub hosting: Arc<Hosting>,
    /// This node's name for `X-Authlab-Node`, when it is one of several.
    pub node: Option<HeaderValue>,
    pub timeout: Duration,
    pub bundle: Arc<HashedBundle>,
    /// Where the measured cost of the learner's `/api` requests is kept.
    pub auth_costs: Arc<AuthCosts>,
}

impl Edge {
    pub fn new(
        hosting: Arc<Hosting>,
        node_id: &str,
        timeout: Duration,
        bundle: Arc<HashedBundle>,
        auth_costs: Arc<AuthCosts>,
    ) -> Edge {
        Edge {
            hosting,
            node: (!node_id.is_empty())
                .then(|| HeaderValue::from_str(node_id).ok())
                .flatten(),
            timeout: timeout.max(Duration::from_secs(1)),
            bundle,
            auth_costs,
        }
    }
}

/// The layer (`Router::layer(EdgeLayer(edge))`): every route and the fallback in an `EdgeService`.
#[derive(Clone)]
pub struct EdgeLayer(pub Arc<Edge>);

impl<S> tower::Layer<S> for EdgeLayer {
    type Service = EdgeService<S>;

    fn layer(&self, inner: S) -> EdgeService<S> {
        EdgeService {
            edge: self.0.clone(),
            inner,
        }
    }
}

#[derive(Clone)]
pub struct EdgeService<S> {
    edge: Arc<Edge>,
    inner: S,
}

/// Where a request goes once it has passed the door.
enum Inside<F> {
    /// Refused at the door (`Hosting::refusal`): the service behind is never called.
    Refused(Response),
    /// The API: timed for the learner, never cached.
    Api(Measure, F),
    /// A page or a file, whose cache policy depends on its name.
    Site { hashed: bool, answer: F },
}

impl<S> tower::Service<Request> for EdgeService<S>
where
    S: tower::Service<Request, Response = Response, Error = Infallible>,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Response, Infallible>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request) -> Self::Future {
        let started = Instant::now();
        let edge = self.edge.clone();
        let method = request.method().clone();
        // Cheap: a `Uri` shares the request's bytes.
        let uri = request.uri().clone();
        let inside = match edge.hosting.refusal(request.headers(), uri.path()) {
            Some(refused) => Inside::Refused(refused),
            None if is_api(uri.path()) => {
                let measure = Measure::start(&mut request, started);
                Inside::Api(measure, self.inner.call(request))
            }
            None => Inside::Site {
                hashed: edge.bundle.is_hashed(uri.path()),
                answer: self.inner.call(request),
            },
        };
        Box::pin(async move {
            let mut response = match inside {
                Inside::Refused(refused) => refused,
                Inside::Api(measure, answer) => {
                    let measured = async {
                        let response = answered(answer).await;
                        // Only when the answer came: one cut off by the timeout is not a cost
                        // the learner's figures should show.
                        measure.finish(&edge.auth_costs);
                        response
                    };
                    let mut response = within(edge.timeout, measured).await;
                    crate::http::security_headers::set_no_store(response.headers_mut());
                    response
                }
                Inside::Site { hashed, answer } => {
                    let mut response = within(edge.timeout, answered(answer)).await;
                    crate::http::static_files::set_cache_policy(hashed, &mut response);
                    response
                }
            };
            let headers = response.headers_mut();
            crate::http::security_headers::set_everywhere(headers);
            if let Some(node) = &edge.node {
                headers.insert(crate::wire::NODE_HEADER, node.clone());
            }
            crate::logging::request_line(
                &method,
                uri.path(),
                response.status().as_u16(),
                started.elapsed(),
            );
            Ok(response)
        })
    }
}

/// The answer of a service that cannot fail (axum's routes).
async fn answered(answer: impl Future<Output = Result<Response, Infallible>>) -> Response {
    match answer.await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

/// Whether `path` is the API's (`api::router`, whose JSON 404 answers any unknown `/api/…`).
fn is_api(path: &str) -> bool {
    path.starts_with(paths::API_PREFIX)
}

/// `answer`, or 503 with a JSON reason if it has not come within `limit`.
pub async fn within(limit: Duration, answer: impl Future<Output = Response>) -> Response {
    let mut answer = std::pin::pin!(answer);
    // Many answers (a token checked in memory, a file from memory) are ready the first time they
    // are polled. They need no timer, whose making and dropping would cost every one of them. A
    // poll does not wait, and the limit is on waiting: an answer that waits gets its timer.
    let first = std::future::poll_fn(|cx| Poll::Ready(answer.as_mut().poll(cx))).await;
    if let Poll::Ready(response) = first {
        return response;
    }
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
