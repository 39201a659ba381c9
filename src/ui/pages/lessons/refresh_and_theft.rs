//! Lesson: short access tokens plus refresh tokens. The access token lives minutes; the refresh
//! token, kept in an HttpOnly cookie only the token endpoint sees, gets new ones. Each refresh
//! rotates it, so an old refresh token presented again means two parties hold it: the server
//! revokes the whole family, thief and owner alike.

use super::experiment::{fresh_account, Experiment, Run};
use crate::{ui::client, wire::TokenResponse};
use leptos::prelude::*;

#[component]
pub fn Lesson() -> impl IntoView {
    let start = move |run: Run| {
        run.go(async move {
            let account = fresh_account(&run).await?;
            let tokens = run.bearer_login("bearer login", &account).await?;
            run.saw(format!(
                "The access token lives {} s; the refresh token (HttpOnly cookie, path /api/jwt) \
                 until {}.",
                tokens.expires_in, tokens.refresh_expires_at
            ));
            let stolen = client::jwt_capture_refresh().await;
            run.step("a thief copies the refresh token (the server keeps the copy)", &stolen);
            let handle = stolen.result.map_err(|e| e.to_string())?.handle;

            let refreshed = client::jwt_refresh().await;
            let status = run.step("the owner refreshes: the refresh token rotates", &refreshed);
            if status == 200 {
                run.saw(
                    "The owner's refresh worked and replaced the refresh token: the thief's copy is \
                     now an old one."
                        .to_string(),
                );
            }
            let theft = client::replay::<TokenResponse>(&handle).await;
            let theft_status = run.step("the thief presents the old refresh token", &theft);
            let reason = theft.result.err().map(|e| e.to_string()).unwrap_or_default();
            run.saw(format!(
                "The thief got {theft_status}: {reason}. An already-rotated token coming back can \
                 only mean it was copied."
            ));
            let owner_again = client::jwt_refresh().await;
            let owner_status = run.step("the owner refreshes again", &owner_again);
            run.saw(format!(
                "The owner's next refresh got {owner_status}: the whole family was revoked, so the \
                 thief's access ends with it, and the owner must log in again. The access tokens \
                 already issued still run out their short life: that is the damage window."
            ));
            Ok(())
        });
    };
    view! {
        <section class="card prose">
            <p>
                "A stolen access token works until it expires, so access tokens are made short-lived: "
                "minutes. To spare the user a login every few minutes, the client also gets a refresh "
                "token: long-lived, sent only to the token endpoint, in a cookie scripts cannot read."
            </p>
            <p>
                "Rotation turns the refresh token into a tripwire. Each use returns a new one and retires "
                "the old. If a retired one is ever presented again, two parties had it; the server cannot "
                "tell which is the thief, so it revokes the family and both must start over."
            </p>
        </section>
        <Experiment label="Log in, let a thief copy the refresh token, and race" start=start/>
    }
}
