//! Several real authlab processes sharing one real Redis (and one accounts database on one
//! machine), talked to over real HTTP: a session or token made on one node is honoured on the
//! others, a logout on one node is seen on another exactly as far as each model allows, and a
//! switch changed on one node reaches another's cache at once. Every process this test starts is
//! stopped when it ends, also when it fails.

use crate::common::binary::{Binary, Output};
use authlab::lab::redis_process::RedisProcess;
use serde_json::{json, Value};
use std::{
    io::{Read, Write},
    net::TcpStream,
    path::Path,
    time::Duration,
};

/// One authlab process.
struct Node(Binary);

/// A redis-server of the test's own, with the runtime its process belongs to (the pair's later
/// binding is dropped first: the server, then its runtime).
fn redis_server() -> (tokio::runtime::Runtime, RedisProcess) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let redis = runtime
        .block_on(RedisProcess::start())
        .expect("redis-server (./scripts/test.sh installs it)");
    (runtime, redis)
}

/// Start a node on `dir`'s database and `redis`, and wait until it answers.
fn start_node(dir: &Path, redis: &RedisProcess, name: &str) -> Node {
    let env = [
        ("AUTHLAB_STORE_URL", redis.url()),
        ("AUTHLAB_LOG_LEVEL", "warn".to_string()),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let output = Output::File(dir.join(format!("{name}.log")));
    Node(Binary::start(&dir.join("shared.db"), &env, output))
}

struct Answer {
    status: u16,
    headers: String,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }

    /// `name=value` of the cookie this answer sets.
    fn cookie(&self, name: &str) -> String {
        self.headers
            .lines()
            .filter(|line| line.to_ascii_lowercase().starts_with("set-cookie:"))
            .filter_map(|line| line.split_once(':').map(|(_, value)| value.trim()))
            .filter_map(|value| value.split(';').next())
            .find(|pair| pair.starts_with(&format!("{name}=")))
            .unwrap_or_else(|| panic!("no {name} cookie in:\n{}", self.headers))
            .to_string()
    }

    fn failed_check(&self) -> Value {
        let auth = &self.json()["auth"];
        auth["checks"]
            .as_array()
            .and_then(|checks| checks.iter().find(|c| c["status"] == "fail"))
            .map(|c| c["name"].clone())
            .unwrap_or(Value::Null)
    }
}

impl Node {
    /// One HTTP/1.1 request over a fresh connection.
    fn call(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&Value>,
    ) -> std::io::Result<Answer> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.0.port))?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        let body = body.map(Value::to_string).unwrap_or_default();
        let mut request = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n",
            self.0.port,
            body.len()
        );
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str("\r\n");
        request.push_str(&body);
        stream.write_all(request.as_bytes())?;
        let mut raw = String::new();
        stream.read_to_string(&mut raw)?;
        let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or(0);
        Ok(Answer {
            status,
            headers: head.to_string(),
            body: body.to_string(),
        })
    }

    fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Answer {
        self.call(method, path, headers, body)
            .unwrap_or_else(|err| panic!("{method} {path} on port {}: {err}", self.0.port))
    }
}

fn account(name: &str) -> Value {
    json!({"username": name, "password": "Correct-Horse-Battery-9"})
}

/// Sign in by session on `node`: (cookie header value, CSRF token).
fn session_login(node: &Node, name: &str) -> (String, String) {
    let answer = node.send("POST", "/api/session/login", &[], Some(&account(name)));
    assert_eq!(answer.status, 200, "{}", answer.body);
    let cookie = answer.cookie("__Host-authlab_session");
    let csrf = answer.json()["csrf_token"].as_str().unwrap().to_string();
    (cookie, csrf)
}

fn bearer_login(node: &Node, name: &str) -> String {
    bearer_login_as(node, name, "Correct-Horse-Battery-9")
}

fn bearer_login_as(node: &Node, name: &str, password: &str) -> String {
    let credentials = json!({"username": name, "password": password});
    let answer = node.send("POST", "/api/jwt/login", &[], Some(&credentials));
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.json()["access_token"].as_str().unwrap().to_string()
}

fn me_with_bearer(node: &Node, token: &str) -> Answer {
    let auth = format!("Bearer {token}");
    node.send("GET", "/api/me", &[("Authorization", &auth)], None)
}

#[test]
fn a_login_on_one_node_works_on_another_and_a_logout_is_seen_as_far_as_each_model_allows() {
    let (_runtime, redis) = redis_server();
    let dir = tempfile::tempdir().unwrap();
    // One after the other: the first creates the shared database.
    let a = start_node(dir.path(), &redis, "node-a");
    let b = start_node(dir.path(), &redis, "node-b");
    let health = b.send("GET", "/api/health", &[], None).json();
    assert_eq!(health["store"], json!({"kind": "redis", "reachable": true}));

    let registered = a.send("POST", "/api/register", &[], Some(&account("scaler")));
    assert_eq!(registered.status, 201, "{}", registered.body);

    // A session made on A is a record in the shared store: B finds it.
    let (cookie, csrf) = session_login(&a, "scaler");
    let on_b = b.send("GET", "/api/me", &[("Cookie", &cookie)], None);
    assert_eq!(on_b.status, 200, "{}", on_b.body);
    assert_eq!(on_b.json()["username"], "scaler");
    let lookup = &on_b.json()["auth"]["checks"][1];
    assert_eq!(lookup["name"], "store lookup");
    assert_eq!(
        lookup["detail"], "hit: the Redis session store has a record for this id",
        "the trace names the store the record was found in"
    );

    // A token signed on A (with a key A made) verifies on B.
    let token = bearer_login(&a, "scaler");
    let on_b = me_with_bearer(&b, &token);
    assert_eq!(on_b.status, 200, "{}", on_b.body);

    // Logout on A; replay on B. The session record is gone for every node.
    let out = a.send(
        "POST",
        "/api/session/logout",
        &[("Cookie", &cookie), ("X-CSRF-Token", &csrf)],
        None,
    );
    assert_eq!(out.status, 204, "{}", out.body);
    let replayed = b.send("GET", "/api/me", &[("Cookie", &cookie)], None);
    assert_eq!(replayed.status, 401, "{}", replayed.body);

    // A stateless JWT logged out on A still works on B: nothing anywhere remembers the logout.
    let auth = format!("Bearer {token}");
    let out = a.send("POST", "/api/jwt/logout", &[("Authorization", &auth)], None);
    assert_eq!(out.status, 204, "{}", out.body);
    assert_eq!(me_with_bearer(&b, &token).status, 200);

    // With the denylist switched on (on A, after B has cached the switches), a token logged out
    // on A is refused on B, by the shared denylist.
    let fresh = bearer_login(&a, "scaler");
    assert_eq!(
        me_with_bearer(&b, &fresh).status,
        200,
        "B caches the switches"
    );
    let auth = format!("Bearer {fresh}");
    let switched = a.send(
        "PUT",
        "/api/lab-settings",
        &[("Authorization", &auth)],
        Some(&json!({"denylist": true})),
    );
    assert_eq!(switched.status, 200, "{}", switched.body);
    let revocable = bearer_login(&a, "scaler");
    assert_eq!(me_with_bearer(&b, &revocable).status, 200);
    let auth = format!("Bearer {revocable}");
    let out = a.send("POST", "/api/jwt/logout", &[("Authorization", &auth)], None);
    assert_eq!(out.status, 204, "{}", out.body);
    // B learns of the switch through the change feed, which may take a moment to arrive: a
    // bounded number of tries, no time limit asserted.
    let mut refused = me_with_bearer(&b, &revocable);
    for _ in 0..50 {
        if refused.status == 401 {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
        refused = me_with_bearer(&b, &revocable);
    }
    assert_eq!(refused.status, 401, "{}", refused.body);
    assert_eq!(refused.failed_check(), "denylist", "{}", refused.body);
}

/// The detail of the trace's `user` check.
fn user_check_detail(answer: &Answer) -> String {
    answer.json()["auth"]["checks"]
        .as_array()
        .and_then(|checks| checks.iter().find(|c| c["name"] == "user"))
        .and_then(|c| c["detail"].as_str())
        .unwrap_or_default()
        .to_string()
}

/// alice's bearer token (the administrator), signed in on `node`.
fn admin_token(node: &Node) -> String {
    bearer_login_as(node, "alice", "alice-in-the-lab")
}

/// alice, on `node`, disables account `name`.
fn alice_disables(node: &Node, alice: &str, name: &str) {
    let disabled = node.send(
        "PUT",
        &format!("/api/admin/accounts/{name}"),
        &[("Authorization", &format!("Bearer {alice}"))],
        Some(&json!({"disabled": true})),
    );
    assert_eq!(disabled.status, 200, "{}", disabled.body);
}

/// One Redis command over a fresh connection, its reply's first line (RESP, by hand: the test
/// needs a command the store code never sends).
fn redis_command(redis: &RedisProcess, args: &[&str]) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", redis.port())).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut command = format!("*{}\r\n", args.len());
    for arg in args {
        command.push_str(&format!("${}\r\n{arg}\r\n", arg.len()));
    }
    stream.write_all(command.as_bytes()).unwrap();
    let mut reply = [0u8; 256];
    let n = stream.read(&mut reply).unwrap();
    String::from_utf8_lossy(&reply[..n])
        .lines()
        .next()
        .unwrap_or_default()
        .to_string()
}

/// An administrator on node A disables an account while A cannot announce anything (Redis
/// refuses its PUBLISH), so node B never hears of it. Disabling ends the account's sessions in
/// the shared store, so B refuses the session at once whatever its cache says; and B's copy of
/// the account's not-before mark is read again within seconds, so a token of the account (with
/// revocation on) is refused there too. Before, B kept serving both for good.
#[test]
fn disabled_account_is_refused_on_every_node() {
    let (_runtime, redis) = redis_server();
    let dir = tempfile::tempdir().unwrap();
    let a = start_node(dir.path(), &redis, "node-a");
    let b = start_node(dir.path(), &redis, "node-b");
    let registered = a.send("POST", "/api/register", &[], Some(&account("unlucky")));
    assert_eq!(registered.status, 201, "{}", registered.body);
    let (cookie, _) = session_login(&a, "unlucky");
    // A token of the account with revocation on (the denylist switch, which the mark follows).
    let first = bearer_login(&a, "unlucky");
    let switched = a.send(
        "PUT",
        "/api/lab-settings",
        &[("Authorization", &format!("Bearer {first}"))],
        Some(&json!({"denylist": true})),
    );
    assert_eq!(switched.status, 200, "{}", switched.body);
    let token = bearer_login(&a, "unlucky");
    // B reads everything once and keeps it in memory.
    for _ in 0..2 {
        let by_cookie = b.send("GET", "/api/me", &[("Cookie", &cookie)], None);
        assert_eq!(by_cookie.status, 200, "{}", by_cookie.body);
        let by_token = eventually(|| me_with_bearer(&b, &token), |a| a.status == 200);
        assert_eq!(by_token.status, 200, "{}", by_token.body);
    }
    let alice = admin_token(&a);

    // From now on nobody can announce a change.
    assert_eq!(
        redis_command(&redis, &["ACL", "SETUSER", "default", "-publish"]),
        "+OK"
    );
    alice_disables(&a, &alice, "unlucky");

    let refused = eventually(
        || b.send("GET", "/api/me", &[("Cookie", &cookie)], None),
        |answer| answer.status == 401,
    );
    assert_eq!(refused.status, 401, "{}", refused.body);
    assert_eq!(refused.failed_check(), "store lookup", "{}", refused.body);
    // The mark: a bounded number of tries (a copy lives a few seconds), no time limit asserted.
    let mut by_token = me_with_bearer(&b, &token);
    for _ in 0..300 {
        if by_token.status == 401 {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
        by_token = me_with_bearer(&b, &token);
    }
    assert_eq!(by_token.status, 401, "{}", by_token.body);
    assert_eq!(
        by_token.failed_check(),
        "not-before mark",
        "{}",
        by_token.body
    );
    assert_eq!(
        redis_command(&redis, &["ACL", "SETUSER", "default", "+publish"]),
        "+OK"
    );
    let log = std::fs::read_to_string(a.0.log.as_ref().expect("a log file")).unwrap_or_default();
    assert!(log.contains("could not announce a change"), "{log}");
}

#[test]
fn an_account_disabled_on_one_node_is_not_kept_alive_by_another_nodes_account_cache() {
    let (_runtime, redis) = redis_server();
    let dir = tempfile::tempdir().unwrap();
    let a = start_node(dir.path(), &redis, "node-a");
    let b = start_node(dir.path(), &redis, "node-b");
    let registered = a.send("POST", "/api/register", &[], Some(&account("cached")));
    assert_eq!(registered.status, 201, "{}", registered.body);

    // B reads the account once from the accounts table, then keeps it in memory.
    let (cookie, _) = session_login(&a, "cached");
    let first = b.send("GET", "/api/me", &[("Cookie", &cookie)], None);
    assert_eq!(first.status, 200, "{}", first.body);
    assert!(
        user_check_detail(&first).contains("accounts table"),
        "{}",
        first.body
    );
    let second = b.send("GET", "/api/me", &[("Cookie", &cookie)], None);
    assert_eq!(second.status, 200, "{}", second.body);
    assert!(
        user_check_detail(&second).contains("account cache"),
        "{}",
        second.body
    );

    // An administrator on A disables it. B hears of it through the change feed, which may take
    // a moment to arrive: a bounded number of tries, no time limit asserted.
    let alice = admin_token(&a);
    alice_disables(&a, &alice, "cached");
    let refused = eventually(
        || b.send("GET", "/api/me", &[("Cookie", &cookie)], None),
        |answer| answer.status == 401,
    );
    assert_eq!(refused.status, 401, "{}", refused.body);
    // Disabling ended the session too: gone from the shared store, for every node.
    assert_eq!(refused.failed_check(), "store lookup", "{}", refused.body);
}

/// Call until `done` holds, a bounded number of times (the connection manager reconnects in
/// the background, so the first call after an outage may still meet the old socket).
fn eventually(mut call: impl FnMut() -> Answer, done: impl Fn(&Answer) -> bool) -> Answer {
    let mut answer = call();
    for _ in 0..50 {
        if done(&answer) {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
        answer = call();
    }
    answer
}

#[test]
fn a_store_outage_fails_sessions_loudly_and_jwts_as_each_account_chose_then_recovers() {
    let (_runtime, mut redis) = redis_server();
    let dir = tempfile::tempdir().unwrap();
    let node = start_node(dir.path(), &redis, "node");
    for name in ["closed", "open", "plain"] {
        let registered = node.send("POST", "/api/register", &[], Some(&account(name)));
        assert_eq!(registered.status, 201, "{}", registered.body);
    }
    let (cookie, _) = session_login(&node, "plain");
    let plain = bearer_login(&node, "plain");
    // Both revocable accounts switch the denylist on; "open" also chooses to fail open.
    for (name, fail_open) in [("closed", false), ("open", true)] {
        let token = bearer_login(&node, name);
        let auth = format!("Bearer {token}");
        let switched = node.send(
            "PUT",
            "/api/lab-settings",
            &[("Authorization", &auth)],
            Some(&json!({"denylist": true, "denylist_fail_open": fail_open})),
        );
        assert_eq!(switched.status, 200, "{}", switched.body);
    }
    let closed = bearer_login(&node, "closed");
    // A token of "open", logged out: the denylist refuses it while the store answers.
    let revoked = bearer_login(&node, "open");
    let auth = format!("Bearer {revoked}");
    let out = node.send("POST", "/api/jwt/logout", &[("Authorization", &auth)], None);
    assert_eq!(out.status, 204, "{}", out.body);
    assert_eq!(me_with_bearer(&node, &revoked).status, 401);
    let me_by_cookie = || node.send("GET", "/api/me", &[("Cookie", &cookie)], None);
    assert_eq!(me_by_cookie().status, 200);
    assert_eq!(me_with_bearer(&node, &closed).status, 200);

    redis.pause().expect("freeze redis-server");

    // Session mode fails loudly: 503, and the trace names the store lookup.
    let session = me_by_cookie();
    assert_eq!(session.status, 503, "{}", session.body);
    assert_eq!(session.json()["error"], "session_store_unavailable");
    assert_eq!(session.failed_check(), "store lookup", "{}", session.body);
    // A stateless token never asks the store.
    assert_eq!(me_with_bearer(&node, &plain).status, 200);
    // Denylist on, failing closed: every call of that account is refused, 503.
    let refused = me_with_bearer(&node, &closed);
    assert_eq!(refused.status, 503, "{}", refused.body);
    assert_eq!(refused.json()["error"], "denylist_store_unavailable");
    assert_eq!(refused.failed_check(), "denylist", "{}", refused.body);
    // Failing open: the revoked token works again, and nothing in the answer looks broken.
    let reopened = me_with_bearer(&node, &revoked);
    assert_eq!(reopened.status, 200, "{}", reopened.body);
    assert!(reopened.body.contains("NOT checked"), "{}", reopened.body);
    let health = node.send("GET", "/api/health", &[], None).json();
    assert_eq!(
        health["store"],
        json!({"kind": "redis", "reachable": false})
    );

    redis.resume().expect("thaw redis-server");

    // Back without restarting anything: the same session works again, the closed account's
    // token is accepted, and the revoked token is refused again.
    let session = eventually(me_by_cookie, |a| a.status == 200);
    assert_eq!(session.status, 200, "{}", session.body);
    let accepted = eventually(|| me_with_bearer(&node, &closed), |a| a.status == 200);
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    let refused_again = eventually(|| me_with_bearer(&node, &revoked), |a| a.status == 401);
    assert_eq!(
        refused_again.failed_check(),
        "denylist",
        "{}",
        refused_again.body
    );
}

fn progress_on(node: &Node, token: &str) -> Value {
    let auth = format!("Bearer {token}");
    let answer = node.send("GET", "/api/progress", &[("Authorization", &auth)], None);
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.json()
}

fn solved_on(progress: &Value) -> Vec<(String, i64)> {
    progress["challenges"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| Some((c["id"].as_str()?.to_string(), c["solved_at_ms"].as_i64()?)))
        .collect()
}

/// Progress lives in the accounts database every node shares: a challenge whose steps were
/// taken on two nodes (a logout on one, the replay on the other) is solved, every node shows
/// the same progress, and a restarted node still does.
#[test]
fn progress_is_the_same_on_every_node_and_survives_a_restart() {
    let (_runtime, redis) = redis_server();
    let dir = tempfile::tempdir().unwrap();
    let a = start_node(dir.path(), &redis, "node-a");
    let b = start_node(dir.path(), &redis, "node-b");
    let registered = a.send("POST", "/api/register", &[], Some(&account("progressing")));
    assert_eq!(registered.status, 201, "{}", registered.body);

    let held = bearer_login(&a, "progressing");
    let auth = format!("Bearer {held}");
    let out = a.send("POST", "/api/jwt/logout", &[("Authorization", &auth)], None);
    assert_eq!(out.status, 204, "{}", out.body);
    // The replay on the other node, of the token held before the logout on the first.
    assert_eq!(me_with_bearer(&b, &held).status, 200);

    let fresh = bearer_login(&b, "progressing");
    let on_a = solved_on(&progress_on(&a, &fresh));
    let on_b = solved_on(&progress_on(&b, &fresh));
    assert!(
        on_a.iter().any(|(id, _)| id == "replay-after-logout"),
        "{on_a:?}"
    );
    assert_eq!(on_a, on_b, "every node shows the same progress");

    drop(a);
    let restarted = start_node(dir.path(), &redis, "node-a-again");
    let again = solved_on(&progress_on(&restarted, &fresh));
    assert_eq!(again, on_a, "progress outlives the process");
}

/// A class's grid open on one node hears of a solve another node decided: the change goes
/// through Redis (`classes::feed`), and the grid's wait answers with the solve in it.
#[test]
fn a_teachers_grid_on_one_node_shows_a_solve_decided_on_another() {
    let (_runtime, redis) = redis_server();
    let dir = tempfile::tempdir().unwrap();
    let teachers = (
        "AUTHLAB_TEACHERS",
        "tess=Correct-Horse-Battery-9".to_string(),
    );
    let node = |name: &str| {
        let env = [
            ("AUTHLAB_STORE_URL", redis.url()),
            ("AUTHLAB_LOG_LEVEL", "warn".to_string()),
            teachers.clone(),
        ];
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let output = Output::File(dir.path().join(format!("{name}.log")));
        Node(Binary::start(&dir.path().join("shared.db"), &env, output))
    };
    let a = node("node-a");
    let b = node("node-b");
    let teacher = format!("Bearer {}", bearer_login(&b, "tess"));
    let ends_at = authlab::db::unix_now() + 86_400;
    let opened = b.send(
        "POST",
        "/api/classes",
        &[("Authorization", &teacher)],
        Some(
            &json!({"name": "Across nodes", "ends_at": ends_at, "switches": {
            "hints": true, "solutions": true, "scale_lab": true, "expire_accounts": false}}),
        ),
    );
    assert_eq!(opened.status, 201, "{}", opened.body);
    let class = opened.json();
    let mut joining = account("nodelearner");
    joining["class_code"] = class["code"].clone();
    let registered = a.send("POST", "/api/register", &[], Some(&joining));
    assert_eq!(registered.status, 201, "{}", registered.body);
    assert_eq!(registered.json()["class"], "Across nodes");

    let grid_path = format!("/api/classes/{}/grid", class["id"]);
    let before = b.send("GET", &grid_path, &[("Authorization", &teacher)], None);
    let version = before.json()["version"].as_str().unwrap().to_string();
    let waiting = {
        let port = b.0.port;
        let path = format!("{grid_path}?wait={version}");
        let teacher = teacher.clone();
        std::thread::spawn(move || {
            let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(30)))
                .unwrap();
            let request = format!(
                "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\
                 Authorization: {teacher}\r\n\r\n"
            );
            stream.write_all(request.as_bytes()).unwrap();
            let mut raw = String::new();
            stream.read_to_string(&mut raw).unwrap();
            let body = raw.split_once("\r\n\r\n").map(|(_, b)| b.to_string());
            serde_json::from_str::<Value>(&body.unwrap_or_default()).unwrap_or(Value::Null)
        })
    };
    std::thread::sleep(Duration::from_millis(300));
    // The solve, entirely on node a: the token held before logout, used after it.
    let held = bearer_login(&a, "nodelearner");
    let auth = format!("Bearer {held}");
    let out = a.send("POST", "/api/jwt/logout", &[("Authorization", &auth)], None);
    assert_eq!(out.status, 204, "{}", out.body);
    assert_eq!(me_with_bearer(&a, &held).status, 200);

    let grid = waiting.join().expect("the wait answers");
    let column = grid["challenges"]
        .as_array()
        .unwrap()
        .iter()
        .position(|c| c == "replay-after-logout")
        .unwrap();
    assert!(
        grid["learners"][0]["cells"][column]["solved_at_ms"].is_i64(),
        "node b's grid shows node a's solve: {grid}"
    );
}
