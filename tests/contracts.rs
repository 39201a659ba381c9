//! The store and database test suite, written against the traits (`authlab::store`,
//! `authlab::db`), never against one implementation: each `*_contract` function states what every implementation must do, and
//! `contract!` (at the end) runs it on every backend its trait has: memory, SQLite (a real file)
//! and Redis (a real `redis-server` this test starts on a free loopback port and stops when it
//! ends, also when it fails). A test is `the_<store>_contract_holds_on::<backend>`.

use authlab::auth::{
    rate_limit::{Limiter, LocalLimiter, Rate},
    redis_limiter::RedisLimiter,
};
use authlab::db::unix_now;
use authlab::lab::redis_process::RedisProcess;
use authlab::store::{
    bff_vault::{
        memory::MemoryBffVault, redis::RedisBffVault, sqlite::SqliteBffVault, BffVault, Held,
    },
    captures::{
        memory::MemoryCaptures, redis::RedisCaptures, CaptureStore, Kind, MAX_CAPTURES,
        MAX_PER_ACCOUNT,
    },
    denylist::{memory::MemoryDenylist, redis::RedisDenylist, sqlite::SqliteDenylist, Denylist},
    keys::{sqlite::SqliteKeys, KeyStore, StoredKey},
    marks::{sqlite::SqliteMarks, MarkStore},
    proof_jtis::{
        memory::MemoryProofJtis, redis::RedisProofJtis, sqlite::SqliteProofJtis, ProofJtis,
    },
    redis::Redis,
    refresh::{
        memory::MemoryRefresh, redis::RedisRefresh, sqlite::SqliteRefresh, NewToken, RefreshStore,
        Won,
    },
    sessions::{
        memory::MemorySessions, redis::RedisSessions, sqlite::SqliteSessions, SessionRecord,
        SessionStore,
    },
    StoreError,
};
use authlab::{
    audit::{
        sqlite::SqliteAudit,
        table::{AuditTable, Row as AuditRow},
    },
    db::{
        password_hash::PasswordHash,
        sqlite::{switches::SqliteSwitches, users::SqliteUsers},
        switches::SwitchesTable,
        users::{AccessEnded, AccountChange, Scratch, UserError, Users},
        Database,
    },
    settings::RetentionSettings,
    wire::{AccountSwitches, AuthMode, Defence, JwtAlg, Role, SameSite},
};
use sqlx::SqlitePool;
use std::sync::Arc;
use tempfile::TempDir;

/// A fresh SQLite database with two accounts (the stores refer to accounts by id).
struct Fixture {
    db: SqlitePool,
    alice: i64,
    bob: i64,
    _dir: TempDir,
}

async fn sqlite() -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/stores.db", dir.path().display());
    let db = authlab::db::sqlite::connect(&url).await.expect("database");
    let mut ids = Vec::new();
    for name in ["alice", "bob"] {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (username, password_hash, role, created_at) \
             VALUES (?, 'not a hash', 'user', 0) RETURNING id",
        )
        .bind(name)
        .fetch_one(&db)
        .await
        .expect("account");
        ids.push(id);
    }
    Fixture {
        db,
        alice: ids[0],
        bob: ids[1],
        _dir: dir,
    }
}

/// A real redis-server of this test's own, and a connection to it (keys under `test:`).
async fn redis() -> (RedisProcess, Redis) {
    let server = RedisProcess::start()
        .await
        .expect("redis-server (./scripts/test.sh installs it)");
    let redis = Redis::connect(&server.url(), "test:").expect("redis url");
    (server, redis)
}

/// Account ids for the Redis stores (they keep ids only; no accounts table is needed).
const ALICE: i64 = 1;
const BOB: i64 = 2;

// ---------------------------------------------------------------------------------------------
// Sessions

fn record(key: &str, handle: &str, user_id: i64, at: i64) -> SessionRecord {
    SessionRecord {
        key: key.into(),
        id_preview: "abcdef…".into(),
        handle: handle.into(),
        user_id,
        csrf_token: format!("csrf-{key}"),
        user_agent: "test".into(),
        created_at: at,
        last_seen: at,
    }
}

async fn sessions_contract(store: &dyn SessionStore, alice: i64, bob: i64) {
    let one = record("k1", "h1", alice, 1_000);
    store.create(&one).await.unwrap();
    assert_eq!(store.load("k1").await.unwrap(), Some(one.clone()));
    assert_eq!(store.load("missing").await.unwrap(), None);
    // Never replaced: the same key (or handle) again is a collision.
    assert!(matches!(
        store.create(&record("k1", "h9", bob, 1)).await,
        Err(StoreError::Collision)
    ));
    assert!(matches!(
        store.create(&record("k9", "h1", bob, 1)).await,
        Err(StoreError::Collision)
    ));
    assert_eq!(store.load("k1").await.unwrap(), Some(one));

    // Touch moves last_seen forward only, and reports a missing record without creating it.
    let found = store
        .touch(&[("k1".into(), 1_500), ("ghost".into(), 1_500)])
        .await
        .unwrap();
    assert_eq!(found, [true, false]);
    store.touch(&[("k1".into(), 1_200)]).await.unwrap();
    assert_eq!(store.load("k1").await.unwrap().unwrap().last_seen, 1_500);
    assert_eq!(store.load("ghost").await.unwrap(), None);

    // Whatever a client sends as its user agent comes back as it was, after a touch too (the
    // Redis store rewrites its JSON record then).
    let odd = SessionRecord {
        user_agent: "quote \" backslash \\ slash / tab \t nul \u{1} é 漢 🦀 </script>".into(),
        ..record("k2", "h2", alice, 1_000)
    };
    store.create(&odd).await.unwrap();
    assert_eq!(store.touch(&[("k2".into(), 1_100)]).await.unwrap(), [true]);
    assert_eq!(
        store.load("k2").await.unwrap(),
        Some(SessionRecord {
            last_seen: 1_100,
            ..odd
        })
    );
    assert_eq!(store.end("k2", 1_100).await.unwrap(), Some(alice));

    // Ending deletes and remembers whose it was; a touch afterwards finds nothing.
    assert_eq!(store.end("k1", 2_000).await.unwrap(), Some(alice));
    assert_eq!(store.end("k1", 2_001).await.unwrap(), None);
    assert_eq!(store.touch(&[("k1".into(), 3_000)]).await.unwrap(), [false]);
    assert_eq!(store.load("k1").await.unwrap(), None);
    assert_eq!(store.owner_of("k1", 1_999).await.unwrap(), Some(alice));
    assert_eq!(store.owner_of("k1", 2_001).await.unwrap(), None);

    // Listing, ending by handle (only one's own), ending all but one.
    for (key, at) in [("a1", 10), ("a2", 20), ("a3", 30)] {
        store
            .create(&record(key, &format!("h-{key}"), alice, at))
            .await
            .unwrap();
    }
    store.create(&record("b1", "h-b1", bob, 5)).await.unwrap();
    let listed: Vec<String> = store
        .list_of(alice)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.key)
        .collect();
    assert_eq!(listed, ["a1", "a2", "a3"], "oldest first");
    assert!(!store.end_by_handle(bob, "h-a1", 40).await.unwrap());
    assert!(store.end_by_handle(alice, "h-a1", 40).await.unwrap());
    assert_eq!(store.end_all_of(alice, Some("a3"), 41).await.unwrap(), 1);
    let left: Vec<String> = store
        .list_of(alice)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.key)
        .collect();
    assert_eq!(left, ["a3"]);
    assert_eq!(
        store.list_of(bob).await.unwrap().len(),
        1,
        "bob's untouched"
    );

    // Expiry by idle time or by age; then the memory of ended sessions is forgotten in time.
    assert_eq!(store.end_expired(6, 0, 50).await.unwrap(), 1, "b1 idle");
    assert_eq!(store.end_expired(0, 31, 51).await.unwrap(), 1, "a3 too old");
    assert!(store.list_of(alice).await.unwrap().is_empty());
    assert_eq!(store.owner_of("b1", 0).await.unwrap(), Some(bob));
    assert!(store.forget_ended(10_000).await.unwrap() >= 1);
    assert_eq!(store.owner_of("b1", 0).await.unwrap(), None);
}

// ---------------------------------------------------------------------------------------------
// Refresh tokens

fn token(hash: &str, family: &str, user_id: i64, expires_at: i64, started: i64) -> NewToken {
    NewToken {
        hash: hash.into(),
        family: family.into(),
        user_id,
        created_at: started,
        expires_at,
        family_started_at: started,
    }
}

async fn refresh_contract(store: Arc<dyn RefreshStore>, alice: i64, bob: i64) {
    store
        .insert(&token("t1", "fam", alice, 1_000, 100))
        .await
        .unwrap();
    assert_eq!(store.owner_of_live("t1", 200).await.unwrap(), Some(alice));
    assert_eq!(
        store.owner_of_live("t1", 1_000).await.unwrap(),
        None,
        "expired"
    );

    // A rotation wins once, and its successor joins the family.
    let next = |won: &Won| token("t2", &won.family, won.user_id, 1_100, won.family_started_at);
    let won = store.rotate("t1", 200, 0, &next).await.unwrap();
    assert_eq!(
        won,
        Some(Won {
            family: "fam".into(),
            user_id: alice,
            family_started_at: 100,
        })
    );
    let never = |_: &Won| -> NewToken { panic!("a losing rotation stores no successor") };
    assert_eq!(store.rotate("t1", 201, 0, &never).await.unwrap(), None);
    let used = store.find("t1").await.unwrap().unwrap();
    assert_eq!(used.used_at, Some(200));
    let successor = store.find("t2").await.unwrap().unwrap();
    assert_eq!(
        (successor.family.as_str(), successor.used_at),
        ("fam", None)
    );
    assert_eq!(store.owner_of_live("t1", 300).await.unwrap(), None, "used");

    // Past the family's absolute lifetime no rotation wins.
    assert_eq!(store.rotate("t2", 300, 100, &never).await.unwrap(), None);
    // Nor in a family with a revoked member, nor for an unknown token.
    store
        .insert(&token("r1", "fam2", alice, 9_000, 100))
        .await
        .unwrap();
    store
        .insert(&token("r2", "fam2", alice, 9_000, 100))
        .await
        .unwrap();
    assert_eq!(store.revoke_family("fam2", 400).await.unwrap(), 2);
    assert_eq!(
        store.find("r1").await.unwrap().unwrap().revoked_at,
        Some(400)
    );
    assert_eq!(store.rotate("r1", 401, 0, &never).await.unwrap(), None);
    assert_eq!(store.rotate("nobody", 401, 0, &never).await.unwrap(), None);
    assert_eq!(store.find("nobody").await.unwrap(), None);

    // Reuse revokes the family in one step.
    store
        .insert(&token("u1", "fam3", bob, 9_000, 100))
        .await
        .unwrap();
    store.reuse_detected("fam3", bob, 500).await.unwrap();
    assert_eq!(
        store.find("u1").await.unwrap().unwrap().revoked_at,
        Some(500)
    );

    // Revoking a user reaches every family of theirs and nobody else's.
    store
        .insert(&token("b1", "fam4", bob, 9_000, 100))
        .await
        .unwrap();
    store
        .insert(&token("a1", "fam5", alice, 9_000, 100))
        .await
        .unwrap();
    assert_eq!(store.revoke_user(bob, 600).await.unwrap(), 1);
    assert_eq!(store.owner_of_live("b1", 601).await.unwrap(), None);
    assert_eq!(store.owner_of_live("a1", 601).await.unwrap(), Some(alice));

    // Of many concurrent rotations of one token, exactly one wins.
    store
        .insert(&token("race", "fam6", alice, 9_000, 100))
        .await
        .unwrap();
    let mut racers = Vec::new();
    for i in 0..8 {
        let store = store.clone();
        racers.push(tokio::spawn(async move {
            let next =
                move |won: &Won| token(&format!("race-{i}"), &won.family, won.user_id, 9_000, 100);
            store.rotate("race", 700, 0, &next).await.unwrap().is_some()
        }));
    }
    let mut wins = 0;
    for racer in racers {
        wins += racer.await.unwrap() as usize;
    }
    assert_eq!(wins, 1);
}

// ---------------------------------------------------------------------------------------------
// Denylist and not-before marks

async fn denylist_contract(store: &dyn Denylist, alice: i64, _bob: i64) {
    assert!(!store.is_denied("j1").await.unwrap());
    store.deny("j1", alice, 1_000).await.unwrap();
    store.deny("j1", alice, 1_000).await.unwrap();
    store.deny("j2", alice, 2_000).await.unwrap();
    assert!(store.is_denied("j1").await.unwrap());
    assert!(store.is_denied("j2").await.unwrap());
    // Past its exp an entry may go: the token is refused by its exp anyway.
    assert_eq!(store.purge_expired(1_500).await.unwrap(), 1);
    assert!(!store.is_denied("j1").await.unwrap());
    assert!(store.is_denied("j2").await.unwrap());
}

/// Redis taken away: a store call fails at once with a store error (the 503 a request gets),
/// and once Redis is back the same store object works again, nothing restarted or reconnected
/// by hand.
#[tokio::test]
async fn a_redis_store_fails_while_redis_is_down_and_recovers_when_it_is_back() {
    let (mut server, redis) = redis().await;
    let store = RedisDenylist::new(redis);
    store.deny("j1", ALICE, 1_000).await.unwrap();
    assert!(store.is_denied("j1").await.unwrap());

    server.stop().await;
    assert!(matches!(
        store.is_denied("j1").await,
        Err(StoreError::Backend(_))
    ));

    server.restart().await.expect("redis-server again");
    // The connection manager reconnects in the background; the first call may still meet the
    // old socket. A bounded number of tries, no time limit asserted.
    let mut answer = store.is_denied("j1").await;
    for _ in 0..100 {
        if answer.is_ok() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        answer = store.is_denied("j1").await;
    }
    assert!(
        !answer.expect("the store works again"),
        "a restarted lab Redis is empty: it persists nothing"
    );
    store.deny("j2", ALICE, 1_000).await.unwrap();
    assert!(store.is_denied("j2").await.unwrap());
}

// DPoP replay cache

async fn proof_jtis_contract(store: &dyn ProofJtis, _alice: i64, _bob: i64) {
    let now = unix_now();
    let (key, other) = ("k".repeat(43), "o".repeat(43));
    assert!(
        store.first_use(&key, "j1", now + 60, 8, now).await.unwrap(),
        "new"
    );
    assert!(
        !store.first_use(&key, "j1", now + 60, 8, now).await.unwrap(),
        "a replay"
    );
    assert!(
        !store.first_use(&key, "j1", now + 90, 8, now).await.unwrap(),
        "a replay, whatever its time"
    );
    // A jti is per key: another key's proof with the same jti is its own.
    assert!(store
        .first_use(&other, "j1", now + 60, 8, now)
        .await
        .unwrap());
    assert_eq!(store.count(&key, unix_now()).await.unwrap(), 1);

    // Past the cap the entries nearest their end go first; the newest are kept.
    for i in 0..12 {
        let jti = format!("c{i}");
        assert!(store
            .first_use(&key, &jti, now + 100 + i, 8, now)
            .await
            .unwrap());
    }
    assert_eq!(
        store.count(&key, unix_now()).await.unwrap(),
        8,
        "capped at 8"
    );
    assert!(
        !store
            .first_use(&key, "c11", now + 200, 8, now)
            .await
            .unwrap(),
        "the newest is kept"
    );
    assert_eq!(
        store.count(&other, unix_now()).await.unwrap(),
        1,
        "the cap is per key"
    );

    // An entry past its time is not counted, and a purge forgets it.
    let stale = "s".repeat(43);
    assert!(store
        .first_use(&stale, "old", now - 5, 8, now)
        .await
        .unwrap());
    assert_eq!(store.count(&stale, unix_now()).await.unwrap(), 0);
    store.purge_expired(now).await.unwrap();
    assert_eq!(store.count(&stale, unix_now()).await.unwrap(), 0);
    assert_eq!(
        store.count(&other, unix_now()).await.unwrap(),
        1,
        "a purge keeps what is live"
    );
}

// The BFF's vault

async fn bff_vault_contract(store: &dyn BffVault, _alice: i64, _bob: i64) {
    let now = unix_now();
    let held = |n: i64| Held {
        access: format!("access-{n}"),
        access_exp: now + n,
        refresh: format!("refresh-{n}"),
        refresh_exp: now + 10 * n,
    };
    assert!(store.get("k", unix_now()).await.unwrap().is_none());
    store.put("k", &held(1), now + 60).await.unwrap();
    let got = store.get("k", unix_now()).await.unwrap().expect("kept");
    assert!(got == held(1));
    // A refresh replaces what is held.
    store.put("k", &held(2), now + 60).await.unwrap();
    assert!(store.get("k", unix_now()).await.unwrap().unwrap() == held(2));
    assert!(store.get("other", unix_now()).await.unwrap().is_none());
    store.delete("k").await.unwrap();
    assert!(store.get("k", unix_now()).await.unwrap().is_none());
    // Past its time an entry is gone, purged or not.
    store.put("old", &held(3), now - 5).await.unwrap();
    assert!(store.get("old", unix_now()).await.unwrap().is_none());
    store.put("live", &held(4), now + 60).await.unwrap();
    store.purge_expired(now).await.unwrap();
    assert!(store.get("old", unix_now()).await.unwrap().is_none());
    assert!(
        store.get("live", unix_now()).await.unwrap().is_some(),
        "a purge keeps what is live"
    );
}

async fn marks_contract(store: &dyn MarkStore, alice: i64, bob: i64) {
    assert!(store.all().await.unwrap().is_empty());
    store.set(alice, 100).await.unwrap();
    store.set(bob, 50).await.unwrap();
    store.set(alice, 200).await.unwrap();
    let mut all = store.all().await.unwrap();
    all.sort();
    assert_eq!(all, [("alice".to_string(), 200), ("bob".to_string(), 50)]);
}

// ---------------------------------------------------------------------------------------------
// Signing keys

fn key(kid: &str, owner_id: i64, alg: JwtAlg, created_at: i64) -> StoredKey {
    StoredKey {
        kid: kid.into(),
        owner_id,
        alg,
        secret: vec![7; 32],
        created_at,
        rotated_at: None,
    }
}

async fn keys_contract(store: &dyn KeyStore, alice: i64, bob: i64) {
    store
        .insert(&key("a-hs", alice, JwtAlg::HS256, 10))
        .await
        .unwrap();
    store
        .insert(&key("a-ed", alice, JwtAlg::EdDSA, 11))
        .await
        .unwrap();
    store
        .insert(&key("b-hs", bob, JwtAlg::HS256, 12))
        .await
        .unwrap();
    // A kid is unique.
    assert!(matches!(
        store.insert(&key("a-hs", bob, JwtAlg::HS256, 13)).await,
        Err(StoreError::Collision)
    ));
    let mut all = store.all().await.unwrap();
    all.sort_by_key(|k| k.created_at);
    assert_eq!(
        all,
        vec![
            key("a-hs", alice, JwtAlg::HS256, 10),
            key("a-ed", alice, JwtAlg::EdDSA, 11),
            key("b-hs", bob, JwtAlg::HS256, 12),
        ]
    );

    // Rotation marks only the owner's current key of that algorithm.
    store.mark_rotated(alice, JwtAlg::HS256, 20).await.unwrap();
    let rotated =
        |all: &[StoredKey], kid: &str| all.iter().find(|k| k.kid == kid).map(|k| k.rotated_at);
    let all = store.all().await.unwrap();
    assert_eq!(rotated(&all, "a-hs"), Some(Some(20)));
    assert_eq!(rotated(&all, "a-ed"), Some(None));
    assert_eq!(rotated(&all, "b-hs"), Some(None));
    // An already rotated key keeps its time.
    store
        .insert(&key("a-hs2", alice, JwtAlg::HS256, 21))
        .await
        .unwrap();
    store.mark_rotated(alice, JwtAlg::HS256, 30).await.unwrap();
    let all = store.all().await.unwrap();
    assert_eq!(rotated(&all, "a-hs"), Some(Some(20)));
    assert_eq!(rotated(&all, "a-hs2"), Some(Some(30)));

    // Retiring by age deletes only keys rotated out before the cutoff.
    store.delete_rotated_before(25).await.unwrap();
    let all = store.all().await.unwrap();
    assert_eq!(rotated(&all, "a-hs"), None);
    assert_eq!(rotated(&all, "a-hs2"), Some(Some(30)));

    // Retiring an owner's rotated keys leaves their live keys and everyone else's.
    store.mark_rotated(bob, JwtAlg::HS256, 40).await.unwrap();
    store.delete_rotated(alice).await.unwrap();
    let mut kids: Vec<String> = store
        .all()
        .await
        .unwrap()
        .into_iter()
        .map(|k| k.kid)
        .collect();
    kids.sort();
    assert_eq!(kids, ["a-ed", "b-hs"]);
}

// ---------------------------------------------------------------------------------------------
// Replay captures

async fn captures_contract(store: &dyn CaptureStore, _alice: i64, _bob: i64) {
    store
        .keep("h-session", Kind::Session, 1, "session-id", 1_000, 100)
        .await
        .unwrap();
    assert_eq!(
        store.get("h-session", 500).await.unwrap(),
        Some((Kind::Session, "session-id".to_string()))
    );
    assert_eq!(
        store.get("h-session", 1_000).await.unwrap(),
        None,
        "expired"
    );
    assert_eq!(store.get("no such handle", 500).await.unwrap(), None);
    // Never replaced: a taken handle is a collision, and the copy stays.
    assert!(matches!(
        store
            .keep("h-session", Kind::Refresh, 2, "other", 9_000, 500)
            .await,
        Err(StoreError::Collision)
    ));
    assert_eq!(
        store.get("h-session", 500).await.unwrap(),
        Some((Kind::Session, "session-id".to_string()))
    );

    // One account holds at most its own cap, its oldest going first.
    store
        .keep("h-first", Kind::Refresh, 7, "first", 9_000, 100)
        .await
        .unwrap();
    for i in 0..MAX_PER_ACCOUNT {
        store
            .keep(
                &format!("h-r-{i}"),
                Kind::Refresh,
                7,
                &format!("r-{i}"),
                9_000,
                100,
            )
            .await
            .unwrap();
    }
    assert_eq!(
        store.get("h-first", 200).await.unwrap(),
        None,
        "the oldest went first"
    );

    // A deleted account's copies all go, and nobody else's.
    assert_eq!(store.forget_owner(7).await.unwrap(), MAX_PER_ACCOUNT);
    assert_eq!(store.get("h-r-0", 200).await.unwrap(), None);
    assert!(store.get("h-session", 200).await.unwrap().is_some());
    assert_eq!(store.count().await.unwrap(), 1);
    assert_eq!(store.forget_owner(7).await.unwrap(), 0);

    // Spam from many accounts never holds more than the total cap; the newest is kept.
    let mut newest = String::new();
    for i in 0..(MAX_CAPTURES as i64 + 300) {
        newest = format!("h-spam-{i}");
        store
            .keep(
                &newest,
                Kind::Session,
                1_000 + i,
                &format!("id-{i}"),
                9_000,
                100,
            )
            .await
            .unwrap();
    }
    assert_eq!(store.count().await.unwrap(), MAX_CAPTURES);
    assert!(store.get(&newest, 200).await.unwrap().is_some());
}

// ---------------------------------------------------------------------------------------------
// Rate-limit buckets

/// Three attempts at once, then a wait of at most one refill step; another key has its own
/// bucket.
async fn limiter_contract(limiter: &dyn Limiter, _alice: i64, _bob: i64) {
    for _ in 0..3 {
        limiter.check("a").await.unwrap();
    }
    let wait = limiter.check("a").await.unwrap_err();
    assert!(wait.0 <= std::time::Duration::from_secs(20), "{wait:?}");
    assert!(wait.secs() >= 1);
    limiter.check("b").await.unwrap();
}

/// A second limiter on the same Redis (another node) meets the same bucket.
#[tokio::test]
async fn redis_buckets_are_shared_by_every_limiter_on_them() {
    let (_server, redis) = redis().await;
    let first = RedisLimiter::new(redis.clone(), "t", Rate::new(3, 60));
    limiter_contract(&first, ALICE, BOB).await;
    let other = RedisLimiter::new(redis, "t", Rate::new(3, 60));
    assert!(other.check("a").await.is_err());
    assert!(other.check("c").await.is_ok());
}

// ---------------------------------------------------------------------------------------------
// Every contract on every backend its trait has

/// One backend for one test: what it runs on (kept until the test ends, when a temp dir or a
/// redis-server goes with it) and the ids of two accounts it knows.
struct Backend {
    sqlite: Option<Fixture>,
    redis: Option<(RedisProcess, Redis)>,
    alice: i64,
    bob: i64,
}

impl Backend {
    async fn memory() -> Self {
        Backend {
            sqlite: None,
            redis: None,
            alice: ALICE,
            bob: BOB,
        }
    }

    async fn sqlite() -> Self {
        let fixture = sqlite().await;
        Backend {
            alice: fixture.alice,
            bob: fixture.bob,
            sqlite: Some(fixture),
            redis: None,
        }
    }

    async fn redis() -> Self {
        Backend {
            redis: Some(redis().await),
            ..Backend::memory().await
        }
    }

    fn db(&self) -> SqlitePool {
        self.sqlite.as_ref().expect("a SQLite backend").db.clone()
    }

    fn connection(&self) -> Redis {
        self.redis.as_ref().expect("a Redis backend").1.clone()
    }
}

/// `contract!(name: check, backend => |b| store, …)`: a module `name` with a test for each
/// backend, named after it, that runs `check(store, alice, bob)` on a fresh one.
macro_rules! contract {
    ($name:ident: $check:ident, $($backend:ident => |$b:ident| $store:expr),+ $(,)?) => {
        mod $name {
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                #[allow(unused_variables)]
                async fn $backend() {
                    let $b = Backend::$backend().await;
                    $check($store, $b.alice, $b.bob).await;
                }
            )+
        }
    };
}

contract!(the_session_store_contract_holds_on: sessions_contract,
    sqlite => |b| &SqliteSessions::new(b.db()),
    memory => |b| &MemorySessions::default(),
    redis => |b| &RedisSessions::new(b.connection(), 3_600, 3_600),
);

contract!(the_refresh_store_contract_holds_on: refresh_contract,
    sqlite => |b| Arc::new(SqliteRefresh::new(b.db())),
    memory => |b| Arc::new(MemoryRefresh::default()),
    redis => |b| Arc::new(RedisRefresh::new(b.connection(), 3_600)),
);

contract!(the_denylist_contract_holds_on: denylist_contract,
    sqlite => |b| &SqliteDenylist::new(b.db()),
    memory => |b| &MemoryDenylist::default(),
    redis => |b| &RedisDenylist::new(b.connection()),
);

contract!(the_dpop_replay_cache_contract_holds_on: proof_jtis_contract,
    sqlite => |b| &SqliteProofJtis::new(b.db()),
    memory => |b| &MemoryProofJtis::default(),
    redis => |b| &RedisProofJtis::new(b.connection()),
);

contract!(the_bff_vault_contract_holds_on: bff_vault_contract,
    sqlite => |b| &SqliteBffVault::new(b.db()),
    memory => |b| &MemoryBffVault::default(),
    redis => |b| &RedisBffVault::new(b.connection()),
);

contract!(the_mark_store_contract_holds_on: marks_contract,
    sqlite => |b| &SqliteMarks::new(b.db()),
);

contract!(the_key_store_contract_holds_on: keys_contract,
    sqlite => |b| &SqliteKeys::new(b.db()),
);

contract!(the_capture_store_contract_holds_on: captures_contract,
    memory => |b| &MemoryCaptures::default(),
    redis => |b| &RedisCaptures::new(b.connection()),
);

contract!(the_rate_limit_contract_holds_on: limiter_contract,
    memory => |b| &LocalLimiter::new(Rate::new(3, 60)),
    redis => |b| &RedisLimiter::new(b.connection(), "t", Rate::new(3, 60)),
);

// ---------------------------------------------------------------------------------------------
// The database's own seams (`authlab::db`): the accounts table, the switches, the audit table,
// the upkeep, and the one transaction that spans tables.

fn phc(text: &str) -> PasswordHash {
    PasswordHash::from_stored(text.into())
}

async fn users_contract(users: &dyn Users, alice: i64, bob: i64) {
    let found = users.find_by_id(alice).await.unwrap().expect("alice");
    assert_eq!((found.username.as_str(), found.role), ("alice", Role::User));
    assert!(!found.disabled);
    assert_eq!(
        users.find_by_username("bob").await.unwrap().map(|u| u.id),
        Some(bob)
    );
    assert_eq!(users.id_of("alice").await.unwrap(), Some(alice));
    assert_eq!(users.id_of("nobody").await.unwrap(), None);
    assert!(users.find_by_id(i64::MAX).await.unwrap().is_none());

    // Names are unique: the second insert of a name is `Taken`, whoever wins.
    let carol = users
        .insert("carol", &phc("carol-hash"), Role::User, None)
        .await
        .unwrap();
    assert!(matches!(
        users
            .insert("carol", &phc("other"), Role::Admin, None)
            .await,
        Err(UserError::Taken)
    ));
    assert_eq!(
        users
            .find_by_id(carol.id)
            .await
            .unwrap()
            .unwrap()
            .password_hash,
        phc("carol-hash")
    );

    // Scratch accounts: deleted by kind only, or when expired; an id is never handed out again.
    let lesson = users
        .insert(
            "lab:lesson",
            &phc("h"),
            Role::User,
            Some((Scratch::Lesson, 100)),
        )
        .await
        .unwrap();
    let matrix = users
        .insert(
            "lab:matrix",
            &phc("h"),
            Role::Admin,
            Some((Scratch::Matrix, 10_000)),
        )
        .await
        .unwrap();
    assert_eq!(
        users
            .delete_scratch(Scratch::Matrix, &[carol.id, lesson.id])
            .await
            .unwrap(),
        vec![],
        "neither is a matrix scratch account"
    );
    assert_eq!(
        users.delete_expired_scratch(200).await.unwrap(),
        vec![(lesson.id, "lab:lesson".to_string())]
    );
    assert_eq!(
        users
            .delete_scratch(Scratch::Matrix, &[matrix.id])
            .await
            .unwrap(),
        vec![(matrix.id, "lab:matrix".to_string())]
    );
    let dave = users
        .insert("dave", &phc("h"), Role::User, None)
        .await
        .unwrap();
    assert!(dave.id > matrix.id, "ids are never reused");

    assert_eq!(users.count().await.unwrap(), 4);
    let names: Vec<String> = users
        .list()
        .await
        .unwrap()
        .into_iter()
        .map(|(user, _)| user.username)
        .collect();
    assert_eq!(names, ["alice", "bob", "carol", "dave"]);
    assert!(users.created_at(carol.id).await.unwrap() > 0);

    // The account events' one-row changes.
    users.change_role(carol.id, Role::Admin, 500).await.unwrap();
    assert_eq!(
        users.find_by_id(carol.id).await.unwrap().unwrap().role,
        Role::Admin
    );
    users
        .mark(
            carol.id,
            AccountChange {
                new_hash: None,
                disable: true,
            },
            600,
        )
        .await
        .unwrap();
    assert!(users.find_by_id(carol.id).await.unwrap().unwrap().disabled);
    users.enable(carol.id, 700).await.unwrap();
    assert!(!users.find_by_id(carol.id).await.unwrap().unwrap().disabled);
    let new_hash = phc("new-hash");
    users
        .mark(
            carol.id,
            AccountChange {
                new_hash: Some(&new_hash),
                disable: false,
            },
            800,
        )
        .await
        .unwrap();
    let carol_now = users.find_by_id(carol.id).await.unwrap().unwrap();
    assert_eq!(carol_now.password_hash, new_hash);
    assert!(
        !carol_now.disabled,
        "a password change leaves the flag alone"
    );

    // Start-up's direct writes.
    users.set_role(bob, Role::Admin).await.unwrap();
    users.set_disabled(bob, true).await.unwrap();
    users.set_password_hash(bob, &phc("bob-2")).await.unwrap();
    let bob_now = users.find_by_id(bob).await.unwrap().unwrap();
    assert_eq!((bob_now.role, bob_now.disabled), (Role::Admin, true));
    assert_eq!(bob_now.password_hash, phc("bob-2"));
}

/// "Log out everywhere" and a password change: the account, its sessions and its refresh
/// families change together, and only the account's.
async fn account_events_contract(db: &Database, alice: i64, bob: i64) {
    for (key, handle, user) in [
        ("a1", "ha1", alice),
        ("a2", "ha2", alice),
        ("b1", "hb1", bob),
    ] {
        db.sessions
            .create(&record(key, handle, user, 1_000))
            .await
            .unwrap();
    }
    db.refresh
        .insert(&token("ta", "fa", alice, 10_000, 100))
        .await
        .unwrap();
    db.refresh
        .insert(&token("tb", "fb", bob, 10_000, 100))
        .await
        .unwrap();

    let new_hash = phc("alice-new");
    let change = AccountChange {
        new_hash: Some(&new_hash),
        disable: false,
    };
    let ended = db.users.end_all_access(alice, change, 2_000).await.unwrap();
    assert_eq!(
        ended,
        AccessEnded {
            sessions_ended: 2,
            refresh_revoked: 1
        }
    );
    assert_eq!(db.sessions.load("a1").await.unwrap(), None);
    assert_eq!(db.sessions.load("a2").await.unwrap(), None);
    assert_eq!(
        db.sessions.owner_of("a1", 0).await.unwrap(),
        Some(alice),
        "an ended session is remembered as ended, for the audit log"
    );
    assert_eq!(db.refresh.owner_of_live("ta", 2_001).await.unwrap(), None);
    assert_eq!(
        db.users
            .find_by_id(alice)
            .await
            .unwrap()
            .unwrap()
            .password_hash,
        new_hash
    );
    // Bob's access is untouched.
    assert!(db.sessions.load("b1").await.unwrap().is_some());
    assert_eq!(
        db.refresh.owner_of_live("tb", 2_001).await.unwrap(),
        Some(bob)
    );
}

async fn switches_contract(table: &dyn SwitchesTable, alice: i64, bob: i64) {
    assert_eq!(table.load(alice, SameSite::Lax).await.unwrap(), None);
    let switches = AccountSwitches {
        same_site: SameSite::None,
        jwt_alg: JwtAlg::HS256,
        denylist: true,
        access_ttl_secs: Some(120),
        denylist_fail_open: true,
        csrf_weakened: true,
        xss_weakened: false,
        defences_off: vec![Defence::Exp, Defence::Typ],
    };
    table.save(alice, &switches).await.unwrap();
    assert_eq!(
        table.load(alice, SameSite::Lax).await.unwrap(),
        Some(switches.clone())
    );
    let changed = AccountSwitches {
        denylist: false,
        ..switches
    };
    table.save(alice, &changed).await.unwrap();
    assert_eq!(
        table.load(alice, SameSite::Lax).await.unwrap(),
        Some(changed)
    );
    assert_eq!(
        table.load(bob, SameSite::Lax).await.unwrap(),
        None,
        "one account's row"
    );
    table.delete(alice).await.unwrap();
    assert_eq!(table.load(alice, SameSite::Lax).await.unwrap(), None);
}

fn audit_row(at_ms: i64, user: Option<(i64, &str)>, action: &str) -> AuditRow {
    AuditRow {
        at_ms,
        mode: AuthMode::Session,
        user: user.map(|(id, name)| (id, name.to_string())),
        action: action.into(),
        allowed: true,
        failed_check: None,
        detail: "every check passed".into(),
    }
}

async fn audit_table_contract(table: &dyn AuditTable, alice: i64, bob: i64) {
    let rows = [
        audit_row(1, Some((alice, "alice")), "GET /a"),
        audit_row(2, Some((bob, "bob")), "GET /b"),
        audit_row(3, None, "GET /c"),
        audit_row(4, Some((alice, "alice")), "GET /d"),
    ];
    let ids = table.write_batch(&rows).await.unwrap();
    assert_eq!(ids.len(), 4);
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "in the rows' order");
    let later = table.write_batch(&rows[..1]).await.unwrap();
    assert!(later[0] > ids[3], "ids only grow");

    let alices: Vec<String> = table
        .list(Some(alice), 0, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        alices,
        ["GET /a", "GET /d", "GET /a"],
        "oldest first, only hers"
    );
    let everyone = table.list(None, ids[1], 2).await.unwrap();
    assert_eq!(
        everyone.iter().map(|e| e.id).collect::<Vec<_>>(),
        [ids[3], later[0]],
        "the newest `limit` after `after_id`"
    );
    assert_eq!(everyone[0].username.as_deref(), Some("alice"));
}

async fn maintenance_contract(db: &Database, alice: i64, _bob: i64) {
    db.maintenance.ping().await.unwrap();
    let first = db.maintenance.device_key([7; 32]).await.unwrap();
    assert_eq!(first, [7; 32]);
    assert_eq!(
        db.maintenance.device_key([9; 32]).await.unwrap(),
        first,
        "the first writer's key stays"
    );
    // Retention: the old row goes, the recent one stays.
    let now = 1_000_000;
    db.audit
        .write_batch(&[
            audit_row(1_000, Some((alice, "alice")), "GET /old"),
            audit_row(now * 1000, Some((alice, "alice")), "GET /new"),
        ])
        .await
        .unwrap();
    let keep = RetentionSettings {
        audit_secs: 3_600,
        ..RetentionSettings::default()
    };
    let purged = db.maintenance.purge(&keep, now).await.unwrap();
    assert_eq!(purged.audit_events, 1);
    let left: Vec<String> = db
        .audit
        .list(None, 0, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(left, ["GET /new"]);
}

contract!(the_users_contract_holds_on: users_contract,
    sqlite => |b| &SqliteUsers::new(b.db()),
);

contract!(the_account_events_contract_holds_on: account_events_contract,
    sqlite => |b| &authlab::db::sqlite::seams(b.db()),
);

contract!(the_switches_contract_holds_on: switches_contract,
    sqlite => |b| &SqliteSwitches::new(b.db()),
);

contract!(the_audit_table_contract_holds_on: audit_table_contract,
    sqlite => |b| &SqliteAudit::new(b.db()),
);

contract!(the_maintenance_contract_holds_on: maintenance_contract,
    sqlite => |b| &authlab::db::sqlite::seams(b.db()),
);

/// The one transaction is all or nothing: when its last step fails (here a trigger refuses the
/// refresh tokens' update), the password, the flag and the sessions are as they were.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_end_all_access_changes_nothing_on_sqlite() {
    let b = Backend::sqlite().await;
    let db = authlab::db::sqlite::seams(b.db());
    db.sessions
        .create(&record("a1", "ha1", b.alice, 1_000))
        .await
        .unwrap();
    db.refresh
        .insert(&token("ta", "fa", b.alice, 10_000, 100))
        .await
        .unwrap();
    sqlx::query(
        "CREATE TRIGGER refuse_revoke BEFORE UPDATE ON refresh_tokens
         BEGIN SELECT RAISE(ABORT, 'refused by the test'); END",
    )
    .execute(&b.db())
    .await
    .unwrap();
    let before = db.users.find_by_id(b.alice).await.unwrap().unwrap();
    let new_hash = phc("never-stored");
    let change = AccountChange {
        new_hash: Some(&new_hash),
        disable: true,
    };
    assert!(db
        .users
        .end_all_access(b.alice, change, 2_000)
        .await
        .is_err());
    let after = db.users.find_by_id(b.alice).await.unwrap().unwrap();
    assert_eq!(after.password_hash, before.password_hash);
    assert!(!after.disabled);
    assert!(
        db.sessions.load("a1").await.unwrap().is_some(),
        "the session was not ended"
    );
    let remembered: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ended_sessions")
        .fetch_one(&b.db())
        .await
        .unwrap();
    assert_eq!(remembered, 0, "nor remembered as ended");
}
