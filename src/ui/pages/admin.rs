//! `/admin`: the administrator's page. Every account, with its role and status; make an account a
//! teacher (or a learner again), disable or enable it. The same API a script would call
//! (`GET`/`PUT /api/admin/accounts`), which reads the accounts table for each request: a token's
//! role claim is never obeyed. An islands page: the server renders the text, only the list
//! hydrates.

use crate::{
    ui::{client, identity, when::When},
    wire::{AccountPatch, AccountView, Role},
};
use leptos::{prelude::*, task::spawn_local};

#[component]
pub fn AdminPage() -> impl IntoView {
    view! {
        <section class="card intro">
            <h1>"Administration"</h1>
            <p>
                "Every account of this lab. Make an account a teacher so it can open classes on "
                <a href="/teach">"/teach"</a> ", or a learner again; disable an account to end all "
                "its access. Each change is an account event: the audit log records it, and what "
                "it does to sessions and tokens already out there is what the compare page shows."
            </p>
            <p class="muted">
                "Administrators only (the accounts table says so for each request). Experiments' "
                "scratch accounts are never made teachers or administrators."
            </p>
        </section>
        <AccountsIsland/>
    }
}

#[island]
fn AccountsIsland() -> impl IntoView {
    let accounts = RwSignal::new(None::<Vec<AccountView>>);
    let message = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let load = move || {
        spawn_local(async move {
            let who = identity::fresh().await;
            let Some(credential) = who.credential() else {
                return;
            };
            match client::admin_accounts(credential).await.result {
                Ok(list) => accounts.set(Some(list)),
                Err(err) => message.set(Some(err.to_string())),
            }
        });
    };
    let who = identity::for_island(load);
    let change = move |username: String, patch: AccountPatch| {
        busy.set(true);
        spawn_local(async move {
            let who = identity::fresh().await;
            if let Some(credential) = who.credential() {
                match client::admin_update(&username, &patch, credential)
                    .await
                    .result
                {
                    Ok(now) => message.set(Some(format!(
                        "{} is now {}{}.",
                        now.username,
                        now.role,
                        if now.disabled { ", disabled" } else { "" }
                    ))),
                    Err(err) => message.set(Some(err.to_string())),
                }
            }
            busy.set(false);
            load();
        });
    };
    view! {
        <section class="card" data-testid="admin-accounts">
            <h2>"Accounts"</h2>
            {move || matches!(who.get(), identity::Who::SignedOut).then(|| view! {
                <p data-testid="admin-signed-out">"Sign in (at the top of the page) as an administrator."</p>
            })}
            {move || message.get().map(|text| view! { <p class="notice" role="status" data-testid="admin-message">{text}</p> })}
            {move || accounts.get().map(|list| view! {
                <table class="accounts">
                    <thead><tr><th>"Account"</th><th>"Role"</th><th>"Status"</th><th>"Created"</th><th></th></tr></thead>
                    <tbody>
                        {list.into_iter().map(|account| {
                            let name = account.username.clone();
                            let (to, label) = match account.role {
                                Role::User => (Some(Role::Teacher), "Make teacher"),
                                Role::Teacher => (Some(Role::User), "Make learner"),
                                Role::Admin => (None, ""),
                            };
                            let toggle_name = name.clone();
                            let disabled = account.disabled;
                            view! {
                                <tr data-testid=format!("admin-account-{name}")>
                                    <td>{name.clone()}</td>
                                    <td data-testid=format!("admin-role-{name}")>{account.role.as_str()}</td>
                                    <td>{if disabled { "disabled" } else { "active" }}</td>
                                    <td><When unix=account.created_at/></td>
                                    <td class="button-row">
                                        {to.map(|role| {
                                            let name = name.clone();
                                            view! {
                                                <button type="button" class="secondary" data-testid=format!("admin-make-{name}")
                                                    disabled=move || busy.get()
                                                    on:click=move |_| change(name.clone(), AccountPatch { role: Some(role), disabled: None })>
                                                    {label}
                                                </button>
                                            }
                                        })}
                                        <button type="button" class="secondary" disabled=move || busy.get()
                                            on:click=move |_| change(toggle_name.clone(), AccountPatch { role: None, disabled: Some(!disabled) })>
                                            {if disabled { "Enable" } else { "Disable" }}
                                        </button>
                                    </td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            })}
        </section>
    }
}
