//! The learner's own sign-in, set aside while an experiment signs the browser in as one of the
//! learner's scratch accounts, and given back after (`api::set_aside`): given back only while
//! it is still live and the learner's, never resurrected, never handed to anyone else.

use crate::common::{harness, Answer, CookieSession, Harness};
use authlab::api::{cookies, set_aside};
use axum::{
    body::Body,
    http::{header, Request, StatusCode},
};
use serde_json::json;

const PASSWORD: &str = "a-lesson-password-1";

/// A POST from this lab's own pages, carrying `jar` as its `Cookie` header.
async fn post(server: &Harness, path: &str, jar: &[(&str, &str)], body: Option<String>) -> Answer {
    let cookie = jar
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join("; ");
    let mut request = Request::post(path).header("sec-fetch-site", "same-origin");
    if !cookie.is_empty() {
        request = request.header(header::COOKIE, cookie);
    }
    if body.is_some() {
        request = request.header(header::CONTENT_TYPE, "application/json");
    }
    server
        .send(
            request
                .body(body.map(Body::from).unwrap_or_default())
                .unwrap(),
        )
        .await
}

/// `POST /api/give-back` from a browser holding `jar`.
async fn give_back(server: &Harness, jar: &[(&str, &str)]) -> Answer {
    post(server, "/api/give-back", jar, None).await
}

fn credentials(name: &str) -> Option<String> {
    Some(json!({"username": name, "password": PASSWORD}).to_string())
}

/// Register `name` from a page whose browser holds `jar` (a lesson's experiment does this: the
/// account is then the signed-in learner's).
async fn register_from(server: &Harness, jar: &[(&str, &str)], name: &str) {
    let made = post(server, "/api/register", jar, credentials(name)).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
}

/// Alice, signed in by cookie, runs an experiment: her page makes `scratch` (hers) and signs the
/// browser in as it. Her session, and the experiment's login answer.
async fn experiment_signs_in(server: &Harness, scratch: &str) -> (CookieSession, Answer) {
    let alice = server.session_login("alice", "alice-in-the-lab").await;
    let jar = [(cookies::NAME, alice.id.as_str())];
    register_from(server, &jar, scratch).await;
    let login = post(server, "/api/session/login", &jar, credentials(scratch)).await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.text);
    (alice, login)
}

/// Whose live session `id` is, asked the way a page asks.
async fn session_owner(server: &Harness, id: &str) -> Option<String> {
    let answer = server
        .send(
            Request::get("/api/session/current")
                .header(header::COOKIE, format!("{}={id}", cookies::NAME))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    answer.json()["username"].as_str().map(str::to_string)
}

fn set(answer: &Answer, name: &str) -> Option<String> {
    cookies::set_by(&answer.headers, name)
}

/// Whether the answer tells the browser to drop cookie `name`.
fn clears(answer: &Answer, name: &str) -> bool {
    answer
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .any(|value| value.starts_with(&format!("{name}=;")) && value.contains("Max-Age=0"))
}

#[tokio::test]
async fn an_experiments_session_login_sets_the_learners_session_aside_and_gives_it_back() {
    let server = harness().await;
    let (alice, login) = experiment_signs_in(&server, "lesson-aside1").await;
    let experiment = set(&login, cookies::NAME).expect("the experiment's own session");
    assert_ne!(
        experiment, alice.id,
        "a login never adopts the id it came with"
    );
    let parked = set(&login, set_aside::SESSION).expect("the learner's session is parked");
    assert_eq!(parked, alice.id);
    let header = login
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|value| value.starts_with(set_aside::SESSION))
        .unwrap()
        .to_string();
    for flag in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
        assert!(header.contains(flag), "{flag} missing: {header}");
    }
    // Set aside, not ended: the learner's session is still theirs.
    assert_eq!(
        session_owner(&server, &alice.id).await.as_deref(),
        Some("alice")
    );
    assert_eq!(
        session_owner(&server, &experiment).await.as_deref(),
        Some("lesson-aside1")
    );

    let back = give_back(
        &server,
        &[(cookies::NAME, &experiment), (set_aside::SESSION, &parked)],
    )
    .await;
    assert_eq!(back.status, StatusCode::OK, "{}", back.text);
    assert_eq!(back.json()["session"], "alice");
    assert_eq!(
        set(&back, cookies::NAME).as_deref(),
        Some(alice.id.as_str())
    );
    assert!(
        clears(&back, set_aside::SESSION),
        "the parked copy is dropped"
    );

    // Nothing parked: nothing given back, nothing set.
    let again = give_back(&server, &[(cookies::NAME, &alice.id)]).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.json(), json!({"session": null, "refresh": null}));
    assert!(again.headers.get(header::SET_COOKIE).is_none());
}

#[tokio::test]
async fn a_session_logged_out_while_set_aside_is_not_resurrected_by_give_back() {
    let server = harness().await;
    let (alice, login) = experiment_signs_in(&server, "lesson-aside2").await;
    let parked = set(&login, set_aside::SESSION).expect("parked");
    // Meanwhile the learner logs out (from another tab, or everywhere after a theft).
    let out = server.write_as(&alice, "POST", "/api/session/logout").await;
    assert_eq!(out.status, StatusCode::NO_CONTENT, "{}", out.text);

    let back = give_back(&server, &[(set_aside::SESSION, &parked)]).await;
    assert_eq!(back.status, StatusCode::OK, "{}", back.text);
    assert_eq!(back.json()["session"], serde_json::Value::Null);
    assert_eq!(
        set(&back, cookies::NAME),
        None,
        "no session cookie comes back"
    );
    assert!(clears(&back, set_aside::SESSION));
    assert_eq!(session_owner(&server, &alice.id).await, None);
}

#[tokio::test]
async fn a_login_as_someone_elses_scratch_account_still_ends_the_session_it_came_with() {
    let server = harness().await;
    // Bob's page made the scratch account; Alice's browser signs in as it (with its password).
    let bob = server.session_login("bob", "bob-builds-it").await;
    register_from(
        &server,
        &[(cookies::NAME, bob.id.as_str())],
        "lesson-aside3",
    )
    .await;
    let alice = server.session_login("alice", "alice-in-the-lab").await;
    let login = post(
        &server,
        "/api/session/login",
        &[(cookies::NAME, alice.id.as_str())],
        credentials("lesson-aside3"),
    )
    .await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.text);
    assert_eq!(
        set(&login, set_aside::SESSION),
        None,
        "not the owner's: nothing parked"
    );
    assert_eq!(
        session_owner(&server, &alice.id).await,
        None,
        "the id the browser came with is ended, as every login ends it"
    );
    // Nor does a real account's login park anything.
    let bob_again = post(
        &server,
        "/api/session/login",
        &[(cookies::NAME, bob.id.as_str())],
        Some(json!({"username": "alice", "password": "alice-in-the-lab"}).to_string()),
    )
    .await;
    assert_eq!(bob_again.status, StatusCode::OK);
    assert_eq!(set(&bob_again, set_aside::SESSION), None);
    assert_eq!(session_owner(&server, &bob.id).await, None);
}

#[tokio::test]
async fn a_planted_parked_cookie_cannot_sign_the_browser_in_as_a_scratch_account() {
    let server = harness().await;
    // A parked copy naming a live session of a scratch account (an experiment's, planted by a
    // script): the give-back hands out the learner's own accounts only.
    server.register("lesson-aside4", PASSWORD).await;
    let scratch = server.session_login("lesson-aside4", PASSWORD).await;
    let back = give_back(&server, &[(set_aside::SESSION, &scratch.id)]).await;
    assert_eq!(back.status, StatusCode::OK, "{}", back.text);
    assert_eq!(back.json()["session"], serde_json::Value::Null);
    assert_eq!(set(&back, cookies::NAME), None);
    // Nor one that names nothing.
    let made_up = "AAAAAAAAAAAAAAAAAAAAAA";
    let back = give_back(&server, &[(set_aside::SESSION, made_up)]).await;
    assert_eq!(back.json()["session"], serde_json::Value::Null);
}

#[tokio::test]
async fn a_cross_site_give_back_is_refused() {
    let server = harness().await;
    let alice = server.session_login("alice", "alice-in-the-lab").await;
    let answer = server
        .send(
            Request::post("/api/give-back")
                .header("sec-fetch-site", "cross-site")
                .header(
                    header::COOKIE,
                    format!("{}={}", set_aside::SESSION, alice.id),
                )
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN, "{}", answer.text);
    assert_eq!(set(&answer, cookies::NAME), None);
}

#[tokio::test]
async fn an_experiments_bearer_login_sets_the_learners_refresh_cookie_aside_and_gives_it_back() {
    let server = harness().await;
    let (token, refresh) = server.jwt_login("alice", "alice-in-the-lab").await;
    let made = server
        .send(
            Request::post("/api/register")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(credentials("lesson-aside5").unwrap()))
                .unwrap(),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    let refresh_cookie = authlab::auth::refresh::COOKIE;
    let login = post(
        &server,
        "/api/jwt/login",
        &[(refresh_cookie, refresh.as_str())],
        credentials("lesson-aside5"),
    )
    .await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.text);
    let experiment = set(&login, refresh_cookie).expect("the experiment's refresh cookie");
    assert_ne!(experiment, refresh);
    assert_eq!(
        set(&login, set_aside::REFRESH).as_deref(),
        Some(refresh.as_str())
    );

    let back = give_back(&server, &[(set_aside::REFRESH, &refresh)]).await;
    assert_eq!(back.json()["refresh"], "alice");
    assert_eq!(
        set(&back, refresh_cookie).as_deref(),
        Some(refresh.as_str())
    );
    assert!(clears(&back, set_aside::REFRESH));
    // And it still works: the learner's family was never spent or ended.
    let refreshed = server.refresh(&refresh).await;
    assert_eq!(refreshed.status, StatusCode::OK, "{}", refreshed.text);
    // Spent now: a parked copy of it is not given back (no resurrected refresh token).
    let back = give_back(&server, &[(set_aside::REFRESH, &refresh)]).await;
    assert_eq!(back.json()["refresh"], serde_json::Value::Null);
    assert_eq!(set(&back, refresh_cookie), None);
}

#[tokio::test]
async fn an_experiments_bff_login_sets_the_learners_session_aside_rather_than_ending_it() {
    let server = harness().await;
    let alice = server.session_login("alice", "alice-in-the-lab").await;
    let jar = [(cookies::NAME, alice.id.as_str())];
    register_from(&server, &jar, "lesson-bffaside").await;
    let login = post(
        &server,
        "/api/bff/login",
        &jar,
        credentials("lesson-bffaside"),
    )
    .await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.text);
    let parked = set(&login, set_aside::SESSION).expect("the learner's session is parked");
    assert_eq!(parked, alice.id);
    // Set aside, not ended: the learner's session is still theirs.
    assert_eq!(
        session_owner(&server, &alice.id).await.as_deref(),
        Some("alice")
    );
}
