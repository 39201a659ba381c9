//! The bearer-JWT controls: the login form (or, once holding a token, the calls and the switches),
//! logout and the two revocation tools, key rotation, and where the page keeps the token.

use super::{
    jwt_model::{JwtModel, TokenStore},
    login_form::LoginForm,
};
use crate::wire::paths;
use crate::wire::{Defence, JwtAlg};
use leptos::either::Either;
use leptos::prelude::*;

#[component]
pub fn JwtPanel(lab: JwtModel) -> impl IntoView {
    view! {
        <section class="card" data-testid="jwt-panel">
            <h1>"Bearer JWT"</h1>
            <p class="muted">
                "The server signs a token that carries who you are; this page holds it and sends it "
                "as " <code>"Authorization: Bearer"</code> ". The server keeps nothing per token."
            </p>
            {move || if lab.token.get().is_none() {
                Either::Left(view! {
                    <LoginForm test_id="jwt-login" endpoint={paths::jwt::LOGIN} busy=lab.busy
                        on_login=move |credentials| lab.login(credentials)/>
                })
            } else {
                Either::Right(view! { <p class="signed-in" data-testid="jwt-holding" tabindex="-1">"Holding an access token."</p> })
            }}
            <div class="actions">
                <button type="button" data-testid="jwt-call-me" disabled=move || lab.token.get().is_none()
                    on:click=move |_| lab.call_me()>"Call GET /api/me"</button>
                <Show when=move || lab.token.get().is_some()>
                    <button type="button" class="secondary" data-testid="jwt-refresh"
                        on:click=move |_| lab.refresh()>"Refresh now"</button>
                    <button type="button" class="secondary" data-testid="jwt-logout"
                        on:click=move |_| lab.logout()>"Log out"</button>
                </Show>
                <Show when=move || lab.previous.get().is_some()>
                    <button type="button" class="secondary" data-testid="jwt-replay"
                        on:click=move |_| lab.replay_previous()>"Replay the old token"</button>
                </Show>
            </div>
            {move || lab.message.get().map(|text| view! {
                <p class="notice error" role="alert" data-testid="jwt-error">{text}</p>
            })}
            <label class="check-line">
                <input type="checkbox" data-testid="silent-refresh"
                    prop:checked=move || lab.silent.get()
                    on:change=move |ev| lab.silent.set(event_target_checked(&ev))/>
                "Refresh silently shortly before the access token expires"
            </label>
            <Show when=move || lab.token.get().is_some()>
                <JwtSwitches lab=lab/>
            </Show>
            <TokenStorage lab=lab/>
        </section>
    }
}

#[component]
fn JwtSwitches(lab: JwtModel) -> impl IntoView {
    let alg = move || lab.settings.get().map(|s| s.jwt_alg).unwrap_or_default();
    let denylist = move || lab.settings.get().is_some_and(|s| s.denylist);
    view! {
        <fieldset class="switch" data-testid="jwt-switches">
            <legend>"This account's switches"</legend>
            <div>
                "Signing algorithm (next token): "
                {JwtAlg::ALL.into_iter().map(|value| view! {
                    <label class="radio">
                        <input type="radio" name="jwt-alg" value=value.as_str()
                            prop:checked=move || alg() == value
                            on:change=move |_| lab.set_alg(value)/>
                        {value.as_str()}
                    </label>
                }).collect_view()}
            </div>
            <label class="check-line">
                <input type="checkbox" data-testid="denylist"
                    prop:checked=denylist
                    on:change=move |ev| lab.set_denylist(event_target_checked(&ev))/>
                "Server-side revocation: logout denylists the access token, and \"log out everywhere\" \
                 refuses every earlier one (every request then pays a lookup); off, both only \
                 revoke refresh tokens"
            </label>
            <DefenceSwitches lab=lab/>
            <div class="actions">
                <button type="button" class="small secondary" data-testid="logout-everywhere"
                    on:click=move |_| lab.logout_everywhere()>"Log out everywhere"</button>
                <button type="button" class="small secondary" data-testid="rotate-key"
                    on:click=move |_| lab.rotate_key()>"Rotate signing key"</button>
                <button type="button" class="small secondary" data-testid="retire-keys"
                    on:click=move |_| lab.retire_keys()>"Retire old keys"</button>
            </div>
        </fieldset>
    }
}

/// One verifier defence off at a time, for this account's own tokens only: each switch shows the
/// attack it stops succeeding (the trace marks the check `off`). The server refuses them for an
/// administrator's or a demo account, and says so in the call log.
#[component]
fn DefenceSwitches(lab: JwtModel) -> impl IntoView {
    let off = move || {
        lab.settings
            .get()
            .map(|s| s.defences_off)
            .unwrap_or_default()
    };
    view! {
        <fieldset class="switch" data-testid="defence-switches">
            <legend>"One defence off (this account only)"</legend>
            {move || (!off().is_empty()).then(|| view! {
                <p class="weakened-banner" role="status" data-testid="account-defences-off-banner">
                    "This account's verifier is deliberately weakened: "
                    {off().iter().map(|d| d.as_str()).collect::<Vec<_>>().join(", ")}
                    " off. A token it lets through reaches /api/me and the lab's endpoints, never "
                    "the password change, the switches or administration."
                </p>
            })}
            {Defence::ALL.into_iter().map(|defence| view! {
                <label class="check-line">
                    <input type="checkbox" data-testid=format!("defence-off-{}", defence.as_str())
                        prop:checked=move || off().contains(&defence)
                        on:change=move |ev| lab.set_defence_off(defence, event_target_checked(&ev))/>
                    {defence.meaning()}
                </label>
            }).collect_view()}
        </fieldset>
    }
}

#[component]
fn TokenStorage(lab: JwtModel) -> impl IntoView {
    view! {
        <div class="storage-lesson" data-testid="token-storage">
            <h2>"Where this page keeps the access token"</h2>
            <div>
                {TokenStore::ALL.into_iter().map(|store| view! {
                    <label class="radio">
                        <input type="radio" name="token-store" value=store.as_str()
                            prop:checked=move || lab.store.get() == store
                            on:change=move |_| lab.set_store(store)/>
                        {store.as_str()}
                    </label>
                }).collect_view()}
            </div>
            <button type="button" class="small secondary" data-testid="inject-script"
                on:click=move |_| lab.run_injected_script()>
                "Run an \"injected script\""
            </button>
            {move || lab.injected.get().map(|found| view! {
                <table class="attributes" data-testid="injected-findings">
                    <tbody>
                        {found.into_iter().map(|(place, value)| view! {
                            <tr><th>{place}</th><td class="why">{value}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            })}
        </div>
    }
}
