//! The playground's four crossed modes (`wire::Transport`): a JWT in a cookie, a session id in a
//! header, a DPoP-bound JWT and a backend-for-frontend. Each is the same page: a login form, the
//! calls, logout and replay, and an inspector saying where the state lives, how the credential
//! travels, what the page holds (what an injected script could find), and why the server allowed
//! or refused the last request (both hops through the BFF).

pub mod model;

use crate::{
    ui::{login_form::LoginForm, trace_view::TraceView, when::Clock},
    wire::{paths, Transport},
};
use leptos::prelude::*;
use model::{Holding, TransportModel};

/// The login endpoint each mode posts to.
fn login_path(mode: Transport) -> &'static str {
    match mode {
        Transport::JwtCookie => paths::jwt::COOKIE_LOGIN,
        Transport::SessionHeader => paths::session::HEADER_LOGIN,
        Transport::Dpop => paths::jwt::LOGIN,
        Transport::Bff => paths::bff::LOGIN,
        Transport::Session => paths::session::LOGIN,
        Transport::Bearer => paths::jwt::LOGIN,
    }
}

/// What the mode is, in two sentences.
fn summary(mode: Transport) -> &'static str {
    match mode {
        Transport::JwtCookie => {
            "A signed token, stateless like a bearer JWT, in an HttpOnly cookie the browser \
             attaches like a session's: no script can read it, and a write needs the origin check \
             and a CSRF token (the token's own signed csrf claim)."
        }
        Transport::SessionHeader => {
            "An opaque session id the page keeps (in localStorage) and sends as Authorization: \
             Bearer: stateful and revocable at once, immune to CSRF, and readable by any script \
             that can read localStorage."
        }
        Transport::Dpop => {
            "A signed token bound to a P-256 key this browser made and cannot export (WebCrypto, \
             kept in IndexedDB): every request carries a fresh proof signed by that key, so a \
             stolen token is useless elsewhere. A script inside the page can still sign."
        }
        Transport::Bff => {
            "The browser holds only a session cookie; the backend-for-frontend holds the access \
             and refresh tokens on the server and calls the API with them. Nothing in the page \
             to steal, and the trace shows both hops."
        }
        Transport::Session | Transport::Bearer => "",
    }
}

/// One crossed mode's half of the playground.
#[component]
pub fn TransportHalf(model: TransportModel) -> impl IntoView {
    let mode = model.mode;
    view! {
        <div class="columns" data-testid=format!("{}-mode", mode.as_str())>
            <TransportPanel model=model/>
            <TransportInspector model=model/>
        </div>
    }
}

#[component]
fn TransportPanel(model: TransportModel) -> impl IntoView {
    let mode = model.mode;
    let signed_in = move || model.holding.with(Option::is_some);
    view! {
        <section class="card" data-testid="transport-panel">
            <h1>{mode.label()}</h1>
            <p class="muted">{summary(mode)}</p>
            <Show when=move || !signed_in()
                fallback=|| view! { <p class="signed-in" data-testid="transport-holding" tabindex="-1">"Signed in."</p> }>
                <LoginForm test_id="transport-login" endpoint=login_path(mode) busy=model.busy
                    on_login=move |credentials| model.login(credentials)/>
            </Show>
            <div class="actions">
                <button type="button" data-testid="transport-call-me" disabled=move || !signed_in()
                    on:click=move |_| model.call_me()>"Call GET /api/me"</button>
                <Show when=signed_in>
                    <button type="button" class="secondary" data-testid="transport-denylist-on"
                        on:click=move |_| model.set_denylist(true)>"Switch server-side revocation on (a write)"</button>
                    <button type="button" class="secondary" data-testid="transport-logout"
                        on:click=move |_| model.logout()>"Log out"</button>
                </Show>
                <Show when=move || model.previous.with(Option::is_some)
                    && matches!(mode, Transport::SessionHeader | Transport::Dpop)>
                    <button type="button" class="secondary" data-testid="transport-replay"
                        on:click=move |_| model.replay_previous()>"Replay the old credential"</button>
                </Show>
                <button type="button" class="secondary" data-testid="transport-inject"
                    on:click=move |_| model.run_injected_script()>"Run the injected script"</button>
            </div>
            {move || model.message.get().map(|text| view! {
                <p class="notice error" role="alert" data-testid="transport-error">{text}</p>
            })}
            {move || model.injected.get().map(|found| view! {
                <div data-testid="transport-injected">
                    <h2>"What a script on this page can read"</h2>
                    <dl class="facts">
                        {found.into_iter().map(|(place, value)| view! {
                            <dt>{place}</dt><dd><code>{value}</code></dd>
                        }).collect_view()}
                    </dl>
                </div>
            })}
        </section>
    }
}

#[component]
fn TransportInspector(model: TransportModel) -> impl IntoView {
    let mode = model.mode;
    let clock = use_context::<Clock>();
    let now =
        move || clock.map_or_else(crate::ui::browser::now_secs, |c| c.0.get()) + model.skew.get();
    view! {
        <section class="card inspector" data-testid="transport-inspector">
            <h2>"Inspector"</h2>
            <dl class="facts">
                <dt>"State lives in"</dt><dd>{mode.state()}</dd>
                <dt>"The credential travels as"</dt><dd>{mode.carrier()}</dd>
                <dt>"The page holds"</dt>
                <dd data-testid="transport-held">{move || match model.holding.get() {
                    None => "nothing (signed out)".to_string(),
                    Some(Holding::JwtCookie(state)) => format!(
                        "no token (it is in the HttpOnly cookie {}); the CSRF token {}…, expires in {} s",
                        state.cookie.name,
                        state.csrf_token.chars().take(6).collect::<String>(),
                        state.expires_in,
                    ),
                    Some(Holding::SessionHeader { session_id }) => format!(
                        "the session id {}… in localStorage",
                        session_id.chars().take(6).collect::<String>()
                    ),
                    Some(Holding::Dpop { jkt, expires_at, .. }) => format!(
                        "a token bound to key {jkt} (in localStorage), valid {} s more; the key's handle in IndexedDB, not exportable",
                        (expires_at - now()).max(0)
                    ),
                    Some(Holding::Bff(state)) => format!(
                        "only the session cookie; the BFF holds an access token (valid {} s more) and a refresh token on the server",
                        (state.access_expires_at - now()).max(0)
                    ),
                }}</dd>
            </dl>
            {move || model.last.get().map(|call| view! {
                <div data-testid="transport-last-call" data-status=call.status.to_string()>
                    <p><code>{format!("{} {}", call.method, call.path)}</code> " → " <strong>{call.status}</strong></p>
                </div>
            })}
            {move || match model.hops.get() {
                Some(answer) => view! {
                    <div data-testid="bff-hops">
                        <h3>"Hop 1: the browser to the BFF (session cookie)"</h3>
                        <TraceView trace=answer.browser_hop/>
                        <h3>{format!("Hop 2: the BFF to the API (the access token it holds) → {}", answer.status)}</h3>
                        {answer.api_hop.map(|trace| view! { <TraceView trace=trace/> })}
                    </div>
                }.into_any(),
                None => model.last.get().and_then(|call| call.trace).map(|trace| view! {
                    <TraceView trace=trace/>
                }).into_any(),
            }}
        </section>
    }
}
