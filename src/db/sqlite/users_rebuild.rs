//! Account ids are never reused. `INTEGER PRIMARY KEY` alone hands the id of the newest deleted
//! account (usually an experiment's scratch account) to the next registrant, who then saw the
//! deleted account's audit rows, and on a Redis store its sessions and refresh tokens. With
//! AUTOINCREMENT, SQLite never hands out an id it has handed out before.
//!
//! AUTOINCREMENT can only be declared by rebuilding the table (SQLite's documented twelve steps,
//! `users_rebuild.sql`). Under `foreign_keys = ON`, which every connection of the pool has,
//! dropping the old table would cascade into every table that references users (sessions, keys,
//! refresh tokens, switches) and empty them. sqlx runs every SQLite migration inside a
//! transaction, where the foreign-key switch cannot be changed, so this one step runs here, right
//! after the file migrations up to `AFTER_VERSION`: on one connection, foreign keys off, the
//! rebuild in a transaction of its own that checks every reference still resolves before it
//! commits, then foreign keys back on. It runs once: a table already rebuilt is left alone.
//!
//! The rebuild also widens the role check to admit 'teacher' (the classroom issue needs it), so
//! that change needs no second rebuild; no code hands out that role yet.

use sqlx::{Connection, SqlitePool};

/// The file migration the rebuild follows (and any later one runs after it).
pub const AFTER_VERSION: i64 = 13;

const REBUILD: &str = include_str!("users_rebuild.sql");

/// Rebuild `users` with AUTOINCREMENT unless it already is.
pub async fn ids_never_reused(pool: &SqlitePool) -> Result<(), sqlx::Error> {
    let schema: String =
        sqlx::query_scalar("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'users'")
            .fetch_one(pool)
            .await?;
    if schema.contains("AUTOINCREMENT") {
        return Ok(());
    }
    let mut conn = pool.acquire().await?;
    sqlx::query("PRAGMA foreign_keys = OFF")
        .execute(&mut *conn)
        .await?;
    let rebuilt = sqlx::raw_sql(REBUILD).execute(&mut *conn).await;
    if rebuilt.is_err() {
        // Nothing of it is committed; the connection leaves the transaction before it is reused.
        let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
    }
    let restored = sqlx::query("PRAGMA foreign_keys = ON")
        .execute(&mut *conn)
        .await;
    if rebuilt.is_err() || restored.is_err() {
        // A connection in an unknown state never goes back to the pool.
        let _ = conn.detach().close().await;
    }
    rebuilt?;
    restored?;
    Ok(())
}
