//! Lesson: size on the wire. A session id is a few dozen bytes; a JWT carries its claims and a
//! signature, and rides on every request. The experiment measures the real requests: the server
//! reports the size of each request it received (`GET /api/lab/request-size`), once with the
//! session cookie and once with a token signed by each algorithm the lab offers, and every number
//! on the page is computed from those reports.

use super::experiment::{fresh_account, Experiment, Run};
use crate::{
    ui::client::{self, Credential},
    ui::figures::times,
    wire::{AccountSwitchesPatch, JwtAlg},
};
use leptos::prelude::*;

#[component]
pub fn Lesson() -> impl IntoView {
    let start = move |run: Run| {
        run.go(async move {
            let account = fresh_account(&run).await?;
            run.session_login("session login", &account).await?;
            let measured = client::request_size(Credential::Cookies).await;
            run.step("measure a request carrying the cookie", &measured);
            let cookie = measured.result.map_err(|err| err.to_string())?;
            run.saw(format!(
                "Session: the Cookie header line is {} bytes, of a {}-byte request as the server \
                 received it.",
                cookie.cookie_bytes, cookie.total_bytes
            ));
            let mut token = run.bearer_login("bearer login", &account).await?.access_token;
            for alg in JwtAlg::ALL {
                let patch = AccountSwitchesPatch {
                    jwt_alg: Some(alg),
                    ..AccountSwitchesPatch::default()
                };
                let switched = client::put_account_switches(&patch, Credential::Bearer(&token)).await;
                run.step(&format!("sign with {}", alg.as_str()), &switched);
                let label = format!("bearer login, {}", alg.as_str());
                token = run.bearer_login(&label, &account).await?.access_token;
                let measured = client::request_size(Credential::Bearer(&token)).await;
                run.step(
                    &format!("measure a request carrying the {} token", alg.as_str()),
                    &measured,
                );
                let bearer = measured.result.map_err(|err| err.to_string())?;
                run.saw(format!(
                    "JWT signed with {}: the Authorization header line is {} bytes, {} the \
                     Cookie header line, of a {}-byte request.",
                    alg.as_str(),
                    bearer.authorization_bytes,
                    times(bearer.authorization_bytes, cookie.cookie_bytes),
                    bearer.total_bytes
                ));
            }
            run.saw(
                "Both are small next to a typical request's other headers, but the token's size grows \
                 with every claim you add, and it is paid on every request, every time."
                    .to_string(),
            );
            Ok(())
        });
    };
    view! {
        <section class="card prose">
            <p>
                "A session id only has to be unguessable: 128 random bits, 22 characters. A JWT has to "
                "carry everything the server will believe without looking anything up: subject, role, "
                "issuer, audience, times, an id, a header naming the key and algorithm, and a signature, "
                "all base64url-encoded, which adds a third."
            </p>
            <p>
                "How much bigger, and does the algorithm matter? The page cannot see its own cookie "
                "(it is HttpOnly), so the server counts the bytes of each request it receives."
            </p>
        </section>
        <Experiment label="Measure both credentials" start=start/>
    }
}
