//! Lesson: size on the wire. A session id is a few dozen bytes; a JWT carries its claims and a
//! signature, and rides on every request. The experiment measures the real credentials this server
//! issues: the session cookie, and a token signed with each algorithm the lab offers.

use super::experiment::{fresh_account, Experiment, Run};
use crate::{
    client::{self, Credential},
    wire::{JwtAlg, LabSettingsPatch},
};
use leptos::prelude::*;

/// `Authorization: Bearer ` before the token itself.
const BEARER_HEADER_BYTES: usize = "Authorization: Bearer ".len();
/// `Cookie: ` before `name=value`.
const COOKIE_HEADER_BYTES: usize = "Cookie: ".len();

#[component]
pub fn Lesson() -> impl IntoView {
    let start = move |run: Run| {
        run.go(async move {
            let account = fresh_account(&run).await?;
            let state = run.session_login("session login", &account).await?;
            let cookie_bytes = COOKIE_HEADER_BYTES + state.cookie.request_bytes;
            let me = client::me(Credential::Cookies).await;
            run.step("an API call with the cookie", &me);
            run.saw(format!(
                "Session: the browser adds {cookie_bytes} bytes to each request (\"Cookie: {}=\" and a \
                 22-character id), as the server counted it.",
                state.cookie.name
            ));
            let mut token = run.bearer_login("bearer login", &account).await?.access_token;
            for alg in JwtAlg::ALL {
                let patch = LabSettingsPatch {
                    jwt_alg: Some(alg),
                    ..LabSettingsPatch::default()
                };
                let switched = client::put_lab_settings(&patch, Credential::Bearer(&token)).await;
                run.step(&format!("sign with {}", alg.as_str()), &switched);
                let label = format!("bearer login, {}", alg.as_str());
                token = run.bearer_login(&label, &account).await?.access_token;
                let bytes = BEARER_HEADER_BYTES + token.len();
                run.saw(format!(
                    "JWT signed with {}: {bytes} bytes per request, {:.1}× the session cookie.",
                    alg.as_str(),
                    bytes as f64 / cookie_bytes as f64
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
            <p>"How much bigger, and does the algorithm matter? Measure the real ones."</p>
        </section>
        <Experiment label="Measure both credentials" start=start/>
    }
}
