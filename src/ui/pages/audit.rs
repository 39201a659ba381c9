//! The audit page: your own authentication events (an admin sees everyone's), the history first,
//! then each new one the moment the server records it, pushed over server-sent events. It reads
//! the log with the session cookie, so sign in with a cookie session to watch it; a visitor who
//! is not signed in is told so, and the page makes no request that must fail.
//!
//! Filters (account, mode, outcome, failed check) live in the URL, so a teacher can share a
//! filtered view: `/audit?outcome=denied&check=exp`.

use crate::ui::when::When;
use crate::wire::paths;
use crate::{ui::browser, ui::client, wire::AuditEvent};
use leptos::{prelude::*, task::spawn_local};
use leptos_router::hooks::{use_navigate, use_query_map};

/// The URL's filter parameters, in the order the controls show them.
const FILTERS: [(&str, &str); 4] = [
    ("account", "account"),
    ("mode", "mode"),
    ("outcome", "outcome"),
    ("check", "failed check"),
];

/// The value of `event` that filter `name` compares.
fn field(event: &AuditEvent, name: &str) -> String {
    match name {
        "account" => event.username.clone().unwrap_or_else(|| "(unknown)".into()),
        "mode" => event.mode.as_str().to_string(),
        "outcome" => if event.allowed { "allowed" } else { "denied" }.to_string(),
        "check" => event.failed_check.clone().unwrap_or_default(),
        _ => String::new(),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Reader {
    Checking,
    Anonymous,
    SignedIn,
}

#[component]
pub fn AuditPage() -> impl IntoView {
    let events = RwSignal::new(Vec::<AuditEvent>::new());
    let status = RwSignal::new("loading…".to_string());
    let reader = RwSignal::new(Reader::Checking);
    let feed = StoredValue::new_local(None::<browser::EventFeed>);
    let query = use_query_map();
    let navigate = use_navigate();

    let add = move |event: AuditEvent| {
        events.update(|list| {
            if !list.iter().any(|e| e.id == event.id) {
                list.push(event);
            }
        })
    };
    Effect::new(move |_| {
        spawn_local(async move {
            // Only a signed-in cookie session can read the log here: ask first, so an anonymous
            // visit makes no request that the server must refuse.
            let signed_in = matches!(client::session_current().await.result, Ok(Some(_)));
            if !signed_in {
                reader.set(Reader::Anonymous);
                return;
            }
            reader.set(Reader::SignedIn);
            // Subscribe first, then load the history, so nothing falls between the two.
            let live = browser::subscribe(paths::AUDIT_STREAM, "audit", move |text| {
                if let Ok(event) = serde_json::from_str::<AuditEvent>(&text) {
                    add(event);
                }
            });
            feed.set_value(live);
            match client::audit(0).await.result {
                Ok(history) => {
                    for event in history {
                        add(event);
                    }
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

    let wanted = move |name: &str| query.with(|q| q.get(name)).unwrap_or_default();
    // Newest first; only the rows every chosen filter lets through.
    let shown = move || {
        let mut list: Vec<AuditEvent> = events
            .get()
            .into_iter()
            .filter(|e| {
                FILTERS.iter().all(|(name, _)| {
                    let want = wanted(name);
                    want.is_empty() || field(e, name) == want
                })
            })
            .collect();
        list.sort_by_key(|e| std::cmp::Reverse(e.id));
        list
    };
    // The choices each filter offers: the values present in the loaded log.
    let choices = move |name: &'static str| {
        let mut values: Vec<String> =
            events.with(|list| list.iter().map(|e| field(e, name)).collect());
        if name == "check" {
            values.retain(|v| !v.is_empty());
        }
        values.sort();
        values.dedup();
        values
    };
    let set_filter = move |name: &'static str, value: String| {
        let mut params: Vec<(String, String)> = FILTERS
            .iter()
            .map(|(n, _)| {
                (
                    n.to_string(),
                    if *n == name { value.clone() } else { wanted(n) },
                )
            })
            .filter(|(_, v)| !v.is_empty())
            .collect();
        params.sort();
        let search = params
            .iter()
            .map(|(n, v)| format!("{n}={}", crate::wire::paths::encoded(v)))
            .collect::<Vec<_>>()
            .join("&");
        let url = if search.is_empty() {
            "/audit".to_string()
        } else {
            format!("/audit?{search}")
        };
        navigate(&url, Default::default());
    };

    view! {
        <section class="card" data-testid="audit-page">
            <h1>"Audit log"</h1>
            <p class="muted">
                "Every decision the server made about your credentials, newest first: logins, "
                "refreshes, logouts, each request a cookie or token authenticated, and the ones it "
                "refused, with the check that refused them. Tokens, cookies and passwords are never "
                "recorded. Admins see everyone's events."
            </p>
            {move || match reader.get() {
                Reader::Checking => view! { <p data-testid="audit-status">"checking who you are…"</p> }.into_any(),
                Reader::Anonymous => view! {
                    <p data-testid="audit-status">
                        "Sign in to see the audit log: log in with a cookie session on the "
                        <a href="/">"playground"</a>
                        " (this page reads the log with the session cookie; a bearer-only user reads it "
                        "through " <code>"GET /api/audit"</code> ")."
                    </p>
                }.into_any(),
                Reader::SignedIn => {
                    let set_filter = set_filter.clone();
                    view! {
                        <p data-testid="audit-status">{move || status.get()}</p>
                        <form class="audit-filters" data-testid="audit-filters"
                            on:submit=|ev| ev.prevent_default()>
                            {FILTERS.iter().map(|(name, label)| {
                                let name = *name;
                                let set_filter = set_filter.clone();
                                view! {
                                    <label>
                                        {*label}
                                        <select data-testid=format!("filter-{name}")
                                            on:change=move |ev| set_filter(name, event_target_value(&ev))>
                                            <option value="" selected=move || wanted(name).is_empty()>"all"</option>
                                            {move || {
                                                let mut values = choices(name);
                                                let current = wanted(name);
                                                if !current.is_empty() && !values.contains(&current) {
                                                    values.push(current.clone());
                                                }
                                                values.into_iter().map(|value| {
                                                    let selected = value == current;
                                                    view! { <option value=value.clone() selected=selected>{value.clone()}</option> }
                                                }).collect_view()
                                            }}
                                        </select>
                                    </label>
                                }
                            }).collect_view()}
                        </form>
                        <div class="scroll-x audit-table" tabindex="0" role="region" aria-label="audit events">
                            <table class="audit">
                                <thead>
                                    <tr><th>"time"</th><th>"mode"</th><th>"account"</th><th>"action"</th>
                                        <th>"outcome"</th><th>"failed check"</th><th>"detail"</th></tr>
                                </thead>
                                <tbody>
                                    {move || shown().into_iter().map(|e| {
                                        let outcome = if e.allowed { "allowed" } else { "denied" };
                                        view! {
                                            <tr data-testid="audit-row" data-outcome=outcome data-id=e.id.to_string()
                                                data-failed=e.failed_check.clone().unwrap_or_default()>
                                                <td><When unix=e.at_ms / 1000/></td>
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
                    }.into_any()
                }
            }}
        </section>
    }
    .into_any()
}
