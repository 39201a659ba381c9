//! The accounts table: find a user by name, create one. The password hash leaves this module only
//! inside `PasswordHash`, which cannot be serialised or printed.

use super::password_hash::PasswordHash;
use crate::wire::Role;
use sqlx::SqlitePool;

/// An account as the server knows it.
#[derive(Clone, Debug)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub role: Role,
    pub password_hash: PasswordHash,
    /// Set by an administrator: no login, and no session request, succeeds.
    pub disabled: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("username is taken")]
    Taken,
    #[error("stored role {0:?} is not a known role")]
    BadRole(String),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

type UserRow = (i64, String, String, String, bool);

const COLUMNS: &str = "id, username, role, password_hash, disabled";

fn from_row((id, username, role, hash, disabled): UserRow) -> Result<User, UserError> {
    Ok(User {
        id,
        role: Role::parse(&role).ok_or(UserError::BadRole(role))?,
        username,
        password_hash: PasswordHash::from_stored(hash),
        disabled,
    })
}

pub async fn find_by_username(db: &SqlitePool, username: &str) -> Result<Option<User>, UserError> {
    let row: Option<UserRow> =
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM users WHERE username = ?"))
            .bind(username)
            .fetch_optional(db)
            .await?;
    row.map(from_row).transpose()
}

pub async fn find_by_id(db: &SqlitePool, id: i64) -> Result<Option<User>, UserError> {
    let row: Option<UserRow> = sqlx::query_as(&format!("SELECT {COLUMNS} FROM users WHERE id = ?"))
        .bind(id)
        .fetch_optional(db)
        .await?;
    row.map(from_row).transpose()
}

/// Insert a new account; `Taken` if the name exists (decided by the UNIQUE constraint, so two
/// concurrent registrations of one name cannot both win). A scratch account is marked with its
/// kind and expiry in the same statement, so no half-made account (an unmarked matrix admin that
/// nothing would ever delete) can be left behind by a client hanging up.
pub async fn insert(
    db: &SqlitePool,
    username: &str,
    hash: &PasswordHash,
    role: Role,
    scratch: Option<(Scratch, i64)>,
) -> Result<User, UserError> {
    let result = sqlx::query(
        "INSERT INTO users (username, password_hash, role, created_at, scratch, expires_at) \
         VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(username)
    .bind(hash.as_phc())
    .bind(role.as_str())
    .bind(super::unix_now())
    .bind(scratch.map(|(kind, _)| kind.as_str()))
    .bind(scratch.map(|(_, expires_at)| expires_at))
    .execute(db)
    .await;
    match result {
        Ok(done) => Ok(User {
            id: done.last_insert_rowid(),
            username: username.to_string(),
            role,
            password_hash: hash.clone(),
            disabled: false,
        }),
        Err(sqlx::Error::Database(err)) if err.is_unique_violation() => Err(UserError::Taken),
        Err(err) => Err(err.into()),
    }
}

/// What made a scratch account, which expires and is then deleted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scratch {
    Lesson,
    Matrix,
}

impl Scratch {
    fn as_str(self) -> &'static str {
        match self {
            Scratch::Lesson => "lesson",
            Scratch::Matrix => "matrix",
        }
    }
}

/// Delete scratch accounts of `kind` by id (only those that really are scratch of that kind);
/// returns the (id, username) of each deleted. Their sessions, keys and refresh tokens go with
/// them (foreign keys, ON DELETE CASCADE).
pub async fn delete_scratch(
    db: &SqlitePool,
    kind: Scratch,
    ids: &[i64],
) -> Result<Vec<(i64, String)>, UserError> {
    let mut deleted = Vec::new();
    for id in ids {
        let row: Option<(i64, String)> =
            sqlx::query_as("DELETE FROM users WHERE id = ? AND scratch = ? RETURNING id, username")
                .bind(id)
                .bind(kind.as_str())
                .fetch_optional(db)
                .await?;
        deleted.extend(row);
    }
    Ok(deleted)
}

/// Delete every scratch account past its expiry; returns the (id, username) of each.
pub async fn delete_expired_scratch(
    db: &SqlitePool,
    now: i64,
) -> Result<Vec<(i64, String)>, UserError> {
    Ok(sqlx::query_as(
        "DELETE FROM users WHERE scratch IS NOT NULL AND expires_at < ? RETURNING id, username",
    )
    .bind(now)
    .fetch_all(db)
    .await?)
}

pub async fn count(db: &SqlitePool) -> Result<i64, UserError> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(db)
        .await?)
}

/// Every account, by name, as the admin list shows it.
pub async fn list(db: &SqlitePool) -> Result<Vec<(User, i64)>, UserError> {
    let rows: Vec<(i64, String, String, String, bool, i64)> = sqlx::query_as(&format!(
        "SELECT {COLUMNS}, created_at FROM users ORDER BY username"
    ))
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|(id, name, role, hash, disabled, created)| {
            Ok((from_row((id, name, role, hash, disabled))?, created))
        })
        .collect()
}

// set_role, set_disabled, set_password_hash: for start-up only (`demo::prepare`, before any
// account is cached). At run time accounts change through `auth::account_events`, which also
// empties the account cache (`auth::account_cache`) here and on the other servers.

pub async fn set_role(db: &SqlitePool, id: i64, role: Role) -> Result<(), UserError> {
    sqlx::query("UPDATE users SET role = ? WHERE id = ?")
        .bind(role.as_str())
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn set_disabled(db: &SqlitePool, id: i64, disabled: bool) -> Result<(), UserError> {
    sqlx::query("UPDATE users SET disabled = ? WHERE id = ?")
        .bind(disabled)
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn set_password_hash(
    db: &SqlitePool,
    id: i64,
    hash: &PasswordHash,
) -> Result<(), UserError> {
    sqlx::query("UPDATE users SET password_hash = ? WHERE id = ?")
        .bind(hash.as_phc())
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn created_at(db: &SqlitePool, id: i64) -> Result<i64, UserError> {
    Ok(
        sqlx::query_scalar("SELECT created_at FROM users WHERE id = ?")
            .bind(id)
            .fetch_one(db)
            .await?,
    )
}
