//! The real server binary, started as a process on a free port: it logs every request, no
//! password sent to it (in good or broken bodies) ever appears in what it prints, a log nobody
//! reads never holds up an answer, and the lines such a log loses are counted and said.

use crate::common;

use crate::common::binary::{Binary, Output};
use std::{
    io::Read,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

/// The server, its log at trace level in `dir/server.log`.
fn start(dir: &std::path::Path) -> Binary {
    let output = Output::File(dir.join("server.log"));
    Binary::start(
        &dir.join("server.db"),
        &[("AUTHLAB_LOG_LEVEL", "trace")],
        output,
    )
}

/// The server with its stdout (the log) a pipe nobody reads until the test takes it, its stderr
/// in `dir/stderr.log`.
fn start_with_unread_log(dir: &std::path::Path) -> Binary {
    let log = dir.join("stderr.log");
    let output = Output::Streams {
        stdout: Stdio::piped(),
        stderr: std::fs::File::create(&log).unwrap().into(),
        log: Some(log),
    };
    Binary::start(
        &dir.join("server.db"),
        &[("AUTHLAB_LOG_LEVEL", "trace")],
        output,
    )
}

/// One HTTP/1.1 request with `Connection: close`; returns (status, body).
fn request(
    port: u16,
    method: &str,
    path: &str,
    json: Option<&str>,
) -> std::io::Result<(u16, String)> {
    common::raw_request(port, method, path, &[], json)
}

#[test]
fn server_logs_requests_but_never_a_password() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path());
    let secret = "Zebra-Quokka-7731";
    let cases: [(String, u16); 6] = [
        (
            format!(r#"{{"username":"logtest","password":"{secret}-ok"}}"#),
            201,
        ),
        (
            format!(r#"{{"username":"logtest","password":"{secret}-taken"}}"#),
            409,
        ),
        (
            format!(r#"{{"username":"Bad Name","password":"{secret}-name"}}"#),
            400,
        ),
        (
            format!(
                r#"{{"username":"logtest2","password":"{secret}{}"}}"#,
                "x".repeat(200)
            ),
            400,
        ),
        (
            format!(r#"{{"username":"logtest3","password":"{secret}-broken"#),
            400,
        ),
        (format!(r#"{{"password":"{secret}-missing"}}"#), 422),
    ];
    for (body, expected) in &cases {
        let (status, answer) = request(server.port, "POST", "/api/register", Some(body)).unwrap();
        assert_eq!(status, *expected, "{body} -> {answer}");
        assert!(answer.starts_with('{'), "JSON answer: {answer}");
    }
    // The log is written behind the requests' backs (`logging::init`): wait for the lines.
    let log_path = server.log.clone().expect("a log file");
    let logged = || {
        let log = std::fs::read_to_string(&log_path).unwrap_or_default();
        (log.matches("/api/register").count() >= cases.len(), log)
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while !logged().0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(server);
    let (every_request, log) = logged();
    assert!(every_request, "every request is logged:\n{log}");
    assert!(!log.contains(secret), "a password reached the log:\n{log}");
    assert!(!log.contains("panicked"), "{log}");
}

/// A log nobody reads (a pipe left unread, a terminal paused with Ctrl-S) fills up and then
/// blocks whoever writes to it. The log's own thread is the one that waits: requests go on being
/// answered, and lines past what the log's buffer holds are dropped, never waited for.
#[test]
fn requests_are_answered_while_nobody_reads_the_log() {
    let dir = tempfile::tempdir().unwrap();
    // Read by no one, and kept open: a pipe's buffer (64 KiB on Linux) holds a few hundred
    // request lines, far fewer than this test sends.
    let server = start_with_unread_log(dir.path());
    let requests = 3_000;
    for n in 0..requests {
        let answer = request(server.port, "GET", "/api/health", None);
        assert!(
            matches!(answer, Ok((200, _))),
            "request {n} of {requests} with the log unread: {answer:?}"
        );
    }
}

/// The dropped-line count `/api/health` reports for the log.
fn dropped_lines(port: u16) -> u64 {
    let (status, body) = request(port, "GET", "/api/health", None).unwrap();
    assert_eq!(status, 200, "{body}");
    let health: serde_json::Value = serde_json::from_str(&body).unwrap();
    health["log"]["dropped_lines"]
        .as_u64()
        .unwrap_or_else(|| panic!("health names the log's dropped lines: {body}"))
}

/// Lines past what the log's buffer holds are dropped, but not silently: `/api/health` counts
/// them, and once someone reads the log again it says how many it lost, so a reader knows the log
/// has a gap.
#[test]
fn a_log_that_dropped_lines_says_so_once_it_is_read_again() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = start_with_unread_log(dir.path());
    assert_eq!(dropped_lines(server.port), 0, "nothing dropped yet");
    // The buffer holds 2 MiB of lines (`logging::batched::CAPACITY`, about 14,000 of them) behind
    // a pipe nobody reads, and the writer thread as much again, blocked in its write.
    let mut sent = 0;
    while dropped_lines(server.port) == 0 {
        assert!(sent < 60_000, "no line dropped after {sent} requests");
        for _ in 0..1_000 {
            request(server.port, "GET", "/api/health", None).unwrap();
        }
        sent += 1_000;
    }
    // Now read the log, as a reader who comes back would.
    let mut stdout = server.child.stdout.take().unwrap();
    let (lines, read) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        let mut chunk = [0u8; 64 * 1024];
        while let Ok(n @ 1..) = stdout.read(&mut chunk) {
            if lines
                .send(String::from_utf8_lossy(&chunk[..n]).into_owned())
                .is_err()
            {
                break;
            }
        }
    });
    let mut seen = String::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !seen.contains("log lines were dropped") && Instant::now() < deadline {
        request(server.port, "GET", "/api/health", None).unwrap();
        while let Ok(chunk) = read.recv_timeout(Duration::from_millis(20)) {
            seen.push_str(&chunk);
        }
    }
    let warning = seen
        .lines()
        .find(|line| line.contains("log lines were dropped"))
        .unwrap_or_else(|| panic!("the log says it dropped lines (read {} bytes)", seen.len()));
    let total: u64 = warning
        .split("dropped_since_start=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("the warning carries the count: {warning}"));
    assert!(total > 0, "{warning}");
    assert!(
        total <= dropped_lines(server.port),
        "the warning's count is one health counted too: {warning}"
    );
}

/// A lab behind a reverse proxy that names no public host would take `Host: 127.0.0.1` from the
/// proxy and publish the demo accounts' passwords (alice's, an administrator's) to the network.
/// The real binary refuses to start that way and says why.
#[test]
fn trusted_proxy_without_public_hosts_refuses_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.toml");
    std::fs::write(&empty, "").unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_authlab"))
        .env("AUTHLAB_SETTINGS", &empty)
        .env(
            "AUTHLAB_LISTEN",
            format!("127.0.0.1:{}", crate::common::binary::free_port()),
        )
        .env(
            "AUTHLAB_DATABASE_URL",
            format!("sqlite://{}/server.db", dir.path().display()),
        )
        .env("AUTHLAB_TRUSTED_PROXY", "true")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("server binary starts");
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the server kept running with trusted_proxy on and no public host");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(!status.success(), "it must not start: {stderr}");
    assert!(
        stderr.contains("hosting.trusted_proxy") && stderr.contains("hosting.public_hosts"),
        "the reason names both settings: {stderr}"
    );
    assert!(!dir.path().join("server.db").exists(), "nothing was set up");
}
