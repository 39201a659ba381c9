//! `/account`: the signed-in account and its class. A learner joins a class here with the code
//! their teacher gave (a join link, `/account?join=CODE`, fills the code in and still asks first:
//! joining is a POST the learner makes after reading what it shares), sees their class and can
//! leave it. An islands page: the server renders the text, only the class panel hydrates.

use crate::{
    ui::{
        client,
        identity::{self, Who},
        when::When,
    },
    wire::{MyClass, JOINING_SHARES},
};
use leptos::{ev::SubmitEvent, prelude::*, task::spawn_local};

#[component]
pub fn AccountPage() -> impl IntoView {
    view! {
        <section class="card intro">
            <h1>"Your account and your class"</h1>
            <p>
                "If a teacher runs this lab for a class, they give you a join code (eight letters "
                "and digits) or a link. Joining is something you do here, after reading what it "
                "shares; a link alone never joins you."
            </p>
            <p class="muted" data-testid="account-shares">{JOINING_SHARES}</p>
            <p class="muted">
                "Your progress is on " <a href="/progress">"/progress"</a> " (export it there). "
                "Teachers run their classes on " <a href="/teach">"/teach"</a> "; the administrator "
                "makes accounts teachers on " <a href="/admin">"/admin"</a> "."
            </p>
        </section>
        <ClassPanel/>
    }
}

/// The island: the learner's class, and joining or leaving one.
#[island]
fn ClassPanel() -> impl IntoView {
    let mine = RwSignal::new(None::<Option<MyClass>>);
    let code = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let message = RwSignal::new(None::<String>);
    // A join link's code, filled in (never sent by itself).
    Effect::new(move |_| {
        if let Some(from_link) = crate::ui::browser::query_value("join") {
            code.set(from_link);
        }
    });
    let load = move || {
        spawn_local(async move {
            let who = identity::fresh().await;
            let Some(credential) = who.credential() else {
                return;
            };
            match client::my_class(credential).await.result {
                Ok(class) => mine.set(Some(class)),
                Err(err) => message.set(Some(err.to_string())),
            }
        });
    };
    let who = identity::for_island(load);
    let act = move |joining: bool| {
        busy.set(true);
        message.set(None);
        let typed = code.get_untracked();
        spawn_local(async move {
            let who = identity::fresh().await;
            let Some(credential) = who.credential() else {
                busy.set(false);
                return;
            };
            let done = if joining {
                client::join_class(&typed, credential)
                    .await
                    .result
                    .map(|class| format!("You joined {}.", class.name))
            } else {
                client::leave_class(credential)
                    .await
                    .result
                    .map(|()| "You left the class.".to_string())
            };
            match done {
                Ok(said) => message.set(Some(said)),
                Err(err) => message.set(Some(err.to_string())),
            }
            busy.set(false);
            load();
        });
    };
    let join = move |ev: SubmitEvent| {
        ev.prevent_default();
        act(true);
    };
    view! {
        <section class="card" data-testid="account-class">
            <h2>"Your class"</h2>
            {move || match who.get() {
                Who::Asking => view! { <p class="muted">"…"</p> }.into_any(),
                Who::SignedOut => view! {
                    <p data-testid="account-signed-out">
                        "Sign in (at the top of the page) to join a class, or "
                        <a href="/register">"register"</a> " with your class code."
                    </p>
                }.into_any(),
                signed_in => view! {
                    <p class="muted">"Signed in as " <strong>{signed_in.username().map(str::to_string)}</strong> "."</p>
                    {move || match mine.get() {
                        None => view! { <p class="muted">"Reading your class…"</p> }.into_any(),
                        Some(Some(class)) => view! {
                            <p data-testid="account-class-name">
                                "You are in " <strong>{class.name.clone()}</strong> ", taught by "
                                <strong>{class.teacher.clone()}</strong> ", since "
                                <When unix=class.joined_at_ms / 1000/> "."
                                {class.closed.then_some(" The class has closed.")}
                            </p>
                            <ul class="muted">
                                <li>{if class.switches.hints { "Hints: on" } else { "Hints: off" }}</li>
                                <li>{if class.switches.solutions { "Worked solutions: on" } else { "Worked solutions: off" }}</li>
                                <li>{if class.switches.scale_lab { "Scale lab: open" } else { "Scale lab: closed" }}</li>
                                {class.switches.access_ttl_secs.map(|secs| view! {
                                    <li>{format!("Access tokens live {secs} s in this class (unless you chose shorter)")}</li>
                                })}
                            </ul>
                            <button type="button" class="secondary" data-testid="account-leave"
                                disabled=move || busy.get() on:click=move |_| act(false)>
                                "Leave the class"
                            </button>
                        }.into_any(),
                        Some(None) => view! {
                            <form class="form" on:submit=join data-testid="account-join">
                                <label>
                                    "Class code"
                                    <input type="text" name="code" autocomplete="off" maxlength="32"
                                        required data-testid="account-join-code" bind:value=code/>
                                </label>
                                <small class="hint">{JOINING_SHARES}</small>
                                <button type="submit" disabled=move || busy.get()>"Join the class"</button>
                            </form>
                        }.into_any(),
                    }}
                }.into_any(),
            }}
            {move || message.get().map(|text| view! {
                <p class="notice" role="status" data-testid="account-message">{text}</p>
            })}
        </section>
    }
}
