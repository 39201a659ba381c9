//! The credential check both login endpoints run, with its outcome written to the audit log. A
//! failed login is attributed to the account it named, when that account exists, so a user can see
//! attempts on their own account. Before any of it, the login rate limits (per address, per name
//! and address, the failure streak's wait, per name) are checked the same way for names that exist
//! and names that do not, and the outcome feeds the streak.

use super::{client_addr::ClientAddr, error::ApiError};
use crate::{
    audit::Entry,
    auth::credentials::{check_credentials, CredentialError},
    db::users::User,
    state::AppState,
    wire::{AuthMode, Credentials},
};

pub async fn audited_login(
    state: &AppState,
    mode: AuthMode,
    credentials: &Credentials,
    client: &ClientAddr,
) -> Result<User, ApiError> {
    if let Err((what, retry)) = state.limits.login(&credentials.username, &client.0).await {
        return Err(ApiError::RateLimited {
            what: what.into(),
            retry,
        });
    }
    let result = check_credentials(
        &state.db,
        &state.passwords,
        &credentials.username,
        &credentials.password,
    )
    .await;
    // A disabled account's password was right too: no streak for its owner.
    let password_right = matches!(&result, Ok(_) | Err(CredentialError::Disabled));
    state
        .limits
        .login_outcome(&credentials.username, &client.0, password_right);
    let named = state
        .account_settings
        .id_of(&credentials.username)
        .await
        .ok()
        .flatten();
    let user = named.map(|id| (id, credentials.username.as_str()));
    let entry = |allowed: bool, detail: &'static str| {
        Entry {
            failed_check: (!allowed).then_some("credentials"),
            ..Entry::event(mode, user, "login", allowed, detail)
        }
        .from_client(&client.0)
    };
    match &result {
        Ok(_) => state.audit.record(entry(true, "password verified")).await,
        Err(CredentialError::Disabled) => {
            state
                .audit
                .record(entry(
                    false,
                    "password verified, but the account is disabled",
                ))
                .await
        }
        Err(_) => {
            state
                .audit
                .record(entry(false, "invalid username or password"))
                .await
        }
    }
    Ok(result?)
}
