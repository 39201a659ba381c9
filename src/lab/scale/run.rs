//! One scale-lab run: start the cluster, sign a fresh account in through the balancer, send
//! bursts, optionally stop the node that answered the login or freeze the store, log out, replay
//! the old credential on every node directly, and stop everything. Every request is real HTTP
//! between real processes; each answer is recorded with the node that gave it.

use super::{cluster::Cluster, http::Reply};
use crate::challenges::event::ScaleFound;
use crate::wire::paths;
use crate::{
    api::cookies,
    state::AppState,
    wire::{
        ApiErrorBody, AuthMode, Me, ScaleHit, ScaleRequest, ScaleRun, ScaleStep, ScaleStore,
        SessionState, TokenResponse, NODE_HEADER,
    },
};
use axum::http::{header, header::HeaderName, Method};
use std::collections::BTreeMap;

/// Requests per burst.
const BURST: usize = 9;
/// Requests while the store is frozen: each waits out the store's 1-second timeout.
const FROZEN_BURST: usize = 3;

/// What the run's client holds: the account, and its credential once signed in.
struct Runner<'a> {
    cluster: Cluster,
    /// Told the steps so far after each one (the queue shows them while the run goes).
    progress: &'a (dyn Fn(&[ScaleStep]) + Sync),
    account: serde_json::Value,
    /// Cookies the balancer and the nodes set (the session's, the balancer's sticky one).
    jar: BTreeMap<String, String>,
    csrf: Option<String>,
    token: Option<String>,
    steps: Vec<ScaleStep>,
    mode: AuthMode,
    /// The node that answered the login.
    holder: Option<String>,
    /// The store is frozen now.
    frozen: bool,
    logged_out: bool,
    /// What the answers showed, for the challenges (each read off a real answer).
    found: ScaleFound,
}

pub async fn run(
    state: &AppState,
    request: ScaleRequest,
    progress: &(dyn Fn(&[ScaleStep]) + Sync),
) -> Result<(ScaleRun, ScaleFound), String> {
    let cluster = Cluster::start(&state.settings, request.store, request.sticky).await?;
    let nodes = cluster.backends.names.clone();
    let password = crate::auth::csrf::new_token();
    let mut runner = Runner {
        cluster,
        progress,
        account: serde_json::json!({"username": "scale-learner", "password": password}),
        jar: BTreeMap::new(),
        csrf: None,
        token: None,
        steps: Vec::new(),
        mode: request.mode,
        holder: None,
        frozen: false,
        logged_out: false,
        found: ScaleFound::default(),
    };
    runner.set_up(&request).await;
    let holder = runner.log_in(request.mode).await;
    runner.burst("requests through the balancer").await;
    if request.kill_holder {
        if let Some(holder) = holder {
            runner.cluster.kill(holder).await;
            let label = format!(
                "{} (which answered the login) stopped; requests through the balancer",
                nodes[holder]
            );
            runner.burst(&label).await;
        }
    }
    let outage = request.outage && request.store == ScaleStore::SharedRedis;
    if outage && request.mode == AuthMode::Jwt && request.denylist {
        // Claim 9: log out first, so the requests during the outage carry a revoked token.
        runner.log_out(request.mode).await;
        runner.outage("with the logged-out token").await;
    } else {
        if outage {
            runner.outage("").await;
        }
        runner.log_out(request.mode).await;
    }
    runner.replay_everywhere().await;
    let saw = saw(&runner.steps);
    Ok((
        ScaleRun {
            request,
            nodes,
            steps: runner.steps,
            saw,
        },
        runner.found,
    ))
}

impl Runner<'_> {
    /// A step done: kept, and shown to whoever is watching the ticket.
    fn push(&mut self, step: ScaleStep) {
        self.steps.push(step);
        (self.progress)(&self.steps);
    }

    /// On node-1 directly, before any other node has read the account: register it, and switch
    /// its denylist on if asked (the other nodes then read the switch fresh).
    async fn set_up(&mut self, request: &ScaleRequest) {
        let mut hits = Vec::new();
        let body = self.account.to_string();
        let reply = self
            .direct(0, Method::POST, paths::REGISTER, Some(body.clone()))
            .await;
        hits.push(self.hit("node-1", reply));
        let mut label = "set up on node-1: register a fresh account".to_string();
        if request.mode == AuthMode::Jwt && request.denylist {
            let reply = self
                .direct(0, Method::POST, paths::jwt::LOGIN, Some(body))
                .await;
            let token = reply
                .as_ref()
                .ok()
                .and_then(|r| r.json::<TokenResponse>())
                .map(|t| t.access_token);
            hits.push(self.hit("node-1", reply));
            if let Some(token) = token {
                let switches = serde_json::json!({
                    "denylist": true,
                    "denylist_fail_open": request.fail_open,
                });
                let auth = (header::AUTHORIZATION, format!("Bearer {token}"));
                let reply = self
                    .send(
                        Some(0),
                        Method::PUT,
                        paths::LAB_SETTINGS,
                        vec![auth],
                        Some(switches.to_string()),
                    )
                    .await;
                hits.push(self.hit("node-1", reply));
            }
            label.push_str(if request.fail_open {
                " and switch its denylist on, failing open"
            } else {
                " and switch its denylist on, failing closed"
            });
        }
        self.push(ScaleStep { label, hits });
    }

    /// Sign in through the balancer; returns the index of the node that answered.
    async fn log_in(&mut self, mode: AuthMode) -> Option<usize> {
        let path = match mode {
            AuthMode::Session => paths::session::LOGIN,
            AuthMode::Jwt => paths::jwt::LOGIN,
        };
        let body = self.account.to_string();
        let reply = self.via_balancer(Method::POST, path, Some(body)).await;
        if let Ok(reply) = &reply {
            match mode {
                AuthMode::Session => {
                    self.csrf = reply.json::<SessionState>().map(|s| s.csrf_token);
                }
                AuthMode::Jwt => {
                    self.token = reply.json::<TokenResponse>().map(|t| t.access_token);
                }
            }
        }
        let hit = self.hit("balancer", reply);
        let holder = hit
            .node
            .as_ref()
            .and_then(|node| self.cluster.backends.names.iter().position(|n| n == node));
        self.holder = hit.node.clone();
        self.push(ScaleStep {
            label: format!("log in ({}) through the balancer", mode.as_str()),
            hits: vec![hit],
        });
        holder
    }

    async fn burst(&mut self, label: &str) {
        self.burst_of(BURST, label).await;
    }

    async fn burst_of(&mut self, count: usize, label: &str) {
        let mut hits = Vec::new();
        for _ in 0..count {
            let reply = self.via_balancer(Method::GET, paths::ME, None).await;
            let hit = self.hit("balancer", reply);
            self.note(&hit);
            hits.push(hit);
        }
        self.push(ScaleStep {
            label: format!("{count} {label}"),
            hits,
        });
    }

    /// Freeze the cluster's Redis, send a burst, bring it back, send another.
    async fn outage(&mut self, carrying: &str) {
        let frozen = self.cluster.redis.as_mut().map(|redis| redis.pause());
        if let Some(Err(err)) = frozen {
            self.push(ScaleStep {
                label: format!("could not freeze the store: {err}"),
                hits: Vec::new(),
            });
            return;
        }
        let space = if carrying.is_empty() { "" } else { " " };
        let label =
            format!("requests{space}{carrying} while the store is frozen (it does not answer)");
        self.frozen = true;
        self.burst_of(FROZEN_BURST, &label).await;
        self.frozen = false;
        if let Some(redis) = self.cluster.redis.as_mut() {
            let _ = redis.resume();
        }
        self.burst(&format!(
            "requests{space}{carrying} once the store is back (nothing restarted)"
        ))
        .await;
    }

    async fn log_out(&mut self, mode: AuthMode) {
        let path = match mode {
            AuthMode::Session => paths::session::LOGOUT,
            AuthMode::Jwt => paths::jwt::LOGOUT,
        };
        let reply = self.via_balancer(Method::POST, path, None).await;
        let hit = self.hit("balancer", reply);
        self.logged_out = true;
        self.push(ScaleStep {
            label: "log out through the balancer".into(),
            hits: vec![hit],
        });
    }

    /// What one answer through the balancer shows, kept for the challenges.
    fn note(&mut self, hit: &ScaleHit) {
        let ok = hit.status == 200;
        match self.mode {
            AuthMode::Session => {
                // A session a node that never answered the login found, and accepted.
                if ok && !self.logged_out && hit.node.is_some() && hit.node != self.holder {
                    self.found.session_on_unseen_node = true;
                }
                if self.frozen && hit.status == 503 {
                    self.found.store_down_503 = true;
                }
            }
            AuthMode::Jwt => {
                if ok && self.frozen && self.logged_out {
                    self.found.revoked_token_worked = true;
                }
            }
        }
    }

    /// The old credential, sent to every node still running, directly.
    async fn replay_everywhere(&mut self) {
        let mut hits = Vec::new();
        for index in 0..self.cluster.backends.names.len() {
            if !self.cluster.is_running(index) {
                continue;
            }
            let name = self.cluster.backends.names[index].clone();
            let reply = self.direct(index, Method::GET, paths::ME, None).await;
            hits.push(self.hit(&name, reply));
        }
        self.push(ScaleStep {
            label: "replay the old credential on each node directly".into(),
            hits,
        });
    }

    async fn via_balancer(
        &mut self,
        method: Method,
        path: &str,
        json: Option<String>,
    ) -> Result<Reply, String> {
        let headers = self.credential_headers();
        self.send(None, method, path, headers, json).await
    }

    async fn direct(
        &mut self,
        node: usize,
        method: Method,
        path: &str,
        json: Option<String>,
    ) -> Result<Reply, String> {
        let headers = self.credential_headers();
        self.send(Some(node), method, path, headers, json).await
    }

    /// The cookies held, the CSRF token (session) or the bearer token (JWT).
    fn credential_headers(&self) -> Vec<(HeaderName, String)> {
        let mut headers = Vec::new();
        if !self.jar.is_empty() {
            let cookies: Vec<String> = self.jar.iter().map(|(n, v)| format!("{n}={v}")).collect();
            headers.push((header::COOKIE, cookies.join("; ")));
        }
        if let Some(csrf) = &self.csrf {
            headers.push((
                HeaderName::from_static(crate::auth::csrf::TOKEN_HEADER),
                csrf.clone(),
            ));
        }
        if let Some(token) = &self.token {
            headers.push((header::AUTHORIZATION, format!("Bearer {token}")));
        }
        headers
    }

    /// Send to a node directly (`Some(index)`) or through the balancer, and keep what cookies
    /// the answer sets.
    async fn send(
        &mut self,
        node: Option<usize>,
        method: Method,
        path: &str,
        headers: Vec<(HeaderName, String)>,
        json: Option<String>,
    ) -> Result<Reply, String> {
        let (port, host) = match node {
            Some(index) => {
                let port = self.cluster.backends.ports[index];
                (port, format!("127.0.0.1:{port}"))
            }
            None => (self.cluster.balancer.port, self.cluster.balancer_host()),
        };
        let reply = super::http::send(
            &self.cluster.client,
            port,
            &host,
            method,
            path,
            &headers,
            json,
        )
        .await?;
        for name in [cookies::NAME, super::balancer::STICKY_COOKIE] {
            if let Some(value) = cookies::set_by(&reply.headers, name) {
                self.jar.insert(name.to_string(), value);
            }
        }
        Ok(reply)
    }

    fn hit(&self, via: &str, reply: Result<Reply, String>) -> ScaleHit {
        let reply = match reply {
            Ok(reply) => reply,
            Err(why) => {
                return ScaleHit {
                    via: via.to_string(),
                    node: None,
                    status: 0,
                    refused_by: None,
                    detail: why,
                }
            }
        };
        let node = reply
            .headers
            .get(NODE_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let (refused_by, detail) = if (200..300).contains(&reply.status) {
            let who = reply
                .json::<Me>()
                .map(|me| format!("signed in as {}", me.username))
                .unwrap_or_else(|| "done".into());
            (None, who)
        } else {
            match reply.json::<ApiErrorBody>() {
                Some(body) => {
                    let check = body
                        .auth
                        .as_ref()
                        .and_then(|trace| trace.failed_check())
                        .map(|check| check.name.to_string());
                    (Some(check.unwrap_or(body.error)), body.reason)
                }
                None => (
                    None,
                    String::from_utf8_lossy(&reply.body)
                        .chars()
                        .take(200)
                        .collect(),
                ),
            }
        };
        ScaleHit {
            via: via.to_string(),
            node,
            status: reply.status,
            refused_by,
            detail,
        }
    }
}

/// One sentence per step: how many requests each node answered, and how.
fn saw(steps: &[ScaleStep]) -> Vec<String> {
    steps
        .iter()
        .filter(|step| !step.hits.is_empty())
        .map(|step| {
            let mut counts: BTreeMap<String, usize> = BTreeMap::new();
            for hit in &step.hits {
                let node = hit.node.as_deref().unwrap_or("no node");
                let outcome = match (&hit.refused_by, hit.status) {
                    (_, 0) => "no answer".to_string(),
                    (None, status) => status.to_string(),
                    (Some(check), status) => format!("{status} at \"{check}\""),
                };
                *counts.entry(format!("{outcome} from {node}")).or_default() += 1;
            }
            let parts: Vec<String> = counts
                .into_iter()
                .map(|(what, n)| format!("{n}× {what}"))
                .collect();
            format!("{}: {}.", step.label, parts.join(", "))
        })
        .collect()
}
