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

/// The cost lesson's live benchmark (`POST /api/lab/cost-benchmark`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostBenchmark {
    /// How many times each check ran.
    pub iterations: u32,
    pub rows: Vec<CostRow>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostRow {
    /// What was timed, e.g. "signature check, HS256" or "session lookup (SQLite)".
    pub what: String,
    /// `signature`, `lookup` or `memory`.
    pub kind: String,
    pub median_ns: u64,
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
