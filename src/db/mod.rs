//! The database of record, behind seams: each table the server reads or writes is reached through
//! a trait (`Users`, `SwitchesTable`, `Maintenance`, the audit log's `AuditTable`, and the stores'
//! traits for what is kept beside them), never through a connection pool. `open` builds them all
//! for the URL it is given; SQLite (`sqlite/`) is the one implementation today, so PostgreSQL
//! later is one more folder beside it, held to the same contract suite (`tests/contracts.rs`).

pub mod account_settings;
pub mod classes;
pub mod maintenance;
pub mod password_hash;
pub mod progress;
pub mod retention;
pub mod sqlite;
pub mod switches;
pub mod users;

use crate::{
    audit::table::AuditTable,
    store::{
        denylist::Denylist, keys::KeyStore, marks::MarkStore, refresh::RefreshStore,
        sessions::SessionStore,
    },
};
use std::sync::Arc;

/// Every seam of one database.
#[derive(Clone)]
pub struct Database {
    pub users: Arc<dyn users::Users>,
    pub switches: Arc<dyn switches::SwitchesTable>,
    pub maintenance: Arc<dyn maintenance::Maintenance>,
    /// The challenges' events and progress.
    pub progress: Arc<dyn progress::ProgressTable>,
    /// The classes and their members.
    pub classes: Arc<dyn classes::ClassTable>,
    pub audit: Arc<dyn AuditTable>,
    pub keys: Arc<dyn KeyStore>,
    pub marks: Arc<dyn MarkStore>,
    /// Sessions, refresh families and the denylist kept in this database: used when
    /// `[store] url` is the embedded one, and the only ones `Users::end_all_access` reaches.
    pub sessions: Arc<dyn SessionStore>,
    pub refresh: Arc<dyn RefreshStore>,
    pub denylist: Arc<dyn Denylist>,
    /// The DPoP replay cache kept in this database (the embedded store's).
    pub proof_jtis: Arc<dyn crate::store::proof_jtis::ProofJtis>,
    /// The BFF's token vault kept in this database (the embedded store's).
    pub bff_vault: Arc<dyn crate::store::bff_vault::BffVault>,
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database URL {url:?} is not usable: {source}")]
    Url { url: String, source: sqlx::Error },
    #[error("cannot create the database directory {dir}: {source}")]
    Dir { dir: String, source: std::io::Error },
    #[error("cannot open the database: {0}")]
    Open(sqlx::Error),
    #[error("cannot migrate the database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("cannot rebuild the accounts table (nothing was changed): {0}")]
    Rebuild(sqlx::Error),
}

/// Open (creating if needed) and migrate the database named by `url`, with every seam on it.
pub async fn open(url: &str) -> Result<Database, DbError> {
    sqlite::open(url).await
}

/// Seconds since the Unix epoch, the time format of every column.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
