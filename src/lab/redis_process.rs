//! A `redis-server` process of the lab's own: on a free loopback port, persisting nothing, in a
//! temporary directory, and stopped when dropped (also when the test or the experiment that
//! started it fails). The store tests run on it, and the scale-out lab takes one down to show an
//! outage without touching the store that serves the lab itself.

use std::{
    io::{Read, Write},
    net::{Ipv4Addr, TcpListener, TcpStream},
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

/// How long a fresh redis-server may take to answer.
const READY_WITHIN: Duration = Duration::from_secs(10);

pub struct RedisProcess {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum RedisProcessError {
    #[error(
        "redis-server is not installed (Debian: `apt-get install redis-server`; \
         ./scripts/run.sh and ./scripts/test.sh install it): {0}"
    )]
    NotInstalled(std::io::Error),
    #[error("redis-server did not start: {0}")]
    Start(String),
}

impl RedisProcess {
    /// Start one and wait until it answers `PING`.
    pub fn start() -> Result<Self, RedisProcessError> {
        let port = free_port().map_err(|e| RedisProcessError::Start(e.to_string()))?;
        let dir = std::env::temp_dir().join(format!("authlab-redis-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| RedisProcessError::Start(e.to_string()))?;
        let child = spawn(port, &dir)?;
        let mut process = RedisProcess {
            child: Some(child),
            port,
            dir,
        };
        process.wait_ready()?;
        Ok(process)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `redis://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Stop it now (the outage); `restart` brings it back on the same port, empty.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Freeze it (SIGSTOP): its connections stay open but nothing answers, as when a store hangs
    /// or the network to it is cut. Its data survives; `resume` brings it back.
    pub fn pause(&mut self) -> Result<(), RedisProcessError> {
        self.signal("-STOP")
    }

    /// Thaw it (SIGCONT) after `pause`.
    pub fn resume(&mut self) -> Result<(), RedisProcessError> {
        self.signal("-CONT")
    }

    fn signal(&self, which: &str) -> Result<(), RedisProcessError> {
        let Some(child) = &self.child else {
            return Err(RedisProcessError::Start("it is not running".into()));
        };
        let status = Command::new("kill")
            .args([which, &child.id().to_string()])
            .status()
            .map_err(|e| RedisProcessError::Start(e.to_string()))?;
        if status.success() {
            Ok(())
        } else {
            Err(RedisProcessError::Start(format!(
                "kill {which} failed: {status}"
            )))
        }
    }

    /// Start it again after `stop`, on the same port (empty: it persists nothing).
    pub fn restart(&mut self) -> Result<(), RedisProcessError> {
        if self.child.is_none() {
            self.child = Some(spawn(self.port, &self.dir)?);
        }
        self.wait_ready()
    }

    pub fn is_running(&self) -> bool {
        self.child.is_some()
    }

    fn wait_ready(&mut self) -> Result<(), RedisProcessError> {
        let started = Instant::now();
        while started.elapsed() < READY_WITHIN {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    self.child = None;
                    return Err(RedisProcessError::Start(format!("it exited: {status}")));
                }
            }
            if ping(self.port) {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.stop();
        Err(RedisProcessError::Start(format!(
            "no answer on port {} within {READY_WITHIN:?}",
            self.port
        )))
    }
}

impl Drop for RedisProcess {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn spawn(port: u16, dir: &std::path::Path) -> Result<Child, RedisProcessError> {
    Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        // Nothing on disk: the lab's Redis is for experiments, and a test's is thrown away.
        .args(["--save", "", "--appendonly", "no"])
        .arg("--dir")
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => RedisProcessError::NotInstalled(e),
            _ => RedisProcessError::Start(e.to_string()),
        })
}

/// A port nothing listens on now (the OS picks it).
fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
        .local_addr()?
        .port())
}

/// Whether a Redis answers `PING` on `port`.
fn ping(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect((Ipv4Addr::LOCALHOST, port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    let mut answer = [0u8; 7];
    stream.write_all(b"PING\r\n").is_ok()
        && stream.read_exact(&mut answer).is_ok()
        && &answer == b"+PONG\r\n"
}
