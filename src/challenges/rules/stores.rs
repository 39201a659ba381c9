//! What the server remembers, what that costs, and what happens when the place it remembers in
//! goes away or is not shared.

use super::{verdict, Challenge, Records, Rule, Seen};
use crate::challenges::event::{Happened, LabRun, ScaleFound};
use crate::wire::{AnswerVerdict, AuthMode, ChallengeId};
use std::collections::HashSet;

pub const ALL: &[Challenge] = &[
    Challenge {
        id: ChallengeId::SessionsTheServerHolds,
        hints: &[
            "Each cookie-mode sign-in (each browser, each device) is one record on the server.",
            "The playground's session panel lists your live sessions, by handle.",
        ],
        solution: "Sign in in cookie mode and open the session panel's list (GET /api/session/sessions): count the entries. Sign in from a second browser and the number grows; \"log out others\" brings it back to one. The server can answer this question; for JWTs it cannot.",
        rule: Rule::Answer(sessions_the_server_holds),
    },
    Challenge {
        id: ChallengeId::CheaperCheck,
        hints: &[
            "Guessing is not measuring: the lesson's benchmark times both checks on this very server.",
            "Run the benchmark on the cost lesson, then compare the two medians.",
        ],
        solution: "Open the cost lesson, run the benchmark, and compare the median per check: answer `session` if the store lookup was cheaper, `token` if the signature check was. The server compares your answer with the run it recorded for you.",
        rule: Rule::Answer(cheaper_check),
    },
    Challenge {
        id: ChallengeId::OutageAnswers503,
        hints: &[
            "The scale lab starts real server processes sharing a real Redis.",
            "One of its options freezes the shared store part-way through the run.",
        ],
        solution: "In the scale lab choose the shared Redis store, cookie sessions, and \"store outage\", and run: while Redis is frozen every session request answers 503 with the trace naming `store lookup`. Loud, and the point of claim 8.",
        rule: Rule::Events(outage_answers_503),
    },
    Challenge {
        id: ChallengeId::QuietRevokedWorks,
        hints: &[
            "A denylist is a store too, and stores go down. What should a check do when it cannot ask?",
            "Your account can choose: fail closed (refuse everything) or fail open (let tokens through unchecked).",
            "Switch the denylist on with fail-open, log out keeping the token, then make the denylist unreachable.",
        ],
        solution: "Switch the denylist on and \"fail open\", sign in in bearer mode, keep the token, log out (it is denied), then switch on the simulated denylist outage and replay the token: 200, and nothing looks wrong. Or run the scale lab's outage with the denylist failing open.",
        rule: Rule::Events(quiet_revoked_works),
    },
    Challenge {
        id: ChallengeId::SessionOnUnseenNode,
        hints: &[
            "A node that did not answer your login has no session of yours in its memory.",
            "Unless the session lives somewhere every node reads.",
            "In the scale lab, stop the node that answered the login and see who answers next.",
        ],
        solution: "In the scale lab choose the shared Redis store, cookie sessions, and \"stop the node that answered the login\": the next requests reach other nodes, which find the session in Redis and answer 200. With per-node stores the same run answers 401.",
        rule: Rule::Events(session_on_unseen_node),
    },
];

fn sessions_the_server_holds(records: &Records<'_>, answer: &str) -> AnswerVerdict {
    let Ok(number) = answer.trim().parse::<usize>() else {
        return verdict(false, "the answer is a number of sessions");
    };
    if number == records.live_sessions {
        verdict(
            true,
            "that is how many live sessions the store holds for you now",
        )
    } else {
        verdict(
            false,
            "the session store holds a different number of live sessions for you now",
        )
    }
}

fn cheaper_check(records: &Records<'_>, answer: &str) -> AnswerVerdict {
    let measured = records
        .seen
        .events
        .iter()
        .rev()
        .find_map(|e| match &e.what {
            Happened::LabRun(LabRun::CostMeasured {
                session_ns,
                token_ns,
            }) => Some((*session_ns, *token_ns)),
            _ => None,
        });
    let Some((session_ns, token_ns)) = measured else {
        return verdict(
            false,
            "the server has no benchmark run of yours to compare with: run it first",
        );
    };
    let said_session = match answer.trim().to_ascii_lowercase().as_str() {
        "session" | "session lookup" | "store lookup" | "cookie" => true,
        "token" | "jwt" | "signature" | "signature check" => false,
        _ => return verdict(false, "answer `session` or `token`"),
    };
    if said_session == (session_ns <= token_ns) {
        verdict(true, "that is what your last benchmark run measured")
    } else {
        verdict(
            false,
            "your last benchmark run measured the other one cheaper",
        )
    }
}

fn scale_run(seen: &Seen<'_>, found: fn(&ScaleFound) -> bool) -> bool {
    seen.events
        .iter()
        .any(|e| matches!(&e.what, Happened::LabRun(LabRun::Scale(run)) if found(run)))
}

fn outage_answers_503(seen: &Seen<'_>) -> bool {
    scale_run(seen, |found| found.store_down_503)
}

fn session_on_unseen_node(seen: &Seen<'_>) -> bool {
    scale_run(seen, |found| found.session_on_unseen_node)
}

/// A bearer request let through while the denylist failed open, carrying a token logged out
/// earlier on the same account (one pass over the events); or the scale run's own finding.
fn quiet_revoked_works(seen: &Seen<'_>) -> bool {
    let mut revoked: HashSet<(i64, &str)> = HashSet::new();
    for event in seen.events {
        match &event.what {
            Happened::LoggedOut {
                mode: AuthMode::Jwt,
                jti: Some(jti),
            } => {
                revoked.insert((event.account, jti.as_str()));
            }
            Happened::Judged(j) if j.mode == AuthMode::Jwt && j.allowed && j.failed_open => {
                let jti = j.token.as_ref().and_then(|t| t.jti.as_deref());
                if jti.is_some_and(|jti| revoked.contains(&(event.account, jti))) {
                    return true;
                }
            }
            _ => {}
        }
    }
    scale_run(seen, |found| found.revoked_token_worked)
}

#[cfg(test)]
mod tests {
    use super::super::test_events::*;
    use super::*;
    use crate::challenges::event::Event;

    fn records(events: &[Event], live_sessions: usize) -> Records<'_> {
        Records {
            seen: seen(events),
            live_sessions,
            now_ms: 0,
        }
    }

    #[test]
    fn the_live_session_count_is_checked_against_the_store() {
        assert!(sessions_the_server_holds(&records(&[], 2), "2").correct);
        assert!(!sessions_the_server_holds(&records(&[], 2), "1").correct);
        assert!(!sessions_the_server_holds(&records(&[], 2), "two").correct);
    }

    #[test]
    fn the_cheaper_check_is_the_learners_own_measurement() {
        let run = |session_ns, token_ns| {
            at(
                1,
                Happened::LabRun(LabRun::CostMeasured {
                    session_ns,
                    token_ns,
                }),
            )
        };
        let events = [run(5_000, 40_000)];
        assert!(cheaper_check(&records(&events, 0), "session").correct);
        assert!(!cheaper_check(&records(&events, 0), "token").correct);
        // The last run decides.
        let events = [run(5_000, 40_000), run(90_000, 40_000)];
        assert!(cheaper_check(&records(&events, 0), "JWT").correct);
        // Nothing measured: even the usual answer is not accepted.
        assert!(!cheaper_check(&records(&[], 0), "session").correct);
    }

    fn scale(unseen: bool, down: bool) -> Event {
        at(
            1,
            Happened::LabRun(LabRun::Scale(ScaleFound {
                session_on_unseen_node: unseen,
                store_down_503: down,
                revoked_token_worked: false,
            })),
        )
    }

    #[test]
    fn scale_runs_are_judged_by_what_they_found() {
        assert!(session_on_unseen_node(&seen(&[scale(true, false)])));
        assert!(!session_on_unseen_node(&seen(&[scale(false, true)])));
        assert!(outage_answers_503(&seen(&[scale(false, true)])));
        assert!(!outage_answers_503(&seen(&[scale(true, false)])));
    }

    fn failed_open(mut event: Event) -> Event {
        if let Happened::Judged(j) = &mut event.what {
            j.failed_open = true;
        }
        event
    }

    #[test]
    fn a_logged_out_token_through_a_denylist_failing_open_solves_it() {
        let events = [
            signed_in(1_000, "t"),
            at(
                2_000,
                Happened::LoggedOut {
                    mode: AuthMode::Jwt,
                    jti: Some("t".into()),
                },
            ),
            failed_open(bearer(3_000, token("t", 1), None, &[])),
        ];
        assert!(quiet_revoked_works(&seen(&events)));
    }

    #[test]
    fn a_token_never_logged_out_or_one_the_denylist_checked_does_not() {
        let events = [
            signed_in(1_000, "t"),
            failed_open(bearer(1_500, token("t", 1), None, &[])),
            at(
                2_000,
                Happened::LoggedOut {
                    mode: AuthMode::Jwt,
                    jti: Some("t".into()),
                },
            ),
            bearer(3_000, token("t", 1), None, &[]),
            failed_open(bearer(3_000, token("other", 1), None, &[])),
        ];
        assert!(!quiet_revoked_works(&seen(&events)));
    }
}
