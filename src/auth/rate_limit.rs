//! Rate limits: how many attempts a key (a client address, an account name, an account) may make
//! in a while. Past the limit the answer is 429 with `Retry-After`, at once, before any work.
//!
//! The algorithm is governor's GCRA: a bucket of `burst` attempts that refills evenly over the
//! period, so after a burst each further attempt waits its turn, and the wait is never longer than
//! one refill step. Nothing ever locks an account for good: an attacker hammering a name only
//! slows that name's untrusted logins down, and the owner's browser, holding the name's device
//! cookie (`auth::device`), has a bucket of its own. The buckets live behind the small `Limiter` trait, so a shared store (Redis) can
//! hold them when several servers share the load.

pub use crate::settings::rate::{Rate, RetryAfter};
use async_trait::async_trait;
use governor::{clock::Clock, DefaultKeyedRateLimiter};
use std::time::Duration;

#[async_trait]
pub trait Limiter: Send + Sync {
    /// Take one attempt from `key`'s bucket, or say how long until one is free.
    async fn check(&self, key: &str) -> Result<(), RetryAfter>;
    /// Drop buckets that are full again (they hold no information), so memory stays bounded.
    fn forget_idle(&self);
}

/// Buckets in this process's memory.
pub struct LocalLimiter {
    limiter: DefaultKeyedRateLimiter<String>,
}

/// Keys are capped: an attacker's 10 KB "username" is one bucket of 64 characters, not 10 KB.
const KEY_CHARS: usize = 64;

impl LocalLimiter {
    pub fn new(rate: Rate) -> Self {
        LocalLimiter {
            limiter: DefaultKeyedRateLimiter::keyed(rate.quota()),
        }
    }
}

#[async_trait]
impl Limiter for LocalLimiter {
    async fn check(&self, key: &str) -> Result<(), RetryAfter> {
        let key: String = key.chars().take(KEY_CHARS).collect();
        self.limiter.check_key(&key).map_err(|not_until| {
            RetryAfter(not_until.wait_time_from(governor::clock::DefaultClock::default().now()))
        })
    }

    fn forget_idle(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }
}

/// Where a login attempt (or a password change, which is one) comes from, as the limits see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoginFrom<'a> {
    /// A browser holding the name's device cookie (`auth::device`): this device's own budget and
    /// failure streak, nothing shared with anyone.
    Device(&'a str),
    /// Anyone else: the name's one untrusted budget and streak, shared by every client without
    /// the name's device cookie, and a budget against spraying many names: the browser's own
    /// when it holds a device cookie for any name (`browser`, one of its device ids), else the
    /// address's, which a class behind one NAT shares.
    Untrusted {
        address: &'a str,
        browser: Option<&'a str>,
    },
}

/// The failure streak's key for untrusted attempts (device ids are 22 characters, never this).
const UNTRUSTED: &str = "untrusted";

impl LoginFrom<'_> {
    /// The failure streak this attempt belongs to.
    fn streak(&self) -> &str {
        match self {
            LoginFrom::Device(device) => device,
            LoginFrom::Untrusted { .. } => UNTRUSTED,
        }
    }
}

/// Every limit the server applies, built from the settings.
pub struct Limits {
    pub login_per_address: Box<dyn Limiter>,
    pub login_per_name_and_device: Box<dyn Limiter>,
    pub login_per_name: Box<dyn Limiter>,
    pub register_per_address: Box<dyn Limiter>,
    pub join_per_account: Box<dyn Limiter>,
    pub join_per_address: Box<dyn Limiter>,
    pub refresh_per_address: Box<dyn Limiter>,
    pub key_rotation_per_account: Box<dyn Limiter>,
    pub matrix_per_account: Box<dyn Limiter>,
    pub scale_per_account: Box<dyn Limiter>,
    pub attacks_per_account: Box<dyn Limiter>,
    pub cost_runs_per_account: Box<dyn Limiter>,
    /// Doubling waits after failures in a row, per name and origin.
    pub login_backoff: super::login_backoff::LoginBackoff,
}

impl Limits {
    pub fn local(settings: &crate::settings::LimitSettings) -> Self {
        Self::with(settings, |_, rate| Box::new(LocalLimiter::new(rate)))
    }

    pub(crate) fn with(
        settings: &crate::settings::LimitSettings,
        make: impl Fn(&str, Rate) -> Box<dyn Limiter>,
    ) -> Self {
        Limits {
            login_per_address: make("login-address", settings.login_per_address),
            login_per_name_and_device: make(
                "login-name-device",
                settings.login_per_name_and_device,
            ),
            login_per_name: make("login-name", settings.login_per_name),
            register_per_address: make("register-address", settings.register_per_address),
            join_per_account: make("join-account", settings.join_per_account),
            join_per_address: make("join-address", settings.join_per_address),
            refresh_per_address: make("refresh-address", settings.refresh_per_address),
            key_rotation_per_account: make("key-rotation", settings.key_rotation_per_account),
            matrix_per_account: make("matrix", settings.matrix_per_account),
            scale_per_account: make("scale", settings.scale_per_account),
            attacks_per_account: make("attacks", settings.attacks_per_account),
            cost_runs_per_account: make("cost-runs", settings.cost_runs_per_account),
            login_backoff: super::login_backoff::LoginBackoff::new(
                settings.login_backoff_after,
                Duration::from_secs(settings.login_backoff_max_secs),
            ),
        }
    }

    /// A login attempt (or a password change) for `username` from `from`, checked before
    /// anything looks the name up, so a 429 says nothing about whether the account exists.
    /// - From the name's trusted device: that device's bucket, all the name's trusted browsers'
    ///   together, then the device's failure streak's wait.
    /// - From anyone else: per name from every untrusted client together (guessing from many
    ///   addresses), per browser or else per address (spraying many names), then the name's
    ///   untrusted streak's wait.
    ///
    /// Returns which limit refused, and the wait.
    pub async fn login(
        &self,
        username: &str,
        from: LoginFrom<'_>,
    ) -> Result<(), (&'static str, RetryAfter)> {
        let name = username.to_lowercase();
        match from {
            LoginFrom::Device(device) => {
                self.login_per_name_and_device
                    .check(&format!("{device} {name}"))
                    .await
                    .map_err(|wait| ("login attempts for this name from this browser", wait))?;
                // All the name's trusted browsers together: only whoever knows the password can
                // have one, and no number of them buys more than this.
                self.login_per_name
                    .check(&format!("trusted {name}"))
                    .await
                    .map_err(|wait| ("login attempts for this name from its browsers", wait))?;
            }
            LoginFrom::Untrusted { address, browser } => {
                // The name's bucket first: a flood aimed at one name is refused there and never
                // spends the spraying budget.
                self.login_per_name.check(&name).await.map_err(|wait| {
                    (
                        "login attempts for this name from browsers it has not signed in on",
                        wait,
                    )
                })?;
                // Spraying: a browser that holds a device cookie (a learner's own, signed in
                // before) has a budget of its own, so a classmate spraying names from the same
                // school address cannot spend it; any other client spends the address's.
                match browser {
                    Some(browser) => self
                        .login_per_address
                        .check(&format!("browser {browser}"))
                        .await
                        .map_err(|wait| ("login attempts from this browser", wait))?,
                    None => self
                        .login_per_address
                        .check(address)
                        .await
                        .map_err(|wait| ("login attempts from your address", wait))?,
                }
            }
        }
        if let Some(wait) =
            self.login_backoff
                .waiting(&name, from.streak(), std::time::Instant::now())
        {
            return Err(match from {
                LoginFrom::Device(_) => (
                    "wrong passwords in a row for this name from this browser",
                    wait,
                ),
                LoginFrom::Untrusted { .. } => (
                    "wrong passwords in a row for this name from browsers it has not signed in on",
                    wait,
                ),
            });
        }
        Ok(())
    }

    /// What the credential check said: a right password ends the failure streak of its origin;
    /// anything else lengthens it.
    pub fn login_outcome(&self, username: &str, from: LoginFrom<'_>, password_right: bool) {
        let name = username.to_lowercase();
        if password_right {
            self.login_backoff.succeeded(&name, from.streak());
        } else {
            self.login_backoff
                .failed(&name, from.streak(), std::time::Instant::now());
        }
    }

    pub fn forget_idle(&self) {
        for limiter in [
            &self.login_per_address,
            &self.login_per_name_and_device,
            &self.login_per_name,
            &self.register_per_address,
            &self.refresh_per_address,
            &self.key_rotation_per_account,
            &self.matrix_per_account,
            &self.scale_per_account,
            &self.attacks_per_account,
            &self.cost_runs_per_account,
        ] {
            limiter.forget_idle();
        }
        self.login_backoff.forget_idle(std::time::Instant::now());
    }
}
