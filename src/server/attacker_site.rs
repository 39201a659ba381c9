//! The attacker's page for the cross-site forgery lesson. This server serves it, but the lesson
//! loads it under the *other* loopback name (`localhost` when you browse `127.0.0.1`, and the
//! reverse), which the browser treats as a different origin and a different site, exactly as it
//! would a stranger's page. The page holds a form that posts to one of the lab's logout endpoints
//! (`FORGEABLE`: the session's by default, each mode's for the transport grid) and submits itself
//! the moment it loads: no click needed, no JavaScript access to the lab needed.
//! The browser decides which cookies go along; the server decides whether to believe them.

//!
//! The target must be one of the lab's own origins (`Hosting::is_lab_origin`): this page must
//! not become a form that posts anywhere a visitor names. When the lab is hosted the page is
//! served under `hosting.attacker_origin`, a second name that answers nothing else.
//!
//! Its policy is its own: the one inline script runs by a nonce of this response, the form may
//! post only to the target, and only the target may frame the page.

use crate::wire::paths;
use crate::{auth::csrf::new_token, state::AppState};
use axum::{
    extract::{Query, State},
    http::{header, HeaderValue},
    response::{Html, IntoResponse, Response},
};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct Target {
    /// The lab origin to attack, e.g. `http://127.0.0.1:3000`.
    target: String,
    /// Which of the lab's state-changing endpoints the form posts to (`FORGEABLE`); the session
    /// logout when absent.
    path: Option<String>,
}

/// The endpoints the attacker's form may post to: each mode's logout, the state change a
/// forged request would make (the transport grid forges one per mode). Threat: a form page
/// that posts to any path a visitor names, on the lab's own origin.
pub const FORGEABLE: [&str; 4] = [
    paths::session::LOGOUT,
    paths::jwt::LOGOUT,
    paths::jwt::LOGOUT_EVERYWHERE,
    paths::bff::LOGOUT,
];

pub async fn csrf_page(State(state): State<AppState>, Query(query): Query<Target>) -> Response {
    let target = query.target.as_str();
    if !state.hosting.is_lab_origin(target) {
        return crate::api::error::ApiError::InvalidBody(
            "target must be one of this lab's own origins (http(s)://host[:port])".into(),
        )
        .into_response();
    }
    let path = query.path.as_deref().unwrap_or(paths::session::LOGOUT);
    let Some(path) = FORGEABLE.into_iter().find(|p| *p == path) else {
        return crate::api::error::ApiError::InvalidBody(format!(
            "path must be one of {}",
            FORGEABLE.join(", ")
        ))
        .into_response();
    };
    let nonce = new_token();
    let policy = format!(
        "default-src 'none'; script-src 'nonce-{nonce}'; form-action {target}; \
         frame-ancestors {target}; base-uri 'none'"
    );
    let mut response = Html(format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>A page on another site</title></head>
<body>
<h1>Congratulations, you won!</h1>
<p>This page is on another site. Its hidden form posts to {target}{path} as it loads.</p>
<form method="post" action="{target}{path}"><button type="submit">Claim the prize</button></form>
<script nonce="{nonce}">document.forms[0].submit();</script>
</body>
</html>"#
    ))
    .into_response();
    if let Ok(value) = HeaderValue::from_str(&policy) {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, value);
    }
    response
}

/// The attacker site's JWKS: the public halves of the key pairs a forged token brings (a `jku`
/// names this URL). Served for the learner to read; the verifier never fetches it, it reads the
/// same keys in-process (`auth::attacker_site`).
pub async fn jwks(State(state): State<AppState>) -> axum::Json<serde_json::Value> {
    axum::Json(state.auth.attacker.jwks())
}

#[derive(Deserialize)]
pub struct LinkTarget {
    target: String,
    nonce: String,
}

/// The attacker's other page: no script at all, just a link to the lab. Following it is a
/// top-level navigation started by another site, the one kind of cross-site request that
/// `SameSite=Lax` still sends the cookie with (and `Strict` does not). The link opens a new tab,
/// where the lab writes down what arrived (`lab::cross_site_probe`).
pub async fn link_page(State(state): State<AppState>, Query(query): Query<LinkTarget>) -> Response {
    let target = query.target.as_str();
    let nonce_ok = crate::lab::cross_site_probe::is_nonce(&query.nonce);
    if !state.hosting.is_lab_origin(target) || !nonce_ok {
        return crate::api::error::ApiError::InvalidBody(
            "target must be one of this lab's own origins, and nonce 16 to 64 URL-safe characters"
                .into(),
        )
        .into_response();
    }
    let nonce = &query.nonce;
    let mut response = Html(format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>A page on another site</title></head>
<body>
<h1>You have won a prize!</h1>
<p>This page is on another site. Its link leads to the lab: following it is a top-level navigation from another site.</p>
<p><a href="{target}{probe}?nonce={nonce}" target="_blank">Claim your prize</a></p>
</body>
</html>"#,
        probe = paths::lab::CROSS_SITE_PROBE
    ))
    .into_response();
    // No script may run; only the lab may frame it.
    if let Ok(value) = HeaderValue::from_str(&format!(
        "default-src 'none'; frame-ancestors {target}; base-uri 'none'"
    )) {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, value);
    }
    response
}
