//! Attacks on the session cookie: fixation with a planted cookie, replay after logout, forged
//! and guessed ids, and a stolen cookie used from another client (which works: that is the
//! lesson).

use super::{me, Played, Run};
use crate::wire::paths;
use crate::{
    api::cookies,
    lab::in_process::InProcessRequest,
    wire::{AttackId, StepPart},
};
use axum::http::{header, Method};

pub async fn run(run: &mut Run<'_>, attack: AttackId) -> Played {
    match attack {
        AttackId::SessionFixation => fixation(run).await,
        AttackId::SessionReplay => replay_after_logout(run).await,
        AttackId::ForgedCookie => forged(run).await,
        AttackId::StolenCookie => stolen(run).await,
        _ => Err(super::broken("not a session attack")),
    }
}

fn with_cookie(id: &str) -> InProcessRequest {
    me().cookie(cookies::NAME, id)
}

/// A random id shaped exactly like the server's own (128 bits, base64url), naming no session.
fn well_formed_id() -> String {
    tower_sessions::session::Id::default().to_string()
}

/// Short form of an id for sentences: its first 8 characters.
fn short(id: &str) -> String {
    format!("{}…", id.chars().take(8).collect::<String>())
}

async fn fixation(run: &mut Run<'_>) -> Played {
    let attacker = run.account("attacker").await?;
    let victim = run.account("victim").await?;
    // The attacker's own live session id: the strongest plant, since it names a real session.
    let planted = run
        .session_login(
            &attacker,
            "the attacker signs in to get a live session id",
            None,
        )
        .await?;
    let victims = run
        .session_login(
            &victim,
            "the victim logs in with the attacker's id planted in their browser's cookie",
            Some(&planted.cookie),
        )
        .await?;
    run.attacker(
        StepPart::Attack,
        "the attacker uses the planted id",
        with_cookie(&planted.cookie),
    )
    .await;
    // A made-up id of the right shape, as an attacker plants when the server has no pre-login
    // sessions to hand out.
    let chosen = well_formed_id();
    let second = run
        .session_login(
            &victim,
            "the victim logs in again with an id the attacker made up planted",
            Some(&chosen),
        )
        .await?;
    run.attacker(
        StepPart::Attack,
        "the attacker uses the made-up id",
        with_cookie(&chosen),
    )
    .await;
    let mut saw = vec![
        format!(
            "The victim's login carried the planted cookie ({}) and was answered with a new one \
             ({}), then again ({} in, {} out): a login never adopts the id the browser brought.",
            short(&planted.cookie),
            short(&victims.cookie),
            short(&chosen),
            short(&second.cookie)
        ),
        "Login ends whatever session the browser held and issues a fresh random id. The \
         __Host- prefix on the cookie's name also stops a sibling subdomain from planting one."
            .to_string(),
    ];
    if victims.cookie == planted.cookie || second.cookie == chosen {
        saw.push("A planted id was adopted: this server is open to fixation.".into());
    }
    Ok((saw, None))
}

async fn replay_after_logout(run: &mut Run<'_>) -> Played {
    let victim = run.account("victim").await?;
    let session = run
        .session_login(
            &victim,
            "the victim logs in; the attacker copies the cookie",
            None,
        )
        .await?;
    run.victim(
        StepPart::Setup,
        "the victim logs out",
        session.on(InProcessRequest::new(Method::POST, paths::session::LOGOUT)),
    )
    .await;
    run.attacker(
        StepPart::Attack,
        "the attacker replays the copied cookie",
        with_cookie(&session.cookie),
    )
    .await;
    Ok((
        vec![
            "Logout deleted the session from the server's store, so the copy names nothing: a \
             server-side session ends for every holder at once."
                .into(),
        ],
        None,
    ))
}

async fn forged(run: &mut Run<'_>) -> Played {
    let victim = run.account("victim").await?;
    let session = run
        .session_login(&victim, "the victim logs in", None)
        .await?;
    // One character in the middle changed (the last one also carries padding bits).
    let near: String = session
        .cookie
        .char_indices()
        .map(|(i, c)| match (i, c) {
            (10, 'A') => 'B',
            (10, _) => 'A',
            _ => c,
        })
        .collect();
    let guesses = [
        ("a small number", "1".to_string()),
        ("admin", "admin".to_string()),
        ("a random id of the right shape", well_formed_id()),
        ("the victim's real id with its last character changed", near),
    ];
    for (label, id) in guesses {
        run.attacker(
            StepPart::Attack,
            &format!("cookie: {label}"),
            with_cookie(&id),
        )
        .await;
    }
    Ok((
        vec![
            "Session ids are 128 random bits: nothing about one tells the next, and a guess \
             one character off names nothing. Malformed ids are refused before the store is \
             asked."
                .into(),
        ],
        None,
    ))
}

async fn stolen(run: &mut Run<'_>) -> Played {
    let victim = run.account("victim").await?;
    let session = run
        .session_login(
            &victim,
            "the victim logs in; malware copies the cookie",
            None,
        )
        .await?;
    run.attacker(
        StepPart::Attack,
        "the thief sends the copied cookie from another address and browser",
        with_cookie(&session.cookie).header(header::USER_AGENT, "curl/8.5.0 (the thief)"),
    )
    .await;
    run.victim(
        StepPart::Aftermath,
        "the victim logs out",
        session.on(InProcessRequest::new(Method::POST, paths::session::LOGOUT)),
    )
    .await;
    let after = run
        .attacker(
            StepPart::Aftermath,
            "the thief tries again after the victim's logout",
            with_cookie(&session.cookie),
        )
        .await;
    let mut saw = vec![
        "A session id is a bearer credential: whoever presents it is the \
                        session. The server saw another address and another browser and could \
                        not tell the copy from the original."
            .to_string(),
    ];
    saw.push(if after.status.is_success() {
        "The victim's logout did not end the thief's copy.".into()
    } else {
        format!(
            "The victim's logout ended it for the thief too, at once ({}): the advantage of \
             server-side state.",
            after.status.as_u16()
        )
    });
    Ok((
        saw,
        Some(
            "Nothing binds a session id to the client it was issued to. What limits a theft: \
             HttpOnly (no script can read the cookie, so XSS cannot copy it), Secure (never sent \
             over plain HTTP), short idle and absolute timeouts, and logout or \"log out \
             everywhere\" (a server-side session ends at once). Binding the session to a device \
             key (Device Bound Session Credentials) is the newer fix."
                .into(),
        ),
    ))
}
