//! A class at work, for `scripts/bench/class.sh`: one teacher and N learners as real HTTP clients
//! (one process, many concurrent clients, all from one address as a class behind a NAT is)
//! against a running authlab. Each learner does a lesson day's work: registers with the class
//! code, logs in both ways, keeps the live stream open, reads its state, runs lesson experiments
//! (a lesson account registered and signed in), sends workbench tokens, asks for a hint, solves a
//! challenge (a token replayed after logout) and refreshes its token. The teacher's grid is open
//! throughout, and the lag between each solve and the grid showing it is measured.
//!
//! A 503 from the password-hashing queue is retried after its `Retry-After`, as the page does;
//! every 429 and 5xx is counted.
//!
//! Usage: `class_day BASE_URL LEARNERS SECONDS TEACHER_TOKEN CLASS_ID CLASS_CODE`
//! Prints one JSON object (see `Report`).

use axum::{
    body::Bytes,
    http::{header, HeaderMap, HeaderValue, Method, Request},
};
use http_body_util::{BodyExt, Full};
use hyper_util::{
    client::legacy::{connect::HttpConnector, Client},
    rt::TokioExecutor,
};
use serde_json::{json, Value};
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

type HttpClient = Client<HttpConnector, Full<Bytes>>;

const PASSWORD: &str = "class-day-password-1";

/// What kind of request a timing belongs to.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Kind {
    /// Registrations and logins: an argon2 hash each.
    Hashed,
    /// Everything else a learner's page asks (not the long-lived stream or grid wait).
    Other,
}

#[derive(Default)]
struct Tally {
    times: HashMap<&'static str, Vec<f64>>,
    statuses: HashMap<u16, u64>,
    retried_503: u64,
    requests: u64,
    hashes: u64,
    /// (learner, when the solving request was answered).
    solves: Vec<(String, Instant)>,
    /// (learner, when the teacher's grid first showed their solve).
    seen: HashMap<String, Instant>,
    stream_events: u64,
    errors: Vec<String>,
}

struct Lab {
    client: HttpClient,
    base: String,
    host: String,
    tally: Mutex<Tally>,
}

struct Reply {
    status: u16,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with(&format!("{name}=")))
            .and_then(|v| v.split(';').next())
            .map(str::to_string)
    }
}

impl Lab {
    /// One request, timed and counted; a 503 with Retry-After is retried as the page does.
    async fn send(
        &self,
        kind: Kind,
        method: Method,
        path: &str,
        headers: &[(&str, String)],
        body: Option<Value>,
    ) -> Reply {
        let started = Instant::now();
        loop {
            let reply = self.once(method.clone(), path, headers, body.clone()).await;
            let retry = reply
                .headers
                .get(header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok())
                .filter(|_| reply.status == 503);
            // The tally is held only between awaits.
            {
                let mut tally = self.tally.lock().unwrap();
                tally.requests += 1;
                *tally.statuses.entry(reply.status).or_default() += 1;
                // A 503 from the queue hashed nothing: only an answered attempt counts.
                if kind == Kind::Hashed && retry.is_none() {
                    tally.hashes += 1;
                }
                if retry.is_some() {
                    tally.retried_503 += 1;
                } else {
                    let name = match kind {
                        Kind::Hashed => "hashed",
                        Kind::Other => "other",
                    };
                    tally
                        .times
                        .entry(name)
                        .or_default()
                        .push(started.elapsed().as_secs_f64() * 1000.0);
                    if reply.status >= 500 {
                        tally.errors.push(format!(
                            "{} {path}: {}",
                            reply.status,
                            body_text(&reply)
                        ));
                    }
                }
            }
            match retry {
                // The hash queue is full: wait what the server asks, as the page does.
                Some(secs) => tokio::time::sleep(Duration::from_secs(secs.max(1))).await,
                None => return reply,
            }
        }
    }

    async fn once(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, String)],
        body: Option<Value>,
    ) -> Reply {
        let text = body.as_ref().map(Value::to_string).unwrap_or_default();
        let mut request = Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base))
            .body(Full::new(Bytes::from(text)))
            .expect("request");
        let map = request.headers_mut();
        map.insert(header::HOST, HeaderValue::from_str(&self.host).unwrap());
        map.insert("sec-fetch-site", HeaderValue::from_static("same-origin"));
        if body.is_some() {
            map.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
        }
        for (name, value) in headers {
            if let Ok(value) = HeaderValue::from_str(value) {
                map.append(
                    axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                    value,
                );
            }
        }
        match tokio::time::timeout(Duration::from_secs(60), self.client.request(request)).await {
            Ok(Ok(answer)) => {
                let (parts, body) = answer.into_parts();
                let body = body
                    .collect()
                    .await
                    .map(|c| c.to_bytes().to_vec())
                    .unwrap_or_default();
                Reply {
                    status: parts.status.as_u16(),
                    headers: parts.headers,
                    body,
                }
            }
            _ => Reply {
                status: 599,
                headers: HeaderMap::new(),
                body: b"no answer".to_vec(),
            },
        }
    }
}

fn body_text(reply: &Reply) -> String {
    String::from_utf8_lossy(&reply.body)
        .chars()
        .take(160)
        .collect()
}

fn bearer(token: &str) -> (&'static str, String) {
    ("authorization", format!("Bearer {token}"))
}

/// Sign in by bearer; (access token, refresh cookie).
async fn jwt_login(lab: &Lab, name: &str) -> (String, String) {
    let reply = lab
        .send(
            Kind::Hashed,
            Method::POST,
            "/api/jwt/login",
            &[],
            Some(json!({"username": name, "password": PASSWORD})),
        )
        .await;
    let token = reply.json()["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let refresh = reply
        .set_cookie("__Secure-authlab_refresh")
        .unwrap_or_default();
    (token, refresh)
}

/// A tiny deterministic generator (each learner its own stream of choices).
struct Dice(u64);

impl Dice {
    fn next(&mut self, below: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % below
    }
}

async fn learner(lab: Arc<Lab>, index: usize, code: String, until: Instant) {
    let name = format!("learner-{index:03}");
    let mut dice = Dice(0x9E37_79B9_7F4A_7C15 ^ (index as u64 + 1));
    // Spread the class's arrival over the first seconds, as a class sits down.
    tokio::time::sleep(Duration::from_millis(dice.next(5_000))).await;
    let registered = lab
        .send(
            Kind::Hashed,
            Method::POST,
            "/api/register",
            &[],
            Some(json!({"username": name, "password": PASSWORD, "class_code": code})),
        )
        .await;
    if registered.status != 201 {
        lab.tally
            .lock()
            .unwrap()
            .errors
            .push(format!("register {name}: {}", body_text(&registered)));
        return;
    }
    // The cookie session, with its live stream open for the rest of the day.
    let login = lab
        .send(
            Kind::Hashed,
            Method::POST,
            "/api/session/login",
            &[],
            Some(json!({"username": name, "password": PASSWORD})),
        )
        .await;
    let cookie = login
        .set_cookie("__Host-authlab_session")
        .unwrap_or_default();
    let stream = tokio::spawn(follow_stream(lab.clone(), cookie.clone(), until));
    let (mut token, mut refresh) = jwt_login(&lab, &name).await;
    let mut token_at = Instant::now();
    let mut solved = false;
    let mut lesson_done = false;
    while Instant::now() < until {
        // Think time between actions: one to three seconds.
        tokio::time::sleep(Duration::from_millis(1_000 + dice.next(2_000))).await;
        if token_at.elapsed() > Duration::from_secs(90) {
            let reply = lab
                .send(
                    Kind::Other,
                    Method::POST,
                    "/api/jwt/refresh",
                    &[("cookie", refresh.clone())],
                    None,
                )
                .await;
            if let (Some(access), Some(next)) = (
                reply.json()["access_token"].as_str(),
                reply.set_cookie("__Secure-authlab_refresh"),
            ) {
                token = access.to_string();
                refresh = next;
                token_at = Instant::now();
            }
        }
        match dice.next(10) {
            0 | 1 => {
                lab.send(
                    Kind::Other,
                    Method::GET,
                    "/api/me",
                    &[("cookie", cookie.clone())],
                    None,
                )
                .await;
            }
            2 => {
                lab.send(Kind::Other, Method::GET, "/api/me", &[bearer(&token)], None)
                    .await;
            }
            3 => {
                lab.send(
                    Kind::Other,
                    Method::GET,
                    "/api/progress",
                    &[bearer(&token)],
                    None,
                )
                .await;
            }
            4 => {
                // A workbench token: the learner's own, its payload changed, sent to be refused.
                let mut parts: Vec<String> = token.split('.').map(str::to_string).collect();
                if parts.len() == 3 {
                    parts[1] = parts[1].chars().rev().collect();
                }
                lab.send(
                    Kind::Other,
                    Method::GET,
                    "/api/me",
                    &[bearer(&parts.join("."))],
                    None,
                )
                .await;
            }
            5 => {
                lab.send(
                    Kind::Other,
                    Method::POST,
                    "/api/jwt/decode",
                    &[],
                    Some(json!({ "token": token })),
                )
                .await;
            }
            6 => {
                lab.send(
                    Kind::Other,
                    Method::POST,
                    "/api/challenges/revoke-before-exp/hint",
                    &[bearer(&token)],
                    None,
                )
                .await;
            }
            7 if !lesson_done => {
                // A lesson's experiment: an account of the learner's, registered and signed in.
                lesson_done = true;
                let lesson = format!("lesson-{index:03}-a");
                lab.send(
                    Kind::Hashed,
                    Method::POST,
                    "/api/register",
                    &[bearer(&token)],
                    Some(json!({"username": lesson, "password": PASSWORD})),
                )
                .await;
                let (lesson_token, _) = jwt_login(&lab, &lesson).await;
                lab.send(
                    Kind::Other,
                    Method::GET,
                    "/api/me",
                    &[bearer(&lesson_token)],
                    None,
                )
                .await;
            }
            8 | 9 if !solved => {
                // The replay challenge: the token held before logout, used after it.
                solved = true;
                lab.send(
                    Kind::Other,
                    Method::POST,
                    "/api/jwt/logout",
                    &[bearer(&token), ("cookie", refresh.clone())],
                    None,
                )
                .await;
                lab.send(Kind::Other, Method::GET, "/api/me", &[bearer(&token)], None)
                    .await;
                lab.tally
                    .lock()
                    .unwrap()
                    .solves
                    .push((name.clone(), Instant::now()));
                (token, refresh) = jwt_login(&lab, &name).await;
                token_at = Instant::now();
            }
            _ => {
                lab.send(
                    Kind::Other,
                    Method::GET,
                    "/api/session/current",
                    &[("cookie", cookie.clone())],
                    None,
                )
                .await;
            }
        }
    }
    let _ = stream.await;
}

/// Hold the learner's live stream open until the end, counting what it brings.
async fn follow_stream(lab: Arc<Lab>, cookie: String, until: Instant) {
    let request = Request::builder()
        .method(Method::GET)
        .uri(format!("{}/api/audit/stream", lab.base))
        .header(header::HOST, lab.host.clone())
        .header(header::COOKIE, cookie)
        .body(Full::new(Bytes::new()))
        .unwrap();
    let Ok(Ok(answer)) =
        tokio::time::timeout(Duration::from_secs(30), lab.client.request(request)).await
    else {
        lab.tally
            .lock()
            .unwrap()
            .errors
            .push("stream: no answer".into());
        return;
    };
    {
        let mut tally = lab.tally.lock().unwrap();
        *tally.statuses.entry(answer.status().as_u16()).or_default() += 1;
        tally.requests += 1;
    }
    let mut body = answer.into_body();
    loop {
        let left = until.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, body.frame()).await {
            Ok(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    let events = data.windows(6).filter(|w| w == b"event:").count() as u64;
                    lab.tally.lock().unwrap().stream_events += events;
                }
            }
            _ => return,
        }
    }
}

/// The teacher's grid, held open all day: each answer is the grid after a change.
async fn teacher(lab: Arc<Lab>, token: String, class: i64, until: Instant) {
    let mut version = String::new();
    while Instant::now() < until {
        let path = if version.is_empty() {
            format!("/api/classes/{class}/grid")
        } else {
            format!("/api/classes/{class}/grid?wait={version}")
        };
        let reply = lab.once(Method::GET, &path, &[bearer(&token)], None).await;
        let now = Instant::now();
        if reply.status != 200 {
            lab.tally.lock().unwrap().errors.push(format!(
                "grid {}: {}",
                reply.status,
                body_text(&reply)
            ));
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        }
        let grid = reply.json();
        version = grid["version"].as_str().unwrap_or_default().to_string();
        let column = grid["challenges"]
            .as_array()
            .and_then(|c| c.iter().position(|id| id == "replay-after-logout"));
        let mut tally = lab.tally.lock().unwrap();
        for row in grid["learners"].as_array().into_iter().flatten() {
            let solved = column
                .and_then(|c| row["cells"][c]["solved_at_ms"].as_i64())
                .is_some();
            let name = row["username"].as_str().unwrap_or_default().to_string();
            if solved && !tally.seen.contains_key(&name) {
                tally.seen.insert(name, now);
            }
        }
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn summary(mut times: Vec<f64>) -> Value {
    times.sort_by(f64::total_cmp);
    json!({
        "count": times.len(),
        "p50_ms": percentile(&times, 50.0),
        "p95_ms": percentile(&times, 95.0),
        "p99_ms": percentile(&times, 99.0),
        "max_ms": times.last().copied().unwrap_or(0.0),
    })
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, base, learners, seconds, teacher_token, class, code] = &args[..] else {
        eprintln!("usage: class_day BASE_URL LEARNERS SECONDS TEACHER_TOKEN CLASS_ID CLASS_CODE");
        std::process::exit(2);
    };
    let learners: usize = learners.parse().expect("learners");
    let seconds: u64 = seconds.parse().expect("seconds");
    let class: i64 = class.parse().expect("class id");
    let host = base.trim_start_matches("http://").to_string();
    let client = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(1024)
        .build_http();
    let lab = Arc::new(Lab {
        client,
        base: base.clone(),
        host,
        tally: Mutex::new(Tally::default()),
    });
    let started = Instant::now();
    let until = started + Duration::from_secs(seconds);
    let grid = tokio::spawn(teacher(
        lab.clone(),
        teacher_token.clone(),
        class,
        until + Duration::from_secs(60),
    ));
    let class_members: Vec<_> = (0..learners)
        .map(|i| tokio::spawn(learner(lab.clone(), i, code.clone(), until)))
        .collect();
    for member in class_members {
        let _ = member.await;
    }
    // The class's working time: from the start to the last learner's last answer (the teacher's
    // last wait, held open up to 20 s, is not work).
    let wall = started.elapsed().as_secs_f64();
    // The last solves reach the grid well within this; then its wait is dropped.
    tokio::time::sleep(Duration::from_secs(2)).await;
    grid.abort();
    let mut tally = lab.tally.lock().unwrap();
    let lags: Vec<f64> = tally
        .solves
        .iter()
        .filter_map(|(name, at)| {
            tally
                .seen
                .get(name)
                .map(|seen| seen.saturating_duration_since(*at).as_secs_f64() * 1000.0)
        })
        .collect();
    let unseen = tally.solves.len() - lags.len();
    let statuses: HashMap<String, u64> = tally
        .statuses
        .iter()
        .map(|(s, n)| (s.to_string(), *n))
        .collect();
    let report = json!({
        "learners": learners,
        "seconds": wall,
        "requests": tally.requests,
        "requests_per_sec": tally.requests as f64 / wall,
        "other": summary(tally.times.remove("other").unwrap_or_default()),
        "hashed": summary(tally.times.remove("hashed").unwrap_or_default()),
        "hashes": tally.hashes,
        "statuses": statuses,
        "retried_503": tally.retried_503,
        "solves": tally.solves.len(),
        "grid_lag": summary(lags),
        "solves_never_seen": unseen,
        "stream_events": tally.stream_events,
        "errors": tally.errors.iter().take(10).collect::<Vec<_>>(),
    });
    println!("{report}");
}
