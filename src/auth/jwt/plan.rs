//! Which checks a token goes through, in which order, and which of them a learner switched off.
//! A value the caller passes to `verify`, so a switch marks one check off without touching the
//! others, and a new check is one entry here and one function in `verify.rs`.

use crate::{
    auth::decision::Trace,
    wire::{AuthMode, CheckId, Defence},
};

/// A bearer request's checks: the token's own, then whose it is and whether it was revoked (the
/// last three are the bearer judge's, `auth::judge::token`).
const BEARER: [CheckId; 13] = [
    CheckId::Format,
    CheckId::KidKnown,
    CheckId::Algorithm,
    CheckId::Signature,
    CheckId::Typ,
    CheckId::Claims,
    CheckId::Iss,
    CheckId::Aud,
    CheckId::Nbf,
    CheckId::Exp,
    CheckId::Subject,
    CheckId::Denylist,
    CheckId::NotBeforeMark,
];

/// A request carrying a DPoP-bound token (RFC 9449): the token's checks and its subject, then its
/// proof's (`auth::judge::dpop`), then revocation, and the proof's `jti` last, so it is
/// remembered only once every other check held.
const DPOP: [CheckId; 19] = [
    CheckId::Format,
    CheckId::KidKnown,
    CheckId::Algorithm,
    CheckId::Signature,
    CheckId::Typ,
    CheckId::Claims,
    CheckId::Iss,
    CheckId::Aud,
    CheckId::Nbf,
    CheckId::Exp,
    CheckId::Subject,
    CheckId::DpopProof,
    CheckId::DpopHtmHtu,
    CheckId::DpopIat,
    CheckId::DpopAth,
    CheckId::DpopKey,
    CheckId::Denylist,
    CheckId::NotBeforeMark,
    CheckId::DpopJti,
];

/// A read whose token came in the access cookie: the cookie, the token's own checks, that it is
/// no DPoP-bound token, whose it is, revocation.
const COOKIE_READ: [CheckId; 15] = [
    CheckId::Cookie,
    CheckId::Format,
    CheckId::KidKnown,
    CheckId::Algorithm,
    CheckId::Signature,
    CheckId::Typ,
    CheckId::Claims,
    CheckId::Iss,
    CheckId::Aud,
    CheckId::Nbf,
    CheckId::Exp,
    CheckId::Unbound,
    CheckId::Subject,
    CheckId::Denylist,
    CheckId::NotBeforeMark,
];

/// A state-changing request whose token came in the access cookie: first from our own pages,
/// then the read's checks, then the CSRF token the token's claims name. The browser attaches
/// the cookie to a forged cross-site request as it does a session's, so it needs the same
/// defences a session does (claim 24).
const COOKIE_WRITE: [CheckId; 17] = [
    CheckId::SameOrigin,
    CheckId::Cookie,
    CheckId::Format,
    CheckId::KidKnown,
    CheckId::Algorithm,
    CheckId::Signature,
    CheckId::Typ,
    CheckId::Claims,
    CheckId::Iss,
    CheckId::Aud,
    CheckId::Nbf,
    CheckId::Exp,
    CheckId::Unbound,
    CheckId::Subject,
    CheckId::Denylist,
    CheckId::NotBeforeMark,
    CheckId::CsrfToken,
];

/// The checks of the token itself: the first ten of a bearer request's.
const TOKEN: &[CheckId] = BEARER.split_at(10).0;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Plan {
    checks: &'static [CheckId],
    /// One bit per `CheckId` that is switched off: it still runs and its trace line says what it
    /// found, but a failure is recorded as `off` and the token goes on.
    off: u64,
    /// One bit per `Defence` switched off that changes how a check works rather than skipping
    /// it (trusting the header's `alg`, a key the token brings, a zero ECDSA signature).
    relaxed: u32,
}

impl Plan {
    /// A request carrying a bearer token, every check on.
    pub const BEARER: Plan = Plan {
        checks: &BEARER,
        off: 0,
        relaxed: 0,
    };

    /// A request carrying a DPoP-bound token and its proof, every check on.
    pub const DPOP: Plan = Plan {
        checks: &DPOP,
        off: 0,
        relaxed: 0,
    };

    /// A read carrying the token in the access cookie.
    pub const COOKIE_READ: Plan = Plan {
        checks: &COOKIE_READ,
        off: 0,
        relaxed: 0,
    };

    /// A state-changing request carrying the token in the access cookie.
    pub const COOKIE_WRITE: Plan = Plan {
        checks: &COOKIE_WRITE,
        off: 0,
        relaxed: 0,
    };

    /// Whether this plan judges a token the access cookie carried.
    pub fn in_cookie(&self) -> bool {
        self.checks.contains(&CheckId::Unbound)
    }

    /// Whether this plan checks a DPoP proof.
    pub fn checks_proof(&self) -> bool {
        self.checks.contains(&CheckId::DpopProof)
    }

    /// The same plan judging a DPoP-bound request from here on: a bearer plan becomes the DPoP
    /// one, with the same checks off.
    pub fn bound(self) -> Plan {
        if self.checks_proof() {
            return self;
        }
        Plan {
            checks: &DPOP,
            ..self
        }
    }

    /// The token's own checks, every one on: the decoder, which judges a token without a request.
    pub const TOKEN: Plan = Plan {
        checks: TOKEN,
        off: 0,
        relaxed: 0,
    };

    pub fn checks(&self) -> &'static [CheckId] {
        self.checks
    }

    /// The same plan with `check` switched off.
    pub fn with_off(self, check: CheckId) -> Plan {
        Plan {
            off: self.off | bit(check),
            ..self
        }
    }

    pub fn is_off(&self, check: CheckId) -> bool {
        self.off & bit(check) != 0
    }

    /// The same plan with `defence` switched off: its checks skipped, or relaxed.
    pub fn without(self, defence: Defence) -> Plan {
        if defence.skips_checks() {
            return defence
                .checks()
                .iter()
                .fold(self, |plan, &check| plan.with_off(check));
        }
        Plan {
            relaxed: self.relaxed | (1 << defence as u32),
            ..self
        }
    }

    /// Whether `defence` (one that changes how a check works) is switched off.
    pub fn relaxes(&self, defence: Defence) -> bool {
        self.relaxed & (1 << defence as u32) != 0
    }

    /// An empty trace of this plan's checks.
    pub fn trace(&self) -> Trace {
        Trace::new(AuthMode::Jwt, self.checks)
    }
}

fn bit(check: CheckId) -> u64 {
    1u64.checked_shl(check as u32)
        .expect("fewer than 64 kinds of check")
}
