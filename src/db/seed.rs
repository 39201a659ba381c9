//! First-run seeding of the public demo accounts (see `crate::demo`). Existing accounts are left
//! alone, so a learner who changes alice's password keeps the change across restarts.

use super::users::{self, UserError};
use crate::{auth::password::PasswordHasher, demo::DEMO_ACCOUNTS, wire::Password};
use sqlx::SqlitePool;

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error(transparent)]
    User(#[from] UserError),
    #[error(transparent)]
    Hash(#[from] crate::auth::password::HashError),
}

/// Create each demo account that does not exist yet; returns how many were created.
pub async fn seed_demo_accounts(
    db: &SqlitePool,
    hasher: &PasswordHasher,
) -> Result<usize, SeedError> {
    let mut created = 0;
    for account in DEMO_ACCOUNTS {
        if users::find_by_username(db, account.username)
            .await?
            .is_some()
        {
            continue;
        }
        let hash = hasher.hash(&Password::new(account.password)).await?;
        match users::insert(db, account.username, &hash, account.role).await {
            Ok(_) => created += 1,
            // Another process seeded it between our look-up and insert: fine.
            Err(UserError::Taken) => {}
            Err(err) => return Err(err.into()),
        }
    }
    Ok(created)
}
