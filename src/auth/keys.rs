//! Signing keys for access tokens. Each key has a `kid` and is pinned to exactly one algorithm: the
//! verifier finds the key by the token's `kid` in its own key ring and accepts only that key's
//! algorithm, whatever the token's header claims. That one rule defeats `alg: none` and algorithm
//! confusion (an HS256 token "signed" with a public key as the HMAC secret).
//!
//! Keys belong to an account, so a learner rotating or retiring keys touches only their own
//! tokens. The ring lives in memory (verification never waits on the database) and is written
//! through to its store (`store::keys`, SQLite), so keys survive restarts. EdDSA and ES256 public keys are published as a
//! JWK Set; an HS256 secret is never published, since anyone holding it could mint tokens.
//!
//! The published set is bounded: past `max_published` keys in all (registrations each make keys,
//! and a class is many accounts), rotated-out keys retire first, then the keys signed with
//! longest ago, so the JWKS every outside verifier downloads stays a size it can read, and a
//! batch of accounts made and left does not push out the keys of learners at work. A retired
//! key's tokens fail "kid known"; its account's next login makes a new key.

use crate::{
    db::unix_now,
    store::{
        changes::{Announcer, Change},
        keys::{KeyStore, StoredKey},
        StoreError,
    },
    wire::JwtAlg,
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use rand::{rngs::OsRng, RngCore};
use serde_json::{json, Value};
use std::{
    collections::HashMap,
    sync::{Arc, Mutex, RwLock},
    time::{Duration, Instant},
};

/// How often a process may re-read the key store for a `kid` it does not know: a flood of
/// made-up kids costs one read per interval, not one per request.
const RELEARN_EVERY: Duration = Duration::from_secs(1);

/// One signing key with everything needed to sign and verify.
pub struct SigningKey {
    pub kid: String,
    pub owner_id: i64,
    pub alg: JwtAlg,
    pub created_at: i64,
    /// When a newer key replaced it; it keeps verifying until retired.
    pub rotated_at: Option<i64>,
    pub encoding: EncodingKey,
    pub decoding: DecodingKey,
    /// The public JWK (EdDSA, ES256); `None` for an HMAC secret, which must never be published.
    pub public_jwk: Option<Value>,
    /// An HS256 secret shorter than a real one (`HS256_SECRET_BYTES`): a word from the lab's
    /// wordlist, made by the `weak_secret` switch (`auth::weak_secret`). A token it signs proves
    /// nothing, since anyone can crack it offline; the verifier marks its signature `off`.
    pub weak: bool,
    /// When this process last handed it out to sign with (unix seconds; its creation until then):
    /// past the published cap, the key signed with longest ago retires first.
    pub last_signed: std::sync::atomic::AtomicI64,
}

impl SigningKey {
    pub fn algorithm(&self) -> Algorithm {
        algorithm_of(self.alg)
    }
}

/// jsonwebtoken's name for one of our algorithms.
pub fn algorithm_of(alg: JwtAlg) -> Algorithm {
    match alg {
        JwtAlg::EdDSA => Algorithm::EdDSA,
        JwtAlg::ES256 => Algorithm::ES256,
        JwtAlg::HS256 => Algorithm::HS256,
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("key store: {0}")]
    Store(#[from] StoreError),
    #[error("key material: {0}")]
    Material(String),
}

pub struct KeyRing {
    store: Arc<dyn KeyStore>,
    keys: RwLock<HashMap<String, Arc<SigningKey>>>,
    /// Held across "count this account's keys, then add one", so concurrent rotations cannot
    /// all pass the cap (rotations are rare: one lock for all accounts is enough).
    rotating: tokio::sync::Mutex<()>,
    /// When the store was last re-read for an unknown kid.
    relearned: Mutex<Option<Instant>>,
    /// Tells the other server processes that keys changed, so their rings follow.
    announcer: Announcer,
    /// The most public keys published at once (`jwt.max_published_keys`).
    max_published: usize,
}

impl KeyRing {
    /// Load every stored key into memory.
    pub async fn load(
        store: Arc<dyn KeyStore>,
        announcer: Announcer,
        max_published: usize,
    ) -> Result<Self, KeyError> {
        let keys = read_all(store.as_ref()).await?;
        Ok(KeyRing {
            store,
            keys: RwLock::new(keys),
            rotating: tokio::sync::Mutex::new(()),
            relearned: Mutex::new(None),
            announcer,
            max_published: max_published.max(1),
        })
    }

    /// Read the whole ring afresh: keys another process made, rotated or retired (a retired key
    /// stops verifying here too).
    pub async fn reload(&self) -> Result<(), KeyError> {
        let keys = read_all(self.store.as_ref()).await?;
        *self.keys.write().expect("lock") = keys;
        Ok(())
    }

    /// Look a key up by `kid`: memory only.
    pub fn get(&self, kid: &str) -> Option<Arc<SigningKey>> {
        self.keys.read().expect("lock").get(kid).cloned()
    }

    /// Learn the keys other processes sharing the key store made since this one loaded (a token
    /// signed on another node names a kid this ring has not seen). At most once per
    /// `RELEARN_EVERY`.
    pub async fn learn_new_keys(&self) -> Result<(), KeyError> {
        {
            let mut last = self.relearned.lock().unwrap_or_else(|e| e.into_inner());
            if last.is_some_and(|at| at.elapsed() < RELEARN_EVERY) {
                return Ok(());
            }
            *last = Some(Instant::now());
        }
        let stored = self.store.all().await?;
        let mut keys = self.keys.write().expect("lock");
        for key in stored {
            if let std::collections::hash_map::Entry::Vacant(slot) = keys.entry(key.kid.clone()) {
                slot.insert(Arc::new(build(&key)?));
            }
        }
        Ok(())
    }

    /// The key `owner_id` signs with in `alg`, created on first use.
    pub async fn active(&self, owner_id: i64, alg: JwtAlg) -> Result<Arc<SigningKey>, KeyError> {
        let existing = self
            .keys
            .read()
            .expect("lock")
            .values()
            .filter(|k| k.owner_id == owner_id && k.alg == alg && k.rotated_at.is_none())
            .max_by_key(|k| k.created_at)
            .cloned();
        match existing {
            Some(key) => {
                key.last_signed
                    .store(unix_now(), std::sync::atomic::Ordering::Relaxed);
                Ok(key)
            }
            None => self.create(owner_id, alg).await,
        }
    }

    /// Rotate: a new key (new `kid`) signs from now on; the old one keeps verifying the tokens it
    /// already signed until it is retired.
    /// Rotate unless the account already holds `max` keys (`None` then). Each rotation adds a
    /// key to the public JWKS: without a cap, rotation spam would grow it forever.
    pub async fn rotate_within(
        &self,
        owner_id: i64,
        alg: JwtAlg,
        max: usize,
    ) -> Result<Option<Arc<SigningKey>>, KeyError> {
        let _one_at_a_time = self.rotating.lock().await;
        if self.of_owner(owner_id).len() >= max {
            return Ok(None);
        }
        self.rotate(owner_id, alg).await.map(Some)
    }

    pub async fn rotate(&self, owner_id: i64, alg: JwtAlg) -> Result<Arc<SigningKey>, KeyError> {
        self.mark_rotated(owner_id, alg).await?;
        self.create(owner_id, alg).await
    }

    /// Rotate `owner_id`'s HS256 key to a weak one whose secret is `word` (the `weak_secret`
    /// switch, for a learner's own account only): it signs the account's HS256 tokens from now on.
    pub async fn rotate_to_weak(
        &self,
        owner_id: i64,
        word: &str,
    ) -> Result<Arc<SigningKey>, KeyError> {
        if word.len() >= HS256_SECRET_BYTES {
            return Err(KeyError::Material(
                "a weak secret is shorter than a real one".into(),
            ));
        }
        self.mark_rotated(owner_id, JwtAlg::HS256).await?;
        self.create_with(owner_id, JwtAlg::HS256, word.as_bytes().to_vec())
            .await
    }

    /// Mark `owner_id`'s current `alg` keys rotated out: they keep verifying until retired.
    async fn mark_rotated(&self, owner_id: i64, alg: JwtAlg) -> Result<(), KeyError> {
        let now = unix_now();
        self.store.mark_rotated(owner_id, alg, now).await?;
        {
            let mut keys = self.keys.write().expect("lock");
            let stale: Vec<String> = keys
                .values()
                .filter(|k| k.owner_id == owner_id && k.alg == alg && k.rotated_at.is_none())
                .map(|k| k.kid.clone())
                .collect();
            for kid in stale {
                if let Some(old) = keys.remove(&kid) {
                    let rebuilt = build(&StoredKey {
                        kid: kid.clone(),
                        owner_id,
                        alg,
                        secret: secret_of(&old),
                        created_at: old.created_at,
                        rotated_at: Some(now),
                    })?;
                    keys.insert(kid, Arc::new(rebuilt));
                }
            }
        }
        Ok(())
    }

    /// Retire every rotated-out key of `owner_id`: each token they signed now fails "kid known".
    pub async fn retire_rotated(&self, owner_id: i64) -> Result<usize, KeyError> {
        self.store.delete_rotated(owner_id).await?;
        let retired = {
            let mut keys = self.keys.write().expect("lock");
            let before = keys.len();
            keys.retain(|_, k| !(k.owner_id == owner_id && k.rotated_at.is_some()));
            before - keys.len()
        };
        self.announcer.announce(Change::Keys).await;
        Ok(retired)
    }

    /// Retire rotated keys whose last token has expired anyway (rotated more than `after` ago).
    pub async fn retire_expired(&self, after_secs: i64) -> Result<usize, KeyError> {
        let cutoff = unix_now() - after_secs;
        self.store.delete_rotated_before(cutoff).await?;
        let retired = {
            let mut keys = self.keys.write().expect("lock");
            let before = keys.len();
            keys.retain(|_, k| k.rotated_at.is_none_or(|at| at >= cutoff));
            before - keys.len()
        };
        if retired > 0 {
            self.announcer.announce(Change::Keys).await;
        }
        Ok(retired)
    }

    /// Drop a deleted account's keys from memory (the database rows went with the account).
    pub fn forget_owner(&self, owner_id: i64) {
        self.keys
            .write()
            .expect("lock")
            .retain(|_, k| k.owner_id != owner_id);
    }

    /// The public keys, as a JWK Set (RFC 7517): all of them, or only the one named `kid` (none
    /// when that key is not published), for a verifier that looks one token's key up.
    pub fn jwks(&self, kid: Option<&str>) -> Value {
        let keys = self.keys.read().expect("lock");
        let mut list: Vec<&Arc<SigningKey>> = match kid {
            Some(kid) => keys.get(kid).into_iter().collect(),
            None => keys.values().collect(),
        };
        list.sort_by(|a, b| (a.created_at, &a.kid).cmp(&(b.created_at, &b.kid)));
        let public: Vec<Value> = list.iter().filter_map(|k| k.public_jwk.clone()).collect();
        json!({ "keys": public })
    }

    /// How many keys are published.
    pub fn published(&self) -> usize {
        self.keys
            .read()
            .expect("lock")
            .values()
            .filter(|k| k.public_jwk.is_some())
            .count()
    }

    /// The keys of one owner (for the inspector): kid, alg, whether rotated out.
    pub fn of_owner(&self, owner_id: i64) -> Vec<Arc<SigningKey>> {
        let keys = self.keys.read().expect("lock");
        let mut list: Vec<Arc<SigningKey>> = keys
            .values()
            .filter(|k| k.owner_id == owner_id)
            .cloned()
            .collect();
        list.sort_by_key(|k| k.created_at);
        list
    }

    async fn create(&self, owner_id: i64, alg: JwtAlg) -> Result<Arc<SigningKey>, KeyError> {
        self.create_with(owner_id, alg, generate_secret(alg)?).await
    }

    async fn create_with(
        &self,
        owner_id: i64,
        alg: JwtAlg,
        secret: Vec<u8>,
    ) -> Result<Arc<SigningKey>, KeyError> {
        let stored = StoredKey {
            kid: random_kid(),
            owner_id,
            alg,
            secret,
            created_at: unix_now(),
            rotated_at: None,
        };
        // Built before it is stored: key material that cannot be used is never kept.
        let key = Arc::new(build(&stored)?);
        self.store.insert(&stored).await?;
        self.keys
            .write()
            .expect("lock")
            .insert(stored.kid, key.clone());
        if key.public_jwk.is_some() {
            self.retire_past_the_published_cap(&key.kid).await?;
        }
        // A rotation's old key changed too; either way the other rings should read again.
        self.announcer.announce(Change::Keys).await;
        Ok(key)
    }

    /// Retire the published keys beyond `max_published`: rotated-out keys first (oldest rotation
    /// first), then the current keys signed with longest ago (accounts made in a batch and left,
    /// before a learner signing in and refreshing all lesson long). Never `kept`, the key just
    /// made.
    async fn retire_past_the_published_cap(&self, kept: &str) -> Result<(), KeyError> {
        let retiring: Vec<String> = {
            let keys = self.keys.read().expect("lock");
            let mut published: Vec<&Arc<SigningKey>> = keys
                .values()
                .filter(|k| k.public_jwk.is_some() && k.kid != kept)
                .collect();
            // The kept key counts too.
            let over = (published.len() + 1).saturating_sub(self.max_published);
            if over == 0 {
                return Ok(());
            }
            published.sort_by_key(|k| {
                let last_signed = k.last_signed.load(std::sync::atomic::Ordering::Relaxed);
                (
                    k.rotated_at.is_none(),
                    k.rotated_at.unwrap_or(last_signed),
                    k.created_at,
                    k.kid.clone(),
                )
            });
            published.iter().take(over).map(|k| k.kid.clone()).collect()
        };
        self.store.delete(&retiring).await?;
        let mut keys = self.keys.write().expect("lock");
        for kid in &retiring {
            keys.remove(kid);
        }
        tracing::info!(target: "authlab::keys", retired = retiring.len(),
            "the published key set was at its cap: the oldest keys retired");
        Ok(())
    }
}

/// A key this server never stored, under a random kid: what an attacker holds. The attack lab
/// signs with it to show that a token cannot bring its own key.
pub fn unregistered(alg: JwtAlg) -> Result<SigningKey, KeyError> {
    build(&StoredKey {
        kid: random_kid(),
        owner_id: 0,
        alg,
        secret: generate_secret(alg)?,
        created_at: unix_now(),
        rotated_at: None,
    })
}

/// A key pair made from `seed` under a fixed `kid`, stored nowhere: the attacker site's
/// (`attacker_site`), the same in every process. EdDSA and ES256 only.
pub fn from_seed(kid: &str, alg: JwtAlg, seed: [u8; 32]) -> Result<SigningKey, KeyError> {
    let material = |err: String| KeyError::Material(err);
    let secret = match alg {
        JwtAlg::EdDSA => pkcs8(&ed25519_dalek::SigningKey::from_bytes(&seed))?,
        JwtAlg::ES256 => {
            pkcs8(&p256::SecretKey::from_slice(&seed).map_err(|e| material(e.to_string()))?)?
        }
        JwtAlg::HS256 => return Err(material("an HMAC secret is typed, not derived".into())),
    };
    build(&StoredKey {
        kid: kid.to_string(),
        owner_id: 0,
        alg,
        secret,
        created_at: 0,
        rotated_at: None,
    })
}

/// Every stored key, built.
async fn read_all(store: &dyn KeyStore) -> Result<HashMap<String, Arc<SigningKey>>, KeyError> {
    let mut keys = HashMap::new();
    for stored in store.all().await? {
        let key = build(&stored)?;
        keys.insert(stored.kid, Arc::new(key));
    }
    Ok(keys)
}

fn random_kid() -> String {
    let mut bytes = [0u8; 9];
    OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Fresh key material: PKCS#8 DER for EdDSA and ES256, 32 random bytes for HS256.
fn generate_secret(alg: JwtAlg) -> Result<Vec<u8>, KeyError> {
    match alg {
        JwtAlg::EdDSA => pkcs8(&ed25519_dalek::SigningKey::generate(&mut OsRng)),
        JwtAlg::ES256 => pkcs8(&p256::SecretKey::random(&mut OsRng)),
        JwtAlg::HS256 => {
            let mut secret = vec![0u8; HS256_SECRET_BYTES];
            OsRng.fill_bytes(&mut secret);
            Ok(secret)
        }
    }
}

/// A private key as the PKCS#8 DER the key store keeps (EdDSA and ES256 alike).
fn pkcs8(key: &impl ed25519_dalek::pkcs8::EncodePrivateKey) -> Result<Vec<u8>, KeyError> {
    key.to_pkcs8_der()
        .map(|der| der.as_bytes().to_vec())
        .map_err(|e| KeyError::Material(e.to_string()))
}

/// We keep the secret bytes only inside the jsonwebtoken keys; rebuild them from the database row
/// when a key's metadata changes.
fn secret_of(key: &SigningKey) -> Vec<u8> {
    key.encoding.inner().to_vec()
}

/// The length of a real HS256 secret: 256 random bits, as long as the hash (RFC 7518 §3.2).
pub const HS256_SECRET_BYTES: usize = 32;

fn build(stored: &StoredKey) -> Result<SigningKey, KeyError> {
    let StoredKey {
        kid,
        owner_id,
        alg,
        secret,
        created_at,
        rotated_at,
    } = stored.clone();
    let secret = secret.as_slice();
    let material = |err: String| KeyError::Material(err);
    let (encoding, decoding, public_jwk) = match alg {
        JwtAlg::EdDSA => {
            use ed25519_dalek::pkcs8::DecodePrivateKey;
            let key = ed25519_dalek::SigningKey::from_pkcs8_der(secret)
                .map_err(|e| material(e.to_string()))?;
            let x = URL_SAFE_NO_PAD.encode(key.verifying_key().as_bytes());
            let decoding =
                DecodingKey::from_ed_components(&x).map_err(|e| material(e.to_string()))?;
            let jwk = json!({"kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid, "alg": "EdDSA", "use": "sig"});
            (EncodingKey::from_ed_der(secret), decoding, Some(jwk))
        }
        JwtAlg::ES256 => {
            use p256::{elliptic_curve::sec1::ToEncodedPoint, pkcs8::DecodePrivateKey};
            let key =
                p256::SecretKey::from_pkcs8_der(secret).map_err(|e| material(e.to_string()))?;
            let point = key.public_key().to_encoded_point(false);
            let (Some(x), Some(y)) = (point.x(), point.y()) else {
                return Err(material("public point has no coordinates".into()));
            };
            let (x, y) = (URL_SAFE_NO_PAD.encode(x), URL_SAFE_NO_PAD.encode(y));
            let decoding =
                DecodingKey::from_ec_components(&x, &y).map_err(|e| material(e.to_string()))?;
            let jwk = json!({"kty": "EC", "crv": "P-256", "x": x, "y": y, "kid": kid, "alg": "ES256", "use": "sig"});
            (EncodingKey::from_ec_der(secret), decoding, Some(jwk))
        }
        JwtAlg::HS256 => (
            EncodingKey::from_secret(secret),
            DecodingKey::from_secret(secret),
            None,
        ),
    };
    Ok(SigningKey {
        weak: alg == JwtAlg::HS256 && secret.len() < HS256_SECRET_BYTES,
        kid,
        owner_id,
        alg,
        created_at,
        rotated_at,
        encoding,
        decoding,
        public_jwk,
        last_signed: std::sync::atomic::AtomicI64::new(created_at),
    })
}
