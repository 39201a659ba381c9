//! What logout does: the old cookie fails at once; the old JWT keeps working until `exp`, unless
//! the server keeps revocation state after all.

use super::{Challenge, Rule, Seen};
use crate::challenges::event::{Event, Happened, Judged};
use crate::wire::ChallengeId;
use crate::wire::{AuthMode, CheckId, CheckStatus};
use std::collections::{HashMap, HashSet};

pub const ALL: &[Challenge] = &[
    Challenge {
        id: ChallengeId::OldCookieRefused,
        hints: &[
            "A session logout deletes the record the cookie names; the cookie itself is only an id.",
            "Keep a copy of the cookie before you log out, then send it again (curl, or the compare page's replay).",
            "The compare page's run logs a fresh account out and replays its old cookie for you.",
        ],
        solution: "Sign in in cookie mode, copy the `__Host-authlab_session` cookie from the developer tools, log out, then `curl -H 'Cookie: __Host-authlab_session=<the old id>' http://127.0.0.1:3000/api/me`: 401, refused at `store lookup`. The compare page's run does the same with an account it creates for you.",
        rule: Rule::Events(old_cookie_refused),
    },
    Challenge {
        id: ChallengeId::ReplayAfterLogout,
        hints: &[
            "Logging out of the bearer model revokes the refresh family, but nothing the access token's checks consult.",
            "Keep the access token you hold before you log out (the inspector shows it), and send it again after the logout.",
            "It must be your own account's token, the very one issued before the logout: a new login's token, or the compare page's run with an account of its own, does not count.",
        ],
        solution: "Sign in in bearer mode with the denylist off, copy the access token, log out, then `curl -H 'Authorization: Bearer <the old token>' http://127.0.0.1:3000/api/me`: 200, every check passes until `exp`. The workbench's \"held token\" does the same from the page.",
        rule: Rule::Events(replay_after_logout),
    },
    Challenge {
        id: ChallengeId::RevokeBeforeExp,
        hints: &[
            "Something on the server must remember the logged-out token for as long as it could still be valid.",
            "The playground's JWT panel has a switch that does exactly that, and costs a lookup per request.",
            "Switch the denylist on, sign in again, keep the token, log out, replay it.",
        ],
        solution: "In bearer mode switch \"denylist\" on, sign in, copy the access token, log out, and replay it: 401 at `denylist` (or at `not-before mark` after \"log out everywhere\"). The server keeps state again: that is claim 4.",
        rule: Rule::Events(revoke_before_exp),
    },
    Challenge {
        id: ChallengeId::HybridNotBefore,
        hints: &[
            "\"Log out everywhere\" sets a mark: tokens issued before it are refused, for accounts that keep revocation state.",
            "The mark is consulted only with server-side revocation (the denylist switch) on.",
        ],
        solution: "Switch the denylist on, sign in in bearer mode, copy the token, press \"log out everywhere\", and replay the token: 401 at `not-before mark`. Short tokens plus this one check is the hybrid the last lesson recommends.",
        rule: Rule::Events(hybrid_not_before),
    },
    Challenge {
        id: ChallengeId::ReviveLoggedOutCookie,
        hints: &[
            "Try it: replay the cookie after the logout, change its attributes, send it from another browser.",
            "What does the server look the cookie up in?",
        ],
        solution: "It cannot be done. The cookie is only an id; logout deleted the record it named, and every request looks the id up, so the first replay already fails at `store lookup`. Nothing the browser sends can bring the record back: a new login makes a new id.",
        rule: Rule::Impossible {
            tries: revive_tries,
            why: "A session cookie is only a pointer to a record on the server. Logout deleted the record, and each request looks the id up, so every replay of the old id fails at `store lookup`, and a new login always gets a new id. This is claim 2: revocation is instant because the state lives on the server.",
        },
    },
];

/// Whether `event` is a logout of `mode` (an ended-everything counts for both models).
fn is_logout(event: &Event, mode: AuthMode) -> bool {
    match &event.what {
        Happened::LoggedOut { mode: m, .. } => *m == mode,
        Happened::AccessEnded => true,
        _ => false,
    }
}

/// Session requests refused at `store lookup` after a logout of the same account: the old cookie.
/// One pass over the events (a learner's many requests must not make judging them quadratic).
fn old_cookie_replays(seen: &Seen<'_>) -> u32 {
    let mut logged_out = HashSet::new();
    let mut replays = 0;
    for event in seen.events {
        if is_logout(event, AuthMode::Session) {
            logged_out.insert(event.account);
        }
        if let Happened::Judged(j) = &event.what {
            if j.mode == AuthMode::Session
                && j.refused_at() == Some(CheckId::StoreLookup)
                && logged_out.contains(&event.account)
            {
                replays += 1;
            }
        }
    }
    replays
}

fn old_cookie_refused(seen: &Seen<'_>) -> bool {
    old_cookie_replays(seen) > 0
}

fn revive_tries(seen: &Seen<'_>) -> u32 {
    old_cookie_replays(seen)
}

/// Whether one of the learner's own bearer requests that `decided` accepts carried a token
/// issued before an event that `ended` access (a logout, or log out everywhere) of their
/// account. Issued before: its issue event comes earlier than the latest such end before the
/// request; or, where that issue event aged out of the window, its `iat` is a whole second
/// earlier. One pass over the events.
fn token_from_before(
    seen: &Seen<'_>,
    ended: fn(&Event) -> bool,
    decided: fn(&Judged) -> bool,
) -> bool {
    let mut issued: HashMap<&str, usize> = HashMap::new();
    let mut last_end: Option<(usize, i64)> = None;
    for (i, event) in seen.events.iter().enumerate() {
        if event.account != seen.learner {
            continue;
        }
        if ended(event) {
            last_end = Some((i, event.at_ms));
        }
        match &event.what {
            Happened::SignedIn { token: Some(t), .. } | Happened::Refreshed { token: t } => {
                issued.entry(t.jti.as_str()).or_insert(i);
            }
            Happened::Judged(j) if j.mode == AuthMode::Jwt && decided(j) => {
                let (Some((end, end_ms)), Some(token)) = (last_end, &j.token) else {
                    continue;
                };
                let before = match token.jti.as_deref().and_then(|jti| issued.get(jti)) {
                    Some(&at) => at < end,
                    None => token
                        .iat
                        .is_some_and(|iat| iat.saturating_mul(1000) < end_ms - 1000),
                };
                if before {
                    return true;
                }
            }
            _ => {}
        }
    }
    false
}

fn jwt_logout(event: &Event) -> bool {
    is_logout(event, AuthMode::Jwt)
}

fn access_ended(event: &Event) -> bool {
    matches!(event.what, Happened::AccessEnded)
}

fn replay_after_logout(seen: &Seen<'_>) -> bool {
    token_from_before(seen, jwt_logout, |j| {
        j.allowed && !j.any_off() && !j.failed_open
    })
}

fn revoke_before_exp(seen: &Seen<'_>) -> bool {
    token_from_before(seen, jwt_logout, |j| {
        matches!(
            j.refused_at(),
            Some(CheckId::Denylist | CheckId::NotBeforeMark)
        )
    })
}

fn hybrid_not_before(seen: &Seen<'_>) -> bool {
    token_from_before(seen, access_ended, |j| {
        j.status(CheckId::NotBeforeMark) == Some(CheckStatus::Fail)
    })
}

#[cfg(test)]
mod tests {
    use super::super::test_events::*;
    use super::*;
    use crate::challenges::event::Happened;

    fn logged_out(at_ms: i64, mode: AuthMode) -> crate::challenges::event::Event {
        at(at_ms, Happened::LoggedOut { mode, jti: None })
    }

    #[test]
    fn the_old_cookie_refused_after_its_logout_solves_it() {
        let events = [
            logged_out(1_000, AuthMode::Session),
            cookie(2_000, "GET /api/me", Some(CheckId::StoreLookup), &[]),
        ];
        assert!(old_cookie_refused(&seen(&events)));
        assert_eq!(revive_tries(&seen(&events)), 1);
    }

    #[test]
    fn a_lookup_miss_before_any_logout_or_an_idle_timeout_does_not() {
        let events = [
            cookie(500, "GET /api/me", Some(CheckId::StoreLookup), &[]),
            logged_out(1_000, AuthMode::Session),
            cookie(2_000, "GET /api/me", Some(CheckId::IdleTimeout), &[]),
            // Another account's logout does not make this account's miss a replay.
            on(SCRATCH, logged_out(2_500, AuthMode::Session)),
        ];
        assert!(!old_cookie_refused(&seen(&events)));
        let events = [
            on(SCRATCH, logged_out(1_000, AuthMode::Session)),
            cookie(2_000, "GET /api/me", Some(CheckId::StoreLookup), &[]),
        ];
        assert!(!old_cookie_refused(&seen(&events)));
    }

    #[test]
    fn the_token_from_before_the_logout_accepted_solves_it() {
        let events = [
            signed_in(10_000, "before"),
            logged_out(20_000, AuthMode::Jwt),
            bearer(21_000, token("before", 10), None, &[]),
        ];
        assert!(replay_after_logout(&seen(&events)));
    }

    #[test]
    fn a_runs_scratch_account_replaying_its_token_does_not() {
        // The compare page's run does this with an account of its own: the challenge asks for
        // the token *you* held.
        let events = [
            on(SCRATCH, signed_in(10_000, "before")),
            on(SCRATCH, logged_out(20_000, AuthMode::Jwt)),
            on(SCRATCH, bearer(21_000, token("before", 10), None, &[])),
        ];
        assert!(!replay_after_logout(&seen(&events)));
    }

    #[test]
    fn logging_in_again_instead_of_replaying_does_not() {
        let events = [
            signed_in(10_000, "before"),
            // The old token used before the logout.
            bearer(19_000, token("before", 10), None, &[]),
            logged_out(20_000, AuthMode::Jwt),
            signed_in(20_500, "after"),
            // Issued in the same second as the logout, but after it.
            bearer(21_000, token("after", 20), None, &[]),
        ];
        assert!(!replay_after_logout(&seen(&events)));
    }

    #[test]
    fn the_old_token_refused_by_the_denylist_solves_revocation_but_exp_does_not() {
        let refused_at = |check| {
            [
                signed_in(10_000, "before"),
                logged_out(20_000, AuthMode::Jwt),
                bearer(21_000, token("before", 10), Some(check), &[]),
            ]
        };
        assert!(revoke_before_exp(&seen(&refused_at(CheckId::Denylist))));
        assert!(!revoke_before_exp(&seen(&refused_at(CheckId::Exp))));
        assert!(!hybrid_not_before(&seen(&refused_at(CheckId::Denylist))));
    }

    #[test]
    fn the_not_before_mark_after_log_out_everywhere_solves_the_hybrid() {
        let events = [
            signed_in(10_000, "before"),
            at(20_000, Happened::AccessEnded),
            bearer(
                21_000,
                token("before", 10),
                Some(CheckId::NotBeforeMark),
                &[],
            ),
        ];
        assert!(hybrid_not_before(&seen(&events)));
        assert!(revoke_before_exp(&seen(&events)));
        // A token issued after the mark and refused (by something else) does not.
        let events = [
            at(20_000, Happened::AccessEnded),
            signed_in(21_000, "after"),
            bearer(
                22_000,
                token("after", 21),
                Some(CheckId::NotBeforeMark),
                &[],
            ),
        ];
        assert!(!hybrid_not_before(&seen(&events)));
    }
}
