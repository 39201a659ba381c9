//! `/teach`: a teacher's classes. Open one (name, end, switches), hand out its code or link,
//! then watch its grid live. An islands page: the server renders the text, only the classes
//! panel hydrates.

use crate::{
    ui::{classes::ClassBoard, client, identity},
    wire::{ClassSwitches, ClassView, NewClass, ACCESS_TTL_RANGE, CLASS_NAME_MAX_CHARS},
};
use leptos::{ev::SubmitEvent, prelude::*, task::spawn_local};

#[component]
pub fn TeachPage() -> impl IntoView {
    view! {
        <section class="card intro">
            <h1>"Teach a class"</h1>
            <p>
                "Open a class, give your learners its code (or its link), and watch who solves "
                "which challenge, with the hints they used and how long it took, live. Click a "
                "learner for their trail since they joined; click a challenge to see who is stuck. "
                "Reset one learner or the whole class between groups, export the grid as CSV, "
                "close the class when it ends."
            </p>
            <p class="muted">
                "Teachers only: the administrator makes an account a teacher on "
                <a href="/admin">"/admin"</a> ", or a hosted lab names its teachers in its settings. "
                "You see only the classes you opened, and each learner only from the moment they "
                "joined."
            </p>
        </section>
        <TeachIsland/>
    }
}

/// The island: the teacher's classes, the form to open one, and the chosen class's board.
#[island]
fn TeachIsland() -> impl IntoView {
    let classes = RwSignal::new(None::<Vec<ClassView>>);
    let chosen = RwSignal::new(None::<i64>);
    let message = RwSignal::new(None::<String>);
    let load = move || {
        spawn_local(async move {
            let who = identity::fresh().await;
            let Some(credential) = who.credential() else {
                return;
            };
            match client::classes(credential).await.result {
                Ok(list) => {
                    if chosen.get_untracked().is_none() {
                        chosen.set(list.first().map(|c| c.id));
                    }
                    classes.set(Some(list));
                    message.set(None);
                }
                Err(err) => message.set(Some(err.to_string())),
            }
        });
    };
    let who = identity::for_island(load);
    view! {
        {move || (matches!(who.get(), identity::Who::SignedOut)).then(|| view! {
            <section class="card"><p data-testid="teach-signed-out">"Sign in (at the top of the page) as a teacher."</p></section>
        })}
        {move || message.get().map(|text| view! {
            <section class="card"><p class="notice error" role="alert" data-testid="teach-message">{text}</p></section>
        })}
        {move || classes.get().map(|list| view! {
            <OpenClass on_open=move |id| { chosen.set(Some(id)); load(); }/>
            <section class="card" data-testid="teach-classes">
                <h2>"Your classes"</h2>
                {list.is_empty().then(|| view! { <p class="muted">"None yet: open one above."</p> })}
                <ul class="class-list">
                    {list.into_iter().map(|class| {
                        let id = class.id;
                        view! {
                            <li>
                                <button type="button" class="link" data-testid=format!("teach-class-{id}")
                                    on:click=move |_| chosen.set(Some(id))>
                                    {class.name.clone()}
                                </button>
                                <span class="muted">
                                    {format!(" · {} learner(s) · code {}", class.members, class.code)}
                                    {class.closed.then_some(" · closed")}
                                </span>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </section>
        })}
        {move || chosen.get().map(|id| view! { <ClassBoard id=id on_change=load/> })}
    }
}

/// The form that opens a class.
#[component]
fn OpenClass(on_open: impl Fn(i64) + Copy + 'static) -> impl IntoView {
    let name = RwSignal::new(String::new());
    // A week from now, in the browser's own time zone, to the minute (the input's step: a
    // value with seconds would not pass the browser's own check of the form).
    let ends = RwSignal::new(crate::ui::browser::local_input(
        (crate::ui::browser::now_secs() + 7 * 86_400) / 60 * 60,
    ));
    let hints = RwSignal::new(true);
    let solutions = RwSignal::new(true);
    let scale_lab = RwSignal::new(true);
    let expire = RwSignal::new(false);
    let ttl = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let Some(ends_at) = crate::ui::browser::unix_of_local(&ends.get_untracked()) else {
            error.set(Some("Choose when the class ends.".into()));
            return;
        };
        let ttl_text = ttl.get_untracked();
        let access_ttl_secs = match ttl_text.trim() {
            "" => None,
            text => match text.parse::<u64>() {
                Ok(secs) => Some(secs),
                Err(_) => {
                    error.set(Some("The token lifetime is a number of seconds.".into()));
                    return;
                }
            },
        };
        let new = NewClass {
            name: name.get_untracked(),
            ends_at,
            switches: ClassSwitches {
                hints: hints.get_untracked(),
                solutions: solutions.get_untracked(),
                scale_lab: scale_lab.get_untracked(),
                access_ttl_secs,
                expire_accounts: expire.get_untracked(),
            },
        };
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let who = identity::fresh().await;
            if let Some(credential) = who.credential() {
                match client::open_class(&new, credential).await.result {
                    Ok(class) => {
                        name.set(String::new());
                        on_open(class.id);
                    }
                    Err(err) => error.set(Some(err.to_string())),
                }
            }
            busy.set(false);
        });
    };
    view! {
        <form class="card form" on:submit=submit data-testid="teach-open">
            <h2>"Open a class"</h2>
            <label>
                "Name"
                <input type="text" required maxlength=CLASS_NAME_MAX_CHARS.to_string()
                    data-testid="teach-open-name" bind:value=name/>
            </label>
            <label>
                "Ends (joining stops then)"
                <input type="datetime-local" step="60" required data-testid="teach-open-ends" bind:value=ends/>
            </label>
            <label class="check"><input type="checkbox" data-testid="teach-open-hints" bind:checked=hints/>" Hints"</label>
            <label class="check"><input type="checkbox" data-testid="teach-open-solutions" bind:checked=solutions/>" Worked solutions (after the last hint)"</label>
            <label class="check"><input type="checkbox" data-testid="teach-open-scale" bind:checked=scale_lab/>" Scale lab (three server processes a run)"</label>
            <label class="check"><input type="checkbox" data-testid="teach-open-expire" bind:checked=expire/>" Learners' accounts expire when the class closes"</label>
            <label>
                {format!(
                    "Access-token lifetime for class demos ({} to {} s; empty: the server's default)",
                    ACCESS_TTL_RANGE.start(),
                    ACCESS_TTL_RANGE.end()
                )}
                <input type="number" min=ACCESS_TTL_RANGE.start().to_string()
                    max=ACCESS_TTL_RANGE.end().to_string() data-testid="teach-open-ttl" bind:value=ttl/>
            </label>
            <button type="submit" disabled=move || busy.get()>"Open the class"</button>
            {move || error.get().map(|text| view! { <p class="notice error" role="alert">{text}</p> })}
        </form>
    }
}
