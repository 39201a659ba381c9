//! The scale lab, run through its API: each run starts three real authlab processes (the built
//! binary), a real balancer and, for shared Redis, a real redis-server, and the answers recorded
//! are what those processes said. Claims 7, 8 and 9, checked cell by cell.

mod common;

use common::{harness_with, Harness};
use serde_json::{json, Value};

async fn lab() -> Harness {
    harness_with(|s| {
        s.scale.node_binary = env!("CARGO_BIN_EXE_authlab").into();
        s.limits.scale_per_account = "100/1m".parse().unwrap();
    })
    .await
}

async fn run(server: &Harness, token: &str, request: Value) -> Value {
    let answer = server
        .bearer_json("POST", "/api/lab/scale", token, &request.to_string())
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.json()
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
