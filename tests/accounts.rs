//! Accounts over the real router: registration, its errors, seeding and the database file.

mod common;

use authlab::db::users;
use axum::http::StatusCode;
use common::{assert_api_error, harness, harness_in};
use serde_json::json;

#[tokio::test]
async fn register_creates_a_user_role_account_with_201() {
    let server = harness().await;
    let answer = server
        .post_json(
            "/api/register",
            json!({"username": "carol", "password": "carol-password"}).to_string(),
        )
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    assert_eq!(answer.json(), json!({"username": "carol", "role": "user"}));
    let stored = users::find_by_username(&server.state.db, "carol")
        .await
        .unwrap()
        .expect("stored");
    assert!(stored.password_hash.as_phc().starts_with("$argon2id$"));
    assert!(!stored.password_hash.as_phc().contains("carol-password"));
}

#[tokio::test]
async fn registering_a_taken_username_is_409_and_keeps_the_first_account() {
    let server = harness().await;
    let first = json!({"username": "dave", "password": "first-password"}).to_string();
    assert_eq!(
        server.post_json("/api/register", first).await.status,
        StatusCode::CREATED
    );
    let again = server
        .post_json(
            "/api/register",
            json!({"username": "dave", "password": "second-password"}).to_string(),
        )
        .await;
    let reason = assert_api_error(&again, StatusCode::CONFLICT, "username_taken");
    assert!(reason.contains("dave"), "{reason}");
    // A demo account is taken too.
    let alice = server
        .post_json(
            "/api/register",
            json!({"username": "alice", "password": "not-alices-password"}).to_string(),
        )
        .await;
    assert_api_error(&alice, StatusCode::CONFLICT, "username_taken");
    // The original password still works: the refused attempt changed nothing.
    assert!(server
        .check_credentials("dave", "first-password")
        .await
        .is_ok());
}

#[tokio::test]
async fn malformed_json_is_400_with_a_json_reason() {
    let server = harness().await;
    let answer = server
        .post_json("/api/register", r#"{"username": "erin", "password": "#)
        .await;
    assert_api_error(&answer, StatusCode::BAD_REQUEST, "malformed_json");
}

#[tokio::test]
async fn missing_field_is_422_naming_the_field() {
    let server = harness().await;
    let answer = server
        .post_json("/api/register", json!({"username": "erin"}).to_string())
        .await;
    let reason = assert_api_error(&answer, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
    assert!(reason.contains("missing field `password`"), "{reason}");
}

#[tokio::test]
async fn wrongly_typed_or_unknown_fields_are_422() {
    let server = harness().await;
    let typed = server
        .post_json(
            "/api/register",
            json!({"username": 7, "password": "long-enough"}).to_string(),
        )
        .await;
    assert_api_error(&typed, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
    let extra = server
        .post_json(
            "/api/register",
            json!({"username": "erin", "password": "long-enough", "role": "admin"}).to_string(),
        )
        .await;
    let reason = assert_api_error(&extra, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
    assert!(reason.contains("role"), "{reason}");
    assert!(users::find_by_username(&server.state.db, "erin")
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn bad_usernames_are_400_with_the_rule() {
    let server = harness().await;
    for bad in ["ab", "Alice", "has space", "x/y", &"z".repeat(33), ""] {
        let answer = server
            .post_json(
                "/api/register",
                json!({"username": bad, "password": "long-enough"}).to_string(),
            )
            .await;
        let reason = assert_api_error(&answer, StatusCode::BAD_REQUEST, "invalid_username");
        assert!(reason.starts_with("username must") || reason.starts_with("username may"));
    }
}

#[tokio::test]
async fn short_and_over_long_passwords_are_400_with_the_rule() {
    let server = harness().await;
    for (bad, length) in [
        ("short", 5),
        (&*"p".repeat(129), 129),
        (&*"é".repeat(200), 200),
    ] {
        let answer = server
            .post_json(
                "/api/register",
                json!({"username": "frank", "password": bad}).to_string(),
            )
            .await;
        let reason = assert_api_error(&answer, StatusCode::BAD_REQUEST, "invalid_password");
        assert!(reason.contains(&format!("got {length}")), "{reason}");
        assert!(
            !reason.contains(bad),
            "the reason never echoes the password"
        );
    }
    assert!(users::find_by_username(&server.state.db, "frank")
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn non_json_content_type_is_415() {
    let server = harness().await;
    let answer = server
        .send(
            axum::http::Request::post("/api/register")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(axum::body::Body::from("username=gina&password=long-enough"))
                .unwrap(),
        )
        .await;
    assert_api_error(
        &answer,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    );
}

#[tokio::test]
async fn oversized_body_is_413() {
    let server = harness().await;
    let huge = json!({"username": "hank", "password": "x".repeat(64 * 1024)}).to_string();
    let answer = server.post_json("/api/register", huge).await;
    assert_api_error(&answer, StatusCode::PAYLOAD_TOO_LARGE, "body_too_large");
}

#[tokio::test]
async fn unknown_api_path_is_a_json_404() {
    let server = harness().await;
    let answer = server.get("/api/nope").await;
    assert_api_error(&answer, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn demo_accounts_are_seeded_once_in_a_database_created_on_first_run() {
    let dir = tempfile::tempdir().unwrap();
    let db_file = dir.path().join("nested/server.db");
    assert!(!db_file.exists());
    let server = harness_in(dir).await;
    assert!(db_file.exists(), "database file created with its directory");

    let alice = users::find_by_username(&server.state.db, "alice")
        .await
        .unwrap()
        .unwrap();
    let bob = users::find_by_username(&server.state.db, "bob")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(alice.role, authlab::wire::Role::Admin);
    assert_eq!(bob.role, authlab::wire::Role::User);
    let alice_hash = alice.password_hash.as_phc().to_string();

    // A restart on the same file finds the accounts and leaves them alone.
    let common::Harness { state, dir, .. } = server;
    state.db.close().await;
    let again = harness_in(dir).await;
    assert_eq!(users::count(&again.state.db).await.unwrap(), 2);
    let alice_again = users::find_by_username(&again.state.db, "alice")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(alice_again.password_hash.as_phc(), alice_hash);
}

#[tokio::test]
async fn health_answers_ok_and_pages_render_on_the_server() {
    let server = harness().await;
    let health = server.get("/api/health").await;
    assert_eq!(health.status, StatusCode::OK);
    assert_eq!(
        health.json(),
        json!({
            "status": "ok",
            "store": {"kind": "sqlite", "reachable": true},
            "log": {"dropped_lines": 0},
        })
    );

    let page = server.get("/register").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("Create an account"), "{}", page.text);
    assert!(
        page.text.contains("alice-in-the-lab"),
        "demo passwords shown"
    );

    let missing = server.get("/no-such-page").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}
