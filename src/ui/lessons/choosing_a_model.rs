//! Lesson: the hybrid most production systems end up with. Short-lived access tokens, refresh
//! rotation, and server-side revocation consulted on every request: revocation works at once, and
//! each request pays a lookup, which the experiment measures next to the session's own.

use super::experiment::{fresh_account, Experiment, Run};
use crate::client::{self, Credential};
use leptos::prelude::*;
use leptos_router::components::A;

/// Calls per model for the cost comparison.
const CALLS: usize = 5;

fn median(mut values: Vec<u64>) -> Option<u64> {
    values.sort_unstable();
    values.get(values.len() / 2).copied()
}

fn micros_of(call: &client::Call, check: &str) -> Option<u64> {
    call.trace
        .as_ref()?
        .checks
        .iter()
        .find(|c| c.name == check)?
        .micros
}

#[component]
pub fn Lesson() -> impl IntoView {
    let start = move |run: Run| {
        run.go(async move {
            let account = fresh_account(&run).await?;
            run.session_login("session login", &account).await?;
            let mut store = Vec::new();
            for i in 1..=CALLS {
                let me = client::me(Credential::Cookies).await;
                run.step(&format!("session call {i}"), &me);
                store.extend(micros_of(&me.call, "store lookup"));
            }
            let tokens = run.bearer_login("bearer login", &account).await?;
            let token = tokens.access_token;
            run.revocation_on(&token).await;
            let mut lookups = Vec::new();
            for i in 1..=CALLS {
                let me = client::me(Credential::Bearer(&token)).await;
                run.step(&format!("bearer call {i}"), &me);
                lookups.extend(micros_of(&me.call, "denylist"));
            }
            let out = client::jwt_logout(Some(&token)).await;
            run.step("bearer logout", &out);
            let replay = client::me(Credential::Bearer(&token)).await;
            let status = run.step("replay the old token", &replay);
            run.saw(format!(
                "Revocation took effect at once: the old token answered {status}{}.",
                replay.call.refused_at()
            ));
            if let (Some(store), Some(lookup)) = (median(store), median(lookups)) {
                run.saw(format!(
                    "The price: each bearer request now made a denylist lookup, median {lookup} µs over \
                     {CALLS} calls, next to the session store lookup's median {store} µs. The hybrid \
                     is stateful again, with the state kept small (only revoked ids, kept until exp)."
                ));
            }
            run.saw(format!(
                "The access token lives {} s. If revocation failed or were switched off, that is how \
                 long a stolen token would last; refresh rotation makes a stolen refresh token \
                 self-revealing.",
                tokens.expires_in
            ));
            Ok(())
        });
    };
    view! {
        <section class="card prose">
            <p>
                "Neither pure model survives contact with production. Pure sessions need every request to "
                "reach the store; pure stateless JWTs cannot be taken back. Most systems settle in between: "
                "access tokens that live minutes, refresh tokens that rotate and reveal theft, and a small "
                "revocation list checked on every request, which is where the stateless promise quietly ends."
            </p>
            <p>
                "What each choice costs in this lab: see the "<A href="/compare">"compare page"</A>" for "
                "what logout does, and below for what the hybrid pays per request."
            </p>
        </section>
        <Experiment label="Run the hybrid and measure it" start=start/>
    }
}
