//! The shared demo accounts, and what hosting does to them: public passwords only on loopback use,
//! locked down when hosted, unchangeable by learners, reset on a schedule; scratch accounts expire.

use crate::common;

use crate::common::{assert_api_error, harness, harness_in_with, Harness};
use authlab::wire::Role;
use axum::http::StatusCode;

const HOST: &str = "server.school.test";

/// Run a lab on loopback first (it seeds the demo accounts), then restart it on the same file
/// as a hosted lab with `admin_password`.
async fn hosted_after_loopback(admin_password: &str) -> Harness {
    let Harness { state, dir, .. } = harness().await;
    // Someone at the machine promotes their own account through the public alice.
    let carol_hash = state
        .auth
        .passwords
        .hash(
            &authlab::wire::Password::new("carol-password"),
            &authlab::auth::password::Charged::to("carol"),
        )
        .await
        .unwrap();
    state
        .auth
        .users
        .insert("carol", &carol_hash, Role::Admin, None)
        .await
        .unwrap();
    state.maintenance.close().await;
    let admin_password = admin_password.to_string();
    harness_in_with(dir, move |s| {
        s.hosting.public_hosts = HOST.parse().unwrap();
        s.hosting.admin_password = admin_password;
    })
    .await
}

async fn login(server: &Harness, username: &str, password: &str) -> common::Answer {
    server
        .post_json(
            "/api/jwt/login",
            serde_json::json!({ "username": username, "password": password }).to_string(),
        )
        .await
}

#[tokio::test]
async fn hosted_lab_refuses_the_public_demo_passwords_and_has_no_admin_without_a_password() {
    let server = hosted_after_loopback("").await;
    for (name, password) in [("alice", "alice-in-the-lab"), ("bob", "bob-builds-it")] {
        let answer = login(&server, name, password).await;
        assert_api_error(&answer, StatusCode::FORBIDDEN, "account_disabled");
    }
    let admins: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE role = 'admin'")
        .fetch_one(&server.sql)
        .await
        .unwrap();
    assert_eq!(
        admins, 0,
        "no administrator exists on a hosted lab without admin_password"
    );
    // The UI is told not to show the demo card.
    let card = server.get("/api/demo-accounts").await;
    assert_eq!(card.status, StatusCode::OK);
    assert_eq!(card.json()["accounts"], serde_json::json!([]));
}

#[tokio::test]
async fn hosted_admin_is_alice_with_the_teachers_password_only() {
    let server = hosted_after_loopback("a long teacher password").await;
    let public = login(&server, "alice", "alice-in-the-lab").await;
    assert_api_error(&public, StatusCode::UNAUTHORIZED, "invalid_credentials");
    let teacher = login(&server, "alice", "a long teacher password").await;
    assert_eq!(teacher.status, StatusCode::OK, "{}", teacher.text);
    let token = teacher.json()["access_token"].as_str().unwrap().to_string();
    let accounts = server.bearer("GET", "/api/admin/accounts", &token).await;
    assert_eq!(accounts.status, StatusCode::OK, "{}", accounts.text);
    let bob = login(&server, "bob", "bob-builds-it").await;
    assert_api_error(&bob, StatusCode::FORBIDDEN, "account_disabled");
}

#[tokio::test]
async fn learner_cannot_lock_others_out_of_a_shared_demo_account() {
    let server = harness().await;
    let bob = server.session_login("bob", "bob-builds-it").await;
    let change = server
        .send(
            axum::http::Request::post("/api/account/password")
                .header("content-type", "application/json")
                .header("cookie", bob.cookie_header())
                .header("x-csrf-token", &bob.csrf)
                .header("sec-fetch-site", "same-origin")
                .body(axum::body::Body::from(
                    r#"{"current_password":"bob-builds-it","new_password":"only-mine-now"}"#,
                ))
                .unwrap(),
        )
        .await;
    assert_api_error(&change, StatusCode::FORBIDDEN, "not_allowed");
    // And the public alice cannot promote or disable bob for everyone either.
    let (alice, _) = server.jwt_login("alice", "alice-in-the-lab").await;
    for patch in [r#"{"role":"admin"}"#, r#"{"disabled":true}"#] {
        let answer = server
            .bearer_json("PUT", "/api/admin/accounts/bob", &alice, patch)
            .await;
        assert_api_error(&answer, StatusCode::FORBIDDEN, "not_allowed");
    }
    let again = login(&server, "bob", "bob-builds-it").await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
}

#[tokio::test]
async fn registered_look_alike_of_a_scratch_account_is_never_promoted() {
    let server = harness().await;
    for name in ["matrix-admin", "lesson-admin"] {
        let made = server
            .post_json(
                "/api/register",
                format!(r#"{{"username":"{name}","password":"look-alike-pw"}}"#),
            )
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
        let (alice, _) = server.jwt_login("alice", "alice-in-the-lab").await;
        let promote = server
            .bearer_json(
                "PUT",
                &format!("/api/admin/accounts/{name}"),
                &alice,
                r#"{"role":"admin"}"#,
            )
            .await;
        assert_api_error(&promote, StatusCode::FORBIDDEN, "not_allowed");
    }
}

#[tokio::test]
async fn scheduled_reset_undoes_a_learners_switches_and_sessions_on_demo_accounts() {
    let server = harness().await;
    let (token, _) = server.jwt_login("bob", "bob-builds-it").await;
    let set = server
        .bearer_put_settings(&token, r#"{"denylist":true,"same_site":"None"}"#)
        .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text);
    let session = server.session_login("bob", "bob-builds-it").await;
    assert_eq!(
        server.get_as(&session, "/api/me").await.status,
        StatusCode::OK
    );

    let reset = authlab::demo::reset_shared(&server.state).await.unwrap();
    assert_eq!(reset, 2);

    assert_eq!(
        server.get_as(&session, "/api/me").await.status,
        StatusCode::UNAUTHORIZED,
        "the reset ends the demo account's sessions"
    );
    let (fresh, _) = server.jwt_login("bob", "bob-builds-it").await;
    let settings = server.bearer("GET", "/api/lab-settings", &fresh).await;
    assert_eq!(settings.json()["denylist"], false, "{}", settings.text);
    assert_eq!(settings.json()["same_site"], "Lax", "{}", settings.text);
}

#[tokio::test]
async fn expired_lesson_accounts_are_deleted_by_maintenance() {
    let server = harness().await;
    let made = server
        .post_json(
            "/api/register",
            r#"{"username":"lesson-abc123","password":"lesson-password"}"#,
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    let kept = server
        .post_json(
            "/api/register",
            r#"{"username":"dave","password":"dave-password"}"#,
        )
        .await;
    assert_eq!(kept.status, StatusCode::CREATED, "{}", kept.text);
    let (scratch, expires): (Option<String>, Option<i64>) =
        sqlx::query_as("SELECT scratch, expires_at FROM users WHERE username = 'lesson-abc123'")
            .fetch_one(&server.sql)
            .await
            .unwrap();
    assert_eq!(scratch.as_deref(), Some("lesson"));
    assert!(expires.unwrap() > authlab::db::unix_now());
    // Not yet expired: maintenance leaves it.
    authlab::server::maintain_once(&server.state).await;
    assert!(server
        .state
        .auth
        .users
        .find_by_username("lesson-abc123")
        .await
        .unwrap()
        .is_some());
    sqlx::query("UPDATE users SET expires_at = 0 WHERE username = 'lesson-abc123'")
        .execute(&server.sql)
        .await
        .unwrap();
    authlab::server::maintain_once(&server.state).await;
    assert!(server
        .state
        .auth
        .users
        .find_by_username("lesson-abc123")
        .await
        .unwrap()
        .is_none());
    assert!(server
        .state
        .auth
        .users
        .find_by_username("dave")
        .await
        .unwrap()
        .is_some());
}
