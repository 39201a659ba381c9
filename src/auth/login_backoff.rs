//! Login backoff, on top of the flat rate limits: after `after` wrong passwords in a row for one
//! name from one *origin*, each further wrong one doubles the wait before the next attempt from
//! there (1 s, 2 s, 4 s, … up to `max`); a right password clears it. A guesser slows down far
//! more than under a flat rate, a learner who mistypes twice never notices, and the wait is
//! capped: never a lockout.
//!
//! The origin is the device (`auth::device`): a browser holding the name's device cookie has a
//! streak of its own, and everyone else trying the name shares the name's one untrusted streak.
//! So a classmate's wrong guesses from the same school address slow the classmate down, never
//! the owner on their own browser.
//!
//! The map lives in this process's memory, bounded in entries; a full map stops tracking new
//! keys (the flat limits still apply) rather than growing.

use crate::settings::rate::RetryAfter;
use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

/// Most (name, origin) pairs with a failure streak.
const MAX_ENTRIES: usize = 100_000;

struct Streak {
    failures: u32,
    last: Instant,
    until: Instant,
}

pub struct LoginBackoff {
    after: u32,
    max: Duration,
    streaks: Mutex<HashMap<String, Streak>>,
}

/// The streak's key: the name (cut to 64 characters: a login may name anything, and the map's
/// entries must stay small) and the origin (a device id, or `untrusted`).
fn pair(name: &str, origin: &str) -> String {
    let name: String = name.chars().take(64).collect();
    format!("{origin} {name}")
}

impl LoginBackoff {
    /// Waits begin after `after` failures in a row and never exceed `max`.
    pub fn new(after: u32, max: Duration) -> Self {
        LoginBackoff {
            after,
            max: max.max(Duration::from_secs(1)),
            streaks: Mutex::default(),
        }
    }

    /// The wait still ahead of `name` from `origin`, if any.
    pub fn waiting(&self, name: &str, origin: &str, now: Instant) -> Option<RetryAfter> {
        let streaks = self.streaks.lock().unwrap_or_else(|e| e.into_inner());
        let streak = streaks.get(&pair(name, origin))?;
        (streak.until > now).then(|| RetryAfter(streak.until - now))
    }

    /// A wrong password (or an unknown name) for `name` from `origin`.
    pub fn failed(&self, name: &str, origin: &str, now: Instant) {
        let mut streaks = self.streaks.lock().unwrap_or_else(|e| e.into_inner());
        let key = pair(name, origin);
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

    /// A right password for `name` from `origin`: that streak ends.
    pub fn succeeded(&self, name: &str, origin: &str) {
        self.streaks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&pair(name, origin));
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
            assert!(backoff.waiting("bob", "untrusted", now).is_none());
            backoff.failed("bob", "untrusted", now);
            waits.push(
                backoff
                    .waiting("bob", "untrusted", now)
                    .map_or(0, |w| w.0.as_secs()),
            );
        }
        assert_eq!(waits, [0, 0, 0, 1, 2, 4, 8, 8]);
        // Another origin (a trusted device), and another name, are untouched.
        assert!(backoff.waiting("bob", "device-a", t0).is_none());
        assert!(backoff.waiting("carol", "untrusted", t0).is_none());
    }

    #[test]
    fn a_right_password_ends_the_streak_of_its_origin_only() {
        let backoff = LoginBackoff::new(1, Duration::from_secs(60));
        let now = Instant::now();
        backoff.failed("bob", "untrusted", now);
        backoff.failed("bob", "untrusted", now);
        backoff.failed("bob", "device-a", now);
        backoff.failed("bob", "device-a", now);
        assert!(backoff.waiting("bob", "untrusted", now).is_some());
        backoff.succeeded("bob", "device-a");
        assert!(backoff.waiting("bob", "device-a", now).is_none());
        assert!(backoff.waiting("bob", "untrusted", now).is_some());
        assert!(backoff.waiting("bob", "device-b", now).is_none());
    }
}
