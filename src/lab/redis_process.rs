//! A `redis-server` process of the lab's own: on a free loopback port, persisting nothing, in a
//! temporary directory, and stopped when dropped (also when the test or the experiment that
//! started it fails, and, through `lab::processes`, when the server itself dies). The store tests
//! run on it, and the scale-out lab takes one down to show an outage without touching the store
//! that serves the lab itself.

use super::processes::{self, Group};
use rustix::process::Signal;
use std::{
    net::{Ipv4Addr, TcpListener},
    path::PathBuf,
    process::Stdio,
    time::{Duration, Instant},
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
    process::Child,
};

/// How long a fresh redis-server may take to answer.
const READY_WITHIN: Duration = Duration::from_secs(10);

/// Started alone (a test's), it is a process group of its own; inside a scale run, a member of
/// the run's (`Cluster` kills the group).
pub struct RedisProcess {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum RedisProcessError {
    #[error(
        "redis-server is not installed (Debian: `apt-get install redis-server`; \
         ./scripts/run.sh and ./scripts/test.sh install it)"
    )]
    NotInstalled,
    #[error(
        "util-linux's setpriv is not installed, and the lab starts no process it could not stop \
         if the server died (Debian: `apt-get install util-linux`)"
    )]
    NoWrapper,
    #[error("redis-server did not start: {0}")]
    Start(String),
}

impl RedisProcess {
    /// Start one in a process group of its own, and wait until it answers `PING`.
    pub async fn start() -> Result<Self, RedisProcessError> {
        RedisProcess::start_in(&mut Group::default()).await
    }

    /// Start one in `group` (a scale run's), and wait until it answers `PING`.
    pub async fn start_in(group: &mut Group) -> Result<Self, RedisProcessError> {
        let port = free_port().map_err(|e| RedisProcessError::Start(e.to_string()))?;
        let dir = std::env::temp_dir().join(format!("authlab-redis-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| RedisProcessError::Start(e.to_string()))?;
        let child = spawn(group, port, &dir)?;
        let mut process = RedisProcess {
            child: Some(child),
            port,
            dir,
        };
        process.wait_ready().await?;
        Ok(process)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `redis://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Stop it now (the outage) and wait until it is gone; `restart` brings it back on the same
    /// port, empty.
    pub async fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill().await;
        }
    }

    /// Freeze it (SIGSTOP): its connections stay open but nothing answers, as when a store hangs
    /// or the network to it is cut. Its data survives; `resume` brings it back.
    pub fn pause(&mut self) -> Result<(), RedisProcessError> {
        self.signal(Signal::STOP)
    }

    /// Thaw it (SIGCONT) after `pause`.
    pub fn resume(&mut self) -> Result<(), RedisProcessError> {
        self.signal(Signal::CONT)
    }

    fn signal(&self, signal: Signal) -> Result<(), RedisProcessError> {
        let Some(child) = &self.child else {
            return Err(RedisProcessError::Start("it is not running".into()));
        };
        processes::signal(child, signal).map_err(|e| RedisProcessError::Start(e.to_string()))
    }

    /// Start it again after `stop`, on the same port (empty: it persists nothing), in a group
    /// of its own (the old one ended with it).
    pub async fn restart(&mut self) -> Result<(), RedisProcessError> {
        if self.child.is_none() {
            self.child = Some(spawn(&mut Group::default(), self.port, &self.dir)?);
        }
        self.wait_ready().await
    }

    pub fn is_running(&self) -> bool {
        self.child.is_some()
    }

    async fn wait_ready(&mut self) -> Result<(), RedisProcessError> {
        let started = Instant::now();
        while started.elapsed() < READY_WITHIN {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    self.child = None;
                    return Err(RedisProcessError::Start(format!("it exited: {status}")));
                }
            }
            if ping(self.port).await {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.stop().await;
        Err(RedisProcessError::Start(format!(
            "no answer on port {} within {READY_WITHIN:?}",
            self.port
        )))
    }
}

impl Drop for RedisProcess {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            // A signal, never a wait: tokio reaps it.
            let _ = child.start_kill();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn spawn(group: &mut Group, port: u16, dir: &std::path::Path) -> Result<Child, RedisProcessError> {
    if !processes::installed("redis-server") {
        return Err(RedisProcessError::NotInstalled);
    }
    if !processes::wrapper_installed() {
        return Err(RedisProcessError::NoWrapper);
    }
    let mut command = group.command("redis-server");
    command
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        // Nothing on disk: the lab's Redis is for experiments, and a test's is thrown away.
        .args(["--save", "", "--appendonly", "no"])
        .arg("--dir")
        .arg(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    group
        .spawn(&mut command)
        .map_err(|e| RedisProcessError::Start(e.to_string()))
}

/// A port nothing listens on now (the OS picks it).
fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
        .local_addr()?
        .port())
}

/// Whether a Redis answers `PING` on `port` (within half a second).
async fn ping(port: u16) -> bool {
    let attempt = async {
        let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).await.ok()?;
        stream.write_all(b"PING\r\n").await.ok()?;
        let mut answer = [0u8; 7];
        stream.read_exact(&mut answer).await.ok()?;
        Some(&answer == b"+PONG\r\n")
    };
    tokio::time::timeout(Duration::from_millis(500), attempt)
        .await
        .ok()
        .flatten()
        .unwrap_or(false)
}
