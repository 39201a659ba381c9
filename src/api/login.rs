//! The credential check both login endpoints run, with its outcome written to the audit log. A
//! failed login is attributed to the account it named, when that account exists, so a user can see
//! attempts on their own account.

use super::error::ApiError;
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
) -> Result<User, ApiError> {
    let result = check_credentials(
        &state.db,
        &state.passwords,
        &credentials.username,
        &credentials.password,
    )
    .await;
    let named = state
        .account_settings
        .id_of(&credentials.username)
        .await
        .ok()
        .flatten();
    let entry = |allowed: bool, detail: &'static str| Entry {
        mode,
        user: named.map(|id| (id, credentials.username.as_str())),
        action: "login",
        allowed,
        failed_check: (!allowed).then_some("credentials"),
        detail,
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
