//! A burst of wrong passwords against one account, from the attacker's address, until the login
//! limits answer 429 with `Retry-After`; then the real owner signs in, from their own browser
//! (which holds the name's device cookie) during the attack, and from a browser without it once
//! the wait has passed.

use super::{Played, Run};
use crate::wire::paths;
use crate::{
    lab::in_process::InProcessRequest,
    wire::{Credentials, Password, StepPart},
};
use axum::http::{Method, StatusCode};
use std::time::Duration;

/// Most wrong passwords one run sends before giving up on meeting a limit.
const MAX_GUESSES: usize = 40;
/// Refused attempts sent after the first 429, to show the limit holds.
const AFTER_LIMIT: usize = 2;
/// The longest `Retry-After` the run waits out before the owner's second sign-in.
const LONGEST_WAIT_SECS: u64 = 10;

fn login(credentials: &Credentials) -> InProcessRequest {
    InProcessRequest::new(Method::POST, paths::session::LOGIN).json(credentials)
}

pub async fn run(run: &mut Run<'_>) -> Played {
    let victim = run.account("victim").await?;
    // The owner has signed in on their own browser before: it holds the name's device cookie.
    let owner = run
        .session_login(&victim, "the owner signs in on their own browser", None)
        .await?;
    let Some(device) = owner.device else {
        return Err(super::broken("the owner's login set no device cookie"));
    };
    let mut limited = 0usize;
    let mut refused = 0usize;
    let mut wait = None;
    for guess in 1..=MAX_GUESSES {
        let wrong = Credentials {
            username: victim.user.username.clone(),
            password: Password::new(format!("guess-{guess:02}-wrong")),
        };
        let answer = run
            .attacker(
                StepPart::Attack,
                &format!("wrong password {guess}"),
                login(&wrong),
            )
            .await;
        if answer.status == StatusCode::TOO_MANY_REQUESTS {
            limited += 1;
            wait = run.transcript.steps().last().and_then(|s| s.retry_after);
        } else {
            refused += 1;
        }
        if limited > AFTER_LIMIT {
            break;
        }
    }
    let mut saw = Vec::new();
    if limited == 0 {
        saw.push(format!(
            "No 429 within {MAX_GUESSES} guesses: this server's login limits are set above \
             that (see limits.login_* in Leptos.toml), so this run could not show one."
        ));
        return Ok((saw, None));
    }
    saw.push(format!(
        "{refused} wrong passwords were answered 401, then the limit answered 429 to the next \
         {limited}, each before any password was checked, with Retry-After {} s.",
        wait.unwrap_or(0)
    ));
    let during = run
        .victim(
            StepPart::Aftermath,
            "meanwhile the owner signs in on their own browser",
            login(&victim.credentials())
                .secret_body()
                .cookie(crate::auth::device::COOKIE, &device),
        )
        .await;
    saw.push(format!(
        "The owner, on the browser that holds the name's device cookie (set by their earlier \
         sign-in), got {} during the attack: that browser has a budget and a failure streak of \
         its own, so guessing, even from the owner's own address, cannot lock them out.",
        during.status.as_u16()
    ));
    match wait {
        Some(secs) if secs <= LONGEST_WAIT_SECS => {
            tokio::time::sleep(Duration::from_secs(secs) + Duration::from_millis(200)).await;
            let after = run
                .attacker(
                    StepPart::Aftermath,
                    &format!(
                        "after waiting {secs} s, the owner signs in on a browser without the \
                         device cookie"
                    ),
                    login(&victim.credentials()).secret_body(),
                )
                .await;
            saw.push(format!(
                "After the {secs} s the server asked for, the right password from a browser \
                 without the device cookie, where the guesses came from, got {}: the limit \
                 slows guessing, it never locks the account.",
                after.status.as_u16()
            ));
        }
        _ => saw.push(format!(
            "The server asked for a wait longer than {LONGEST_WAIT_SECS} s, so this run did not \
             wait it out."
        )),
    }
    Ok((saw, None))
}
