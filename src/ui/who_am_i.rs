//! The header's identity: on every page, who the learner is signed in as and in which model, with
//! sign-in and sign-out right there. An island, so it comes alive on the islands pages too (where
//! nothing else in the header does).

use super::identity::{self, Who};
use crate::wire::{AuthMode, Credentials, Password};
use leptos::{ev::SubmitEvent, prelude::*};

/// On an islands page the header's identity is an island of its own (nothing else in the header
/// hydrates there); on every other page it is an ordinary part of the hydrated app. The server
/// renders the one the page hydrates as.
pub fn header_identity(islands_page: bool) -> AnyView {
    if islands_page {
        view! { <WhoAmIIsland/> }.into_any()
    } else {
        view! { <WhoAmI/> }.into_any()
    }
}

#[island]
fn WhoAmIIsland() -> impl IntoView {
    view! { <WhoAmI/> }
}

#[component]
pub fn WhoAmI() -> impl IntoView {
    let who = identity::who();
    // Whether the request for this page carried a session cookie: rendered by the server (the
    // only one who can see an HttpOnly cookie), handed to hydration as it is.
    let had_cookie =
        SharedValue::new_str(crate::ui::pages::playground::request_had_session_cookie).into_inner();
    // And whether it carried a sign-in an experiment set aside and never gave back.
    let had_parked = SharedValue::new_str(request_had_parked_sign_in).into_inner();
    Effect::new(move |_| identity::find_out_with(had_cookie, had_parked));
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let mode = RwSignal::new(AuthMode::Session);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        let credentials = Credentials {
            username: username.get_untracked(),
            password: Password::new(password.get_untracked()),
        };
        leptos::task::spawn_local(async move {
            if let Err(err) = identity::sign_in(mode.get_untracked(), credentials).await {
                error.set(Some(err));
                busy.set(false);
            }
        });
    };
    let sign_out = move |_| {
        busy.set(true);
        leptos::task::spawn_local(identity::sign_out());
    };
    let shown = who.clone();
    let busy_notice = crate::ui::client::busy_notice();
    view! {
        <div class="who-am-i" data-testid="who-am-i">
            {move || busy_notice.get().map(|text| view! {
                <span class="notice" role="status" data-testid="busy-retrying">{text}</span>
            })}
            {move || match shown.get() {
                Who::Asking => view! {
                    <span class="muted" data-testid="who-asking">"…"</span>
                }.into_any(),
                Who::Session { username, .. } | Who::Bearer { username, .. } => {
                    let model = match shown.get_untracked().mode() {
                        Some(AuthMode::Jwt) => "bearer token",
                        _ => "cookie session",
                    };
                    view! {
                        <span data-testid="who-signed-in">
                            "Signed in as " <strong data-testid="who-username">{username}</strong>
                            <span class="muted" data-testid="who-mode">{format!(" · {model}")}</span>
                        </span>
                        <a href="/progress" data-testid="who-progress">"Progress"</a>
                        <button type="button" class="secondary" data-testid="who-sign-out"
                            disabled=move || busy.get() on:click=sign_out>"Sign out"</button>
                    }.into_any()
                }
                Who::SignedOut => view! {
                    <details class="who-sign-in" data-testid="who-sign-in">
                        <summary>"Sign in"</summary>
                        <form class="form" on:submit=submit>
                            <label>"Username"
                                <input type="text" name="username" autocomplete="username" required
                                    data-testid="who-username-input" bind:value=username/>
                            </label>
                            <label>"Password"
                                <input type="password" name="password" autocomplete="current-password"
                                    required data-testid="who-password-input" bind:value=password/>
                            </label>
                            <fieldset class="who-mode-choice">
                                <legend>"Model"</legend>
                                <label><input type="radio" name="who-mode" data-testid="who-mode-session"
                                    prop:checked=move || mode.get() == AuthMode::Session
                                    on:change=move |_| mode.set(AuthMode::Session)/>" cookie session"</label>
                                <label><input type="radio" name="who-mode" data-testid="who-mode-jwt"
                                    prop:checked=move || mode.get() == AuthMode::Jwt
                                    on:change=move |_| mode.set(AuthMode::Jwt)/>" bearer token"</label>
                            </fieldset>
                            <button type="submit" data-testid="who-submit" disabled=move || busy.get()>
                                "Sign in"
                            </button>
                            <p class="error" role="alert">{move || error.get()}</p>
                        </form>
                    </details>
                }.into_any(),
            }}
        </div>
    }
}

/// Whether the request for this page carried a parked sign-in (`api::set_aside`). Rendered on
/// the server, which alone sees the HttpOnly cookies.
fn request_had_parked_sign_in() -> bool {
    #[cfg(feature = "ssr")]
    {
        use crate::api::{cookies::read_cookie, set_aside};
        use_context::<axum::http::request::Parts>().is_some_and(|parts| {
            read_cookie(&parts.headers, set_aside::SESSION).is_some()
                || read_cookie(&parts.headers, set_aside::REFRESH).is_some()
        })
    }
    #[cfg(not(feature = "ssr"))]
    {
        false
    }
}
