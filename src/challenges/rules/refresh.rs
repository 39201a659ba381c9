//! Refresh tokens: a new access token without the password, rotation, and reuse detection.

use super::{Challenge, Rule, Seen};
use crate::challenges::event::Happened;
use crate::wire::ChallengeId;

pub const ALL: &[Challenge] = &[
    Challenge {
        id: ChallengeId::RefreshWithoutPassword,
        hints: &[
            "A bearer login hands out two tokens: a short access token and a longer refresh token.",
            "The refresh token lives in an HttpOnly cookie scoped to one path; the playground has a button that spends it.",
        ],
        solution: "Sign in in bearer mode and press \"refresh\" in the playground (POST /api/jwt/refresh): a new access token, and a new refresh token in place of the old one.",
        rule: Rule::Events(refreshed),
    },
    Challenge {
        id: ChallengeId::ReuseDetected,
        hints: &[
            "Every refresh rotates the refresh token: the one you sent is spent.",
            "What happens if a spent refresh token comes back? Keep a copy before refreshing.",
            "The compare page and the refresh lesson can capture a refresh token; so can curl with `-c`.",
        ],
        solution: "Sign in in bearer mode, copy the refresh cookie (`curl -c jar` on POST /api/jwt/login), refresh once with it, then send the old copy again: 401, and the server ends the whole family, since either you or a thief holds a spent token.",
        rule: Rule::Events(reuse_detected),
    },
    Challenge {
        id: ChallengeId::StolenRefreshSurvives,
        hints: &[
            "Try it: copy a refresh token, let its owner refresh, then use the copy.",
            "What does the server do when a rotated refresh token comes back?",
        ],
        solution: "It cannot be done. Each refresh rotates the token, and the server remembers the spent ones of a family: the first time a spent one comes back, it refuses it and ends the whole family, the owner's current token included. Whoever refreshes second loses, and both must sign in again.",
        rule: Rule::Impossible {
            tries: reuse_count,
            why: "Refresh tokens rotate on every use, and the server remembers the spent ones of each family. When a spent token comes back (the thief's copy after the owner refreshed, or the owner's after the thief did), that is reuse: the server refuses it and ends the whole family. This is claim 5's theft detection.",
        },
    },
];

fn refreshed(seen: &Seen<'_>) -> bool {
    seen.events
        .iter()
        .any(|e| matches!(e.what, Happened::Refreshed { .. }))
}

fn reuse_count(seen: &Seen<'_>) -> u32 {
    seen.events
        .iter()
        .filter(|e| matches!(e.what, Happened::RefreshRefused { reuse: true }))
        .count() as u32
}

fn reuse_detected(seen: &Seen<'_>) -> bool {
    reuse_count(seen) > 0
}

#[cfg(test)]
mod tests {
    use super::super::test_events::*;
    use super::*;

    #[test]
    fn a_rotated_token_coming_back_solves_it() {
        let events = [
            signed_in(1_000, "a"),
            at(
                2_000,
                Happened::Refreshed {
                    token: issued("b", 2),
                },
            ),
            at(3_000, Happened::RefreshRefused { reuse: true }),
        ];
        assert!(refreshed(&seen(&events)));
        assert!(reuse_detected(&seen(&events)));
        assert_eq!(reuse_count(&seen(&events)), 1);
    }

    #[test]
    fn a_refusal_for_another_reason_or_a_login_does_not() {
        let events = [
            signed_in(1_000, "a"),
            at(3_000, Happened::RefreshRefused { reuse: false }),
        ];
        assert!(!refreshed(&seen(&events)));
        assert!(!reuse_detected(&seen(&events)));
    }
}
