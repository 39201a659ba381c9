//! Lesson: logout and revocation. Logging out of a session deletes the record, so an old cookie is
//! refused at once; logging out of a stateless JWT cannot touch the token, so an old copy works
//! until `exp`, unless revocation (`?revocation=on`) makes the server remember the logout.

use super::experiment::{fresh_account, lesson_params, param, Experiment, Run, Switch};
use crate::{scenario, ui::page_agent::PageAgent};
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn Lesson() -> impl IntoView {
    let params = lesson_params();
    let start = move |run: Run| {
        let revocation = param(params, "revocation", "off") == "on";
        run.go(async move {
            let account = fresh_account(&run).await?;
            // The scenario the compare page and the logout matrix run too (`scenario`).
            let page = PageAgent::new(move |_, label, call, _| run.record(label, call));
            let signed_in = scenario::sign_in(&page, &account).await?;
            if revocation {
                run.revocation_on(&signed_in.bearer.access_token).await;
            }
            let after = scenario::log_out_and_replay(&page, &signed_in).await?;
            for sentence in after.sentences() {
                run.saw(sentence);
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
