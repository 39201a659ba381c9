//! Lesson: the hybrid most production systems end up with. Short-lived access tokens, refresh
//! rotation, and server-side revocation consulted on every request: revocation works at once, and
//! each request pays a lookup, which the experiment measures next to the session's own.

use super::experiment::{fresh_account, Experiment, Run};
use crate::{
    ui::client::{self, Credential},
    wire::{AccountSwitchesPatch, TokenResponse},
};
use leptos::prelude::*;
use leptos_router::components::A;

/// Calls per model for the cost comparison.
const CALLS: usize = 5;
/// The hybrid's access-token lifetime (this account's switch).
const HYBRID_TTL_SECS: u64 = 60;

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

/// How many checks in a request's trace touched a store (they carry a measured time).
fn lookups_in(call: &client::Call) -> usize {
    call.trace.as_ref().map_or(0, |t| {
        t.checks.iter().filter(|c| c.micros.is_some()).count()
    })
}

#[component]
pub fn Lesson() -> impl IntoView {
    let start = move |run: Run| {
        run.go(async move {
            let account = fresh_account(&run).await?;
            // The session's price, for comparison.
            run.session_login("session login", &account).await?;
            let mut store = Vec::new();
            for i in 1..=CALLS {
                let me = client::me(Credential::Cookies).await;
                run.step(&format!("session call {i}"), &me);
                store.extend(micros_of(&me.call, "store lookup"));
            }
            // The hybrid: short-lived access tokens and server-side revocation, switched on for
            // this account, then a fresh login so the new lifetime applies.
            let first = run.bearer_login("bearer login", &account).await?;
            let hybrid = AccountSwitchesPatch {
                denylist: Some(true),
                access_ttl_secs: Some(HYBRID_TTL_SECS),
                ..AccountSwitchesPatch::default()
            };
            let switched =
                client::put_account_switches(&hybrid, Credential::Bearer(&first.access_token)).await;
            run.step(
                &format!("switch on the hybrid: {HYBRID_TTL_SECS} s tokens and revocation"),
                &switched,
            );
            switched.result.map_err(|err| err.to_string())?;
            let tokens = run.bearer_login("bearer login, hybrid", &account).await?;
            run.saw(format!(
                "The hybrid's access token lives {} s, the refresh token rotates on every use, and                  every request consults the revocation list.",
                tokens.expires_in
            ));
            // Refresh rotation: a copied refresh token gives itself away.
            let stolen = client::jwt_capture_refresh().await;
            run.step("a thief copies the refresh token", &stolen);
            let handle = stolen.result.map_err(|err| err.to_string())?.handle;
            let rotated = client::jwt_refresh().await;
            run.step("the owner refreshes: the refresh token rotates", &rotated);
            let token = rotated.result.map_err(|err| err.to_string())?.access_token;
            let theft = client::replay::<TokenResponse>(&handle).await;
            let theft_status = run.step("the thief presents the copied refresh token", &theft);
            run.saw(format!(
                "Stopped: the copied refresh token answered {theft_status}, and its whole family                  was revoked."
            ));
            // What each request pays, counted from the server's trace of each (the access token
            // the owner's refresh returned is still good: a family's access tokens run out
            // their short life).
            let mut lookups = Vec::new();
            let mut counted = Vec::new();
            for i in 1..=CALLS {
                let me = client::me(Credential::Bearer(&token)).await;
                run.step(&format!("bearer call {i}"), &me);
                lookups.extend(micros_of(&me.call, "denylist"));
                counted.push(lookups_in(&me.call));
            }
            let out = client::jwt_logout(Some(&token)).await;
            run.step("bearer logout", &out);
            let replay = client::me(Credential::Bearer(&token)).await;
            let status = run.step("replay the old token", &replay);
            run.saw(format!(
                "Stopped: after logout the old access token answered {status}{}, at once, not {} s \
                 later.",
                replay.call.refused_at(),
                tokens.expires_in
            ));
            let per_request = counted.iter().copied().max().unwrap_or(0);
            if let (Some(store), Some(lookup)) = (median(store), median(lookups)) {
                run.saw(format!(
                    "The price, from the server's traces: each of the {CALLS} bearer requests made \
                     {per_request} store lookup (the revocation list), median {lookup} µs, next to the \
                     session store lookup's median {store} µs. The hybrid is stateful again, with the \
                     state kept small: only revoked ids, each kept until its token's exp."
                ));
            }
            run.saw(format!(
                "Without the revocation list, a stolen access token would still last at most {} s: \
                 the short lifetime is the fallback, not the defence.",
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
