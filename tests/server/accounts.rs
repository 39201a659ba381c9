//! Accounts over the real router: registration, its errors, seeding and the database file.

use crate::common;

use crate::common::{assert_api_error, harness, harness_in};
use axum::http::StatusCode;
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
    let stored = server
        .state
        .auth
        .users
        .find_by_username("carol")
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
    assert!(server
        .state
        .auth
        .users
        .find_by_username("erin")
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
    assert!(server
        .state
        .auth
        .users
        .find_by_username("frank")
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

    let alice = server
        .state
        .auth
        .users
        .find_by_username("alice")
        .await
        .unwrap()
        .unwrap();
    let bob = server
        .state
        .auth
        .users
        .find_by_username("bob")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(alice.role, authlab::wire::Role::Admin);
    assert_eq!(bob.role, authlab::wire::Role::User);
    let alice_hash = alice.password_hash.as_phc().to_string();

    // A restart on the same file finds the accounts and leaves them alone.
    let common::Harness { state, dir, .. } = server;
    state.maintenance.close().await;
    let again = harness_in(dir).await;
    assert_eq!(again.state.auth.users.count().await.unwrap(), 2);
    let alice_again = again
        .state
        .auth
        .users
        .find_by_username("alice")
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

    // A lesson the table has, and one it does not: the route matches both, the status differs.
    let lesson = server.get("/lessons/logout-and-revocation").await;
    assert_eq!(lesson.status, StatusCode::OK);
    let no_lesson = server.get("/lessons/no-such-lesson").await;
    assert_eq!(no_lesson.status, StatusCode::NOT_FOUND);
    assert!(
        no_lesson.text.contains("No such lesson"),
        "{}",
        no_lesson.text
    );
}

/// Register `name` and sign it in with a bearer token.
async fn register_and_sign_in(server: &common::Harness, name: &str) -> String {
    let password = format!("{name}-password-1");
    server.register(name, &password).await;
    server.jwt_login(name, &password).await.0
}

/// The newest account (usually an experiment's throwaway one) is deleted; the next registrant
/// once got its id, and with it the deleted account's audit rows (and on Redis its sessions).
/// Ids are never handed out twice.
#[tokio::test]
async fn deleted_accounts_id_is_never_reused() {
    let server = harness().await;
    let token = register_and_sign_in(&server, "lesson-gone").await;
    assert_eq!(
        server.bearer("GET", "/api/me", &token).await.status,
        StatusCode::OK
    );
    let gone = server
        .state
        .auth
        .users
        .find_by_username("lesson-gone")
        .await
        .unwrap()
        .unwrap();
    // Its lifetime ends; maintenance deletes it.
    sqlx::query("UPDATE users SET expires_at = 0 WHERE id = ?")
        .bind(gone.id)
        .execute(&server.sql)
        .await
        .unwrap();
    assert_eq!(
        authlab::lab::scratch::expiry::delete_expired(&server.state)
            .await
            .unwrap(),
        1
    );
    let token = register_and_sign_in(&server, "newcomer").await;
    let newcomer = server
        .state
        .auth
        .users
        .find_by_username("newcomer")
        .await
        .unwrap()
        .unwrap();
    assert!(
        newcomer.id > gone.id,
        "id {} again after {}",
        newcomer.id,
        gone.id
    );
    // The newcomer's log holds only their own rows.
    let log = server.bearer("GET", "/api/audit", &token).await.json();
    let rows = log.as_array().expect("a list of rows");
    assert!(!rows.is_empty());
    assert!(
        rows.iter().all(|row| row["username"] == "newcomer"),
        "another account's history: {log}"
    );
}

/// On a Redis store nothing of a deleted account outlives it: its sessions, refresh families
/// and replay captures end with it (SQLite's foreign keys do that on the embedded store).
#[tokio::test]
async fn deleted_accounts_sessions_and_captures_end_in_the_shared_store() {
    let redis = authlab::lab::redis_process::RedisProcess::start()
        .await
        .expect("redis-server (./scripts/test.sh installs it)");
    let url = redis.url();
    let server = common::harness_with(|s| s.store.url = url.parse().unwrap()).await;
    let password = "lesson-redis-password";
    server.register("lesson-redis", password).await;
    let session = server.session_login("lesson-redis", password).await;
    let (_, refresh) = server.jwt_login("lesson-redis", password).await;
    let captured = server
        .write_as(&session, "POST", "/api/replay/capture")
        .await;
    assert_eq!(captured.status, StatusCode::OK, "{}", captured.text);
    assert_eq!(server.state.lab.captures.count().await.unwrap(), 1);
    sqlx::query("UPDATE users SET expires_at = 0 WHERE username = 'lesson-redis'")
        .execute(&server.sql)
        .await
        .unwrap();
    authlab::lab::scratch::expiry::delete_expired(&server.state)
        .await
        .unwrap();
    assert_eq!(
        server.get_as(&session, "/api/me").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        server.refresh(&refresh).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(server.state.lab.captures.count().await.unwrap(), 0);
    // And the next registrant finds none of it.
    register_and_sign_in(&server, "next-one").await;
    assert_eq!(
        server.get_as(&session, "/api/me").await.status,
        StatusCode::UNAUTHORIZED
    );
}

/// The accounts table is rebuilt for AUTOINCREMENT (`db::users_rebuild`). Rebuilt the naive way,
/// under foreign keys, dropping the old table would cascade into every table that references
/// it. Run on a copy of a populated database made by the migrations before it, the rebuild keeps
/// every row of every table, every reference still resolves, and the next id is past every id
/// ever used.
#[tokio::test]
async fn users_rebuild_keeps_every_row_of_a_populated_database() {
    use sqlx::{
        migrate::Migrator,
        sqlite::{SqliteConnectOptions, SqlitePoolOptions},
    };
    use std::{borrow::Cow, str::FromStr};

    let dir = tempfile::tempdir().unwrap();
    let original = dir.path().join("populated.db");
    let connect = |path: &std::path::Path| {
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))
            .unwrap()
            .create_if_missing(true)
            .foreign_keys(true);
        SqlitePoolOptions::new()
            .max_connections(2)
            .connect_with(options)
    };
    let db = connect(&original).await.unwrap();
    let before_rebuild = Migrator {
        migrations: Cow::Owned(
            authlab::db::sqlite::MIGRATOR
                .migrations
                .iter()
                .filter(|m| m.version <= authlab::db::sqlite::users_rebuild::AFTER_VERSION)
                .cloned()
                .collect(),
        ),
        ..Migrator::DEFAULT
    };
    before_rebuild.run(&db).await.unwrap();
    // Accounts 1..=6, then the newest (6) deleted: its id is still named in the audit log.
    for id in 1..=6 {
        sqlx::query(
            "INSERT INTO users (id, username, password_hash, role, created_at, tokens_not_before,
                                disabled, scratch, expires_at)
             VALUES (?, ?, '$argon2id$stored', ?, 1700000000, ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(format!("user-{id}"))
        .bind(if id == 1 { "admin" } else { "user" })
        .bind((id % 2 == 0).then_some(1700000100 + id))
        .bind((id == 3) as i64)
        .bind((id == 5).then_some("lesson"))
        .bind((id == 5).then_some(1800000000))
        .execute(&db)
        .await
        .unwrap();
    }
    for id in 1..=6 {
        for statement in [
            "INSERT INTO sessions VALUES ('key-' || ?1, 'prev', 'handle-' || ?1, ?1, 'csrf', 'agent', 1, 2)",
            "INSERT INTO account_settings (user_id, same_site) VALUES (?1, 'Strict')",
            "INSERT INTO signing_keys VALUES ('kid-' || ?1, ?1, 'HS256', x'00', 1, NULL)",
            "INSERT INTO refresh_tokens (hash, family, user_id, created_at, expires_at, family_started_at)
             VALUES ('hash-' || ?1, 'family', ?1, 1, 2, 1)",
            "INSERT INTO jwt_denylist VALUES ('jti-' || ?1, ?1, 9)",
            "INSERT INTO security_events (at, user_id, kind, detail) VALUES (1, ?1, 'reuse', 'x')",
            "INSERT INTO audit_events (at_ms, mode, user_id, username, action, allowed, detail)
             VALUES (1, 'jwt', ?1, 'user-' || ?1, 'login', 1, 'x')",
            "INSERT INTO ended_sessions VALUES ('ended-' || ?1, ?1, 1)",
        ] {
            sqlx::query(statement).bind(id).execute(&db).await.unwrap();
        }
    }
    sqlx::query("INSERT INTO server_secrets VALUES ('device-cookie', x'01')")
        .execute(&db)
        .await
        .unwrap();
    sqlx::query("DELETE FROM users WHERE id = 6")
        .execute(&db)
        .await
        .unwrap();
    db.close().await;

    // The rebuild runs on a copy; the original stays as it was, to compare with.
    let copy = dir.path().join("copy.db");
    std::fs::copy(&original, &copy).unwrap();
    let old = connect(&original).await.unwrap();
    let migrated = connect(&copy).await.unwrap();
    authlab::db::sqlite::migrate(&migrated).await.unwrap();
    // A second start changes nothing.
    authlab::db::sqlite::migrate(&migrated).await.unwrap();

    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
         AND name != '_sqlx_migrations' ORDER BY name",
    )
    .fetch_all(&old)
    .await
    .unwrap();
    assert!(tables.len() >= 10, "{tables:?}");
    for table in &tables {
        // Every row, every column, in stored order: the same before and after.
        let columns: Vec<String> =
            sqlx::query_scalar(&format!("SELECT name FROM pragma_table_info('{table}')"))
                .fetch_all(&old)
                .await
                .unwrap();
        let dump = format!(
            "SELECT COUNT(*), COALESCE(json_group_array(json_array({})), '[]')
             FROM (SELECT * FROM {table} ORDER BY rowid)",
            columns.join(", ")
        );
        let read = |pool| {
            let dump = dump.clone();
            async move {
                sqlx::query_as::<_, (i64, String)>(&dump)
                    .fetch_one(pool)
                    .await
                    .unwrap()
            }
        };
        let (before, after) = (read(&old).await, read(&migrated).await);
        assert_eq!(before, after, "rows of {table}");
        if table != "server_secrets" && table != "users" {
            assert!(before.0 >= 5, "{table} was populated: {before:?}");
        }
    }
    let users = |pool| async move {
        sqlx::query_as::<
            _,
            (
                i64,
                String,
                String,
                String,
                i64,
                Option<i64>,
                i64,
                Option<String>,
                Option<i64>,
            ),
        >(
            "SELECT id, username, password_hash, role, created_at, tokens_not_before, disabled,
                    scratch, expires_at FROM users ORDER BY id",
        )
        .fetch_all(pool)
        .await
        .unwrap()
    };
    assert_eq!(users(&old).await, users(&migrated).await);
    assert_eq!(users(&migrated).await.len(), 5);
    let broken: Vec<(String,)> = sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_check")
        .fetch_all(&migrated)
        .await
        .unwrap();
    assert!(broken.is_empty(), "{broken:?}");
    // Foreign keys are on again: deleting an account still takes its sessions along.
    sqlx::query("DELETE FROM users WHERE id = 2")
        .execute(&migrated)
        .await
        .unwrap();
    let sessions_of_2: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE user_id = 2")
        .fetch_one(&migrated)
        .await
        .unwrap();
    assert_eq!(sessions_of_2, 0);
    // The next account gets an id past 6, the deleted one the audit log still names.
    let next: i64 = sqlx::query_scalar(
        "INSERT INTO users (username, password_hash, role, created_at)
         VALUES ('next', 'x', 'user', 1) RETURNING id",
    )
    .fetch_one(&migrated)
    .await
    .unwrap();
    assert_eq!(next, 7);
}
