//! The cookie-session controls: the login form (or, once signed in, who you are and the lab's
//! SameSite switch), the protected-API call, logout, and the list of this account's sessions.
//! What only a signed-in visitor sees is in files of their own (`#[lazy]`): the server renders the
//! login form for a first visit, and that is all the main WASM carries.

use super::{login_form::LoginForm, session_model::SessionModel, when::When};
use crate::wire::paths;
use crate::wire::{SameSite, SessionState};
use leptos::either::Either;
use leptos::prelude::*;

#[component]
pub fn SessionPanel(lab: SessionModel) -> impl IntoView {
    view! {
        <section class="card" data-testid="session-panel">
            <h1>"Cookie session"</h1>
            <p class="muted">
                "The server keeps the session; the browser keeps only an opaque id in an HttpOnly "
                "cookie and sends it with every request, by itself."
            </p>
            {move || match lab.state.get() {
                None => Either::Left(view! {
                    <LoginForm test_id="session-login" endpoint={paths::session::LOGIN} busy=lab.busy
                        on_login=move |credentials| lab.login(credentials)/>
                }),
                Some(state) => {
                    Either::Right(Suspend::new(async move { signed_in(lab, state).await }))
                }
            }}
            <div class="actions">
                <button type="button" data-testid="call-me" on:click=move |_| lab.call_me()>
                    "Call GET /api/me"
                </button>
                <Show when=move || lab.state.get().is_some()>
                    <button type="button" class="secondary" data-testid="logout"
                        on:click=move |_| lab.logout()>
                        "Log out"
                    </button>
                </Show>
            </div>
            {move || lab.message.get().map(|text| view! {
                <p class="notice error" role="alert" data-testid="session-error">{text}</p>
            })}
            <Show when=move || lab.state.get().is_some()>
                {move || Suspend::new(async move { sessions_list(lab).await })}
            </Show>
        </section>
    }
}

/// Who is signed in, any deliberately weakened defences, and the SameSite switch: drawn only
/// once there is a session, so a file of its own (`#[lazy]`) that a first visit never needs.
#[lazy]
pub fn signed_in(lab: SessionModel, state: SessionState) -> AnyView {
    view! {
        <p class="signed-in" data-testid="signed-in" tabindex="-1">
            "Signed in as " <strong>{state.username.clone()}</strong>
            " (" {state.role.as_str()} ")"
        </p>
        {state.csrf_weakened.then(|| view! {
            <p class="weakened-banner" role="status" data-testid="account-weakened-banner">
                "This account's CSRF defences are deliberately OFF (switched on in the "
                "attack lab): its cookie is SameSite=None and the server skips the origin "
                "check and the CSRF token for it, so any site can make your browser act "
                "as it. Only this account is affected."
            </p>
        })}
        {state.xss_weakened.then(|| view! {
            <p class="weakened-banner" role="status" data-testid="account-xss-weakened-banner">
                "This account's comments page in the attack lab is served WITHOUT a "
                "Content-Security-Policy (deliberately weakened): a script planted in it "
                "runs. Only that page, only this account."
            </p>
        })}
        {(!state.defences_off.is_empty()).then(|| view! {
            <p class="weakened-banner" role="status" data-testid="account-defences-off-banner">
                "This account switched defences off, deliberately: "
                {state.defences_off.iter().map(|d| d.as_str()).collect::<Vec<_>>().join(", ")}
                ". Whoever holds a credential they let through acts as this account (never as "
                "an administrator); switch them back on in the bearer-JWT panel."
            </p>
        })}
        <SameSiteSwitch lab=lab current=state.same_site/>
    }
    .into_any()
}

/// This account's sessions, shown only while signed in (`#[lazy]`, like `signed_in`).
#[lazy]
pub fn sessions_list(lab: SessionModel) -> AnyView {
    view! { <SessionsList lab=lab/> }.into_any()
}

#[component]
fn SameSiteSwitch(lab: SessionModel, current: SameSite) -> impl IntoView {
    view! {
        <fieldset class="switch" data-testid="same-site-switch">
            <legend>"SameSite of your session cookie (this account only)"</legend>
            {SameSite::ALL
                .into_iter()
                .map(|value| view! {
                    <label class="radio">
                        <input type="radio" name="same-site" value=value.as_str()
                            checked=value == current
                            on:change=move |_| lab.set_same_site(value)/>
                        {value.as_str()}
                    </label>
                })
                .collect_view()}
        </fieldset>
    }
}

#[component]
fn SessionsList(lab: SessionModel) -> impl IntoView {
    view! {
        <div class="sessions" data-testid="sessions-list">
            <h2>"Your sessions"</h2>
            <p class="muted">"Every device signed in as you. Revoking one deletes its record: it is logged out at its very next request."</p>
            <div class="scroll-x" tabindex="0" role="region" aria-label="your sessions"><table>
                <thead>
                    <tr><th>"id"</th><th>"created"</th><th>"last seen"</th><th>"client"</th><th></th></tr>
                </thead>
                <tbody>
                    {move || lab.sessions.get().into_iter().map(|s| {
                        let handle = s.handle.clone();
                        view! {
                            <tr data-testid="session-row" data-current=s.current.to_string()>
                                <td><code>{s.id_preview.clone()}</code></td>
                                <td><When unix=s.created_at/></td>
                                <td><When unix=s.last_seen/></td>
                                <td class="ua">{s.user_agent.clone()}</td>
                                <td>
                                    {if s.current {
                                        Either::Left(view! { <span class="badge allowed">"this one"</span> })
                                    } else {
                                        Either::Right(view! {
                                            <button type="button" class="small secondary"
                                                on:click=move |_| lab.revoke(handle.clone())>
                                                "Revoke"
                                            </button>
                                        })
                                    }}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table></div>
            <button type="button" class="secondary" data-testid="logout-others"
                on:click=move |_| lab.logout_others()>
                "Log out all other sessions"
            </button>
        </div>
    }
}
