//! The scale lab's load balancer: a real HTTP hop on its own loopback port, in front of the nodes.
//! It takes each request whole (bodies here are small; at most 64 KB), picks a node, and forwards
//! it with hyper-util's client, the Host header unchanged (the nodes answer for the balancer's
//! name). Round robin; or, when sticky, back to the node named by its `authlab_node` cookie,
//! which it sets on the first answer. A node that does not take the connection is marked down
//! and the request goes to the next one, as a balancer's health check would.

use super::http::HttpClient;
use axum::{
    body::{Body, Bytes},
    extract::{Request, State},
    http::{header, HeaderValue, StatusCode, Uri},
    response::{IntoResponse, Response},
    Router,
};
use http_body_util::{BodyExt, Full, Limited};
use std::sync::{
    atomic::{AtomicBool, AtomicUsize, Ordering},
    Arc,
};
use tokio::{net::TcpListener, task::JoinHandle};

/// The balancer's own cookie: which node this client sticks to.
pub const STICKY_COOKIE: &str = "authlab_node";
/// Largest request body forwarded.
const MAX_BODY_BYTES: usize = 64 * 1024;

/// The nodes behind the balancer, and which are up.
pub struct Backends {
    pub names: Vec<String>,
    pub ports: Vec<u16>,
    up: Vec<AtomicBool>,
}

impl Backends {
    pub fn new(names: Vec<String>, ports: Vec<u16>) -> Self {
        let up = ports.iter().map(|_| AtomicBool::new(true)).collect();
        Backends { names, ports, up }
    }

    pub fn mark_down(&self, node: usize) {
        if let Some(up) = self.up.get(node) {
            up.store(false, Ordering::SeqCst);
        }
    }

    fn is_up(&self, node: usize) -> bool {
        self.up
            .get(node)
            .is_some_and(|up| up.load(Ordering::SeqCst))
    }
}

struct Balance {
    backends: Arc<Backends>,
    sticky: bool,
    next: AtomicUsize,
    client: HttpClient,
}

impl Balance {
    /// The node a request goes to first: its sticky node if that is up, else the next in turn.
    fn choose(&self, request: &Request) -> (usize, bool) {
        if self.sticky {
            let stuck = crate::api::cookies::read_cookie(request.headers(), STICKY_COOKIE)
                .and_then(|value| value.parse::<usize>().ok())
                .filter(|node| self.backends.is_up(*node));
            if let Some(node) = stuck {
                return (node, false);
            }
        }
        (self.next_up(), self.sticky)
    }

    fn next_up(&self) -> usize {
        let count = self.backends.ports.len().max(1);
        for _ in 0..count {
            let node = self.next.fetch_add(1, Ordering::Relaxed) % count;
            if self.backends.is_up(node) {
                return node;
            }
        }
        0
    }
}

/// A running balancer; dropping it stops it.
pub struct Balancer {
    pub port: u16,
    task: JoinHandle<()>,
}

impl Drop for Balancer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Balancer {
    /// Serve on `listener` in front of `backends`.
    pub fn start(
        listener: TcpListener,
        backends: Arc<Backends>,
        sticky: bool,
        client: HttpClient,
    ) -> std::io::Result<Balancer> {
        let port = listener.local_addr()?.port();
        let balance = Arc::new(Balance {
            backends,
            sticky,
            next: AtomicUsize::new(0),
            client,
        });
        let app = Router::new().fallback(forward).with_state(balance);
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Balancer { port, task })
    }
}

async fn forward(State(balance): State<Arc<Balance>>, request: Request) -> Response {
    let (mut node, mut set_cookie) = balance.choose(&request);
    let (parts, body) = request.into_parts();
    let Ok(body) = Limited::new(body, MAX_BODY_BYTES).collect().await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "request body too large").into_response();
    };
    let body: Bytes = body.to_bytes();
    let path = parts
        .uri
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_string();
    // One try per node at most: a node that refuses the connection is down.
    for _ in 0..balance.backends.ports.len() {
        let port = balance.backends.ports[node];
        let Ok(uri) = format!("http://127.0.0.1:{port}{path}").parse::<Uri>() else {
            return (StatusCode::BAD_REQUEST, "bad path").into_response();
        };
        let mut outgoing = axum::http::Request::from_parts(parts.clone(), Full::new(body.clone()));
        *outgoing.uri_mut() = uri;
        match balance.client.request(outgoing).await {
            Ok(answer) => {
                let mut response = answer.map(Body::new).into_response();
                if set_cookie {
                    let cookie = format!("{STICKY_COOKIE}={node}; Path=/; HttpOnly; SameSite=Lax");
                    if let Ok(cookie) = HeaderValue::from_str(&cookie) {
                        response.headers_mut().append(header::SET_COOKIE, cookie);
                    }
                }
                return response;
            }
            Err(err) if err.is_connect() => {
                balance.backends.mark_down(node);
                node = balance.next_up();
                set_cookie = balance.sticky;
            }
            Err(_) => break,
        }
    }
    (
        StatusCode::BAD_GATEWAY,
        "the balancer found no node that answers",
    )
        .into_response()
}
