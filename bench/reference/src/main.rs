//! The bare reference server: `GET /me/...` answered after exactly one kind of check each, the
//! way a minimal service would do it with the usual crates, and nothing else.
//!
//! - `/me/hs256`, `/me/eddsa`, `/me/es256`: verify a bearer JWT (jsonwebtoken, algorithm pinned,
//!   exp/iss/aud required);
//! - `/me/hs256-sqlite`: the same, plus one indexed SQLite lookup (what a denylist costs);
//! - `/me/hs256-redis`: the same, plus one Redis GET (a denylist on Redis);
//! - `/me/session`: a tower-sessions session on its SQLite store (WAL), read only;
//! - `/me/session-redis`: a session id from a cookie, its record read with one Redis GET and
//!   parsed (JSON), which is all a Redis session store does on a read;
//! - `/health`: nothing at all (the ceiling: what the server, the log line and HTTP cost).
//!
//! `POST /login` hands out one of each credential. Usage:
//! `authlab-reference ADDR DB_PATH [REDIS_URL]` (the Redis routes answer 503 without a URL).
//! Logs one line per request at info to stdout, as authlab's default does.

use axum::{
    extract::{Request, State},
    http::{header, HeaderMap, StatusCode},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sqlx::{sqlite::SqliteConnectOptions, SqlitePool};
use std::{sync::Arc, time::Instant};
use tower_sessions::{Session, SessionManagerLayer};
use tower_sessions_sqlx_store::SqliteStore;
use tracing_subscriber::{filter::Targets, layer::SubscriberExt, util::SubscriberInitExt};

/// authlab's log writer, the very file, so both servers pay the same for their log lines.
#[path = "../../../src/logging/batched.rs"]
#[allow(dead_code)] // its count of dropped lines is for authlab's health answer
mod batched;

/// The same allocator as authlab's (`src/main.rs`), and glibc's with the same feature.
#[cfg(not(feature = "system-allocator"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Serialize, Deserialize)]
struct Claims {
    sub: String,
    iss: String,
    aud: String,
    exp: u64,
    iat: u64,
    jti: String,
}

/// One algorithm's keys and rules.
struct Verifier {
    sign: EncodingKey,
    key: DecodingKey,
    rules: Validation,
}

/// Indexes into `Keys::verifiers`.
const HS256: usize = 0;
const EDDSA: usize = 1;
const ES256: usize = 2;

struct Keys {
    verifiers: [Verifier; 3],
    db: SqlitePool,
    redis: Option<redis::aio::ConnectionManager>,
}

#[derive(Serialize, Deserialize)]
struct SessionRecord {
    user: String,
    expires_at: u64,
}

impl Verifier {
    fn new(alg: Algorithm, sign: EncodingKey, key: DecodingKey) -> Self {
        let mut rules = Validation::new(alg);
        rules.set_issuer(&["reference"]);
        rules.set_audience(&["reference"]);
        rules.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        Verifier { sign, key, rules }
    }

    fn verify(&self, headers: &HeaderMap) -> Result<Claims, StatusCode> {
        let token = bearer(headers).ok_or(StatusCode::UNAUTHORIZED)?;
        jsonwebtoken::decode::<Claims>(token, &self.key, &self.rules)
            .map(|data| data.claims)
            .map_err(|_| StatusCode::UNAUTHORIZED)
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
}

fn welcome(user: &str) -> Response {
    Json(serde_json::json!({ "username": user })).into_response()
}

/// A bearer JWT of algorithm `ALG` (an index into `Keys::verifiers`), verified and nothing else.
async fn me_jwt<const ALG: usize>(State(keys): State<Arc<Keys>>, headers: HeaderMap) -> Response {
    match keys.verifiers[ALG].verify(&headers) {
        Ok(claims) => welcome(&claims.sub),
        Err(status) => status.into_response(),
    }
}

/// The answer once the denylist was asked: 503 when the store failed, 401 when the token's id
/// is on it.
fn after_denylist(denied: Result<bool, ()>, claims: &Claims) -> Response {
    match denied {
        Err(()) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
        Ok(true) => StatusCode::UNAUTHORIZED.into_response(),
        Ok(false) => welcome(&claims.sub),
    }
}

async fn me_hs256_redis(State(keys): State<Arc<Keys>>, headers: HeaderMap) -> Response {
    let claims = match keys.verifiers[HS256].verify(&headers) {
        Ok(claims) => claims,
        Err(status) => return status.into_response(),
    };
    let Some(mut redis) = keys.redis.clone() else {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    let denied = redis::cmd("GET")
        .arg(format!("denied:{}", claims.jti))
        .query_async::<Option<String>>(&mut redis)
        .await
        .map(|found| found.is_some())
        .map_err(|_| ());
    after_denylist(denied, &claims)
}

fn session_cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::COOKIE)?
        .to_str()
        .ok()?
        .split(';')
        .find_map(|pair| pair.trim().strip_prefix("sid="))
}

async fn me_session_redis(State(keys): State<Arc<Keys>>, headers: HeaderMap) -> Response {
    let Some(id) = session_cookie(&headers) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let Some(mut redis) = keys.redis.clone() else {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    let record: Option<String> = match redis::cmd("GET")
        .arg(format!("session:{id}"))
        .query_async(&mut redis)
        .await
    {
        Ok(found) => found,
        Err(_) => return StatusCode::SERVICE_UNAVAILABLE.into_response(),
    };
    let Some(record) = record.and_then(|r| serde_json::from_str::<SessionRecord>(&r).ok()) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    if record.expires_at < now_secs() {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    welcome(&record.user)
}

async fn health() -> Response {
    Json(serde_json::json!({ "ok": true })).into_response()
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

async fn me_hs256_sqlite(State(keys): State<Arc<Keys>>, headers: HeaderMap) -> Response {
    let claims = match keys.verifiers[HS256].verify(&headers) {
        Ok(claims) => claims,
        Err(status) => return status.into_response(),
    };
    let denied = sqlx::query_scalar::<_, i64>("SELECT 1 FROM denied WHERE jti = ?")
        .bind(&claims.jti)
        .fetch_optional(&keys.db)
        .await
        .map(|found| found.is_some())
        .map_err(|_| ());
    after_denylist(denied, &claims)
}

async fn me_session(session: Session) -> Response {
    match session.get::<String>("user").await {
        Ok(Some(user)) => welcome(&user),
        Ok(None) => StatusCode::UNAUTHORIZED.into_response(),
        Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}

/// One credential of each kind for bob.
async fn login(State(keys): State<Arc<Keys>>, session: Session) -> Response {
    let now = now_secs();
    let claims = Claims {
        sub: "bob".into(),
        iss: "reference".into(),
        aud: "reference".into(),
        exp: now + 3600,
        iat: now,
        jti: format!("{:032x}", rand::random::<u128>()),
    };
    let sign = |alg: Algorithm, which: usize| {
        jsonwebtoken::encode(&Header::new(alg), &claims, &keys.verifiers[which].sign)
            .unwrap_or_default()
    };
    if session.insert("user", "bob").await.is_err() {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    let mut redis_session = String::new();
    if let Some(mut redis) = keys.redis.clone() {
        let id = format!("{:032x}", rand::random::<u128>());
        let record = serde_json::json!({ "user": "bob", "expires_at": now + 3600 }).to_string();
        let stored: Result<(), _> = redis::cmd("SET")
            .arg(format!("session:{id}"))
            .arg(record)
            .arg("EX")
            .arg(3600)
            .query_async(&mut redis)
            .await;
        if stored.is_err() {
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
        redis_session = id;
    }
    Json(serde_json::json!({
        "hs256": sign(Algorithm::HS256, HS256),
        "eddsa": sign(Algorithm::EdDSA, EDDSA),
        "es256": sign(Algorithm::ES256, ES256),
        "redis_session": redis_session,
    }))
    .into_response()
}

/// The same request line authlab logs (`logging::log_request`).
async fn log_request(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    tracing::info!(
        target: "authlab::http",
        %method,
        %path,
        status = response.status().as_u16(),
        micros = started.elapsed().as_micros() as u64,
        "request"
    );
    response
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:3900".into());
    let db_path = args.next().unwrap_or_else(|| "reference.db".into());
    let redis = match args.next() {
        Some(url) => Some(
            redis::aio::ConnectionManager::new(redis::Client::open(url).expect("a Redis URL"))
                .await
                .expect("connect to Redis"),
        ),
        None => None,
    };
    // The same writer as authlab's (`logging::init`, the same file): lines gathered in a buffer
    // a thread of its own writes out, colours only on a terminal. Held until main returns.
    let stdout = std::io::stdout();
    let ansi = std::io::IsTerminal::is_terminal(&stdout);
    let (writer, _log) = batched::start(stdout).expect("the log's writer thread starts");
    let _ = tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_target(true)
                .with_ansi(ansi)
                .with_writer(writer),
        )
        .with(
            Targets::new()
                .with_default(tracing::Level::WARN)
                .with_target("authlab", tracing::Level::INFO),
        )
        .try_init();

    let db = SqlitePool::connect_with(
        SqliteConnectOptions::new()
            .filename(&db_path)
            .create_if_missing(true)
            .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal),
    )
    .await
    .expect("open the database");
    sqlx::query("CREATE TABLE IF NOT EXISTS denied (jti TEXT PRIMARY KEY, exp INTEGER NOT NULL)")
        .execute(&db)
        .await
        .expect("create the denylist");
    let store = SqliteStore::new(db.clone());
    store.migrate().await.expect("create the session table");

    let secret: [u8; 32] = rand::random();
    let signing = ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng);
    let der = ed25519_dalek::pkcs8::EncodePrivateKey::to_pkcs8_der(&signing).expect("pkcs8");
    let public = signing.verifying_key().to_bytes();
    let ec = p256::SecretKey::random(&mut rand::rngs::OsRng);
    let ec_der = p256::pkcs8::EncodePrivateKey::to_pkcs8_der(&ec).expect("pkcs8");
    let ec_point = {
        use p256::elliptic_curve::sec1::ToEncodedPoint;
        ec.public_key().to_encoded_point(false)
    };
    let keys = Arc::new(Keys {
        // In the order of the HS256, EDDSA and ES256 indexes.
        verifiers: [
            Verifier::new(
                Algorithm::HS256,
                EncodingKey::from_secret(&secret),
                DecodingKey::from_secret(&secret),
            ),
            Verifier::new(
                Algorithm::EdDSA,
                EncodingKey::from_ed_der(der.as_bytes()),
                DecodingKey::from_ed_der(&public),
            ),
            Verifier::new(
                Algorithm::ES256,
                EncodingKey::from_ec_der(ec_der.as_bytes()),
                DecodingKey::from_ec_der(ec_point.as_bytes()),
            ),
        ],
        db,
        redis,
    });

    let app = Router::new()
        .route("/login", post(login))
        .route("/me/hs256", get(me_jwt::<HS256>))
        .route("/me/eddsa", get(me_jwt::<EDDSA>))
        .route("/me/es256", get(me_jwt::<ES256>))
        .route("/me/hs256-sqlite", get(me_hs256_sqlite))
        .route("/me/hs256-redis", get(me_hs256_redis))
        .route("/me/session-redis", get(me_session_redis))
        .route("/health", get(health))
        .route("/me/session", get(me_session))
        .layer(SessionManagerLayer::new(store).with_secure(false))
        .layer(middleware::from_fn(log_request))
        .with_state(keys);
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .expect("bind the address");
    tracing::info!(target: "authlab::server", "reference listening on http://{addr}");
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .expect("serve");
}
