//! The body of every 4xx/5xx answer of the JSON API.

use super::AuthTrace;
use serde::{Deserialize, Serialize};

/// Every 4xx/5xx answer of the JSON API: a stable machine-readable `error` code and a sentence
/// for people in `reason`. Authentication failures also carry the decision trace that refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiErrorBody {
    pub error: String,
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth: Option<AuthTrace>,
}
