//! A JWT in a cookie (claims 23 and 24): a stateless token the browser attaches like a session
//! cookie. No script can read it, and it needs the same CSRF defences a session does: a forged
//! cross-site request carries it, and only the origin check and the token's own CSRF claim
//! refuse it; on an account that weakened them the forgery works.

use crate::common::{failed_check, harness, Answer, Harness};
use authlab::wire::{AuthMode, CheckStatus, CookieTokenState, Me};
use axum::{
    body::Body,
    http::{header, Request, StatusCode},
};

/// A cookie login's access token and the state the page got.
struct CookieLogin {
    access: String,
    refresh: String,
    state: CookieTokenState,
}

/// The value of cookie `name` among an answer's `Set-Cookie` headers, and its whole header.
fn set_cookie(answer: &Answer, name: &str) -> Option<(String, String)> {
    answer
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| {
            let value = v.split(';').next().unwrap()[name.len() + 1..].to_string();
            (value, v.to_string())
        })
}

async fn cookie_login(server: &Harness, username: &str, password: &str) -> (Answer, CookieLogin) {
    let answer = server
        .send(
            Request::post("/api/jwt/cookie-login")
                .header(header::CONTENT_TYPE, "application/json")
                .header("sec-fetch-site", "same-origin")
                .body(Body::from(
                    serde_json::json!({"username": username, "password": password}).to_string(),
                ))
                .unwrap(),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let (access, _) = set_cookie(&answer, "__Host-authlab_access").expect("the access cookie");
    let (refresh, _) =
        set_cookie(&answer, authlab::auth::refresh::COOKIE).expect("the refresh cookie");
    let state: CookieTokenState = serde_json::from_str(&answer.text).unwrap();
    (
        answer,
        CookieLogin {
            access,
            refresh,
            state,
        },
    )
}

/// A request carrying the access cookie, from `site` (`Sec-Fetch-Site`), with `csrf` if any.
async fn with_cookie(
    server: &Harness,
    method: &str,
    path: &str,
    access: &str,
    site: &str,
    csrf: Option<&str>,
) -> Answer {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::COOKIE, format!("__Host-authlab_access={access}"))
        .header("sec-fetch-site", site)
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(csrf) = csrf {
        request = request.header("x-csrf-token", csrf);
    }
    let body = if method == "PUT" {
        Body::from(r#"{"denylist":true}"#)
    } else {
        Body::empty()
    };
    server.send(request.body(body).unwrap()).await
}

#[tokio::test]
async fn a_cookie_login_puts_the_token_in_an_httponly_cookie_and_never_in_the_body() {
    let server = harness().await;
    let (answer, login) = cookie_login(&server, "bob", "bob-builds-it").await;
    let (_, header) = set_cookie(&answer, "__Host-authlab_access").unwrap();
    let mut attributes: Vec<&str> = header.split("; ").skip(1).collect();
    attributes.sort_unstable();
    let ttl = server.settings.jwt.access_ttl_secs;
    assert_eq!(
        attributes,
        [
            "HttpOnly",
            &format!("Max-Age={ttl}"),
            "Path=/",
            "SameSite=Lax",
            "Secure"
        ]
    );
    assert!(
        !answer.text.contains(&login.access),
        "the body never carries the token"
    );
    assert!(answer.json().get("access_token").is_none());
    assert_eq!(login.state.claims["csrf"], login.state.csrf_token);
    assert_eq!(login.state.cookie.name, "__Host-authlab_access");
}

#[tokio::test]
async fn a_cookie_token_is_judged_as_a_token_without_a_store_lookup() {
    let server = harness().await;
    let (_, login) = cookie_login(&server, "bob", "bob-builds-it").await;
    let me = with_cookie(
        &server,
        "GET",
        "/api/me",
        &login.access,
        "same-origin",
        None,
    )
    .await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);
    let me: Me = serde_json::from_str(&me.text).unwrap();
    assert_eq!(me.auth.mode, AuthMode::Jwt);
    let names: Vec<String> = me.auth.checks.iter().map(|c| c.name.to_string()).collect();
    assert_eq!(names[0], "cookie");
    assert!(names.iter().any(|n| n == "signature"));
    assert!(names.iter().any(|n| n == "not key-bound"));
    assert!(!names.iter().any(|n| n == "store lookup"), "{names:?}");
    // After a reload the page asks for its CSRF token again; the cookie alone answers.
    let current = with_cookie(
        &server,
        "GET",
        "/api/jwt/cookie-current",
        &login.access,
        "same-origin",
        None,
    )
    .await;
    assert_eq!(current.status, StatusCode::OK, "{}", current.text);
    assert_eq!(current.json()["csrf_token"], login.state.csrf_token);
    // Without the cookie the question has an answer too: nothing.
    let none = server.get("/api/jwt/cookie-current").await;
    assert_eq!(none.status, StatusCode::OK, "{}", none.text);
    assert_eq!(none.text, "null");
}

#[tokio::test]
async fn a_cross_site_request_with_the_jwt_cookie_is_refused_by_the_origin_check_and_the_csrf_token(
) {
    let server = harness().await;
    let (_, login) = cookie_login(&server, "bob", "bob-builds-it").await;
    // The browser attached the cookie to a request another site started.
    let forged = with_cookie(
        &server,
        "PUT",
        "/api/lab-settings",
        &login.access,
        "cross-site",
        None,
    )
    .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "{}", forged.text);
    assert_eq!(failed_check(&forged), "same origin");
    // From our own origin but without the token's CSRF claim: refused at the end.
    let tokenless = with_cookie(
        &server,
        "PUT",
        "/api/lab-settings",
        &login.access,
        "same-origin",
        None,
    )
    .await;
    assert_eq!(
        tokenless.status,
        StatusCode::FORBIDDEN,
        "{}",
        tokenless.text
    );
    assert_eq!(failed_check(&tokenless), "csrf token");
    let wrong = with_cookie(
        &server,
        "PUT",
        "/api/lab-settings",
        &login.access,
        "same-origin",
        Some("not-the-claim"),
    )
    .await;
    assert_eq!(failed_check(&wrong), "csrf token");
    // With both, the write goes through.
    let csrf = login.state.csrf_token.clone();
    let good = with_cookie(
        &server,
        "PUT",
        "/api/lab-settings",
        &login.access,
        "same-origin",
        Some(&csrf),
    )
    .await;
    assert_eq!(good.status, StatusCode::OK, "{}", good.text);
}

#[tokio::test]
async fn a_forged_cross_site_logout_works_against_the_jwt_cookie_only_on_a_weakened_account() {
    let server = harness().await;
    server.register("weak-cookie", "weak-cookie-password").await;
    let (_, strong) = cookie_login(&server, "weak-cookie", "weak-cookie-password").await;
    let forged = with_cookie(
        &server,
        "POST",
        "/api/jwt/logout",
        &strong.access,
        "cross-site",
        None,
    )
    .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "{}", forged.text);
    assert_eq!(failed_check(&forged), "same origin");

    // The learner weakens their own account's CSRF defences (and turns the denylist on, so a
    // logout ends the token itself).
    let csrf = strong.state.csrf_token.clone();
    let session = server
        .session_login("weak-cookie", "weak-cookie-password")
        .await;
    let weakened = crate::attacks::weaken(&server, &session, true).await;
    assert_eq!(weakened.status, StatusCode::OK, "{}", weakened.text);
    let denylist = with_cookie(
        &server,
        "PUT",
        "/api/lab-settings",
        &strong.access,
        "same-origin",
        Some(&csrf),
    )
    .await;
    assert_eq!(denylist.status, StatusCode::OK, "{}", denylist.text);
    let (answer, login) = cookie_login(&server, "weak-cookie", "weak-cookie-password").await;
    let (_, header) = set_cookie(&answer, "__Host-authlab_access").unwrap();
    assert!(header.contains("SameSite=None"), "{header}");

    let forged = with_cookie(
        &server,
        "POST",
        "/api/jwt/logout",
        &login.access,
        "cross-site",
        None,
    )
    .await;
    assert_eq!(forged.status, StatusCode::NO_CONTENT, "{}", forged.text);
    let after = with_cookie(
        &server,
        "GET",
        "/api/me",
        &login.access,
        "same-origin",
        None,
    )
    .await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED, "{}", after.text);
    assert_eq!(failed_check(&after), "denylist");
}

#[tokio::test]
async fn a_dpop_bound_token_planted_in_the_access_cookie_is_refused() {
    let server = harness().await;
    // A token bound to a key, as a DPoP login issues it, copied into a cookie by a thief.
    let key = p256::ecdsa::SigningKey::random(&mut rand::rngs::OsRng);
    let point = key.verifying_key().to_encoded_point(false);
    use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
    use p256::ecdsa::signature::Signer;
    let header = serde_json::json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": {
        "kty": "EC", "crv": "P-256",
        "x": URL_SAFE_NO_PAD.encode(point.x().unwrap()),
        "y": URL_SAFE_NO_PAD.encode(point.y().unwrap()),
    }});
    let claims = serde_json::json!({
        "htm": "POST",
        "htu": format!("http://127.0.0.1:{}/api/jwt/login", server.settings.listen.port()),
        "iat": authlab::db::unix_now(),
        "jti": "planted-cookie-proof",
    });
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let signature: p256::ecdsa::Signature = key.sign(input.as_bytes());
    let proof = format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()));
    let answer = server
        .send(
            Request::post("/api/jwt/login")
                .header(header::CONTENT_TYPE, "application/json")
                .header("DPoP", proof)
                .body(Body::from(
                    r#"{"username":"bob","password":"bob-builds-it"}"#,
                ))
                .unwrap(),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let bound = answer.json()["access_token"].as_str().unwrap().to_string();
    let me = with_cookie(&server, "GET", "/api/me", &bound, "same-origin", None).await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED, "{}", me.text);
    assert_eq!(failed_check(&me), "not key-bound");
}

#[tokio::test]
async fn a_cookie_login_refreshes_into_the_cookie_again() {
    let server = harness().await;
    let (_, login) = cookie_login(&server, "bob", "bob-builds-it").await;
    let refreshed = server.refresh(&login.refresh).await;
    assert_eq!(refreshed.status, StatusCode::OK, "{}", refreshed.text);
    let (next, _) = set_cookie(&refreshed, "__Host-authlab_access").expect("a new access cookie");
    assert_ne!(next, login.access);
    assert!(refreshed.json().get("access_token").is_none());
    let state: CookieTokenState = serde_json::from_str(&refreshed.text).unwrap();
    assert_ne!(
        state.csrf_token, login.state.csrf_token,
        "a new token, a new claim"
    );
}

#[tokio::test]
async fn after_a_cookie_logout_a_copy_of_the_old_cookie_works_until_exp_with_the_denylist_off() {
    let server = harness().await;
    let (_, login) = cookie_login(&server, "bob", "bob-builds-it").await;
    let csrf = login.state.csrf_token.clone();
    let logout = with_cookie(
        &server,
        "POST",
        "/api/jwt/logout",
        &login.access,
        "same-origin",
        Some(&csrf),
    )
    .await;
    assert_eq!(logout.status, StatusCode::NO_CONTENT, "{}", logout.text);
    let (cleared, header) = set_cookie(&logout, "__Host-authlab_access").unwrap();
    assert!(
        cleared.is_empty() && header.contains("Max-Age=0"),
        "{header}"
    );
    // Stateless: with the denylist off, a copy of the old cookie keeps working until exp.
    let replay = with_cookie(
        &server,
        "GET",
        "/api/me",
        &login.access,
        "same-origin",
        None,
    )
    .await;
    assert_eq!(replay.status, StatusCode::OK, "{}", replay.text);
    let me: Me = serde_json::from_str(&replay.text).unwrap();
    let denylist = me
        .auth
        .checks
        .iter()
        .find(|c| c.name == "denylist")
        .unwrap();
    assert_eq!(denylist.status, CheckStatus::Pass);
}

#[tokio::test]
async fn a_copy_of_the_access_cookie_kept_before_logout_still_works_until_exp() {
    let server = harness().await;
    let (_, login) = cookie_login(&server, "bob", "bob-builds-it").await;
    let csrf = login.state.csrf_token.clone();
    // The lab keeps a copy while the cookie is live (a thief's copy, in the transport grid).
    let captured = with_cookie(
        &server,
        "POST",
        "/api/replay/capture-access",
        &login.access,
        "same-origin",
        Some(&csrf),
    )
    .await;
    assert_eq!(captured.status, StatusCode::OK, "{}", captured.text);
    assert_eq!(captured.json()["replays"], "GET /api/me");
    let handle = captured.json()["handle"].as_str().unwrap().to_string();
    let logout = with_cookie(
        &server,
        "POST",
        "/api/jwt/logout",
        &login.access,
        "same-origin",
        Some(&csrf),
    )
    .await;
    assert_eq!(logout.status, StatusCode::NO_CONTENT, "{}", logout.text);
    let replay = server
        .post_json(
            "/api/replay",
            serde_json::json!({ "handle": handle }).to_string(),
        )
        .await;
    // Stateless: nothing the server remembers stops it (the denylist is off).
    assert_eq!(replay.status, StatusCode::OK, "{}", replay.text);
    assert_eq!(replay.json()["username"], "bob");
    // A bearer token is not the access cookie: nothing is copied.
    let (bearer, _) = server.jwt_login("bob", "bob-builds-it").await;
    let refused = server
        .bearer("POST", "/api/replay/capture-access", &bearer)
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
}
