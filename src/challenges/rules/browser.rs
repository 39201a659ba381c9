//! What the browser does on its own: sends cookies with another site's form, keeps an id planted
//! before the login, lets a script read what is not HttpOnly, and what the first HTML knows.

use super::{Challenge, Rule, Seen};
use crate::challenges::event::{Happened, LabRun};
use crate::wire::{AuthMode, ChallengeId, CheckId, CheckStatus};

pub const ALL: &[Challenge] = &[
    Challenge {
        id: ChallengeId::ForgedFormLogout,
        hints: &[
            "A cookie goes with every request to its site, even one a form on another site starts.",
            "Two defences stand in the way: the origin check and the CSRF token. Your account can weaken both (the CSRF switch).",
            "The cross-site forgery lesson's second site posts a form to the lab's logout.",
        ],
        solution: "Switch \"CSRF weakened\" on for your account (and SameSite None), sign in in cookie mode, then open the forgery lesson's attacker page and let its form post to /api/session/logout: 200 from another site, the trace marking `same origin` and `csrf token` off. With the switch off the same form is refused at `same origin`.",
        rule: Rule::Events(forged_form_logout),
    },
    Challenge {
        id: ChallengeId::FixationPlanted,
        hints: &[
            "Session fixation: the attacker plants a session id in the victim's browser before the login.",
            "The server gives every login a new id. Your account can switch that rotation off.",
            "Set the cookie yourself before signing in (developer tools or curl), sign in, and use the same id.",
        ],
        solution: "Switch \"session rotation\" off, set `__Host-authlab_session` to an id you chose (curl: `-H 'Cookie: __Host-authlab_session=<id>'` on POST /api/session/login), sign in, then call GET /api/me with that same id: 200, the trace marking `cookie` off. With rotation on the planted id is deleted and never authenticates.",
        rule: Rule::Events(fixation_planted),
    },
    Challenge {
        id: ChallengeId::StolenTokenReplayed,
        hints: &[
            "A script running in the page reads whatever the page can: localStorage, sessionStorage, readable cookies.",
            "The attack lab's XSS card injects a script into a deliberately vulnerable page.",
            "Keep the token where the script can read it, and let the card replay what it stole.",
        ],
        solution: "In the attack lab, run the XSS card with the token kept in localStorage: the injected script sends it to the attacker site, which replays it from there, and the server accepts it. Keep it in memory, or the session in an HttpOnly cookie, and the script finds nothing.",
        rule: Rule::Events(stolen_token_replayed),
    },
    Challenge {
        id: ChallengeId::FirstHtmlKnowsYou,
        hints: &[
            "The server renders each page before any script runs. What does it know about you then?",
            "A browser sends cookies with the very first request for a page; it sends no `Authorization` header.",
        ],
        solution: "Sign in in cookie mode and reload any page: the first HTML already names you (view the source). In bearer mode it cannot: the token is in the page's memory, which the first request does not carry.",
        rule: Rule::Events(first_html_knows_you),
    },
    Challenge {
        id: ChallengeId::LoginLimited,
        hints: &[
            "Try many wrong passwords quickly against one account.",
            "Guess against an account your own run creates, not a classmate's: the attack lab's brute-force card does it.",
        ],
        solution: "Run the attack lab's brute-force card: it creates an account of its own and sends a burst of wrong passwords, which meets 429 with `Retry-After`. The limits count per account name, per device and per address.",
        rule: Rule::Events(login_limited),
    },
];

fn forged_form_logout(seen: &Seen<'_>) -> bool {
    seen.judged().any(|(_, _, j)| {
        j.mode == AuthMode::Session
            && j.allowed
            && j.cross_site
            && j.action == "POST /api/session/logout"
            && (j.status(CheckId::SameOrigin) == Some(CheckStatus::Off)
                || j.status(CheckId::CsrfToken) == Some(CheckStatus::Off))
    })
}

/// A login that kept a planted id, then a request of that account let through with the cookie
/// check marked off (one pass over the events).
fn fixation_planted(seen: &Seen<'_>) -> bool {
    let mut planted = std::collections::HashSet::new();
    for event in seen.events {
        match &event.what {
            Happened::SignedIn {
                mode: AuthMode::Session,
                kept_planted_id: true,
                ..
            } => {
                planted.insert(event.account);
            }
            Happened::Judged(j)
                if j.mode == AuthMode::Session
                    && j.allowed
                    && j.status(CheckId::Cookie) == Some(CheckStatus::Off)
                    && planted.contains(&event.account) =>
            {
                return true;
            }
            _ => {}
        }
    }
    false
}

fn stolen_token_replayed(seen: &Seen<'_>) -> bool {
    seen.events
        .iter()
        .any(|e| matches!(e.what, Happened::LabRun(LabRun::TokenStolenAndReplayed)))
}

fn first_html_knows_you(seen: &Seen<'_>) -> bool {
    seen.events.iter().any(|e| {
        matches!(
            e.what,
            Happened::Rendered {
                mode: AuthMode::Session
            }
        )
    })
}

fn login_limited(seen: &Seen<'_>) -> bool {
    seen.events
        .iter()
        .any(|e| matches!(e.what, Happened::LoginLimited))
}

#[cfg(test)]
mod tests {
    use super::super::test_events::*;
    use super::*;
    use crate::challenges::event::Event;

    fn cross_site(mut event: Event) -> Event {
        if let Happened::Judged(j) = &mut event.what {
            j.cross_site = true;
        }
        event
    }

    #[test]
    fn a_cross_site_logout_let_through_by_the_weakened_checks_solves_it() {
        let events = [cross_site(cookie(
            1_000,
            "POST /api/session/logout",
            None,
            &[CheckId::SameOrigin, CheckId::CsrfToken],
        ))];
        assert!(forged_form_logout(&seen(&events)));
    }

    #[test]
    fn a_same_site_logout_or_a_refused_forgery_does_not() {
        let events = [
            // The learner's own logout button: same origin, every check on.
            cookie(1_000, "POST /api/session/logout", None, &[]),
            // The forged form refused at the origin check.
            cross_site(cookie(
                2_000,
                "POST /api/session/logout",
                Some(CheckId::SameOrigin),
                &[],
            )),
            // Another forged request let through, but not a logout.
            cross_site(cookie(
                3_000,
                "PUT /api/lab-settings",
                None,
                &[CheckId::SameOrigin],
            )),
        ];
        assert!(!forged_form_logout(&seen(&events)));
    }

    fn planted_login(at_ms: i64, kept: bool) -> Event {
        at(
            at_ms,
            Happened::SignedIn {
                mode: AuthMode::Session,
                token: None,
                kept_planted_id: kept,
            },
        )
    }

    #[test]
    fn a_kept_planted_id_used_afterwards_solves_fixation() {
        let events = [
            planted_login(1_000, true),
            cookie(2_000, "GET /api/me", None, &[CheckId::Cookie]),
        ];
        assert!(fixation_planted(&seen(&events)));
    }

    #[test]
    fn a_rotated_login_or_an_unused_planted_id_does_not() {
        let events = [
            planted_login(1_000, false),
            cookie(2_000, "GET /api/me", None, &[]),
            planted_login(3_000, true),
        ];
        assert!(!fixation_planted(&seen(&events)));
    }

    #[test]
    fn the_first_html_knows_a_cookie_user_only() {
        assert!(first_html_knows_you(&seen(&[at(
            1,
            Happened::Rendered {
                mode: AuthMode::Session
            }
        )])));
        assert!(!first_html_knows_you(&seen(&[at(
            1,
            Happened::Rendered {
                mode: AuthMode::Jwt
            }
        )])));
    }

    #[test]
    fn lab_runs_and_limits_are_the_servers_records() {
        assert!(stolen_token_replayed(&seen(&[at(
            1,
            Happened::LabRun(LabRun::TokenStolenAndReplayed)
        )])));
        assert!(!stolen_token_replayed(&seen(&[at(
            1,
            Happened::LabRun(LabRun::CostMeasured {
                session_ns: 1,
                token_ns: 2
            })
        )])));
        assert!(login_limited(&seen(&[at(1, Happened::LoginLimited)])));
        assert!(!login_limited(&seen(&[at(
            1,
            Happened::RefreshRefused { reuse: false }
        )])));
    }
}
