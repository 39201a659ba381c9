//! What each authentication check costs on its own, measured with criterion on the crate's own
//! code (no HTTP, no router):
//!
//! - `verify`: a valid bearer token through `auth::jwt::verify` (every check of the token itself,
//!   trace included), per algorithm, next to a bare `jsonwebtoken::decode` with the same key and a
//!   `Validation` pinned to that algorithm (the reference: signature and claims, nothing else);
//! - `session_lookup`: `SessionStore::load` of an existing record, in memory, in SQLite (a real
//!   file, migrated by `db::sqlite::connect`) and in Redis;
//! - `denylist_lookup`: `Denylist::is_denied` for a jti that is not denied (the common case), on
//!   the same three stores;
//! - `argon2`: `PasswordHasher::verify` of a correct password (~14 ms a run, so 10 samples).
//!
//! Redis runs on a `redis-server` of the bench's own (`lab::redis_process::RedisProcess`: a free
//! loopback port, nothing persisted, killed when dropped, also on a panic). Without
//! `redis-server` on PATH only the Redis benchmarks are skipped.
//!
//! `scripts/bench.sh` runs it (`cargo bench --features ssr --bench auth_cost`) and reads
//! criterion's estimates from `target/criterion/`.

use authlab::{
    auth::{
        attacker_site::AttackerSite,
        csrf,
        jwt::{self, Claims, Mode, Plan},
        keys::{KeyRing, SigningKey},
        password::{Charged, PasswordHash, PasswordHasher},
        session::preview,
    },
    db::{self, sqlite::users::SqliteUsers, unix_now, users::Users},
    lab::redis_process::{RedisProcess, RedisProcessError},
    logging::echo,
    settings::{JwtSettings, Settings},
    store::{
        changes::Announcer,
        denylist::{
            memory::MemoryDenylist, redis::RedisDenylist, sqlite::SqliteDenylist, Denylist,
        },
        keys::sqlite::SqliteKeys,
        redis::Redis,
        sessions::{
            key_of, memory::MemorySessions, redis::RedisSessions, sqlite::SqliteSessions,
            SessionRecord, SessionStore,
        },
    },
    wire::{JwtAlg, Password, Role},
};
use criterion::{measurement::WallTime, BenchmarkGroup, BenchmarkId, Criterion};
use jsonwebtoken::{decode, Validation};
use std::{hint::black_box, sync::Arc};
use tokio::runtime::Runtime;

/// Lifetime of the benchmarked tokens: long enough to stay valid for the whole run.
const TOKEN_TTL_SECS: u64 = 24 * 3600;

/// Other records in each store beside the one looked up, so no lookup is into a one-row table.
const FILLER: usize = 500;

/// One valid token per algorithm, with what the reference needs to check it.
struct Signed {
    alg: JwtAlg,
    key: Arc<SigningKey>,
    token: String,
    /// jsonwebtoken's rules, pinned to `key`'s algorithm.
    validation: Validation,
}

/// The Redis stores, on a server of the bench's own.
struct RedisStores {
    sessions: RedisSessions,
    denylist: RedisDenylist,
    /// Last, so the connections go before the server: killed when dropped.
    _server: RedisProcess,
}

/// Everything the benchmarks read, built once.
struct Fixture {
    config: JwtSettings,
    keys: KeyRing,
    /// The attacker site's keys, which the verifier reads only for a weakened account.
    attacker: AttackerSite,
    signed: Vec<Signed>,
    /// The key of a session record present in every session store.
    session_key: String,
    /// A jti no denylist holds (the denylists hold `FILLER` others).
    allowed_jti: String,
    hasher: PasswordHasher,
    password: Password,
    hash: PasswordHash,
    memory_sessions: MemorySessions,
    sqlite_sessions: SqliteSessions,
    memory_denylist: MemoryDenylist,
    sqlite_denylist: SqliteDenylist,
    redis: Option<RedisStores>,
    db: sqlx::SqlitePool,
    /// Holds the SQLite file; last, so it goes after the connections.
    _dir: tempfile::TempDir,
}

impl Fixture {
    async fn new(redis_server: Option<RedisProcess>) -> Fixture {
        let settings = Settings::default();
        let config = settings.jwt.clone();
        let now = unix_now();
        let dir = tempfile::tempdir().expect("temp dir");
        let db = db::sqlite::connect(&format!("sqlite://{}/bench.db", dir.path().display()))
            .await
            .expect("database");

        // An account with a real argon2id hash: the key ring and the SQLite stores refer to it.
        let hasher = PasswordHasher::new(
            settings.passwords.hash_pool_size(),
            settings.passwords.max_queued_hashes,
            settings.passwords.max_hashes_per_account,
        )
        .expect("password hasher");
        let password = Password::new("correct horse battery staple");
        let hash = hasher
            .hash(&password, &Charged::default())
            .await
            .expect("argon2 hash");
        let user = SqliteUsers::new(db.clone())
            .insert("bench", &hash, Role::User, None)
            .await
            .expect("account");
        assert!(
            hasher
                .verify(&password, Some(&hash), &Charged::default())
                .await
                .expect("argon2 verify"),
            "the password must verify"
        );

        // The key ring as the server builds it, and one key and token per algorithm.
        let keys = KeyRing::load(
            Arc::new(SqliteKeys::new(db.clone())),
            Announcer::none(),
            settings.jwt.max_published_keys,
        )
        .await
        .expect("key ring");
        let attacker = AttackerSite::new(&[]).expect("attacker keys");
        let mut signed = Vec::new();
        for alg in [JwtAlg::HS256, JwtAlg::EdDSA, JwtAlg::ES256] {
            let key = keys.active(user.id, alg).await.expect("signing key");
            let (token, claims) = jwt::issue(
                &key,
                &user.username,
                user.role,
                TOKEN_TTL_SECS,
                &jwt::Delivery::Bearer,
                &config,
            )
            .expect("token");
            let mut trace = Plan::BEARER.trace();
            let (verified, _) = jwt::verify(
                &token,
                (&keys, &attacker),
                &config,
                &Plan::BEARER,
                &mut trace,
                Mode::FirstFailure,
            );
            assert_eq!(
                verified.as_ref(),
                Some(&claims),
                "{} token refused at {:?}",
                alg.as_str(),
                trace.failed()
            );
            let validation = reference_validation(&key, &config);
            decode::<Claims>(&token, &key.decoding, &validation).expect("reference decode");
            signed.push(Signed {
                alg,
                key,
                token,
                validation,
            });
        }

        // The same record in every session store, among FILLER others.
        let record = new_record(user.id, now);
        let memory_sessions = MemorySessions::default();
        let sqlite_sessions = SqliteSessions::new(db.clone());
        seed_sessions(&memory_sessions, &record, now).await;
        seed_sessions(&sqlite_sessions, &record, now).await;

        // A jti made as `jwt::issue` makes one, denied nowhere: the lookup every bearer request
        // of an account with the denylist switched on makes.
        let allowed_jti = csrf::new_token()[..22].to_string();
        let deny_until = now + TOKEN_TTL_SECS as i64;
        let memory_denylist = MemoryDenylist::default();
        let sqlite_denylist = SqliteDenylist::new(db.clone());
        seed_denylist(&memory_denylist, user.id, deny_until, &allowed_jti).await;
        seed_denylist(&sqlite_denylist, user.id, deny_until, &allowed_jti).await;

        let redis = match redis_server {
            Some(server) => {
                let redis = Redis::connect(&server.url(), "bench:").expect("redis url");
                redis.ping().await.expect("redis ping");
                let secs = |s: u64| i64::try_from(s).unwrap_or(i64::MAX);
                let sessions = RedisSessions::new(
                    redis.clone(),
                    secs(settings.session.absolute_timeout_secs),
                    secs(settings.retention.ended_sessions_secs),
                );
                let denylist = RedisDenylist::new(redis);
                seed_sessions(&sessions, &record, now).await;
                seed_denylist(&denylist, user.id, deny_until, &allowed_jti).await;
                Some(RedisStores {
                    sessions,
                    denylist,
                    _server: server,
                })
            }
            None => None,
        };

        Fixture {
            config,
            keys,
            attacker,
            signed,
            session_key: record.key,
            allowed_jti,
            hasher,
            password,
            hash,
            memory_sessions,
            sqlite_sessions,
            memory_denylist,
            sqlite_denylist,
            redis,
            db,
            _dir: dir,
        }
    }

    /// Close the database cleanly; the Redis server is killed as the rest is dropped.
    async fn close(self) {
        self.db.close().await;
    }
}

/// jsonwebtoken's own checks, as close to `jwt::verify`'s as it offers: the key's algorithm only,
/// `iss` and `aud` exact, `exp`, `iss`, `aud` and `sub` required, `nbf` and `exp` with the same
/// leeway. (It has no `typ` check and no required-claims list of ours; that is the difference.)
fn reference_validation(key: &SigningKey, config: &JwtSettings) -> Validation {
    let mut validation = Validation::new(key.algorithm());
    validation.set_issuer(&[config.issuer.as_str()]);
    validation.set_audience(&[config.audience.as_str()]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    validation.validate_nbf = true;
    validation.leeway = config.leeway_secs;
    validation
}

/// A session record made as `auth::session::Sessions::start` makes one.
fn new_record(user_id: i64, now: i64) -> SessionRecord {
    let id = tower_sessions::session::Id::default().to_string();
    SessionRecord {
        key: key_of(&id),
        id_preview: preview(&id),
        handle: csrf::new_token()[..12].to_string(),
        user_id,
        csrf_token: csrf::new_token(),
        user_agent: echo::shown("criterion (benches/auth_cost.rs)", 200),
        created_at: now,
        last_seen: now,
    }
}

/// `FILLER` records of the same account, then `record`, which must load back as it was.
async fn seed_sessions(store: &dyn SessionStore, record: &SessionRecord, now: i64) {
    for _ in 0..FILLER {
        store
            .create(&new_record(record.user_id, now))
            .await
            .expect("filler session");
    }
    store.create(record).await.expect("session");
    let loaded = store.load(&record.key).await.expect("session load");
    assert_eq!(loaded.as_ref(), Some(record), "the record must load back");
}

/// `FILLER` denied jtis (made as `jwt::issue` makes them); `allowed` must not be denied.
async fn seed_denylist(store: &dyn Denylist, user_id: i64, exp: i64, allowed: &str) {
    for _ in 0..FILLER {
        let jti = csrf::new_token()[..22].to_string();
        store.deny(&jti, user_id, exp).await.expect("deny");
    }
    assert!(
        !store.is_denied(allowed).await.expect("denylist lookup"),
        "the benchmarked jti must not be denied"
    );
}

/// The bench's own `redis-server`, or `None` (with a note) when it is not installed.
async fn start_redis() -> Option<RedisProcess> {
    match RedisProcess::start().await {
        Ok(server) => Some(server),
        Err(err @ RedisProcessError::NotInstalled) => {
            eprintln!("skipping the Redis benchmarks: {err}");
            None
        }
        Err(err) => panic!("redis-server did not start: {err}"),
    }
}

fn verify_group(c: &mut Criterion, f: &Fixture) {
    let mut group = c.benchmark_group("verify");
    let (keys, config) = ((&f.keys, &f.attacker), &f.config);
    for signed in &f.signed {
        let alg = signed.alg.as_str();
        let token = signed.token.as_str();
        // A fresh trace per call, as the bearer judge starts one per request.
        group.bench_function(BenchmarkId::new("authlab", alg), move |b| {
            b.iter(|| {
                let mut trace = Plan::BEARER.trace();
                let verdict = jwt::verify(
                    black_box(token),
                    keys,
                    config,
                    &Plan::BEARER,
                    &mut trace,
                    Mode::FirstFailure,
                );
                (verdict, trace)
            })
        });
        let (key, validation) = (&signed.key.decoding, &signed.validation);
        group.bench_function(BenchmarkId::new("jsonwebtoken", alg), move |b| {
            b.iter(|| decode::<Claims>(black_box(token), key, validation))
        });
    }
    group.finish();
}

fn bench_load(
    group: &mut BenchmarkGroup<'_, WallTime>,
    rt: &Runtime,
    id: &str,
    store: &dyn SessionStore,
    key: &str,
) {
    group.bench_function(id, move |b| {
        b.to_async(rt).iter(move || async move {
            store
                .load(black_box(key))
                .await
                .expect("session load")
                .expect("the record exists")
        })
    });
}

fn session_lookup_group(c: &mut Criterion, rt: &Runtime, f: &Fixture) {
    let mut group = c.benchmark_group("session_lookup");
    let key = f.session_key.as_str();
    bench_load(&mut group, rt, "memory", &f.memory_sessions, key);
    bench_load(&mut group, rt, "sqlite", &f.sqlite_sessions, key);
    if let Some(redis) = &f.redis {
        bench_load(&mut group, rt, "redis", &redis.sessions, key);
    }
    group.finish();
}

fn bench_is_denied(
    group: &mut BenchmarkGroup<'_, WallTime>,
    rt: &Runtime,
    id: &str,
    store: &dyn Denylist,
    jti: &str,
) {
    group.bench_function(id, move |b| {
        b.to_async(rt).iter(move || async move {
            store
                .is_denied(black_box(jti))
                .await
                .expect("denylist lookup")
        })
    });
}

fn denylist_lookup_group(c: &mut Criterion, rt: &Runtime, f: &Fixture) {
    let mut group = c.benchmark_group("denylist_lookup");
    let jti = f.allowed_jti.as_str();
    bench_is_denied(&mut group, rt, "memory", &f.memory_denylist, jti);
    bench_is_denied(&mut group, rt, "sqlite", &f.sqlite_denylist, jti);
    if let Some(redis) = &f.redis {
        bench_is_denied(&mut group, rt, "redis", &redis.denylist, jti);
    }
    group.finish();
}

fn argon2_group(c: &mut Criterion, rt: &Runtime, f: &Fixture) {
    let mut group = c.benchmark_group("argon2");
    // ~14 ms a run: criterion's minimum of 10 samples is plenty.
    group.sample_size(10);
    let (hasher, password, hash) = (&f.hasher, &f.password, &f.hash);
    // Through the hashing service, as a login runs it (on the blocking pool).
    group.bench_function("verify", move |b| {
        b.to_async(rt).iter(move || async move {
            hasher
                .verify(black_box(password), Some(hash), &Charged::default())
                .await
                .expect("argon2 verify")
        })
    });
    group.finish();
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let redis_server = rt.block_on(start_redis());
    let fixture = rt.block_on(Fixture::new(redis_server));

    let mut c = Criterion::default().configure_from_args();
    verify_group(&mut c, &fixture);
    session_lookup_group(&mut c, &rt, &fixture);
    denylist_lookup_group(&mut c, &rt, &fixture);
    argon2_group(&mut c, &rt, &fixture);
    c.final_summary();

    rt.block_on(fixture.close());
}
