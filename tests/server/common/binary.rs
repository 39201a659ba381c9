//! The real server binary as a process of its own on a free loopback port: started with the
//! environment a test gives it, waited for until `/api/health` answers 200, and killed when
//! dropped, a failing test included, so none is ever left running.

use std::{
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

pub struct Binary {
    pub child: Child,
    pub port: u16,
    /// Where its output goes, if to a file: shown when it does not start.
    pub log: Option<PathBuf>,
}

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Its output: both streams into one file (one open file, so neither writes over the other's
/// lines), or as given.
pub enum Output {
    File(PathBuf),
    Streams {
        stdout: Stdio,
        stderr: Stdio,
        log: Option<PathBuf>,
    },
}

impl Binary {
    /// Start it on the SQLite file `database` with `env` (`AUTHLAB_*` pairs), and wait until it
    /// answers.
    pub fn start(database: &Path, env: &[(&str, &str)], output: Output) -> Binary {
        let port = free_port();
        let (stdout, stderr, log) = match output {
            Output::File(path) => {
                let file = std::fs::File::create(&path).unwrap();
                (file.try_clone().unwrap().into(), file.into(), Some(path))
            }
            Output::Streams {
                stdout,
                stderr,
                log,
            } => (stdout, stderr, log),
        };
        let mut command = Command::new(env!("CARGO_BIN_EXE_authlab"));
        command
            .env("AUTHLAB_LISTEN", format!("127.0.0.1:{port}"))
            .env(
                "AUTHLAB_DATABASE_URL",
                format!("sqlite://{}", database.display()),
            )
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr);
        for (name, value) in env {
            command.env(name, value);
        }
        let binary = Binary {
            child: command.spawn().expect("the server binary starts"),
            port,
            log,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok((200, _)) = super::raw_request(port, "GET", "/api/health", &[], None) {
                return binary;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let log = binary.log.as_ref().map(std::fs::read_to_string);
        panic!(
            "the server did not become ready; its log:\n{}",
            log.and_then(Result::ok).unwrap_or_default()
        );
    }
}
