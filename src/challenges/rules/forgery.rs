//! Forged tokens accepted, each only because the learner's own account switched the defence off,
//! and each told apart from a genuine token by its key (or the lack of one), never by its claims.

use super::{Challenge, Rule, Seen};
use crate::challenges::event::{SignedBy, TokenFacts};
use crate::wire::{AuthMode, ChallengeId, CheckId, CheckStatus};

pub const ALL: &[Challenge] = &[
    Challenge {
        id: ChallengeId::AlgNoneAccepted,
        hints: &[
            "With every defence on, `alg: none` is refused at `algorithm`: the server pins the algorithm per key.",
            "Only your own account can be weakened: the playground's JWT panel lists one-defence-off switches.",
            "Switch off the signature check, then in the workbench sign with `alg: none` and send it.",
        ],
        solution: "Sign in in bearer mode, switch \"signature\" off in the JWT panel, open /workbench with the held token, choose \"alg: none\", and send it to GET /api/me: 200, the trace marking `algorithm` and `signature` off. Switch it back on afterwards.",
        rule: Rule::Events(alg_none_accepted),
    },
    Challenge {
        id: ChallengeId::WeakSecretForged,
        hints: &[
            "The weak-secret switch signs your tokens with HS256 and a word from the lab's public wordlist.",
            "An HS256 signature can be checked offline: try every word until one reproduces your token's signature.",
            "The workbench cracks it in the browser. Then change a claim and sign with the word you found.",
        ],
        solution: "Switch \"weak secret\" on, sign in in bearer mode, crack the held token in the workbench (or with any wordlist tool against /wordlist.txt), change a claim (say `role`), sign it \"HMAC with a secret\" using the word, and send it: 200 from /api/me. Only a token the server never issued counts: the genuine one proves nothing.",
        rule: Rule::Events(weak_secret_forged),
    },
    Challenge {
        id: ChallengeId::EmbeddedKeyAccepted,
        hints: &[
            "A token's header may carry a key (`jwk`) or point to one (`jku`). A verifier that trusts either trusts the forger.",
            "Switch the embedded-key (or jku) defence off for your account first.",
            "In the workbench, sign with the attacker site's key, embedded as `jwk` or behind `jku`.",
        ],
        solution: "Switch \"embedded jwk\" off, open /workbench with your token, sign \"with the attacker's key, embedded as jwk\", and send it: 200. The trace names the key as the one the token brought.",
        rule: Rule::Events(embedded_key_accepted),
    },
];

/// Accepted bearer requests of the learner's own account (a card's scratch account does not
/// count: these are done by hand, from the workbench or curl).
fn accepted_own<'a>(seen: &'a Seen<'a>) -> impl Iterator<Item = &'a TokenFacts> + 'a {
    seen.own_judged()
        .filter(|(_, _, j)| j.mode == AuthMode::Jwt && j.allowed)
        .filter_map(|(_, _, j)| j.token.as_ref())
}

fn alg_none_accepted(seen: &Seen<'_>) -> bool {
    accepted_own(seen)
        .any(|t| t.signed_by == SignedBy::Unsigned && t.alg.eq_ignore_ascii_case("none"))
}

fn weak_secret_forged(seen: &Seen<'_>) -> bool {
    // Every token the server issued, by fingerprint, gathered once.
    let issued = seen.issued_fingerprints();
    seen.own_judged().any(|(_, _, j)| {
        j.mode == AuthMode::Jwt
            && j.allowed
            && j.status(CheckId::Signature) == Some(CheckStatus::Off)
            && j.token.as_ref().is_some_and(|t| {
                t.signed_by == SignedBy::OurKey
                    && t.alg == "HS256"
                    && !issued.contains(t.fingerprint.as_str())
            })
    })
}

fn embedded_key_accepted(seen: &Seen<'_>) -> bool {
    accepted_own(seen).any(|t| t.signed_by == SignedBy::BroughtKey)
}

#[cfg(test)]
mod tests {
    use super::super::test_events::*;
    use super::*;

    fn facts(alg: &str, signed_by: SignedBy, fingerprint: &str) -> TokenFacts {
        TokenFacts {
            alg: alg.into(),
            signed_by,
            fingerprint: fingerprint.into(),
            ..token("j", 1)
        }
    }

    #[test]
    fn an_unsigned_token_accepted_solves_alg_none() {
        let events = [bearer(
            1_000,
            facts("none", SignedBy::Unsigned, "x"),
            None,
            &[CheckId::Algorithm, CheckId::Signature],
        )];
        assert!(alg_none_accepted(&seen(&events)));
    }

    #[test]
    fn alg_none_refused_a_genuine_token_or_a_cards_account_does_not() {
        let events = [
            bearer(
                1_000,
                facts("none", SignedBy::Unsigned, "x"),
                Some(CheckId::Algorithm),
                &[],
            ),
            bearer(2_000, token("j", 1), None, &[]),
            on(
                SCRATCH,
                bearer(
                    3_000,
                    facts("none", SignedBy::Unsigned, "x"),
                    None,
                    &[CheckId::Signature],
                ),
            ),
        ];
        assert!(!alg_none_accepted(&seen(&events)));
    }

    #[test]
    fn a_token_the_server_never_issued_signed_with_the_cracked_word_solves_it() {
        let events = [
            signed_in(1_000, "genuine"),
            bearer(
                2_000,
                facts("HS256", SignedBy::OurKey, "fp-forged"),
                None,
                &[CheckId::Signature],
            ),
        ];
        assert!(weak_secret_forged(&seen(&events)));
    }

    #[test]
    fn the_genuine_weak_key_token_accepted_does_not() {
        // Same key, same alg, signature marked off: but the server issued it.
        let events = [
            signed_in(1_000, "genuine"),
            bearer(
                2_000,
                facts("HS256", SignedBy::OurKey, "fp-genuine"),
                None,
                &[CheckId::Signature],
            ),
            // A forgery refused (the word was wrong) does not count either.
            bearer(
                3_000,
                facts("HS256", SignedBy::OurKey, "fp-forged"),
                Some(CheckId::Signature),
                &[],
            ),
        ];
        assert!(!weak_secret_forged(&seen(&events)));
    }

    #[test]
    fn a_brought_key_accepted_solves_it_and_our_key_does_not() {
        let brought = [bearer(
            1_000,
            facts("EdDSA", SignedBy::BroughtKey, "x"),
            None,
            &[CheckId::KidKnown],
        )];
        assert!(embedded_key_accepted(&seen(&brought)));
        let ours = [bearer(
            1_000,
            facts("EdDSA", SignedBy::OurKey, "x"),
            None,
            &[],
        )];
        assert!(!embedded_key_accepted(&seen(&ours)));
    }
}
