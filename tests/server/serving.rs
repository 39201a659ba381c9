//! The real binary on a real loopback port: slow or silent clients are cut off by the
//! header-read timeout, the connection limit holds extra clients in the accept queue, and a
//! shutdown signal ends live event streams and exits cleanly.

use crate::common::binary::{Binary, Output};
use std::{
    process::{Command, Stdio},
    time::Duration,
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

/// The server process (killed when dropped, so a failing test never leaves it running), and
/// the directory of its database.
struct Server {
    binary: Binary,
    _dir: tempfile::TempDir,
}

impl std::ops::Deref for Server {
    type Target = Binary;

    fn deref(&self) -> &Binary {
        &self.binary
    }
}

impl std::ops::DerefMut for Server {
    fn deref_mut(&mut self) -> &mut Binary {
        &mut self.binary
    }
}

async fn start(extra: &[(&str, &str)]) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let mut env = vec![("AUTHLAB_LOG_LEVEL", "warn")];
    env.extend_from_slice(extra);
    let output = Output::Streams {
        stdout: Stdio::null(),
        stderr: Stdio::inherit(),
        log: None,
    };
    let binary = Binary::start(&dir.path().join("serving.db"), &env, output);
    Server { binary, _dir: dir }
}

/// One request on a fresh connection (`Connection: close`), the whole answer as text.
async fn request(port: u16, head: &str) -> std::io::Result<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await?;
    let text = format!("{head}Host: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
    stream.write_all(text.as_bytes()).await?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await?;
    Ok(String::from_utf8_lossy(&answer).into_owned())
}

/// Whether the server closed `stream` (EOF, reset, or a final error answer) within `limit`.
/// The limit only keeps a broken server from hanging the test; it is not a performance bound.
async fn closed_by_server(stream: &mut TcpStream, limit: Duration) -> bool {
    let mut buffer = [0u8; 1024];
    loop {
        match tokio::time::timeout(limit, stream.read(&mut buffer)).await {
            Err(_) => return false,
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            // A 408 or similar before closing is fine; keep reading to the close.
            Ok(Ok(_)) => continue,
        }
    }
}

#[tokio::test]
async fn slowloris_half_open_requests_are_cut_off_by_the_header_timeout() {
    let server = start(&[("AUTHLAB_SERVER_HEADER_READ_TIMEOUT_SECS", "2")]).await;
    let mut held = Vec::new();
    for i in 0..150 {
        let mut stream = TcpStream::connect(("127.0.0.1", server.port))
            .await
            .unwrap();
        if i % 2 == 0 {
            // Half a request head, never finished.
            stream
                .write_all(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
                .await
                .unwrap();
        }
        // The odd ones connect and send nothing at all.
        held.push(stream);
    }
    let mut closed = 0;
    for stream in &mut held {
        if closed_by_server(stream, Duration::from_secs(60)).await {
            closed += 1;
        }
    }
    assert_eq!(
        closed,
        held.len(),
        "every half-open connection is closed by the server"
    );
    let answer = request(server.port, "GET /api/health HTTP/1.1\r\n")
        .await
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[tokio::test]
async fn connections_beyond_the_limit_wait_until_one_is_free() {
    let server = start(&[
        ("AUTHLAB_SERVER_MAX_CONNECTIONS", "3"),
        ("AUTHLAB_SERVER_HEADER_READ_TIMEOUT_SECS", "60"),
    ])
    .await;
    let mut idle = Vec::new();
    for _ in 0..3 {
        idle.push(
            TcpStream::connect(("127.0.0.1", server.port))
                .await
                .unwrap(),
        );
    }
    // Give the server a moment to accept the three (their slots are then taken).
    tokio::time::sleep(Duration::from_millis(500)).await;
    let port = server.port;
    let waiting = tokio::spawn(async move { request(port, "GET /api/health HTTP/1.1\r\n").await });
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(
        !waiting.is_finished(),
        "a fourth connection is not served while three are held"
    );
    drop(idle.pop());
    let answer = tokio::time::timeout(Duration::from_secs(60), waiting)
        .await
        .expect("served once a slot is free")
        .unwrap()
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[tokio::test]
async fn shutdown_ends_live_event_streams_and_exits_cleanly() {
    let mut server = start(&[]).await;
    let port = server.port;
    // Log in (the request helper sends no body), then open a stream on that session.
    let body = r#"{"username":"bob","password":"bob-builds-it"}"#;
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let text = format!(
        "POST /api/session/login HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(text.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let cookie = answer
        .lines()
        .find_map(|line| {
            let lower = line.to_ascii_lowercase();
            lower
                .starts_with("set-cookie: __host-authlab_session=")
                .then(|| {
                    line["set-cookie: ".len()..]
                        .split(';')
                        .next()
                        .unwrap()
                        .to_string()
                })
        })
        .expect("a session cookie");

    let mut events = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let open = format!(
        "GET /api/audit/stream HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nCookie: {cookie}\r\nAccept: text/event-stream\r\n\r\n"
    );
    events.write_all(open.as_bytes()).await.unwrap();
    let mut first = [0u8; 512];
    let read = events.read(&mut first).await.unwrap();
    assert!(
        String::from_utf8_lossy(&first[..read]).starts_with("HTTP/1.1 200"),
        "the stream opened"
    );

    let status = Command::new("kill")
        .arg("-TERM")
        .arg(server.child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
    let mut rest = Vec::new();
    let read_rest =
        tokio::time::timeout(Duration::from_secs(60), events.read_to_end(&mut rest)).await;
    assert!(read_rest.is_ok(), "the stream ended on shutdown");
    let rest = String::from_utf8_lossy(&rest);
    assert!(
        rest.contains("event: end") && rest.contains("shutting down"),
        "{rest}"
    );
    let mut exited = None;
    for _ in 0..600 {
        if let Some(code) = server.child.try_wait().unwrap() {
            exited = Some(code);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let code = exited.expect("the server exited after SIGTERM");
    assert!(code.success(), "{code:?}");
}
