//! The audit page: your own authentication events (an admin sees everyone's), the history first,
//! then each new one the moment the server records it, pushed over server-sent events. It reads
//! the log with the session cookie, so sign in with a cookie session to watch it.

use super::session_panel::clock_time;
use crate::{browser, client, wire::AuditEvent};
use leptos::{prelude::*, task::spawn_local};

#[component]
pub fn AuditPage() -> impl IntoView {
    let events = RwSignal::new(Vec::<AuditEvent>::new());
    let status = RwSignal::new("loading…".to_string());
    let feed = StoredValue::new_local(None::<browser::EventFeed>);

    let add = move |event: AuditEvent| {
        events.update(|list| {
            if !list.iter().any(|e| e.id == event.id) {
                list.push(event);
            }
        })
    };
    Effect::new(move |_| {
        // Subscribe first, then load the history, so nothing falls between the two.
        let live = browser::subscribe("/api/audit/stream", "audit", move |text| {
            if let Ok(event) = serde_json::from_str::<AuditEvent>(&text) {
                add(event);
            }
        });
        feed.set_value(live);
        spawn_local(async move {
            match client::audit(0).await.result {
                Ok(history) => {
                    for event in history {
                        add(event);
                    }
                    events.update(|list| list.sort_by_key(|e| e.id));
                    status.set("live".into());
                }
                Err(err) => status.set(format!("cannot read the log: {err}")),
            }
        });
    });
    on_cleanup(move || {
        feed.with_value(|live| {
            if let Some(live) = live {
                live.close()
            }
        })
    });

    view! {
        <section class="card" data-testid="audit-page">
            <h1>"Audit log"</h1>
            <p class="muted">
                "Every decision the server made about your credentials, newest last: logins, "
                "refreshes, logouts, each request a cookie or token authenticated, and the ones it "
                "refused, with the check that refused them. Tokens, cookies and passwords are never "
                "recorded. Admins see everyone's events."
            </p>
            <p data-testid="audit-status">{move || status.get()}</p>
            <div class="scroll-x">
                <table class="audit">
                    <thead>
                        <tr><th>"time"</th><th>"mode"</th><th>"account"</th><th>"action"</th>
                            <th>"outcome"</th><th>"failed check"</th><th>"detail"</th></tr>
                    </thead>
                    <tbody>
                        {move || events.get().into_iter().rev().map(|e| {
                            let outcome = if e.allowed { "allowed" } else { "denied" };
                            view! {
                                <tr data-testid="audit-row" data-outcome=outcome
                                    data-failed=e.failed_check.clone().unwrap_or_default()>
                                    <td>{clock_time(e.at_ms / 1000)}</td>
                                    <td>{e.mode.as_str()}</td>
                                    <td>{e.username.clone().unwrap_or_else(|| "(unknown)".into())}</td>
                                    <td><code>{e.action.clone()}</code></td>
                                    <td><span class=format!("badge {outcome}")>{outcome}</span></td>
                                    <td>{e.failed_check.clone().unwrap_or_default()}</td>
                                    <td class="why">{e.detail.clone()}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
    .into_any()
}
