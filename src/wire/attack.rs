//! The attack lab (`/attacks`, `POST /api/lab/attacks/{attack}`): which attacks there are, what
//! each is and where it broke real systems, and what a run sent and got back.

use super::{AuthTrace, CheckId};
use serde::{Deserialize, Serialize};

/// Every attack the lab runs. Serialised as the ids in the route and the page's test ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AttackId {
    TamperedRole,
    AlgNone,
    AlgConfusion,
    Expired,
    NbfFuture,
    WrongIss,
    WrongAud,
    UnknownKid,
    KidInjection,
    KeyFromHeader,
    CritHeader,
    RefreshAsAccess,
    TrailingGarbage,
    ExtraSegment,
    Oversized,
    OtherAccountsKey,
    StrippedSignature,
    EmptyHmacKey,
    PsychicSignature,
    WeakSecretCracked,
    IdTokenTyp,
    RefreshReplay,
    SessionFixation,
    SessionReplay,
    ForgedCookie,
    StolenCookie,
    BruteForce,
}

/// Which part of the lab an attack belongs to (a section of the page).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttackGroup {
    Jwt,
    Refresh,
    Session,
    Login,
}

impl AttackGroup {
    pub const ALL: [AttackGroup; 4] = [
        AttackGroup::Jwt,
        AttackGroup::Refresh,
        AttackGroup::Session,
        AttackGroup::Login,
    ];

    pub fn title(self) -> &'static str {
        match self {
            AttackGroup::Jwt => "Forged and bent access tokens",
            AttackGroup::Refresh => "Stolen refresh tokens",
            AttackGroup::Session => "Session cookies",
            AttackGroup::Login => "Guessing passwords",
        }
    }
}

/// What the lab expects of an attack: that the server refuses it, or that it works (the lesson
/// being why, and what limits it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expect {
    Refused,
    Works,
}

impl AttackId {
    pub const ALL: [AttackId; 27] = [
        AttackId::TamperedRole,
        AttackId::AlgNone,
        AttackId::AlgConfusion,
        AttackId::Expired,
        AttackId::NbfFuture,
        AttackId::WrongIss,
        AttackId::WrongAud,
        AttackId::UnknownKid,
        AttackId::KidInjection,
        AttackId::KeyFromHeader,
        AttackId::CritHeader,
        AttackId::RefreshAsAccess,
        AttackId::TrailingGarbage,
        AttackId::ExtraSegment,
        AttackId::Oversized,
        AttackId::OtherAccountsKey,
        AttackId::StrippedSignature,
        AttackId::EmptyHmacKey,
        AttackId::PsychicSignature,
        AttackId::WeakSecretCracked,
        AttackId::IdTokenTyp,
        AttackId::RefreshReplay,
        AttackId::SessionFixation,
        AttackId::SessionReplay,
        AttackId::ForgedCookie,
        AttackId::StolenCookie,
        AttackId::BruteForce,
    ];

    /// The id in the route and the page (`tampered-role`).
    pub fn as_str(self) -> &'static str {
        match self {
            AttackId::TamperedRole => "tampered-role",
            AttackId::AlgNone => "alg-none",
            AttackId::AlgConfusion => "alg-confusion",
            AttackId::Expired => "expired",
            AttackId::NbfFuture => "nbf-future",
            AttackId::WrongIss => "wrong-iss",
            AttackId::WrongAud => "wrong-aud",
            AttackId::UnknownKid => "unknown-kid",
            AttackId::KidInjection => "kid-injection",
            AttackId::KeyFromHeader => "key-from-header",
            AttackId::CritHeader => "crit-header",
            AttackId::RefreshAsAccess => "refresh-as-access",
            AttackId::TrailingGarbage => "trailing-garbage",
            AttackId::ExtraSegment => "extra-segment",
            AttackId::Oversized => "oversized",
            AttackId::OtherAccountsKey => "other-accounts-key",
            AttackId::StrippedSignature => "stripped-signature",
            AttackId::EmptyHmacKey => "empty-hmac-key",
            AttackId::PsychicSignature => "psychic-signature",
            AttackId::WeakSecretCracked => "weak-secret-cracked",
            AttackId::IdTokenTyp => "id-token-typ",
            AttackId::RefreshReplay => "refresh-replay",
            AttackId::SessionFixation => "session-fixation",
            AttackId::SessionReplay => "session-replay",
            AttackId::ForgedCookie => "forged-cookie",
            AttackId::StolenCookie => "stolen-cookie",
            AttackId::BruteForce => "brute-force",
        }
    }

    pub fn parse(id: &str) -> Option<AttackId> {
        AttackId::ALL.into_iter().find(|a| a.as_str() == id)
    }

    pub fn group(self) -> AttackGroup {
        match self {
            AttackId::RefreshReplay => AttackGroup::Refresh,
            AttackId::SessionFixation
            | AttackId::SessionReplay
            | AttackId::ForgedCookie
            | AttackId::StolenCookie => AttackGroup::Session,
            AttackId::BruteForce => AttackGroup::Login,
            _ => AttackGroup::Jwt,
        }
    }

    pub fn expect(self) -> Expect {
        match self {
            AttackId::StolenCookie => Expect::Works,
            _ => Expect::Refused,
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            AttackId::TamperedRole => "Tampered payload: role admin",
            AttackId::AlgNone => "alg: none",
            AttackId::AlgConfusion => "Algorithm confusion: HS256 keyed with our public key",
            AttackId::Expired => "An expired token",
            AttackId::NbfFuture => "A token not valid yet (nbf in the future)",
            AttackId::WrongIss => "A token from another issuer",
            AttackId::WrongAud => "A token for another audience",
            AttackId::UnknownKid => "A kid we never issued",
            AttackId::KidInjection => "kid carrying a path or SQL",
            AttackId::KeyFromHeader => "jku, jwk and x5u: the token brings its own key",
            AttackId::CritHeader => "A crit header",
            AttackId::RefreshAsAccess => "A refresh token presented as an access token",
            AttackId::TrailingGarbage => "Trailing garbage after the signature",
            AttackId::ExtraSegment => "An extra segment",
            AttackId::Oversized => "An oversized token",
            AttackId::OtherAccountsKey => "Signed by another account's key, sub swapped",
            AttackId::StrippedSignature => "A stripped signature: an empty third part",
            AttackId::EmptyHmacKey => "HS256 with the empty key",
            AttackId::PsychicSignature => "The psychic signature: ECDSA with r = s = 0",
            AttackId::WeakSecretCracked => "An HS256 secret cracked offline, then used to forge",
            AttackId::IdTokenTyp => "An ID token offered as an access token (typ)",
            AttackId::RefreshReplay => {
                "A stolen refresh token, replayed after the victim refreshed"
            }
            AttackId::SessionFixation => "Session fixation with a planted cookie",
            AttackId::SessionReplay => "A session cookie replayed after logout",
            AttackId::ForgedCookie => "A forged or guessed session cookie",
            AttackId::StolenCookie => "A stolen session cookie, used from another client",
            AttackId::BruteForce => "Brute force: a burst of wrong passwords",
        }
    }

    /// What the attack is, and where it hit real systems.
    pub fn what(self) -> &'static str {
        match self {
            AttackId::TamperedRole => "Decode the payload, change role to admin, send it back with the old signature. Works wherever a server decodes without verifying: the classic mistake of calling jwt.decode() instead of jwt.verify().",
            AttackId::AlgNone => "Set alg to none (in several spellings) and drop or keep the signature. Libraries that let the header choose the algorithm accepted unsigned tokens: Tim McLean's 2015 disclosure found it in several JWT libraries at once.",
            AttackId::AlgConfusion => "Sign an HS256 token using the server's published public key as the HMAC secret. A verifier that lets the header pick the algorithm checks it with that same public key and accepts it (CVE-2015-9235 in node-jsonwebtoken, CVE-2016-10555 in jwt-simple).",
            AttackId::Expired => "Replay a genuine token, signed by the server's own key, after its exp. Only an exp check stops it; a missing one turns every leaked token into a permanent key.",
            AttackId::NbfFuture => "A genuine token whose nbf (not before) lies an hour ahead: a token minted for later must not work now.",
            AttackId::WrongIss => "A token correctly signed by a key we trust, but issued by someone else. Where several services share keys, one issuer's tokens must not be accepted as another's.",
            AttackId::WrongAud => "A token correctly signed, but for another audience. Accepting it lets a token meant for one API unlock another (a 'confused deputy').",
            AttackId::UnknownKid => "A token signed with the attacker's own secret, naming a kid the server never issued.",
            AttackId::KidInjection => "kid is text the attacker writes. Verifiers that used it as a file path (../../dev/null, an empty HMAC key) or in an SQL query were forged with keys of the attacker's choosing.",
            AttackId::KeyFromHeader => "The header points at the attacker's key (jku or x5u, a URL) or embeds it (jwk). Verifiers that fetched or trusted that key accepted anything the attacker signed (CVE-2018-0114 in Cisco's node-jose).",
            AttackId::CritHeader => "crit lists header extensions the verifier must understand or refuse the token (RFC 7515). A verifier that ignores it may skip a rule the token asked for, such as b64: false.",
            AttackId::RefreshAsAccess => "Present the long-lived refresh token where an access token belongs. If both were JWTs signed by one key, a server that does not check typ would accept the refresh token for weeks.",
            AttackId::TrailingGarbage => "Append bytes after the signature. Lenient base64 decoders ignore trailing bits or bytes, so one signature gets several spellings, and a denylist keyed on the token text can be dodged.",
            AttackId::ExtraSegment => "Add a fourth dot-separated part. Parsers that split loosely have read the wrong part as the signature.",
            AttackId::Oversized => "A token of about 9 KB. Decoding and echoing huge attacker-written headers costs memory and fills logs (denial of service by bearer header).",
            AttackId::OtherAccountsKey => "A token signed by a key the server does hold, but another account's, with sub changed to the victim. A verifier that accepts any trusted key for any subject lets one key speak for all (in 2023, Storm-0558 signed enterprise Microsoft tokens with a consumer signing key).",
            AttackId::StrippedSignature => "Keep the header and the edited payload, and send nothing after the last dot. ServiceStack accepted such tokens until 5.9.2 (CVE-2020-28042): a signature of length zero compared equal to the expected one.",
            AttackId::EmptyHmacKey => "Sign HS256 with a key of zero bytes. A verifier whose key lookup came back empty (a kid naming /dev/null, a missing row, an unset environment variable) checks the HMAC with the empty key and accepts it.",
            AttackId::PsychicSignature => "Send an ES256 token whose signature is all zeros (r = s = 0). Java 15 to 18's ECDSA skipped the check that r and s are at least 1, so this one signature passed for every message and every key (CVE-2022-21449, 'psychic signatures').",
            AttackId::WeakSecretCracked => "Take one HS256 token and try every word of a wordlist as its secret, offline, with no request to the server (jwt_tool and hashcat mode 16500 do this at millions of guesses a second). A secret a person chose falls in minutes; then it signs anything.",
            AttackId::IdTokenTyp => "Offer a token correctly signed by the victim's key but typed as an OpenID Connect ID token (typ id_token+jwt). An ID token says who logged in to a client; a resource server that accepts it as an access token lets any client that holds one call the API (RFC 9068 asks for at+jwt).",
            AttackId::RefreshReplay => "The thief copied a refresh token; the victim has since refreshed. The thief replays the old one. Rotation with reuse detection (OAuth 2.0 Security BCP) treats that as theft and ends the whole family.",
            AttackId::SessionFixation => "The attacker plants a session id in the victim's browser, waits for the victim to log in with it, then uses the same id. Servers that kept the pre-login id were taken over this way (CWE-384, seen in many PHP and Java apps).",
            AttackId::SessionReplay => "Copy a session cookie, wait for the owner to log out, and send it again. Where logout only clears the browser's cookie, the copy still works.",
            AttackId::ForgedCookie => "Make up session ids (short, predictable, or random) in the hope that one names a live session. Ids drawn from a clock, a counter or a weak random generator have been guessed in real systems (CWE-330).",
            AttackId::StolenCookie => "A session cookie copied by malware or a shared machine, sent from another client. The server cannot tell the copy from the original (the 2023 Okta support breach and 'pass-the-cookie' theft of browser sessions).",
            AttackId::BruteForce => "Fire wrong passwords at one account as fast as possible (credential stuffing and guessing, behind most account takeovers).",
        }
    }
}

/// Why a step was sent: to set the stage, as the attack, or to see what the attack left behind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepPart {
    Setup,
    Attack,
    Aftermath,
}

/// A request as it was sent: every header the server received, values cut to a readable length.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentRequest {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

/// One request of a run and what the server answered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttackStep {
    pub part: StepPart,
    /// Who sent it and what it tries ("victim logs in", "alg NONE, signature kept").
    pub label: String,
    pub request: SentRequest,
    pub status: u16,
    /// The response body as the server sent it, cut to a readable length.
    pub response: String,
    /// The decision trace the server answered with, where it sent one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<AuthTrace>,
    /// The check that refused it, read from that trace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused_by: Option<CheckId>,
    /// The reason a refusal gave, in the server's words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// `Retry-After`, where the server sent one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    /// An attack request's bearer token in full (the request above cuts it for reading), so
    /// the learner who ran the card can open it in the workbench. Only in the answer to that
    /// learner's own run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

impl AttackStep {
    pub fn succeeded(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// How the attack went, read from its attack steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Every attack request was refused.
    Refused,
    /// At least one attack request was answered as if it were the victim's.
    Worked,
}

/// `POST /api/lab/attacks/{attack}`: what one run did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttackRun {
    pub attack: AttackId,
    pub steps: Vec<AttackStep>,
    pub verdict: Verdict,
    /// Every check that refused an attack request, in order, each once.
    pub refused_by: Vec<CheckId>,
    /// "What you just saw", written from the answers above.
    pub saw: Vec<String>,
    /// The protection that would have stopped an attack that worked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing: Option<String>,
}

impl AttackRun {
    /// The verdict and the refusing checks, read from the steps themselves.
    pub fn judge(attack: AttackId, steps: Vec<AttackStep>) -> AttackRun {
        let attacks = || steps.iter().filter(|s| s.part == StepPart::Attack);
        let verdict = if attacks().any(AttackStep::succeeded) {
            Verdict::Worked
        } else {
            Verdict::Refused
        };
        let mut refused_by = Vec::new();
        for check in attacks().filter_map(|s| s.refused_by) {
            if !refused_by.contains(&check) {
                refused_by.push(check);
            }
        }
        AttackRun {
            attack,
            steps,
            verdict,
            refused_by,
            saw: Vec::new(),
            missing: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attack_ids_round_trip_through_their_route_names() {
        for attack in AttackId::ALL {
            assert_eq!(AttackId::parse(attack.as_str()), Some(attack));
            assert_eq!(
                serde_json::to_string(&attack).unwrap(),
                format!("\"{}\"", attack.as_str())
            );
            assert!(!attack.what().is_empty() && !attack.title().is_empty());
        }
        assert_eq!(AttackId::parse("nope"), None);
    }
}
