//! The compare page's cookie replay and the logout matrix, run through the real router.

use crate::common;

use crate::common::{assert_api_error, failed_check, harness, harness_with, Harness};
use authlab::auth::rate_limit::Rate;
use axum::http::StatusCode;
use serde_json::Value;

#[tokio::test]
async fn a_captured_session_cookie_replays_until_logout_and_is_refused_from_the_first_replay_after()
{
    let server = harness().await;
    let session = server.session_login("bob", "bob-builds-it").await;
    // Capturing is a state-changing cookie request: same origin and CSRF token required.
    let unguarded = server
        .send(
            axum::http::Request::post("/api/replay/capture")
                .header("cookie", session.cookie_header())
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(unguarded.status, StatusCode::FORBIDDEN);
    let captured = server
        .write_as(&session, "POST", "/api/replay/capture")
        .await;
    assert_eq!(captured.status, StatusCode::OK, "{}", captured.text);
    assert!(
        !captured.text.contains(&session.id),
        "the id never leaves the server"
    );
    let handle = captured.json()["handle"].as_str().unwrap().to_string();
    let replay_body = serde_json::json!({ "handle": handle }).to_string();

    let live = server.post_json("/api/replay", replay_body.clone()).await;
    assert_eq!(live.status, StatusCode::OK, "{}", live.text);
    assert_eq!(live.json()["username"], "bob");

    let logout = server
        .write_as(&session, "POST", "/api/session/logout")
        .await;
    assert_eq!(logout.status, StatusCode::NO_CONTENT);
    let replay = server.post_json("/api/replay", replay_body).await;
    assert_eq!(replay.status, StatusCode::UNAUTHORIZED);
    assert_eq!(failed_check(&replay), "store lookup");

    let unknown = server
        .post_json("/api/replay", r#"{"handle":"not-a-handle"}"#)
        .await;
    assert_api_error(&unknown, StatusCode::NOT_FOUND, "not_found");
}

async fn capture_refresh_with(server: &Harness, cookie_value: &str) -> common::Answer {
    server
        .send(
            axum::http::Request::post("/api/jwt/capture-refresh")
                .header(
                    "cookie",
                    format!("{}={cookie_value}", authlab::auth::refresh::COOKIE),
                )
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await
}

#[tokio::test]
async fn capture_refresh_stores_nothing_but_a_live_refresh_token_of_ours() {
    let server = harness().await;
    // A 40 KB cookie value, a well-formed token that was never issued: refused, nothing kept.
    let huge = "A".repeat(40 * 1024);
    let invented = "B".repeat(authlab::auth::refresh::TOKEN_CHARS);
    for value in [huge.as_str(), invented.as_str(), "short"] {
        let refused = capture_refresh_with(&server, value).await;
        assert_api_error(&refused, StatusCode::UNAUTHORIZED, "invalid_refresh_token");
        assert!(refused.text.len() < 1000, "{} bytes", refused.text.len());
    }
    assert!(server.state.lab.captures.count().await.unwrap() == 0);

    let (_, refresh) = server.jwt_login("bob", "bob-builds-it").await;
    let kept = capture_refresh_with(&server, &refresh).await;
    assert_eq!(kept.status, StatusCode::OK, "{}", kept.text);
    assert_eq!(server.state.lab.captures.count().await.unwrap(), 1);
    // Once rotated, the old token is no longer live: it cannot be captured again.
    let rotated = server.refresh(&refresh).await;
    assert_eq!(rotated.status, StatusCode::OK);
    let stale = capture_refresh_with(&server, &refresh).await;
    assert_api_error(&stale, StatusCode::UNAUTHORIZED, "invalid_refresh_token");
}

#[tokio::test]
async fn capture_spam_from_one_account_is_capped() {
    let server = harness().await;
    let session = server.session_login("bob", "bob-builds-it").await;
    for _ in 0..40 {
        let captured = server
            .write_as(&session, "POST", "/api/replay/capture")
            .await;
        assert_eq!(captured.status, StatusCode::OK, "{}", captured.text);
    }
    assert!(
        server.state.lab.captures.count().await.unwrap() <= 16,
        "{} copies held for one account",
        server.state.lab.captures.count().await.unwrap()
    );
}

fn cell<'a>(matrix: &'a Value, event: &str, model: &str) -> &'a Value {
    matrix["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["event"] == event)
        .unwrap_or_else(|| panic!("row {event}"))["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|cell| cell["model"] == model)
        .unwrap_or_else(|| panic!("cell {event}/{model}"))
}

/// Start a matrix run as `token`'s user.
async fn run_matrix(server: &Harness, token: &str) -> common::Answer {
    server.bearer("POST", "/api/lab/logout-matrix", token).await
}

#[tokio::test]
async fn the_logout_matrix_shows_what_each_model_does_after_each_event() {
    let server = harness_with(|s| s.limits.matrix_per_account = Rate::new(100, 60)).await;
    let (bob, _) = server.jwt_login("bob", "bob-builds-it").await;
    // (event, session after, stateless JWT after, revocable JWT after, refused by in that order)
    let expected = [
        (
            "logout_this_device",
            401,
            200,
            401,
            ["store lookup", "", "denylist"],
        ),
        (
            "logout_everywhere",
            401,
            200,
            401,
            ["store lookup", "", "not-before mark"],
        ),
        (
            "password_change",
            401,
            200,
            401,
            ["store lookup", "", "not-before mark"],
        ),
        (
            "role_change",
            403,
            200,
            401,
            ["not_allowed", "", "not-before mark"],
        ),
        (
            "account_disabled",
            401,
            200,
            401,
            ["store lookup", "", "not-before mark"],
        ),
    ];
    // Twice: each run makes fresh scratch accounts and must give the same answers.
    for _ in 0..2 {
        let answer = run_matrix(&server, &bob).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
        let matrix = answer.json();
        for (event, session, jwt, revocable, refused_by) in expected {
            for (model, after, by) in [
                ("session", session, refused_by[0]),
                ("jwt", jwt, refused_by[1]),
                ("jwt_revocable", revocable, refused_by[2]),
            ] {
                let cell = cell(&matrix, event, model);
                assert_eq!(cell["before"], 200, "{event}/{model}: {cell}");
                assert_eq!(cell["after"], after, "{event}/{model}: {cell}");
                if by.is_empty() {
                    assert!(cell["refused_by"].is_null(), "{event}/{model}: {cell}");
                } else {
                    assert_eq!(cell["refused_by"], by, "{event}/{model}: {cell}");
                }
            }
        }
        assert_eq!(
            cell(&matrix, "role_change", "jwt")["probe"],
            "GET /api/lab/role-claim"
        );
        // New access tokens: refused after every event that revokes refresh families; a role
        // change does not, so a refresh hands out a token with the new role.
        assert_eq!(
            cell(&matrix, "logout_this_device", "jwt")["refresh_after"],
            401
        );
        assert_eq!(
            cell(&matrix, "account_disabled", "jwt")["refresh_after"],
            401
        );
        assert_eq!(cell(&matrix, "role_change", "jwt")["refresh_after"], 200);
        assert!(
            !answer.text.contains("password\":\""),
            "no passwords in the transcript"
        );
        // The run's accounts are gone with it.
        let left: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE username LIKE 'lab:%'")
                .fetch_one(&server.sql)
                .await
                .unwrap();
        assert_eq!(left, 0);
    }
    // One run at a time: a second request meanwhile is told to wait (429), not queued, and the
    // slot is free again afterwards.
    let (first, second) = tokio::join!(run_matrix(&server, &bob), run_matrix(&server, &bob));
    let mut statuses = [first.status.as_u16(), second.status.as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 429]);
    let busy = if first.status == StatusCode::TOO_MANY_REQUESTS {
        first
    } else {
        second
    };
    assert_api_error(&busy, StatusCode::TOO_MANY_REQUESTS, "busy");
    assert!(busy.headers.contains_key("retry-after"));
    let again = run_matrix(&server, &bob).await;
    assert_eq!(again.status, StatusCode::OK);
}

#[tokio::test]
async fn anonymous_or_cross_site_matrix_runs_are_refused() {
    let server = harness().await;
    let anonymous = server.post_json("/api/lab/logout-matrix", "").await;
    assert_eq!(
        anonymous.status,
        StatusCode::UNAUTHORIZED,
        "{}",
        anonymous.text
    );
    // A plain form POST from another site, carrying the victim's session cookie.
    let session = server.session_login("bob", "bob-builds-it").await;
    let forged = server
        .send(
            axum::http::Request::post("/api/lab/logout-matrix")
                .header("cookie", session.cookie_header())
                .header("sec-fetch-site", "cross-site")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "{}", forged.text);
    assert_eq!(failed_check(&forged), "same origin");
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(&server.sql)
        .await
        .unwrap();
    assert_eq!(users, 2, "no run started, no scratch account made");
}

#[tokio::test]
async fn matrix_runs_are_rate_limited_per_account() {
    let server = harness_with(|s| s.limits.matrix_per_account = Rate::new(1, 60)).await;
    let (bob, _) = server.jwt_login("bob", "bob-builds-it").await;
    assert_eq!(run_matrix(&server, &bob).await.status, StatusCode::OK);
    let limited = run_matrix(&server, &bob).await;
    assert_api_error(&limited, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    let wait: u64 = limited.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
}

#[tokio::test]
async fn registered_matrix_admin_is_never_promoted() {
    let server = harness().await;
    // The reproduced attack: register the name the matrix once promoted, sign in, let a run go.
    let registered = server
        .post_json(
            "/api/register",
            r#"{"username":"matrix-admin","password":"mallory-knows-it"}"#,
        )
        .await;
    assert_eq!(registered.status, StatusCode::CREATED);
    let mallory = server
        .session_login("matrix-admin", "mallory-knows-it")
        .await;
    let (bob, _) = server.jwt_login("bob", "bob-builds-it").await;
    assert_eq!(run_matrix(&server, &bob).await.status, StatusCode::OK);
    // Still a user, still her password, still her session: untouched.
    let me = server.get_as(&mallory, "/api/me").await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json()["role"], "user");
    let account = server
        .check_credentials("matrix-admin", "mallory-knows-it")
        .await
        .unwrap();
    assert_eq!(account.role, authlab::wire::Role::User);
    assert_eq!(
        server.get_as(&mallory, "/api/admin/accounts").await.status,
        StatusCode::FORBIDDEN
    );
    // And the matrix's own namespace cannot be registered.
    let squat = server
        .post_json(
            "/api/register",
            r#"{"username":"lab:matrix-x-admin","password":"mallory-knows-it"}"#,
        )
        .await;
    assert_api_error(&squat, StatusCode::BAD_REQUEST, "invalid_username");
}

#[tokio::test]
async fn the_cost_benchmark_times_each_check_on_this_servers_stores_one_run_at_a_time() {
    let server = harness().await;
    let bob = server.session_login("bob", "bob-builds-it").await;
    let answer = server
        .write_as(&bob, "POST", "/api/lab/cost-benchmark")
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let bench = answer.json();
    let rows = bench["rows"].as_array().unwrap();
    let whats: Vec<&str> = rows.iter().map(|r| r["what"].as_str().unwrap()).collect();
    assert_eq!(
        whats,
        [
            "signature check, EdDSA",
            "signature check, ES256",
            "signature check, HS256",
            "session lookup (SQLite)",
            "denylist lookup (SQLite)",
            "in-process map lookup (for scale)",
        ]
    );
    assert!(rows.iter().all(|r| r["median_ns"].as_u64().unwrap() > 0));
    assert_eq!(bench["iterations"], 200);
    // One run at a time on a server: while one holds the slot, another is told to wait.
    let held = authlab::lab::OneAtATime::claim(&server.state.lab.cost_running).unwrap();
    let busy = server
        .write_as(&bob, "POST", "/api/lab/cost-benchmark")
        .await;
    assert_api_error(&busy, StatusCode::TOO_MANY_REQUESTS, "busy");
    drop(held);
    // Signed out: refused like any protected endpoint.
    let anonymous = server.post_json("/api/lab/cost-benchmark", "").await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
}
