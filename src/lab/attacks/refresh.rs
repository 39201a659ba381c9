//! A stolen refresh token, replayed after the victim refreshed. Rotation gives the victim a new
//! refresh token on every exchange and keeps the old one on record as used; when a used one comes
//! back, someone holds a copy, and the server cannot tell which party is the thief, so it ends
//! the whole family: the thief's copy and the victim's current token alike.

use super::{Played, Run};
use crate::wire::paths;
use crate::{
    auth::refresh::COOKIE,
    lab::in_process::InProcessRequest,
    wire::{AuditEvent, StepPart, TokenResponse},
};
use axum::http::Method;

fn exchange(refresh: &str) -> InProcessRequest {
    InProcessRequest::new(Method::POST, paths::jwt::REFRESH).cookie(COOKIE, refresh)
}

pub async fn run(run: &mut Run<'_>) -> Played {
    let victim = run.account("victim").await?;
    let first = run
        .bearer_login(
            &victim,
            "the victim signs in; the thief copies the refresh cookie",
        )
        .await?;
    let stolen = first.refresh.clone();
    let refreshed = run
        .victim(
            StepPart::Setup,
            "the victim refreshes: the stolen token is now used",
            exchange(&first.refresh),
        )
        .await;
    let next_refresh = refreshed
        .set_cookie(COOKIE)
        .ok_or_else(|| super::broken("the victim's refresh gave no new cookie"))?;
    let access = refreshed
        .json::<TokenResponse>()
        .map(|t| t.access_token)
        .ok_or_else(|| super::broken("the victim's refresh gave no token"))?;
    let replay = run
        .attacker(
            StepPart::Attack,
            "the thief replays the stolen refresh token",
            exchange(&stolen),
        )
        .await;
    let victim_next = run
        .victim(
            StepPart::Aftermath,
            "the victim's own, newer refresh token",
            exchange(&next_refresh),
        )
        .await;
    let audit = run
        .victim(
            StepPart::Aftermath,
            "the victim reads their audit log",
            InProcessRequest::new(Method::GET, paths::AUDIT).bearer(&access),
        )
        .await;
    let mut saw = Vec::new();
    let reason = |body: &[u8]| {
        serde_json::from_slice::<crate::wire::ApiErrorBody>(body)
            .map(|b| b.reason)
            .unwrap_or_default()
    };
    saw.push(format!(
        "The thief's replay got {}: \u{201c}{}\u{201d}",
        replay.status.as_u16(),
        reason(&replay.body)
    ));
    saw.push(if victim_next.status.is_success() {
        format!(
            "The victim's newer refresh token still worked ({}): the family was not ended.",
            victim_next.status.as_u16()
        )
    } else {
        format!(
            "The victim's newer refresh token was refused too ({}: \u{201c}{}\u{201d}): both \
             parties are logged out of refreshing, and the victim must sign in again with the \
             password, which the thief does not have.",
            victim_next.status.as_u16(),
            reason(&victim_next.body)
        )
    });
    let named = audit
        .json::<Vec<AuditEvent>>()
        .unwrap_or_default()
        .into_iter()
        .rev()
        .find(|e| e.detail.contains("reuse"));
    saw.push(match named {
        Some(event) => format!(
            "The victim's audit log names it: {} {}, \u{201c}{}\u{201d}.",
            event.action,
            if event.allowed { "allowed" } else { "refused" },
            event.detail
        ),
        None => format!(
            "The victim's audit log (status {}) has no entry naming the reuse.",
            audit.status.as_u16()
        ),
    });
    if audit.status.is_success() {
        saw.push(
            "The access token the victim already held still worked for that read: ending a \
             refresh family stops new tokens, not signed ones already issued, which live until \
             their exp."
                .into(),
        );
    }
    Ok((saw, None))
}
