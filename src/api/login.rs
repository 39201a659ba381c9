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
        device::DeviceCookie,
        password::{Charged, HashError},
        rate_limit::LoginFrom,
    },
    db::{unix_now, users::User},
    scratch::LESSON_PREFIX,
    state::AppState,
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
async fn refused(what: &str, retry: crate::auth::rate::RetryAfter) -> ApiError {
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

/// A right password: the account, and the device cookie to set (none for a lesson's throwaway
/// account, which would only push the learner's own names out of the cookie).
pub struct Verified {
    pub user: User,
    pub device_cookie: Option<HeaderValue>,
}

pub async fn check_password(
    state: &AppState,
    mode: AuthMode,
    purpose: Purpose,
    username: &str,
    password: &Password,
    asker: &Asker<'_>,
) -> Result<Verified, ApiError> {
    let from = match asker.device.device_for(username) {
        Some(device) => LoginFrom::Device(device),
        None => LoginFrom::Untrusted {
            address: &asker.client.0,
        },
    };
    if let Err((what, retry)) = state.limits.login(username, from).await {
        return Err(refused(what, retry).await);
    }
    let charged = Charged::to(username).and_maybe(asker.learner.0.as_deref());
    let result = match check_credentials(&state.db, &state.passwords, username, password, &charged)
        .await
    {
        // No verdict on the password (the server was too busy to check, or the database
        // did not answer): nothing to record, nothing for the streak.
        Err(CredentialError::Hash(HashError::AccountBusy)) => {
            let retry = crate::auth::rate::RetryAfter(Duration::from_secs(1));
            return Err(refused("password checks under way at once for this account", retry).await);
        }
        Err(err @ (CredentialError::Hash(_) | CredentialError::Store(_))) => return Err(err.into()),
        other => other,
    };
    // A disabled account's password was right too: no streak for its owner.
    let password_right = matches!(&result, Ok(_) | Err(CredentialError::Disabled));
    state.limits.login_outcome(username, from, password_right);
    let named = state.account_settings.id_of(username).await.ok().flatten();
    let user = named.map(|id| (id, username));
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
            state.audit.record(entry(true, "password verified")).await
        }
        // A password change is recorded once it is done (`account_events`).
        Ok(_) => {}
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
            let detail = match purpose {
                Purpose::Login => "invalid username or password",
                Purpose::PasswordChange => "the current password given was wrong",
            };
            state.audit.record(entry(false, detail)).await
        }
    }
    let user = result?;
    let device_cookie = (!user.username.starts_with(LESSON_PREFIX))
        .then(|| asker.device.trusting(&user.username, unix_now()))
        .flatten()
        .map(|cookie| cookies::device(&state.device_key.write(&cookie)));
    Ok(Verified {
        user,
        device_cookie,
    })
}

/// `response` with the device cookie appended after its own cookies (the session's comes first).
pub fn with_device_cookie(mut response: Response, device_cookie: Option<HeaderValue>) -> Response {
    if let Some(cookie) = device_cookie {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}
