//! The scale lab's cluster: three authlab processes (this same binary, each a node on its own
//! loopback port with its own memory and its name on every answer), a Redis of the lab's own
//! when the store is shared Redis, and the balancer in front. All of it is apart from the store
//! that serves the lab itself, so taking the cluster's store down touches nobody else. Dropping
//! the cluster stops every process it started and deletes its files, also when a run fails.

use super::{
    balancer::{Backends, Balancer},
    http::{self, HttpClient},
};
use crate::{lab::redis_process::RedisProcess, settings::Settings, wire::ScaleStore};
use axum::http::Method;
use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::Arc,
    time::{Duration, Instant},
};

/// How many nodes a run starts.
pub const NODES: usize = 3;
/// How long a node may take to answer its health check after starting.
const READY_WITHIN: Duration = Duration::from_secs(30);

struct NodeProcess {
    child: Option<Child>,
}

impl NodeProcess {
    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for NodeProcess {
    fn drop(&mut self) {
        self.stop();
    }
}

pub struct Cluster {
    // Dropped in this order: the balancer, the nodes, Redis, then the files.
    pub balancer: Balancer,
    nodes: Vec<NodeProcess>,
    pub redis: Option<RedisProcess>,
    pub backends: Arc<Backends>,
    pub client: HttpClient,
    _dir: ScratchDir,
}

/// The run's files (the nodes' shared accounts database, their logs), deleted when dropped.
struct ScratchDir(PathBuf);

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Cluster {
    /// Start everything a run needs; `Err` says what did not start (and what did is stopped).
    pub async fn start(
        settings: &Settings,
        store: ScaleStore,
        sticky: bool,
    ) -> Result<Cluster, String> {
        let dir = ScratchDir(std::env::temp_dir().join(format!(
            "authlab-scale-{}-{}",
            std::process::id(),
            crate::auth::csrf::new_token()
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .take(8)
                .collect::<String>()
        )));
        std::fs::create_dir_all(&dir.0).map_err(|e| format!("scratch directory: {e}"))?;
        // The nodes read this (empty) settings file, not the lab's own: they start from the
        // built-in defaults plus what is set for them below.
        std::fs::write(dir.0.join("node.toml"), "").map_err(|e| e.to_string())?;
        let redis = match store {
            ScaleStore::SharedRedis => Some(RedisProcess::start().map_err(|e| e.to_string())?),
            _ => None,
        };
        // The balancer's port is taken first: the nodes must answer for its name.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| format!("balancer: {e}"))?;
        let balancer_port = listener.local_addr().map_err(|e| e.to_string())?.port();
        let binary = match settings.scale.node_binary.as_str() {
            "" => std::env::current_exe().map_err(|e| format!("this executable: {e}"))?,
            path => PathBuf::from(path),
        };
        let store_url = match &redis {
            Some(redis) => redis.url(),
            None if store == ScaleStore::PerNode => "memory".to_string(),
            None => String::new(),
        };
        let client = http::client();
        let mut nodes = Vec::new();
        let mut names = Vec::new();
        let mut ports = Vec::new();
        for n in 1..=NODES {
            let name = format!("node-{n}");
            let port = free_port().map_err(|e| e.to_string())?;
            let child = spawn_node(&binary, &dir.0, &name, port, &store_url, balancer_port)?;
            nodes.push(NodeProcess { child: Some(child) });
            // One at a time: the first node creates the shared accounts database.
            wait_ready(&client, nodes.last_mut(), port, &name, &dir.0).await?;
            names.push(name);
            ports.push(port);
        }
        let backends = Arc::new(Backends::new(names, ports));
        let balancer = Balancer::start(listener, backends.clone(), sticky, client.clone())
            .map_err(|e| e.to_string())?;
        Ok(Cluster {
            balancer,
            nodes,
            redis,
            backends,
            client,
            _dir: dir,
        })
    }

    /// The host name requests through the balancer carry.
    pub fn balancer_host(&self) -> String {
        format!("127.0.0.1:{}", self.balancer.port)
    }

    /// Stop node `index` (the learner "kills" it); the balancer finds out on its next try.
    pub fn kill(&mut self, index: usize) {
        if let Some(node) = self.nodes.get_mut(index) {
            node.stop();
        }
    }

    pub fn is_running(&self, index: usize) -> bool {
        self.nodes.get(index).is_some_and(|n| n.child.is_some())
    }
}

fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

fn spawn_node(
    binary: &Path,
    dir: &Path,
    name: &str,
    port: u16,
    store_url: &str,
    balancer_port: u16,
) -> Result<Child, String> {
    let log = std::fs::File::create(dir.join(format!("{name}.log"))).map_err(|e| e.to_string())?;
    let err_log = log.try_clone().map_err(|e| e.to_string())?;
    Command::new(binary)
        // Nothing of the lab's own environment leaks into a node (its store, its secrets).
        .env_clear()
        .env("AUTHLAB_SETTINGS", dir.join("node.toml"))
        .env("AUTHLAB_LISTEN", format!("127.0.0.1:{port}"))
        .env(
            "AUTHLAB_DATABASE_URL",
            format!("sqlite://{}/accounts.db", dir.display()),
        )
        .env("AUTHLAB_STORE_URL", store_url)
        // Nodes sharing one SQLite file without Redis cannot tell each other that an account
        // changed, so none of them may keep accounts in memory.
        .env(
            "AUTHLAB_SESSION_CACHE_ACCOUNTS",
            store_url.starts_with("redis").to_string(),
        )
        .env("AUTHLAB_STORE_PREFIX", "scale:")
        .env("AUTHLAB_NODE_ID", name)
        // The balancer passes its own Host through: each node answers for that name too.
        .env("AUTHLAB_PUBLIC_HOSTS", format!("127.0.0.1:{balancer_port}"))
        .env("AUTHLAB_SEED_DEMO_ACCOUNTS", "false")
        .env("AUTHLAB_LOG_LEVEL", "warn")
        .env("AUTHLAB_PASSWORDS_MAX_CONCURRENT_HASHES", "1")
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(err_log)
        .spawn()
        .map_err(|e| format!("could not start {name} ({}): {e}", binary.display()))
}

async fn wait_ready(
    client: &HttpClient,
    node: Option<&mut NodeProcess>,
    port: u16,
    name: &str,
    dir: &Path,
) -> Result<(), String> {
    let Some(node) = node else {
        return Err(format!("{name} was not started"));
    };
    let host = format!("127.0.0.1:{port}");
    let started = Instant::now();
    while started.elapsed() < READY_WITHIN {
        if let Some(child) = node.child.as_mut() {
            if let Ok(Some(status)) = child.try_wait() {
                node.child = None;
                let log =
                    std::fs::read_to_string(dir.join(format!("{name}.log"))).unwrap_or_default();
                let tail: String = log.lines().rev().take(5).collect::<Vec<_>>().join(" / ");
                return Err(format!("{name} exited ({status}): {tail}"));
            }
        }
        if let Ok(reply) =
            http::send(client, port, &host, Method::GET, "/api/health", &[], None).await
        {
            if reply.status == 200 {
                return Ok(());
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(format!("{name} did not answer within {READY_WITHIN:?}"))
}
