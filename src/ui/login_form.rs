//! The login form both modes share: the same two fields, posted to each mode's own endpoint.

use crate::wire::{Credentials, Password};
use leptos::{ev::SubmitEvent, prelude::*};

/// `endpoint` is shown on the button (each mode logs in at its own URL); `on_login` receives the
/// credentials; `busy` disables the button while a request is in flight.
#[component]
pub fn LoginForm(
    test_id: &'static str,
    endpoint: &'static str,
    busy: RwSignal<bool>,
    #[prop(into)] on_login: Callback<Credentials>,
) -> impl IntoView {
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        on_login.run(Credentials {
            username: username.get_untracked(),
            password: Password::new(password.get_untracked()),
        });
    };
    view! {
        <form class="form" on:submit=submit data-testid=test_id>
            <label>
                "Username"
                <input type="text" name="username" autocomplete="username" required bind:value=username/>
            </label>
            <label>
                "Password"
                <input type="password" name="password" autocomplete="current-password" required
                    bind:value=password/>
            </label>
            <button type="submit" disabled=move || busy.get()>{format!("Log in (POST {endpoint})")}</button>
        </form>
    }
}
