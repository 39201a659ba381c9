//! Account events that ought to end access, seen from each model: password change, role change,
//! disabling, log out everywhere; and the admin endpoints behind them.

use crate::common;

use crate::common::{assert_api_error, failed_check, harness, Harness};
use axum::http::StatusCode;
use serde_json::json;

async fn register(server: &Harness, username: &str, password: &str) {
    let answer = server
        .post_json(
            "/api/register",
            json!({"username": username, "password": password}).to_string(),
        )
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
}

async fn admin_patch(server: &Harness, admin: &str, username: &str, patch: serde_json::Value) {
    let path = format!("/api/admin/accounts/{username}");
    let answer = server
        .bearer_json("PUT", &path, admin, &patch.to_string())
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
}

#[tokio::test]
async fn password_change_ends_every_session_and_refresh_token_but_not_a_stateless_access_token() {
    let server = harness().await;
    register(&server, "carol", "carols-old-secret").await;
    let session = server.session_login("carol", "carols-old-secret").await;
    let (access, refresh) = server.jwt_login("carol", "carols-old-secret").await;

    let wrong = server
        .bearer_json(
            "POST",
            "/api/account/password",
            &access,
            r#"{"current_password":"not-it-at-all","new_password":"carols-new-secret"}"#,
        )
        .await;
    assert_api_error(&wrong, StatusCode::UNAUTHORIZED, "invalid_credentials");

    let change = server
        .bearer_json(
            "POST",
            "/api/account/password",
            &access,
            r#"{"current_password":"carols-old-secret","new_password":"carols-new-secret"}"#,
        )
        .await;
    assert_eq!(change.status, StatusCode::OK, "{}", change.text);
    assert_eq!(change.json()["sessions_ended"], 1);

    let replay = server.get_as(&session, "/api/me").await;
    assert_eq!(failed_check(&replay), "store lookup");
    assert_eq!(
        server.refresh(&refresh).await.status,
        StatusCode::UNAUTHORIZED
    );
    // Stateless: nothing the server knows stops the access token before `exp`.
    assert_eq!(
        server.bearer("GET", "/api/me", &access).await.status,
        StatusCode::OK
    );
    assert!(server
        .check_credentials("carol", "carols-new-secret")
        .await
        .is_ok());
    assert!(server
        .check_credentials("carol", "carols-old-secret")
        .await
        .is_err());
}

#[tokio::test]
async fn demoted_admin_token_cannot_administer() {
    let server = harness().await;
    register(&server, "carol", "carols-old-secret").await;
    let (alice, _) = server.jwt_login("alice", "alice-in-the-lab").await;
    admin_patch(&server, &alice, "carol", json!({"role": "admin"})).await;

    let session = server.session_login("carol", "carols-old-secret").await;
    let (token, _) = server.jwt_login("carol", "carols-old-secret").await;
    assert_eq!(
        server.get_as(&session, "/api/admin/accounts").await.status,
        StatusCode::OK
    );
    admin_patch(&server, &alice, "carol", json!({"role": "user"})).await;

    // The session reads the role from the accounts table on every request.
    let by_session = server.get_as(&session, "/api/admin/accounts").await;
    let reason = assert_api_error(&by_session, StatusCode::FORBIDDEN, "not_allowed");
    assert!(reason.contains("accounts table"), "{reason}");
    // The old token still *says* admin...
    assert_eq!(
        server.bearer("GET", "/api/me", &token).await.json()["role"],
        "admin"
    );
    let claim = server.bearer("GET", "/api/lab/role-claim", &token).await;
    assert_eq!(claim.status, StatusCode::OK, "{}", claim.text);
    assert_eq!(claim.json()["claimed_role"], "admin");
    // ...but administration reads the accounts table, so it is refused, and explains why.
    let by_token = server.bearer("GET", "/api/admin/accounts", &token).await;
    let reason = assert_api_error(&by_token, StatusCode::FORBIDDEN, "not_allowed");
    assert!(reason.contains("role claim still says admin"), "{reason}");
    // The reproduced attack: the demoted admin's token promotes another account. Refused, and
    // nothing changed.
    register(&server, "dave", "daves-own-secret").await;
    let promote = server
        .bearer_json(
            "PUT",
            "/api/admin/accounts/dave",
            &token,
            r#"{"role":"admin"}"#,
        )
        .await;
    assert_api_error(&promote, StatusCode::FORBIDDEN, "not_allowed");
    let dave = server
        .check_credentials("dave", "daves-own-secret")
        .await
        .unwrap();
    assert_eq!(dave.role, authlab::wire::Role::User);
    // Nor can it read everyone's audit log.
    let audit = server.bearer("GET", "/api/audit", &token).await;
    assert_eq!(audit.status, StatusCode::OK);
    assert!(audit
        .json()
        .as_array()
        .unwrap()
        .iter()
        .all(|event| event["username"] == "carol"));
}

#[tokio::test]
async fn a_disabled_account_cannot_log_in_and_its_session_is_refused_but_its_token_runs_on() {
    let server = harness().await;
    register(&server, "carol", "carols-old-secret").await;
    let (alice, _) = server.jwt_login("alice", "alice-in-the-lab").await;
    let session = server.session_login("carol", "carols-old-secret").await;
    let (token, refresh) = server.jwt_login("carol", "carols-old-secret").await;
    admin_patch(&server, &alice, "carol", json!({"disabled": true})).await;

    // Disabling ended the session, as "log out everywhere" does.
    let replay = server.get_as(&session, "/api/me").await;
    assert_eq!(replay.status, StatusCode::UNAUTHORIZED);
    assert_eq!(failed_check(&replay), "store lookup");
    assert_eq!(
        server.bearer("GET", "/api/me", &token).await.status,
        StatusCode::OK
    );
    assert_eq!(
        server.refresh(&refresh).await.status,
        StatusCode::UNAUTHORIZED
    );
    let login = server
        .post_json(
            "/api/jwt/login",
            json!({"username": "carol", "password": "carols-old-secret"}).to_string(),
        )
        .await;
    assert_api_error(&login, StatusCode::FORBIDDEN, "account_disabled");
    // A wrong password still says only "invalid", disabled or not.
    let guess = server
        .post_json(
            "/api/jwt/login",
            json!({"username": "carol", "password": "a-wrong-guess"}).to_string(),
        )
        .await;
    assert_api_error(&guess, StatusCode::UNAUTHORIZED, "invalid_credentials");

    // Carol's own log says what happened to her account, and who could log in.
    let (alice_again, _) = server.jwt_login("alice", "alice-in-the-lab").await;
    let log = server
        .bearer("GET", "/api/audit", &alice_again)
        .await
        .json();
    let carol: Vec<&serde_json::Value> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["username"] == "carol")
        .collect();
    assert!(
        carol.iter().any(|e| e["action"] == "account disabled"),
        "{carol:?}"
    );
    assert!(carol
        .iter()
        .any(|e| e["action"] == "login" && e["allowed"] == false));
}

#[tokio::test]
async fn with_revocation_on_every_account_event_refuses_the_tokens_already_issued() {
    let server = harness().await;
    register(&server, "carol", "carols-old-secret").await;
    let (alice, _) = server.jwt_login("alice", "alice-in-the-lab").await;
    let (token, _) = server.jwt_login("carol", "carols-old-secret").await;
    let on = server
        .bearer_put_settings(&token, r#"{"denylist":true}"#)
        .await;
    assert_eq!(on.status, StatusCode::OK);
    admin_patch(&server, &alice, "carol", json!({"role": "admin"})).await;
    let replay = server.bearer("GET", "/api/me", &token).await;
    assert_eq!(failed_check(&replay), "not-before mark");
    // A token issued after the event (the issuer waits out the mark's second) is fine.
    let (fresh, _) = server.jwt_login("carol", "carols-old-secret").await;
    let me = server.bearer("GET", "/api/me", &fresh).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);
    assert_eq!(me.json()["role"], "admin");
}

#[tokio::test]
async fn admin_endpoints_refuse_users_and_self_changes_with_a_reason() {
    let server = harness().await;
    let (bob, _) = server.jwt_login("bob", "bob-builds-it").await;
    let list = server.bearer("GET", "/api/admin/accounts", &bob).await;
    let reason = assert_api_error(&list, StatusCode::FORBIDDEN, "not_allowed");
    assert!(
        reason.contains("accounts table") && reason.contains("role user"),
        "{reason}"
    );

    let (alice, _) = server.jwt_login("alice", "alice-in-the-lab").await;
    let listed = server.bearer("GET", "/api/admin/accounts", &alice).await;
    assert_eq!(listed.status, StatusCode::OK);
    assert!(listed.text.contains("\"bob\""));
    assert!(!listed.text.contains("argon2"), "no password hashes");

    let own = server
        .bearer_json(
            "PUT",
            "/api/admin/accounts/alice",
            &alice,
            r#"{"role":"user"}"#,
        )
        .await;
    assert_api_error(&own, StatusCode::CONFLICT, "conflict");
    let nobody = server
        .bearer_json(
            "PUT",
            "/api/admin/accounts/nobody",
            &alice,
            r#"{"disabled":true}"#,
        )
        .await;
    assert_api_error(&nobody, StatusCode::NOT_FOUND, "not_found");
    let bad = server
        .bearer_json(
            "PUT",
            "/api/admin/accounts/bob",
            &alice,
            r#"{"role":"root"}"#,
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn log_out_everywhere_by_session_ends_every_session_and_clears_the_cookie() {
    let server = harness().await;
    let laptop = server.session_login("bob", "bob-builds-it").await;
    let phone = server.session_login("bob", "bob-builds-it").await;
    let answer = server
        .write_as(&laptop, "POST", "/api/account/logout-everywhere")
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert_eq!(answer.json()["sessions_ended"], 2);
    let cleared = answer.headers["set-cookie"].to_str().unwrap();
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    for session in [&laptop, &phone] {
        assert_eq!(
            failed_check(&server.get_as(session, "/api/me").await),
            "store lookup"
        );
    }
}

/// The detail of the trace's `user` check.
fn user_check_detail(answer: &common::Answer) -> String {
    answer.json()["auth"]["checks"]
        .as_array()
        .and_then(|checks| checks.iter().find(|c| c["name"] == "user"))
        .and_then(|c| c["detail"].as_str())
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn demoted_or_disabled_account_is_not_kept_alive_by_the_account_cache() {
    let server = harness().await;
    register(&server, "carol", "carols-old-secret").await;
    let (alice, _) = server.jwt_login("alice", "alice-in-the-lab").await;
    admin_patch(&server, &alice, "carol", json!({"role": "admin"})).await;
    let session = server.session_login("carol", "carols-old-secret").await;

    // The first check reads the account from the table; the next one from memory.
    let first = server.get_as(&session, "/api/me").await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    assert!(
        user_check_detail(&first).contains("accounts table"),
        "{}",
        first.text
    );
    let cached = server.get_as(&session, "/api/me").await;
    assert_eq!(cached.json()["role"], "admin");
    assert!(
        user_check_detail(&cached).contains("account cache"),
        "{}",
        cached.text
    );

    // A demotion empties the cache: the very next request has the new role.
    admin_patch(&server, &alice, "carol", json!({"role": "user"})).await;
    let demoted = server.get_as(&session, "/api/me").await;
    assert_eq!(demoted.status, StatusCode::OK, "{}", demoted.text);
    assert_eq!(demoted.json()["role"], "user");

    // Disabling refuses the very next request too: it ends the session outright.
    assert!(user_check_detail(&server.get_as(&session, "/api/me").await).contains("account cache"));
    admin_patch(&server, &alice, "carol", json!({"disabled": true})).await;
    let refused = server.get_as(&session, "/api/me").await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{}", refused.text);
    assert_eq!(failed_check(&refused), "store lookup");
}

#[tokio::test]
async fn with_the_account_cache_off_every_session_check_reads_the_accounts_table() {
    let server = common::harness_with(|s| s.session.cache_accounts = false).await;
    register(&server, "carol", "carols-old-secret").await;
    let session = server.session_login("carol", "carols-old-secret").await;
    for _ in 0..2 {
        let me = server.get_as(&session, "/api/me").await;
        assert_eq!(me.status, StatusCode::OK, "{}", me.text);
        assert!(
            user_check_detail(&me).contains("accounts table"),
            "{}",
            me.text
        );
    }
}
