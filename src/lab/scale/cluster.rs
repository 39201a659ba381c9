//! The scale lab's cluster: three authlab processes (this same binary, each a node on its own
//! loopback port with its own memory and its name on every answer), a Redis of the lab's own
//! when the store is shared Redis, and the balancer in front. All of it is apart from the store
//! that serves the lab itself, so taking the cluster's store down touches nobody else.
//!
//! Every process of a run is in one process group (`lab::processes`), killed as a whole when the
//! cluster is dropped (the run ended, failed, timed out, or the server is shutting down), and
//! killed by the kernel if the server itself dies. Its files are deleted with it. What went wrong
//! is said in words; a node's own log lines and the binary's path go to the server's log only.

use super::{
    balancer::{Backends, Balancer},
    http::{self, HttpClient},
};
use crate::wire::paths;
use crate::{
    lab::{processes::Group, redis_process::RedisProcess},
    settings::Settings,
    wire::ScaleStore,
};
use axum::http::Method;
use std::{
    path::{Path, PathBuf},
    process::Stdio,
    sync::Arc,
    time::{Duration, Instant},
};
use tokio::process::Child;

/// How many nodes a run starts.
pub const NODES: usize = 3;
/// How long a node may take to answer its health check after starting.
const READY_WITHIN: Duration = Duration::from_secs(30);

struct NodeProcess {
    /// Killed when dropped (`kill_on_drop`), and with the whole group before that.
    child: Option<Child>,
}

impl NodeProcess {
    async fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill().await;
        }
    }
}

pub struct Cluster {
    // The group is killed first (`Drop`); then dropped in this order: the balancer, the nodes,
    // Redis, then the files.
    pub balancer: Balancer,
    nodes: Vec<NodeProcess>,
    pub redis: Option<RedisProcess>,
    pub backends: Arc<Backends>,
    pub client: HttpClient,
    group: Group,
    _dir: ScratchDir,
}

impl Drop for Cluster {
    /// Every process of the run at once, before any of them is reaped: then the fields go (the
    /// nodes and Redis, already dead, and the files).
    fn drop(&mut self) {
        self.group.kill();
    }
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
        let unwritable = |err: std::io::Error| {
            tracing::warn!(target: "authlab::lab", %err, dir = %dir.0.display(), "scale lab: scratch directory");
            "the run's scratch directory could not be written (the server's log says where)"
                .to_string()
        };
        std::fs::create_dir_all(&dir.0).map_err(unwritable)?;
        // The nodes read this (empty) settings file, not the lab's own: they start from the
        // built-in defaults plus what is set for them below.
        std::fs::write(dir.0.join("node.toml"), "").map_err(unwritable)?;
        let mut group = Group::default();
        let redis = match store {
            ScaleStore::SharedRedis => Some(
                RedisProcess::start_in(&mut group)
                    .await
                    .map_err(|e| e.to_string())?,
            ),
            _ => None,
        };
        // The balancer's port is taken first: the nodes must answer for its name.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| format!("the balancer found no free port: {e}"))?;
        let balancer_port = listener.local_addr().map_err(|e| e.to_string())?.port();
        let binary = match settings.scale.node_binary.as_str() {
            "" => std::env::current_exe().map_err(|err| {
                tracing::warn!(target: "authlab::lab", %err, "scale lab: this server's own executable");
                "the server could not find its own executable to start nodes from".to_string()
            })?,
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
            let port = free_port().map_err(|e| format!("no free port for {name}: {e}"))?;
            let child = spawn_node(
                &mut group,
                &binary,
                &dir.0,
                &name,
                port,
                &store_url,
                balancer_port,
            )?;
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
            group,
            _dir: dir,
        })
    }

    /// The host name requests through the balancer carry.
    pub fn balancer_host(&self) -> String {
        format!("127.0.0.1:{}", self.balancer.port)
    }

    /// Stop node `index` (the learner "kills" it); the balancer finds out on its next try.
    pub async fn kill(&mut self, index: usize) {
        if let Some(node) = self.nodes.get_mut(index) {
            node.stop().await;
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
    group: &mut Group,
    binary: &Path,
    dir: &Path,
    name: &str,
    port: u16,
    store_url: &str,
    balancer_port: u16,
) -> Result<Child, String> {
    if !crate::lab::processes::wrapper_installed() {
        return Err(
            "util-linux's setpriv is not installed, and the lab starts no process it \
                    could not stop if the server died (Debian: apt-get install util-linux)"
                .into(),
        );
    }
    let log = std::fs::File::create(dir.join(format!("{name}.log")))
        .and_then(|log| Ok((log.try_clone()?, log)))
        .map_err(|err| {
            tracing::warn!(target: "authlab::lab", %err, "scale lab: a node's log file");
            format!("{name}'s log file could not be made (the server's log says why)")
        })?;
    let mut command = group.command(binary);
    command
        // Nothing of the lab's own environment leaks into a node (its store, its secrets).
        .env_clear()
        // Only what finding the wrapper and the node needs.
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
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
        .stdout(log.0)
        .stderr(log.1);
    group.spawn(&mut command).map_err(|err| {
        tracing::warn!(target: "authlab::lab", %err, binary = %binary.display(), "scale lab: a node did not start");
        format!("{name} could not be started (the server's log says why)")
    })
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
                tracing::warn!(target: "authlab::lab", %status, log = %tail, "scale lab: {name} exited while starting");
                return Err(format!(
                    "{name} stopped while starting ({status}); the server's log has its last lines"
                ));
            }
        }
        if let Ok(reply) =
            http::send(client, port, &host, Method::GET, paths::HEALTH, &[], None).await
        {
            if reply.status == 200 {
                return Ok(());
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(format!("{name} did not answer within {READY_WITHIN:?}"))
}
