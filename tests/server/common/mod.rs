//! Shared test harness: a real server state on a real SQLite file in a temp dir, driven through the
//! real router with `tower::ServiceExt::oneshot` (no network, no mocks).
#![allow(dead_code)]

pub mod binary;

use authlab::{server, settings::Settings, state::AppState};
use axum::{
    body::Body,
    http::{header, HeaderMap, Request, StatusCode},
    Router,
};
use http_body_util::BodyExt;
use serde_json::Value;
use tempfile::TempDir;
use tower::ServiceExt;

/// The test harness: the whole server (router, state, settings) on a database of its own, driven
/// in process.
pub struct Harness {
    pub app: Router,
    pub state: AppState,
    pub settings: Settings,
    pub dir: TempDir,
    /// A connection pool of the test's own on the server's database file, for the tests that
    /// look at what the file holds (the server reaches it only through its seams).
    pub sql: sqlx::SqlitePool,
}

/// A fresh server on its own database file.
pub async fn harness() -> Harness {
    let dir = tempfile::tempdir().expect("temp dir");
    harness_in(dir).await
}

/// A fresh server whose settings `adjust` changes first (short timeouts, say).
pub async fn harness_with(adjust: impl FnOnce(&mut Settings)) -> Harness {
    let dir = tempfile::tempdir().expect("temp dir");
    harness_in_with(dir, adjust).await
}

/// A server on the database in `dir` (reuse a dir to test what survives a restart).
pub async fn harness_in(dir: TempDir) -> Harness {
    harness_in_with(dir, |_| {}).await
}

pub async fn harness_in_with(dir: TempDir, adjust: impl FnOnce(&mut Settings)) -> Harness {
    let mut settings = Settings {
        database_url: format!("sqlite://{}/nested/server.db", dir.path().display()),
        ..Settings::default()
    };
    // Every request of a test comes from one client (no connection address), often logging in
    // as bob dozens of times a minute: the suite sets its own limits, out of the way. Tests of
    // a limit set that limit themselves in `adjust`.
    let generous: authlab::auth::rate_limit::Rate = "100000/1m".parse().unwrap();
    let limits = &mut settings.limits;
    for rate in [
        &mut limits.login_per_address,
        &mut limits.login_per_name_and_device,
        &mut limits.login_per_name,
        &mut limits.register_per_address,
        &mut limits.refresh_per_address,
        &mut limits.key_rotation_per_account,
        &mut limits.matrix_per_account,
    ] {
        *rate = generous;
    }
    limits.login_backoff_after = 1000;
    adjust(&mut settings);
    let site = server::site(&settings);
    let state = server::build_state(settings.clone(), site)
        .await
        .expect("server state");
    let sql = sqlx::SqlitePool::connect(&settings.database_url)
        .await
        .expect("the test's own pool");
    Harness {
        app: server::router(state.clone()),
        state,
        settings,
        dir,
        sql,
    }
}

/// A logged-in cookie session as a test client holds it.
#[derive(Clone, Debug)]
pub struct CookieSession {
    /// The session id from the `Set-Cookie` header.
    pub id: String,
    pub csrf: String,
    pub set_cookie: String,
}

impl CookieSession {
    pub fn cookie_header(&self) -> String {
        format!("{}={}", authlab::api::cookies::NAME, self.id)
    }
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|err| panic!("not JSON ({err}): {:?}", self.text))
    }
}

impl Harness {
    /// Send a request through the router. A request without a `Host` header gets the lab's own
    /// (`127.0.0.1:<port>`), as every browser request has one.
    pub async fn send(&self, mut request: Request<Body>) -> Answer {
        if !request.headers().contains_key(header::HOST) {
            let host = format!("127.0.0.1:{}", self.settings.listen.port());
            request
                .headers_mut()
                .insert(header::HOST, host.parse().unwrap());
        }
        let response = self
            .app
            .clone()
            .oneshot(request)
            .await
            .expect("router is infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        Answer {
            status,
            headers,
            text: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    /// POST a raw body with `Content-Type: application/json`.
    pub async fn post_json(&self, path: &str, body: impl Into<Body>) -> Answer {
        self.send(
            Request::post(path)
                .header(header::CONTENT_TYPE, "application/json")
                .body(body.into())
                .unwrap(),
        )
        .await
    }

    /// Register `username` through the API; panics unless it is created.
    pub async fn register(&self, username: &str, password: &str) {
        let answer = self
            .post_json(
                "/api/register",
                serde_json::json!({"username": username, "password": password}).to_string(),
            )
            .await;
        assert_eq!(
            answer.status,
            StatusCode::CREATED,
            "register: {}",
            answer.text
        );
    }

    /// The credential check the login modes call, on this lab's database and hasher.
    pub async fn check_credentials(
        &self,
        username: &str,
        password: &str,
    ) -> Result<authlab::db::users::User, authlab::auth::credentials::CredentialError> {
        authlab::auth::credentials::check_credentials(
            &*self.state.auth.users,
            &self.state.auth.passwords,
            username,
            &authlab::wire::Password::new(password),
            &authlab::auth::password::Charged::to(username),
        )
        .await
    }

    /// Log in in session mode as a same-origin browser would; panics unless it succeeds.
    pub async fn session_login(&self, username: &str, password: &str) -> CookieSession {
        let answer = self
            .send(
                Request::post("/api/session/login")
                    .header(header::CONTENT_TYPE, "application/json")
                    .header("sec-fetch-site", "same-origin")
                    .header(header::USER_AGENT, "integration-test")
                    .body(Body::from(
                        serde_json::json!({"username": username, "password": password}).to_string(),
                    ))
                    .unwrap(),
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "login: {}", answer.text);
        let set_cookie = answer
            .headers
            .get(header::SET_COOKIE)
            .expect("login sets a cookie")
            .to_str()
            .unwrap()
            .to_string();
        let id = set_cookie
            .split(';')
            .next()
            .and_then(|pair| pair.split_once('='))
            .map(|(_, value)| value.to_string())
            .unwrap();
        let csrf = answer.json()["csrf_token"].as_str().unwrap().to_string();
        CookieSession {
            id,
            csrf,
            set_cookie,
        }
    }

    /// Alice's login request, sent with a given `Cookie` header and `Sec-Fetch-Site`, if any.
    pub async fn raw_alice_login(
        &self,
        cookie: Option<String>,
        fetch_site: Option<&str>,
    ) -> Answer {
        let mut request =
            Request::post("/api/session/login").header(header::CONTENT_TYPE, "application/json");
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        if let Some(site) = fetch_site {
            request = request.header("sec-fetch-site", site);
        }
        self.send(
            request
                .body(Body::from(
                    r#"{"username":"alice","password":"alice-in-the-lab"}"#,
                ))
                .unwrap(),
        )
        .await
    }

    /// Log in in bearer mode; returns (access token, refresh token). Panics unless it succeeds.
    pub async fn jwt_login(&self, username: &str, password: &str) -> (String, String) {
        let answer = self
            .post_json(
                "/api/jwt/login",
                serde_json::json!({"username": username, "password": password}).to_string(),
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "jwt login: {}", answer.text);
        let refresh = refresh_cookie_value(&answer).expect("login sets the refresh cookie");
        let access = answer.json()["access_token"].as_str().unwrap().to_string();
        (access, refresh)
    }

    /// A request with `Authorization: Bearer <token>`.
    pub async fn bearer(&self, method: &str, path: &str, token: &str) -> Answer {
        self.send(
            Request::builder()
                .method(method)
                .uri(path)
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
    }

    /// `POST /api/jwt/logout` holding both tokens, as the page does.
    pub async fn jwt_logout(&self, access: &str, refresh: &str) -> Answer {
        self.send(
            Request::post("/api/jwt/logout")
                .header(header::AUTHORIZATION, format!("Bearer {access}"))
                .header(
                    header::COOKIE,
                    format!("{}={refresh}", authlab::auth::refresh::COOKIE),
                )
                .body(Body::empty())
                .unwrap(),
        )
        .await
    }

    /// `PUT /api/lab-settings` with a bearer token and a JSON patch.
    pub async fn bearer_put_settings(&self, token: &str, patch: &str) -> Answer {
        self.bearer_json("PUT", "/api/lab-settings", token, patch)
            .await
    }

    /// A request with a bearer token and a JSON body.
    pub async fn bearer_json(&self, method: &str, path: &str, token: &str, body: &str) -> Answer {
        self.send(
            Request::builder()
                .method(method)
                .uri(path)
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string()))
                .unwrap(),
        )
        .await
    }

    /// `POST /api/jwt/refresh` with this refresh token in its cookie.
    pub async fn refresh(&self, refresh_token: &str) -> Answer {
        self.send(
            Request::post("/api/jwt/refresh")
                .header(
                    header::COOKIE,
                    format!("{}={refresh_token}", authlab::auth::refresh::COOKIE),
                )
                .body(Body::empty())
                .unwrap(),
        )
        .await
    }

    /// GET with the session's cookie.
    pub async fn get_as(&self, session: &CookieSession, path: &str) -> Answer {
        self.send(
            Request::get(path)
                .header(header::COOKIE, session.cookie_header())
                .body(Body::empty())
                .unwrap(),
        )
        .await
    }

    /// A state-changing request with the cookie, from our own origin, with the CSRF token.
    pub async fn write_as(&self, session: &CookieSession, method: &str, path: &str) -> Answer {
        self.send(
            Request::builder()
                .method(method)
                .uri(path)
                .header(header::COOKIE, session.cookie_header())
                .header("sec-fetch-site", "same-origin")
                .header("x-csrf-token", &session.csrf)
                .body(Body::empty())
                .unwrap(),
        )
        .await
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send(Request::get(path).body(Body::empty()).unwrap())
            .await
    }
}

/// A token taken apart without a key, as anyone can: its header and payload as JSON.
pub fn token_halves(token: &str) -> (Value, Value) {
    use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
    let json = |part: &str| -> Value {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).expect("base64url")).expect("JSON")
    };
    let mut parts = token.split('.');
    let header = json(parts.next().unwrap_or_default());
    let payload = json(parts.next().unwrap_or_default());
    (header, payload)
}

/// The refresh token a response set, if any.
pub fn refresh_cookie_value(answer: &Answer) -> Option<String> {
    answer
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(authlab::auth::refresh::COOKIE))
        .and_then(|v| v.split(';').next())
        .and_then(|pair| pair.split_once('='))
        .map(|(_, value)| value.to_string())
        .filter(|value| !value.is_empty())
}

/// The name of the first failing check in a 401/403's decision trace.
pub fn failed_check(answer: &Answer) -> String {
    let body: authlab::wire::ApiErrorBody =
        serde_json::from_str(&answer.text).expect("JSON error body");
    let trace = body.auth.expect("a refusal carries the decision trace");
    assert!(!trace.allowed);
    trace
        .failed_check()
        .expect("a failing check")
        .name
        .to_string()
}

/// Assert the answer is a JSON API error with this status and code, and return its reason.
pub fn assert_api_error(answer: &Answer, status: StatusCode, code: &str) -> String {
    assert_eq!(answer.status, status, "body: {}", answer.text);
    assert_eq!(
        answer
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok()),
        Some("application/json"),
        "error bodies are JSON"
    );
    let body = answer.json();
    assert_eq!(body["error"], code, "body: {body}");
    let reason = body["reason"]
        .as_str()
        .expect("a reason string")
        .to_string();
    assert!(!reason.is_empty());
    reason
}

/// One HTTP/1.1 request over a real connection to `127.0.0.1:port`, `Connection: close`, with
/// `headers` and a JSON body if any: (status, body). For tests of the real binary.
pub fn raw_request(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    json: Option<&str>,
) -> std::io::Result<(u16, String)> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(std::time::Duration::from_secs(30)))?;
    let body = json.unwrap_or("");
    let extra: String = headers
        .iter()
        .map(|(name, value)| format!("{name}: {value}\r\n"))
        .collect();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{extra}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_string())
        .unwrap_or_default();
    Ok((status, body))
}

/// `owner`'s current signing key for `alg` (made now if it has none): a key the lab verifies with.
pub async fn active_key(
    server: &Harness,
    owner: &str,
    alg: authlab::wire::JwtAlg,
) -> std::sync::Arc<authlab::auth::keys::SigningKey> {
    let user = server
        .state
        .auth
        .users
        .find_by_username(owner)
        .await
        .unwrap()
        .unwrap();
    server.state.auth.keys.active(user.id, alg).await.unwrap()
}

/// A token signed with `owner`'s own HS256 key (a key the lab verifies with), with the exact
/// header (`typ` and `kid` set, then `header_extra` over them) and claims given: the genuine
/// signature over whatever the test wants the token to say.
pub async fn signed_by(
    server: &Harness,
    owner: &str,
    header_extra: Value,
    claims: Value,
) -> String {
    let key = active_key(server, owner, authlab::wire::JwtAlg::HS256).await;
    let mut header = jsonwebtoken::Header::new(key.algorithm());
    header.typ = Some(authlab::auth::jwt::TYP.into());
    header.kid = Some(key.kid.clone());
    let mut header = serde_json::to_value(&header).unwrap();
    for (k, v) in header_extra.as_object().unwrap() {
        header[k] = v.clone();
    }
    // Sign the exact header JSON we built (jsonwebtoken's Header has no `crit` field).
    use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
    let head = URL_SAFE_NO_PAD.encode(header.to_string());
    let body = URL_SAFE_NO_PAD.encode(claims.to_string());
    let message = format!("{head}.{body}");
    let signature =
        jsonwebtoken::crypto::sign(message.as_bytes(), &key.encoding, key.algorithm()).unwrap();
    format!("{message}.{signature}")
}
