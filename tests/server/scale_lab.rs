//! The scale lab, run through its API: each run starts three real authlab processes (the built
//! binary), a real balancer and, for shared Redis, a real redis-server, and the answers recorded
//! are what those processes said. Claims 7, 8 and 9, checked cell by cell. Runs take turns in a
//! queue: starting one answers at once with a ticket, which the test follows until it is done.

use crate::common;

use crate::common::{harness_with, Harness};
use serde_json::{json, Value};

async fn lab() -> Harness {
    harness_with(|s| {
        s.scale.node_binary = env!("CARGO_BIN_EXE_authlab").into();
        s.limits.scale_per_account = "100/1m".parse().unwrap();
    })
    .await
}

/// Queue `request` as `token`'s account: the ticket, at once.
async fn start(server: &Harness, token: &str, request: &Value) -> Value {
    let answer = server
        .bearer_json("POST", "/api/lab/scale", token, &request.to_string())
        .await;
    assert_eq!(answer.status, 202, "{}", answer.text);
    answer.json()
}

/// Follow `ticket` until it is done or failed (a bounded number of looks, no time asserted).
async fn follow(server: &Harness, token: &str, ticket: &Value) -> Value {
    let path = format!("/api/lab/scale/{}", ticket["ticket"].as_str().unwrap());
    for _ in 0..1_200 {
        let answer = server.bearer("GET", &path, token).await;
        assert_eq!(answer.status, 200, "{}", answer.text);
        let seen = answer.json();
        if seen["state"] == "done" || seen["state"] == "failed" {
            return seen;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    panic!("the run never finished")
}

/// Queue `request` and wait for its run: every answer the nodes gave.
async fn run(server: &Harness, token: &str, request: Value) -> Value {
    let ticket = start(server, token, &request).await;
    let done = follow(server, token, &ticket).await;
    assert_eq!(done["state"], "done", "{done:#}");
    done["run"].clone()
}

/// The hits of the step whose label contains `label`.
fn step<'a>(run: &'a Value, label: &str) -> &'a Vec<Value> {
    run["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["label"].as_str().unwrap().contains(label))
        .unwrap_or_else(|| panic!("no step {label:?} in {run:#}"))["hits"]
        .as_array()
        .unwrap()
}

fn statuses(hits: &[Value]) -> Vec<u64> {
    hits.iter().map(|h| h["status"].as_u64().unwrap()).collect()
}

fn nodes(hits: &[Value]) -> std::collections::BTreeSet<String> {
    hits.iter()
        .filter_map(|h| h["node"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_on_per_node_stores_fail_on_the_other_nodes_and_a_shared_store_fixes_it() {
    let server = lab().await;
    let (token, _) = server.jwt_login("bob", "bob-builds-it").await;

    // Per-node memory, round robin: only the node that made the session knows it.
    let per_node = run(
        &server,
        &token,
        json!({"store": "per_node", "sticky": false, "mode": "session"}),
    )
    .await;
    let login = &step(&per_node, "log in")[0];
    let holder = login["node"].as_str().unwrap().to_string();
    let burst = step(&per_node, "requests through the balancer");
    assert_eq!(nodes(burst).len(), 3, "round robin reaches every node");
    for hit in burst {
        if hit["node"] == holder.as_str() {
            assert_eq!(hit["status"], 200, "{hit}");
        } else {
            assert_eq!(hit["status"], 401, "{hit}");
            assert_eq!(hit["refused_by"], "store lookup", "{hit}");
        }
    }

    // Sticky: every request goes to the holder, which hides it, until the holder is stopped.
    let sticky = run(
        &server,
        &token,
        json!({"store": "per_node", "sticky": true, "mode": "session", "kill_holder": true}),
    )
    .await;
    let holder = step(&sticky, "log in")[0]["node"]
        .as_str()
        .unwrap()
        .to_string();
    let burst = step(&sticky, "requests through the balancer");
    assert_eq!(statuses(burst), vec![200; 9], "{burst:?}");
    assert_eq!(nodes(burst), [holder.clone()].into());
    let after = step(&sticky, "stopped");
    assert!(!nodes(after).contains(&holder));
    assert!(
        after.iter().all(|h| h["status"] == 401),
        "the session died with its node: {after:?}"
    );

    // A shared SQLite file: every node finds the session; after logout, none does.
    let shared = run(
        &server,
        &token,
        json!({"store": "shared_sqlite", "sticky": false, "mode": "session"}),
    )
    .await;
    let burst = step(&shared, "requests through the balancer");
    assert_eq!(nodes(burst).len(), 3);
    assert_eq!(statuses(burst), vec![200; 9], "{burst:?}");
    let replays = step(&shared, "replay");
    assert_eq!(statuses(replays), vec![401; 3], "{replays:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jwts_verify_on_every_node_and_a_logout_reaches_the_others_only_through_a_shared_denylist()
{
    let server = lab().await;
    let (token, _) = server.jwt_login("bob", "bob-builds-it").await;

    // Per-node stores: the token still verifies everywhere (the key is in the shared accounts
    // database), and after logout it keeps working on the nodes that did not see the logout.
    let per_node = run(
        &server,
        &token,
        json!({"store": "per_node", "mode": "jwt", "denylist": true}),
    )
    .await;
    let burst = step(&per_node, "requests through the balancer");
    assert_eq!(nodes(burst).len(), 3);
    assert_eq!(statuses(burst), vec![200; 9], "{burst:?}");
    let logout_node = step(&per_node, "log out")[0]["node"]
        .as_str()
        .unwrap()
        .to_string();
    for hit in step(&per_node, "replay") {
        let expected = if hit["node"] == logout_node.as_str() {
            401
        } else {
            200
        };
        assert_eq!(hit["status"], expected, "{hit}");
    }

    // Shared Redis: the denylist is shared, so every node refuses the logged-out token.
    let shared = run(
        &server,
        &token,
        json!({"store": "shared_redis", "mode": "jwt", "denylist": true}),
    )
    .await;
    let replays = step(&shared, "replay");
    assert_eq!(statuses(replays), vec![401; 3], "{replays:?}");
    assert!(replays.iter().all(|h| h["refused_by"] == "denylist"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_outage_takes_sessions_down_loudly_while_a_failing_open_denylist_hides_it() {
    let server = lab().await;
    let (token, _) = server.jwt_login("bob", "bob-builds-it").await;

    let sessions = run(
        &server,
        &token,
        json!({"store": "shared_redis", "mode": "session", "outage": true}),
    )
    .await;
    let frozen = step(&sessions, "frozen");
    assert!(frozen.iter().all(|h| h["status"] == 503), "{frozen:?}");
    assert!(frozen.iter().all(|h| h["refused_by"] == "store lookup"));
    let back = step(&sessions, "back");
    assert_eq!(statuses(back), vec![200; 9], "{back:?}");

    // Claim 9: a token logged out before the outage works again while a failing-open denylist
    // cannot be asked, and nothing looks broken; once the store is back it is refused again.
    let open = run(
        &server,
        &token,
        json!({"store": "shared_redis", "mode": "jwt", "denylist": true, "fail_open": true,
               "outage": true}),
    )
    .await;
    let frozen = step(&open, "frozen");
    assert_eq!(statuses(frozen), vec![200; 3], "fail open: {frozen:?}");
    let back = step(&open, "back");
    assert!(
        back.iter().all(|h| h["refused_by"] == "denylist"),
        "{back:?}"
    );
    let closed = run(
        &server,
        &token,
        json!({"store": "shared_redis", "mode": "jwt", "denylist": true, "outage": true}),
    )
    .await;
    let frozen = step(&closed, "frozen");
    assert!(frozen.iter().all(|h| h["status"] == 503), "{frozen:?}");
    assert!(frozen.iter().all(|h| h["refused_by"] == "denylist"));
}

/// Two or three accounts once kept the scale lab busy for everyone: a run held its slot for as
/// long as its request was open, and everyone else got 429. Now starting a run answers at once
/// with a place in one queue, an account holds one place, and each run takes its turn.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn learners_take_turns_and_nobody_holds_the_scale_lab() {
    let server = lab().await;
    let (bob, _) = server.jwt_login("bob", "bob-builds-it").await;
    let (alice, _) = server.jwt_login("alice", "alice-in-the-lab").await;
    let request = json!({"store": "per_node", "mode": "jwt"});
    let first = start(&server, &bob, &request).await;
    // Asking again: the same ticket, not a second place.
    let again = start(&server, &bob, &request).await;
    assert_eq!(again["ticket"], first["ticket"]);
    let second = start(&server, &alice, &request).await;
    assert_ne!(second["ticket"], first["ticket"]);
    assert!(
        second["state"] == "waiting" && second["place"].as_u64().is_some_and(|p| p >= 1),
        "{second}"
    );
    // Another account cannot read a ticket that is not theirs.
    let path = format!("/api/lab/scale/{}", first["ticket"].as_str().unwrap());
    let peek = server.bearer("GET", &path, &alice).await;
    common::assert_api_error(&peek, axum::http::StatusCode::NOT_FOUND, "no_such_run");
    // Both runs happen, one after the other.
    for (token, ticket) in [(&bob, &first), (&alice, &second)] {
        let done = follow(&server, token, ticket).await;
        assert_eq!(done["state"], "done", "{done:#}");
        assert!(!done["run"]["steps"].as_array().unwrap().is_empty());
    }
}

/// A hosted lab can keep the scale lab (four processes a run) to the accounts it chooses.
#[tokio::test]
async fn a_hosted_lab_can_limit_the_scale_lab_to_chosen_accounts() {
    let server = harness_with(|s| s.scale.allowed_accounts = "alice".parse().unwrap()).await;
    let (bob, _) = server.jwt_login("bob", "bob-builds-it").await;
    let refused = server
        .bearer_json(
            "POST",
            "/api/lab/scale",
            &bob,
            r#"{"store":"per_node","mode":"jwt"}"#,
        )
        .await;
    common::assert_api_error(&refused, axum::http::StatusCode::FORBIDDEN, "not_allowed");
}

/// One HTTP/1.1 request to the real server on `port`, with a bearer token if any.
fn http(
    port: u16,
    method: &str,
    path: &str,
    token: Option<&str>,
    json: Option<&str>,
) -> (u16, String) {
    let auth = token.map(|t| format!("Bearer {t}"));
    let headers: Vec<(&str, &str)> = auth
        .as_deref()
        .map(|auth| ("Authorization", auth))
        .into_iter()
        .collect();
    common::raw_request(port, method, path, &headers, json).unwrap()
}

/// The processes whose parent is `pid`, as /proc has them.
fn children_of(pid: u32) -> Vec<u32> {
    let mut children = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(child) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let status = std::fs::read_to_string(entry.path().join("status")).unwrap_or_default();
        let parent = status
            .lines()
            .find_map(|line| line.strip_prefix("PPid:"))
            .and_then(|ppid| ppid.trim().parse::<u32>().ok());
        if parent == Some(pid) {
            children.push(child);
        }
    }
    children
}

/// Whether `pid` still runs (a zombie waiting to be reaped has stopped running).
fn running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            stat.rsplit_once(") ")
                .and_then(|(_, rest)| rest.chars().next())
        })
        .is_some_and(|state| state != 'Z')
}

/// The server dies by SIGKILL in the middle of a scale run: it gets no chance to stop the run's
/// three nodes and its redis-server. The kernel does (each started with a parent-death signal),
/// and nothing is left running.
#[test]
fn a_server_killed_mid_run_leaves_no_node_or_redis_behind() {
    let dir = tempfile::tempdir().unwrap();
    let settings = dir.path().join("none.toml");
    std::fs::write(&settings, "").unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let log = std::fs::File::create(dir.path().join("server.log")).unwrap();
    // Killed when the test ends, however it ends.
    struct Killed(std::process::Child);
    impl Drop for Killed {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut server = Killed(
        std::process::Command::new(env!("CARGO_BIN_EXE_authlab"))
            .env("AUTHLAB_SETTINGS", &settings)
            .env("AUTHLAB_LISTEN", format!("127.0.0.1:{port}"))
            .env(
                "AUTHLAB_DATABASE_URL",
                format!("sqlite://{}/server.db", dir.path().display()),
            )
            .env("AUTHLAB_LOG_LEVEL", "warn")
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("server binary starts"),
    );
    let pid = server.0.id();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while http_ok(port).is_none() {
        assert!(
            std::time::Instant::now() < deadline,
            "the server did not start"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let (status, body) = http(
        port,
        "POST",
        "/api/jwt/login",
        None,
        Some(r#"{"username":"bob","password":"bob-builds-it"}"#),
    );
    assert_eq!(status, 200, "{body}");
    let token: Value = serde_json::from_str(&body).unwrap();
    let token = token["access_token"].as_str().unwrap().to_string();
    let request = r#"{"store":"shared_redis","mode":"session","outage":true}"#;
    let (status, body) = http(port, "POST", "/api/lab/scale", Some(&token), Some(request));
    assert_eq!(status, 202, "{body}");
    let ticket: Value = serde_json::from_str(&body).unwrap();
    let path = format!("/api/lab/scale/{}", ticket["ticket"].as_str().unwrap());

    // Until the run has its redis-server and all three nodes up.
    let mut started = Vec::new();
    while started.len() < 4 {
        let (_, body) = http(port, "GET", &path, Some(&token), None);
        let seen: Value = serde_json::from_str(&body).unwrap();
        assert!(
            seen["state"] == "waiting" || seen["state"] == "running",
            "the run ended before it could be interrupted: {seen}"
        );
        started = children_of(pid);
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    server.0.kill().expect("SIGKILL the server");
    let _ = server.0.wait();

    let mut left = started.clone();
    for _ in 0..200 {
        left.retain(|child| running(*child));
        if left.is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(
        left.is_empty(),
        "still running after the server died: {left:?} of {started:?}"
    );
}

/// `Some` once the server answers its health check.
fn http_ok(port: u16) -> Option<()> {
    std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    (http(port, "GET", "/api/health", None, None).0 == 200).then_some(())
}
