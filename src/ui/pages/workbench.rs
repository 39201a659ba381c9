//! `/workbench`: the token workbench on a page of its own. The server renders the text; only the
//! workbench hydrates, an island (`app::islands_page`) whose controls are a WASM file of their
//! own (`#[lazy]`), fetched once the island starts. It signs in by itself, or takes a pasted
//! token, or the full token an attack card hands over in the address's fragment
//! (`/workbench#token=…`: a fragment never reaches the server), which it drops from the address
//! once read.

use crate::{
    ui::{client, login_form::LoginForm, workbench::model::WorkbenchModel, workbench::Workbench},
    wire::paths,
};
use leptos::prelude::*;

#[component]
pub fn WorkbenchPage() -> impl IntoView {
    view! {
        <section class="card">
            <h1>"Token workbench"</h1>
            <p>
                "The tools people learn JWT attacks with take a token apart, change it, sign it "
                "another way and send it. This one sends it to a real verifier that names the "
                "check that refused it, and why."
            </p>
            <ul>
                <li>"Start from a token you sign in for here, one an attack card hands over, or any text you paste."</li>
                <li>"Edit the header and payload as JSON; the moments read as local date and time."</li>
                <li>
                    "Sign it one of the ways verifiers were broken with, and send it to "
                    <code>"GET /api/me"</code> ", " <code>"GET /api/admin/accounts"</code> " or "
                    <code>"GET /api/lab/role-claim"</code> "."
                </li>
                <li>
                    "Every defence is on, so every forgery is refused, by the check the trace "
                    "names. To watch one succeed, switch exactly that defence off for your own "
                    "account (the playground's JWT panel, \"One defence off\"): a forged token for "
                    "that account then passes, with the check marked off, and still reaches no "
                    "privileged route."
                </li>
            </ul>
        </section>
        <WorkbenchIsland/>
    }
}

/// The island: only this part of the page hydrates.
#[island]
fn WorkbenchIsland() -> impl IntoView {
    if use_context::<crate::ui::when::Clock>().is_none() {
        crate::ui::when::provide_clock();
        crate::ui::hydrated::mark_hydrated();
    }
    // The controls are drawn in the browser only, once the island runs: the server renders the
    // page's text and this placeholder, so hydration has nothing of the lazily loaded part to
    // match.
    let running = RwSignal::new(false);
    Effect::new(move |_| running.set(true));
    move || {
        if running.get() {
            Suspend::new(async move { workbench_controls().await }).into_any()
        } else {
            view! { <p class="muted" data-testid="workbench-loading">"The workbench starts in your browser…"</p> }
                .into_any()
        }
    }
}

/// The island's controls, in a WASM file of their own.
#[lazy]
fn workbench_controls() -> AnyView {
    let model = WorkbenchModel::new();
    let held = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let message = RwSignal::new(None::<String>);
    // A card's token, handed over in the fragment: read once, then dropped from the address.
    Effect::new(move |_| {
        let hash = crate::ui::browser::location_hash();
        if let Some(token) = hash.strip_prefix("token=") {
            model.open(token.to_string());
            crate::ui::browser::clear_hash();
        }
    });
    // Signed in already (the header's identity) with a token: that is the token held here.
    crate::ui::identity::find_out();
    let who = crate::ui::identity::who();
    let who_shown = who.clone();
    Effect::new(move |_| {
        if let crate::ui::identity::Who::Bearer { token, .. } = who.get() {
            if held.get_untracked().is_none() {
                held.set(Some(token.clone()));
                if crate::ui::browser::location_hash().is_empty() {
                    model.open(token);
                }
            }
        }
    });
    let login = move |credentials| {
        busy.set(true);
        leptos::task::spawn_local(async move {
            let answer = client::jwt_login(&credentials).await;
            busy.set(false);
            match answer.result {
                Ok(tokens) => {
                    message.set(None);
                    held.set(Some(tokens.access_token.clone()));
                    model.open(tokens.access_token);
                }
                Err(err) => message.set(Some(err.to_string())),
            }
        });
    };
    view! {
        <section class="card" data-testid="workbench-signin">
            <h2>"Sign in (bearer)"</h2>
            {move || match held.get() {
                None => view! {
                    {(matches!(who_shown.get(), crate::ui::identity::Who::Session { .. })).then(|| view! {
                        <p class="muted" data-testid="workbench-cookie-note">
                            "You are signed in with a cookie session. The workbench works on bearer "
                            "tokens, and the lab will not turn your session into one: an endpoint that "
                            "did would hand any script on the page a credential to carry away, the "
                            "very thing HttpOnly prevents. Sign in with a bearer token here (or in the "
                            "header), or paste a token below."
                        </p>
                    })}
                    <LoginForm test_id="workbench-login" endpoint={paths::jwt::LOGIN} busy=busy on_login=login/>
                }.into_any(),
                Some(_) => view! { <p data-testid="workbench-holding">"Holding an access token (your sign-in's, or the one signed in for here)."</p> }.into_any(),
            }}
            {move || message.get().map(|text| view! { <p class="notice error" role="alert">{text}</p> })}
        </section>
        <Workbench model=model held=held/>
    }
    .into_any()
}
