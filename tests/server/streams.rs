//! The live audit stream is a long-lived request: it ends when its credential stops holding
//! (logout, demotion), one account cannot open streams without limit, and shutdown ends them all.

use crate::common::{assert_api_error, harness_with, Answer, CookieSession, Harness};
use axum::{
    body::Body,
    http::{header, Request, StatusCode},
};
use serde_json::json;
use std::{sync::Arc, time::Duration};

async fn quick_recheck_lab(max_streams: usize) -> Arc<Harness> {
    Arc::new(
        harness_with(|s| {
            s.server.event_stream_recheck_secs = 1;
            s.server.max_event_streams_per_user = max_streams;
        })
        .await,
    )
}

/// Open a stream with the session's cookie; the task ends when the stream does.
fn open_stream(server: &Arc<Harness>, session: &CookieSession) -> tokio::task::JoinHandle<Answer> {
    let server = server.clone();
    let cookie = session.cookie_header();
    tokio::spawn(async move {
        server
            .send(
                Request::get("/api/audit/stream")
                    .header(header::COOKIE, cookie)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
    })
}

/// Wait until `count` streams are counted open; a counted stream has already decided whether it
/// shows everyone's events (the handler decides before it takes the slot).
async fn wait_for_streams(server: &Harness, user_id: i64, count: usize) {
    for _ in 0..500 {
        if server.state.streams.open_for(user_id) == count {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("expected {count} open streams");
}

/// The stream's whole text, once it has ended (bounded, so a stream that never ends fails).
async fn ended(stream: tokio::task::JoinHandle<Answer>) -> String {
    tokio::time::timeout(Duration::from_secs(60), stream)
        .await
        .expect("the stream never ended")
        .unwrap()
        .text
}

#[tokio::test]
async fn logged_out_session_cannot_keep_watching_the_audit_stream() {
    let server = quick_recheck_lab(4).await;
    let session = server.session_login("bob", "bob-builds-it").await;
    let stream = open_stream(&server, &session);
    let bob = server
        .state
        .auth
        .users
        .find_by_username("bob")
        .await
        .unwrap()
        .unwrap();
    wait_for_streams(&server, bob.id, 1).await;
    let logout = server
        .write_as(&session, "POST", "/api/session/logout")
        .await;
    assert_eq!(logout.status, StatusCode::NO_CONTENT);
    let text = ended(stream).await;
    assert!(text.contains("event: end"), "{text}");
    assert!(text.contains("session no longer holds"), "{text}");
    wait_for_streams(&server, bob.id, 0).await;
}

#[tokio::test]
async fn demoted_admin_loses_the_all_accounts_stream() {
    let server = quick_recheck_lab(4).await;
    let made = server
        .post_json(
            "/api/register",
            json!({"username": "carol", "password": "carol-password"}).to_string(),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED);
    let (alice, _) = server.jwt_login("alice", "alice-in-the-lab").await;
    let promote = server
        .bearer_json(
            "PUT",
            "/api/admin/accounts/carol",
            &alice,
            r#"{"role":"admin"}"#,
        )
        .await;
    assert_eq!(promote.status, StatusCode::OK, "{}", promote.text);
    let carol = server.session_login("carol", "carol-password").await;
    let stream = open_stream(&server, &carol);
    let carol_id = server
        .state
        .auth
        .users
        .find_by_username("carol")
        .await
        .unwrap()
        .unwrap()
        .id;
    wait_for_streams(&server, carol_id, 1).await;
    let demote = server
        .bearer_json(
            "PUT",
            "/api/admin/accounts/carol",
            &alice,
            r#"{"role":"user"}"#,
        )
        .await;
    assert_eq!(demote.status, StatusCode::OK, "{}", demote.text);
    let text = ended(stream).await;
    assert!(text.contains("no longer an administrator"), "{text}");
}

#[tokio::test]
async fn one_account_cannot_open_event_streams_without_limit() {
    let server = quick_recheck_lab(2).await;
    let session = server.session_login("bob", "bob-builds-it").await;
    let bob = server
        .state
        .auth
        .users
        .find_by_username("bob")
        .await
        .unwrap()
        .unwrap();
    let first = open_stream(&server, &session);
    let second = open_stream(&server, &session);
    wait_for_streams(&server, bob.id, 2).await;
    let third = server.get_as(&session, "/api/audit/stream").await;
    assert_api_error(&third, StatusCode::TOO_MANY_REQUESTS, "busy");
    // Another account is not affected by bob's streams.
    let alice = server.session_login("alice", "alice-in-the-lab").await;
    let other = open_stream(&server, &alice);
    // Shutdown ends every stream.
    server.state.auth.shutdown.send_replace(true);
    for stream in [first, second, other] {
        let text = ended(stream).await;
        assert!(text.contains("shutting down"), "{text}");
    }
    wait_for_streams(&server, bob.id, 0).await;
}

#[tokio::test]
async fn one_address_cannot_hold_every_connection_with_streams_of_many_accounts() {
    let server = Arc::new(
        harness_with(|s| {
            s.server.max_event_streams_per_user = 4;
            s.server.max_event_streams_per_address = 2;
        })
        .await,
    );
    // The test client is one address: its accounts share the address's allowance.
    let bob = server.session_login("bob", "bob-builds-it").await;
    let alice = server.session_login("alice", "alice-in-the-lab").await;
    let first = open_stream(&server, &bob);
    let second = open_stream(&server, &alice);
    let bob_id = server
        .state
        .auth
        .account_settings
        .id_of("bob")
        .await
        .unwrap()
        .unwrap();
    let alice_id = server
        .state
        .auth
        .account_settings
        .id_of("alice")
        .await
        .unwrap()
        .unwrap();
    wait_for_streams(&server, bob_id, 1).await;
    wait_for_streams(&server, alice_id, 1).await;
    let third = server.get_as(&bob, "/api/audit/stream").await;
    let reason = assert_api_error(&third, StatusCode::TOO_MANY_REQUESTS, "busy");
    assert!(reason.contains("address"), "{reason}");
    server.state.auth.shutdown.send_replace(true);
    for stream in [first, second] {
        assert!(ended(stream).await.contains("shutting down"));
    }
}

#[tokio::test]
async fn expired_access_token_cannot_keep_watching_the_audit_stream() {
    let server = Arc::new(
        harness_with(|s| {
            s.server.event_stream_recheck_secs = 1;
            s.jwt.access_ttl_secs = 2;
            s.jwt.leeway_secs = 0;
        })
        .await,
    );
    let (token, _) = server.jwt_login("bob", "bob-builds-it").await;
    let stream = {
        let server = server.clone();
        tokio::spawn(async move { server.bearer("GET", "/api/audit/stream", &token).await })
    };
    let bob = server
        .state
        .auth
        .account_settings
        .id_of("bob")
        .await
        .unwrap()
        .unwrap();
    wait_for_streams(&server, bob, 1).await;
    // Nobody logs out: the token simply passes its `exp`, and the next re-check ends the stream.
    let text = ended(stream).await;
    assert!(text.contains("event: end"), "{text}");
    assert!(text.contains("access token no longer holds"), "{text}");
    assert!(text.contains("exp"), "{text}");
    wait_for_streams(&server, bob, 0).await;
}
