//! The scale lab: several real server nodes behind a balancer, on a store the learner chooses.

use super::AuthMode;
use serde::{Deserialize, Serialize};

/// The header every answer of a node names the node in (`settings.node_id`).
pub const NODE_HEADER: &str = "x-authlab-node";

/// Where the nodes keep sessions, refresh tokens and the denylist.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScaleStore {
    /// Each node its own memory: nothing is shared.
    PerNode,
    /// One SQLite file on this machine, shared by the nodes.
    SharedSqlite,
    /// One Redis the lab starts for the run.
    SharedRedis,
}

impl ScaleStore {
    pub fn as_str(self) -> &'static str {
        match self {
            ScaleStore::PerNode => "per_node",
            ScaleStore::SharedSqlite => "shared_sqlite",
            ScaleStore::SharedRedis => "shared_redis",
        }
    }
}

/// `POST /api/lab/scale`: what to run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScaleRequest {
    pub store: ScaleStore,
    /// The balancer sends a client back to the node that answered it first (by a cookie).
    #[serde(default)]
    pub sticky: bool,
    pub mode: AuthMode,
    /// After the first burst, stop the node that answered the login, and send another.
    #[serde(default)]
    pub kill_holder: bool,
    /// JWT mode: the account switches the denylist on before logging out.
    #[serde(default)]
    pub denylist: bool,
    /// Shared Redis only: freeze the store mid-run, send a burst, and bring it back.
    #[serde(default)]
    pub outage: bool,
    /// With the denylist on: a denylist that does not answer lets the token through.
    #[serde(default)]
    pub fail_open: bool,
}

/// One request of a run, as answered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScaleHit {
    /// `balancer`, or the node it was sent to directly.
    pub via: String,
    /// The node that answered (its `X-Authlab-Node`), if one did.
    pub node: Option<String>,
    pub status: u16,
    /// The check that refused it, or the error code.
    pub refused_by: Option<String>,
    pub detail: String,
}

/// One step of a run: what was done, and every request it made.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScaleStep {
    pub label: String,
    pub hits: Vec<ScaleHit>,
}

/// A whole run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScaleRun {
    pub request: ScaleRequest,
    /// The nodes, by name.
    pub nodes: Vec<String>,
    pub steps: Vec<ScaleStep>,
    /// What the run says it showed, from the answers.
    pub saw: Vec<String>,
}

/// Where a queued scale-lab run is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScaleTicketState {
    /// In the queue: `place` says how many runs go first (1: next).
    Waiting,
    /// Its nodes are up: `steps` grows as the run goes.
    Running,
    /// Finished: `run` holds every answer.
    Done,
    /// It could not run: `error` says why, in words.
    Failed,
}

/// `POST /api/lab/scale` answers with this at once (202), and `GET /api/lab/scale/{ticket}`
/// with where the run is now: one run goes at a time on a server, the others wait their turn in
/// order, one run per account in the queue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScaleTicket {
    pub ticket: String,
    pub state: ScaleTicketState,
    /// While waiting: 1 when this run is next.
    pub place: Option<usize>,
    /// The steps done so far (all of them once done).
    pub steps: Vec<ScaleStep>,
    pub run: Option<ScaleRun>,
    pub error: Option<String>,
}
