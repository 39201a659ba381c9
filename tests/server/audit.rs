//! The audit log: decisions recorded with who, how and the failing check; users see their own,
//! admins everyone's; credentials never recorded; new events pushed as server-sent events.

use crate::common;

use crate::common::{harness, Harness};
use authlab::wire::AuditEvent;
use axum::{
    body::Body,
    http::{header, Request, StatusCode},
};
use http_body_util::BodyExt;
use std::time::Duration;
use tower::ServiceExt;

async fn events_of(server: &Harness, session: &common::CookieSession) -> Vec<AuditEvent> {
    let answer = server.get_as(session, "/api/audit").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    serde_json::from_str(&answer.text).unwrap()
}

#[tokio::test]
async fn a_replayed_session_cookie_is_logged_as_a_refusal_on_that_users_account() {
    let server = harness().await;
    let old = server.session_login("bob", "bob-builds-it").await;
    server.write_as(&old, "POST", "/api/session/logout").await;
    assert_eq!(
        server.get_as(&old, "/api/me").await.status,
        StatusCode::UNAUTHORIZED
    );
    let now = server.session_login("bob", "bob-builds-it").await;
    let events = events_of(&server, &now).await;
    let replay = events
        .iter()
        .find(|e| e.action == "GET /api/me" && !e.allowed)
        .expect("the refused replay is in bob's log");
    assert_eq!(replay.username.as_deref(), Some("bob"));
    assert_eq!(replay.failed_check.as_deref(), Some("store lookup"));
    assert!(events
        .iter()
        .any(|e| e.action == "POST /api/session/logout" && e.allowed));
    assert!(events.iter().any(|e| e.action == "login" && e.allowed));
}

#[tokio::test]
async fn bearer_refusals_are_attributed_only_when_the_signature_holds() {
    let server = harness().await;
    let (access, refresh) = server.jwt_login("alice", "alice-in-the-lab").await;
    server
        .bearer_put_settings(&access, r#"{"denylist":true}"#)
        .await;
    server.jwt_logout(&access, &refresh).await;
    assert_eq!(
        server.bearer("GET", "/api/me", &access).await.status,
        StatusCode::UNAUTHORIZED
    );
    // A forged token naming alice, with a broken signature.
    let mut parts: Vec<String> = access.split('.').map(str::to_string).collect();
    parts[2] = "AAAA".into();
    server.bearer("GET", "/api/me", &parts.join(".")).await;

    let all = server.state.auth.audit.list(None, 0, 200).await.unwrap();
    let denied = all
        .iter()
        .find(|e| e.failed_check.as_deref() == Some("denylist"))
        .unwrap();
    assert_eq!(denied.username.as_deref(), Some("alice"));
    let forged = all
        .iter()
        .find(|e| e.failed_check.as_deref() == Some("signature"))
        .unwrap();
    assert_eq!(forged.username, None, "a forged sub is not believed");
}

#[tokio::test]
async fn failed_logins_are_logged_on_the_account_they_named() {
    let server = harness().await;
    server
        .post_json(
            "/api/session/login",
            r#"{"username":"bob","password":"wrong-password"}"#,
        )
        .await;
    server
        .post_json(
            "/api/jwt/login",
            r#"{"username":"nobody","password":"wrong-password"}"#,
        )
        .await;
    let bob = server.session_login("bob", "bob-builds-it").await;
    let events = events_of(&server, &bob).await;
    let failed = events
        .iter()
        .find(|e| e.action == "login" && !e.allowed)
        .unwrap();
    assert_eq!(failed.failed_check.as_deref(), Some("credentials"));
    let all = server.state.auth.audit.list(None, 0, 200).await.unwrap();
    let unknown = all
        .iter()
        .filter(|e| e.action == "login" && !e.allowed && e.username.is_none())
        .count();
    assert_eq!(unknown, 1);
}

#[tokio::test]
async fn users_see_their_own_events_and_admins_see_everyones() {
    let server = harness().await;
    let alice = server.session_login("alice", "alice-in-the-lab").await;
    let bob = server.session_login("bob", "bob-builds-it").await;
    server.get_as(&bob, "/api/me").await;
    let bobs = events_of(&server, &bob).await;
    assert!(!bobs.is_empty());
    assert!(bobs.iter().all(|e| e.username.as_deref() == Some("bob")));
    let alices = events_of(&server, &alice).await;
    assert!(alices.iter().any(|e| e.username.as_deref() == Some("bob")));
    assert!(alices
        .iter()
        .any(|e| e.username.as_deref() == Some("alice")));
    // `after` pages forward.
    let last = alices.last().unwrap().id;
    let newer = server
        .get_as(&alice, &format!("/api/audit?after={last}"))
        .await;
    let newer: Vec<AuditEvent> = serde_json::from_str(&newer.text).unwrap();
    assert!(newer.iter().all(|e| e.id > last));
}

#[tokio::test]
async fn no_credential_ever_reaches_the_audit_log() {
    let server = harness().await;
    let session = server.session_login("alice", "alice-in-the-lab").await;
    let (access, refresh) = server.jwt_login("alice", "alice-in-the-lab").await;
    server.get_as(&session, "/api/me").await;
    server.bearer("GET", "/api/me", &access).await;
    server.refresh(&refresh).await;
    server.refresh(&refresh).await; // reuse
    server.state.auth.audit.flush().await;
    let dump: Vec<(String, String)> = sqlx::query_as(
        "SELECT action, detail || coalesce(failed_check, '') || coalesce(username, '') FROM audit_events",
    )
    .fetch_all(&server.sql)
    .await
    .unwrap();
    assert!(dump.len() >= 6, "{dump:?}");
    let text = format!("{dump:?}");
    for secret in [
        session.id.as_str(),
        session.csrf.as_str(),
        access.as_str(),
        refresh.as_str(),
        "alice-in-the-lab",
    ] {
        assert!(!text.contains(secret), "a credential reached the audit log");
    }
    assert!(text.contains("reuse"), "the reuse was recorded: {text}");
}

#[tokio::test]
async fn new_events_are_pushed_as_server_sent_events() {
    let server = harness().await;
    let bob = server.session_login("bob", "bob-builds-it").await;
    let response = server
        .app
        .clone()
        .oneshot(
            Request::get("/api/audit/stream")
                .header(
                    header::HOST,
                    format!("127.0.0.1:{}", server.settings.listen.port()),
                )
                .header(header::COOKIE, bob.cookie_header())
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()[header::CONTENT_TYPE].to_str().unwrap(),
        "text/event-stream"
    );
    let mut body = response.into_body();
    // Something happens to bob: a refused replay of an ended session.
    server.write_as(&bob, "POST", "/api/session/logout").await;
    server.get_as(&bob, "/api/me").await;
    let mut seen = String::new();
    while !seen.contains("store lookup") {
        let frame = tokio::time::timeout(Duration::from_secs(10), body.frame())
            .await
            .expect("an event arrives")
            .expect("stream open")
            .expect("frame");
        if let Ok(data) = frame.into_data() {
            seen.push_str(&String::from_utf8_lossy(&data));
        }
    }
    assert!(seen.contains("event: audit"), "{seen}");
    assert!(seen.contains("\"username\":\"bob\""), "{seen}");
}

#[tokio::test]
async fn every_decision_queued_before_a_graceful_shutdown_is_written() {
    // Every read written one by one (past the allowance they would only be counted).
    let server = common::harness_with(|s| s.limits.audit_allowed_reads_per_minute = 1000).await;
    let (access, _) = server.jwt_login("bob", "bob-builds-it").await;
    // Requests only queue their entries; nobody flushes before the shutdown does.
    for _ in 0..300 {
        assert_eq!(
            server.bearer("GET", "/api/me", &access).await.status,
            StatusCode::OK
        );
    }
    server.state.auth.audit.close().await;
    let written: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_events WHERE action = 'GET /api/me' AND allowed = 1",
    )
    .fetch_one(&server.sql)
    .await
    .unwrap();
    assert_eq!(written, 300);
    assert_eq!(server.state.auth.audit.lost(), 0);
}

#[tokio::test]
async fn junk_token_flood_neither_fills_the_audit_queue_nor_drops_a_signed_in_entry() {
    let server = std::sync::Arc::new(harness().await);
    let (access, _) = server.jwt_login("bob", "bob-builds-it").await;
    let started = std::time::Instant::now();
    // Junk and real requests interleaved, all in flight at once.
    let mut flood = Vec::new();
    for i in 0..2000 {
        let server = server.clone();
        let access = access.clone();
        flood.push(tokio::spawn(async move {
            if i % 20 == 0 {
                server.bearer("GET", "/api/me", &access).await.status
            } else {
                server
                    .bearer("GET", "/api/me", &format!("junk.{i}.x"))
                    .await
                    .status
            }
        }));
    }
    for (i, request) in flood.into_iter().enumerate() {
        let expected = if i % 20 == 0 {
            StatusCode::OK
        } else {
            StatusCode::UNAUTHORIZED
        };
        assert_eq!(request.await.unwrap(), expected);
    }
    server.state.auth.audit.flush().await;
    let (allowed, refused): (i64, i64) = sqlx::query_as(
        "SELECT SUM(allowed = 1 AND username = 'bob' AND action = 'GET /api/me'),
                SUM(allowed = 0) FROM audit_events",
    )
    .fetch_one(&server.sql)
    .await
    .unwrap();
    assert_eq!(allowed, 100, "every signed-in request is on bob's record");
    // The allowance: a burst of 120, refilled at 2 a second while the flood lasted.
    let allowance = 120 + 2 * started.elapsed().as_secs_f64().ceil() as i64 + 1;
    assert!(
        refused <= allowance,
        "{refused} junk rows written one by one"
    );
    // The rest were counted: one row per check and client after the next summary.
    assert_eq!(server.state.auth.audit.suppressed() as i64, 1900 - refused);
    authlab::server::maintain_once(&server.state).await;
    assert_eq!(server.state.auth.audit.suppressed(), 0);
}

/// The rows of one account, as stored.
async fn rows_of(server: &Harness, username: &str) -> Vec<(i64, String, String)> {
    server.state.auth.audit.flush().await;
    sqlx::query_as("SELECT id, action, detail FROM audit_events WHERE username = ? ORDER BY id")
        .bind(username)
        .fetch_all(&server.sql)
        .await
        .unwrap()
}

/// One learner writes without end (the same switch, five hundred times). Every write was written
/// as a row, and retention then cut the log's oldest rows globally: everyone else's history went.
/// Now each account has an allowance of rows a minute, counted past it, and retention keeps each
/// account's newest rows, cutting the largest histories first.
#[tokio::test]
async fn one_learners_writes_leave_others_audit_history() {
    let server = common::harness_with(|s| {
        s.retention.audit_max_rows_per_account = 40;
        s.retention.audit_max_rows = 80;
    })
    .await;
    for name in ["carol", "mallory"] {
        server.register(name, &format!("{name}-password")).await;
    }
    let carol = server.session_login("carol", "carol-password").await;
    for _ in 0..3 {
        assert_eq!(
            server.get_as(&carol, "/api/me").await.status,
            StatusCode::OK
        );
    }
    let carols = rows_of(&server, "carol").await;
    assert!(carols.len() >= 4, "{carols:?}");

    let (token, _) = server.jwt_login("mallory", "mallory-password").await;
    for _ in 0..500 {
        let answer = server
            .bearer_put_settings(&token, r#"{"same_site":"Lax"}"#)
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    }
    // Two maintenance passes: the first writes the counts, the second trims with them in.
    authlab::server::maintain_once(&server.state).await;
    authlab::server::maintain_once(&server.state).await;

    assert_eq!(
        rows_of(&server, "carol").await,
        carols,
        "carol's history is whole"
    );
    let mallorys = rows_of(&server, "mallory").await;
    assert!(mallorys.len() <= 40, "{} rows", mallorys.len());
    // Mallory's flood is in mallory's own log, counted: the decisions survive the allowance.
    assert!(
        mallorys
            .iter()
            .any(|(_, action, detail)| action == "allowed requests counted"
                && detail.contains("more requests from account mallory")),
        "{mallorys:?}"
    );
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_events")
        .fetch_one(&server.sql)
        .await
        .unwrap();
    assert!(total <= 80, "{total} rows");
}
