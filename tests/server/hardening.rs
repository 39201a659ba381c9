//! Server-wide hardening, each test named after the attack or fault it stops: rate limits (login
//! per name and per address, registration, refresh, key rotation), the bounded password-hashing
//! queue, and the Host check against DNS rebinding.

use crate::common::{assert_api_error, harness_with, refresh_cookie_value, Answer, Harness};
use axum::{
    body::Body,
    extract::ConnectInfo,
    http::{header, Request, StatusCode},
};
use std::net::SocketAddr;

/// A JSON login from a given client address (as the connection would report it).
async fn login_from(server: &Harness, addr: &str, username: &str, password: &str) -> Answer {
    login_on(server, addr, None, username, password).await
}

/// A JSON login from `addr`, by a browser holding `device` (a device cookie's value), if any.
async fn login_on(
    server: &Harness,
    addr: &str,
    device: Option<&str>,
    username: &str,
    password: &str,
) -> Answer {
    let mut request =
        Request::post("/api/session/login").header(header::CONTENT_TYPE, "application/json");
    if let Some(device) = device {
        request = request.header(
            header::COOKIE,
            format!("{}={device}", authlab::auth::device::COOKIE),
        );
    }
    let mut request = request
        .body(Body::from(
            serde_json::json!({ "username": username, "password": password }).to_string(),
        ))
        .unwrap();
    let peer: SocketAddr = format!("{addr}:40000").parse().unwrap();
    request.extensions_mut().insert(ConnectInfo(peer));
    server.send(request).await
}

/// The device cookie an answer set (`Set-Cookie: __Host-authlab_device=…`), whole, and its value.
fn device_cookie(answer: &Answer) -> Option<(String, String)> {
    answer
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(authlab::auth::device::COOKIE))
        .map(|whole| {
            let value = whole
                .split(';')
                .next()
                .and_then(|pair| pair.split_once('='))
                .map(|(_, value)| value.to_string())
                .unwrap_or_default();
            (whole.to_string(), value)
        })
}

fn retry_after(answer: &Answer) -> u64 {
    answer
        .headers
        .get(header::RETRY_AFTER)
        .unwrap_or_else(|| panic!("no Retry-After on {} {}", answer.status, answer.text))
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn password_guessing_burst_is_rate_limited_per_name_even_for_the_right_password() {
    let server = harness_with(|s| s.limits.login_per_name = "5/1m".parse().unwrap()).await;
    // The guesses come from five addresses, so only the per-name bucket can stop them.
    for i in 0..5 {
        let guess = login_from(&server, &format!("10.0.0.{i}"), "bob", "guess-number-x").await;
        assert_api_error(&guess, StatusCode::UNAUTHORIZED, "invalid_credentials");
    }
    let limited = login_from(&server, "10.0.0.9", "bob", "bob-builds-it").await;
    assert_api_error(&limited, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    assert!(retry_after(&limited) >= 1);
    // A limit is a pause, never a lockout of the real user: another account is untouched.
    let other = login_from(&server, "10.0.0.9", "alice", "alice-in-the-lab").await;
    assert_eq!(other.status, StatusCode::OK, "{}", other.text);
}

#[tokio::test]
async fn rate_limit_on_an_unknown_name_looks_exactly_like_one_on_a_real_name() {
    let server = harness_with(|s| s.limits.login_per_name = "3/1m".parse().unwrap()).await;
    let mut answers = Vec::new();
    for name in ["bob", "nobody-here"] {
        for i in 0..3 {
            let guess = login_from(&server, &format!("10.1.0.{i}"), name, "wrong-guess-1").await;
            assert_api_error(&guess, StatusCode::UNAUTHORIZED, "invalid_credentials");
        }
        answers.push(login_from(&server, "10.1.0.9", name, "wrong-guess-1").await);
    }
    for answer in &answers {
        assert_api_error(answer, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    }
    // Same status, same reason: a 429 does not tell whether the account exists.
    assert_eq!(answers[0].json()["error"], answers[1].json()["error"]);
    assert_eq!(answers[0].json()["reason"], answers[1].json()["reason"]);
}

#[tokio::test]
async fn one_address_spraying_many_names_is_rate_limited() {
    let server = harness_with(|s| s.limits.login_per_address = "4/1m".parse().unwrap()).await;
    for name in ["u-one", "u-two", "u-three", "u-four"] {
        let guess = login_from(&server, "192.0.2.7", name, "spray-password").await;
        assert_api_error(&guess, StatusCode::UNAUTHORIZED, "invalid_credentials");
    }
    let limited = login_from(&server, "192.0.2.7", "u-five", "spray-password").await;
    assert_api_error(&limited, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    // Another client address (another learner) still logs in.
    let other = login_from(&server, "192.0.2.8", "bob", "bob-builds-it").await;
    assert_eq!(other.status, StatusCode::OK, "{}", other.text);
}

#[tokio::test]
async fn forwarded_for_is_ignored_unless_a_trusted_proxy_is_configured() {
    let server = harness_with(|s| s.limits.login_per_address = "2/1m".parse().unwrap()).await;
    // Without a trusted proxy a client cannot dodge its bucket by naming a new address each time.
    for i in 0..3 {
        let mut request = Request::post("/api/session/login")
            .header(header::CONTENT_TYPE, "application/json")
            .header("x-forwarded-for", format!("203.0.113.{i}"))
            .body(Body::from(
                r#"{"username":"nobody","password":"pick-a-new-ip"}"#,
            ))
            .unwrap();
        request
            .extensions_mut()
            .insert(ConnectInfo("192.0.2.1:5000".parse::<SocketAddr>().unwrap()));
        let answer = server.send(request).await;
        let expected = if i < 2 {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::TOO_MANY_REQUESTS
        };
        assert_eq!(answer.status, expected, "attempt {i}: {}", answer.text);
    }

    let proxied = harness_with(|s| {
        s.limits.login_per_address = "2/1m".parse().unwrap();
        s.hosting.trusted_proxy = true;
    })
    .await;
    // Behind the proxy every request has the proxy's peer address; the rightmost forwarded entry
    // (the one the proxy appended) tells the learners apart.
    for i in 0..3 {
        let mut request = Request::post("/api/session/login")
            .header(header::CONTENT_TYPE, "application/json")
            .header("x-forwarded-for", format!("6.6.6.6, 203.0.113.{i}"))
            .body(Body::from(
                r#"{"username":"nobody","password":"learner-guess"}"#,
            ))
            .unwrap();
        request
            .extensions_mut()
            .insert(ConnectInfo("127.0.0.1:5000".parse::<SocketAddr>().unwrap()));
        let answer = proxied.send(request).await;
        assert_eq!(
            answer.status,
            StatusCode::UNAUTHORIZED,
            "learner {i}: {}",
            answer.text
        );
    }
}

#[tokio::test]
async fn registration_flood_from_one_address_is_rate_limited() {
    let server = harness_with(|s| s.limits.register_per_address = "3/1m".parse().unwrap()).await;
    for i in 0..3 {
        let made = server
            .post_json(
                "/api/register",
                format!(r#"{{"username":"flood-{i}","password":"flood-password-1"}}"#),
            )
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    }
    let limited = server
        .post_json(
            "/api/register",
            r#"{"username":"flood-9","password":"flood-password-1"}"#,
        )
        .await;
    assert_api_error(&limited, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    assert!(retry_after(&limited) >= 1);
}

#[tokio::test]
async fn refresh_flood_is_rate_limited() {
    let server = harness_with(|s| s.limits.refresh_per_address = "2/1m".parse().unwrap()).await;
    let (_, mut refresh) = server.jwt_login("bob", "bob-builds-it").await;
    for _ in 0..2 {
        let next = server.refresh(&refresh).await;
        assert_eq!(next.status, StatusCode::OK, "{}", next.text);
        refresh = refresh_cookie_value(&next).expect("rotated refresh token");
    }
    let limited = server.refresh(&refresh).await;
    assert_api_error(&limited, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    assert!(retry_after(&limited) >= 1);
}

#[tokio::test]
async fn key_rotation_spam_is_rate_limited_and_cannot_grow_the_jwks_without_bound() {
    let server = harness_with(|s| {
        s.limits.key_rotation_per_account = "3/1m".parse().unwrap();
        s.jwt.max_keys_per_account = 3;
    })
    .await;
    let (token, _) = server.jwt_login("bob", "bob-builds-it").await;
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(server.bearer("POST", "/api/jwt/keys/rotate", &token).await);
    }
    // The account's first key plus two rotations reach the cap of three keys...
    assert_eq!(statuses[0].status, StatusCode::OK, "{}", statuses[0].text);
    assert_eq!(statuses[1].status, StatusCode::OK, "{}", statuses[1].text);
    assert_api_error(&statuses[2], StatusCode::CONFLICT, "conflict");
    // ...and the rotation budget is spent as well.
    assert_api_error(&statuses[3], StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    let owner = server
        .state
        .auth
        .users
        .find_by_username("bob")
        .await
        .unwrap()
        .unwrap();
    assert!(server.state.auth.keys.of_owner(owner.id).len() <= 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_key_rotations_cannot_pass_the_key_cap_together() {
    let server = std::sync::Arc::new(harness_with(|s| s.jwt.max_keys_per_account = 3).await);
    let (token, _) = server.jwt_login("bob", "bob-builds-it").await;
    let rotations: Vec<_> = (0..12)
        .map(|_| {
            let (server, token) = (server.clone(), token.clone());
            tokio::spawn(async move { server.bearer("POST", "/api/jwt/keys/rotate", &token).await })
        })
        .collect();
    let mut made = 0;
    for rotation in rotations {
        let answer = rotation.await.unwrap();
        match answer.status {
            StatusCode::OK => made += 1,
            _ => {
                assert_api_error(&answer, StatusCode::CONFLICT, "conflict");
            }
        }
    }
    assert_eq!(
        made, 2,
        "the first key plus two rotations fill the cap of three"
    );
    let owner = server
        .state
        .auth
        .users
        .find_by_username("bob")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(server.state.auth.keys.of_owner(owner.id).len(), 3);
}

#[tokio::test]
async fn login_flood_past_the_hash_queue_gets_503_with_retry_after_at_once() {
    let server = std::sync::Arc::new(
        harness_with(|s| {
            s.passwords.max_concurrent_hashes = 1;
            s.passwords.max_queued_hashes = 0;
        })
        .await,
    );
    // Spawned all at once (collected), then awaited.
    let logins: Vec<_> = (0..6)
        .map(|i| {
            let server = server.clone();
            tokio::spawn(async move {
                login_from(&server, &format!("10.2.0.{i}"), "bob", "bob-builds-it").await
            })
        })
        .collect();
    let mut answers = Vec::new();
    for login in logins {
        answers.push(login.await.unwrap());
    }
    let overloaded: Vec<_> = answers
        .iter()
        .filter(|a| a.status == StatusCode::SERVICE_UNAVAILABLE)
        .collect();
    assert!(
        !overloaded.is_empty(),
        "six parallel logins on one hashing slot and no queue: some must be turned away: {:?}",
        answers.iter().map(|a| a.status).collect::<Vec<_>>()
    );
    for answer in &overloaded {
        assert_api_error(answer, StatusCode::SERVICE_UNAVAILABLE, "overloaded");
        assert!(retry_after(answer) >= 1);
    }
    for answer in answers
        .iter()
        .filter(|a| a.status != StatusCode::SERVICE_UNAVAILABLE)
    {
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    }
}

/// The nonce a Content-Security-Policy allows scripts by.
fn csp_nonce(csp: &str) -> String {
    csp.split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .unwrap_or_else(|| panic!("no nonce in the policy {csp}"))
        .to_string()
}

async fn with_host(server: &Harness, host: &str, path: &str) -> Answer {
    server
        .send(
            Request::get(path)
                .header(header::HOST, host)
                .body(Body::empty())
                .unwrap(),
        )
        .await
}

#[tokio::test]
async fn dns_rebinding_host_name_is_refused_with_421() {
    let server = harness_with(|_| {}).await;
    let port = server.settings.listen.port();
    for host in ["evil.test", &format!("evil.test:{port}"), "127.0.0.1:1"] {
        let answer = with_host(&server, host, "/api/health").await;
        assert_api_error(&answer, StatusCode::MISDIRECTED_REQUEST, "unknown_host");
        // Even a refusal carries the headers that stop sniffing and referrer leaks.
        assert_eq!(answer.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(answer.headers[header::REFERRER_POLICY], "same-origin");
    }
    // An attacker's 6 KB host name is echoed capped, not whole.
    let long = format!("{}.test", "x".repeat(6000));
    let answer = with_host(&server, &long, "/api/health").await;
    assert_api_error(&answer, StatusCode::MISDIRECTED_REQUEST, "unknown_host");
    assert!(answer.text.len() < 600, "{} bytes", answer.text.len());
    // A login through a rebound name is refused before it reaches the credential check.
    let login = server
        .send(
            Request::post("/api/session/login")
                .header(header::HOST, "evil.test")
                .header(header::CONTENT_TYPE, "application/json")
                .header("sec-fetch-site", "same-origin")
                .body(Body::from(
                    r#"{"username":"bob","password":"bob-builds-it"}"#,
                ))
                .unwrap(),
        )
        .await;
    assert_eq!(login.status, StatusCode::MISDIRECTED_REQUEST);
    for host in [format!("127.0.0.1:{port}"), format!("localhost:{port}")] {
        let answer = with_host(&server, &host, "/api/health").await;
        assert_eq!(answer.status, StatusCode::OK, "{host}: {}", answer.text);
    }
}

#[tokio::test]
async fn a_configured_public_host_is_served_and_ends_public_demo_accounts() {
    let server =
        harness_with(|s| s.hosting.public_hosts = "server.school.example".parse().unwrap()).await;
    let answer = with_host(&server, "server.school.example", "/api/health").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert!(!server.state.hosting.demo_accounts_public());
}

#[tokio::test]
async fn attacker_host_serves_only_the_attacker_page() {
    let server =
        harness_with(|s| s.hosting.attacker_origin = "http://other-site.example".into()).await;
    for path in ["/api/health", "/api/me", "/"] {
        let answer = with_host(&server, "other-site.example", path).await;
        assert_eq!(
            answer.status,
            StatusCode::MISDIRECTED_REQUEST,
            "{path} on the attacker's name: {}",
            answer.text
        );
    }
    let port = server.settings.listen.port();
    let target = format!("http://127.0.0.1:{port}");
    let page = with_host(
        &server,
        "other-site.example",
        &format!("/attacker/csrf?target={target}"),
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    // The attacker page's own policy: its one script by this response's nonce, its form only to
    // the lab, and only the lab may frame it.
    let csp = page.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    let nonce = csp_nonce(csp);
    assert!(
        page.text.contains(&format!("<script nonce=\"{nonce}\">")),
        "{}",
        page.text
    );
    assert!(csp.contains(&format!("form-action {target}")), "{csp}");
    assert!(csp.contains(&format!("frame-ancestors {target}")), "{csp}");
    // It is not a form that posts anywhere a visitor names: not to another site, and on the
    // lab only to one of the modes' logouts.
    let elsewhere = with_host(
        &server,
        "other-site.example",
        "/attacker/csrf?target=https://bank.example",
    )
    .await;
    assert_eq!(
        elsewhere.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        elsewhere.text
    );
    let bff = with_host(
        &server,
        "other-site.example",
        &format!("/attacker/csrf?target={target}&path=/api/bff/logout"),
    )
    .await;
    assert_eq!(bff.status, StatusCode::OK, "{}", bff.text);
    assert!(bff
        .text
        .contains(&format!("action=\"{target}/api/bff/logout\"")));
    let other_path = with_host(
        &server,
        "other-site.example",
        &format!("/attacker/csrf?target={target}&path=/api/account/password"),
    )
    .await;
    assert_eq!(
        other_path.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        other_path.text
    );
}

/// With a site of its own for the attacker, the lab's own name no longer serves the attacker's
/// pages: there, a page that posts a logout to the lab as it loads would be same-origin with the
/// lab, a gadget for anyone who can link a learner to it.
#[tokio::test]
async fn attacker_pages_are_not_served_on_the_labs_own_host_once_the_attacker_has_one() {
    let server = harness_with(|s| {
        s.hosting.public_hosts = "lab.school.test".parse().unwrap();
        s.hosting.attacker_origin = "https://prize-draw.test".into();
    })
    .await;
    let target = "target=https://lab.school.test";
    for path in [
        format!("/attacker/csrf?{target}"),
        format!("/attacker/link?{target}&nonce=0123456789abcdef0123456789abcdef"),
    ] {
        let on_lab = with_host(&server, "lab.school.test", &path).await;
        assert_api_error(&on_lab, StatusCode::MISDIRECTED_REQUEST, "unknown_host");
        let on_attacker = with_host(&server, "prize-draw.test", &path).await;
        assert_eq!(
            on_attacker.status,
            StatusCode::OK,
            "{path}: {}",
            on_attacker.text
        );
    }
    // The lab's own pages are the lab's as before.
    assert_eq!(
        with_host(&server, "lab.school.test", "/api/health")
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn injected_scripts_cannot_run_the_page_csp_allows_only_this_responses_nonce() {
    let server = harness_with(|_| {}).await;
    let mut nonces = Vec::new();
    for _ in 0..2 {
        let page = server.get("/").await;
        assert_eq!(page.status, StatusCode::OK);
        let csp = page.headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .to_string();
        let nonce = csp_nonce(&csp);
        // The server's own scripts carry exactly that nonce; anything injected would not.
        assert!(
            page.text.contains(&format!("nonce=\"{nonce}\"")),
            "{}",
            page.text
        );
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        let script_src = csp
            .split(';')
            .map(str::trim)
            .find(|d| d.starts_with("script-src "))
            .expect("a script-src directive");
        let sources: Vec<&str> = script_src.split_whitespace().skip(1).collect();
        assert!(
            !sources.contains(&"'unsafe-inline'") && !sources.contains(&"'unsafe-eval'"),
            "{script_src}"
        );
        assert_eq!(page.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert!(page.headers.contains_key(header::REFERRER_POLICY));
        nonces.push(nonce);
    }
    assert_ne!(nonces[0], nonces[1], "a fresh nonce per response");
}

#[tokio::test]
async fn token_responses_are_never_cached() {
    let server = harness_with(|_| {}).await;
    let login = server
        .post_json(
            "/api/jwt/login",
            r#"{"username":"bob","password":"bob-builds-it"}"#,
        )
        .await;
    assert_eq!(login.status, StatusCode::OK);
    assert_eq!(login.headers[header::CACHE_CONTROL], "no-store");
    let refused = server.get("/api/me").await;
    assert_eq!(refused.headers[header::CACHE_CONTROL], "no-store");
}

#[tokio::test]
async fn oversized_kid_is_echoed_capped_not_three_times_whole() {
    use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
    let server = harness_with(|_| {}).await;
    let kid = "k".repeat(6 * 1024);
    let header =
        URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"HS256","typ":"at+jwt","kid":"{kid}"}}"#));
    let payload = URL_SAFE_NO_PAD.encode(r#"{"sub":"bob"}"#);
    let token = format!("{header}.{payload}.c2ln");
    let answer = server.bearer("GET", "/api/me", &token).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert!(answer.text.len() < 4096, "{} bytes back", answer.text.len());
    let decoded = server
        .post_json(
            "/api/jwt/decode",
            serde_json::json!({ "token": token }).to_string(),
        )
        .await;
    assert_eq!(decoded.status, StatusCode::OK);
    assert!(
        decoded.text.len() < 6000,
        "{} bytes back",
        decoded.text.len()
    );
    // And the audit row is capped too.
    server.state.auth.audit.flush().await;
    let rows: Vec<(String,)> = sqlx::query_as("SELECT detail FROM audit_events")
        .fetch_all(&server.sql)
        .await
        .unwrap();
    assert!(rows.iter().all(|(detail,)| detail.len() <= 600), "{rows:?}");
}

#[tokio::test]
async fn token_over_8_kb_is_refused_unread_and_not_echoed() {
    let server = harness_with(|_| {}).await;
    let token = format!(
        "{}.{}.{}",
        "a".repeat(4000),
        "b".repeat(4000),
        "c".repeat(400)
    );
    let answer = server.bearer("GET", "/api/me", &token).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert!(!answer.text.contains("aaaa"), "{}", answer.text);
    assert!(answer.text.contains("8192"), "{}", answer.text);
}

#[tokio::test]
async fn unauthenticated_refusal_flood_does_not_write_a_row_each() {
    let server = harness_with(|_| {}).await;
    let rows = || async {
        server.state.auth.audit.flush().await;
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM audit_events")
            .fetch_one(&server.sql)
            .await
            .unwrap()
    };
    let before = rows().await;
    for i in 0..400 {
        let forged = format!("forged.token.{i}");
        let answer = server.bearer("GET", "/api/me", &forged).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    }
    let written = rows().await - before;
    // At most the per-minute allowance (plus one for a refill during the run) is written.
    assert!(
        written <= 121,
        "{written} rows for 400 unattributed refusals"
    );
    assert!(server.state.auth.audit.suppressed() > 0);
    // The maintenance pass writes the rest as one summary row.
    authlab::server::maintain_once(&server.state).await;
    assert_eq!(server.state.auth.audit.suppressed(), 0);
    assert_eq!(rows().await - before, written + 1);
}

#[tokio::test]
async fn old_audit_rows_refresh_tokens_and_security_events_are_purged() {
    let server = harness_with(|s| {
        s.retention.audit_max_rows = 5;
        s.retention.refresh_tokens_secs = 0;
        s.retention.security_events_secs = 0;
    })
    .await;
    for _ in 0..3 {
        server.jwt_login("bob", "bob-builds-it").await;
    }
    let long_ago = authlab::db::unix_now() - 10 * 86_400;
    sqlx::query("UPDATE refresh_tokens SET expires_at = ?")
        .bind(long_ago)
        .execute(&server.sql)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO security_events (at, user_id, kind, detail) VALUES (?, NULL, 'x', 'old')",
    )
    .bind(long_ago)
    .execute(&server.sql)
    .await
    .unwrap();
    for i in 0..10 {
        server.bearer("GET", "/api/me", &format!("x.y.{i}")).await;
    }
    authlab::server::maintain_once(&server.state).await;
    let count = |table: &'static str| {
        let db = server.sql.clone();
        async move {
            sqlx::query_scalar::<_, i64>(&format!("SELECT COUNT(*) FROM {table}"))
                .fetch_one(&db)
                .await
                .unwrap()
        }
    };
    assert!(
        count("audit_events").await <= 6,
        "at most the cap, plus a summary row"
    );
    assert_eq!(count("refresh_tokens").await, 0);
    assert_eq!(count("security_events").await, 0);
}

#[tokio::test]
async fn replaying_an_ended_cookie_in_a_flood_does_not_write_a_row_each() {
    let server = harness_with(|s| s.limits.audit_refusals_per_minute = 20).await;
    let session = server.session_login("bob", "bob-builds-it").await;
    let out = server
        .write_as(&session, "POST", "/api/session/logout")
        .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT, "{}", out.text);
    let bob_rows = || async {
        server.state.auth.audit.flush().await;
        sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM audit_events WHERE username = 'bob' AND allowed = 0",
        )
        .fetch_one(&server.sql)
        .await
        .unwrap()
    };
    let before = bob_rows().await;
    // The replays are attributed to bob (the ended id's hash is remembered), and each is refused.
    for _ in 0..200 {
        let replay = server.get_as(&session, "/api/me").await;
        assert_eq!(replay.status, StatusCode::UNAUTHORIZED);
    }
    let written = bob_rows().await - before;
    assert!(written >= 1, "the first replays are on bob's record");
    assert!(
        written <= 21,
        "{written} rows for 200 replays of one ended cookie"
    );
    assert!(server.state.auth.audit.suppressed() >= 179);
    authlab::server::maintain_once(&server.state).await;
    assert_eq!(server.state.auth.audit.suppressed(), 0);
}

#[tokio::test]
async fn attacker_flooding_a_name_from_many_addresses_cannot_lock_its_owner_out_of_their_browser() {
    let server = harness_with(|s| s.limits.login_per_name = "4/1m".parse().unwrap()).await;
    // bob has signed in on his own browser before: it holds his device cookie.
    let first = login_from(&server, "10.2.0.1", "bob", "bob-builds-it").await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    let (_, device) = device_cookie(&first).expect("a right password sets the device cookie");
    // An attacker spreads guesses over many addresses until the per-name limit bites.
    let mut limited = None;
    for i in 10..20 {
        let guess = login_from(&server, &format!("10.2.0.{i}"), "bob", "guessing-bob-1").await;
        if guess.status == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(guess);
            break;
        }
        assert_api_error(&guess, StatusCode::UNAUTHORIZED, "invalid_credentials");
    }
    let limited = limited.expect("the per-name limit bites the attacker");
    assert_api_error(&limited, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    // Without the device cookie, even at bob's own address, the name's untrusted budget is spent.
    let untrusted = login_from(&server, "10.2.0.1", "bob", "bob-builds-it").await;
    assert_api_error(&untrusted, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    // On his own browser, bob is not kept out.
    let owner = login_on(&server, "10.2.0.1", Some(&device), "bob", "bob-builds-it").await;
    assert_eq!(owner.status, StatusCode::OK, "{}", owner.text);
}

/// A classmate behind the same school address guesses a learner's password until the limits
/// answer 429. The learner, on the browser they signed in on before, still gets in: the failure
/// streak and the budget belong to the device cookie, not to the address the class shares.
#[tokio::test]
async fn classmate_on_the_same_address_cannot_lock_the_owner_out() {
    let server = harness_with(|s| {
        s.limits = authlab::settings::LimitSettings::default();
        // The name's untrusted budget refills slowly here, so a 429 stays a 429 for the rest of
        // the test however slow the machine (the default refills a try every 2 s).
        s.limits.login_per_name = "6/1h".parse().unwrap();
    })
    .await;
    let school = "198.51.100.44";
    server.register("dora", "doras-own-secret").await;
    let first = login_from(&server, school, "dora", "doras-own-secret").await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    let (set_cookie, device) = device_cookie(&first).expect("a device cookie for dora");
    // The classmate, same address, no device cookie for dora: 401s, then 429.
    let mut statuses = Vec::new();
    for n in 0..12 {
        let guess = login_from(&server, school, "dora", &format!("guess-{n:02}-dora")).await;
        statuses.push(guess.status);
        if guess.status == StatusCode::TOO_MANY_REQUESTS {
            assert!(retry_after(&guess) >= 1);
            break;
        }
        assert_api_error(&guess, StatusCode::UNAUTHORIZED, "invalid_credentials");
    }
    assert_eq!(
        statuses.last(),
        Some(&StatusCode::TOO_MANY_REQUESTS),
        "the classmate meets the limit: {statuses:?}"
    );
    // A device cookie the classmate forges for dora (another's value, altered) counts as none.
    let forged = device.replacen('!', "!x", 1);
    let with_forged = login_on(&server, school, Some(&forged), "dora", "doras-own-secret").await;
    assert_api_error(&with_forged, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    // dora, from the same address, on her own browser: in at once, and only hers is trusted.
    let owner = login_on(&server, school, Some(&device), "dora", "doras-own-secret").await;
    assert_eq!(owner.status, StatusCode::OK, "{}", owner.text);
    // The classmate, meanwhile, is still refused.
    let classmate = login_from(&server, school, "dora", "doras-own-secret").await;
    assert_api_error(&classmate, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    // The cookie itself: host-only and secure (__Host-), out of scripts' reach, never sent on a
    // request another site starts, and with an expiry.
    for flag in [
        "HttpOnly",
        "Secure",
        "SameSite=Strict",
        "Path=/",
        "Max-Age=2592000",
    ] {
        assert!(set_cookie.contains(flag), "{flag} in {set_cookie}");
    }
    assert!(!set_cookie.contains("Domain"), "{set_cookie}");
}

/// A browser trusted for an account keeps no budget of its own once the password changes (or the
/// account logs out everywhere): whoever knew the old password and kept its device cookie is an
/// untrusted client from then on, and the owner's browser is trusted again by the change itself.
#[tokio::test]
async fn a_device_trusted_before_a_password_change_is_not_trusted_after_it() {
    let server = harness_with(|s| {
        s.limits = authlab::settings::LimitSettings::default();
        s.limits.login_per_name = "6/1h".parse().unwrap();
    })
    .await;
    let school = "198.51.100.45";
    server.register("fay", "fays-first-secret").await;
    // Someone who knew fay's password signed in once, and kept the device cookie.
    let old = login_from(&server, school, "fay", "fays-first-secret").await;
    let (_, old_device) = device_cookie(&old).expect("a device cookie");
    // fay changes her password on her own browser (a session, and that same device cookie).
    let session = {
        let cookie = old
            .headers
            .get(header::SET_COOKIE)
            .unwrap()
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string();
        (
            cookie,
            old.json()["csrf_token"].as_str().unwrap().to_string(),
        )
    };
    let mut change = Request::post("/api/account/password")
        .header(
            header::COOKIE,
            format!(
                "{}; {}={old_device}",
                session.0,
                authlab::auth::device::COOKIE
            ),
        )
        .header("sec-fetch-site", "same-origin")
        .header("x-csrf-token", &session.1)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            r#"{"current_password":"fays-first-secret","new_password":"fays-second-secret"}"#,
        ))
        .unwrap();
    let peer: SocketAddr = format!("{school}:40000").parse().unwrap();
    change.extensions_mut().insert(ConnectInfo(peer));
    let changed = server.send(change).await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
    let (_, new_device) = device_cookie(&changed).expect("the change trusts fay's browser anew");
    // Guesses spend the name's untrusted budget.
    for n in 0..8 {
        login_from(&server, school, "fay", &format!("guess-{n:02}-fay")).await;
    }
    // The old device cookie is now untrusted: it meets the guessers' wait, even with the right
    // password. fay's browser, trusted by the change, gets in.
    let with_old = login_on(
        &server,
        school,
        Some(&old_device),
        "fay",
        "fays-second-secret",
    )
    .await;
    assert_api_error(&with_old, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    let with_new = login_on(
        &server,
        school,
        Some(&new_device),
        "fay",
        "fays-second-secret",
    )
    .await;
    assert_eq!(with_new.status, StatusCode::OK, "{}", with_new.text);
}

/// Someone holding a learner's access token (the XSS card shows how one is stolen) tries to guess
/// the learner's password through the password change, which wants the current one. It is a
/// login: the same limits, the same failure streak and the same audit entry.
#[tokio::test]
async fn password_guessing_through_a_stolen_token_meets_429() {
    let server = harness_with(|s| s.limits = authlab::settings::LimitSettings::default()).await;
    server.register("erin", "erins-own-secret").await;
    let (stolen, _) = server.jwt_login("erin", "erins-own-secret").await;
    let mut statuses = Vec::new();
    for n in 0..20 {
        let mut request = Request::post("/api/account/password")
            .header(header::AUTHORIZATION, format!("Bearer {stolen}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(
                serde_json::json!({
                    "current_password": format!("guess-{n:02}-erin"),
                    "new_password": "the-thiefs-now-0",
                })
                .to_string(),
            ))
            .unwrap();
        let thief: SocketAddr = "203.0.113.9:50000".parse().unwrap();
        request.extensions_mut().insert(ConnectInfo(thief));
        let answer = server.send(request).await;
        statuses.push(answer.status);
        if answer.status == StatusCode::TOO_MANY_REQUESTS {
            assert_api_error(&answer, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
            assert!(retry_after(&answer) >= 1);
            break;
        }
        assert_api_error(&answer, StatusCode::UNAUTHORIZED, "invalid_credentials");
    }
    assert_eq!(
        statuses.last(),
        Some(&StatusCode::TOO_MANY_REQUESTS),
        "guessing through the token meets the limit: {statuses:?}"
    );
    assert!(statuses.len() <= 7, "within a few guesses: {statuses:?}");
    // Each guess is in erin's own audit log, as a failed login is.
    server.state.auth.audit.flush().await;
    let failed: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_events WHERE username = 'erin' AND action = 'password change'
         AND allowed = 0 AND failed_check = 'credentials'",
    )
    .fetch_one(&server.sql)
    .await
    .unwrap();
    assert_eq!(failed as usize, statuses.len() - 1);
    // The password did not change.
    assert!(server
        .check_credentials("erin", "erins-own-secret")
        .await
        .is_ok());
}

/// One account keeps dozens of password changes in flight (wrong current passwords), the attack
/// that once filled every hashing slot and turned everyone else's logins away with 503. Its share
/// is now a few slots: past it, that account alone gets 429, and other learners sign in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_change_flood_leaves_other_logins_working() {
    let server = std::sync::Arc::new(
        harness_with(|s| {
            s.limits = authlab::settings::LimitSettings::default();
            s.passwords.max_concurrent_hashes = 1;
            s.passwords.max_queued_hashes = 32;
        })
        .await,
    );
    let school = "198.51.100.50";
    for name in ["mallory", "ann", "ben", "cyd", "dee", "eve"] {
        server.register(name, &format!("{name}-secret-1")).await;
    }
    // Signed in by session: checking a cookie costs this debug build less than an EdDSA
    // signature, so the flood's refused requests leave the cores to the hashing.
    let mallory = server.session_login("mallory", "mallory-secret-1").await;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    // Forty clients, each sending its next wrong guess soon after the last is answered (a pause
    // of 50 ms, so that on this debug build the refused requests themselves do not take every
    // core: the hashing threads yield to any busy request thread).
    let flood: Vec<_> = (0..40)
        .map(|n| {
            let (server, mallory, stop) = (server.clone(), mallory.clone(), stop.clone());
            tokio::spawn(async move {
                let mut statuses = Vec::new();
                while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                    let mut request = Request::post("/api/account/password")
                        .header(header::COOKIE, mallory.cookie_header())
                        .header("sec-fetch-site", "same-origin")
                        .header("x-csrf-token", &mallory.csrf)
                        .header(header::CONTENT_TYPE, "application/json")
                        .body(Body::from(format!(
                            r#"{{"current_password":"wrong-guess-{n:02}","new_password":"mallory-new-secret"}}"#
                        )))
                        .unwrap();
                    let peer: SocketAddr = format!("{school}:{}", 41000 + n).parse().unwrap();
                    request.extensions_mut().insert(ConnectInfo(peer));
                    let answer = server.send(request).await;
                    statuses.push((answer.status, answer.headers.contains_key(header::RETRY_AFTER)));
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
                statuses
            })
        })
        .collect();
    // Until the flood holds the hashing thread.
    while server.state.auth.passwords.running() == 0 {
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
    let others: Vec<_> = ["ann", "ben", "cyd", "dee", "eve"]
        .into_iter()
        .map(|name| {
            let server = server.clone();
            tokio::spawn(async move {
                login_from(&server, school, name, &format!("{name}-secret-1")).await
            })
        })
        .collect();
    let mut other_statuses = Vec::new();
    for login in others {
        let answer = login.await.unwrap();
        other_statuses.push((answer.status, answer.text));
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let mut flood_statuses = Vec::new();
    for client in flood {
        flood_statuses.extend(client.await.unwrap());
    }
    assert!(
        other_statuses
            .iter()
            .all(|(status, _)| *status == StatusCode::OK),
        "other learners' logins during the flood: {other_statuses:?}"
    );
    assert!(
        !flood_statuses
            .iter()
            .any(|(status, _)| *status == StatusCode::SERVICE_UNAVAILABLE),
        "the flood never fills the line for everyone"
    );
    let limited = flood_statuses
        .iter()
        .filter(|(status, _)| *status == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert!(limited > 0, "the flooding account meets 429");
    assert!(flood_statuses
        .iter()
        .filter(|(status, _)| *status == StatusCode::TOO_MANY_REQUESTS)
        .all(|(_, retry)| *retry));
}

#[tokio::test]
async fn wrong_passwords_in_a_row_double_the_wait_and_a_right_one_clears_it() {
    let server = harness_with(|s| {
        s.limits.login_backoff_after = 2;
        s.limits.login_backoff_max_secs = 60;
    })
    .await;
    // bob's own browser, trusted by an earlier sign-in.
    let first = login_from(&server, "10.3.0.2", "bob", "bob-builds-it").await;
    let (_, device) = device_cookie(&first).expect("a device cookie");
    for _ in 0..3 {
        let guess = login_from(&server, "10.3.0.1", "bob", "wrong-password-1").await;
        assert_api_error(&guess, StatusCode::UNAUTHORIZED, "invalid_credentials");
    }
    // Three in a row, two free: the next attempt waits, even with the right password, from any
    // browser without bob's device cookie.
    let waiting = login_from(&server, "10.3.0.1", "bob", "bob-builds-it").await;
    assert_api_error(&waiting, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    assert_eq!(retry_after(&waiting), 1);
    let elsewhere = login_from(&server, "10.3.0.9", "bob", "bob-builds-it").await;
    assert_api_error(&elsewhere, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    // bob's trusted browser is not affected by this streak.
    let trusted = login_on(&server, "10.3.0.1", Some(&device), "bob", "bob-builds-it").await;
    assert_eq!(trusted.status, StatusCode::OK, "{}", trusted.text);
    // After the wait, one more wrong password doubles it.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let guess = login_from(&server, "10.3.0.1", "bob", "wrong-password-1").await;
    assert_api_error(&guess, StatusCode::UNAUTHORIZED, "invalid_credentials");
    let waiting = login_from(&server, "10.3.0.1", "bob", "bob-builds-it").await;
    assert_api_error(&waiting, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    assert_eq!(retry_after(&waiting), 2);
    // Once it is over, the right password gets in and ends the streak.
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let owner = login_from(&server, "10.3.0.1", "bob", "bob-builds-it").await;
    assert_eq!(owner.status, StatusCode::OK, "{}", owner.text);
    let guess = login_from(&server, "10.3.0.1", "bob", "wrong-password-1").await;
    assert_api_error(&guess, StatusCode::UNAUTHORIZED, "invalid_credentials");
}

#[tokio::test]
async fn forgery_lesson_loads_its_attacker_page_from_another_site_loopback_or_hosted() {
    let server = harness_with(|_| {}).await;
    let port = server.settings.listen.port();
    for (browsed, other) in [("127.0.0.1", "localhost"), ("localhost", "127.0.0.1")] {
        let answer = with_host(
            &server,
            &format!("{browsed}:{port}"),
            "/api/lab/forgery-site",
        )
        .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
        assert_eq!(answer.json()["origin"], format!("http://{other}:{port}"));
    }
    // Hosted: the teacher's second name, whichever name the learner came by.
    let hosted = harness_with(|s| {
        s.hosting.public_hosts = "server.school.test".parse().unwrap();
        s.hosting.attacker_origin = "https://prize-draw.test".into();
    })
    .await;
    let answer = with_host(&hosted, "server.school.test", "/api/lab/forgery-site").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert_eq!(answer.json()["origin"], "https://prize-draw.test");
    // And that name serves the attacker page, and only it.
    let page = with_host(
        &hosted,
        "prize-draw.test",
        "/attacker/csrf?target=https://server.school.test",
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page
        .text
        .contains("action=\"https://server.school.test/api/session/logout\""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_class_of_thirty_behind_one_nat_address_gets_through_a_lesson_at_the_default_limits() {
    // The shipped limits, not the suite's generous ones.
    let server = std::sync::Arc::new(
        harness_with(|s| s.limits = authlab::settings::LimitSettings::default()).await,
    );
    let nat = "198.51.100.20";
    let learners: Vec<_> = (0..30)
        .map(|i| {
            let server = server.clone();
            tokio::spawn(async move {
                let name = format!("lesson-nat{i:03}");
                let password = format!("{i:02}-0123456789abcdef0123456789abcdef");
                let mut statuses = Vec::new();
                // What one lesson does: register a fresh account, sign in both ways, refresh.
                let mut register = Request::post("/api/register")
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from(
                        serde_json::json!({ "username": name, "password": password }).to_string(),
                    ))
                    .unwrap();
                let peer: SocketAddr = format!("{nat}:{}", 40000 + i).parse().unwrap();
                register.extensions_mut().insert(ConnectInfo(peer));
                statuses.push(server.send(register).await.status);
                statuses.push(login_from(&server, nat, &name, &password).await.status);
                let mut jwt = Request::post("/api/jwt/login")
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from(
                        serde_json::json!({ "username": name, "password": password }).to_string(),
                    ))
                    .unwrap();
                jwt.extensions_mut().insert(ConnectInfo(peer));
                let jwt = server.send(jwt).await;
                statuses.push(jwt.status);
                let refresh = refresh_cookie_value(&jwt).expect("a refresh cookie");
                let mut rotate = Request::post("/api/jwt/refresh")
                    .header(
                        header::COOKIE,
                        format!("{}={refresh}", authlab::auth::refresh::COOKIE),
                    )
                    .body(Body::empty())
                    .unwrap();
                rotate.extensions_mut().insert(ConnectInfo(peer));
                statuses.push(server.send(rotate).await.status);
                statuses
            })
        })
        .collect();
    for (i, learner) in learners.into_iter().enumerate() {
        let statuses = learner.await.unwrap();
        assert!(
            statuses.iter().all(|s| s.is_success()),
            "learner {i} behind the shared address was refused: {statuses:?}"
        );
    }
}

#[tokio::test]
async fn polling_allowed_reads_cannot_write_a_row_each() {
    let server = harness_with(|s| s.limits.audit_allowed_reads_per_minute = 5).await;
    let session = server.session_login("bob", "bob-builds-it").await;
    let rows = |action: &'static str| {
        let server = &server;
        async move {
            server.state.auth.audit.flush().await;
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM audit_events WHERE action = ? AND allowed = 1",
            )
            .bind(action)
            .fetch_one(&server.sql)
            .await
            .unwrap()
        }
    };
    for _ in 0..40 {
        assert_eq!(
            server.get_as(&session, "/api/me").await.status,
            StatusCode::OK
        );
    }
    // The first five are on bob's record one by one; the rest only counted.
    assert_eq!(rows("GET /api/me").await, 5);
    // A write past the allowance is still written: only plain reads are counted.
    let out = server
        .write_as(&session, "POST", "/api/session/logout")
        .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT, "{}", out.text);
    assert_eq!(rows("POST /api/session/logout").await, 1);
    // The maintenance pass turns the count into one row that says how many.
    authlab::server::maintain_once(&server.state).await;
    let summary: String = sqlx::query_scalar(
        "SELECT detail FROM audit_events WHERE action = 'allowed reads counted'",
    )
    .fetch_one(&server.sql)
    .await
    .unwrap();
    assert!(
        summary.starts_with("35 more reads by account bob"),
        "{summary}"
    );
}

/// Anyone, signed out, once filled the cross-site probe's and the XSS card's tables (2,000 records
/// each) with nonces of their own, and a learner's fresh probe then read "nothing arrived". Now a
/// record is made only by the signed-in learner who starts the run; what arrives from outside
/// only fills in a record that exists; and only its starter reads it back.
#[tokio::test]
async fn anonymous_probe_flood_leaves_a_learners_run_intact() {
    let server = harness_with(|_| {}).await;
    let learner = server.session_login("bob", "bob-builds-it").await;
    let started = server
        .write_as(&learner, "POST", "/api/lab/cross-site-probe/start")
        .await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.text);
    let nonce = started.json()["run"].as_str().unwrap().to_string();
    let xss = server
        .write_as(&learner, "POST", "/api/lab/xss/start")
        .await;
    assert_eq!(xss.status, StatusCode::OK, "{}", xss.text);
    let run = xss.json()["run"].as_str().unwrap().to_string();

    // Signed out: no run can be started, and 2,100 made-up nonces are refused, none kept.
    let anonymous = server
        .send(
            Request::post("/api/lab/cross-site-probe/start")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(
        anonymous.status,
        StatusCode::UNAUTHORIZED,
        "{}",
        anonymous.text
    );
    for i in 0..2_100u32 {
        let planted = format!("{i:032x}");
        let probe = server
            .get(&format!("/api/lab/cross-site-probe?nonce={planted}"))
            .await;
        assert_eq!(probe.status, StatusCode::NOT_FOUND, "{}", probe.text);
        let dropped = server
            .send(
                Request::post(format!("/attacker/xss-drop?run={planted}"))
                    .body(Body::from(r#"{"found":[],"cookie":""}"#))
                    .unwrap(),
            )
            .await;
        assert_api_error(&dropped, StatusCode::NOT_FOUND, "no_such_run");
    }
    assert_eq!(server.state.lab.probes.len(), 1);
    assert_eq!(server.state.lab.xss_runs.len(), 1);

    // The learner follows the link on the attacker's page (a top-level GET another site
    // started, which a SameSite=Lax cookie goes along with).
    let followed = server
        .send(
            Request::get(format!("/api/lab/cross-site-probe?nonce={nonce}"))
                .header(header::COOKIE, learner.cookie_header())
                .header("sec-fetch-site", "cross-site")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(followed.status, StatusCode::OK, "{}", followed.text);
    let path = format!("/api/lab/cross-site-probe/result?nonce={nonce}");
    let result = server.get_as(&learner, &path).await;
    assert_eq!(result.status, StatusCode::OK, "{}", result.text);
    let result = result.json();
    assert_eq!(result["arrived"], true, "{result}");
    assert_eq!(result["cookie_sent"], true, "{result}");
    assert_eq!(result["session_live"], true, "{result}");

    // Nobody else learns from it whether the learner is signed in.
    let classmate = server.session_login("alice", "alice-in-the-lab").await;
    let peek = server.get_as(&classmate, &path).await;
    assert_api_error(&peek, StatusCode::NOT_FOUND, "no_such_run");
    assert_eq!(server.get(&path).await.status, StatusCode::UNAUTHORIZED);
    let peek = server
        .get_as(&classmate, &format!("/api/lab/xss/result?run={run}"))
        .await;
    assert_api_error(&peek, StatusCode::NOT_FOUND, "no_such_run");

    // A classmate who lures the learner to a probe of the classmate's own learns nothing of the
    // learner's session: a link followed with someone else's live session fills in nothing.
    let lure = server
        .write_as(&classmate, "POST", "/api/lab/cross-site-probe/start")
        .await
        .json()["run"]
        .as_str()
        .unwrap()
        .to_string();
    let lured = server
        .send(
            Request::get(format!("/api/lab/cross-site-probe?nonce={lure}"))
                .header(header::COOKIE, learner.cookie_header())
                .header("sec-fetch-site", "cross-site")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(lured.status, StatusCode::OK);
    let seen = server
        .get_as(
            &classmate,
            &format!("/api/lab/cross-site-probe/result?nonce={lure}"),
        )
        .await
        .json();
    assert_eq!(seen["arrived"], false, "{seen}");
    assert_eq!(seen["session_live"], false, "{seen}");

    // Starting runs in a loop pushes out the starter's own oldest, never the learner's.
    for _ in 0..20 {
        let again = server
            .write_as(&classmate, "POST", "/api/lab/cross-site-probe/start")
            .await;
        assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    }
    assert_eq!(server.get_as(&learner, &path).await.status, StatusCode::OK);
    assert!(server.state.lab.probes.len() <= 1 + authlab::store::probes::PER_ACCOUNT);
}
