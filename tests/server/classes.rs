//! Classroom mode (`api::classes`): a teacher opens a class, learners join it with its code, the
//! teacher watches, resets, exports and closes it. Each test is named after what it holds the lab
//! to: nobody reads what is not theirs, codes are not guessed in bulk, a teacher sees nothing from
//! before a learner joined, and the grid, the CSV and the switches say what really happened.

use crate::common::{assert_api_error, harness, harness_with, Answer, Harness};
use authlab::wire::Role;
use axum::{
    body::Body,
    http::{header, Request, StatusCode},
};
use serde_json::{json, Value};

const PASSWORD: &str = "class-password-1";
/// A week from now.
fn next_week() -> i64 {
    authlab::db::unix_now() + 7 * 86_400
}

/// Make `name` a teacher (as an administrator would) and sign it in with a bearer token.
async fn teacher(server: &Harness, name: &str) -> String {
    server.register(name, PASSWORD).await;
    let id = server
        .state
        .auth
        .users
        .id_of(name)
        .await
        .unwrap()
        .expect("registered");
    server
        .state
        .auth
        .users
        .set_role(id, Role::Teacher)
        .await
        .unwrap();
    server.state.auth.accounts.forget(id);
    server.jwt_login(name, PASSWORD).await.0
}

/// A learner signed in with a bearer token: (access, refresh).
async fn learner(server: &Harness, name: &str) -> (String, String) {
    server.register(name, PASSWORD).await;
    server.jwt_login(name, PASSWORD).await
}

/// Open a class with `switches` (JSON); its view.
async fn open_with(server: &Harness, teacher: &str, name: &str, switches: Value) -> Value {
    let body = json!({"name": name, "ends_at": next_week(), "switches": switches}).to_string();
    let opened = server
        .bearer_json("POST", "/api/classes", teacher, &body)
        .await;
    assert_eq!(opened.status, StatusCode::CREATED, "{}", opened.text);
    opened.json()
}

fn default_switches() -> Value {
    json!({"hints": true, "solutions": true, "scale_lab": true, "expire_accounts": false})
}

async fn open(server: &Harness, teacher: &str, name: &str) -> Value {
    open_with(server, teacher, name, default_switches()).await
}

async fn join(server: &Harness, token: &str, code: &str) -> Answer {
    server
        .bearer_json(
            "POST",
            "/api/classes/join",
            token,
            &json!({ "code": code }).to_string(),
        )
        .await
}

async fn grid(server: &Harness, teacher: &str, class: &Value) -> Value {
    let answer = server
        .bearer(
            "GET",
            &format!("/api/classes/{}/grid", class["id"]),
            teacher,
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    answer.json()
}

/// The row of `username` in `grid`.
fn row<'a>(grid: &'a Value, username: &str) -> &'a Value {
    grid["learners"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["username"] == username)
        .unwrap_or_else(|| panic!("{username} is not in the grid: {grid}"))
}

/// The cell of challenge `id` in `row`.
fn cell<'a>(grid: &Value, row: &'a Value, id: &str) -> &'a Value {
    let column = grid["challenges"]
        .as_array()
        .unwrap()
        .iter()
        .position(|c| c == id)
        .unwrap();
    &row["cells"][column]
}

/// Solve `replay-after-logout` as `name`: log in, log out, use the old token. A fresh token.
async fn solve_replay(server: &Harness, name: &str) -> String {
    let (before, refresh) = server.jwt_login(name, PASSWORD).await;
    assert_eq!(
        server.jwt_logout(&before, &refresh).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        server.bearer("GET", "/api/me", &before).await.status,
        StatusCode::OK
    );
    let (fresh, _) = server.jwt_login(name, PASSWORD).await;
    server.state.auth.challenges.flush().await;
    fresh
}

#[tokio::test]
async fn a_learner_cannot_read_a_class_grid_another_learners_progress_or_audit() {
    let server = harness().await;
    let teacher_token = teacher(&server, "teach-a").await;
    let class = open(&server, &teacher_token, "Monday group").await;
    let code = class["code"].as_str().unwrap();
    let (ann, _) = learner(&server, "ann-1").await;
    let (bea, _) = learner(&server, "bea-1").await;
    assert_eq!(join(&server, &ann, code).await.status, StatusCode::OK);
    assert_eq!(join(&server, &bea, code).await.status, StatusCode::OK);
    solve_replay(&server, "ann-1").await;

    let id = class["id"].as_i64().unwrap();
    for path in [
        format!("/api/classes/{id}/grid"),
        format!("/api/classes/{id}/export.csv"),
        format!("/api/classes/{id}/learners/ann-1"),
        "/api/classes".to_string(),
    ] {
        let answer = server.bearer("GET", &path, &bea).await;
        assert_api_error(&answer, StatusCode::FORBIDDEN, "not_allowed");
        assert!(!answer.text.contains("replay-after-logout"), "{path}");
    }
    // Her own progress and audit are hers alone.
    let progress = server.bearer("GET", "/api/progress", &bea).await.json();
    assert_eq!(progress["username"], "bea-1");
    assert!(progress["challenges"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["solved_at_ms"].is_null()));
    let audit = server.bearer("GET", "/api/audit", &bea).await.json();
    assert!(audit
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["username"] == "bea-1"));
    // Resetting or closing is the teacher's too.
    for path in [
        format!("/api/classes/{id}/learners/ann-1/reset"),
        format!("/api/classes/{id}/reset"),
        format!("/api/classes/{id}/close"),
    ] {
        let answer = server.bearer("POST", &path, &bea).await;
        assert_api_error(&answer, StatusCode::FORBIDDEN, "not_allowed");
    }
    let still = grid(&server, &teacher_token, &class).await;
    assert!(!cell(&still, row(&still, "ann-1"), "replay-after-logout")["solved_at_ms"].is_null());
}

#[tokio::test]
async fn a_teacher_cannot_read_or_change_another_teachers_class() {
    let server = harness().await;
    let mine = teacher(&server, "teach-mine").await;
    let theirs = teacher(&server, "teach-theirs").await;
    let class = open(&server, &theirs, "Their class").await;
    let (ann, _) = learner(&server, "ann-2").await;
    assert_eq!(
        join(&server, &ann, class["code"].as_str().unwrap())
            .await
            .status,
        StatusCode::OK
    );
    let id = class["id"].as_i64().unwrap();
    // Another teacher's class and a class that does not exist get the same answer.
    for (method, path) in [
        ("GET", format!("/api/classes/{id}/grid")),
        ("GET", format!("/api/classes/{id}/grid?wait=x")),
        ("GET", format!("/api/classes/{id}/export.csv")),
        ("GET", format!("/api/classes/{id}/learners/ann-2")),
        ("POST", format!("/api/classes/{id}/learners/ann-2/reset")),
        ("POST", format!("/api/classes/{id}/reset")),
        ("POST", format!("/api/classes/{id}/close")),
        ("GET", "/api/classes/999999/grid".to_string()),
        ("GET", "/api/classes/not-a-number/grid".to_string()),
    ] {
        let answer = server.bearer(method, &path, &mine).await;
        let reason = assert_api_error(&answer, StatusCode::NOT_FOUND, "not_found");
        assert_eq!(reason, "no such class among yours", "{method} {path}");
    }
    // Their list holds only their own classes; the administrator's holds every one.
    let listed = server.bearer("GET", "/api/classes", &mine).await.json();
    assert_eq!(listed.as_array().unwrap().len(), 0);
    let (admin, _) = server.jwt_login("alice", "alice-in-the-lab").await;
    let all = server.bearer("GET", "/api/classes", &admin).await.json();
    assert_eq!(all.as_array().unwrap().len(), 1);
    assert_eq!(all[0]["teacher"], "teach-theirs");
    // The class is untouched.
    let grid = grid(&server, &theirs, &class).await;
    assert_eq!(grid["class"]["closed"], false);
    assert_eq!(grid["learners"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_teacher_sees_nothing_a_learner_did_before_joining() {
    let server = harness().await;
    let teacher_token = teacher(&server, "teach-b").await;
    let class = open(&server, &teacher_token, "Tuesday group").await;
    // Before joining: a solve, and audit rows (logins, a logout, the replay).
    learner(&server, "cleo-1").await;
    let token = solve_replay(&server, "cleo-1").await;
    let before: Value = server.bearer("GET", "/api/progress", &token).await.json();
    assert!(before["challenges"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["id"] == "replay-after-logout" && !c["solved_at_ms"].is_null()));
    server.state.auth.audit.flush().await;
    let joined = join(&server, &token, class["code"].as_str().unwrap()).await;
    assert_eq!(joined.status, StatusCode::OK, "{}", joined.text);
    let joined_at = joined.json()["joined_at_ms"].as_i64().unwrap();

    let grid = grid(&server, &teacher_token, &class).await;
    let row = row(&grid, "cleo-1");
    assert!(row["cells"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["solved_at_ms"].is_null() && c["hints_used"] == 0));
    let trail = server
        .bearer(
            "GET",
            &format!("/api/classes/{}/learners/cleo-1", class["id"]),
            &teacher_token,
        )
        .await;
    assert_eq!(trail.status, StatusCode::OK, "{}", trail.text);
    let events = trail.json()["events"].as_array().unwrap().clone();
    // Only the join itself (and whatever came after it): no login, logout or replay from before.
    assert!(!events.is_empty());
    assert!(events
        .iter()
        .all(|e| e["at_ms"].as_i64().unwrap() >= joined_at));
    assert!(events.iter().any(|e| e["action"] == "class joined"));
    assert!(!events.iter().any(|e| e["action"] == "jwt logout"));
    // What joining shares is said by the server too, in the learner's own log.
    let own = server.bearer("GET", "/api/audit", &token).await.json();
    assert!(own
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["action"] == "class joined"
            && e["detail"].as_str().unwrap().contains("from now on")));
}

#[tokio::test]
async fn join_codes_cannot_be_guessed_in_bulk() {
    // The address limit set low here so the test stays short; the account limit is the default.
    let server = harness_with(|settings| {
        settings.limits.join_per_address = "25/10m".parse().unwrap();
    })
    .await;
    let teacher_token = teacher(&server, "teach-c").await;
    let class = open(&server, &teacher_token, "Guarded").await;
    let code = class["code"].as_str().unwrap().to_string();
    // The code the server drew: at least 40 bits.
    let bits = code.len() as f64 * (authlab::wire::CODE_ALPHABET.len() as f64).log2();
    assert!(bits >= 40.0, "{code}: {bits} bits");
    let wrong = |n: usize| format!("{:0>8}", n.to_string().replace('1', "2"));

    // One account: ten attempts in ten minutes, right or wrong, then 429 even for the right code.
    let (guesser, _) = learner(&server, "guess-0").await;
    for n in 0..10 {
        let answer = join(&server, &guesser, &wrong(n)).await;
        assert_api_error(&answer, StatusCode::NOT_FOUND, "not_found");
    }
    let answer = join(&server, &guesser, &code).await;
    assert_api_error(&answer, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    assert!(answer.headers.contains_key(header::RETRY_AFTER));

    // Many accounts from one address: the address's own ceiling, again whatever the code.
    let mut refused = 0;
    for account in 1..=3 {
        let (token, _) = learner(&server, &format!("guess-{account}")).await;
        for n in 0..10 {
            let answer = join(&server, &token, &wrong(100 * account + n)).await;
            if answer.status == StatusCode::TOO_MANY_REQUESTS {
                refused += 1;
            }
        }
    }
    assert_eq!(refused, 30 - 15, "25 per address, 10 of them used above");
    let (late, _) = learner(&server, "late-joiner").await;
    let answer = join(&server, &late, &code).await;
    assert_api_error(&answer, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    // Nobody got in by guessing, and every refusal is in the guessers' logs.
    let grid = grid(&server, &teacher_token, &class).await;
    assert_eq!(grid["learners"].as_array().unwrap().len(), 0);
    let log = server.bearer("GET", "/api/audit", &guesser).await.json();
    assert!(log
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["action"] == "class join refused"));
}

#[tokio::test]
async fn joining_is_a_post_from_the_labs_own_pages_with_the_csrf_token() {
    let server = harness().await;
    let teacher_token = teacher(&server, "teach-d").await;
    let class = open(&server, &teacher_token, "Forms").await;
    let code = class["code"].as_str().unwrap();
    server.register("dora-1", PASSWORD).await;
    let session = server.session_login("dora-1", PASSWORD).await;
    let body = json!({ "code": code }).to_string();
    let post = |site: &'static str, csrf: Option<String>| {
        let mut request = Request::post("/api/classes/join")
            .header(header::COOKIE, session.cookie_header())
            .header(header::CONTENT_TYPE, "application/json")
            .header("sec-fetch-site", site);
        if let Some(csrf) = csrf {
            request = request.header("x-csrf-token", csrf);
        }
        request.body(Body::from(body.clone())).unwrap()
    };
    // Another site's form (the cookie rides along) and a request without the token: refused.
    let forged = server
        .send(post("cross-site", Some(session.csrf.clone())))
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "{}", forged.text);
    let tokenless = server.send(post("same-origin", None)).await;
    assert_eq!(
        tokenless.status,
        StatusCode::FORBIDDEN,
        "{}",
        tokenless.text
    );
    // A GET link joins nobody.
    let link = server
        .send(
            Request::get(format!("/api/classes/join?code={code}"))
                .header(header::COOKIE, session.cookie_header())
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(link.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        grid(&server, &teacher_token, &class).await["learners"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    // The lab's own page, with the token: in.
    let joined = server
        .send(post("same-origin", Some(session.csrf.clone())))
        .await;
    assert_eq!(joined.status, StatusCode::OK, "{}", joined.text);
    assert_eq!(joined.json()["name"], "Forms");
    let mine = server.get_as(&session, "/api/account/class").await.json();
    assert_eq!(mine["teacher"], "teach-d");
}

#[tokio::test]
async fn a_class_runs_from_open_to_close_and_its_csv_holds_exactly_the_grid() {
    let server = harness().await;
    let teacher_token = teacher(&server, "teach-e").await;
    let class = open_with(
        &server,
        &teacher_token,
        "=HYPERLINK(\"x\")",
        json!({"hints": true, "solutions": true, "scale_lab": true, "expire_accounts": true}),
    )
    .await;
    let code = class["code"].as_str().unwrap().to_lowercase();
    // Registration joins in the same request (the code as typed, any case).
    let registered = server
        .post_json(
            "/api/register",
            json!({"username": "-eve", "password": PASSWORD, "class_code": code}).to_string(),
        )
        .await;
    assert_eq!(
        registered.status,
        StatusCode::CREATED,
        "{}",
        registered.text
    );
    assert_eq!(registered.json()["class"], "=HYPERLINK(\"x\")");
    // A wrong code loses nothing: no account is made, and the name stays free.
    let wrong = server
        .post_json(
            "/api/register",
            json!({"username": "finn-1", "password": PASSWORD, "class_code": "ZZZZZZZZ"})
                .to_string(),
        )
        .await;
    assert_api_error(&wrong, StatusCode::NOT_FOUND, "not_found");
    let (finn, _) = learner(&server, "finn-1").await;
    assert_eq!(
        join(&server, &finn, class["code"].as_str().unwrap())
            .await
            .status,
        StatusCode::OK
    );

    // Eve solves one and takes a hint on another; the grid says so.
    solve_replay(&server, "-eve").await;
    let (eve, _) = server.jwt_login("-eve", PASSWORD).await;
    let hint = server
        .bearer("POST", "/api/challenges/revoke-before-exp/hint", &eve)
        .await;
    assert_eq!(hint.status, StatusCode::OK, "{}", hint.text);
    let grid_now = grid(&server, &teacher_token, &class).await;
    let eve_row = row(&grid_now, "-eve");
    assert!(!cell(&grid_now, eve_row, "replay-after-logout")["solved_at_ms"].is_null());
    assert_eq!(
        cell(&grid_now, eve_row, "revoke-before-exp")["hints_used"],
        1
    );

    // The CSV: the grid's rows, formula cells escaped.
    let csv = server
        .bearer(
            "GET",
            &format!("/api/classes/{}/export.csv", class["id"]),
            &teacher_token,
        )
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let typed: authlab::wire::Grid = serde_json::from_value(grid_now.clone()).unwrap();
    assert_eq!(csv.text, typed.csv());
    let lines: Vec<&str> = csv.text.lines().collect();
    assert_eq!(lines.len(), 3, "a header and two learners");
    assert!(
        lines.iter().any(|l| l.starts_with("'-eve,")),
        "{}",
        csv.text
    );
    assert!(lines.iter().any(|l| l.starts_with("finn-1,")));

    // Reset Eve: her sessions, refresh families and progress go; Finn is untouched.
    let session = server.session_login("-eve", PASSWORD).await;
    let reset = server
        .bearer(
            "POST",
            &format!("/api/classes/{}/learners/-eve/reset", class["id"]),
            &teacher_token,
        )
        .await;
    assert_eq!(reset.status, StatusCode::OK, "{}", reset.text);
    assert!(reset.json()["sessions_ended"].as_u64().unwrap() >= 1);
    assert_eq!(
        server.get_as(&session, "/api/me").await.status,
        StatusCode::UNAUTHORIZED
    );
    let after = grid(&server, &teacher_token, &class).await;
    assert!(row(&after, "-eve")["cells"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["solved_at_ms"].is_null() && c["hints_used"] == 0));
    let eve_log = server.jwt_login("-eve", PASSWORD).await.0;
    let log = server.bearer("GET", "/api/audit", &eve_log).await.json();
    assert!(log
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["action"] == "reset by your teacher"));

    // Close: joining stops, and (as the class said) the learners' accounts expire and go.
    let closed = server
        .bearer(
            "POST",
            &format!("/api/classes/{}/close", class["id"]),
            &teacher_token,
        )
        .await;
    assert_eq!(closed.status, StatusCode::OK);
    assert_eq!(closed.json()["closed"], true);
    let (gus, _) = learner(&server, "gus-1").await;
    let late = join(&server, &gus, class["code"].as_str().unwrap()).await;
    assert_api_error(&late, StatusCode::CONFLICT, "conflict");
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    authlab::server::maintain_once(&server.state).await;
    for gone in ["-eve", "finn-1"] {
        assert!(server
            .state
            .auth
            .users
            .find_by_username(gone)
            .await
            .unwrap()
            .is_none());
    }
    assert!(server
        .state
        .auth
        .users
        .find_by_username("teach-e")
        .await
        .unwrap()
        .is_some());
    // Every teacher action is in the teacher's log.
    let log = server
        .bearer("GET", "/api/audit", &teacher_token)
        .await
        .json();
    for action in [
        "class opened",
        "class exported",
        "class learner reset",
        "class closed",
    ] {
        assert!(
            log.as_array()
                .unwrap()
                .iter()
                .any(|e| e["action"] == action),
            "{action}"
        );
    }
}

#[tokio::test]
async fn a_waiting_grid_answers_when_a_learner_solves() {
    let server = harness().await;
    let teacher_token = teacher(&server, "teach-f").await;
    let class = open(&server, &teacher_token, "Live").await;
    let (_, _) = learner(&server, "hal-1").await;
    let (hal, _) = server.jwt_login("hal-1", PASSWORD).await;
    assert_eq!(
        join(&server, &hal, class["code"].as_str().unwrap())
            .await
            .status,
        StatusCode::OK
    );
    let version = grid(&server, &teacher_token, &class).await["version"]
        .as_str()
        .unwrap()
        .to_string();
    let waiting = {
        let path = format!("/api/classes/{}/grid?wait={version}", class["id"]);
        let app = server.app.clone();
        let token = teacher_token.clone();
        let host = format!("127.0.0.1:{}", server.settings.listen.port());
        tokio::spawn(async move {
            use tower::ServiceExt;
            let response = app
                .oneshot(
                    Request::get(path)
                        .header(header::HOST, host)
                        .header(header::AUTHORIZATION, format!("Bearer {token}"))
                        .body(Body::empty())
                        .unwrap(),
                )
                .await
                .unwrap();
            let bytes = http_body_util::BodyExt::collect(response.into_body())
                .await
                .unwrap()
                .to_bytes();
            serde_json::from_slice::<Value>(&bytes).unwrap()
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(!waiting.is_finished(), "nothing changed yet");
    solve_replay(&server, "hal-1").await;
    let answered = tokio::time::timeout(std::time::Duration::from_secs(15), waiting)
        .await
        .expect("the wait answers once the learner solves")
        .unwrap();
    assert_ne!(answered["version"], version.as_str());
    assert!(
        !cell(&answered, row(&answered, "hal-1"), "replay-after-logout")["solved_at_ms"].is_null()
    );
}

#[tokio::test]
async fn a_class_switches_hints_solutions_and_token_lifetime_for_its_members() {
    let server = harness().await;
    let teacher_token = teacher(&server, "teach-g").await;
    let strict = open_with(
        &server,
        &teacher_token,
        "No hints",
        json!({"hints": false, "solutions": false, "scale_lab": false,
               "access_ttl_secs": 30, "expire_accounts": false}),
    )
    .await;
    let (ivy, _) = learner(&server, "ivy-1").await;
    assert_eq!(
        join(&server, &ivy, strict["code"].as_str().unwrap())
            .await
            .status,
        StatusCode::OK
    );
    let hint = server
        .bearer("POST", "/api/challenges/revoke-before-exp/hint", &ivy)
        .await;
    assert_api_error(&hint, StatusCode::FORBIDDEN, "not_allowed");
    let progress = server.bearer("GET", "/api/progress", &ivy).await.json();
    assert_eq!(progress["hints_off"], true);
    // The class's lifetime applies to the member's new tokens…
    let login = server
        .post_json(
            "/api/jwt/login",
            json!({"username": "ivy-1", "password": PASSWORD}).to_string(),
        )
        .await;
    assert_eq!(login.json()["expires_in"], 30);
    // …unless the account chose a shorter one.
    let token = login.json()["access_token"].as_str().unwrap().to_string();
    assert_eq!(
        server
            .bearer_put_settings(&token, r#"{"access_ttl_secs":20}"#)
            .await
            .status,
        StatusCode::OK
    );
    let shorter = server
        .post_json(
            "/api/jwt/login",
            json!({"username": "ivy-1", "password": PASSWORD}).to_string(),
        )
        .await;
    assert_eq!(shorter.json()["expires_in"], 20);

    // Hints on, solutions off: the hints stop at the last one.
    let open_hints = open_with(
        &server,
        &teacher_token,
        "Hints only",
        json!({"hints": true, "solutions": false, "scale_lab": true, "expire_accounts": false}),
    )
    .await;
    let (jon, _) = learner(&server, "jon-1").await;
    assert_eq!(
        join(&server, &jon, open_hints["code"].as_str().unwrap())
            .await
            .status,
        StatusCode::OK
    );
    let mut last = Value::Null;
    for _ in 0..6 {
        let hint = server
            .bearer("POST", "/api/challenges/revoke-before-exp/hint", &jon)
            .await;
        assert_eq!(hint.status, StatusCode::OK, "{}", hint.text);
        last = hint.json();
        assert_eq!(last["solution"], false);
    }
    let progress = server.bearer("GET", "/api/progress", &jon).await.json();
    let entry = progress["challenges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "revoke-before-exp")
        .unwrap()
        .clone();
    assert_eq!(entry["hints_used"], entry["hints"]);
    assert_eq!(last["number"], entry["hints"]);
}

#[tokio::test]
async fn bad_class_requests_get_a_reason_and_change_nothing() {
    let server = harness().await;
    let teacher_token = teacher(&server, "teach-h").await;
    let (learner_token, _) = learner(&server, "kim-1").await;
    // A learner cannot open a class.
    let body = json!({"name": "Mine", "ends_at": next_week(), "switches": default_switches()});
    let refused = server
        .bearer_json("POST", "/api/classes", &learner_token, &body.to_string())
        .await;
    assert_api_error(&refused, StatusCode::FORBIDDEN, "not_allowed");
    for bad in [
        json!({"name": "", "ends_at": next_week(), "switches": default_switches()}),
        json!({"name": "x".repeat(81), "ends_at": next_week(), "switches": default_switches()}),
        json!({"name": "two\nlines", "ends_at": next_week(), "switches": default_switches()}),
        json!({"name": "Past", "ends_at": 1, "switches": default_switches()}),
        json!({"name": "Ttl", "ends_at": next_week(),
               "switches": {"hints": true, "solutions": true, "scale_lab": true,
                            "access_ttl_secs": 5, "expire_accounts": false}}),
    ] {
        let answer = server
            .bearer_json("POST", "/api/classes", &teacher_token, &bad.to_string())
            .await;
        assert_api_error(&answer, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
    }
    let long_wait = format!("/api/classes/1/grid?wait={}", "v".repeat(65));
    let class = open(&server, &teacher_token, "Real").await;
    let answer = server
        .bearer(
            "GET",
            &long_wait.replace("/1/", &format!("/{}/", class["id"])),
            &teacher_token,
        )
        .await;
    assert_api_error(&answer, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
    // A teacher does not join a class; a code of the wrong shape is just "no such code".
    let own = join(&server, &teacher_token, class["code"].as_str().unwrap()).await;
    assert_api_error(&own, StatusCode::FORBIDDEN, "not_allowed");
    let junk = join(&server, &learner_token, &"é".repeat(500)).await;
    assert_api_error(&junk, StatusCode::NOT_FOUND, "not_found");
    let listed = server
        .bearer("GET", "/api/classes", &teacher_token)
        .await
        .json();
    assert_eq!(listed.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn teacher_accounts_come_from_the_settings_with_the_settings_password() {
    let server = harness_with(|settings| {
        settings.hosting.teachers = "tina=tinas-own-password,Theo=theos-password-1"
            .parse()
            .unwrap();
    })
    .await;
    for (name, password) in [("tina", "tinas-own-password"), ("theo", "theos-password-1")] {
        let account = server
            .state
            .auth
            .users
            .find_by_username(name)
            .await
            .unwrap()
            .expect("made at start");
        assert_eq!(account.role, Role::Teacher);
        let (token, _) = server.jwt_login(name, password).await;
        let listed = server.bearer("GET", "/api/classes", &token).await;
        assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    }
    // A short password or a scratch account's name: the settings are refused.
    for bad in ["tina=short", "lesson-x=long-enough-pw"] {
        let loaded = authlab::settings::Settings::load_from(|name| {
            (name == "AUTHLAB_TEACHERS").then(|| bad.to_string())
        });
        let err = loaded.expect_err(bad).to_string();
        assert!(err.contains("hosting.teachers"), "{err}");
        assert!(
            !err.contains("long-enough"),
            "the password is never repeated: {err}"
        );
    }
    // A demo account's name (whose password is public on loopback): the lab does not start.
    let mut settings = authlab::settings::Settings {
        database_url: format!("sqlite://{}/demo-teacher.db", server.dir.path().display()),
        ..authlab::settings::Settings::default()
    };
    settings.hosting.teachers = "alice=long-enough-password".parse().unwrap();
    let site = authlab::server::site(&settings);
    let refused = authlab::server::build_state(settings, site).await;
    let err = refused
        .err()
        .expect("alice cannot be a teacher")
        .to_string();
    assert!(err.contains("demo account"), "{err}");
    assert!(!err.contains("long-enough"), "{err}");
    // The list prints names only, never a password.
    let list: authlab::settings::TeacherList = "tina=tinas-own-password".parse().unwrap();
    assert!(!format!("{list:?}").contains("tinas-own-password"));
}
