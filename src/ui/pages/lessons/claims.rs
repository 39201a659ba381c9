//! The checklist's 26 claims (23 to 26 are the transport axis), and how far this lab shows each one today: live (an experiment on
//! these pages runs it against this server), partly (an experiment runs, and the page names what
//! it does not show yet), or coming. The lesson list's table and the site footer are both
//! generated from this one table, so they cannot drift apart; a unit test fails if a claim is
//! marked shown without a lesson whose experiment exercises it.

use super::LESSONS;
use leptos::prelude::*;
use leptos_router::components::A;

/// How far a claim is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shown {
    /// Shown live, by the lessons that list it (and `elsewhere`, if any).
    Live,
    /// An experiment runs, but this part is not shown yet.
    Partly(&'static str),
    /// No experiment yet: what will show it.
    Coming(&'static str),
}

impl Shown {
    pub fn label(self) -> &'static str {
        match self {
            Shown::Live => "live",
            Shown::Partly(_) => "partly",
            Shown::Coming(_) => "coming",
        }
    }
}

pub struct Claim {
    pub number: u8,
    pub text: &'static str,
    pub shown: Shown,
    /// Pages besides the lessons where it is shown: (path, name).
    pub elsewhere: &'static [(&'static str, &'static str)],
}

const COMPARE: (&str, &str) = ("/compare", "compare page");
const PLAYGROUND: (&str, &str) = ("/", "playground");
const AUDIT: (&str, &str) = ("/audit", "audit log");
const SCALE: (&str, &str) = ("/scale", "scale lab");
const ATTACKS: (&str, &str) = ("/attacks", "attack lab");
const WORKBENCH: (&str, &str) = ("/workbench", "token workbench");

pub const CLAIMS: [Claim; 26] = [
    Claim {
        number: 1,
        text: "Sessions keep state on the server; JWTs carry it in the token.",
        shown: Shown::Live,
        elsewhere: &[PLAYGROUND],
    },
    Claim {
        number: 2,
        text: "Session logout is instant: delete the record.",
        shown: Shown::Live,
        elsewhere: &[COMPARE],
    },
    Claim {
        number: 3,
        text: "A JWT cannot be revoked before it expires.",
        shown: Shown::Live,
        elsewhere: &[COMPARE],
    },
    Claim {
        number: 4,
        text: "Revoking JWTs needs a denylist, which brings back server state.",
        shown: Shown::Live,
        elsewhere: &[COMPARE],
    },
    Claim {
        number: 5,
        text: "Short access tokens plus refresh tokens limit the damage of a stolen token.",
        shown: Shown::Live,
        elsewhere: &[PLAYGROUND],
    },
    Claim {
        number: 6,
        text: "JWTs verify without a database round trip, so they are faster.",
        shown: Shown::Live,
        elsewhere: &[PLAYGROUND, COMPARE],
    },
    Claim {
        number: 7,
        text: "Sessions need a shared store or sticky sessions to scale out; JWTs verify on any node.",
        shown: Shown::Live,
        elsewhere: &[SCALE],
    },
    Claim {
        number: 8,
        text: "The shared session store is a single point of failure.",
        shown: Shown::Live,
        elsewhere: &[SCALE],
    },
    Claim {
        number: 9,
        text: "JWT systems fail quietly: revoked access keeps working.",
        shown: Shown::Live,
        elsewhere: &[SCALE],
    },
    Claim {
        number: 10,
        text: "Cookies are sent automatically, so cookie sessions need CSRF protection.",
        // Lax, Strict and None on a cross-site link and form in the forgery lesson; the forgery
        // that succeeds on a deliberately weakened account is the attack lab's CSRF card.
        shown: Shown::Live,
        elsewhere: &[ATTACKS],
    },
    Claim {
        number: 11,
        text: "Tokens in localStorage can be stolen by XSS; HttpOnly cookies cannot be read by scripts.",
        shown: Shown::Live,
        elsewhere: &[PLAYGROUND, ATTACKS],
    },
    Claim {
        number: 12,
        text: "A JWT is much larger than a session id and is sent on every request.",
        shown: Shown::Live,
        elsewhere: &[PLAYGROUND],
    },
    Claim {
        number: 13,
        text: "The JWT payload is only encoded, not encrypted: anyone can read it.",
        shown: Shown::Live,
        elsewhere: &[PLAYGROUND],
    },
    Claim {
        number: 14,
        text: "Signatures stop tampering.",
        shown: Shown::Live,
        elsewhere: &[ATTACKS, WORKBENCH],
    },
    Claim {
        number: 15,
        text: "Asymmetric keys let many services verify without holding the signing secret.",
        shown: Shown::Live,
        elsewhere: &[],
    },
    Claim {
        number: 16,
        text: "Validate the algorithm: alg none and algorithm confusion have broken real systems.",
        shown: Shown::Live,
        elsewhere: &[ATTACKS, WORKBENCH],
    },
    Claim {
        number: 17,
        text: "Keys must rotate.",
        shown: Shown::Live,
        elsewhere: &[PLAYGROUND],
    },
    Claim {
        number: 18,
        text: "Sessions make auditing easy; JWTs scatter the evidence.",
        shown: Shown::Live,
        elsewhere: &[AUDIT],
    },
    Claim {
        number: 19,
        text: "Session ids must rotate at login, and cookies need HttpOnly, Secure and SameSite.",
        shown: Shown::Live,
        elsewhere: &[PLAYGROUND],
    },
    Claim {
        number: 20,
        text: "Mature systems end up hybrid: short-lived JWTs backed by server-side revocation.",
        shown: Shown::Live,
        elsewhere: &[],
    },
    Claim {
        number: 21,
        text: "The server-rendered first page knows a cookie user, not a bearer user.",
        shown: Shown::Live,
        elsewhere: &[],
    },
    Claim {
        number: 22,
        text: "Login endpoints must be rate-limited.",
        shown: Shown::Live,
        elsewhere: &[ATTACKS],
    },
    Claim {
        number: 23,
        text: "\"JWTs are vulnerable to XSS, sessions to CSRF\": it is the transport, not the token \
               format.",
        shown: Shown::Coming(
            "the transport grid lesson, running the XSS theft, in-page requests, the cross-site \
             form and the logout replay against all six modes (the playground has the modes \
             already)",
        ),
        elsewhere: &[],
    },
    Claim {
        number: 24,
        text: "A JWT in a cookie needs the same CSRF defences as a session cookie.",
        shown: Shown::Coming(
            "the transport grid's cross-site form against the JWT-in-a-cookie mode (the \
             playground's JWT-in-a-cookie mode sends the CSRF token already)",
        ),
        elsewhere: &[],
    },
    Claim {
        number: 25,
        text: "A DPoP-bound token is useless to a thief on another machine, but not to a script \
               inside the page.",
        shown: Shown::Coming(
            "the transport grid's XSS theft against the DPoP mode (the playground's DPoP mode \
             binds the token to the page's key already)",
        ),
        elsewhere: &[],
    },
    Claim {
        number: 26,
        text: "A backend-for-frontend keeps tokens out of the browser entirely.",
        shown: Shown::Coming(
            "the transport grid's XSS theft against the BFF mode (the playground's BFF mode shows \
             both hops already)",
        ),
        elsewhere: &[],
    },
];

/// The lessons (slug, title) whose experiments exercise claim `number`.
pub fn lessons_for(number: u8) -> Vec<(&'static str, &'static str)> {
    LESSONS
        .iter()
        .filter(|lesson| lesson.claims.contains(&number))
        .map(|lesson| (lesson.slug, lesson.title))
        .collect()
}

/// How many claims are live, partly shown, and coming: counted when the crate compiles, so the
/// footer (on every page, in the main WASM) carries three numbers and not the claims' text.
pub const COUNTS: (usize, usize, usize) = {
    let (mut live, mut partly, mut coming) = (0, 0, 0);
    let mut i = 0;
    while i < CLAIMS.len() {
        match CLAIMS[i].shown {
            Shown::Live => live += 1,
            Shown::Partly(_) => partly += 1,
            Shown::Coming(_) => coming += 1,
        }
        i += 1;
    }
    (live, partly, coming)
};

/// The footer's sentence, generated from the table.
pub fn footer_summary() -> String {
    let (live, partly, coming) = COUNTS;
    format!(
        "authlab: {live} of {} claims are shown live against this very server, {partly} in part, \
         {coming} still to come. The lesson list says which, and where.",
        CLAIMS.len()
    )
}

/// The per-claim table on the lesson list.
#[component]
pub fn ClaimTable() -> impl IntoView {
    view! {
        <div class="scroll-x" tabindex="0" role="region" aria-label="the 26 claims">
            <table class="claims" data-testid="claims">
                <thead><tr><th>"#"</th><th>"claim"</th><th>"shown"</th><th>"where, or what is missing"</th><th>"challenges"</th></tr></thead>
                <tbody>
                    {CLAIMS.iter().map(|claim| {
                        let lessons = lessons_for(claim.number);
                        let note = match claim.shown {
                            Shown::Live => None,
                            Shown::Partly(missing) => Some(format!("not shown yet: {missing}")),
                            Shown::Coming(what) => Some(format!("coming: {what}")),
                        };
                        view! {
                            <tr data-testid=format!("claim-{}", claim.number) data-status=claim.shown.label()>
                                <td>{claim.number}</td>
                                <td class="why">{claim.text}</td>
                                <td><span class=format!("badge claim-{}", claim.shown.label())>{claim.shown.label()}</span></td>
                                <td class="why">
                                    {lessons.into_iter().map(|(slug, title)| view! {
                                        <A href=format!("/lessons/{slug}")>{title}</A>" "
                                    }).collect_view()}
                                    {claim.elsewhere.iter().map(|(path, name)| view! {
                                        <A href=*path>{*name}</A>" "
                                    }).collect_view()}
                                    {note.map(|note| view! { <span class="muted">{note}</span> })}
                                </td>
                                <td class="why" data-testid=format!("claim-challenges-{}", claim.number)>
                                    {challenges_for(claim.number).map(|c| view! {
                                        <a href="/progress">{c.title}</a>
                                        <span class="muted">{format!(" ({}) ", c.tier.as_str())}</span>
                                    }).collect_view()}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// The challenges that put claim `number` to the test (`wire::CHALLENGES`).
pub fn challenges_for(number: u8) -> impl Iterator<Item = &'static crate::wire::ChallengeText> {
    crate::wire::CHALLENGES
        .iter()
        .filter(move |c| c.claims.contains(&number))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_claim_shown_has_a_challenge_and_every_challenge_a_shown_claim() {
        for claim in &CLAIMS {
            if claim.shown != Shown::Live {
                continue;
            }
            assert!(
                challenges_for(claim.number).next().is_some(),
                "claim {} has no challenge",
                claim.number
            );
        }
        for challenge in crate::wire::CHALLENGES {
            for number in challenge.claims {
                let claim = CLAIMS.iter().find(|c| c.number == *number).unwrap();
                assert_ne!(
                    claim.shown.label(),
                    "coming",
                    "{} tests a claim not shown",
                    challenge.id
                );
            }
            assert!(
                LESSONS.iter().any(|l| l.slug == challenge.lesson),
                "{} ends no lesson",
                challenge.id
            );
        }
    }

    #[test]
    fn every_claim_marked_shown_has_a_lesson_experiment_that_exercises_it() {
        for claim in &CLAIMS {
            let lessons = lessons_for(claim.number);
            match claim.shown {
                Shown::Live | Shown::Partly(_) => assert!(
                    !lessons.is_empty(),
                    "claim {} is marked {} but no lesson's experiment exercises it",
                    claim.number,
                    claim.shown.label()
                ),
                Shown::Coming(_) => assert!(
                    lessons.is_empty(),
                    "claim {} is marked coming, yet lessons list it: {lessons:?}",
                    claim.number
                ),
            }
        }
    }

    #[test]
    fn the_table_holds_each_claim_once_in_order_and_lessons_name_only_real_claims() {
        for (i, claim) in CLAIMS.iter().enumerate() {
            assert_eq!(usize::from(claim.number), i + 1);
        }
        for lesson in &LESSONS {
            for n in lesson.claims {
                assert!((1..=26).contains(n), "{} names claim {n}", lesson.slug);
            }
        }
    }

    #[test]
    fn the_footer_counts_what_the_table_says() {
        let (live, partly, coming) = COUNTS;
        assert_eq!(live + partly + coming, 26);
        let footer = footer_summary();
        assert!(
            footer.contains(&format!("{live} of 26 claims are shown live")),
            "{footer}"
        );
        assert!(!footer.contains("every claim"), "{footer}");
    }
}
