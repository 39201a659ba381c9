//! The database on SQLite: one file, created with its directory on first run, migrated on every
//! start by migrations embedded in the binary (so a fresh machine needs no sqlx CLI). Every seam
//! of `db` (and the stores kept in the same file) is built here on one pool; nothing outside the
//! SQLite implementations holds the pool.

pub mod classes;
pub mod maintenance;
pub mod progress;
pub mod switches;
pub mod users;
pub mod users_rebuild;

use super::{Database, DbError};
use crate::{
    audit::sqlite::SqliteAudit,
    store::{
        denylist::sqlite::SqliteDenylist, keys::sqlite::SqliteKeys, marks::sqlite::SqliteMarks,
        refresh::sqlite::SqliteRefresh, sessions::sqlite::SqliteSessions,
    },
};
use sqlx::{
    migrate::Migrator,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions},
    SqlitePool,
};
use std::{str::FromStr, sync::Arc, time::Duration};

/// The migrations in `migrations/`, compiled into the binary.
pub static MIGRATOR: Migrator = sqlx::migrate!();

/// Open (creating if needed) and migrate the SQLite database named by `url`, and build every seam
/// on it.
pub async fn open(url: &str) -> Result<Database, DbError> {
    Ok(seams(connect(url).await?))
}

/// Every seam on one pool of a migrated database.
pub fn seams(pool: SqlitePool) -> Database {
    Database {
        users: Arc::new(users::SqliteUsers::new(pool.clone())),
        switches: Arc::new(switches::SqliteSwitches::new(pool.clone())),
        maintenance: Arc::new(maintenance::SqliteMaintenance::new(pool.clone())),
        progress: Arc::new(progress::SqliteProgress::new(pool.clone())),
        classes: Arc::new(classes::SqliteClasses::new(pool.clone())),
        audit: Arc::new(SqliteAudit::new(pool.clone())),
        keys: Arc::new(SqliteKeys::new(pool.clone())),
        marks: Arc::new(SqliteMarks::new(pool.clone())),
        sessions: Arc::new(SqliteSessions::new(pool.clone())),
        refresh: Arc::new(SqliteRefresh::new(pool.clone())),
        denylist: Arc::new(SqliteDenylist::new(pool.clone())),
        proof_jtis: Arc::new(crate::store::proof_jtis::sqlite::SqliteProofJtis::new(
            pool.clone(),
        )),
        bff_vault: Arc::new(crate::store::bff_vault::sqlite::SqliteBffVault::new(pool)),
    }
}

/// Open (creating if needed) and migrate the database named by `url`: the pool alone (the
/// contract tests build one implementation at a time on it).
pub async fn connect(url: &str) -> Result<SqlitePool, DbError> {
    let options = SqliteConnectOptions::from_str(url)
        .map_err(|source| DbError::Url {
            url: url.to_string(),
            source,
        })?
        .create_if_missing(true)
        // WAL lets readers run while a writer commits: the API reads far more than it writes.
        .journal_mode(SqliteJournalMode::Wal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5));
    if let Some(dir) = options.get_filename().parent() {
        if !dir.as_os_str().is_empty() {
            std::fs::create_dir_all(dir).map_err(|source| DbError::Dir {
                dir: dir.display().to_string(),
                source,
            })?;
        }
    }
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options)
        .await
        .map_err(DbError::Open)?;
    migrate(&pool).await?;
    Ok(pool)
}

/// The file migrations, with the one step sqlx cannot run in a migration file (the accounts
/// table's rebuild, `users_rebuild`) at its place among them.
pub async fn migrate(pool: &SqlitePool) -> Result<(), DbError> {
    let (before, after): (Vec<_>, Vec<_>) = MIGRATOR
        .migrations
        .iter()
        .cloned()
        .partition(|m| m.version <= users_rebuild::AFTER_VERSION);
    for (migrations, rebuild_after) in [(before, true), (after, false)] {
        let part = Migrator {
            migrations: std::borrow::Cow::Owned(migrations),
            // Each part knows only its own: the other part's are not missing.
            ignore_missing: true,
            ..Migrator::DEFAULT
        };
        part.run(pool).await?;
        if rebuild_after {
            users_rebuild::ids_never_reused(pool)
                .await
                .map_err(DbError::Rebuild)?;
        }
    }
    Ok(())
}
