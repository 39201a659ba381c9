//! Lesson: logout and revocation. Logging out of a session deletes the record, so an old cookie is
//! refused at once; logging out of a stateless JWT cannot touch the token, so an old copy works
//! until `exp`, unless revocation (`?revocation=on`) makes the server remember the logout.

use super::experiment::{fresh_account, lesson_params, param, Experiment, Run, Switch};
use crate::{
    client::{self, Credential},
    wire::Me,
};
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn Lesson() -> impl IntoView {
    let params = lesson_params();
    let start = move |run: Run| {
        let revocation = param(params, "revocation", "off") == "on";
        run.go(async move {
            let account = fresh_account(&run).await?;
            let csrf = run.session_login("session login", &account).await?.csrf_token;
            let captured = client::replay_capture(&csrf).await;
            run.step("server keeps a copy of the cookie (the page cannot)", &captured);
            let handle = captured.result.map_err(|e| e.to_string())?.handle;
            let token = run.bearer_login("bearer login", &account).await?.access_token;
            if revocation {
                run.revocation_on(&token).await;
            }
            let out = client::session_logout(&csrf).await;
            run.step("session logout", &out);
            let out = client::jwt_logout(Some(&token)).await;
            run.step("bearer logout", &out);

            let old_cookie = client::replay::<Me>(&handle).await;
            let cookie_status = run.step("replay the old cookie", &old_cookie);
            let old_token = client::me(Credential::Bearer(&token)).await;
            let token_status = run.step("replay the old token", &old_token);
            run.saw(format!(
                "The old cookie got {cookie_status}{}: logout deleted the record, and the lookup missed.",
                old_cookie.call.refused_at()
            ));
            if token_status == 200 {
                run.saw(
                    "The old token got 200: it is still correctly signed and not expired, and nothing \
                     on the server records that you logged out. It will work until its exp."
                        .to_string(),
                );
            } else {
                run.saw(format!(
                    "The old token got {token_status}{}: with revocation on, logout put its id on a \
                     denylist that every bearer request now consults.",
                    old_token.call.refused_at()
                ));
            }
            Ok(())
        });
    };
    view! {
        <section class="card prose">
            <p>
                "Logout in session mode is a delete: the record goes, and the id in any browser, or in "
                "any thief's hands, now points at nothing. The very next request with it is refused."
            </p>
            <p>
                "Logout in stateless JWT mode can only make the page forget its token and revoke the "
                "refresh token. The access token itself is a signed statement that stays true until its "
                <code>"exp"</code>". A copy of it keeps working. To end it early the server must remember "
                "it (a denylist), which is server state again, looked up on every request."
            </p>
            <p>"See it over time on the "<A href="/compare">"compare page's replay timeline"</A>"."</p>
            <Switch name="revocation" options=&["off", "on"] default="off"/>
        </section>
        <Experiment label="Log in, log out, replay both" start=start/>
    }
}
