//! A session id sent as `Authorization: Bearer <id>` (claim 23's second crossed mode): the same
//! server-side session, judged by the session judge because of the credential's shape, revocable
//! at once, and with no CSRF defences needed, because no other site can attach a header.

use crate::common::{failed_check, harness, Answer, Harness};
use authlab::wire::{AuthMode, CheckStatus, HeaderSessionState, Me};
use axum::{
    body::Body,
    http::{header, Request, StatusCode},
};

async fn header_login(server: &Harness) -> (Answer, HeaderSessionState) {
    let answer = server
        .post_json(
            "/api/session/header-login",
            r#"{"username":"bob","password":"bob-builds-it"}"#,
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let state: HeaderSessionState = serde_json::from_str(&answer.text).unwrap();
    (answer, state)
}

#[tokio::test]
async fn a_session_id_in_the_header_is_judged_as_a_session_by_its_shape() {
    let server = harness().await;
    let (answer, state) = header_login(&server).await;
    assert!(
        answer.headers.get(header::SET_COOKIE).is_none(),
        "no session cookie: the page holds the id"
    );
    let me = server.bearer("GET", "/api/me", &state.session_id).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);
    let me: Me = serde_json::from_str(&me.text).unwrap();
    assert_eq!(me.auth.mode, AuthMode::Session);
    assert_eq!(me.auth.checks[0].name, "session header");
    assert_eq!(me.auth.checks[0].status, CheckStatus::Pass);
    assert!(me.auth.checks[0].detail.contains("not a JWT"));
    assert!(me.auth.checks.iter().any(|c| c.name == "store lookup"));

    // A JWT in the same header is still judged as a signed token.
    let (access, _) = server.jwt_login("bob", "bob-builds-it").await;
    let me = server.bearer("GET", "/api/me", &access).await;
    let me: Me = serde_json::from_str(&me.text).unwrap();
    assert_eq!(me.auth.mode, AuthMode::Jwt);
    assert_eq!(me.auth.checks[0].name, "format");
}

#[tokio::test]
async fn a_logged_out_header_session_is_refused_at_once() {
    let server = harness().await;
    let (_, state) = header_login(&server).await;
    let logout = server
        .bearer("POST", "/api/session/logout", &state.session_id)
        .await;
    assert_eq!(logout.status, StatusCode::NO_CONTENT, "{}", logout.text);
    let replay = server.bearer("GET", "/api/me", &state.session_id).await;
    assert_eq!(replay.status, StatusCode::UNAUTHORIZED, "{}", replay.text);
    assert_eq!(failed_check(&replay), "store lookup");
    // Refused as a header credential: an RFC 6750 challenge.
    assert!(replay.headers.contains_key(header::WWW_AUTHENTICATE));
}

#[tokio::test]
async fn a_header_session_changes_state_with_no_origin_or_csrf_token() {
    let server = harness().await;
    let (_, state) = header_login(&server).await;
    let answer = server
        .send(
            Request::put("/api/lab-settings")
                .header(
                    header::AUTHORIZATION,
                    format!("Bearer {}", state.session_id),
                )
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(r#"{"denylist":true}"#))
                .unwrap(),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    // The same write by the cookie is refused without its CSRF token.
    let session = server.session_login("bob", "bob-builds-it").await;
    let forged = server
        .send(
            Request::put("/api/lab-settings")
                .header(header::COOKIE, session.cookie_header())
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(r#"{"denylist":true}"#))
                .unwrap(),
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "{}", forged.text);
}

#[tokio::test]
async fn a_session_id_sent_to_a_token_only_endpoint_is_refused_as_a_token() {
    let server = harness().await;
    let (_, state) = header_login(&server).await;
    let answer = server
        .bearer("GET", "/api/jwt/keys", &state.session_id)
        .await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{}", answer.text);
    assert_eq!(failed_check(&answer), "format");
}

#[tokio::test]
async fn a_session_id_stolen_from_storage_by_an_injected_script_is_replayed_from_another_client() {
    let server = harness().await;
    let (_, state) = header_login(&server).await;
    let owner = server.session_login("bob", "bob-builds-it").await;
    let result = crate::attacks::steal(
        &server,
        &owner,
        "localStorage[authlab.session_id]",
        &state.session_id,
    )
    .await;
    // Not a JWT, and stolen all the same: the replay from the attacker's client is a session.
    assert_eq!(result["replay"]["status"], 200, "{result}");
    assert_eq!(result["replay"]["username"], "bob");
}
