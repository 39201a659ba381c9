//! The scale lab's HTTP client: real requests over loopback, to the nodes and through the
//! balancer (hyper-util's client, which the balancer forwards with too).

use axum::body::Bytes;
use axum::http::{header::HeaderName, HeaderMap, HeaderValue, Method, Request};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::{
    client::legacy::{connect::HttpConnector, Client},
    rt::TokioExecutor,
};
use std::time::Duration;

/// Largest answer read back.
const MAX_ANSWER_BYTES: usize = 256 * 1024;
/// A node that does not answer in this long is reported as not answering.
const ANSWER_WITHIN: Duration = Duration::from_secs(5);

pub type HttpClient = Client<HttpConnector, Full<Bytes>>;

pub fn client() -> HttpClient {
    Client::builder(TokioExecutor::new()).build_http()
}

/// An answer, read whole.
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Option<T> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// Send one request to `127.0.0.1:port`, naming `host` in the Host header.
pub async fn send(
    client: &HttpClient,
    port: u16,
    host: &str,
    method: Method,
    path: &str,
    headers: &[(HeaderName, String)],
    json: Option<String>,
) -> Result<Reply, String> {
    let mut request = Request::builder()
        .method(method)
        .uri(format!("http://127.0.0.1:{port}{path}"))
        .body(Full::new(Bytes::from(json.clone().unwrap_or_default())))
        .map_err(|e| e.to_string())?;
    let map = request.headers_mut();
    map.insert(
        axum::http::header::HOST,
        HeaderValue::from_str(host).map_err(|e| e.to_string())?,
    );
    if json.is_some() {
        map.insert(
            axum::http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
    }
    for (name, value) in headers {
        if let Ok(value) = HeaderValue::from_str(value) {
            map.append(name.clone(), value);
        }
    }
    let answered = tokio::time::timeout(ANSWER_WITHIN, client.request(request))
        .await
        .map_err(|_| format!("no answer within {} s", ANSWER_WITHIN.as_secs()))?
        .map_err(|e| format!("no connection: {e}"))?;
    let (parts, body) = answered.into_parts();
    let body = Limited::new(body, MAX_ANSWER_BYTES)
        .collect()
        .await
        .map(|collected| collected.to_bytes().to_vec())
        .unwrap_or_default();
    Ok(Reply {
        status: parts.status.as_u16(),
        headers: parts.headers,
        body,
    })
}
