//! The judge: one function per kind of credential decides a request and returns a `Decision`,
//! the trace of every check plus either the principal or a typed refusal. The HTTP extractors
//! (`api::extract`), the server render's witness, the live event streams and the lab's
//! experiments all call these, so every path is judged by the same checks.
//!
//! - `session::judge`: an opaque id naming a server-side record (the session cookie today);
//! - `cookie_token::judge`: a signed access token in the access cookie, with a session's
//!   origin and CSRF checks around a bearer token's;
//! - `token::judge`: a signed access token (`Authorization: Bearer`, or `Authorization: DPoP`
//!   beside a proof, whose checks are `dpop`'s).

pub mod cookie_token;
pub mod dpop;
pub mod session;
pub mod token;

use crate::{
    audit::Entry,
    challenges::event::TokenFacts,
    wire::{AuthTrace, CheckId, RefusedAs},
};

/// How the credential travelled: this decides the shape of a refusal (RFC 6750 wants a
/// `WWW-Authenticate: Bearer` challenge on a refused header credential), never how it is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    Cookie,
    Header,
}

/// Why a request was refused, typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refused {
    /// The check that failed.
    pub check: CheckId,
    pub channel: Channel,
    /// No credential at all was presented on the channel (RFC 6750 §3.1: a bare challenge).
    pub nothing_presented: bool,
}

impl Refused {
    pub fn refused_as(&self) -> RefusedAs {
        self.check.refuses_as()
    }
}

/// A judged request.
pub struct Decision<P> {
    pub trace: AuthTrace,
    pub outcome: Result<P, Refused>,
    /// Whose record the decision goes on in the audit log: the principal's when allowed; for a
    /// refusal, the account the credential provably belonged to (an ended session's owner, the
    /// subject of a token whose signature held), never a name anyone could write.
    pub account: Option<(i64, String)>,
    /// Whether anything was presented at all; a request with no credential is not logged.
    pub presented: bool,
    /// What the challenges record about the token judged (none for a session).
    pub token: Option<TokenFacts>,
    /// The denylist did not answer and the account fails open: the token went unchecked.
    pub failed_open: bool,
}

impl<P> Decision<P> {
    /// A refusal before the credential was read far enough to name an account (none came, or
    /// the request failed a check that comes before it).
    pub fn refused_early(
        trace: AuthTrace,
        check: CheckId,
        channel: Channel,
        nothing_presented: bool,
    ) -> Self {
        Decision {
            trace,
            outcome: Err(Refused {
                check,
                channel,
                nothing_presented,
            }),
            account: None,
            presented: !nothing_presented,
            token: None,
            failed_open: false,
        }
    }

    /// The audit entry for this decision on `action` (`METHOD /path`), sent from `client`.
    pub fn entry<'a>(&'a self, action: &'a str, client: &'a str) -> Entry<'a> {
        let account = self.account.as_ref().map(|(id, name)| (*id, name.as_str()));
        Entry::from_trace(&self.trace, account, action).from_client(client)
    }

    /// The account of an allowed decision whose every check passed (none switched off): a read
    /// by it is a plain one, which the audit log may only count (`Audit::read_is_counted`).
    pub fn passed_every_check(&self) -> Option<(i64, &str)> {
        match (&self.account, &self.outcome) {
            (Some((id, name)), Ok(_))
                if self.trace.allowed && self.trace.switched_off().next().is_none() =>
            {
                Some((*id, name.as_str()))
            }
            _ => None,
        }
    }

    /// Whether an audit entry is worth writing: anything that presented a credential.
    pub fn worth_logging(&self) -> bool {
        self.presented
    }
}
