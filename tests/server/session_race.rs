//! The race that once brought logged-out sessions back: requests still in flight when a session
//! is ended must not write it back. Many rounds of parallel `GET /api/me` on one session, with the
//! ending event fired in the middle of them, through the real router on a real SQLite file.

use crate::common::{failed_check, harness, CookieSession, Harness};
use axum::{
    body::Body,
    http::{header, Request, StatusCode},
};
use std::sync::Arc;

const ROUNDS: usize = 8;
const PARALLEL: usize = 12;

/// The events that end a session, each caused the way a user would.
#[derive(Clone, Copy, Debug)]
enum Ending {
    Logout,
    RevokeFromAnotherSession,
    LogOutEverywhere,
    PasswordChange,
}

async fn cause(server: &Harness, ending: Ending, victim: &CookieSession, other: &CookieSession) {
    let answer = match ending {
        Ending::Logout => server.write_as(victim, "POST", "/api/session/logout").await,
        Ending::RevokeFromAnotherSession => {
            let list = server.get_as(other, "/api/session/sessions").await.json();
            let handle = list
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["current"] == false)
                .map(|s| s["handle"].as_str().unwrap().to_string())
                .expect("the victim's session is listed");
            server
                .write_as(other, "DELETE", &format!("/api/session/sessions/{handle}"))
                .await
        }
        Ending::LogOutEverywhere => {
            server
                .write_as(other, "POST", "/api/account/logout-everywhere")
                .await
        }
        Ending::PasswordChange => server
            .send(
                Request::post("/api/account/password")
                    .header(header::COOKIE, other.cookie_header())
                    .header(header::CONTENT_TYPE, "application/json")
                    .header("sec-fetch-site", "same-origin")
                    .header("x-csrf-token", &other.csrf)
                    .body(Body::from(
                        r#"{"current_password":"carol-password","new_password":"carol-password"}"#,
                    ))
                    .unwrap(),
            )
            .await,
    };
    assert!(
        answer.status.is_success(),
        "{ending:?}: {} {}",
        answer.status,
        answer.text
    );
}

async fn race(ending: Ending) {
    let server = Arc::new(harness().await);
    server
        .post_json(
            "/api/register",
            r#"{"username":"carol","password":"carol-password"}"#,
        )
        .await;
    for round in 0..ROUNDS {
        let victim = server.session_login("carol", "carol-password").await;
        let other = server.session_login("carol", "carol-password").await;
        // Back-date the session, so every request counts as new use and queues a last-seen write
        // (within one second of the last write a request queues none).
        sqlx::query("UPDATE sessions SET last_seen = last_seen - 2")
            .execute(&server.sql)
            .await
            .unwrap();
        let mut inflight = Vec::new();
        for _ in 0..PARALLEL {
            let server = server.clone();
            let victim = victim.clone();
            inflight.push(tokio::spawn(async move {
                server.get_as(&victim, "/api/me").await.status
            }));
        }
        // Let some of them reach the store first, so the event lands in the middle of them.
        tokio::task::yield_now().await;
        cause(&server, ending, &victim, &other).await;
        for request in inflight {
            let status = request.await.unwrap();
            assert!(
                status == StatusCode::OK || status == StatusCode::UNAUTHORIZED,
                "{status}"
            );
        }
        // Every last-seen write those requests queued has landed; none may have revived it.
        server.state.auth.sessions.flush().await;
        let after = server.get_as(&victim, "/api/me").await;
        assert_eq!(
            after.status,
            StatusCode::UNAUTHORIZED,
            "{ending:?}, round {round}: the ended session answered {}",
            after.text
        );
        assert_eq!(failed_check(&after), "store lookup");
        let left: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE u.username = 'carol'",
        )
        .fetch_one(&server.sql)
        .await
        .unwrap();
        let expected = match ending {
            Ending::Logout | Ending::RevokeFromAnotherSession => 1,
            Ending::LogOutEverywhere | Ending::PasswordChange => 0,
        };
        assert_eq!(left, expected, "{ending:?}, round {round}");
        server.state.auth.sessions.end(&other.id).await.unwrap();
    }
    let counters = server.state.auth.sessions.last_seen_counters();
    let written = counters.written.load(std::sync::atomic::Ordering::Relaxed);
    let found_ended = counters
        .found_ended
        .load(std::sync::atomic::Ordering::Relaxed);
    eprintln!(
        "{ending:?}: last-seen writes {written}, writes that found the session ended {found_ended}"
    );
    // The race was really run: the writer had requests' touches to apply.
    assert!(written + found_ended > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logged_out_session_is_not_resurrected_by_inflight_request() {
    race(Ending::Logout).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoked_session_is_not_resurrected_by_inflight_request() {
    race(Ending::RevokeFromAnotherSession).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_out_everywhere_is_not_undone_by_inflight_requests() {
    race(Ending::LogOutEverywhere).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_change_logout_is_not_undone_by_inflight_requests() {
    race(Ending::PasswordChange).await;
}

#[tokio::test]
async fn a_touch_never_creates_a_session_record() {
    let server = harness().await;
    let session = server.session_login("bob", "bob-builds-it").await;
    server.state.auth.sessions.end(&session.id).await.unwrap();
    use authlab::store::sessions::{key_of, sqlite::SqliteSessions, SessionStore};
    let store = SqliteSessions::new(server.sql.clone());
    let found = store
        .touch(&[(key_of(&session.id), i64::MAX / 2)])
        .await
        .unwrap();
    assert_eq!(found, [false], "the ended session is reported as gone");
    assert!(store.load(&key_of(&session.id)).await.unwrap().is_none());
}
