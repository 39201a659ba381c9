//! The backend-for-frontend (claim 26): the browser holds only a session cookie, the tokens stay
//! on the server, and every call shows both hops. Over the real router, with the real vault.

use crate::common::{failed_check, harness, Answer, Harness};
use authlab::{
    store::{bff_vault::Held, sessions::key_of},
    wire::{AuthMode, BffAnswer, BffState},
};
use axum::{
    body::Body,
    http::{header, Request, StatusCode},
};

/// A BFF login's session cookie and state.
struct BffLogin {
    cookie: String,
    state: BffState,
}

async fn bff_login(server: &Harness) -> (Answer, BffLogin) {
    let answer = server
        .send(
            Request::post("/api/bff/login")
                .header(header::CONTENT_TYPE, "application/json")
                .header("sec-fetch-site", "same-origin")
                .body(Body::from(
                    r#"{"username":"bob","password":"bob-builds-it"}"#,
                ))
                .unwrap(),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let cookie = answer
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("__Host-authlab_session="))
        .expect("a session cookie")
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let state: BffState = serde_json::from_str(&answer.text).unwrap();
    (answer, BffLogin { cookie, state })
}

/// What the vault holds for this login's session.
async fn held(server: &Harness, login: &BffLogin) -> Option<Held> {
    let id = login.cookie.split_once('=').unwrap().1;
    server
        .state
        .auth
        .bff_vault
        .get(&key_of(id), authlab::db::unix_now())
        .await
        .unwrap()
}

async fn through(
    server: &Harness,
    login: &BffLogin,
    method: &str,
    path: &str,
    site: &str,
    csrf: Option<&str>,
    body: &str,
) -> Answer {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::COOKIE, &login.cookie)
        .header("sec-fetch-site", site)
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(csrf) = csrf {
        request = request.header("x-csrf-token", csrf);
    }
    server
        .send(request.body(Body::from(body.to_string())).unwrap())
        .await
}

#[tokio::test]
async fn a_bff_login_gives_the_browser_a_session_cookie_and_no_token() {
    let server = harness().await;
    let (answer, login) = bff_login(&server).await;
    let held = held(&server, &login)
        .await
        .expect("the BFF holds the tokens");
    let everything_sent = format!("{:?} {}", answer.headers, answer.text);
    assert!(
        !everything_sent.contains(&held.access),
        "the access token never leaves"
    );
    assert!(
        !everything_sent.contains(&held.refresh),
        "nor the refresh token"
    );
    assert!(!everything_sent.contains("__Secure-authlab_refresh"));
    assert_eq!(login.state.username, "bob");
    assert_eq!(login.state.access_expires_at, held.access_exp);
}

#[tokio::test]
async fn a_call_through_the_bff_shows_both_hops() {
    let server = harness().await;
    let (_, login) = bff_login(&server).await;
    let answer = through(
        &server,
        &login,
        "GET",
        "/api/bff/api/me",
        "same-origin",
        None,
        "",
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let answer: BffAnswer = serde_json::from_str(&answer.text).unwrap();
    assert_eq!(answer.body["username"], "bob");
    assert_eq!(answer.browser_hop.mode, AuthMode::Session);
    assert!(answer.browser_hop.allowed);
    let api = answer
        .api_hop
        .expect("the API's decision on the BFF's request");
    assert_eq!(api.mode, AuthMode::Jwt);
    assert!(api.allowed);
    assert!(api.checks.iter().any(|c| c.name == "signature"));
    assert!(!answer.refreshed);
}

#[tokio::test]
async fn the_bff_forwards_only_its_allowlist_never_a_token_endpoint() {
    let server = harness().await;
    let (_, login) = bff_login(&server).await;
    let csrf = login.state.csrf_token.clone();
    for (method, path) in [
        ("GET", "/api/bff/api/jwt/keys"),
        ("POST", "/api/bff/api/jwt/refresh"),
        ("POST", "/api/bff/api/jwt/logout"),
        ("GET", "/api/bff/api/admin/accounts"),
        ("GET", "/api/bff/api/bff/api/me"),
        ("GET", "/api/bff/api/me/../jwt/keys"),
    ] {
        let answer = through(
            &server,
            &login,
            method,
            path,
            "same-origin",
            Some(&csrf),
            "",
        )
        .await;
        assert_eq!(
            answer.status,
            StatusCode::FORBIDDEN,
            "{method} {path}: {}",
            answer.text
        );
        assert!(
            answer.text.contains("the BFF calls only"),
            "{}",
            answer.text
        );
    }
}

#[tokio::test]
async fn a_cross_site_write_through_the_bff_is_refused_by_the_session_defences() {
    let server = harness().await;
    let (_, login) = bff_login(&server).await;
    let patch = r#"{"denylist":true}"#;
    let forged = through(
        &server,
        &login,
        "PUT",
        "/api/bff/api/lab-settings",
        "cross-site",
        None,
        patch,
    )
    .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "{}", forged.text);
    assert_eq!(failed_check(&forged), "same origin");
    let tokenless = through(
        &server,
        &login,
        "PUT",
        "/api/bff/api/lab-settings",
        "same-origin",
        None,
        patch,
    )
    .await;
    assert_eq!(failed_check(&tokenless), "csrf token");
    let csrf = login.state.csrf_token.clone();
    let good = through(
        &server,
        &login,
        "PUT",
        "/api/bff/api/lab-settings",
        "same-origin",
        Some(&csrf),
        patch,
    )
    .await;
    assert_eq!(good.status, StatusCode::OK, "{}", good.text);
    let good: BffAnswer = serde_json::from_str(&good.text).unwrap();
    assert_eq!(good.body["denylist"], true);
}

#[tokio::test]
async fn the_bff_refreshes_an_expiring_access_token_by_itself() {
    let server = harness().await;
    let (_, login) = bff_login(&server).await;
    let before = held(&server, &login).await.unwrap();
    // The held token is about to expire.
    let id = login.cookie.split_once('=').unwrap().1;
    let soon = Held {
        access_exp: authlab::db::unix_now(),
        ..before.clone()
    };
    let until = authlab::db::unix_now() + 600;
    server
        .state
        .auth
        .bff_vault
        .put(&key_of(id), &soon, until)
        .await
        .unwrap();
    let answer = through(
        &server,
        &login,
        "GET",
        "/api/bff/api/me",
        "same-origin",
        None,
        "",
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let answer: BffAnswer = serde_json::from_str(&answer.text).unwrap();
    assert!(answer.refreshed);
    let after = held(&server, &login).await.unwrap();
    assert_ne!(after.access, before.access);
    assert_ne!(after.refresh, before.refresh, "the refresh token rotated");
}

#[tokio::test]
async fn after_a_bff_logout_the_session_and_the_tokens_it_held_are_gone() {
    let server = harness().await;
    let (_, login) = bff_login(&server).await;
    let was = held(&server, &login).await.unwrap();
    let csrf = login.state.csrf_token.clone();
    let logout = through(
        &server,
        &login,
        "POST",
        "/api/bff/logout",
        "same-origin",
        Some(&csrf),
        "",
    )
    .await;
    assert_eq!(logout.status, StatusCode::NO_CONTENT, "{}", logout.text);
    assert!(held(&server, &login).await.is_none());
    let replay = through(
        &server,
        &login,
        "GET",
        "/api/bff/api/me",
        "same-origin",
        None,
        "",
    )
    .await;
    assert_eq!(replay.status, StatusCode::UNAUTHORIZED, "{}", replay.text);
    assert_eq!(failed_check(&replay), "store lookup");
    // The refresh family the BFF held was revoked at the token endpoint.
    let refresh = server.refresh(&was.refresh).await;
    assert_eq!(refresh.status, StatusCode::UNAUTHORIZED, "{}", refresh.text);
}

#[tokio::test]
async fn an_ordinary_session_holds_no_tokens_for_the_bff_to_use() {
    let server = harness().await;
    let session = server.session_login("bob", "bob-builds-it").await;
    let login = BffLogin {
        cookie: format!("__Host-authlab_session={}", session.id),
        state: bff_login(&server).await.1.state,
    };
    let answer = through(
        &server,
        &login,
        "GET",
        "/api/bff/api/me",
        "same-origin",
        None,
        "",
    )
    .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN, "{}", answer.text);
    assert!(answer.text.contains("holds no tokens"), "{}", answer.text);
}

#[tokio::test]
async fn a_wrong_password_at_the_bff_is_the_token_endpoints_refusal_and_sets_nothing() {
    let server = harness().await;
    let answer = server
        .send(
            Request::post("/api/bff/login")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(
                    r#"{"username":"bob","password":"not-bobs-password"}"#,
                ))
                .unwrap(),
        )
        .await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{}", answer.text);
    assert_eq!(answer.json()["error"], "invalid_credentials");
    assert!(answer.headers.get(header::SET_COOKIE).is_none());
}

#[tokio::test]
async fn a_copy_of_a_bff_session_cookie_kept_before_logout_is_refused_after_it() {
    let server = harness().await;
    let (_, login) = bff_login(&server).await;
    let csrf = login.state.csrf_token.clone();
    let captured = through(
        &server,
        &login,
        "POST",
        "/api/replay/capture-bff",
        "same-origin",
        Some(&csrf),
        "",
    )
    .await;
    assert_eq!(captured.status, StatusCode::OK, "{}", captured.text);
    assert_eq!(captured.json()["replays"], "GET /api/bff/api/me");
    let handle = captured.json()["handle"].as_str().unwrap().to_string();
    let replay = || {
        server.post_json(
            "/api/replay",
            serde_json::json!({ "handle": handle }).to_string(),
        )
    };
    assert_eq!(
        replay().await.status,
        StatusCode::OK,
        "live: the copy works"
    );
    let logout = through(
        &server,
        &login,
        "POST",
        "/api/bff/logout",
        "same-origin",
        Some(&csrf),
        "",
    )
    .await;
    assert_eq!(logout.status, StatusCode::NO_CONTENT, "{}", logout.text);
    let after = replay().await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED, "{}", after.text);
    assert_eq!(failed_check(&after), "store lookup");
}

#[tokio::test]
async fn what_the_injected_script_finds_is_replayed_from_another_client_by_steal_replay() {
    let server = harness().await;
    let owner = server.session_login("bob", "bob-builds-it").await;
    let steal = |credential: String| {
        let owner = &owner;
        let server = &server;
        async move {
            server
                .send(
                    Request::post("/api/lab/steal-replay")
                        .header(header::COOKIE, owner.cookie_header())
                        .header("sec-fetch-site", "same-origin")
                        .header("x-csrf-token", &owner.csrf)
                        .header(header::CONTENT_TYPE, "application/json")
                        .body(Body::from(
                            serde_json::json!({ "credential": credential }).to_string(),
                        ))
                        .unwrap(),
                )
                .await
        }
    };
    let (access, _) = server.jwt_login("bob", "bob-builds-it").await;
    let stolen = steal(access).await;
    assert_eq!(stolen.status, StatusCode::OK, "{}", stolen.text);
    assert_eq!(stolen.json()["status"], 200);
    assert_eq!(stolen.json()["client"], "203.0.113.66");
    let junk = steal("not-a-credential".into()).await;
    assert_eq!(junk.json()["status"], 401);
    let huge = steal("A".repeat(9 * 1024)).await;
    assert_eq!(
        huge.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        huge.text
    );
    // Signed out, nothing is replayed.
    let anonymous = server
        .post_json("/api/lab/steal-replay", r#"{"credential":"x"}"#)
        .await;
    assert_eq!(
        anonymous.status,
        StatusCode::UNAUTHORIZED,
        "{}",
        anonymous.text
    );
}
