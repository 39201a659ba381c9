//! Lesson: where the state lives. A session is a record on the server and a meaningless id in the
//! browser; a JWT is the record itself, signed and handed to the client. The experiment signs one
//! fresh account in both ways and puts side by side what each side holds, what the server can list,
//! and (with `?revocation=on`) the lookup that revocation adds back to every bearer request.

use super::experiment::{fresh_account, lesson_params, param, Experiment, Run, Switch};
use crate::ui::client::{self, Credential};
use leptos::prelude::*;

#[component]
pub fn Lesson() -> impl IntoView {
    let params = lesson_params();
    let start = move |run: Run| {
        let revocation = param(params, "revocation", "off") == "on";
        run.go(async move {
            let account = fresh_account(&run).await?;
            let state = run.session_login("session login", &account).await?;
            run.saw(format!(
                "The browser holds only an id ({} characters, HttpOnly, so this page cannot read it). \
                 The server holds the record: user {}, role {}, created {}, last used {}, idle until {}, \
                 plus a CSRF token and the user agent.",
                22, state.session.username, state.session.role, state.session.created_at,
                state.session.last_seen, state.session.idle_expires_at
            ));
            let sessions = client::session_list().await;
            run.step("who is logged in?", &sessions);
            if let Ok(list) = &sessions.result {
                run.saw(format!(
                    "Asked \"who is logged in now?\", the server lists {} live session(s) for this \
                     account: it knows, because it keeps them.",
                    list.len()
                ));
            }

            let token = run.bearer_login("bearer login", &account).await?.access_token;
            let decoded = client::jwt_decode(&token).await;
            run.step("decode the token", &decoded);
            if let Some(payload) = decoded.result.ok().and_then(|r| r.payload) {
                let claims: Vec<String> = payload
                    .as_object()
                    .map(|o| o.keys().cloned().collect())
                    .unwrap_or_default();
                run.saw(format!(
                    "The token carries its own record ({} bytes): {}. The server kept no row for this \
                     access token and cannot list who holds one.",
                    token.len(),
                    claims.join(", ")
                ));
            }
            if revocation {
                run.revocation_on(&token).await;
            }
            let me = client::me(Credential::Bearer(&token)).await;
            run.step("call the API with the token", &me);
            let lookup = me.call.trace.as_ref().and_then(|t| {
                t.checks.iter().find(|c| c.name == "denylist").cloned()
            });
            match lookup.and_then(|c| c.micros) {
                Some(us) => run.saw(format!(
                    "With revocation on, the bearer request looked its token up in the denylist: \
                     {us} µs of database work per request. The server keeps state again."
                )),
                None => run.saw(
                    "With revocation off, the bearer request touched no store at all: signature and \
                     claims were the whole check."
                        .to_string(),
                ),
            }
            Ok(())
        });
    };
    view! {
        <section class="card prose">
            <p>
                "In cookie-session mode the server remembers you. Logging in creates a record in its "
                "session store, and the browser gets a random id that means nothing without that record. "
                "Every request brings the id, and the server looks the record up: that lookup is how it "
                "knows who you are, and why it can list, inspect and delete sessions."
            </p>
            <p>
                "In bearer-JWT mode the server writes the record into the token, signs it, and forgets it. "
                "Any server with the key can check the signature and trust the claims, with no lookup. "
                "The price: the server has nothing to consult when you want to end that token early, until "
                "you give it something (a denylist) and the lookup comes back."
            </p>
            <Switch name="revocation" options=&["off", "on"] default="off"/>
        </section>
        <Experiment label="Sign in both ways and compare" start=start/>
    }
}
