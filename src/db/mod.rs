//! The SQLite database: one file, created with its directory on first run, migrated on every start
//! by migrations embedded in the binary (so a fresh machine needs no sqlx CLI).

pub mod account_settings;
pub mod password_hash;
pub mod secrets;
pub mod users;
pub mod users_rebuild;

use sqlx::{
    migrate::Migrator,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions},
    SqlitePool,
};
use std::{str::FromStr, time::Duration};

/// The migrations in `migrations/`, compiled into the binary.
pub static MIGRATOR: Migrator = sqlx::migrate!();

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

/// Open (creating if needed) and migrate the database named by `url`.
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

/// Seconds since the Unix epoch, the time format of every column.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
