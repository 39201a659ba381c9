//! `Admin`: who may administer accounts. The answer always comes from the accounts table, read for
//! this request, in both models. A bearer token's `role` claim is what the role *was* when the
//! token was signed; the lab shows that stale claim (`GET /api/lab/role-claim`, the logout matrix)
//! but never obeys it, so demoting an administrator takes their powers away at once, whatever
//! tokens they still hold.

use super::{auth_user::AuthUser, Judging};
use crate::{api::error::ApiError, auth::Auth, db::users::User, wire::Role};
use axum::{
    extract::{FromRef, FromRequestParts},
    http::request::Parts,
};

pub struct Admin {
    pub caller: AuthUser,
    /// The caller's account as the table says now.
    pub account: User,
}

/// The caller's account, read now; `None` if it is gone.
pub async fn current_account(auth: &Auth, caller: &AuthUser) -> Result<Option<User>, ApiError> {
    Ok(auth.users.find_by_id(caller.user_id()).await?)
}

impl<S> FromRequestParts<S> for Admin
where
    S: Send + Sync,
    Judging: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let caller = AuthUser::from_request_parts(parts, state).await?;
        super::every_check_on(caller.trace(), "administration")?;
        match current_account(&Judging::from_ref(state).auth, &caller).await? {
            Some(account) if account.role == Role::Admin && !account.disabled => {
                Ok(Admin { caller, account })
            }
            Some(account) => {
                let claim = match &caller {
                    AuthUser::Bearer(bearer) if bearer.claims.role == Role::Admin => {
                        " (this token's role claim still says admin: a claim is shown, never \
                         obeyed, for administration)"
                    }
                    _ => "",
                };
                let status = if account.disabled {
                    "says the account is disabled".to_string()
                } else {
                    format!("says role {}", account.role)
                };
                Err(ApiError::NotAllowed(format!(
                    "administrators only: the accounts table, read for this request, {status}{claim}"
                )))
            }
            None => Err(ApiError::NotAllowed(
                "administrators only: this account no longer exists".into(),
            )),
        }
    }
}
