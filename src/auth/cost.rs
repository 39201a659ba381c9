//! What authentication costs this server, measured on the learner's own requests: for each
//! account and mode, the last `WINDOW` accepted requests, each split into the time the judge took
//! (every check in the trace: the session store lookup, or the signature check plus the denylist
//! lookup when it is on) and everything else the server did for the request (routing, the
//! handler, the answer). The inspector and the compare page show the medians, so "sessions cost
//! a lookup, JWTs cost a signature check" is a number measured here, not a claim.
//!
//! In memory only, bounded: `WINDOW` samples per mode, at most `MAX_ACCOUNTS` accounts (the one
//! updated longest ago is dropped to make room). Recording takes one uncontended lock, a few
//! hundred nanoseconds; nothing is written to disk.

use crate::wire::{AuthCost, AuthMode, ModeCost};
use std::{
    collections::{HashMap, VecDeque},
    sync::Mutex,
    time::Duration,
};

/// Requests per account and mode the medians are taken over.
pub const WINDOW: usize = 50;
/// Accounts remembered at once.
const MAX_ACCOUNTS: usize = 4096;

#[derive(Default)]
struct Samples {
    /// (judge, everything else), in nanoseconds, newest last.
    recent: VecDeque<(u64, u64)>,
}

impl Samples {
    fn push(&mut self, judge: u64, rest: u64) {
        if self.recent.len() == WINDOW {
            self.recent.pop_front();
        }
        self.recent.push_back((judge, rest));
    }

    fn summary(&self, mode: AuthMode) -> Option<ModeCost> {
        if self.recent.is_empty() {
            return None;
        }
        let judge = median(self.recent.iter().map(|s| s.0).collect());
        let rest = median(self.recent.iter().map(|s| s.1).collect());
        Some(ModeCost {
            mode,
            samples: self.recent.len() as u32,
            check_median_ns: judge,
            rest_median_ns: rest,
        })
    }
}

/// The middle value of `values` (the upper one of the two middles when their number is even).
pub fn median(mut values: Vec<u64>) -> u64 {
    values.sort_unstable();
    values[values.len() / 2]
}

#[derive(Default)]
struct Account {
    session: Samples,
    jwt: Samples,
    /// When it was last updated (a counter, not a clock): the smallest is dropped first.
    touched: u64,
}

#[derive(Default)]
pub struct AuthCosts {
    inner: Mutex<(HashMap<i64, Account>, u64)>,
}

impl AuthCosts {
    /// One accepted request of `user_id` in `mode`: `judge` of its `total` was the judge's.
    pub fn record(&self, user_id: i64, mode: AuthMode, judge: Duration, total: Duration) {
        let judge_ns = u64::try_from(judge.as_nanos()).unwrap_or(u64::MAX);
        let rest_ns = u64::try_from(total.saturating_sub(judge).as_nanos()).unwrap_or(u64::MAX);
        let Ok(mut guard) = self.inner.lock() else {
            return;
        };
        let (accounts, clock) = &mut *guard;
        *clock += 1;
        let now = *clock;
        if !accounts.contains_key(&user_id) && accounts.len() >= MAX_ACCOUNTS {
            if let Some(oldest) = accounts
                .iter()
                .min_by_key(|(_, a)| a.touched)
                .map(|(id, _)| *id)
            {
                accounts.remove(&oldest);
            }
        }
        let account = accounts.entry(user_id).or_default();
        account.touched = now;
        match mode {
            AuthMode::Session => account.session.push(judge_ns, rest_ns),
            AuthMode::Jwt => account.jwt.push(judge_ns, rest_ns),
        }
    }

    /// The medians of `user_id`'s recent requests, per mode it used.
    pub fn of(&self, user_id: i64) -> AuthCost {
        let modes = match self.inner.lock() {
            Ok(guard) => guard
                .0
                .get(&user_id)
                .map(|a| {
                    [
                        a.session.summary(AuthMode::Session),
                        a.jwt.summary(AuthMode::Jwt),
                    ]
                    .into_iter()
                    .flatten()
                    .collect()
                })
                .unwrap_or_default(),
            Err(_) => Vec::new(),
        };
        AuthCost {
            signed_in: true,
            window: WINDOW as u32,
            modes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_cover_the_last_window_per_mode_and_account() {
        let costs = AuthCosts::default();
        for i in 0..(WINDOW as u64 + 10) {
            // The first ten (slow) fall out of the window.
            let judge = if i < 10 { 1_000_000 } else { 2_000 };
            costs.record(
                7,
                AuthMode::Session,
                Duration::from_nanos(judge),
                Duration::from_nanos(judge + 30_000),
            );
        }
        costs.record(
            7,
            AuthMode::Jwt,
            Duration::from_nanos(5_000),
            Duration::from_nanos(4_000),
        );
        let cost = costs.of(7);
        assert_eq!(cost.modes.len(), 2);
        let session = &cost.modes[0];
        assert_eq!(
            (
                session.mode,
                session.samples,
                session.check_median_ns,
                session.rest_median_ns
            ),
            (AuthMode::Session, WINDOW as u32, 2_000, 30_000)
        );
        // A total shorter than the judge's share (clock granularity) counts as nothing else.
        assert_eq!(cost.modes[1].rest_median_ns, 0);
        assert!(costs.of(8).modes.is_empty());
    }

    #[test]
    fn at_most_max_accounts_are_remembered() {
        let costs = AuthCosts::default();
        let tick = Duration::from_nanos(1);
        for id in 0..(MAX_ACCOUNTS as i64 + 5) {
            costs.record(id, AuthMode::Jwt, tick, tick);
        }
        assert_eq!(costs.inner.lock().unwrap().0.len(), MAX_ACCOUNTS);
        assert!(costs.of(0).modes.is_empty(), "the oldest went first");
        assert_eq!(costs.of(MAX_ACCOUNTS as i64 + 4).modes.len(), 1);
    }
}
