//! The scale lab page (`/scale`): the learner picks a store, sticky sessions and a mode, and the
//! server queues the run (`POST /api/lab/scale`: one run at a time per server, the others wait
//! their turn), then starts three real nodes behind a balancer, runs the scenario, and stops them.
//! The page shows the run's place in the queue, then its steps as they happen. Every cell below
//! is a request one of those processes answered; the sentences under it are counted from the
//! same answers.

use crate::ui::login_form::LoginForm;
use crate::wire::paths;
use crate::{
    ui::browser,
    ui::client::{self, Answer, Credential},
    wire::{
        AuthMode, Credentials, ScaleHit, ScaleRequest, ScaleRun, ScaleStep, ScaleStore,
        ScaleTicket, ScaleTicketState,
    },
};
use leptos::{prelude::*, task::spawn_local};

/// How often a waiting page asks where its run is, and for how many looks at most (a full queue
/// of two-minute runs stays within it).
const LOOK_EVERY_MS: u32 = 1_000;
const MOST_LOOKS: u32 = 900;

/// Queue `request`, then follow its ticket until the run is done or failed, showing each look to
/// `watch`. The answer is the last look (its call is the one the lesson lists).
pub async fn run_queued(
    request: &ScaleRequest,
    credential: Credential<'_>,
    watch: impl Fn(&ScaleTicket),
) -> Answer<ScaleTicket> {
    let mut answer = client::scale_start(request, credential).await;
    for _ in 0..MOST_LOOKS {
        let ticket = match &answer.result {
            Ok(ticket) => ticket.clone(),
            Err(_) => return answer,
        };
        watch(&ticket);
        if matches!(
            ticket.state,
            ScaleTicketState::Done | ScaleTicketState::Failed
        ) {
            return answer;
        }
        browser::sleep_ms(LOOK_EVERY_MS).await;
        answer = client::scale_ticket(&ticket.ticket, credential).await;
    }
    answer
}

/// The run a finished ticket holds, or why there is none.
pub fn finished_run(answer: &Answer<ScaleTicket>) -> Result<ScaleRun, String> {
    let ticket = answer.result.as_ref().map_err(|err| err.to_string())?;
    match (&ticket.run, &ticket.error) {
        (Some(run), _) => Ok(run.clone()),
        (None, Some(why)) => Err(why.clone()),
        (None, None) => Err("the run did not finish while the page waited".into()),
    }
}

/// One line on where a queued run is.
fn where_it_is(ticket: &ScaleTicket) -> String {
    match (ticket.state, ticket.place) {
        (ScaleTicketState::Waiting, Some(1)) => {
            "Queued: yours is next, after the run under way.".into()
        }
        (ScaleTicketState::Waiting, Some(place)) => {
            format!("Queued: {} runs go before yours.", place)
        }
        (ScaleTicketState::Waiting, None) => "Queued.".into(),
        (ScaleTicketState::Running, _) => format!(
            "Running: {} step{} done so far.",
            ticket.steps.len(),
            if ticket.steps.len() == 1 { "" } else { "s" }
        ),
        (ScaleTicketState::Done, _) => "Done.".into(),
        (ScaleTicketState::Failed, _) => "It could not run.".into(),
    }
}

#[component]
pub fn ScalePage() -> impl IntoView {
    let token = RwSignal::new(None::<String>);
    let signed_in_as = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let store = RwSignal::new(ScaleStore::PerNode);
    let sticky = RwSignal::new(false);
    let mode = RwSignal::new(AuthMode::Session);
    let kill_holder = RwSignal::new(false);
    let denylist = RwSignal::new(false);
    let fail_open = RwSignal::new(false);
    let outage = RwSignal::new(false);
    let result = RwSignal::new(None::<ScaleRun>);
    let error = RwSignal::new(None::<String>);
    let queued = RwSignal::new(None::<ScaleTicket>);

    let login = move |credentials: Credentials| {
        busy.set(true);
        spawn_local(async move {
            let answer = client::jwt_login(&credentials).await;
            match answer.result {
                Ok(tokens) => {
                    token.set(Some(tokens.access_token));
                    signed_in_as.set(Some(credentials.username));
                    error.set(None);
                }
                Err(err) => error.set(Some(err.to_string())),
            }
            busy.set(false);
        });
    };
    let run = move |_| {
        let Some(bearer) = token.get_untracked() else {
            return;
        };
        let request = ScaleRequest {
            store: store.get_untracked(),
            sticky: sticky.get_untracked(),
            mode: mode.get_untracked(),
            kill_holder: kill_holder.get_untracked(),
            denylist: denylist.get_untracked() && mode.get_untracked() == AuthMode::Jwt,
            outage: outage.get_untracked() && store.get_untracked() == ScaleStore::SharedRedis,
            fail_open: fail_open.get_untracked(),
        };
        busy.set(true);
        result.set(None);
        error.set(None);
        queued.set(None);
        spawn_local(async move {
            let answer = run_queued(&request, Credential::Bearer(&bearer), |ticket| {
                queued.set(Some(ticket.clone()))
            })
            .await;
            match finished_run(&answer) {
                Ok(run) => result.set(Some(run)),
                Err(err) => error.set(Some(err)),
            }
            busy.set(false);
        });
    };

    view! {
        <h1>"Scaling out: three nodes, one balancer"</h1>
        <section class="card prose">
            <p>
                "Each run starts three real authlab processes (nodes) on this machine, each with its "
                "own memory and its name on every answer, and a load balancer in front of them. It "
                "signs a fresh account in through the balancer, sends requests, logs out, and replays "
                "the old credential on every node directly. Then it stops them all. The store the "
                "nodes use is the run's own: taking it down touches no one else."
            </p>
        </section>
        <section class="card">
            {move || match signed_in_as.get() {
                Some(name) => view! {
                    <p data-testid="scale-signed-in">"Runs are started as "<strong>{name}</strong>"."</p>
                }.into_any(),
                None => view! {
                    <p>"Sign in to start runs (they are limited per account):"</p>
                    <LoginForm test_id="scale-login" endpoint={paths::jwt::LOGIN} busy=busy on_login=login/>
                }.into_any(),
            }}
            <fieldset class="choices" data-testid="scale-choices">
                <legend>"The run"</legend>
                <label>"Where the nodes keep sessions, refresh tokens and the denylist "
                    <select data-testid="scale-store" on:change=move |ev| {
                        store.set(match event_target_value(&ev).as_str() {
                            "shared_sqlite" => ScaleStore::SharedSqlite,
                            "shared_redis" => ScaleStore::SharedRedis,
                            _ => ScaleStore::PerNode,
                        })
                    }>
                        <option value="per_node" selected=move || store.get() == ScaleStore::PerNode>"each node its own memory"</option>
                        <option value="shared_sqlite" selected=move || store.get() == ScaleStore::SharedSqlite>"one shared SQLite file"</option>
                        <option value="shared_redis" selected=move || store.get() == ScaleStore::SharedRedis>"one shared Redis"</option>
                    </select>
                </label>
                <label>"Mode "
                    <select data-testid="scale-mode" on:change=move |ev| {
                        mode.set(if event_target_value(&ev) == "jwt" { AuthMode::Jwt } else { AuthMode::Session })
                    }>
                        <option value="session" selected=move || mode.get() == AuthMode::Session>"cookie session"</option>
                        <option value="jwt" selected=move || mode.get() == AuthMode::Jwt>"bearer JWT"</option>
                    </select>
                </label>
                <label><input type="checkbox" data-testid="scale-sticky" bind:checked=sticky/>
                    " sticky sessions (the balancer sends a client back to the node that answered it first)"</label>
                <label><input type="checkbox" data-testid="scale-kill" bind:checked=kill_holder/>
                    " after the first requests, stop the node that answered the login"</label>
                <label><input type="checkbox" data-testid="scale-denylist" bind:checked=denylist
                    disabled=move || mode.get() != AuthMode::Jwt/>
                    " JWT: switch the denylist on before logging out"</label>
                <label><input type="checkbox" data-testid="scale-outage" bind:checked=outage
                    disabled=move || store.get() != ScaleStore::SharedRedis/>
                    " shared Redis: freeze the store in the middle of the run, then bring it back"</label>
                <label><input type="checkbox" data-testid="scale-fail-open" bind:checked=fail_open
                    disabled=move || !(denylist.get() && mode.get() == AuthMode::Jwt)/>
                    " with the denylist on: when the store does not answer, let tokens through (fail open)"</label>
            </fieldset>
            <button type="button" data-testid="scale-run" on:click=run
                disabled=move || busy.get() || token.with(Option::is_none)>
                {move || if busy.get() { "Queued or running…" } else { "Run it" }}
            </button>
            {move || queued.get().filter(|_| busy.get()).map(|ticket| view! {
                <p data-testid="scale-queue" data-state=format!("{:?}", ticket.state).to_lowercase()
                    aria-live="polite">{where_it_is(&ticket)}</p>
                <ol class="scale-progress" data-testid="scale-progress">
                    {ticket.steps.into_iter().map(|step| view! {
                        <li data-testid="scale-progress-step">{step.label}</li>
                    }).collect_view()}
                </ol>
            })}
            <Show when=move || token.with(Option::is_none)>
                <p class="muted">"Sign in above first."</p>
            </Show>
            {move || error.get().map(|e| view! { <p class="error" role="alert" data-testid="scale-error">{e}</p> })}
        </section>
        {move || result.get().map(|run| view! { <ScaleResult run=run/> })}
    }
}

#[component]
fn ScaleResult(run: ScaleRun) -> impl IntoView {
    view! {
        <section class="card" data-testid="scale-result">
            <h2>"What the nodes answered"</h2>
            <p class="muted">{format!("Nodes: {}.", run.nodes.join(", "))}</p>
            {run.steps.into_iter().map(|step| view! { <ScaleStepView step=step/> }).collect_view()}
            <aside class="saw" data-testid="scale-saw">
                <h3>"What you just saw"</h3>
                <ul>{run.saw.into_iter().map(|s| view! { <li>{s}</li> }).collect_view()}</ul>
            </aside>
        </section>
    }
}

#[component]
fn ScaleStepView(step: ScaleStep) -> impl IntoView {
    view! {
        <div class="scale-step" data-testid="scale-step">
            <h3 data-testid="scale-step-label">{step.label}</h3>
            <ol class="hits">
                {step.hits.into_iter().map(|hit| view! { <HitView hit=hit/> }).collect_view()}
            </ol>
        </div>
    }
}

#[component]
fn HitView(hit: ScaleHit) -> impl IntoView {
    let node = hit.node.clone().unwrap_or_else(|| "none".into());
    let refused = hit.refused_by.clone().unwrap_or_default();
    let class = if (200..300).contains(&hit.status) {
        "hit ok"
    } else {
        "hit refused"
    };
    let (via_attr, node_attr, refused_attr) = (hit.via.clone(), node.clone(), refused.clone());
    let refused_text = (!refused.is_empty()).then(|| format!(" (refused at {refused})"));
    view! {
        <li class=class data-testid="scale-hit" data-via=via_attr data-node=node_attr
            data-status=hit.status.to_string() data-refused=refused_attr>
            <code>{hit.via}</code>" → "<strong>{node}</strong>": "{hit.status.to_string()}
            {refused_text}
            <span class="muted">{format!(" — {}", hit.detail)}</span>
        </li>
    }
}
