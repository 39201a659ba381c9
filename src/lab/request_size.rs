//! `GET /api/lab/request-size`: the size on the wire of the request that reached the server, so
//! the size lesson compares a cookie with a bearer token using the bytes the browser really sent,
//! not a constant. A page cannot see its own `Cookie` header (HttpOnly); the server can.

use crate::wire::paths;
use crate::{
    state::AppState,
    wire::{header_line_bytes, request_head_bytes, RequestSize},
};
use axum::{
    extract::Request,
    http::{header, HeaderMap},
    routing::get,
    Json, Router,
};

pub fn router() -> Router<AppState> {
    Router::new().route(paths::lab::REQUEST_SIZE, get(request_size))
}

fn line_of(headers: &HeaderMap, name: header::HeaderName) -> usize {
    headers
        .get_all(&name)
        .iter()
        .map(|value| header_line_bytes(name.as_str(), &String::from_utf8_lossy(value.as_bytes())))
        .sum()
}

async fn request_size(request: Request) -> Json<RequestSize> {
    let headers = request.headers();
    let target = request.uri().path_and_query().map_or("/", |p| p.as_str());
    let all: Vec<(String, String)> = headers
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_string(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    Json(RequestSize {
        cookie_bytes: line_of(headers, header::COOKIE),
        authorization_bytes: line_of(headers, header::AUTHORIZATION),
        total_bytes: request_head_bytes(
            request.method().as_str(),
            target,
            all.iter().map(|(n, v)| (n.as_str(), v.as_str())),
        ),
    })
}
