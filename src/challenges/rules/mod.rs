//! Each challenge's rule, next to its hints and worked solution. A rule reads the events the
//! server recorded for one learner (oldest first, none from before the learner's last reset) and
//! says whether they show the goal reached; an answer's rule compares the answer with the
//! server's own records. Grouped by what they teach, one file per group, each with the unit tests
//! that feed it events which solve it and events which look close but must not.

mod browser;
mod forgery;
mod logout;
mod refresh;
mod stores;
mod tokens;

use super::event::{Event, Happened, Issued, Judged};
use crate::wire::{AnswerVerdict, ChallengeId};

/// How long after its `exp` a token still counts as one the learner holds, for an answer about it.
pub const HELD_GRACE_MS: i64 = 60_000;

/// A learner's events, and whose they are.
pub struct Seen<'a> {
    /// The learner's own account (events may also be of scratch accounts their runs created).
    pub learner: i64,
    pub events: &'a [Event],
}

impl<'a> Seen<'a> {
    /// Every judged request, with its event.
    pub fn judged(&self) -> impl Iterator<Item = (usize, &'a Event, &'a Judged)> + 'a {
        self.events
            .iter()
            .enumerate()
            .filter_map(|(i, e)| match &e.what {
                Happened::Judged(j) => Some((i, e, j)),
                _ => None,
            })
    }

    /// Judged requests of the learner's own account.
    pub fn own_judged(&self) -> impl Iterator<Item = (usize, &'a Event, &'a Judged)> + 'a {
        let learner = self.learner;
        self.judged().filter(move |(_, e, _)| e.account == learner)
    }

    /// Every token the server issued, with the index of its event.
    pub fn issued(&self) -> impl Iterator<Item = (usize, &'a Event, &'a Issued)> + 'a {
        self.events
            .iter()
            .enumerate()
            .filter_map(|(i, e)| match &e.what {
                Happened::SignedIn {
                    token: Some(token), ..
                }
                | Happened::Refreshed { token }
                | Happened::Minted { token } => Some((i, e, token)),
                _ => None,
            })
    }

    /// Tokens issued to the learner's own account (at a login or a refresh: the tokens a learner
    /// holds) that are still valid at `now_ms`, or were within the last `HELD_GRACE_MS` (the time
    /// it takes to read one and type the answer, however short the lab's tokens are set to live).
    pub fn own_held_tokens(&self, now_ms: i64) -> impl Iterator<Item = &'a Issued> + 'a {
        let learner = self.learner;
        self.events
            .iter()
            .filter(move |e| e.account == learner)
            .filter_map(|e| match &e.what {
                Happened::SignedIn {
                    token: Some(token), ..
                }
                | Happened::Refreshed { token } => Some(token),
                _ => None,
            })
            .filter(move |t| t.exp.saturating_mul(1000).saturating_add(HELD_GRACE_MS) > now_ms)
    }

    /// The fingerprints of every token the server issued: what tells its tokens from any made
    /// elsewhere, whatever their claims say.
    pub fn issued_fingerprints(&self) -> std::collections::HashSet<&'a str> {
        self.issued()
            .map(|(_, _, t)| t.fingerprint.as_str())
            .collect()
    }
}

/// What an answer is checked against: the learner's events and the server's state now.
pub struct Records<'a> {
    pub seen: Seen<'a>,
    /// The learner's live sessions, counted in the session store when the answer arrived.
    pub live_sessions: usize,
    pub now_ms: i64,
}

pub enum Rule {
    /// Solved once the learner's events show it.
    Events(fn(&Seen<'_>) -> bool),
    /// Solved by an answer the server checks against its own records.
    Answer(fn(&Records<'_>, &str) -> AnswerVerdict),
    /// Cannot be done with the defences on: `tries` counts the attempts the events show; after
    /// `TRIES_BEFORE_WHY` of them, the learner is told `why`.
    Impossible {
        tries: fn(&Seen<'_>) -> u32,
        why: &'static str,
    },
}

/// Attempts at an impossible challenge before the server says why it cannot be done.
pub const TRIES_BEFORE_WHY: u32 = 2;

/// A challenge as the server holds it: its rule, hints (revealed one at a time) and the worked
/// solution (after the last hint).
pub struct Challenge {
    pub id: ChallengeId,
    pub hints: &'static [&'static str],
    pub solution: &'static str,
    pub rule: Rule,
}

/// Every challenge the server judges.
pub fn all() -> impl Iterator<Item = &'static Challenge> {
    [
        tokens::ALL,
        logout::ALL,
        refresh::ALL,
        forgery::ALL,
        browser::ALL,
        stores::ALL,
    ]
    .into_iter()
    .flatten()
}

/// The challenges settled by request that `seen` shows reached, among those not in `solved`.
pub fn newly_solved(seen: &Seen<'_>, solved: impl Fn(ChallengeId) -> bool) -> Vec<ChallengeId> {
    all()
        .filter(|c| !solved(c.id))
        .filter(|c| matches!(c.rule, Rule::Events(shows) if shows(seen)))
        .map(|c| c.id)
        .collect()
}

/// The challenge `id`.
pub fn of(id: ChallengeId) -> &'static Challenge {
    all()
        .find(|c| c.id == id)
        .expect("every challenge has a rule")
}

fn verdict(correct: bool, reason: impl Into<String>) -> AnswerVerdict {
    AnswerVerdict {
        correct,
        reason: reason.into(),
    }
}

#[cfg(test)]
pub(crate) mod test_events {
    //! Building events for the rules' tests.
    use super::super::event::*;
    use crate::wire::{AuthMode, CheckId, CheckStatus};

    pub const LEARNER: i64 = 7;
    pub const SCRATCH: i64 = 70;

    pub fn at(at_ms: i64, what: Happened) -> Event {
        Event {
            at_ms,
            account: LEARNER,
            what,
        }
    }

    pub fn on(account: i64, mut event: Event) -> Event {
        event.account = account;
        event
    }

    pub fn issued(jti: &str, iat: i64) -> Issued {
        Issued {
            jti: jti.into(),
            kid: "k-7".into(),
            iat,
            exp: iat + 300,
            chars: 412,
            fingerprint: format!("fp-{jti}"),
        }
    }

    pub fn signed_in(at_ms: i64, jti: &str) -> Event {
        at(
            at_ms,
            Happened::SignedIn {
                mode: AuthMode::Jwt,
                token: Some(issued(jti, at_ms / 1000)),
                kept_planted_id: false,
            },
        )
    }

    pub fn token(jti: &str, iat: i64) -> TokenFacts {
        TokenFacts {
            alg: "EdDSA".into(),
            kid: Some("k-7".into()),
            jti: Some(jti.into()),
            iat: Some(iat),
            signed_by: SignedBy::OurKey,
            fingerprint: format!("fp-{jti}"),
        }
    }

    /// A bearer request: every check passed but `fail`, which failed, and `off`, switched off.
    pub fn bearer(at_ms: i64, token: TokenFacts, fail: Option<CheckId>, off: &[CheckId]) -> Event {
        judged(at_ms, AuthMode::Jwt, "GET /api/me", Some(token), fail, off)
    }

    pub fn cookie(at_ms: i64, action: &str, fail: Option<CheckId>, off: &[CheckId]) -> Event {
        judged(at_ms, AuthMode::Session, action, None, fail, off)
    }

    fn judged(
        at_ms: i64,
        mode: AuthMode,
        action: &str,
        token: Option<TokenFacts>,
        fail: Option<CheckId>,
        off: &[CheckId],
    ) -> Event {
        let plan: &[CheckId] = match mode {
            AuthMode::Jwt => &[
                CheckId::Format,
                CheckId::KidKnown,
                CheckId::Algorithm,
                CheckId::Signature,
                CheckId::Typ,
                CheckId::Exp,
                CheckId::Subject,
                CheckId::Denylist,
                CheckId::NotBeforeMark,
            ],
            AuthMode::Session => &[
                CheckId::SameOrigin,
                CheckId::CsrfToken,
                CheckId::Cookie,
                CheckId::StoreLookup,
                CheckId::IdleTimeout,
                CheckId::User,
            ],
        };
        let mut failed = false;
        let checks = plan
            .iter()
            .map(|&id| {
                let status = if failed {
                    CheckStatus::Skip
                } else if Some(id) == fail {
                    failed = true;
                    CheckStatus::Fail
                } else if off.contains(&id) {
                    CheckStatus::Off
                } else {
                    CheckStatus::Pass
                };
                (id, status)
            })
            .collect();
        at(
            at_ms,
            Happened::Judged(Judged {
                mode,
                action: action.into(),
                allowed: fail.is_none(),
                checks,
                token,
                cross_site: false,
                failed_open: false,
            }),
        )
    }

    pub fn seen(events: &[Event]) -> super::Seen<'_> {
        super::Seen {
            learner: LEARNER,
            events,
        }
    }
}
