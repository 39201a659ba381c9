//! The bearer model's two services besides the judge: the refresh exchange (an old refresh token
//! for a new pair) and logout. Each decides, writes and audits; the HTTP layer only carries the
//! cookies.
//!
//! - **Exchange**: the refresh token is rotated atomically (`refresh.rs`); a reused one revokes
//!   its whole family (theft). This is the one place the bearer model reads the account: a
//!   disabled account stops getting new access tokens here (the ones it holds run until `exp`).
//! - **Logout**: the refresh family is revoked; the access token is denied only if the account
//!   switched the denylist on, since otherwise the server has nowhere to record that it should
//!   stop accepting it.

use crate::{
    audit::Entry,
    auth::Auth,
    auth::{
        error::AuthError,
        jwt,
        refresh::{Issued, RefreshError},
    },
    challenges::event::{self, Happened},
    db::users::User,
    wire::AuthMode,
};

/// Why an exchange was refused, and whether the browser should drop the cookie it sent.
#[derive(Debug)]
pub struct ExchangeRefused {
    pub reason: String,
    /// The token itself was refused (unknown, expired, revoked, reused): stop sending it.
    pub drop_cookie: bool,
}

/// Exchange a presented refresh token for the next one and the account it belongs to. `key`: the
/// thumbprint of the DPoP key the request proved it holds, if it brought a proof.
pub async fn exchange(
    auth: &Auth,
    presented: &str,
    key: Option<&str>,
) -> Result<Result<(User, Issued), ExchangeRefused>, AuthError> {
    match auth.refresh.rotate(presented, key).await {
        Ok((user_id, next)) => {
            let Some(user) = auth.users.find_by_id(user_id).await? else {
                return Ok(Err(ExchangeRefused {
                    reason: "the account no longer exists".into(),
                    drop_cookie: false,
                }));
            };
            if user.disabled {
                auth.refresh.revoke_user(user.id).await.map_err(internal)?;
                record(
                    auth,
                    Some((user.id, &user.username)),
                    Some("account disabled"),
                    false,
                )
                .await;
                return Ok(Err(ExchangeRefused {
                    reason: "the account is disabled".into(),
                    drop_cookie: false,
                }));
            }
            record(auth, Some((user.id, &user.username)), None, false).await;
            Ok(Ok((user, next)))
        }
        Err(RefreshError::Store(err)) => Err(err.into()),
        Err(err) => {
            // A reuse is theft: it goes on the victim's record.
            let owner = match &err {
                RefreshError::Reused { user_id } => auth.users.find_by_id(*user_id).await?,
                _ => None,
            };
            if let Some(owner) = &owner {
                auth.challenges
                    .note(owner.id, Happened::RefreshRefused { reuse: true });
            }
            let reason = err.to_string();
            // Refused for want of the key: the cookie is still its holder's to use beside it.
            let drop_cookie = !matches!(err, RefreshError::Binding(_));
            record(
                auth,
                owner.as_ref().map(|u| (u.id, u.username.as_str())),
                Some(&reason),
                owner.is_some(),
            )
            .await;
            Ok(Err(ExchangeRefused {
                reason,
                drop_cookie,
            }))
        }
    }
}

/// Log out of the bearer model: revoke the refresh family of `refresh` (if any) and, where this
/// account's denylist is on, deny the access token `access` until its `exp`.
pub async fn log_out(
    auth: &Auth,
    refresh: Option<&str>,
    access: Option<&str>,
) -> Result<(), AuthError> {
    let mut owner = None;
    if let Some(presented) = refresh {
        if let Some(user_id) = auth
            .refresh
            .revoke_family_of(presented)
            .await
            .map_err(internal)?
        {
            owner = auth.users.find_by_id(user_id).await?;
        }
    }
    auth.audit
        .record(Entry::event(
            AuthMode::Jwt,
            owner.as_ref().map(|u| (u.id, u.username.as_str())),
            "POST /api/jwt/logout",
            true,
            "refresh family revoked; the access token is denied only if the denylist is on",
        ))
        .await;
    let logged_out = |account: i64, jti: Option<&str>| {
        auth.challenges.note(
            account,
            Happened::LoggedOut {
                mode: AuthMode::Jwt,
                jti: jti.map(event::capped),
            },
        )
    };
    let Some(token) = access else {
        if let Some(owner) = &owner {
            logged_out(owner.id, None);
        }
        return Ok(());
    };
    // Only a token that verifies is ours to deny: anything else is refused anyway.
    let plan = jwt::Plan::BEARER;
    let mut trace = plan.trace();
    let (claims, _) = super::judge::token::verify(auth, token, &plan, &mut trace).await?;
    let mut noted = false;
    // A DPoP-bound token is denied only beside its own login's refresh cookie. Threat: a thief
    // who copied the token but holds neither the key nor the cookie would otherwise be able to
    // log its owner out, the one thing a bound token must not let a stranger do.
    let claims = claims.filter(|claims| {
        claims.cnf.is_none()
            || owner
                .as_ref()
                .is_some_and(|owner| owner.username == claims.sub)
    });
    if let Some(claims) = claims {
        if let Some(user_id) = auth.account_settings.id_of(&claims.sub).await? {
            if auth.account_settings.get(user_id).await?.denylist {
                auth.revocation
                    .deny(&claims.jti, user_id, claims.exp)
                    .await?;
            }
            logged_out(user_id, Some(&claims.jti));
            noted = true;
        }
    }
    if let (false, Some(owner)) = (noted, &owner) {
        logged_out(owner.id, None);
    }
    Ok(())
}

fn internal(err: RefreshError) -> AuthError {
    match err {
        RefreshError::Store(err) => err.into(),
        other => AuthError::Internal(other.into()),
    }
}

/// `theft`: a reuse detected, one of the judged rows (`audit::Entry::judged`).
async fn record(auth: &Auth, user: Option<(i64, &str)>, refused: Option<&str>, theft: bool) {
    let entry = Entry {
        failed_check: refused.map(|_| "refresh token"),
        ..Entry::event(
            AuthMode::Jwt,
            user,
            "POST /api/jwt/refresh",
            refused.is_none(),
            refused.unwrap_or("refresh token rotated; new access token issued"),
        )
    };
    let entry = if theft { entry.judged() } else { entry };
    auth.audit.record(entry).await;
}
