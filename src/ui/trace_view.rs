//! Renders a decision trace: the ordered checks, each passed, failed, skipped or switched off by
//! the account (a deliberately weakened one), with its reason
//! and, where a store was touched, its measured cost.

use crate::wire::{AuthTrace, CheckStatus};
use leptos::prelude::*;

#[component]
pub fn TraceView(trace: AuthTrace) -> impl IntoView {
    let verdict = if trace.allowed { "allowed" } else { "denied" };
    view! {
        <div class="trace" data-testid="trace" data-allowed=trace.allowed.to_string()>
            <p class="trace-verdict">
                <span class=format!("badge {verdict}")>{verdict}</span>
                " judged in " <strong>{trace.mode.as_str()}</strong> " mode"
            </p>
            <ol class="checks">
                {trace
                    .checks
                    .into_iter()
                    .map(|check| {
                        let status = match check.status {
                            CheckStatus::Pass => "pass",
                            CheckStatus::Fail => "fail",
                            CheckStatus::Skip => "skip",
                            CheckStatus::Off => "off",
                        };
                        view! {
                            <li class=format!("check {status}") data-testid=format!("check-{}", check.name)
                                data-status=status>
                                <span class="check-mark">{status}</span>
                                <strong>{check.name.as_str()}</strong>
                                <span class="check-detail">{check.detail}</span>
                                {check.micros.map(|us| view! { <span class="micros">{format!("{us} µs")}</span> })}
                            </li>
                        }
                    })
                    .collect_view()}
            </ol>
        </div>
    }
}
