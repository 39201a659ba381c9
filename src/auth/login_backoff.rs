//! Login backoff, on top of the flat rate limits:
//! - **Doubling waits.** After `after` wrong passwords in a row for one name from one address,
//!   each further wrong one doubles the wait before the next attempt there (1 s, 2 s, 4 s, … up
//!   to `max`); a right password clears it. A guesser slows down far more than under a flat rate,
//!   a learner who mistypes twice never notices, and the wait is capped: never a lockout.
//! - **Known addresses.** An address a name has logged in from is remembered (a few per name),
//!   and the per-name limit, which counts attempts from everywhere, does not apply there. So an
//!   attacker flooding a name from elsewhere slows the guessing down but cannot keep the owner
//!   out of their usual machine. Only a right password makes an address known, so this says
//!   nothing about whether a name exists.
//!
//! Both maps live in this process's memory, bounded in entries; a full map stops tracking new
//! keys (the flat limits still apply) rather than growing.

use super::rate::RetryAfter;
use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

/// Most (name, address) pairs with a failure streak, and most names with known addresses.
const MAX_ENTRIES: usize = 100_000;
/// Known addresses kept per name (the newest).
const KNOWN_PER_NAME: usize = 4;

struct Streak {
    failures: u32,
    last: Instant,
    until: Instant,
}

pub struct LoginBackoff {
    after: u32,
    max: Duration,
    streaks: Mutex<HashMap<String, Streak>>,
    known: Mutex<HashMap<String, Vec<String>>>,
}

fn pair(name: &str, address: &str) -> String {
    format!("{address} {name}")
}

impl LoginBackoff {
    /// Waits begin after `after` failures in a row and never exceed `max`.
    pub fn new(after: u32, max: Duration) -> Self {
        LoginBackoff {
            after,
            max: max.max(Duration::from_secs(1)),
            streaks: Mutex::default(),
            known: Mutex::default(),
        }
    }

    /// The wait still ahead of `name` at `address`, if any.
    pub fn waiting(&self, name: &str, address: &str, now: Instant) -> Option<RetryAfter> {
        let streaks = self.streaks.lock().unwrap_or_else(|e| e.into_inner());
        let streak = streaks.get(&pair(name, address))?;
        (streak.until > now).then(|| RetryAfter(streak.until - now))
    }

    /// A wrong password (or an unknown name) for `name` at `address`.
    pub fn failed(&self, name: &str, address: &str, now: Instant) {
        let mut streaks = self.streaks.lock().unwrap_or_else(|e| e.into_inner());
        let key = pair(name, address);
        if !streaks.contains_key(&key) && streaks.len() >= MAX_ENTRIES {
            let max = self.max;
            streaks.retain(|_, s| now.saturating_duration_since(s.last) <= max);
            if streaks.len() >= MAX_ENTRIES {
                return;
            }
        }
        let streak = streaks.entry(key).or_insert(Streak {
            failures: 0,
            last: now,
            until: now,
        });
        streak.failures = streak.failures.saturating_add(1);
        streak.last = now;
        let beyond = streak.failures.saturating_sub(self.after);
        if beyond > 0 {
            // 1 s for the first failure past the free ones, then doubling, capped.
            let doubling = 1u64 << (beyond - 1).min(30);
            let wait = Duration::from_secs(doubling).min(self.max);
            streak.until = now + wait;
        }
    }

    /// A right password for `name` at `address`: the streak ends and the address is known.
    pub fn succeeded(&self, name: &str, address: &str) {
        self.streaks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&pair(name, address));
        let mut known = self.known.lock().unwrap_or_else(|e| e.into_inner());
        if !known.contains_key(name) && known.len() >= MAX_ENTRIES {
            return;
        }
        let addresses = known.entry(name.to_string()).or_default();
        addresses.retain(|a| a != address);
        addresses.push(address.to_string());
        if addresses.len() > KNOWN_PER_NAME {
            addresses.remove(0);
        }
    }

    /// Has `name` logged in from `address` before?
    pub fn is_known(&self, name: &str, address: &str) -> bool {
        self.known
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
            .is_some_and(|addresses| addresses.iter().any(|a| a == address))
    }

    /// Forget streaks whose last failure is older than the longest wait: they hold nothing.
    pub fn forget_idle(&self, now: Instant) {
        let max = self.max;
        self.streaks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|_, s| now.saturating_duration_since(s.last) <= max);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_after_the_free_failures_and_stop_at_the_cap() {
        let backoff = LoginBackoff::new(3, Duration::from_secs(8));
        let t0 = Instant::now();
        let mut waits = Vec::new();
        for i in 0..8u64 {
            // Each failure arrives once the previous wait is over.
            let now = t0 + Duration::from_secs(100 * i);
            assert!(backoff.waiting("bob", "10.0.0.1", now).is_none());
            backoff.failed("bob", "10.0.0.1", now);
            waits.push(
                backoff
                    .waiting("bob", "10.0.0.1", now)
                    .map_or(0, |w| w.0.as_secs()),
            );
        }
        assert_eq!(waits, [0, 0, 0, 1, 2, 4, 8, 8]);
        // Another address, and another name, are untouched.
        assert!(backoff.waiting("bob", "10.0.0.2", t0).is_none());
        assert!(backoff.waiting("carol", "10.0.0.1", t0).is_none());
    }

    #[test]
    fn a_right_password_ends_the_streak_and_makes_the_address_known() {
        let backoff = LoginBackoff::new(1, Duration::from_secs(60));
        let now = Instant::now();
        backoff.failed("bob", "10.0.0.1", now);
        backoff.failed("bob", "10.0.0.1", now);
        assert!(backoff.waiting("bob", "10.0.0.1", now).is_some());
        assert!(!backoff.is_known("bob", "10.0.0.1"));
        backoff.succeeded("bob", "10.0.0.1");
        assert!(backoff.waiting("bob", "10.0.0.1", now).is_none());
        assert!(backoff.is_known("bob", "10.0.0.1"));
        assert!(!backoff.is_known("bob", "10.0.0.2"));
    }

    #[test]
    fn only_the_newest_known_addresses_are_kept() {
        let backoff = LoginBackoff::new(1, Duration::from_secs(60));
        for i in 0..6 {
            backoff.succeeded("bob", &format!("10.0.0.{i}"));
        }
        assert!(!backoff.is_known("bob", "10.0.0.1"));
        assert!(backoff.is_known("bob", "10.0.0.5"));
    }
}
