//! The credential check both login endpoints call: username + password in, the account out, or one
//! single error. "No such user" and "wrong password" are indistinguishable to the caller: the same
//! error value, and the same argon2 work (an unknown user is verified against a dummy hash).

use crate::{
    auth::password::{Charged, HashError, PasswordHasher},
    db::users::{User, UserError, Users},
    wire::Password,
};

#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    /// Unknown user or wrong password: deliberately one variant.
    #[error("invalid username or password")]
    Invalid,
    /// The password was right but an administrator disabled the account. Said only after a
    /// correct password, so it reveals nothing to someone guessing.
    #[error("this account is disabled")]
    Disabled,
    #[error(transparent)]
    Store(#[from] UserError),
    #[error(transparent)]
    Hash(#[from] HashError),
}

/// Check a username/password pair against the accounts table. The argon2 run is charged to
/// `charged` (the named account, and whoever else asked: `password::Charged`).
pub async fn check_credentials(
    users: &dyn Users,
    hasher: &PasswordHasher,
    username: &str,
    password: &Password,
    charged: &Charged,
) -> Result<User, CredentialError> {
    let user = users.find_by_username(username).await?;
    let matches = hasher
        .verify(password, user.as_ref().map(|u| &u.password_hash), charged)
        .await?;
    match user {
        Some(user) if matches && user.disabled => Err(CredentialError::Disabled),
        Some(user) if matches => Ok(user),
        _ => Err(CredentialError::Invalid),
    }
}
