//! The challenges, judged by the server alone: each is solved by the request the server decides
//! (or an answer it checks against its own records), never by anything the browser says; a
//! close-but-wrong try solves nothing; progress is the learner's own, lasts across a restart, and
//! a reset forgets every event before it.

use crate::attacks::{forged_logout, weaken};
use crate::common::{assert_api_error, harness, harness_in, token_halves, Answer, Harness};
use crate::defences_off::{as_holder_of, forge, login_with_planted, switch};
use axum::{
    body::Body,
    http::{header, Request, StatusCode},
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use serde_json::{json, Value};

const PASSWORD: &str = "learner-password-1";

/// A fresh learner, signed in with a bearer token: (access, refresh).
async fn learner(server: &Harness, name: &str) -> (String, String) {
    server.register(name, PASSWORD).await;
    server.jwt_login(name, PASSWORD).await
}

async fn progress(server: &Harness, token: &str) -> Value {
    let answer = server.bearer("GET", "/api/progress", token).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    answer.json()
}

fn entry<'a>(progress: &'a Value, id: &str) -> &'a Value {
    progress["challenges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("{id} is not in the progress"))
}

fn solved(progress: &Value, id: &str) -> bool {
    !entry(progress, id)["solved_at_ms"].is_null()
}

fn solved_ids(progress: &Value) -> Vec<String> {
    progress["challenges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| !c["solved_at_ms"].is_null())
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

async fn answer(server: &Harness, token: &str, id: &str, text: &str) -> Answer {
    let body = json!({ "answer": text }).to_string();
    server
        .bearer_json(
            "POST",
            &format!("/api/challenges/{id}/answer"),
            token,
            &body,
        )
        .await
}

#[tokio::test]
async fn posting_solved_from_the_browser_is_refused_and_changes_nothing() {
    let server = harness().await;
    let (token, _) = learner(&server, "claimer").await;
    let session = server.session_login("claimer", PASSWORD).await;
    for id in ["exp-refusal", "weak-secret-forged", "not-a-challenge"] {
        let by_token = server
            .bearer_json(
                "POST",
                &format!("/api/challenges/{id}/solved"),
                &token,
                r#"{"solved":true}"#,
            )
            .await;
        assert_api_error(&by_token, StatusCode::FORBIDDEN, "not_allowed");
        let by_cookie = server
            .send(
                Request::post(format!("/api/challenges/{id}/solved"))
                    .header(header::COOKIE, session.cookie_header())
                    .header("sec-fetch-site", "same-origin")
                    .header("x-csrf-token", &session.csrf)
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from(r#"{"solved":true}"#))
                    .unwrap(),
            )
            .await;
        assert_api_error(&by_cookie, StatusCode::FORBIDDEN, "not_allowed");
    }
    assert!(solved_ids(&progress(&server, &token).await).is_empty());
}

#[tokio::test]
async fn a_token_refused_at_exp_solves_its_challenge_and_nothing_before_it_does() {
    let server = harness().await;
    let (token, _) = learner(&server, "expiring").await;
    // Signed in, requests allowed, a token refused elsewhere: not yet.
    assert_eq!(
        server.bearer("GET", "/api/me", &token).await.status,
        StatusCode::OK
    );
    let tampered = format!("{}x", &token[..token.len() - 1]);
    assert_eq!(
        server.bearer("GET", "/api/me", &tampered).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert!(!solved(&progress(&server, &token).await, "exp-refusal"));

    let expired = server
        .bearer_json(
            "POST",
            "/api/lab/wrong-claim-token",
            &token,
            r#"{"wrong":"expired"}"#,
        )
        .await
        .json()["token"]
        .as_str()
        .unwrap()
        .to_string();
    let before = authlab::challenges::now_ms();
    let refused = server.bearer("GET", "/api/me", &expired).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    let progress = progress(&server, &token).await;
    assert!(solved(&progress, "exp-refusal"), "{progress}");
    assert!(
        entry(&progress, "exp-refusal")["solved_at_ms"]
            .as_i64()
            .unwrap()
            >= before
    );
    // The genuinely signed expired token is the lab's, not a forgery.
    assert!(!solved(&progress, "weak-secret-forged"));
}

#[tokio::test]
async fn the_token_held_before_logout_solves_the_replay_and_a_fresh_login_does_not() {
    let server = harness().await;
    let (before, refresh) = learner(&server, "replayer").await;
    assert_eq!(
        server.jwt_logout(&before, &refresh).await.status,
        StatusCode::NO_CONTENT
    );
    // Logging in again and using the new token is not a replay.
    let (after, _) = server.jwt_login("replayer", PASSWORD).await;
    assert_eq!(
        server.bearer("GET", "/api/me", &after).await.status,
        StatusCode::OK
    );
    assert!(!solved(
        &progress(&server, &after).await,
        "replay-after-logout"
    ));

    assert_eq!(
        server.bearer("GET", "/api/me", &before).await.status,
        StatusCode::OK
    );
    let progress_now = progress(&server, &after).await;
    assert!(solved(&progress_now, "replay-after-logout"));
    assert!(!solved(&progress_now, "revoke-before-exp"));

    // Then make it impossible: the denylist on, the next logged-out token is refused at once.
    assert_eq!(
        server
            .bearer_put_settings(&after, r#"{"denylist":true}"#)
            .await
            .status,
        StatusCode::OK
    );
    let (held, refresh) = server.jwt_login("replayer", PASSWORD).await;
    assert_eq!(
        server.jwt_logout(&held, &refresh).await.status,
        StatusCode::NO_CONTENT
    );
    let replay = server.bearer("GET", "/api/me", &held).await;
    assert_eq!(replay.status, StatusCode::UNAUTHORIZED);
    let (fresh, _) = server.jwt_login("replayer", PASSWORD).await;
    assert!(solved(
        &progress(&server, &fresh).await,
        "revoke-before-exp"
    ));
}

#[tokio::test]
async fn the_old_cookie_refused_after_logout_solves_it_and_reviving_it_is_explained_after_tries() {
    let server = harness().await;
    server.register("cookie-learner", PASSWORD).await;
    let old = server.session_login("cookie-learner", PASSWORD).await;
    assert_eq!(server.get_as(&old, "/api/me").await.status, StatusCode::OK);
    let (token, _) = server.jwt_login("cookie-learner", PASSWORD).await;
    assert!(!solved(
        &progress(&server, &token).await,
        "old-cookie-refused"
    ));

    assert_eq!(
        server
            .write_as(&old, "POST", "/api/session/logout")
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        server.get_as(&old, "/api/me").await.status,
        StatusCode::UNAUTHORIZED
    );
    let progress_now = progress(&server, &token).await;
    assert!(solved(&progress_now, "old-cookie-refused"));
    let revive = entry(&progress_now, "revive-logged-out-cookie");
    assert_eq!(revive["tries"], 1);
    assert!(
        revive["why_impossible"].is_null(),
        "not explained after one try"
    );
    assert!(revive["solved_at_ms"].is_null());

    assert_eq!(
        server.get_as(&old, "/api/me").await.status,
        StatusCode::UNAUTHORIZED
    );
    let progress_now = progress(&server, &token).await;
    let revive = entry(&progress_now, "revive-logged-out-cookie");
    assert_eq!(revive["tries"], 2);
    assert!(revive["why_impossible"]
        .as_str()
        .unwrap()
        .contains("store lookup"));
    assert!(
        revive["solved_at_ms"].is_null(),
        "an impossible challenge is never solved"
    );
}

#[tokio::test]
async fn a_rotated_refresh_token_coming_back_is_detected_theft() {
    let server = harness().await;
    let (token, first) = learner(&server, "refresher").await;
    let rotated = server.refresh(&first).await;
    assert_eq!(rotated.status, StatusCode::OK);
    let progress_now = progress(&server, &token).await;
    assert!(solved(&progress_now, "refresh-without-password"));
    assert!(!solved(&progress_now, "reuse-detected"));

    assert_eq!(
        server.refresh(&first).await.status,
        StatusCode::UNAUTHORIZED
    );
    let progress_now = progress(&server, &token).await;
    assert!(solved(&progress_now, "reuse-detected"));
    assert_eq!(entry(&progress_now, "stolen-refresh-survives")["tries"], 1);
}

#[tokio::test]
async fn answers_are_checked_against_the_servers_own_records() {
    let server = harness().await;
    let (token, _) = learner(&server, "answerer").await;
    let (other, _) = learner(&server, "someone-else").await;

    // Another learner's jti is not the one you hold.
    let theirs = token_halves(&other).1["jti"].clone();
    let wrong = answer(
        &server,
        &token,
        "jti-of-your-token",
        theirs.as_str().unwrap(),
    )
    .await;
    assert_eq!(wrong.status, StatusCode::OK);
    assert_eq!(wrong.json()["correct"], false);
    assert!(!solved(
        &progress(&server, &token).await,
        "jti-of-your-token"
    ));

    let mine = token_halves(&token).1["jti"].clone();
    let right = answer(&server, &token, "jti-of-your-token", mine.as_str().unwrap()).await;
    assert_eq!(right.json()["correct"], true, "{}", right.text);
    let kid = token_halves(&token).0["kid"].clone();
    assert_eq!(
        answer(&server, &token, "kid-of-your-token", kid.as_str().unwrap())
            .await
            .json()["correct"],
        true
    );
    let length = token.len().to_string();
    assert_eq!(
        answer(&server, &token, "token-bytes", &length).await.json()["correct"],
        true
    );
    assert_eq!(
        answer(&server, &token, "token-bytes", "22").await.json()["correct"],
        false
    );

    // The live sessions, counted in the store when the answer arrives.
    server.session_login("answerer", PASSWORD).await;
    server.session_login("answerer", PASSWORD).await;
    assert_eq!(
        answer(&server, &token, "sessions-the-server-holds", "1")
            .await
            .json()["correct"],
        false
    );
    assert_eq!(
        answer(&server, &token, "sessions-the-server-holds", "2")
            .await
            .json()["correct"],
        true
    );

    // Nothing measured yet: the usual answer is not taken on trust.
    assert_eq!(
        answer(&server, &token, "cheaper-check", "session")
            .await
            .json()["correct"],
        false
    );

    let progress_now = progress(&server, &token).await;
    for id in [
        "jti-of-your-token",
        "kid-of-your-token",
        "token-bytes",
        "sessions-the-server-holds",
    ] {
        assert!(solved(&progress_now, id), "{id}");
    }
    assert!(!solved(&progress_now, "cheaper-check"));

    // Bad input: a clear 4xx, nothing stored.
    let long = "x".repeat(authlab::wire::ANSWER_MAX_CHARS + 1);
    assert_api_error(
        &answer(&server, &token, "jti-of-your-token", &long).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_body",
    );
    assert_api_error(
        &answer(&server, &token, "no-such-thing", "1").await,
        StatusCode::NOT_FOUND,
        "no_such_challenge",
    );
    assert_api_error(
        &answer(&server, &token, "exp-refusal", "1").await,
        StatusCode::CONFLICT,
        "conflict",
    );
}

#[tokio::test]
async fn hints_come_one_at_a_time_counted_then_the_worked_solution() {
    let server = harness().await;
    let (token, _) = learner(&server, "hinted").await;
    let list = server.get("/api/challenges").await.json();
    let hints = list["challenges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "reuse-detected")
        .unwrap()["hints"]
        .as_u64()
        .unwrap();
    assert!(
        entry(&progress(&server, &token).await, "reuse-detected")["revealed"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let mut texts = Vec::new();
    for number in 1..=hints + 2 {
        let hint = server
            .bearer("POST", "/api/challenges/reuse-detected/hint", &token)
            .await
            .json();
        let last = number > hints;
        assert_eq!(hint["solution"], last, "{hint}");
        assert_eq!(hint["number"], number.min(hints + 1));
        texts.push(hint["text"].as_str().unwrap().to_string());
        let used = entry(&progress(&server, &token).await, "reuse-detected")["hints_used"].clone();
        assert_eq!(used, number.min(hints + 1));
    }
    assert_eq!(
        texts[texts.len() - 1],
        texts[texts.len() - 2],
        "the solution, once more"
    );
    // Asking for hints solves nothing.
    assert!(!solved(&progress(&server, &token).await, "reuse-detected"));
}

#[tokio::test]
async fn a_reset_forgets_progress_and_ignores_every_event_before_it() {
    let server = harness().await;
    let (before, refresh) = learner(&server, "resetter").await;
    assert_eq!(server.refresh(&refresh).await.status, StatusCode::OK);
    let (token, refresh) = server.jwt_login("resetter", PASSWORD).await;
    server
        .bearer("POST", "/api/challenges/exp-refusal/hint", &token)
        .await;
    assert!(solved(
        &progress(&server, &token).await,
        "refresh-without-password"
    ));
    // A logout before the reset...
    assert_eq!(
        server.jwt_logout(&before, &refresh).await.status,
        StatusCode::NO_CONTENT
    );

    let reset = server.bearer("POST", "/api/progress/reset", &token).await;
    assert_eq!(reset.status, StatusCode::OK, "{}", reset.text);
    let after = reset.json();
    assert!(solved_ids(&after).is_empty());
    assert_eq!(entry(&after, "exp-refusal")["hints_used"], 0);
    assert!(after["reset_at_ms"].as_i64().is_some());

    // ...does not make a replay after it count: the logout is forgotten with the rest.
    assert_eq!(
        server.bearer("GET", "/api/me", &before).await.status,
        StatusCode::OK
    );
    assert!(!solved(
        &progress(&server, &token).await,
        "replay-after-logout"
    ));
}

#[tokio::test]
async fn progress_lasts_across_a_restart() {
    let server = harness().await;
    let (token, refresh) = learner(&server, "lasting").await;
    assert_eq!(server.refresh(&refresh).await.status, StatusCode::OK);
    let first = progress(&server, &token).await;
    assert!(solved(&first, "refresh-without-password"));

    let crate::common::Harness { state, dir, .. } = server;
    state.maintenance.close().await;
    drop(state);
    let again = harness_in(dir).await;
    let (token, _) = again.jwt_login("lasting", PASSWORD).await;
    let second = progress(&again, &token).await;
    assert_eq!(
        entry(&second, "refresh-without-password")["solved_at_ms"],
        entry(&first, "refresh-without-password")["solved_at_ms"]
    );
}

#[tokio::test]
async fn a_forged_token_of_a_weakened_account_cannot_read_or_reset_its_progress() {
    let server = harness().await;
    let (token, refresh) = learner(&server, "weakened").await;
    assert_eq!(server.refresh(&refresh).await.status, StatusCode::OK);
    assert_eq!(
        switch(&server, &token, &["signature"]).await.status,
        StatusCode::OK
    );
    // Anyone can now write a token the verifier takes for this account.
    let parts: Vec<&str> = token.split('.').collect();
    let mut payload = token_halves(&token).1;
    payload["jti"] = json!("forged-by-someone-else");
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(payload.to_string()),
        parts[2]
    );
    assert_eq!(
        server.bearer("GET", "/api/me", &forged).await.status,
        StatusCode::OK
    );
    for (method, path) in [
        ("GET", "/api/progress"),
        ("GET", "/api/progress/export"),
        ("POST", "/api/progress/reset"),
        ("POST", "/api/challenges/reuse-detected/hint"),
    ] {
        let answer = server.bearer(method, path, &forged).await;
        assert_api_error(&answer, StatusCode::FORBIDDEN, "not_allowed");
    }
    assert!(solved(
        &progress(&server, &token).await,
        "refresh-without-password"
    ));
}

#[tokio::test]
async fn each_learner_sees_and_exports_only_their_own_progress() {
    let server = harness().await;
    let (mine, refresh) = learner(&server, "exporter").await;
    let (theirs, _) = learner(&server, "bystander").await;
    assert_eq!(server.refresh(&refresh).await.status, StatusCode::OK);
    let export = server.bearer("GET", "/api/progress/export", &mine).await;
    assert_eq!(export.status, StatusCode::OK);
    let disposition = export.headers[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap();
    assert!(
        disposition.contains("authlab-progress-exporter.json"),
        "{disposition}"
    );
    let exported = export.json();
    assert_eq!(exported["username"], "exporter");
    assert!(solved(&exported, "refresh-without-password"));
    let other = progress(&server, &theirs).await;
    assert_eq!(other["username"], "bystander");
    assert!(solved_ids(&other).is_empty());
    // Without a credential: nobody's.
    assert_eq!(
        server.get("/api/progress").await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_runs_scratch_accounts_count_for_the_learner_who_started_it() {
    let server = harness().await;
    let (token, _) = learner(&server, "matrix-runner").await;
    let run = server
        .bearer("POST", "/api/lab/logout-matrix", &token)
        .await;
    assert_eq!(run.status, StatusCode::OK, "{}", run.text);
    let progress_now = progress(&server, &token).await;
    // The run logged its own session out and replayed the cookie: that counts...
    assert!(
        solved(&progress_now, "old-cookie-refused"),
        "{progress_now}"
    );
    // ...but the replay challenges ask for the learner's own token.
    assert!(!solved(&progress_now, "replay-after-logout"));
    // Nobody else's progress moved.
    let (bob, _) = server.jwt_login("bob", "bob-builds-it").await;
    assert!(solved_ids(&progress(&server, &bob).await).is_empty());
}

#[tokio::test]
async fn the_list_names_every_challenge_with_its_tier_lesson_and_claims() {
    let server = harness().await;
    let list = server.get("/api/challenges").await;
    assert_eq!(list.status, StatusCode::OK);
    let challenges = list.json()["challenges"].as_array().unwrap().clone();
    assert!(challenges.len() >= 24);
    for tier in ["apprentice", "practitioner", "expert"] {
        assert!(challenges.iter().any(|c| c["tier"] == tier), "{tier}");
    }
    for challenge in &challenges {
        assert!(!challenge["claims"].as_array().unwrap().is_empty());
        assert!(challenge["hints"].as_u64().unwrap() >= 1);
        // The list never carries a hint's text or the solution.
        assert!(challenge.get("solution").is_none());
    }
}

#[tokio::test]
async fn forged_tokens_solve_only_with_the_learners_own_defence_off() {
    let server = harness().await;
    let (token, _) = learner(&server, "forger").await;
    let (header, payload) = token_halves(&token);
    let unsigned = forge(
        &server,
        json!({"typ": "at+jwt"}),
        payload.clone(),
        json!({"how": "alg_none", "spelling": "none"}),
    )
    .await;
    let embedded = forge(
        &server,
        header.clone(),
        payload.clone(),
        json!({"how": "attacker_key", "alg": "EdDSA", "placement": "jwk"}),
    )
    .await;
    // Every defence on: both refused, nothing solved.
    for forged in [&unsigned, &embedded] {
        assert_eq!(
            server.bearer("GET", "/api/me", forged).await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let progress_now = progress(&server, &token).await;
    assert!(!solved(&progress_now, "alg-none-accepted"));
    assert!(!solved(&progress_now, "embedded-key-accepted"));

    let off = switch(&server, &token, &["alg_pinning", "embedded_jwk"]).await;
    assert_eq!(off.status, StatusCode::OK, "{}", off.text);
    // The genuine token, accepted as ever: solves neither.
    assert_eq!(
        server.bearer("GET", "/api/me", &token).await.status,
        StatusCode::OK
    );
    let progress_now = progress(&server, &token).await;
    assert!(!solved(&progress_now, "alg-none-accepted"));
    assert!(!solved(&progress_now, "embedded-key-accepted"));
    for forged in [&unsigned, &embedded] {
        assert_eq!(
            server.bearer("GET", "/api/me", forged).await.status,
            StatusCode::OK
        );
    }
    let progress_now = progress(&server, &token).await;
    assert!(solved(&progress_now, "alg-none-accepted"));
    assert!(solved(&progress_now, "embedded-key-accepted"));
    assert!(!solved(&progress_now, "weak-secret-forged"));
}

#[tokio::test]
async fn a_token_forged_with_the_cracked_secret_solves_it_and_the_genuine_one_does_not() {
    let server = harness().await;
    let (token, _) = learner(&server, "cracker").await;
    assert_eq!(
        switch(&server, &token, &["weak_secret"]).await.status,
        StatusCode::OK
    );
    let (genuine, _) = server.jwt_login("cracker", PASSWORD).await;
    // The genuine HS256 token, signed by the weak key and accepted: not a forgery.
    assert_eq!(
        server.bearer("GET", "/api/me", &genuine).await.status,
        StatusCode::OK
    );
    assert!(!solved(
        &progress(&server, &token).await,
        "weak-secret-forged"
    ));

    let word = authlab::auth::weak_secret::crack(&genuine)
        .0
        .expect("a word of the list");
    let (header, mut payload) = token_halves(&genuine);
    payload["jti"] = json!("made-by-the-learner");
    // A wrong guess first: refused at the signature.
    let wrong = forge(
        &server,
        header.clone(),
        payload.clone(),
        json!({"how": "hmac", "secret": "not-the-word"}),
    )
    .await;
    assert_eq!(
        server.bearer("GET", "/api/me", &wrong).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert!(!solved(
        &progress(&server, &token).await,
        "weak-secret-forged"
    ));
    let forged = forge(
        &server,
        header,
        payload,
        json!({"how": "hmac", "secret": word}),
    )
    .await;
    let answer = server.bearer("GET", "/api/me", &forged).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert!(solved(
        &progress(&server, &token).await,
        "weak-secret-forged"
    ));
}

#[tokio::test]
async fn a_planted_id_kept_by_the_login_and_used_solves_fixation() {
    let server = harness().await;
    let (token, _) = learner(&server, "fixation").await;
    let planted = "LearnerPlantedId12345A";
    // Rotation on: the planted id is replaced and refused.
    login_with_planted(&server, "fixation", planted).await;
    assert_eq!(
        as_holder_of(&server, planted, "/api/me").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert!(!solved(
        &progress(&server, &token).await,
        "fixation-planted"
    ));
    assert_eq!(
        switch(&server, &token, &["session_rotation"]).await.status,
        StatusCode::OK
    );
    assert_eq!(
        login_with_planted(&server, "fixation", planted).await,
        planted
    );
    assert_eq!(
        as_holder_of(&server, planted, "/api/me").await.status,
        StatusCode::OK
    );
    assert!(solved(&progress(&server, &token).await, "fixation-planted"));
}

#[tokio::test]
async fn a_forged_cross_site_logout_solves_it_only_on_the_weakened_account() {
    let server = harness().await;
    server.register("csrf-learner", PASSWORD).await;
    let (token, _) = server.jwt_login("csrf-learner", PASSWORD).await;
    let session = server.session_login("csrf-learner", PASSWORD).await;
    let refused = forged_logout(&server, Some(&session)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(!solved(
        &progress(&server, &token).await,
        "forged-form-logout"
    ));

    assert_eq!(weaken(&server, &session, true).await.status, StatusCode::OK);
    let session = server.session_login("csrf-learner", PASSWORD).await;
    let forged = forged_logout(&server, Some(&session)).await;
    assert_eq!(forged.status, StatusCode::NO_CONTENT, "{}", forged.text);
    assert!(solved(
        &progress(&server, &token).await,
        "forged-form-logout"
    ));
}

#[tokio::test]
async fn the_cost_run_and_the_first_html_are_the_servers_own_records() {
    let server = harness().await;
    server.register("measurer", PASSWORD).await;
    let (token, _) = server.jwt_login("measurer", PASSWORD).await;
    let run = server
        .send(
            Request::post("/api/lab/cost-benchmark")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(run.status, StatusCode::OK, "{}", run.text);
    let rows = run.json()["rows"].as_array().unwrap().clone();
    let median = |prefix: &str| {
        rows.iter()
            .find(|r| r["what"].as_str().unwrap().starts_with(prefix))
            .unwrap()["median_ns"]
            .as_u64()
            .unwrap()
    };
    let (session_ns, token_ns) = (median("session lookup"), median("signature check, EdDSA"));
    let (right, wrong) = if session_ns <= token_ns {
        ("session", "token")
    } else {
        ("token", "session")
    };
    assert_eq!(
        answer(&server, &token, "cheaper-check", wrong).await.json()["correct"],
        false
    );
    assert_eq!(
        answer(&server, &token, "cheaper-check", right).await.json()["correct"],
        true
    );

    // A page rendered for the bearer-only learner knows nobody; for a cookie, it knows them.
    assert_eq!(
        server
            .bearer("GET", "/lessons/ssr-and-hydration", &token)
            .await
            .status,
        StatusCode::OK
    );
    assert!(!solved(
        &progress(&server, &token).await,
        "first-html-knows-you"
    ));
    let session = server.session_login("measurer", PASSWORD).await;
    assert_eq!(
        server
            .get_as(&session, "/lessons/ssr-and-hydration")
            .await
            .status,
        StatusCode::OK
    );
    assert!(solved(
        &progress(&server, &token).await,
        "first-html-knows-you"
    ));
}

/// Register `name` from a page signed in with `token` (a lesson's experiment does this).
async fn register_as(server: &Harness, token: &str, name: &str) -> Answer {
    server
        .send(
            Request::post("/api/register")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(
                    json!({"username": name, "password": PASSWORD}).to_string(),
                ))
                .unwrap(),
        )
        .await
}

#[tokio::test]
async fn an_account_made_by_a_runs_own_account_counts_for_the_learner_behind_it() {
    let server = harness().await;
    let (token, _) = learner(&server, "chain-learner").await;
    let learner_id = server
        .state
        .auth
        .account_settings
        .id_of("chain-learner")
        .await
        .unwrap()
        .unwrap();
    // The learner's page makes a lesson account, signs in as it, and that one makes another.
    let first = register_as(&server, &token, "lesson-chain-1").await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    let (as_first, _) = server.jwt_login("lesson-chain-1", PASSWORD).await;
    let second = register_as(&server, &as_first, "lesson-chain-2").await;
    assert_eq!(second.status, StatusCode::CREATED, "{}", second.text);
    // The second account's refresh counts for the learner, not for the first lesson account.
    let (_, refresh) = server.jwt_login("lesson-chain-2", PASSWORD).await;
    assert_eq!(server.refresh(&refresh).await.status, StatusCode::OK);
    assert!(solved(
        &progress(&server, &token).await,
        "refresh-without-password"
    ));
    // The lesson account speaks for the learner behind it: its progress is theirs.
    let through_the_lesson = progress(&server, &as_first).await;
    assert_eq!(through_the_lesson["username"], "chain-learner");
    assert!(solved(&through_the_lesson, "refresh-without-password"));
    let second_id = server
        .state
        .auth
        .account_settings
        .id_of("lesson-chain-2")
        .await
        .unwrap()
        .unwrap();
    let owner: (i64,) =
        sqlx::query_as("SELECT learner_id FROM challenge_owners WHERE account_id = ?")
            .bind(second_id)
            .fetch_one(&server.sql)
            .await
            .unwrap();
    assert_eq!(owner.0, learner_id);
}

/// A client calling the API over and over with one genuine token costs one event, not a write
/// per request (the bearer path's throughput depends on it); after a logout, the same token's
/// next use is recorded again, so the replay still counts.
#[tokio::test]
async fn a_genuine_tokens_repeated_use_is_recorded_once_until_a_logout() {
    let server = harness().await;
    let (token, refresh) = learner(&server, "repeated-use").await;
    for _ in 0..50 {
        assert_eq!(
            server.bearer("GET", "/api/me", &token).await.status,
            StatusCode::OK
        );
    }
    server.state.auth.challenges.flush().await;
    let judged = || async {
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT body FROM challenge_events WHERE body LIKE '%\"kind\":\"judged\"%'",
        )
        .fetch_all(&server.sql)
        .await
        .unwrap();
        rows.len()
    };
    assert_eq!(judged().await, 1, "fifty uses of one token, one event");
    assert_eq!(
        server.jwt_logout(&token, &refresh).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        server.bearer("GET", "/api/me", &token).await.status,
        StatusCode::OK
    );
    server.state.auth.challenges.flush().await;
    assert_eq!(
        judged().await,
        2,
        "the first use after the logout is recorded"
    );
    let (fresh, _) = server.jwt_login("repeated-use", PASSWORD).await;
    assert!(solved(
        &progress(&server, &fresh).await,
        "replay-after-logout"
    ));
}
