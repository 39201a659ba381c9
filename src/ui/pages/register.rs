//! The register form. It posts `{username, password}` to `/api/register` through the API client
//! and shows the server's answer as is: the new account, or the server's reason for refusing.

use crate::ui::demo_accounts::DemoAccounts;
use crate::{
    ui::client,
    wire::account_rules::{PASSWORD_HINT, USERNAME_HINT, USERNAME_PATTERN},
    wire::{Password, Registered, Registration, JOINING_SHARES},
};
use leptos::{ev::SubmitEvent, prelude::*, task::spawn_local};

#[component]
pub fn RegisterPage() -> impl IntoView {
    view! {
        <div class="columns">
            <RegisterForm/>
            <DemoAccounts/>
        </div>
    }
}

#[component]
fn RegisterForm() -> impl IntoView {
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let class_code = RwSignal::new(String::new());
    let pending = RwSignal::new(false);
    let outcome = RwSignal::new(None::<Result<Registered, String>>);

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let code = class_code.get_untracked();
        let credentials = Registration {
            username: username.get_untracked(),
            password: Password::new(password.get_untracked()),
            class_code: (!code.trim().is_empty()).then_some(code),
        };
        pending.set(true);
        outcome.set(None);
        spawn_local(async move {
            let result = client::register_account(&credentials)
                .await
                .map_err(|err| err.to_string());
            if result.is_ok() {
                password.set(String::new());
            }
            outcome.set(Some(result));
            pending.set(false);
        });
    };

    view! {
        <form class="card form" on:submit=submit data-testid="register-form">
            <h1>"Create an account"</h1>
            <p class="muted">"New accounts get the role " <code>"user"</code> "."</p>
            <label>
                "Username"
                <input type="text" name="username" autocomplete="username" required
                    minlength="3" maxlength="32" pattern=USERNAME_PATTERN
                    bind:value=username/>
            </label>
            <small class="hint">{USERNAME_HINT}</small>
            <label>
                "Password"
                <input type="password" name="password" autocomplete="new-password" required
                    minlength="8" maxlength="128"
                    bind:value=password/>
            </label>
            <small class="hint">{PASSWORD_HINT}</small>
            <label>
                "Class code (optional)"
                <input type="text" name="class_code" autocomplete="off" maxlength="32"
                    data-testid="register-class-code" bind:value=class_code/>
            </label>
            <small class="hint" data-testid="register-class-shares">
                "If your teacher gave you a code: " {JOINING_SHARES}
            </small>
            <button type="submit" disabled=move || pending.get()>
                {move || if pending.get() { "Creating…" } else { "Create account" }}
            </button>
            {move || outcome.get().map(|result| match result {
                Ok(account) => view! {
                    <p class="notice ok" role="status" data-testid="register-ok">
                        "Account " <strong>{account.username}</strong> " created, role "
                        <code>{account.role.as_str()}</code> "."
                        {account.class.map(|class| view! {
                            " You are in the class " <strong data-testid="register-class">{class}</strong> "."
                        })}
                    </p>
                }.into_any(),
                Err(reason) => view! {
                    <p class="notice error" role="alert" data-testid="register-error">{reason}</p>
                }.into_any(),
            })}
        </form>
    }
}
