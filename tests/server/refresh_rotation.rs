//! Refresh rotation under attack: a stolen refresh chain cannot slide forever, and a family
//! revoked while a refresh is in flight never gains a live successor.

use crate::common::{assert_api_error, harness, harness_with, refresh_cookie_value};
use axum::http::StatusCode;
use std::sync::Arc;

#[tokio::test]
async fn stolen_refresh_chain_cannot_slide_past_the_family_lifetime() {
    let server = harness_with(|s| s.jwt.refresh_family_max_secs = 3600).await;
    let (_, mut refresh) = server.jwt_login("bob", "bob-builds-it").await;
    // The thief keeps rotating: each rotation works while the family is young.
    for _ in 0..3 {
        let rotated = server.refresh(&refresh).await;
        assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.text);
        refresh = refresh_cookie_value(&rotated).unwrap();
    }
    // Age the family (as an hour of sliding would): its login is now past the lifetime.
    let long_ago = authlab::db::unix_now() - 3601;
    sqlx::query("UPDATE refresh_tokens SET family_started_at = ?")
        .bind(long_ago)
        .execute(&server.sql)
        .await
        .unwrap();
    let refused = server.refresh(&refresh).await;
    let reason = assert_api_error(&refused, StatusCode::UNAUTHORIZED, "invalid_refresh_token");
    assert!(
        reason.contains("lifetime") || reason.contains("log in"),
        "{reason}"
    );
    // And the family is finished: not even a fresh rotation of it comes back.
    let again = server.refresh(&refresh).await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn every_refresh_token_expires_no_later_than_its_family() {
    let server = harness_with(|s| {
        s.jwt.refresh_ttl_secs = 86_400;
        s.jwt.refresh_family_max_secs = 600;
    })
    .await;
    server.jwt_login("bob", "bob-builds-it").await;
    let (late,): (i64,) =
        sqlx::query_as("SELECT MAX(expires_at - family_started_at) FROM refresh_tokens")
            .fetch_one(&server.sql)
            .await
            .unwrap();
    assert!(
        late <= 600,
        "a token outlives its family by {} s",
        late - 600
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn family_revoked_during_a_refresh_gains_no_live_successor() {
    let server = Arc::new(harness().await);
    for round in 0..12 {
        let (access, refresh) = server.jwt_login("bob", "bob-builds-it").await;
        let family: String = sqlx::query_scalar(
            "SELECT family FROM refresh_tokens WHERE user_id = (SELECT id FROM users WHERE username = 'bob') \
             ORDER BY created_at DESC, rowid DESC LIMIT 1",
        )
        .fetch_one(&server.sql)
        .await
        .unwrap();
        let (rotate, logout) = {
            let (a, b) = (server.clone(), server.clone());
            let (r1, r2) = (refresh.clone(), refresh.clone());
            tokio::join!(
                tokio::spawn(async move { a.refresh(&r1).await }),
                tokio::spawn(async move { b.jwt_logout(&access, &r2).await }),
            )
        };
        let (rotate, logout) = (rotate.unwrap(), logout.unwrap());
        assert_eq!(
            logout.status,
            StatusCode::NO_CONTENT,
            "round {round}: {}",
            logout.text
        );
        let live: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM refresh_tokens WHERE family = ? AND revoked_at IS NULL AND used_at IS NULL",
        )
        .bind(&family)
        .fetch_one(&server.sql)
        .await
        .unwrap();
        assert_eq!(
            live, 0,
            "round {round}: the revoked family still has a live token"
        );
        // Whichever came first, a successor the refresh handed out is dead too.
        if let Some(successor) =
            refresh_cookie_value(&rotate).filter(|_| rotate.status == StatusCode::OK)
        {
            let replay = server.refresh(&successor).await;
            assert_eq!(
                replay.status,
                StatusCode::UNAUTHORIZED,
                "round {round}: {}",
                replay.text
            );
        }
    }
}
