//! The measured cost of authentication the inspector and the compare page show
//! (`GET /api/auth-cost`): every accepted request is timed per account and mode, refused ones and
//! the cost request itself are not.

use crate::common;

use axum::http::StatusCode;
use serde_json::Value;

fn samples(cost: &Value, mode: &str) -> u64 {
    cost["modes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["mode"] == mode)
        .map_or(0, |m| m["samples"].as_u64().unwrap())
}

#[tokio::test]
async fn each_accepted_request_is_timed_per_mode_and_the_cost_request_is_not() {
    let h = common::harness().await;
    let session = h.session_login("bob", "bob-builds-it").await;
    let before = h.get_as(&session, "/api/auth-cost").await.json();
    for _ in 0..3 {
        assert_eq!(h.get_as(&session, "/api/me").await.status, StatusCode::OK);
    }
    let after = h.get_as(&session, "/api/auth-cost").await;
    assert_eq!(after.status, StatusCode::OK);
    let after = after.json();
    assert_eq!(
        samples(&after, "session"),
        samples(&before, "session") + 3,
        "three /api/me, and neither cost request: {after}"
    );
    let session_cost = after["modes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["mode"] == "session")
        .unwrap()
        .clone();
    assert!(session_cost["check_median_ns"].as_u64().unwrap() > 0);
    assert_eq!(after["window"], 50);

    // The same account in bearer mode: its own row; a refused token is not counted.
    let (access, _refresh) = h.jwt_login("bob", "bob-builds-it").await;
    assert_eq!(
        h.bearer("GET", "/api/me", &access).await.status,
        StatusCode::OK
    );
    let forged = format!("{access}x");
    assert_eq!(
        h.bearer("GET", "/api/me", &forged).await.status,
        StatusCode::UNAUTHORIZED
    );
    let cost = h.bearer("GET", "/api/auth-cost", &access).await.json();
    assert_eq!(samples(&cost, "jwt"), 1, "{cost}");
    assert_eq!(samples(&cost, "session"), samples(&after, "session"));

    // Another account sees only its own.
    let alice = h.session_login("alice", "alice-in-the-lab").await;
    let theirs = h.get_as(&alice, "/api/auth-cost").await.json();
    assert_eq!(samples(&theirs, "jwt"), 0, "{theirs}");

    // Signed out, or with a refused token: 200 with nothing in it, so a page asking right after
    // a logout or an expiry provokes no error of its own.
    for answer in [
        h.get("/api/auth-cost").await,
        h.bearer("GET", "/api/auth-cost", &forged).await,
    ] {
        assert_eq!(answer.status, StatusCode::OK);
        let cost = answer.json();
        assert_eq!(cost["signed_in"], false);
        assert_eq!(cost["modes"], serde_json::json!([]));
    }
    assert_eq!(
        samples(&after, "session"),
        samples(
            &h.get_as(&session, "/api/auth-cost").await.json(),
            "session"
        )
    );
}
