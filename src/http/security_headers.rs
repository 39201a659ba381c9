//! Security headers, each set on purpose:
//! - **Content-Security-Policy** on every page, with a fresh nonce per response (leptos_axum's
//!   `nonce` feature puts it on the hydration scripts; [`page_policy`] puts the same one in the
//!   header while the page renders). Only scripts the server wrote run: an injected `<script>` or
//!   `onclick=` has no nonce and is refused. `'wasm-unsafe-eval'` lets the app's own WASM compile.
//!   `frame-ancestors 'none'`: no other site may frame the lab (clickjacking). `frame-src` allows
//!   exactly one foreign origin, the forgery lesson's attacker page; that page has a policy of its
//!   own (`attacker_site`), which lets only the lab frame it.
//!   Styles may be inline (`style-src 'unsafe-inline'`): the app sets style attributes, and CSS
//!   cannot run script.
//! - **X-Content-Type-Options: nosniff** on every response: a JSON answer that echoes a capped
//!   attacker value is never sniffed into HTML or script.
//! - **Referrer-Policy: same-origin**: URLs of the lab (lesson switches, handles) never leak to
//!   other sites in `Referer`. (`no-referrer` would also blank `Origin` on some requests, which
//!   the lab's origin check reads.)
//! - **Cache-Control: no-store** on every `/api` answer: tokens, CSRF tokens and account data are
//!   never kept by a browser or proxy cache (RFC 6749 §5.1).

use axum::http::{header, HeaderMap, HeaderValue};

/// The lab pages' policy for a response with `nonce`, framing only `attacker_origin`.
pub fn policy(nonce: &str, attacker_origin: Option<&str>) -> String {
    let frame_src = match attacker_origin {
        Some(origin) => format!("'self' {origin}"),
        None => "'self'".to_string(),
    };
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
         frame-src {frame_src}; frame-ancestors 'none'; object-src 'none'; base-uri 'none'; \
         form-action 'self'"
    )
}

/// Called while a page renders on the server: put this response's nonce in its CSP header.
#[cfg(feature = "ssr")]
pub fn page_policy() {
    use leptos::prelude::use_context;
    let Some(nonce) = leptos::nonce::use_nonce() else {
        return;
    };
    let Some(response) = use_context::<leptos_axum::ResponseOptions>() else {
        return;
    };
    let attacker = match (
        use_context::<std::sync::Arc<crate::http::hosting::Hosting>>(),
        use_context::<axum::http::request::Parts>(),
    ) {
        (Some(hosting), Some(parts)) => parts
            .headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .and_then(|host| hosting.attacker_origin_for("http", host)),
        _ => None,
    };
    if let Ok(value) = HeaderValue::from_str(&policy(&nonce, attacker.as_deref())) {
        response.insert_header(header::CONTENT_SECURITY_POLICY, value);
    }
}

/// On every answer: nosniff and the referrer policy.
pub fn set_everywhere(headers: &mut HeaderMap) {
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
}

/// On every `/api` answer: never cached.
pub fn set_no_store(headers: &mut HeaderMap) {
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

#[cfg(test)]
mod tests {
    use super::policy;

    #[test]
    fn the_policy_carries_the_nonce_and_frames_only_the_attacker() {
        let csp = policy("abc123", Some("http://localhost:3000"));
        assert!(csp.contains("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval'"));
        assert!(csp.contains("frame-src 'self' http://localhost:3000;"));
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(!csp.contains("'unsafe-eval'"), "{csp}");
        assert_eq!(policy("n", None).matches("frame-src 'self';").count(), 1);
    }
}
