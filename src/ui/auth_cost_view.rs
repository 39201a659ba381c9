//! The measured cost of authentication on the learner's own recent requests, per mode, as the
//! server timed them (`GET /api/auth-cost`): the judge (a session's store lookup; a token's
//! signature check, and its denylist lookup when on) next to everything else the server did.
//! Fetched again whenever `trigger` changes (after each of the page's requests), and only while
//! `signed_in`: asking with a credential that no longer works would itself be a refused request,
//! on the audit log, every time.

use crate::{
    ui::client::{self, Credential},
    ui::figures::micros,
    wire::{AuthCost, AuthMode},
};
use leptos::either::Either;
use leptos::{prelude::*, task::spawn_local};

#[component]
pub fn AuthCostView(
    /// The bearer token to ask with; `None`: the session cookie.
    #[prop(into)]
    bearer: Signal<Option<String>>,
    /// Anything that changes after a request the page made.
    #[prop(into)]
    trigger: Signal<usize>,
    /// Whether the page holds a working credential now (signed in, last request accepted).
    #[prop(into)]
    signed_in: Signal<bool>,
) -> impl IntoView {
    let cost: RwSignal<Option<AuthCost>> = RwSignal::new(None);
    Effect::new(move |_| {
        trigger.track();
        if !signed_in.get() {
            return;
        }
        let token = bearer.get();
        spawn_local(async move {
            let credential = match token.as_deref() {
                Some(token) => Credential::Bearer(token),
                None => Credential::Cookies,
            };
            // Signed out (or the credential no longer works): keep the last figures shown.
            if let Ok(answer) = client::auth_cost(credential).await.result {
                if answer.signed_in {
                    cost.set(Some(answer));
                }
            }
        });
    });

    view! {
        <div class="auth-cost" data-testid="auth-cost">
            <h3>"What authentication cost, measured"</h3>
            {move || match cost.get() {
                Some(cost) if !cost.modes.is_empty() => Either::Left(view! {
                    <table class="record">
                        <thead><tr><th>"mode"</th><th>"the check"</th><th>"everything else"</th><th>"requests"</th></tr></thead>
                        <tbody>
                            {cost.modes.iter().map(|m| view! {
                                <tr data-testid=format!("auth-cost-{}", m.mode.as_str())>
                                    <th>{match m.mode { AuthMode::Session => "session: store lookup", AuthMode::Jwt => "JWT: signature check" }}</th>
                                    <td data-testid="auth-cost-check">{micros(m.check_median_ns)}</td>
                                    <td>{micros(m.rest_median_ns)}</td>
                                    <td>{m.samples}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    <p class="muted">{format!(
                        "Medians of your last {} accepted requests per mode, timed by the server as it answered them. \
                         \"The check\" is every check in the trace: for a session the store lookup, for a token the \
                         signature check (plus the denylist lookup when revocation is on).",
                        cost.window
                    )}</p>
                }),
                _ => Either::Right(no_cost()),
            }}
        </div>
    }
}

/// The panel before anything was measured, as the server renders it (`AuthCostView` with no
/// figures yet), for an inspector whose live part has not loaded.
pub fn auth_cost_blank() -> impl IntoView {
    view! {
        <div class="auth-cost" data-testid="auth-cost">
            <h3>"What authentication cost, measured"</h3>
            {no_cost()}
        </div>
    }
}

fn no_cost() -> impl IntoView {
    view! { <p class="muted">"Make a request while signed in: its cost shows here."</p> }
}

/// A trigger that fires after every call recorded in `last` (a derived signal is not memoized, so
/// each new call re-runs whatever reads it, even with the same value).
pub fn after_each_call(last: RwSignal<Option<crate::ui::client::Call>>) -> Signal<usize> {
    Signal::derive(move || last.with(|call| call.as_ref().map_or(0, |c| c.status as usize)))
}

/// Whether the last call recorded in `last` was accepted (a 2xx answer).
pub fn last_call_accepted(last: RwSignal<Option<crate::ui::client::Call>>) -> bool {
    last.with(|call| {
        call.as_ref()
            .is_some_and(|c| (200..300).contains(&c.status))
    })
}
