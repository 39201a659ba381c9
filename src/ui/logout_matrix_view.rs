//! The logout matrix on screen: each event that ought to end access, and what each model did about
//! it, as the server answered a moment ago (`POST /api/lab/logout-matrix` runs it; nothing here is
//! static text). Each cell lists the requests behind it.

use crate::{
    ui::client,
    wire::{AccessEvent, LogoutMatrix, MatrixCell, MatrixModel},
};
use leptos::{prelude::*, task::spawn_local};

#[component]
pub fn LogoutMatrixView(
    /// The page's live access token: only a signed-in user may start a run.
    token: RwSignal<Option<String>>,
) -> impl IntoView {
    let matrix: RwSignal<Option<LogoutMatrix>> = RwSignal::new(None);
    let running = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let run = move |_| {
        if running.get_untracked() {
            return;
        }
        let Some(token) = token.get_untracked() else {
            return;
        };
        running.set(true);
        spawn_local(async move {
            let answer = client::logout_matrix(&token).await;
            match answer.result {
                Ok(result) => {
                    error.set(None);
                    matrix.set(Some(result));
                }
                Err(err) => error.set(Some(err.to_string())),
            }
            running.set(false);
        });
    };

    view! {
        <section class="card" data-testid="logout-matrix">
            <h2>"The logout matrix"</h2>
            <p>
                "For each way access should end, the server signs scratch accounts in (a session, a "
                "stateless JWT, and a JWT on an account with server-side revocation on), calls the API, "
                "causes the event through the public API, and calls again. The role change row asks what "
                "the credential says about its role ("<code>"GET /api/lab/role-claim"</code>", which "
                "changes nothing): the server's own administration reads the accounts table, so a stale "
                "claim can only be shown, never used. Each run makes its own scratch accounts and deletes "
                "them afterwards."
            </p>
            <button type="button" data-testid="run-matrix"
                disabled=move || running.get() || token.with(Option::is_none) on:click=run>
                {move || if running.get() { "Running against the server…" } else { "Run the matrix" }}
            </button>
            <Show when=move || token.with(Option::is_none)>
                <p class="muted" data-testid="matrix-needs-login">"Sign in above to run it (runs are limited per account)."</p>
            </Show>
            {move || error.get().map(|e| view! { <p class="error">{e}</p> })}
            {move || matrix.get().map(|m| view! { <MatrixTable matrix=m/> })}
        </section>
    }
    .into_any()
}

#[component]
fn MatrixTable(matrix: LogoutMatrix) -> impl IntoView {
    view! {
        <div class="table-scroll" tabindex="0" role="region" aria-label="the logout matrix">
        <table class="matrix" data-testid="matrix-table">
            <thead>
                <tr>
                    <th>"event"</th>
                    {MatrixModel::ALL.map(|m| view! { <th>{m.label()}</th> }).collect_view()}
                </tr>
            </thead>
            <tbody>
                {matrix.rows.into_iter().map(|row| view! {
                    <tr data-testid=format!("matrix-row-{}", row.event.as_str())>
                        <th scope="row">{row.event.label()}</th>
                        {row.cells.into_iter().map(|cell| view! { <Cell event=row.event cell=cell/> }).collect_view()}
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        </div>
    }
    .into_any()
}

#[component]
fn Cell(event: AccessEvent, cell: MatrixCell) -> impl IntoView {
    let ended = cell.after != 200;
    let verdict = if ended { "access ended" } else { "still works" };
    let refused_by = cell.refused_by.clone().unwrap_or_default();
    let refresh = cell.refresh_after.map(|status| {
        let says = if status == 200 {
            "refresh still issues new tokens"
        } else {
            "refresh refused"
        };
        view! { <p class="muted" data-testid="cell-refresh" data-status=status.to_string()>{format!("{says} ({status})")}</p> }
    });
    view! {
        <td class=if ended { "cell ended" } else { "cell granted" }
            data-testid=format!("cell-{}-{}", event.as_str(), cell.model.as_str())
            data-before=cell.before.to_string() data-after=cell.after.to_string()
            data-refused-by=refused_by>
            <strong>{verdict}</strong>
            <p>{format!("{}: {} before, {} after", cell.probe, cell.before, cell.after)}</p>
            {cell.refused_by.map(|check| view! { <p>"refused at " <code>{check}</code></p> })}
            <p class="muted">{cell.detail}</p>
            {refresh}
            <details>
                <summary>"requests"</summary>
                <ol class="steps">
                    {cell.steps.into_iter().map(|s| view! { <li><code>{s.request}</code>" → "{s.status}</li> }).collect_view()}
                </ol>
            </details>
        </td>
    }
    .into_any()
}
