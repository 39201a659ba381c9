//! The accounts table in SQLite (`Users`), with the one transaction that spans tables: an
//! account event ending all access (the account row, its sessions, its refresh families).

use crate::{
    db::{
        password_hash::PasswordHash,
        unix_now,
        users::{AccessEnded, AccountChange, Scratch, User, UserError, Users},
    },
    store::sessions::sqlite::end_all_in,
    wire::Role,
};
use async_trait::async_trait;
use sqlx::SqlitePool;

pub struct SqliteUsers {
    db: SqlitePool,
}

impl SqliteUsers {
    pub fn new(db: SqlitePool) -> Self {
        SqliteUsers { db }
    }
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

/// The account's side of ending all access: the not-before mark, and the new password or the
/// disabled flag if the event sets one.
async fn mark_account<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Sqlite>,
    id: i64,
    change: AccountChange<'_>,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE users SET tokens_not_before = ?1, password_hash = COALESCE(?2, password_hash),
             disabled = MAX(disabled, ?3)
         WHERE id = ?4",
    )
    .bind(now)
    .bind(change.new_hash.map(PasswordHash::as_phc))
    .bind(change.disable as i64)
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

#[async_trait]
impl Users for SqliteUsers {
    async fn find_by_username(&self, username: &str) -> Result<Option<User>, UserError> {
        let row: Option<UserRow> =
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM users WHERE username = ?"))
                .bind(username)
                .fetch_optional(&self.db)
                .await?;
        row.map(from_row).transpose()
    }

    async fn find_by_id(&self, id: i64) -> Result<Option<User>, UserError> {
        let row: Option<UserRow> =
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM users WHERE id = ?"))
                .bind(id)
                .fetch_optional(&self.db)
                .await?;
        row.map(from_row).transpose()
    }

    async fn id_of(&self, username: &str) -> Result<Option<i64>, UserError> {
        Ok(
            sqlx::query_scalar("SELECT id FROM users WHERE username = ?")
                .bind(username)
                .fetch_optional(&self.db)
                .await?,
        )
    }

    async fn insert(
        &self,
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
        .bind(unix_now())
        .bind(scratch.map(|(kind, _)| kind.as_str()))
        .bind(scratch.map(|(_, expires_at)| expires_at))
        .execute(&self.db)
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

    async fn delete_scratch(
        &self,
        kind: Scratch,
        ids: &[i64],
    ) -> Result<Vec<(i64, String)>, UserError> {
        // Sessions, keys and refresh tokens go with each account (ON DELETE CASCADE).
        let mut deleted = Vec::new();
        for id in ids {
            let row: Option<(i64, String)> = sqlx::query_as(
                "DELETE FROM users WHERE id = ? AND scratch = ? RETURNING id, username",
            )
            .bind(id)
            .bind(kind.as_str())
            .fetch_optional(&self.db)
            .await?;
            deleted.extend(row);
        }
        Ok(deleted)
    }

    async fn delete_expired_scratch(&self, now: i64) -> Result<Vec<(i64, String)>, UserError> {
        Ok(sqlx::query_as(
            // A scratch account past its expiry, or a learner's own account set to expire when their
            // class closed (`db::classes::expire_members`, plain `user` accounts only).
            "DELETE FROM users WHERE (scratch IS NOT NULL OR role = 'user') AND expires_at < ?
             RETURNING id, username",
        )
        .bind(now)
        .fetch_all(&self.db)
        .await?)
    }

    async fn count(&self) -> Result<i64, UserError> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&self.db)
            .await?)
    }

    async fn list(&self) -> Result<Vec<(User, i64)>, UserError> {
        let rows: Vec<(i64, String, String, String, bool, i64)> = sqlx::query_as(&format!(
            "SELECT {COLUMNS}, created_at FROM users ORDER BY username"
        ))
        .fetch_all(&self.db)
        .await?;
        rows.into_iter()
            .map(|(id, name, role, hash, disabled, created)| {
                Ok((from_row((id, name, role, hash, disabled))?, created))
            })
            .collect()
    }

    async fn created_at(&self, id: i64) -> Result<i64, UserError> {
        Ok(
            sqlx::query_scalar("SELECT created_at FROM users WHERE id = ?")
                .bind(id)
                .fetch_one(&self.db)
                .await?,
        )
    }

    async fn set_role(&self, id: i64, role: Role) -> Result<(), UserError> {
        sqlx::query("UPDATE users SET role = ? WHERE id = ?")
            .bind(role.as_str())
            .bind(id)
            .execute(&self.db)
            .await?;
        Ok(())
    }

    async fn set_disabled(&self, id: i64, disabled: bool) -> Result<(), UserError> {
        sqlx::query("UPDATE users SET disabled = ? WHERE id = ?")
            .bind(disabled)
            .bind(id)
            .execute(&self.db)
            .await?;
        Ok(())
    }

    async fn set_password_hash(&self, id: i64, hash: &PasswordHash) -> Result<(), UserError> {
        sqlx::query("UPDATE users SET password_hash = ? WHERE id = ?")
            .bind(hash.as_phc())
            .bind(id)
            .execute(&self.db)
            .await?;
        Ok(())
    }

    async fn end_all_access(
        &self,
        id: i64,
        change: AccountChange<'_>,
        now: i64,
    ) -> Result<AccessEnded, UserError> {
        let mut tx = self.db.begin().await?;
        // Write first, so the transaction holds SQLite's write lock from its first statement.
        mark_account(&mut *tx, id, change, now).await?;
        let sessions_ended = end_all_in(&mut tx, id, None, now).await?;
        let refresh_revoked = sqlx::query(
            "UPDATE refresh_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(AccessEnded {
            sessions_ended,
            refresh_revoked,
        })
    }

    async fn mark(&self, id: i64, change: AccountChange<'_>, now: i64) -> Result<(), UserError> {
        Ok(mark_account(&self.db, id, change, now).await?)
    }

    async fn change_role(&self, id: i64, role: Role, now: i64) -> Result<(), UserError> {
        sqlx::query("UPDATE users SET role = ?, tokens_not_before = ? WHERE id = ?")
            .bind(role.as_str())
            .bind(now)
            .bind(id)
            .execute(&self.db)
            .await?;
        Ok(())
    }

    async fn enable(&self, id: i64, now: i64) -> Result<(), UserError> {
        sqlx::query("UPDATE users SET disabled = 0, tokens_not_before = ? WHERE id = ?")
            .bind(now)
            .bind(id)
            .execute(&self.db)
            .await?;
        Ok(())
    }
}
