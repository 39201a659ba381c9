//! Cookie-session mode over the real router and a real SQLite session store. Each test is one
//! behaviour the lab teaches.

use crate::common;

use crate::common::{failed_check, harness, harness_in, harness_with, CookieSession};
use authlab::wire::{ApiErrorBody, CheckStatus, Me, SessionState, SessionView};
use axum::{
    body::Body,
    http::{header, Request, StatusCode},
};
use std::time::Duration;

#[tokio::test]
async fn login_returns_the_user_the_csrf_token_and_the_cookie_report() {
    let server = harness().await;
    let session = server.session_login("alice", "alice-in-the-lab").await;
    let state: SessionState =
        serde_json::from_str(&server.get_as(&session, "/api/session/current").await.text).unwrap();
    assert_eq!(state.username, "alice");
    assert_eq!(state.csrf_token, session.csrf);
    assert!(state.session.current);
    assert_eq!(session.id.len(), 22, "128-bit id, base64url");
    assert!(state
        .cookie
        .header_preview
        .starts_with("__Host-authlab_session="));
    assert!(!state.cookie.header_preview.contains(&session.id));
}

#[tokio::test]
async fn session_cookie_has_every_attribute_set_on_purpose() {
    let server = harness().await;
    let session = server.session_login("bob", "bob-builds-it").await;
    let mut attributes: Vec<&str> = session.set_cookie.split("; ").collect();
    assert_eq!(
        attributes[0],
        format!("__Host-authlab_session={}", session.id)
    );
    // Attribute order carries no meaning: compared as a set.
    attributes[1..].sort_unstable();
    assert_eq!(
        &attributes[1..],
        [
            "HttpOnly",
            "Max-Age=1800",
            "Path=/",
            "SameSite=Lax",
            "Secure",
        ]
    );
    assert!(!session.set_cookie.contains("Domain"), "host-only cookie");
}

#[tokio::test]
async fn me_answers_with_the_decision_trace_and_a_measured_store_lookup() {
    let server = harness().await;
    let session = server.session_login("alice", "alice-in-the-lab").await;
    let answer = server.get_as(&session, "/api/me").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let me: Me = serde_json::from_str(&answer.text).unwrap();
    assert_eq!(me.username, "alice");
    assert!(me.auth.allowed);
    let names: Vec<&str> = me.auth.checks.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "cookie",
            "store lookup",
            "idle timeout",
            "absolute timeout",
            "user"
        ]
    );
    assert!(me.auth.checks.iter().all(|c| c.status == CheckStatus::Pass));
    assert!(me.auth.checks[1].micros.is_some(), "store lookup is timed");
    assert_eq!(
        me.auth.checks[1].detail,
        "hit: the SQLite session store has a record for this id"
    );
}

#[tokio::test]
async fn current_session_without_a_cookie_is_null_not_an_error() {
    let server = harness().await;
    let answer = server.get("/api/session/current").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.text, "null");
}

#[tokio::test]
async fn no_cookie_is_401_naming_the_cookie_check() {
    let server = harness().await;
    let answer = server.get("/api/me").await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(failed_check(&answer), "cookie");
}

#[tokio::test]
async fn session_fixation_fails_because_login_rotates_the_id() {
    let server = harness().await;
    // The attacker plants an id of their choosing in the victim's browser...
    let planted = CookieSession {
        id: "AAAAAAAAAAAAAAAAAAAAAA".into(),
        csrf: String::new(),
        set_cookie: String::new(),
    };
    // ...the victim logs in with it present...
    let answer = server
        .raw_alice_login(Some(planted.cookie_header()), None)
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    let issued = answer.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(!issued.contains(&planted.id), "a new id is issued");
    // ...and the planted id is worth nothing.
    let replay = server.get_as(&planted, "/api/me").await;
    assert_eq!(replay.status, StatusCode::UNAUTHORIZED);
    assert_eq!(failed_check(&replay), "store lookup");
}

#[tokio::test]
async fn login_while_logged_in_ends_the_previous_session() {
    let server = harness().await;
    let first = server.session_login("alice", "alice-in-the-lab").await;
    let answer = server
        .raw_alice_login(Some(first.cookie_header()), Some("same-origin"))
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        server.get_as(&first, "/api/me").await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn replayed_session_cookie_is_rejected_after_logout() {
    let server = harness().await;
    let session = server.session_login("alice", "alice-in-the-lab").await;
    assert_eq!(
        server.get_as(&session, "/api/me").await.status,
        StatusCode::OK
    );
    let logout = server
        .write_as(&session, "POST", "/api/session/logout")
        .await;
    assert_eq!(logout.status, StatusCode::NO_CONTENT, "{}", logout.text);
    let cleared = logout.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(cleared.starts_with("__Host-authlab_session=;"), "{cleared}");
    assert!(cleared.contains("Max-Age=0"));
    // The very first replay of the old cookie fails: the record is gone.
    let replay = server.get_as(&session, "/api/me").await;
    assert_eq!(replay.status, StatusCode::UNAUTHORIZED);
    assert_eq!(failed_check(&replay), "store lookup");
}

#[tokio::test]
async fn cross_site_state_change_is_refused_with_403_and_changes_nothing() {
    let server = harness().await;
    let session = server.session_login("alice", "alice-in-the-lab").await;
    for (header_name, value) in [
        ("sec-fetch-site", "cross-site"),
        ("sec-fetch-site", "same-site"),
        ("origin", "http://evil.example"),
    ] {
        let answer = server
            .send(
                Request::post("/api/session/logout")
                    .header(header::COOKIE, session.cookie_header())
                    .header(header::HOST, "127.0.0.1:3000")
                    .header(header_name, value)
                    // Even with the right token: the origin check comes first.
                    .header("x-csrf-token", &session.csrf)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(
            answer.status,
            StatusCode::FORBIDDEN,
            "{header_name}: {value}"
        );
        assert_eq!(failed_check(&answer), "same origin");
    }
    assert_eq!(
        server.get_as(&session, "/api/me").await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn state_change_without_the_csrf_token_is_refused_with_403() {
    let server = harness().await;
    let session = server.session_login("alice", "alice-in-the-lab").await;
    for token in [None, Some("not-the-token")] {
        let mut request = Request::post("/api/session/logout")
            .header(header::COOKIE, session.cookie_header())
            .header("sec-fetch-site", "same-origin");
        if let Some(token) = token {
            request = request.header("x-csrf-token", token);
        }
        let answer = server.send(request.body(Body::empty()).unwrap()).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{token:?}");
        assert_eq!(failed_check(&answer), "csrf token");
    }
    assert_eq!(
        server.get_as(&session, "/api/me").await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn cross_site_login_is_refused() {
    let server = harness().await;
    let answer = server.raw_alice_login(None, Some("cross-site")).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert!(answer.headers.get(header::SET_COOKIE).is_none());
}

#[tokio::test]
async fn wrong_password_login_is_401_and_sets_no_cookie() {
    let server = harness().await;
    let answer = server
        .post_json(
            "/api/session/login",
            r#"{"username":"alice","password":"wrong-password"}"#,
        )
        .await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer.json()["error"], "invalid_credentials");
    assert!(answer.headers.get(header::SET_COOKIE).is_none());
}

#[tokio::test]
async fn idle_session_expires_on_the_server() {
    // Timeouts are whole seconds: 2 s keeps the first call safely inside, 3.1 s later is past.
    let server = harness_with(|s| s.session.idle_timeout_secs = 2).await;
    let session = server.session_login("alice", "alice-in-the-lab").await;
    assert_eq!(
        server.get_as(&session, "/api/me").await.status,
        StatusCode::OK
    );
    tokio::time::sleep(Duration::from_millis(3100)).await;
    let answer = server.get_as(&session, "/api/me").await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(failed_check(&answer), "idle timeout");
    // The idle-expired record was deleted: the next try misses the store.
    let again = server.get_as(&session, "/api/me").await;
    assert_eq!(failed_check(&again), "store lookup");
}

#[tokio::test]
async fn absolute_timeout_ends_even_a_busy_session() {
    let server = harness_with(|s| {
        s.session.idle_timeout_secs = 60;
        s.session.absolute_timeout_secs = 2;
    })
    .await;
    let session = server.session_login("alice", "alice-in-the-lab").await;
    // Keep it busy: never idle for more than half a second.
    let mut last = server.get_as(&session, "/api/me").await;
    for _ in 0..10 {
        if last.status != StatusCode::OK {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        last = server.get_as(&session, "/api/me").await;
    }
    assert_eq!(last.status, StatusCode::UNAUTHORIZED, "{}", last.text);
    assert_eq!(failed_check(&last), "absolute timeout");
}

#[tokio::test]
async fn revoking_one_session_ends_it_at_once() {
    let server = harness().await;
    let laptop = server.session_login("alice", "alice-in-the-lab").await;
    let phone = server.session_login("alice", "alice-in-the-lab").await;
    let list: Vec<SessionView> =
        serde_json::from_str(&server.get_as(&laptop, "/api/session/sessions").await.text).unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list.iter().filter(|s| s.current).count(), 1);
    assert!(list.iter().all(|s| s.user_agent == "integration-test"));
    let other = list.iter().find(|s| !s.current).unwrap();
    assert!(!other.handle.contains(&phone.id) && !phone.id.contains(&other.handle));

    let answer = server
        .write_as(
            &laptop,
            "DELETE",
            &format!("/api/session/sessions/{}", other.handle),
        )
        .await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT, "{}", answer.text);
    assert_eq!(
        server.get_as(&phone, "/api/me").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        server.get_as(&laptop, "/api/me").await.status,
        StatusCode::OK
    );
    // Unknown handles, and other users' sessions, are not found.
    let bob = server.session_login("bob", "bob-builds-it").await;
    let laptop_handle = &list.iter().find(|s| s.current).unwrap().handle;
    let answer = server
        .write_as(
            &bob,
            "DELETE",
            &format!("/api/session/sessions/{laptop_handle}"),
        )
        .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert_eq!(
        server.get_as(&laptop, "/api/me").await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn logout_others_ends_every_other_session_of_the_user_only() {
    let server = harness().await;
    let keep = server.session_login("alice", "alice-in-the-lab").await;
    let others = [
        server.session_login("alice", "alice-in-the-lab").await,
        server.session_login("alice", "alice-in-the-lab").await,
    ];
    let bob = server.session_login("bob", "bob-builds-it").await;
    let answer = server
        .write_as(&keep, "POST", "/api/session/logout-others")
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.json()["revoked"], 2);
    for other in &others {
        assert_eq!(
            server.get_as(other, "/api/me").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(server.get_as(&keep, "/api/me").await.status, StatusCode::OK);
    assert_eq!(server.get_as(&bob, "/api/me").await.status, StatusCode::OK);
}

#[tokio::test]
async fn sessions_survive_a_server_restart() {
    let server = harness().await;
    let session = server.session_login("alice", "alice-in-the-lab").await;
    let common::Harness { state, dir, .. } = server;
    state.maintenance.close().await;
    drop(state);
    let restarted = harness_in(dir).await;
    let answer = restarted.get_as(&session, "/api/me").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
}

#[tokio::test]
async fn an_authorization_header_is_judged_in_bearer_mode_only() {
    let server = harness().await;
    let session = server.session_login("alice", "alice-in-the-lab").await;
    let answer = server
        .send(
            Request::get("/api/me")
                .header(header::COOKIE, session.cookie_header())
                .header(header::AUTHORIZATION, "Bearer not-a-token")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    let body: ApiErrorBody = serde_json::from_str(&answer.text).unwrap();
    assert_eq!(body.auth.unwrap().mode, authlab::wire::AuthMode::Jwt);
}

#[tokio::test]
async fn same_site_is_a_per_account_switch_that_reissues_the_cookie() {
    let server = harness().await;
    let alice = server.session_login("alice", "alice-in-the-lab").await;
    let answer = server
        .send(
            Request::put("/api/lab-settings")
                .header(header::COOKIE, alice.cookie_header())
                .header(header::CONTENT_TYPE, "application/json")
                .header("sec-fetch-site", "same-origin")
                .header("x-csrf-token", &alice.csrf)
                .body(Body::from(r#"{"same_site":"Strict"}"#))
                .unwrap(),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let reissued = answer.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(reissued.contains("SameSite=Strict"), "{reissued}");
    assert!(reissued.contains(&alice.id), "same session, new attribute");
    // Alice's next login gets Strict; Bob's policy is untouched.
    let again = server.session_login("alice", "alice-in-the-lab").await;
    assert!(again.set_cookie.contains("SameSite=Strict"));
    let bob = server.session_login("bob", "bob-builds-it").await;
    assert!(bob.set_cookie.contains("SameSite=Lax"));
    // A bad value is a 422 with a reason, not a change.
    let bad = server
        .send(
            Request::put("/api/lab-settings")
                .header(header::COOKIE, bob.cookie_header())
                .header(header::CONTENT_TYPE, "application/json")
                .header("sec-fetch-site", "same-origin")
                .header("x-csrf-token", &bob.csrf)
                .body(Body::from(r#"{"same_site":"lax"}"#))
                .unwrap(),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn cleanup_deletes_expired_records() {
    let server = harness_with(|s| s.session.idle_timeout_secs = 1).await;
    let a = server.session_login("alice", "alice-in-the-lab").await;
    let _b = server.session_login("bob", "bob-builds-it").await;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let deleted = server.state.auth.sessions.delete_expired().await.unwrap();
    assert_eq!(deleted, 2);
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions")
        .fetch_one(&server.sql)
        .await
        .unwrap();
    assert_eq!(rows, 0);
    assert_eq!(
        failed_check(&server.get_as(&a, "/api/me").await),
        "store lookup"
    );
}
