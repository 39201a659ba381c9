//! `[scale]`: the scale lab's own server processes.

use super::hosting::NameList;
use serde::Deserialize;

/// The scale lab's own server processes.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScaleSettings {
    /// The authlab binary a node runs. Empty: this server's own executable.
    pub node_binary: String,
    /// The accounts that may start scale-lab runs (each starts four processes). Empty: every
    /// signed-in account.
    pub allowed_accounts: NameList,
}
