//! Property tests: random bytes at the bearer parser, the cookie parser and every JSON endpoint.
//! Whatever arrives, the answer is a 4xx (or a 2xx) with a JSON reason: never a 500, never a
//! panic, and never an answer that grows with what was sent.

use crate::common::{harness_with, Harness};
use authlab::{
    api::{cookies, extract::bearer_token},
    auth::jwt::{self, Mode, Plan},
};
use axum::{
    body::Body,
    http::{header, HeaderMap, HeaderValue, Request},
};
use proptest::prelude::*;
use std::sync::OnceLock;

/// One server for every case (building one per case would spend the run on argon2 seeding), with
/// bob's token and the administrator alice's.
struct Shared {
    runtime: tokio::runtime::Runtime,
    server: Harness,
    bob: String,
    alice: String,
}

fn shared() -> &'static Shared {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    SHARED.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let (server, bob, alice) = runtime.block_on(async {
            let server = harness_with(|s| {
                let many = "100000/1m";
                s.limits.login_per_address = many.parse().unwrap();
                s.limits.login_per_name = many.parse().unwrap();
                s.limits.login_per_name_and_device = many.parse().unwrap();
                s.limits.register_per_address = many.parse().unwrap();
                s.limits.matrix_per_account = many.parse().unwrap();
            })
            .await;
            // An ordinary account for the administration endpoint to change.
            let carol = server
                .post_json(
                    "/api/register",
                    r#"{"username":"carol","password":"carol-password"}"#,
                )
                .await;
            assert_eq!(carol.status.as_u16(), 201, "{}", carol.text);
            let (bob, _) = server.jwt_login("bob", "bob-builds-it").await;
            let (alice, _) = server.jwt_login("alice", "alice-in-the-lab").await;
            (server, bob, alice)
        });
        Shared {
            runtime,
            server,
            bob,
            alice,
        }
    })
}

/// Every endpoint that reads a JSON body.
const JSON_ENDPOINTS: &[(&str, &str)] = &[
    ("POST", "/api/register"),
    ("POST", "/api/session/login"),
    ("POST", "/api/jwt/login"),
    ("POST", "/api/jwt/cookie-login"),
    ("POST", "/api/session/header-login"),
    ("POST", "/api/jwt/decode"),
    ("POST", "/api/account/password"),
    ("PUT", "/api/lab-settings"),
    ("PUT", "/api/admin/accounts/carol"),
    ("POST", "/api/replay"),
];

/// Text that looks a little like what the endpoints expect, to get past the JSON parser often.
fn jsonish() -> impl Strategy<Value = String> {
    let field = prop_oneof![
        Just("username"),
        Just("password"),
        Just("token"),
        Just("handle"),
        Just("role"),
        Just("denylist"),
        Just("current_password"),
        Just("new_password"),
        Just("same_site"),
        Just("jwt_alg"),
    ];
    let value = prop_oneof![
        any::<String>().prop_map(|s| serde_json::Value::String(s).to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<bool>().prop_map(|b| b.to_string()),
        Just("null".to_string()),
        Just("[]".to_string()),
        Just("\"admin\"".to_string()),
        "[a-z]{0,12}".prop_map(|s| format!("\"{s}\"")),
    ];
    prop::collection::vec((field, value), 0..5).prop_map(|pairs| {
        let body: Vec<String> = pairs
            .into_iter()
            .map(|(k, v)| format!("\"{k}\":{v}"))
            .collect();
        format!("{{{}}}", body.join(","))
    })
}

fn body_strategy() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..512),
        jsonish().prop_map(String::into_bytes),
    ]
}

fn assert_clean(status: u16, text: &str, what: &str) {
    assert!(status < 500, "{what}: {status} {text}");
    assert!(
        serde_json::from_str::<serde_json::Value>(text).is_ok() || text.is_empty(),
        "{what}: not JSON: {text:?}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn random_authorization_headers_never_break_the_bearer_parser(raw in prop::collection::vec(any::<u8>(), 0..2048)) {
        let server = &shared().server;
        let mut headers = HeaderMap::new();
        if let Ok(value) = HeaderValue::from_bytes(&raw) {
            headers.insert(header::AUTHORIZATION, value);
        }
        if let Some(token) = bearer_token(&headers) {
            let mut trace = Plan::TOKEN.trace();
            let (claims, _) = jwt::verify(&token, (&*server.state.auth.keys, &*server.state.auth.attacker), &server.settings.jwt, &Plan::TOKEN, &mut trace, Mode::EveryProblem);
            prop_assert!(claims.is_none());
            // Whatever was sent, what is said back stays small.
            let said = serde_json::to_string(&trace.finish()).unwrap();
            prop_assert!(said.len() < 4096, "{} bytes of trace", said.len());
        }
    }

    #[test]
    fn random_tokens_in_jwt_shape_never_verify_or_panic(
        header in prop::collection::vec(any::<u8>(), 0..300),
        payload in prop::collection::vec(any::<u8>(), 0..300),
        signature in "[A-Za-z0-9_-]{0,90}",
    ) {
        use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
        let server = &shared().server;
        let token = format!("{}.{}.{signature}", URL_SAFE_NO_PAD.encode(&header), URL_SAFE_NO_PAD.encode(&payload));
        let mut trace = Plan::TOKEN.trace();
        let (claims, _) = jwt::verify(&token, (&*server.state.auth.keys, &*server.state.auth.attacker), &server.settings.jwt, &Plan::TOKEN, &mut trace, Mode::EveryProblem);
        prop_assert!(claims.is_none());
    }

    #[test]
    fn random_cookie_headers_never_break_the_cookie_parser(raw in prop::collection::vec(any::<u8>(), 0..2048)) {
        let mut headers = HeaderMap::new();
        if let Ok(value) = HeaderValue::from_bytes(&raw) {
            headers.insert(header::COOKIE, value);
        }
        let _ = cookies::read(&headers);
        let _ = cookies::read_cookie(&headers, authlab::auth::refresh::COOKIE);
    }

    #[test]
    fn random_bodies_at_every_json_endpoint_get_a_json_4xx_never_a_500(
        endpoint in 0..JSON_ENDPOINTS.len(),
        body in body_strategy(),
        authenticated in any::<bool>(),
        cookie in prop::option::of("[ -~]{0,80}"),
    ) {
        let Shared { runtime, server, bob, alice } = shared();
        let (method, path) = JSON_ENDPOINTS[endpoint];
        // The administration endpoint is only reached (its body parsed) by an administrator.
        let token = if path.starts_with("/api/admin/") { alice } else { bob };
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::CONTENT_TYPE, "application/json");
        if authenticated {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        let request = request.body(Body::from(body.clone())).unwrap();
        let answer = runtime.block_on(server.send(request));
        assert_clean(answer.status.as_u16(), &answer.text, &format!("{method} {path}"));
        prop_assert!(answer.text.len() < 8 * 1024 + body.len() / 2, "{} bytes back for {} sent", answer.text.len(), body.len());
    }

    #[test]
    fn random_bearer_headers_through_the_router_get_a_json_401(
        scheme in "[Bb][Ee][Aa][Rr][Ee][Rr]|Basic|",
        gap in " {0,3}",
        token in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..1024)
                .prop_map(|raw| String::from_utf8_lossy(&raw).into_owned()),
            "[A-Za-z0-9_-]{0,40}\\.[A-Za-z0-9_-]{0,200}\\.[A-Za-z0-9_-]{0,90}",
        ],
    ) {
        let Shared { runtime, server, .. } = shared();
        let mut request = Request::get("/api/me");
        if let Ok(value) = HeaderValue::from_str(&format!("{scheme}{gap}{token}")) {
            request = request.header(header::AUTHORIZATION, value);
        }
        let answer = runtime.block_on(server.send(request.body(Body::empty()).unwrap()));
        prop_assert_eq!(answer.status.as_u16(), 401, "{}", answer.text);
        assert_clean(answer.status.as_u16(), &answer.text, "GET /api/me");
        prop_assert!(answer.text.len() < 8 * 1024, "{} bytes back", answer.text.len());
    }

    #[test]
    fn random_dpop_proofs_through_the_router_get_a_json_401(
        proof in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..3000)
                .prop_map(|raw| String::from_utf8_lossy(&raw).into_owned()),
            "[A-Za-z0-9_-]{0,200}\\.[A-Za-z0-9_-]{0,300}\\.[A-Za-z0-9_-]{0,90}",
        ],
        token in "[A-Za-z0-9_-]{0,40}(\\.[A-Za-z0-9_-]{0,200}){0,2}",
        access_cookie in prop::option::of("[!-~]{0,300}"),
    ) {
        let Shared { runtime, server, .. } = shared();
        // Never a proof that passes, so nothing is remembered either way.
        prop_assert!(authlab::auth::dpop::read(&proof).is_err());
        let mut request = Request::get("/api/me").header(header::AUTHORIZATION, format!("DPoP {token}"));
        if let Ok(value) = HeaderValue::from_str(&proof) {
            request = request.header("DPoP", value);
        }
        if let Some(cookie) = access_cookie {
            if let Ok(value) = HeaderValue::from_str(&format!("__Host-authlab_access={cookie}")) {
                request = request.header(header::COOKIE, value);
            }
        }
        let answer = runtime.block_on(server.send(request.body(Body::empty()).unwrap()));
        prop_assert_eq!(answer.status.as_u16(), 401, "{}", answer.text);
        assert_clean(answer.status.as_u16(), &answer.text, "GET /api/me (DPoP)");
        prop_assert!(answer.text.len() < 8 * 1024, "{} bytes back", answer.text.len());
    }

    #[test]
    fn random_access_cookies_through_the_router_get_a_json_4xx(
        value in "[!-~]{0,3000}",
        write in any::<bool>(),
    ) {
        let Shared { runtime, server, .. } = shared();
        let (method, path) = if write { ("PUT", "/api/lab-settings") } else { ("GET", "/api/me") };
        let mut request = Request::builder().method(method).uri(path);
        if let Ok(cookie) = HeaderValue::from_str(&format!("__Host-authlab_access={value}")) {
            request = request.header(header::COOKIE, cookie);
        }
        let answer = runtime.block_on(server.send(request.body(Body::from("{}")).unwrap()));
        prop_assert!(matches!(answer.status.as_u16(), 401 | 403), "{} {}", answer.status, answer.text);
        assert_clean(answer.status.as_u16(), &answer.text, &format!("{method} {path} (access cookie)"));
        prop_assert!(answer.text.len() < 8 * 1024, "{} bytes back", answer.text.len());
    }

    #[test]
    fn random_cookie_headers_through_the_router_get_a_json_4xx(
        raw in prop::collection::vec(any::<u8>(), 0..2048),
        named in any::<bool>(),
        write in any::<bool>(),
    ) {
        let Shared { runtime, server, .. } = shared();
        let (method, path) = if write { ("POST", "/api/session/logout") } else { ("GET", "/api/me") };
        let mut request = Request::builder().method(method).uri(path);
        let mut value = raw;
        if named {
            // Behind the real cookie name, so the store lookup is reached too.
            let mut prefixed = format!("{}=", cookies::NAME).into_bytes();
            prefixed.extend(value);
            value = prefixed;
        }
        if let Ok(value) = HeaderValue::from_bytes(&value) {
            request = request.header(header::COOKIE, value);
        }
        let answer = runtime.block_on(server.send(request.body(Body::empty()).unwrap()));
        prop_assert!((400..500).contains(&answer.status.as_u16()), "{method} {path}: {} {}", answer.status, answer.text);
        assert_clean(answer.status.as_u16(), &answer.text, path);
    }
}
