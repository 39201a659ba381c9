//! The compare page's cookie replay and the logout matrix, run through the real router.

mod common;

use axum::http::StatusCode;
use common::{assert_api_error, failed_check, lab};
use serde_json::Value;

#[tokio::test]
async fn a_captured_session_cookie_replays_until_logout_and_is_refused_from_the_first_replay_after()
{
    let lab = lab().await;
    let session = lab.session_login("bob", "bob-builds-it").await;
    // Capturing is a state-changing cookie request: same origin and CSRF token required.
    let unguarded = lab
        .send(
            axum::http::Request::post("/api/replay/capture")
                .header("cookie", session.cookie_header())
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(unguarded.status, StatusCode::FORBIDDEN);
    let captured = lab.write_as(&session, "POST", "/api/replay/capture").await;
    assert_eq!(captured.status, StatusCode::OK, "{}", captured.text);
    assert!(
        !captured.text.contains(&session.id),
        "the id never leaves the server"
    );
    let handle = captured.json()["handle"].as_str().unwrap().to_string();
    let replay_path = format!("/api/replay/{handle}");

    let live = lab.post_json(&replay_path, "").await;
    assert_eq!(live.status, StatusCode::OK, "{}", live.text);
    assert_eq!(live.json()["username"], "bob");

    let logout = lab.write_as(&session, "POST", "/api/session/logout").await;
    assert_eq!(logout.status, StatusCode::NO_CONTENT);
    let replay = lab.post_json(&replay_path, "").await;
    assert_eq!(replay.status, StatusCode::UNAUTHORIZED);
    assert_eq!(failed_check(&replay), "store lookup");

    let unknown = lab.post_json("/api/replay/not-a-handle", "").await;
    assert_api_error(&unknown, StatusCode::NOT_FOUND, "not_found");
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

#[tokio::test]
async fn the_logout_matrix_shows_what_each_model_does_after_each_event() {
    let lab = lab().await;
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
            ["user", "", "not-before mark"],
        ),
    ];
    // Twice: the second run reuses the scratch accounts and must give the same answers.
    for _ in 0..2 {
        let answer = lab.post_json("/api/lab/logout-matrix", "").await;
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
    }
    // One run at a time: a second request meanwhile is told to wait (429), not queued, and the
    // slot is free again afterwards.
    let (first, second) = tokio::join!(
        lab.post_json("/api/lab/logout-matrix", ""),
        lab.post_json("/api/lab/logout-matrix", "")
    );
    let mut statuses = [first.status.as_u16(), second.status.as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 429]);
    let busy = if first.status == StatusCode::TOO_MANY_REQUESTS {
        first
    } else {
        second
    };
    assert_api_error(&busy, StatusCode::TOO_MANY_REQUESTS, "busy");
    let again = lab.post_json("/api/lab/logout-matrix", "").await;
    assert_eq!(again.status, StatusCode::OK);
}
