//! The challenges: a goal a learner reaches by acting, which the server alone declares reached
//! (`crate::challenges` on the server holds each one's rule, hints and worked solution; only the
//! public part, what to do and where, crosses the wire and sits in the WASM bundle). Progress is a
//! learner's own: solved or not, when, and how many hints they asked for.

use serde::{Deserialize, Serialize};

/// How hard a challenge is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// One step, told where to look.
    Apprentice,
    /// Several steps in order, or a switch to find.
    Practitioner,
    /// A defence switched off on purpose, then beaten.
    Expert,
}

impl Tier {
    pub const ALL: [Tier; 3] = [Tier::Apprentice, Tier::Practitioner, Tier::Expert];

    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Apprentice => "apprentice",
            Tier::Practitioner => "practitioner",
            Tier::Expert => "expert",
        }
    }
}

/// How a challenge is settled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Settled {
    /// By a request the server decides: the deciding request solves it.
    ByRequest,
    /// By an answer the server checks against its own records (nothing the learner does leaves a
    /// request behind to judge).
    ByAnswer,
    /// It cannot be done with the defences on; after the learner's tries the server says why.
    Impossible,
}

macro_rules! challenge_ids {
    ($($variant:ident = $slug:literal,)*) => {
        /// Every challenge, by its stable slug.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum ChallengeId {
            $(#[serde(rename = $slug)] $variant,)*
        }

        impl ChallengeId {
            pub const ALL: &'static [ChallengeId] = &[$(ChallengeId::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(ChallengeId::$variant => $slug,)*
                }
            }

            pub fn parse(slug: &str) -> Option<ChallengeId> {
                match slug {
                    $($slug => Some(ChallengeId::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

challenge_ids! {
    ExpRefusal = "exp-refusal",
    OldCookieRefused = "old-cookie-refused",
    JtiOfYourToken = "jti-of-your-token",
    KidOfYourToken = "kid-of-your-token",
    SessionsTheServerHolds = "sessions-the-server-holds",
    TokenBytes = "token-bytes",
    FirstHtmlKnowsYou = "first-html-knows-you",
    RefreshWithoutPassword = "refresh-without-password",
    LoginLimited = "login-limited",
    ReplayAfterLogout = "replay-after-logout",
    RevokeBeforeExp = "revoke-before-exp",
    ReuseDetected = "reuse-detected",
    AlgNoneAccepted = "alg-none-accepted",
    CheaperCheck = "cheaper-check",
    OutageAnswers503 = "outage-answers-503",
    QuietRevokedWorks = "quiet-revoked-works",
    HybridNotBefore = "hybrid-not-before",
    WeakSecretForged = "weak-secret-forged",
    ForgedFormLogout = "forged-form-logout",
    SessionOnUnseenNode = "session-on-unseen-node",
    EmbeddedKeyAccepted = "embedded-key-accepted",
    FixationPlanted = "fixation-planted",
    StolenTokenReplayed = "stolen-token-replayed",
    StolenRefreshSurvives = "stolen-refresh-survives",
    ReviveLoggedOutCookie = "revive-logged-out-cookie",
}

impl std::fmt::Display for ChallengeId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A challenge as anyone may read it: what to do and where, never how (the hints and the worked
/// solution stay on the server until asked for, one at a time).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChallengeInfo {
    pub id: ChallengeId,
    pub tier: Tier,
    pub title: String,
    /// One sentence: the goal.
    pub goal: String,
    /// The checklist claims it puts to the test.
    pub claims: Vec<u8>,
    /// The lesson it ends (its slug).
    pub lesson: String,
    /// The attack lab family it ends, if any (`jwt`, `refresh`, `session`, `login`, `csrf`, `xss`).
    pub family: Option<String>,
    pub settled: Settled,
    /// How many hints there are before the worked solution.
    pub hints: u8,
}

/// `GET /api/challenges`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChallengeList {
    pub challenges: Vec<ChallengeInfo>,
}

/// One challenge's progress for the signed-in learner.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChallengeProgress {
    pub id: ChallengeId,
    /// When the server decided it was solved (Unix ms), if it was.
    pub solved_at_ms: Option<i64>,
    /// Hints revealed so far (the worked solution counts as one past the last hint).
    pub hints_used: u8,
    /// Hints there are before the worked solution.
    pub hints: u8,
    /// Hints and solution revealed so far, in order.
    pub revealed: Vec<String>,
    /// For a challenge that cannot be done: the attempts the server saw, and, once there were
    /// enough, why it cannot be done.
    pub tries: u32,
    pub why_impossible: Option<String>,
}

/// `GET /api/progress`: the learner's own progress on every challenge.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    pub username: String,
    /// Events before this moment (Unix ms) are ignored: the learner's last reset, if any.
    pub reset_at_ms: Option<i64>,
    pub challenges: Vec<ChallengeProgress>,
    /// The learner's class has hints switched off.
    #[serde(default)]
    pub hints_off: bool,
    /// The learner's class has worked solutions switched off (hints stop at the last one).
    #[serde(default)]
    pub solutions_off: bool,
}

impl Progress {
    pub fn of(&self, id: ChallengeId) -> Option<&ChallengeProgress> {
        self.challenges.iter().find(|c| c.id == id)
    }

    pub fn solved(&self) -> usize {
        self.challenges
            .iter()
            .filter(|c| c.solved_at_ms.is_some())
            .count()
    }
}

/// `POST /api/challenges/{id}/answer`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    pub answer: String,
}

/// The verdict on an answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AnswerVerdict {
    pub correct: bool,
    /// Why, in one sentence (what the server compared it with, never the right answer).
    pub reason: String,
}

/// `POST /api/challenges/{id}/hint`: the next hint (or the worked solution, after the last).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Hint {
    pub number: u8,
    pub text: String,
    /// This was the worked solution: there is nothing more to reveal.
    pub solution: bool,
}

/// A challenge solved, as the live channels announce it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Solved {
    pub id: ChallengeId,
    pub at_ms: i64,
}

/// The longest answer the server reads (a `jti` is 22 characters; a token's length, a count or a
/// word far less): anything longer is refused before it is compared or stored.
pub const ANSWER_MAX_CHARS: usize = 128;

/// The public part of one challenge, as the catalogue below spells it.
pub struct ChallengeText {
    pub id: ChallengeId,
    pub tier: Tier,
    pub title: &'static str,
    pub goal: &'static str,
    pub claims: &'static [u8],
    pub lesson: &'static str,
    pub family: Option<&'static str>,
    pub settled: Settled,
}

impl ChallengeText {
    /// The wire form, with the number of hints the server holds for it.
    pub fn info(&self, hints: u8) -> ChallengeInfo {
        ChallengeInfo {
            id: self.id,
            tier: self.tier,
            title: self.title.into(),
            goal: self.goal.into(),
            claims: self.claims.to_vec(),
            lesson: self.lesson.into(),
            family: self.family.map(str::to_string),
            settled: self.settled,
            hints,
        }
    }

    pub fn of(id: ChallengeId) -> &'static ChallengeText {
        CHALLENGES
            .iter()
            .find(|c| c.id == id)
            .expect("every challenge is in the catalogue")
    }

    /// The challenges that end the lesson `slug`.
    pub fn ending(slug: &str) -> impl Iterator<Item = &'static ChallengeText> + '_ {
        CHALLENGES.iter().filter(move |c| c.lesson == slug)
    }
}

use ChallengeId as C;
use Settled::{ByAnswer, ByRequest, Impossible};
use Tier::{Apprentice, Expert, Practitioner};

/// Every challenge, in the order the progress page lists them.
pub const CHALLENGES: &[ChallengeText] = &[
    ChallengeText {
        id: C::ExpRefusal,
        tier: Apprentice,
        title: "Refused at exp",
        goal: "Make a request with a token of your own that the server refuses at the `exp` check.",
        claims: &[5],
        lesson: "refresh-tokens",
        family: Some("jwt"),
        settled: ByRequest,
    },
    ChallengeText {
        id: C::OldCookieRefused,
        tier: Apprentice,
        title: "The old cookie, refused",
        goal: "Log out of a cookie session, then show that the cookie you held is refused.",
        claims: &[2],
        lesson: "logout-and-revocation",
        family: Some("session"),
        settled: ByRequest,
    },
    ChallengeText {
        id: C::JtiOfYourToken,
        tier: Apprentice,
        title: "Read your token",
        goal: "What is the `jti` of the access token you hold? Answer with it.",
        claims: &[13],
        lesson: "reading-and-signing",
        family: None,
        settled: ByAnswer,
    },
    ChallengeText {
        id: C::KidOfYourToken,
        tier: Apprentice,
        title: "Which key signed it?",
        goal: "Which key (`kid`) signed the access token you hold? Answer with it.",
        claims: &[15, 17],
        lesson: "reading-and-signing",
        family: None,
        settled: ByAnswer,
    },
    ChallengeText {
        id: C::SessionsTheServerHolds,
        tier: Apprentice,
        title: "Count your sessions",
        goal: "How many live sessions does the server hold for your account right now? Answer with the number.",
        claims: &[1, 18],
        lesson: "where-state-lives",
        family: None,
        settled: ByAnswer,
    },
    ChallengeText {
        id: C::TokenBytes,
        tier: Apprentice,
        title: "Weigh your token",
        goal: "How many characters long is the access token you hold (the part after `Bearer `)? Answer with the number.",
        claims: &[12],
        lesson: "size-on-the-wire",
        family: None,
        settled: ByAnswer,
    },
    ChallengeText {
        id: C::FirstHtmlKnowsYou,
        tier: Apprentice,
        title: "The first HTML knows you",
        goal: "Load a page whose very first HTML, rendered by the server, already knows who you are.",
        claims: &[21],
        lesson: "ssr-and-hydration",
        family: None,
        settled: ByRequest,
    },
    ChallengeText {
        id: C::RefreshWithoutPassword,
        tier: Apprentice,
        title: "A new token, no password",
        goal: "Get a new access token without typing your password.",
        claims: &[5],
        lesson: "refresh-tokens",
        family: Some("refresh"),
        settled: ByRequest,
    },
    ChallengeText {
        id: C::LoginLimited,
        tier: Apprentice,
        title: "Guessing, stopped",
        goal: "Watch a burst of wrong passwords against an account your own run created meet 429.",
        claims: &[22],
        lesson: "attacks-refused",
        family: Some("login"),
        settled: ByRequest,
    },
    ChallengeText {
        id: C::ReplayAfterLogout,
        tier: Practitioner,
        title: "Logged out, still in",
        goal: "After logging out, get a 200 with the access token you held before the logout.",
        claims: &[3],
        lesson: "logout-and-revocation",
        family: Some("jwt"),
        settled: ByRequest,
    },
    ChallengeText {
        id: C::RevokeBeforeExp,
        tier: Practitioner,
        title: "Make logout mean it",
        goal: "Log out again, and this time have the token you held before the logout refused without waiting for `exp`.",
        claims: &[4],
        lesson: "logout-and-revocation",
        family: Some("jwt"),
        settled: ByRequest,
    },
    ChallengeText {
        id: C::ReuseDetected,
        tier: Practitioner,
        title: "Theft detected",
        goal: "Get a refresh token's reuse detected: present one the server has already rotated.",
        claims: &[5],
        lesson: "refresh-tokens",
        family: Some("refresh"),
        settled: ByRequest,
    },
    ChallengeText {
        id: C::AlgNoneAccepted,
        tier: Practitioner,
        title: "alg: none, accepted",
        goal: "Make the server accept a token of your account whose header says `alg: none` (only your own defence, switched off, lets it).",
        claims: &[16],
        lesson: "attacks-refused",
        family: Some("jwt"),
        settled: ByRequest,
    },
    ChallengeText {
        id: C::CheaperCheck,
        tier: Practitioner,
        title: "Which check is cheaper here?",
        goal: "Measure both checks on this server, then answer: which was cheaper per request, the session lookup or the token's signature check (`session` or `token`)?",
        claims: &[6],
        lesson: "what-auth-costs",
        family: None,
        settled: ByAnswer,
    },
    ChallengeText {
        id: C::OutageAnswers503,
        tier: Practitioner,
        title: "The store is down",
        goal: "Stop the shared session store under a running cluster and see session requests answer 503, loudly.",
        claims: &[8],
        lesson: "store-outage",
        family: None,
        settled: ByRequest,
    },
    ChallengeText {
        id: C::QuietRevokedWorks,
        tier: Practitioner,
        title: "Revoked, yet working",
        goal: "With the denylist on and failing open, make a token you logged out work again while the denylist does not answer.",
        claims: &[9],
        lesson: "quiet-failure",
        family: None,
        settled: ByRequest,
    },
    ChallengeText {
        id: C::HybridNotBefore,
        tier: Practitioner,
        title: "The hybrid stops it",
        goal: "With server-side revocation on, log out everywhere and have a token issued before it refused at the not-before mark.",
        claims: &[20],
        lesson: "choosing-a-model",
        family: None,
        settled: ByRequest,
    },
    ChallengeText {
        id: C::WeakSecretForged,
        tier: Expert,
        title: "Crack it, forge it",
        goal: "Find your weakened HS256 secret and forge a token of your own making that the server accepts.",
        claims: &[14, 16],
        lesson: "attacks-refused",
        family: Some("jwt"),
        settled: ByRequest,
    },
    ChallengeText {
        id: C::ForgedFormLogout,
        tier: Expert,
        title: "Logged out by another site",
        goal: "Make a forged cross-site form log out your weakened account.",
        claims: &[10],
        lesson: "cross-site-forgery",
        family: Some("csrf"),
        settled: ByRequest,
    },
    ChallengeText {
        id: C::SessionOnUnseenNode,
        tier: Expert,
        title: "A node that never saw you",
        goal: "Keep a session alive on a node that never saw your login.",
        claims: &[7],
        lesson: "scaling-out",
        family: None,
        settled: ByRequest,
    },
    ChallengeText {
        id: C::EmbeddedKeyAccepted,
        tier: Expert,
        title: "A token that brings its own key",
        goal: "Make the server accept a token signed by a key the token itself brought (an embedded `jwk` or a `jku`).",
        claims: &[16],
        lesson: "attacks-refused",
        family: Some("jwt"),
        settled: ByRequest,
    },
    ChallengeText {
        id: C::FixationPlanted,
        tier: Expert,
        title: "A planted session",
        goal: "Sign in with a session id chosen before the login, and have the server accept that same id afterwards.",
        claims: &[19],
        lesson: "csrf-and-xss",
        family: Some("session"),
        settled: ByRequest,
    },
    ChallengeText {
        id: C::StolenTokenReplayed,
        tier: Expert,
        title: "Stolen by a script",
        goal: "Let the injected script steal your access token, and have the stolen copy accepted from elsewhere.",
        claims: &[11],
        lesson: "csrf-and-xss",
        family: Some("xss"),
        settled: ByRequest,
    },
    ChallengeText {
        id: C::StolenRefreshSurvives,
        tier: Expert,
        title: "A stolen refresh token that lasts",
        goal: "Keep a stolen refresh token working after its owner refreshes.",
        claims: &[5],
        lesson: "refresh-tokens",
        family: Some("refresh"),
        settled: Impossible,
    },
    ChallengeText {
        id: C::ReviveLoggedOutCookie,
        tier: Practitioner,
        title: "Bring a logged-out cookie back",
        goal: "Get a 200 with a session cookie after logging that session out.",
        claims: &[2],
        lesson: "logout-and-revocation",
        family: Some("session"),
        settled: Impossible,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_challenge_is_in_the_catalogue_once() {
        for id in ChallengeId::ALL {
            assert_eq!(CHALLENGES.iter().filter(|c| c.id == *id).count(), 1, "{id}");
            assert_eq!(ChallengeId::parse(id.as_str()), Some(*id));
        }
        assert_eq!(CHALLENGES.len(), ChallengeId::ALL.len());
        assert!(CHALLENGES.len() >= 24);
    }

    #[test]
    fn every_tier_has_challenges() {
        for tier in Tier::ALL {
            assert!(CHALLENGES.iter().any(|c| c.tier == tier), "{tier:?}");
        }
    }
}
