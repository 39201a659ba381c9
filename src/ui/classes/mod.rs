//! One class on the teacher's page: its code and link, the live grid of learners × challenges
//! (each cell the same text the CSV holds, `wire::GridRow::cell_text`), a learner's trail since
//! joining, who is stuck on a challenge, and the teacher's actions (reset, export, close).
//!
//! Live: the page holds one `GET …/grid?wait=<version>` open at a time; the server answers as
//! soon as the grid differs (a solve on any node reaches it through the change feed), and the
//! page asks again. A long poll rather than an event stream, so a teacher signed in with a
//! bearer token (which an `EventSource` cannot send) watches live too.

use crate::{
    ui::{client, identity, when::When},
    wire::{ChallengeId, Grid, Trail, GRID_LEAD_COLUMNS},
};
use leptos::{prelude::*, task::spawn_local};

/// The board of class `id`; `on_change` after an action that changes the class list.
#[component]
pub fn ClassBoard(id: i64, on_change: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let grid = RwSignal::new(None::<Grid>);
    let message = RwSignal::new(None::<String>);
    let trail = RwSignal::new(None::<Trail>);
    let stuck = RwSignal::new(None::<ChallengeId>);
    let csv = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let confirm_all = RwSignal::new(false);
    let stopped = StoredValue::new(false);
    on_cleanup(move || stopped.set_value(true));

    // The live loop: the grid now, then each time it changes.
    spawn_local(async move {
        let mut version: Option<String> = None;
        while !stopped.try_get_value().unwrap_or(true) {
            let who = identity::fresh().await;
            let Some(credential) = who.credential() else {
                crate::ui::browser::sleep_ms(2_000).await;
                continue;
            };
            match client::class_grid(id, version.as_deref(), credential)
                .await
                .result
            {
                Ok(now) => {
                    if stopped.try_get_value().unwrap_or(true) {
                        return;
                    }
                    version = Some(now.version.clone());
                    grid.set(Some(now));
                    message.set(None);
                }
                Err(err) => {
                    message.set(Some(err.to_string()));
                    // Never a tight loop: the server went away, or the sign-in ended.
                    crate::ui::browser::sleep_ms(3_000).await;
                }
            }
        }
    });

    let show_trail = move |username: String| {
        stuck.set(None);
        spawn_local(async move {
            let who = identity::fresh().await;
            let Some(credential) = who.credential() else {
                return;
            };
            match client::class_trail(id, &username, credential).await.result {
                Ok(found) => trail.set(Some(found)),
                Err(err) => message.set(Some(err.to_string())),
            }
        });
    };
    let act = move |what: Action| {
        busy.set(true);
        spawn_local(async move {
            let who = identity::fresh().await;
            if let Some(credential) = who.credential() {
                let done = match &what {
                    Action::Reset(name) => client::reset_class(id, name.as_deref(), credential)
                        .await
                        .result
                        .map(|reset| {
                            format!(
                                "Reset {} learner(s): {} session(s) ended, {} refresh famil(ies) revoked.",
                                reset.learners, reset.sessions_ended, reset.refresh_families_revoked
                            )
                        }),
                    Action::Close => client::close_class(id, credential)
                        .await
                        .result
                        .map(|_| "The class is closed: nobody joins it any more.".to_string()),
                    Action::Csv => client::api_text(&crate::wire::paths::classes::export(id), credential)
                        .await
                        .map(|text| {
                            csv.set(Some(text));
                            "The CSV, as the server exports it, is below.".to_string()
                        }),
                };
                match done {
                    Ok(said) => message.set(Some(said)),
                    Err(err) => message.set(Some(err.to_string())),
                }
                if let Action::Reset(Some(name)) = what {
                    if trail.with_untracked(|t| t.as_ref().is_some_and(|t| t.username == name)) {
                        trail.set(None);
                    }
                }
            }
            confirm_all.set(false);
            busy.set(false);
            on_change();
        });
    };

    view! {
        <section class="card class-board" data-testid="class-board">
            {move || grid.with(|g| g.as_ref().map(|g| {
                let class = &g.class;
                view! {
                    <h2 data-testid="class-name">{class.name.clone()}</h2>
                    <p>
                        "Join code: " <code class="join-code" data-testid="class-code">{class.code.clone()}</code>
                        " · join link: " <code data-testid="class-link">{format!("{}{}", crate::ui::browser::origin(), class.join_path)}</code>
                    </p>
                    <p class="muted">
                        {format!("{} learner(s) · ", g.learners.len())}
                        "ends " <When unix=class.ends_at/>
                        {if class.closed { " · closed" } else { " · open" }}
                        {format!(
                            " · hints {} · worked solutions {} · scale lab {}",
                            on_off(class.switches.hints),
                            on_off(class.switches.solutions),
                            on_off(class.switches.scale_lab)
                        )}
                        {class.switches.access_ttl_secs.map(|s| format!(" · access tokens {s} s"))}
                    </p>
                }
            }))}
            {move || message.get().map(|text| view! { <p class="notice" role="status" data-testid="class-message">{text}</p> })}
            <div class="grid-scroll">
                <table class="class-grid" data-testid="class-grid">
                    {move || grid.with(|g| g.as_ref().map(|g| view! {
                        <thead>
                            <tr>
                                {GRID_LEAD_COLUMNS.iter().map(|c| view! { <th>{*c}</th> }).collect_view()}
                                {g.challenges.iter().map(|&c| view! {
                                    <th>
                                        <button type="button" class="link" title=crate::wire::ChallengeText::of(c).title
                                            data-testid=format!("grid-challenge-{c}")
                                            on:click=move |_| { trail.set(None); stuck.set(Some(c)); }>
                                            {c.as_str()}
                                        </button>
                                    </th>
                                }).collect_view()}
                            </tr>
                        </thead>
                        <tbody>
                            {g.learners.iter().map(|row| {
                                let name = row.username.clone();
                                view! {
                                    <tr data-testid=format!("grid-row-{}", row.username)>
                                        <th>
                                            <button type="button" class="link" data-testid=format!("grid-learner-{}", row.username)
                                                on:click=move |_| show_trail(name.clone())>
                                                {row.username.clone()}
                                            </button>
                                        </th>
                                        <td>{crate::wire::utc_text(row.joined_at_ms / 1000)}</td>
                                        {row.cells.iter().zip(g.challenges.iter()).map(|(cell, c)| view! {
                                            <td class:solved=cell.solved_at_ms.is_some()
                                                data-testid=format!("grid-cell-{}-{c}", row.username)>
                                                {row.cell_text(cell)}
                                            </td>
                                        }).collect_view()}
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    }))}
                </table>
            </div>
            <div class="button-row">
                <a href=crate::wire::paths::classes::export(id) download=format!("authlab-class-{id}.csv")
                    data-testid="class-export-link">"Download the CSV"</a>
                <button type="button" class="secondary" data-testid="class-export" disabled=move || busy.get()
                    on:click=move |_| act(Action::Csv)>"Show the CSV"</button>
                {move || if confirm_all.get() {
                    view! {
                        <button type="button" class="danger" data-testid="class-reset-confirm" disabled=move || busy.get()
                            on:click=move |_| act(Action::Reset(None))>
                            "Really reset every learner (switches, sessions, refresh tokens, progress)"
                        </button>
                    }.into_any()
                } else {
                    view! {
                        <button type="button" class="secondary" data-testid="class-reset" disabled=move || busy.get()
                            on:click=move |_| confirm_all.set(true)>"Reset the whole class…"</button>
                    }.into_any()
                }}
                <button type="button" class="secondary" data-testid="class-close"
                    disabled=move || busy.get() || grid.with(|g| g.as_ref().is_none_or(|g| g.class.closed))
                    on:click=move |_| act(Action::Close)>"Close the class"</button>
            </div>
            {move || csv.get().map(|text| view! { <pre class="csv" data-testid="class-csv">{text}</pre> })}
        </section>
        {move || trail.get().map(|t| {
            let name = t.username.clone();
            view! {
                <section class="card" data-testid="class-trail">
                    <h3>{format!("{}: since joining", t.username)}</h3>
                    <p class="muted">
                        "Joined " <When unix=t.joined_at_ms / 1000/>
                        {format!(" · {} challenge(s) solved. Only what happened after joining is shown.", t.row.solved())}
                    </p>
                    <button type="button" class="secondary" data-testid="class-reset-learner" disabled=move || busy.get()
                        on:click=move |_| act(Action::Reset(Some(name.clone())))>
                        {format!("Reset {} (switches, sessions, refresh tokens, progress)", t.username)}
                    </button>
                    <ol class="trail" data-testid="class-trail-events">
                        {t.events.iter().rev().map(|e| view! {
                            <li class:refused=!e.allowed>
                                <When unix=e.at_ms / 1000/> " · " <strong>{e.action.clone()}</strong>
                                {format!(" ({}) ", if e.allowed { "allowed" } else { "refused" })}
                                <span class="muted">{e.detail.clone()}</span>
                            </li>
                        }).collect_view()}
                    </ol>
                </section>
            }
        })}
        {move || stuck.get().map(|c| grid.with(|g| g.as_ref().map(|g| {
            let mut rows: Vec<_> = g.learners.iter()
                .filter_map(|row| row.cell(&g.challenges, c).map(|cell| (row, cell)))
                .collect();
            // The stuck first: unsolved, most hints first; then the solved, quickest first.
            rows.sort_by_key(|(row, cell)| (cell.solved_at_ms.is_some(), std::cmp::Reverse(cell.hints_used), cell.solved_at_ms.map(|at| at - row.since_ms)));
            view! {
                <section class="card" data-testid="class-stuck">
                    <h3>{format!("{}: who is stuck", crate::wire::ChallengeText::of(c).title)}</h3>
                    <ul>
                        {rows.into_iter().map(|(row, cell)| view! {
                            <li data-testid=format!("stuck-{}", row.username)>
                                <strong>{row.username.clone()}</strong> ": "
                                {if cell.solved_at_ms.is_some() { row.cell_text(cell) } else {
                                    format!("not yet{}", match cell.hints_used { 0 => String::new(), n => format!(", {n} hint(s)") })
                                }}
                            </li>
                        }).collect_view()}
                    </ul>
                </section>
            }
        })))}
    }
}

enum Action {
    /// One learner (`Some`), or the whole class.
    Reset(Option<String>),
    Close,
    Csv,
}

fn on_off(on: bool) -> &'static str {
    if on {
        "on"
    } else {
        "off"
    }
}
