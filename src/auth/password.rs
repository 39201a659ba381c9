//! Password hashing with argon2id at OWASP's recommended cost (m = 19 MiB, t = 2, p = 1).
//!
//! Argon2 is deliberately slow and memory-hard, which is what makes a stolen hash expensive to
//! crack, and also what makes it dangerous on an async server: each run blocks a core for ~14 ms.
//! So every hash and verify runs on the blocking pool (`spawn_blocking`) behind a semaphore: at most
//! `max_concurrent_hashes` run at once and a burst of logins queues instead of stalling the runtime.

use crate::wire::Password;
use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash as Phc, SaltString},
    Algorithm, Argon2, Params, PasswordHasher as _, PasswordVerifier as _, Version,
};
use std::{
    fmt,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
};
use tokio::sync::Semaphore;

/// A stored argon2id hash in PHC string form (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`).
/// Not `Serialize`, and `Debug` is redacted: it never reaches a response or a log.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

impl PasswordHash {
    /// Wrap a value read from the database.
    pub fn from_stored(phc: String) -> Self {
        PasswordHash(phc)
    }

    /// The PHC string, for the database only.
    pub fn as_phc(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash([redacted])")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("argon2 failed: {0}")]
    Argon2(String),
    #[error("the password hashing worker stopped")]
    Worker,
}

/// Explicit OWASP parameters (the same as `Argon2::default()` in argon2 0.5, written out so a
/// library upgrade cannot silently change our cost). Verification reads the parameters stored in
/// each hash, so raising these later still verifies old hashes.
fn argon2id() -> Argon2<'static> {
    const MEMORY_KIB: u32 = 19 * 1024;
    const ITERATIONS: u32 = 2;
    const PARALLELISM: u32 = 1;
    let params =
        Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None).expect("constant argon2 params");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// The shared hashing service: bounded concurrency plus a dummy hash for unknown users.
pub struct PasswordHasher {
    permits: Arc<Semaphore>,
    /// Verified against when the username does not exist, so "no such user" costs the same argon2
    /// run as "wrong password" and response timing does not reveal which usernames exist.
    dummy: PasswordHash,
    verifications: AtomicU64,
}

impl PasswordHasher {
    /// Build the service. Computes the dummy hash once (one argon2 run), so call it at start-up.
    pub fn new(max_concurrent: usize) -> Result<Self, HashError> {
        let dummy = hash_blocking(&Password::new(random_dummy_password()))?;
        Ok(PasswordHasher {
            permits: Arc::new(Semaphore::new(max_concurrent.max(1))),
            dummy,
            verifications: AtomicU64::new(0),
        })
    }

    /// Hash a new password with a fresh random salt.
    pub async fn hash(&self, password: &Password) -> Result<PasswordHash, HashError> {
        let password = password.clone();
        self.run_bounded(move || hash_blocking(&password)).await?
    }

    /// Check `password` against `stored`, or against the dummy hash when there is no such user
    /// (then the answer is always `false`, after the same amount of work).
    pub async fn verify(
        &self,
        password: &Password,
        stored: Option<&PasswordHash>,
    ) -> Result<bool, HashError> {
        let user_exists = stored.is_some();
        let hash = stored.unwrap_or(&self.dummy).clone();
        let password = password.clone();
        self.verifications.fetch_add(1, Ordering::Relaxed);
        let matches = self
            .run_bounded(move || verify_blocking(&password, &hash))
            .await?;
        Ok(user_exists && matches)
    }

    /// How many argon2 verifications this process has run (the lab shows it; tests use it to prove
    /// that an unknown user still costs one).
    pub fn verifications(&self) -> u64 {
        self.verifications.load(Ordering::Relaxed)
    }

    async fn run_bounded<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let _permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| HashError::Worker)?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|_| HashError::Worker)
    }
}

fn hash_blocking(password: &Password) -> Result<PasswordHash, HashError> {
    let salt = SaltString::generate(&mut OsRng);
    argon2id()
        .hash_password(password.expose().as_bytes(), &salt)
        .map(|phc| PasswordHash(phc.to_string()))
        .map_err(|err| HashError::Argon2(err.to_string()))
}

fn verify_blocking(password: &Password, stored: &PasswordHash) -> bool {
    match Phc::new(stored.as_phc()) {
        Ok(parsed) => argon2id()
            .verify_password(password.expose().as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

fn random_dummy_password() -> String {
    // A salt string is 22 random base64 characters from the OS CSPRNG: a fine unguessable password.
    SaltString::generate(&mut OsRng).as_str().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_with_owasp_parameters_and_verify() {
        let hasher = PasswordHasher::new(1).unwrap();
        let password = Password::new("correct horse");
        let hash = hasher.hash(&password).await.unwrap();
        assert!(
            hash.as_phc().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{}",
            hash.as_phc()
        );
        assert!(hasher.verify(&password, Some(&hash)).await.unwrap());
        assert!(!hasher
            .verify(&Password::new("correct horsf"), Some(&hash))
            .await
            .unwrap());
    }

    #[tokio::test]
    async fn same_password_gets_a_different_salt_each_time() {
        let hasher = PasswordHasher::new(1).unwrap();
        let password = Password::new("same password");
        let a = hasher.hash(&password).await.unwrap();
        let b = hasher.hash(&password).await.unwrap();
        assert_ne!(a, b);
    }

    #[tokio::test]
    async fn unknown_user_is_refused_after_a_real_verification() {
        let hasher = PasswordHasher::new(1).unwrap();
        let before = hasher.verifications();
        // Even the dummy's own password cannot log in a user who does not exist.
        assert!(!hasher
            .verify(&Password::new("anything at all"), None)
            .await
            .unwrap());
        assert_eq!(hasher.verifications(), before + 1);
    }

    #[test]
    fn hash_debug_is_redacted() {
        let hash = PasswordHash::from_stored("$argon2id$v=19$secret".into());
        assert_eq!(format!("{hash:?}"), "PasswordHash([redacted])");
    }
}
