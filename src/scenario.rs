//! The lab's central demonstration, written once: sign one account in twice (a cookie session
//! and a bearer token), keep a thief's copy of each credential, log both out, and replay the
//! copies. The old cookie is refused at once; the old token keeps working until it expires,
//! unless the account's revocation switch makes the server remember the logout.
//!
//! Three places run it, each through its own `Agent` (what sends the requests and keeps the
//! copies):
//! - the logout lesson, once, from the browser (`ui::page_agent`);
//! - the compare page, one step per button and the replays once a second, from the browser;
//! - the logout matrix's "log out this device" row, from the server (`lab::logout_matrix`,
//!   through the in-process client).
//!
//! The steps and the reading of a replay's answer live here; how a request travels is the agent's.

use crate::wire::{Credentials, Me, Role};

/// Which credential: the cookie session or the bearer token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lane {
    Session,
    Jwt,
}

impl Lane {
    pub fn as_str(self) -> &'static str {
        match self {
            Lane::Session => "session",
            Lane::Jwt => "jwt",
        }
    }
}

/// What a replayed copy got, as the server said it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Replayed {
    pub status: u16,
    /// The check that refused it (or, when no check did, the error code); `None` when allowed.
    pub refused_by: Option<String>,
    /// Who it was still accepted as, or the server's reason for refusing it.
    pub detail: String,
}

impl Replayed {
    /// The copy still worked: the server answered as `me`.
    pub fn allowed(status: u16, me: &Me) -> Self {
        Self::allowed_as(status, &me.username, me.role)
    }

    fn allowed_as(status: u16, username: &str, role: Role) -> Self {
        Replayed {
            status,
            refused_by: None,
            detail: format!("{status}: still {username} ({role})"),
        }
    }

    /// The copy was refused; `check` is the failing check of the trace the server sent, if any.
    pub fn refused(status: u16, check: Option<&str>, error: &str, reason: &str) -> Self {
        Replayed {
            status,
            refused_by: Some(check.unwrap_or(error).to_string()),
            detail: reason.to_string(),
        }
    }

    /// No answer a program could read (a network failure or an unexpected body).
    pub fn unreadable(status: u16, why: impl Into<String>) -> Self {
        Replayed {
            status,
            refused_by: None,
            detail: why.into(),
        }
    }

    pub fn still_works(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// Whatever runs the scenario: it sends each step's request and keeps what it needs for the
/// next. `Session` and `Bearer` are a signed-in credential *as this agent holds it*: a page cannot
/// read its HttpOnly cookie, so it holds a handle to a copy the server keeps (`lab::replay`);
/// the server's own client holds the cookie itself.
///
/// `async fn` in a public trait cannot promise `Send` futures: the browser's are not (WASM is
/// single-threaded), the in-process agent's are, and every caller knows which agent it runs.
#[allow(async_fn_in_trait)]
pub trait Agent {
    type Session;
    type Bearer;
    /// Sign in with a cookie session, and keep a copy of the cookie for the replay.
    async fn sign_in_session(&self, account: &Credentials) -> Result<Self::Session, String>;
    /// Sign in for a bearer token (the token itself is the copy).
    async fn sign_in_bearer(&self, account: &Credentials) -> Result<Self::Bearer, String>;
    async fn log_out_session(&self, session: &Self::Session) -> Result<(), String>;
    async fn log_out_bearer(&self, bearer: &Self::Bearer) -> Result<(), String>;
    /// `GET /api/me` with the kept copy of the cookie.
    async fn replay_session(&self, session: &Self::Session) -> Replayed;
    /// `GET /api/me` with the kept copy of the token.
    async fn replay_bearer(&self, bearer: &Self::Bearer) -> Replayed;
}

/// One account, signed in both ways.
pub struct SignedIn<A: Agent> {
    pub session: A::Session,
    pub bearer: A::Bearer,
}

/// What the old copies got after both logouts.
pub struct AfterLogout {
    pub cookie: Replayed,
    pub token: Replayed,
}

/// Sign `account` in both ways, session first.
pub async fn sign_in<A: Agent>(agent: &A, account: &Credentials) -> Result<SignedIn<A>, String> {
    let session = agent.sign_in_session(account).await?;
    let bearer = agent.sign_in_bearer(account).await?;
    Ok(SignedIn { session, bearer })
}

/// Log both out, then replay both old copies once.
pub async fn log_out_and_replay<A: Agent>(
    agent: &A,
    signed_in: &SignedIn<A>,
) -> Result<AfterLogout, String> {
    agent.log_out_session(&signed_in.session).await?;
    agent.log_out_bearer(&signed_in.bearer).await?;
    Ok(AfterLogout {
        cookie: agent.replay_session(&signed_in.session).await,
        token: agent.replay_bearer(&signed_in.bearer).await,
    })
}

impl AfterLogout {
    /// "What you just saw", from the two answers (never written in advance).
    pub fn sentences(&self) -> Vec<String> {
        let refused_at = |r: &Replayed| {
            r.refused_by
                .as_deref()
                .map(|check| format!(" at \"{check}\""))
                .unwrap_or_default()
        };
        let mut saw = vec![if self.cookie.still_works() {
            format!(
                "The old cookie got {}: the session record survived the logout, which it must not.",
                self.cookie.status
            )
        } else {
            format!(
                "The old cookie got {}{}: logout deleted the record, and the lookup missed.",
                self.cookie.status,
                refused_at(&self.cookie)
            )
        }];
        saw.push(if self.token.still_works() {
            format!(
                "The old token got {}: it is still correctly signed and not expired, and nothing \
                 on the server records that you logged out. It will work until its exp.",
                self.token.status
            )
        } else {
            format!(
                "The old token got {}{}: with revocation on, logout put its id on a denylist \
                 that every bearer request now consults.",
                self.token.status,
                refused_at(&self.token)
            )
        });
        saw
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_is_filed_under_its_check_or_else_its_error_code() {
        let by_check = Replayed::refused(401, Some("session_lookup"), "unauthorized", "gone");
        assert_eq!(by_check.refused_by.as_deref(), Some("session_lookup"));
        let by_code = Replayed::refused(429, None, "rate_limited", "slow down");
        assert_eq!(by_code.refused_by.as_deref(), Some("rate_limited"));
        assert!(!by_code.still_works());
    }

    #[test]
    fn the_sentences_follow_the_answers() {
        let after = AfterLogout {
            cookie: Replayed::refused(401, Some("session_lookup"), "unauthorized", "gone"),
            token: Replayed::allowed_as(200, "ada", Role::User),
        };
        let saw = after.sentences();
        assert!(saw[0].starts_with("The old cookie got 401 at \"session_lookup\""));
        assert!(saw[1].starts_with("The old token got 200"));
        let revoked = AfterLogout {
            token: Replayed::refused(401, Some("denylist"), "unauthorized", "revoked"),
            ..after
        };
        assert!(revoked.sentences()[1].contains("denylist"));
    }
}
