//! Reading a token: what it says (`jti`, `kid`), what it weighs, and the `exp` that ends it.

use super::{verdict, Challenge, Records, Rule, Seen};
use crate::challenges::event::Issued;
use crate::wire::{AnswerVerdict, AuthMode, ChallengeId, CheckId};

pub const ALL: &[Challenge] = &[
    Challenge {
        id: ChallengeId::ExpRefusal,
        hints: &[
            "A token's `exp` is a moment; the server refuses the token once that moment (plus the leeway) has passed.",
            "You need not wait five minutes: the workbench can ask the server for a token of your own account signed with one claim wrong.",
            "In the workbench, start from \"a genuine token with one claim wrong\" and pick the expired one.",
        ],
        solution: "Sign in in bearer mode, open /workbench, start from \"a genuine token with one claim wrong: expired\", and send it to GET /api/me. The trace shows every check before `exp` passing and `exp` failing: the signature is genuine, so the refusal is filed under your account.",
        rule: Rule::Events(exp_refusal),
    },
    Challenge {
        id: ChallengeId::JtiOfYourToken,
        hints: &[
            "The payload of a JWT is base64url-encoded JSON: no key is needed to read it.",
            "The playground's inspector in bearer mode shows the decoded payload of the token you hold.",
        ],
        solution: "Sign in in bearer mode; the inspector's payload lists `jti`, a 22-character id. Copy it into the answer. Any decoder does the same: split the token at the dots and base64url-decode the middle part.",
        rule: Rule::Answer(jti_of_your_token),
    },
    Challenge {
        id: ChallengeId::KidOfYourToken,
        hints: &[
            "The key that signed a token is named in the token's header, not its payload.",
            "Decode the first part of the token: the header has `alg` and `kid`.",
        ],
        solution: "Sign in in bearer mode and read the header in the inspector (or the workbench): `kid` names the key, which /.well-known/jwks.json publishes.",
        rule: Rule::Answer(kid_of_your_token),
    },
    Challenge {
        id: ChallengeId::TokenBytes,
        hints: &[
            "Every bearer request carries the whole token in its `Authorization` header.",
            "The inspector shows the token; count its characters (the three parts and the two dots).",
        ],
        solution: "Sign in in bearer mode; in the browser's console, `localStorage` or the inspector gives the token; its `.length` is the answer. The size lesson compares it with a session id's 22 characters.",
        rule: Rule::Answer(token_bytes),
    },
];

/// A bearer request of the learner's refused by `exp` itself (a failing check, not one off).
fn exp_refusal(seen: &Seen<'_>) -> bool {
    seen.judged()
        .any(|(_, _, j)| j.mode == AuthMode::Jwt && j.refused_at() == Some(CheckId::Exp))
}

fn jti_of_your_token(records: &Records<'_>, answer: &str) -> AnswerVerdict {
    let answer = answer.trim();
    of_a_held_token(records, "the jti", |t| t.jti == answer)
}

fn kid_of_your_token(records: &Records<'_>, answer: &str) -> AnswerVerdict {
    let answer = answer.trim();
    of_a_held_token(records, "the kid", |t| t.kid == answer)
}

fn token_bytes(records: &Records<'_>, answer: &str) -> AnswerVerdict {
    let Ok(number) = answer.trim().parse::<usize>() else {
        return verdict(false, "the answer is a number of characters");
    };
    of_a_held_token(records, "the length", |t| t.chars == number)
}

/// Right when `matches` holds for a token the learner holds (issued to them at a login or a
/// refresh, still valid or within a minute of its `exp`); the reason names `what` was compared.
fn of_a_held_token(
    records: &Records<'_>,
    what: &str,
    matches: impl Fn(&Issued) -> bool,
) -> AnswerVerdict {
    if records.seen.own_held_tokens(records.now_ms).any(matches) {
        verdict(
            true,
            format!("that is {what} of a token the server issued you, still valid (or within a minute of its exp)"),
        )
    } else {
        verdict(
            false,
            format!("no token the server issued you at a login or refresh, still valid or within a minute of its exp, has that as {what}"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_events::*;
    use super::*;

    #[test]
    fn a_token_refused_at_exp_solves_it() {
        let events = [bearer(1_000, token("j1", 1), Some(CheckId::Exp), &[])];
        assert!(exp_refusal(&seen(&events)));
    }

    #[test]
    fn a_refusal_elsewhere_or_exp_switched_off_does_not() {
        let events = [
            bearer(1_000, token("j1", 1), Some(CheckId::Signature), &[]),
            bearer(2_000, token("j1", 1), None, &[CheckId::Exp]),
            cookie(3_000, "GET /api/me", Some(CheckId::IdleTimeout), &[]),
        ];
        assert!(!exp_refusal(&seen(&events)));
    }

    fn records(events: &[crate::challenges::event::Event], now_ms: i64) -> Records<'_> {
        Records {
            seen: seen(events),
            live_sessions: 0,
            now_ms,
        }
    }

    #[test]
    fn the_jti_of_a_live_token_of_ones_own_is_right() {
        let events = [signed_in(10_000, "jti-live")];
        assert!(jti_of_your_token(&records(&events, 20_000), " jti-live ").correct);
        assert!(kid_of_your_token(&records(&events, 20_000), "k-7").correct);
        assert!(token_bytes(&records(&events, 20_000), "412").correct);
    }

    #[test]
    fn an_expired_tokens_jti_or_another_accounts_is_wrong() {
        let events = [
            signed_in(10_000, "jti-old"),
            on(SCRATCH, signed_in(20_000, "jti-scratch")),
        ];
        // jti-old expired at 10 + 300 s.
        let late = records(&events, 400_000);
        assert!(!jti_of_your_token(&late, "jti-old").correct);
        let now = records(&events, 20_000);
        assert!(!jti_of_your_token(&now, "jti-scratch").correct);
        assert!(!jti_of_your_token(&now, "made-up").correct);
        assert!(!token_bytes(&now, "four hundred").correct);
        assert!(!token_bytes(&now, "411").correct);
        assert!(!kid_of_your_token(&late, "k-7").correct);
    }
}
