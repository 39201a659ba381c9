//! What authentication cost on the learner's own recent requests (`GET /api/auth-cost`).

use super::AuthMode;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthCost {
    /// Whether the request asking was signed in. Signed out (or with a credential that no longer
    /// works) the answer is still 200, with nothing in it: a page that asks right after a logout
    /// or an expiry gets no figures rather than an error.
    pub signed_in: bool,
    /// How many recent requests per mode the medians cover, at most.
    pub window: u32,
    /// One entry per mode the account used lately (none yet: empty).
    pub modes: Vec<ModeCost>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModeCost {
    pub mode: AuthMode,
    /// Requests measured (up to `window`).
    pub samples: u32,
    /// Median time of the judge: every check of the trace (a session: the store lookup; a token:
    /// the signature check, plus the denylist lookup when it is on).
    pub check_median_ns: u64,
    /// Median time of everything else the server did for the request.
    pub rest_median_ns: u64,
}
