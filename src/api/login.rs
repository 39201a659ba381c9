//! The password check as every endpoint that takes a password makes it: the two logins, and a
//! password change (which is a login: whoever holds a stolen token must not get to guess the
//! owner's password any faster than a login would let them). Each runs the same steps:
//! - the login limits, before the name is looked up, so a 429 says nothing about whether the
//!   account exists: a browser holding the name's device cookie (`auth::device`) on its own
//!   budget and streak, everyone else on the address's and the name's untrusted ones;
//! - the credential check, its argon2 run charged to the named account and to the learner whose
//!   experiment sent the request (`password::Charged`);
//! - the outcome feeding the failure streak of its origin;
//! - the audit entry, filed under the account it named when that account exists, so a user can
//!   see attempts on their own account;
//! - after a right password, the device cookie trusting this browser for the name.
//!
//! A check refused by a limit (429) answers after a pause of its own (`REFUSAL_PAUSE`): a client
//! that sends its next guess the moment it is refused then gets a couple of answers a second per
//! connection, instead of spinning the server's cores on refusals. Measured before the pause
//! (`scripts/bench/password_flood.sh`): one account's 40 connections drew 26,000 refusals a second,
//! and the password-hashing threads, which yield to every busy request thread, starved, so other
//! learners' logins all succeeded but took 9 to 18 seconds.

use super::{
    client_addr::{ClientAddr, Learner},
    cookies,
    error::ApiError,
};
use crate::{
    audit::Entry,
    auth::{
        credentials::{check_credentials, CredentialError},
        device::{Account, DeviceCookie},
        password::{Charged, HashError},
        rate_limit::LoginFrom,
    },
    challenges::event::Happened,
    db::{unix_now, users::User},
    state::AppState,
    wire::account_rules::LESSON_PREFIX,
    wire::{AuthMode, Password},
};
use axum::{
    http::{header, HeaderMap, HeaderValue},
    response::Response,
};
use std::time::Duration;

/// How long a refused password check holds its answer back at most (and never more than half its
/// Retry-After, so the wait it announces is still ahead when the answer arrives).
const REFUSAL_PAUSE: Duration = Duration::from_secs(1);

/// A refusal by a limit, answered after its pause.
async fn refused(what: &str, retry: crate::settings::rate::RetryAfter) -> ApiError {
    tokio::time::sleep((retry.0 / 2).min(REFUSAL_PAUSE)).await;
    ApiError::RateLimited {
        what: what.into(),
        retry,
    }
}

/// Who is asking, as the password check needs to know: the request's address, the device
/// cookie it carried, and the learner an in-process experiment acts for.
pub struct Asker<'a> {
    pub client: &'a ClientAddr,
    pub device: DeviceCookie,
    pub learner: &'a Learner,
}

impl<'a> Asker<'a> {
    /// Read the device cookie from `headers` (a forged or expired one says nothing).
    pub fn new(
        state: &AppState,
        headers: &HeaderMap,
        client: &'a ClientAddr,
        learner: &'a Learner,
    ) -> Self {
        let device = cookies::read_cookie(headers, crate::auth::device::COOKIE)
            .map(|value| state.device_key.read(&value, unix_now()))
            .unwrap_or_default();
        Asker {
            client,
            device,
            learner,
        }
    }
}

/// What is being done with the password, for the audit entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    Login,
    PasswordChange,
}

/// A right password: the account. The device cookie trusting this browser for it is made with
/// `device_cookie` once the request's work is done (a password change moves the account's
/// epoch, and the cookie must name the new one).
pub struct Verified {
    pub user: User,
}

/// The account `name` is now, as a device cookie binds it: its id, and its not-before mark
/// (read again when this process's copy is older than a few seconds).
async fn account_now(state: &AppState, name: &str) -> Option<Account> {
    let id = state
        .auth
        .account_settings
        .id_of(name)
        .await
        .ok()
        .flatten()?;
    let epoch = state
        .auth
        .revocation
        .fresh_not_before(name)
        .await
        .unwrap_or(0);
    Some(Account { id, epoch })
}

pub async fn check_password(
    state: &AppState,
    mode: AuthMode,
    purpose: Purpose,
    username: &str,
    password: &Password,
    asker: &Asker<'_>,
) -> Result<Verified, ApiError> {
    // Usernames are lowercase: "ALICE" is tried on alice's limits, and filed under her name.
    let name = username.to_lowercase();
    // Trusted only for the account the entry was issued for, as it is now (the lookup happens
    // only for a browser that holds a signed entry for this name).
    let device = match asker.device.account_for(&name) {
        Some(_) => match account_now(state, &name).await {
            Some(account) => asker.device.device_for(&name, account),
            None => None,
        },
        None => None,
    };
    let from = match device {
        Some(device) => LoginFrom::Device(device),
        None => LoginFrom::Untrusted {
            address: &asker.client.0,
            browser: asker.device.any_device(),
        },
    };
    if let Err((what, retry)) = state.limits.login(&name, from).await {
        // Only for an account a learner's run created: a guess at any other name is anyone's to
        // make, and must not count for (or against) the account it names.
        if crate::wire::account_rules::is_scratch_like(&name) {
            if let Ok(Some(id)) = state.auth.account_settings.id_of(&name).await {
                state.auth.challenges.note(id, Happened::LoginLimited);
            }
        }
        return Err(refused(what, retry).await);
    }
    // The name's share of the hashing slots, per origin: guesses from elsewhere never take the
    // owner's own browser's share.
    let charged = Charged::to(&format!("{name} {}", device.unwrap_or("untrusted")))
        .and_maybe(asker.learner.0.as_deref());
    let result = match check_credentials(
        &*state.auth.users,
        &state.auth.passwords,
        username,
        password,
        &charged,
    )
    .await
    {
        Err(CredentialError::Hash(HashError::AccountBusy)) => {
            let retry = crate::settings::rate::RetryAfter(Duration::from_secs(1));
            return Err(refused("password checks under way at once for this account", retry).await);
        }
        // No verdict on the password (the server was too busy to check, or the database
        // did not answer): nothing to record, nothing for the streak.
        Err(err @ (CredentialError::Hash(_) | CredentialError::Store(_))) => return Err(err.into()),
        other => other,
    };
    // A disabled account's password was right too: no streak for its owner.
    let password_right = matches!(&result, Ok(_) | Err(CredentialError::Disabled));
    state.limits.login_outcome(&name, from, password_right);
    let named = state
        .auth
        .account_settings
        .id_of(&name)
        .await
        .ok()
        .flatten();
    let user = named.map(|id| (id, name.as_str()));
    let action = match purpose {
        Purpose::Login => "login",
        Purpose::PasswordChange => "password change",
    };
    let entry = |allowed: bool, detail: &'static str| {
        Entry {
            failed_check: (!allowed).then_some("credentials"),
            ..Entry::event(mode, user, action, allowed, detail)
        }
        .from_client(&asker.client.0)
        // Bounded by the login limits just passed: never only counted.
        .judged()
    };
    match &result {
        Ok(_) if purpose == Purpose::Login => {
            state
                .auth
                .audit
                .record(entry(true, "password verified"))
                .await
        }
        // A password change is recorded once it is done (`account_events`).
        Ok(_) => {}
        Err(CredentialError::Disabled) => {
            state
                .auth
                .audit
                .record(entry(
                    false,
                    "password verified, but the account is disabled",
                ))
                .await
        }
        Err(_) => {
            let detail = match purpose {
                Purpose::Login => "invalid username or password",
                Purpose::PasswordChange => "the current password given was wrong",
            };
            state.auth.audit.record(entry(false, detail)).await
        }
    }
    let user = result?;
    // A password change may have committed while this check waited for its argon2 turn: the
    // password just verified is then no longer the account's, and must not open a session or
    // a token family beside the new one.
    match state.auth.users.find_by_id(user.id).await? {
        Some(now) if now.disabled => Err(ApiError::AccountDisabled),
        Some(now) if now.password_hash == user.password_hash => Ok(Verified { user }),
        _ => Err(ApiError::InvalidCredentials),
    }
}

/// The device cookie trusting the asking browser for `user` as the account is now (none for a
/// lesson's throwaway account, which would only push the learner's own names out of the cookie).
pub async fn device_cookie(
    state: &AppState,
    asker: &Asker<'_>,
    user: &User,
) -> Option<HeaderValue> {
    if user.username.starts_with(LESSON_PREFIX) {
        return None;
    }
    let account = Account {
        id: user.id,
        epoch: state
            .auth
            .revocation
            .fresh_not_before(&user.username)
            .await
            .unwrap_or(0),
    };
    let cookie = asker.device.trusting(&user.username, account, unix_now())?;
    Some(cookies::device(&state.device_key.write(&cookie)))
}

/// `response` with the device cookie appended after its own cookies (the session's comes first).
pub fn with_device_cookie(mut response: Response, device_cookie: Option<HeaderValue>) -> Response {
    if let Some(cookie) = device_cookie {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}
