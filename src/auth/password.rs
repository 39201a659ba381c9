//! Password hashing with argon2id at OWASP's recommended cost (m = 19 MiB, t = 2, p = 1).
//!
//! Argon2 is deliberately slow and memory-hard, which is what makes a stolen hash expensive to
//! crack, and also what makes it dangerous on an async server: each run blocks a core for ~14 ms.
//! So every hash and verify runs on threads of their own, at a lower CPU priority than the
//! request threads (`hash_workers`), with two bounds:
//! - at most `max_concurrent_hashes` run at once, so a burst of logins cannot take every core;
//! - at most `max_queued_hashes` more wait for a turn. Past that the call fails at once with
//!   [`HashError::Busy`] (the API answers 503 with `Retry-After`) instead of growing a queue that
//!   an attacker can make as long as they like.
//!
//! - each account may hold at most `max_hashes_per_account` of those slots, running and waiting
//!   together. A hash is charged to the accounts it is done for ([`Charged`]: the name a login
//!   names, the account changing its password, the learner whose experiment asked), so one
//!   account flooding logins or password changes gets [`HashError::AccountBusy`] (429 with
//!   `Retry-After`) past its share, and the other slots stay free for everyone else. Not per
//!   address: a whole class behind one school NAT shares an address.
//!
//! The permits and the account's share are moved into the blocking job itself. A client that
//! hangs up drops its request future, but a hash already running keeps them until argon2
//! returns, so hanging up cannot be used to start more hashes than the bounds allow.

use super::hash_workers::HashWorkers;
pub use crate::db::password_hash::PasswordHash;
use crate::wire::Password;
use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash as Phc, SaltString},
    Algorithm, Argon2, Params, PasswordHasher as _, PasswordVerifier as _, Version,
};
use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
};
use tokio::sync::Semaphore;

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("argon2 failed: {0}")]
    Argon2(String),
    #[error("the password hashing worker stopped")]
    Worker,
    /// Every hashing slot is running and the waiting line is full.
    #[error("the server is busy hashing passwords")]
    Busy,
    /// The account this hash is charged to already holds its share of the slots.
    #[error("this account already has its share of password checks under way")]
    AccountBusy,
}

/// The accounts a hash is done for, each charged one slot of its share while it runs or waits:
/// the account a login names (whether or not it exists, so a 429 says nothing about that), the
/// signed-in account changing its password, the learner whose experiment or lesson asked.
/// Names are compared lowercased and cut to 64 characters (a login may name anything).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Charged(Vec<String>);

impl Charged {
    /// Charged to `name` alone.
    pub fn to(name: &str) -> Self {
        Charged::default().and(name)
    }

    /// Also charged to `name` (once, however often it is named).
    pub fn and(mut self, name: &str) -> Self {
        let key: String = name.chars().take(64).collect::<String>().to_lowercase();
        if !self.0.contains(&key) {
            self.0.push(key);
        }
        self
    }

    /// Also charged to `name`, if there is one.
    pub fn and_maybe(self, name: Option<&str>) -> Self {
        match name {
            Some(name) => self.and(name),
            None => self,
        }
    }
}

/// How many slots each account holds now. An entry lives only while its count is above zero, so
/// the map holds at most as many accounts as there are slots.
#[derive(Default)]
struct Shares {
    held: Mutex<HashMap<String, usize>>,
}

/// One hash's charge on its accounts' shares, given back when dropped (when argon2 returns).
struct ShareHeld {
    shares: Arc<Shares>,
    accounts: Vec<String>,
}

impl Shares {
    fn take(self: &Arc<Self>, charged: &Charged, each: usize) -> Result<ShareHeld, HashError> {
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        if charged
            .0
            .iter()
            .any(|account| held.get(account).is_some_and(|n| *n >= each))
        {
            return Err(HashError::AccountBusy);
        }
        for account in &charged.0 {
            *held.entry(account.clone()).or_insert(0) += 1;
        }
        Ok(ShareHeld {
            shares: self.clone(),
            accounts: charged.0.clone(),
        })
    }
}

impl Drop for ShareHeld {
    fn drop(&mut self) {
        let mut held = self.shares.held.lock().unwrap_or_else(|e| e.into_inner());
        for account in &self.accounts {
            if let Some(n) = held.get_mut(account) {
                *n -= 1;
                if *n == 0 {
                    held.remove(account);
                }
            }
        }
    }
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
    /// One permit per hash allowed to run now.
    running: Arc<Semaphore>,
    /// One permit per hash admitted at all: running plus waiting.
    admitted: Arc<Semaphore>,
    max_running: usize,
    /// Slots (running or waiting) each account may hold at once.
    per_account: usize,
    shares: Arc<Shares>,
    /// The low-priority threads the hashes run on, one per running permit.
    workers: HashWorkers,
    /// Verified against when the username does not exist, so "no such user" costs the same argon2
    /// run as "wrong password" and response timing does not reveal which usernames exist.
    dummy: PasswordHash,
    verifications: AtomicU64,
}

impl PasswordHasher {
    /// Build the service. Computes the dummy hash once (one argon2 run), so call it at start-up.
    pub fn new(
        max_concurrent: usize,
        max_queued: usize,
        per_account: usize,
    ) -> Result<Self, HashError> {
        let dummy = hash_blocking(&Password::new(random_dummy_password()))?;
        let max_running = max_concurrent.max(1);
        Ok(PasswordHasher {
            running: Arc::new(Semaphore::new(max_running)),
            admitted: Arc::new(Semaphore::new(max_running + max_queued)),
            max_running,
            per_account: per_account.max(1),
            shares: Arc::default(),
            workers: HashWorkers::start(max_running),
            dummy,
            verifications: AtomicU64::new(0),
        })
    }

    /// Hash a new password with a fresh random salt, charged to `charged`.
    pub async fn hash(
        &self,
        password: &Password,
        charged: &Charged,
    ) -> Result<PasswordHash, HashError> {
        let password = password.clone();
        self.run_bounded(charged, move || hash_blocking(&password))
            .await?
    }

    /// Check `password` against `stored`, or against the dummy hash when there is no such user
    /// (then the answer is always `false`, after the same amount of work).
    pub async fn verify(
        &self,
        password: &Password,
        stored: Option<&PasswordHash>,
        charged: &Charged,
    ) -> Result<bool, HashError> {
        let user_exists = stored.is_some();
        let hash = stored.unwrap_or(&self.dummy).clone();
        let password = password.clone();
        let matches = self
            .run_bounded(charged, move || verify_blocking(&password, &hash))
            .await?;
        self.verifications.fetch_add(1, Ordering::Relaxed);
        Ok(user_exists && matches)
    }

    /// How many argon2 verifications this process has run (the lab shows it; tests use it to prove
    /// that an unknown user still costs one).
    pub fn verifications(&self) -> u64 {
        self.verifications.load(Ordering::Relaxed)
    }

    /// How many hashes are running right now (permits held by blocking jobs).
    pub fn running(&self) -> usize {
        self.max_running - self.running.available_permits()
    }

    async fn run_bounded<T: Send + 'static>(
        &self,
        charged: &Charged,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HashError> {
        // Each account's share first: past it, the account waits, nobody else does.
        let share = self.shares.take(charged, self.per_account)?;
        // Admission never waits: a full line is an answer now, not a longer line.
        let admitted = self
            .admitted
            .clone()
            .try_acquire_owned()
            .map_err(|_| HashError::Busy)?;
        // Waiting for a turn may be abandoned (the client hung up): nothing has started yet.
        let running = self
            .running
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| HashError::Worker)?;
        self.workers
            .run(move || {
                // The job owns both permits and the share: they are released when argon2
                // returns, not when the request future is dropped.
                let _held = (admitted, running, share);
                work()
            })
            .await
            .map_err(|_| HashError::Worker)
    }
}

fn hash_blocking(password: &Password) -> Result<PasswordHash, HashError> {
    let salt = SaltString::generate(&mut OsRng);
    argon2id()
        .hash_password(password.expose().as_bytes(), &salt)
        .map(|phc| PasswordHash::from_stored(phc.to_string()))
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
        let hasher = PasswordHasher::new(1, 4, 4).unwrap();
        let password = Password::new("correct horse");
        let hash = hasher.hash(&password, &Charged::default()).await.unwrap();
        assert!(
            hash.as_phc().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{}",
            hash.as_phc()
        );
        assert!(hasher
            .verify(&password, Some(&hash), &Charged::default())
            .await
            .unwrap());
        assert!(!hasher
            .verify(
                &Password::new("correct horsf"),
                Some(&hash),
                &Charged::default()
            )
            .await
            .unwrap());
    }

    #[tokio::test]
    async fn same_password_gets_a_different_salt_each_time() {
        let hasher = PasswordHasher::new(1, 4, 4).unwrap();
        let password = Password::new("same password");
        let a = hasher.hash(&password, &Charged::default()).await.unwrap();
        let b = hasher.hash(&password, &Charged::default()).await.unwrap();
        assert_ne!(a, b);
    }

    #[tokio::test]
    async fn unknown_user_is_refused_after_a_real_verification() {
        let hasher = PasswordHasher::new(1, 4, 4).unwrap();
        let before = hasher.verifications();
        // Even the dummy's own password cannot log in a user who does not exist.
        assert!(!hasher
            .verify(&Password::new("anything at all"), None, &Charged::default())
            .await
            .unwrap());
        assert_eq!(hasher.verifications(), before + 1);
    }

    /// A job that runs until the test lets it go, and says when it has started.
    fn held_job(
        hasher: &Arc<PasswordHasher>,
    ) -> (
        tokio::task::JoinHandle<Result<(), HashError>>,
        tokio::sync::oneshot::Receiver<()>,
        std::sync::mpsc::Sender<()>,
    ) {
        held_job_for(hasher, Charged::default())
    }

    /// `held_job`, charged to `charged`.
    fn held_job_for(
        hasher: &Arc<PasswordHasher>,
        charged: Charged,
    ) -> (
        tokio::task::JoinHandle<Result<(), HashError>>,
        tokio::sync::oneshot::Receiver<()>,
        std::sync::mpsc::Sender<()>,
    ) {
        let (started_tx, started) = tokio::sync::oneshot::channel();
        let (release, release_rx) = std::sync::mpsc::channel::<()>();
        let hasher = hasher.clone();
        let task = tokio::spawn(async move {
            hasher
                .run_bounded(&charged, move || {
                    let _ = started_tx.send(());
                    let _ = release_rx.recv();
                })
                .await
        });
        (task, started, release)
    }

    async fn wait_until_idle(hasher: &PasswordHasher) {
        for _ in 0..500 {
            if hasher.running() == 0 {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        panic!("the held job never finished");
    }

    #[tokio::test]
    async fn hung_up_login_keeps_its_hash_permit_until_the_hash_ends() {
        let hasher = Arc::new(PasswordHasher::new(1, 0, 4).unwrap());
        let (task, started, release) = held_job(&hasher);
        started.await.unwrap();
        // The client hangs up: its request future is dropped while argon2 is still running.
        task.abort();
        let _ = task.await;
        assert_eq!(
            hasher.running(),
            1,
            "the running job still holds its permit"
        );
        assert!(
            matches!(
                hasher.run_bounded(&Charged::default(), || ()).await,
                Err(HashError::Busy)
            ),
            "hanging up must not make room for another hash"
        );
        release.send(()).unwrap();
        wait_until_idle(&hasher).await;
        assert!(hasher.run_bounded(&Charged::default(), || ()).await.is_ok());
    }

    #[tokio::test]
    async fn login_flood_past_the_queue_is_refused_at_once() {
        let hasher = Arc::new(PasswordHasher::new(1, 1, 4).unwrap());
        let (_running, started, release) = held_job(&hasher);
        started.await.unwrap();
        // One more may wait for the running one...
        let waiting = {
            let hasher = hasher.clone();
            tokio::spawn(async move { hasher.run_bounded(&Charged::default(), || 7).await })
        };
        while hasher.admitted.available_permits() > 0 {
            tokio::task::yield_now().await;
        }
        // ...and the next is refused without waiting at all.
        assert!(matches!(
            hasher.run_bounded(&Charged::default(), || ()).await,
            Err(HashError::Busy)
        ));
        release.send(()).unwrap();
        assert_eq!(waiting.await.unwrap().unwrap(), 7);
    }

    #[tokio::test]
    async fn one_account_past_its_share_is_refused_while_others_still_get_slots() {
        // Plenty of slots (1 running, 8 waiting), but 2 per account.
        let hasher = Arc::new(PasswordHasher::new(1, 8, 2).unwrap());
        let (_first, started, release_first) = held_job_for(&hasher, Charged::to("mallory"));
        started.await.unwrap();
        let (_second, _, release_second) = held_job_for(&hasher, Charged::to("Mallory"));
        while hasher.admitted.available_permits() > 7 {
            tokio::task::yield_now().await;
        }
        // A third for the same account (its name in any case) is refused at once...
        assert!(matches!(
            hasher.run_bounded(&Charged::to("MALLORY"), || ()).await,
            Err(HashError::AccountBusy)
        ));
        // ...and so is a job charged to mallory among others (a learner's experiment).
        assert!(matches!(
            hasher
                .run_bounded(&Charged::to("carol").and("mallory"), || ())
                .await,
            Err(HashError::AccountBusy)
        ));
        // Another account still waits its turn and gets it.
        let carol = {
            let hasher = hasher.clone();
            tokio::spawn(async move { hasher.run_bounded(&Charged::to("carol"), || 7).await })
        };
        release_first.send(()).unwrap();
        release_second.send(()).unwrap();
        assert_eq!(carol.await.unwrap().unwrap(), 7);
        // The share is given back when the hashes end.
        wait_until_idle(&hasher).await;
        assert!(hasher.shares.held.lock().unwrap().is_empty());
        assert!(hasher
            .run_bounded(&Charged::to("mallory"), || ())
            .await
            .is_ok());
    }

    #[test]
    fn hash_debug_is_redacted() {
        let hash = PasswordHash::from_stored("$argon2id$v=19$secret".into());
        assert_eq!(format!("{hash:?}"), "PasswordHash([redacted])");
    }
}
