//! The playground, the lab's main page: one toggle of six modes (`wire::Transport`): **cookie
//! session | bearer JWT**, and the four that cross them (a JWT in a cookie, a session id in a
//! header, a DPoP-bound JWT, a backend-for-frontend), switching the login form, the API calls,
//! the logout and the inspector together. The chosen mode is kept in localStorage, so it
//! survives a reload.
//!
//! The bearer-JWT half and the crossed modes' half are in WASM files of their own (`#[lazy]`),
//! fetched the first time a visitor switches to one. The server always renders the session half (it cannot read localStorage), so
//! the first page a visitor opens never needs the JWT half to come alive.

use crate::ui::{
    demo_accounts::DemoAccounts, jwt_inspector::JwtInspector, jwt_model::JwtModel,
    jwt_panel::JwtPanel, session_inspector::SessionInspector, session_model::SessionModel,
    session_panel::SessionPanel,
};
use crate::{
    ui::{
        browser,
        identity::{self, Who},
        transport::{model::TransportModel, TransportHalf},
    },
    wire::Transport,
};
use leptos::either::EitherOf3;
use leptos::prelude::*;

const MODE_KEY: &str = "authlab.mode";

/// An island (`app::islands_page`): on its own page, the only part of the page that hydrates.
/// Reached from another page by the client-side router, it is drawn like any component.
#[island]
pub fn Playground() -> impl IntoView {
    // As an island there is no `App` around it in the browser: it starts the clock and marks the
    // page hydrated itself, as `App` does for every other page.
    if use_context::<crate::ui::when::Clock>().is_none() {
        crate::ui::when::provide_clock();
        crate::ui::hydrated::mark_hydrated();
    }
    let mode = RwSignal::new(Transport::Session);
    let lab = SessionModel::new();
    let jwt = JwtModel::new();
    // Client only: read the saved mode, ask the server about the current cookie, and tick a clock
    // for the countdowns.
    //
    // Only a request that carried a session cookie can have a session to restore. The server
    // knows whether this page's request did (the browser's scripts cannot see an HttpOnly
    // cookie), and hands the answer to hydration: a first visit then never fetches the session
    // calls' file before the visitor reaches for the form.
    let had_cookie = SharedValue::new_str(request_had_session_cookie).into_inner();
    Effect::new(move |_| {
        if let Some(saved) = browser::local_get(MODE_KEY).and_then(|m| Transport::parse(&m)) {
            mode.set(saved);
        }
        lab.document_cookie.set(browser::document_cookie());
        if had_cookie {
            lab.restore();
        }
    });
    follow_identity(lab, jwt);
    // The JWT model lives as long as the page (a token kept only in memory survives switching
    // modes back and forth); it reads its saved token the first time its half is shown.
    let jwt_restored = StoredValue::new(false);
    // A pointer over the JWT button (or focus on it) starts fetching the JWT half, so a click
    // rarely waits for it.
    let fetch_jwt_half = first_time_only(|| {
        let _ = lazy_preload!(jwt_mode);
    });
    // The session half's signed-in parts are files of their own too (`session_panel`,
    // `session_inspector`): reaching for the login form (pointer or focus) starts fetching them,
    // so the page rarely waits for them after a login.
    let fetch_session_parts = first_time_only(|| {
        let _ = lazy_preload!(crate::ui::session_model::ask);
        let _ = lazy_preload!(crate::ui::session_panel::signed_in);
        let _ = lazy_preload!(crate::ui::session_panel::sessions_list);
        let _ = lazy_preload!(crate::ui::session_inspector::live_inspector);
    });
    let choose = move |chosen: Transport| {
        mode.set(chosen);
        browser::local_set(MODE_KEY, chosen.as_str());
    };
    // The four crossed modes' models live as long as the page; each restores what it held the
    // first time its half is shown.
    let crossed = StoredValue::new(
        CROSSED.map(|transport| (transport, TransportModel::new(transport), false)),
    );

    view! {
        <div class="playground">
            <div class="mode-toggle" role="group" aria-label="Authentication mode" data-testid="mode-toggle">
                <button type="button" data-testid="mode-session"
                    aria-pressed=move || (mode.get() == Transport::Session).to_string()
                    on:click=move |_| choose(Transport::Session)>
                    "cookie session"
                </button>
                <button type="button" data-testid="mode-jwt"
                    on:pointerenter=move |_| fetch_jwt_half() on:focus=move |_| fetch_jwt_half()
                    aria-pressed=move || (mode.get() == Transport::Bearer).to_string()
                    on:click=move |_| choose(Transport::Bearer)>
                    "bearer JWT"
                </button>
                {CROSSED.map(|transport| view! {
                    <button type="button" data-testid=format!("mode-{}", transport.as_str())
                        aria-pressed=move || (mode.get() == transport).to_string()
                        on:click=move |_| choose(transport)>
                        {transport.label()}
                    </button>
                }).collect_view()}
            </div>
            {move || match mode.get() {
                Transport::Session => EitherOf3::A(view! {
                    <div class="columns" data-testid="session-mode">
                        <div class="stack" on:pointerenter=move |_| fetch_session_parts()
                            on:focusin=move |_| fetch_session_parts()>
                            <SessionPanel lab=lab/>
                            <DemoAccounts/>
                        </div>
                        <SessionInspector lab=lab/>
                    </div>
                }),
                Transport::Bearer => {
                    let restore = !jwt_restored.get_value();
                    jwt_restored.set_value(true);
                    EitherOf3::B(Suspend::new(async move { jwt_mode(jwt, restore).await }))
                }
                crossed_mode => {
                    let (model, restore) = crossed.with_value(|all| {
                        all.iter()
                            .find(|(t, _, _)| *t == crossed_mode)
                            .map(|(_, model, restored)| (*model, !*restored))
                            .expect("every crossed mode has a model")
                    });
                    crossed.update_value(|all| {
                        for entry in all.iter_mut().filter(|(t, _, _)| *t == crossed_mode) {
                            entry.2 = true;
                        }
                    });
                    EitherOf3::C(Suspend::new(async move { transport_mode(model, restore).await }))
                }
            }}
        </div>
    }
}

/// The playground and the page's one identity (`identity`) follow each other: a login or logout
/// here is what the header shows, and a token the page already holds (the header bought one with
/// the refresh cookie) is the one the JWT half holds, never a second refresh racing the first.
fn follow_identity(lab: SessionModel, jwt: JwtModel) {
    let who = identity::who();
    let seen = who.clone();
    Effect::new(move |_| {
        if let Some(state) = lab.state.get() {
            identity::set(Who::Session {
                username: state.username,
                csrf: state.csrf_token,
            });
        } else if matches!(seen.get_untracked(), Who::Session { .. }) && !lab.busy.get() {
            // Logged out here (or the server no longer knows the session).
            if lab.last.with_untracked(Option::is_some) {
                identity::set(Who::SignedOut);
            }
        }
    });
    let seen = who.clone();
    Effect::new(move |_| {
        let token = jwt.token.get();
        let subject = jwt.report.with(|r| {
            r.as_ref()
                .and_then(|r| r.payload.as_ref())
                .and_then(|p| p.get("sub"))
                .and_then(|s| s.as_str())
                .map(str::to_string)
        });
        match (token, subject) {
            (Some(token), Some(username)) => identity::set(Who::Bearer { username, token }),
            // Logged out here: the page holds no token any more.
            (None, _)
                if matches!(seen.get_untracked(), Who::Bearer { .. })
                    && jwt.last.with_untracked(Option::is_some) =>
            {
                identity::set(Who::SignedOut)
            }
            _ => {}
        }
    });
    Effect::new(move |_| {
        if let Who::Bearer { token, .. } = who.get() {
            if jwt.token.get_untracked().is_none() {
                jwt.adopt_token(token);
            }
        }
    });
}

/// Whether the request for this page carried the session cookie. Rendered on the server; on the
/// browser (a page reached by client-side navigation) it cannot be known, so the page asks.
pub fn request_had_session_cookie() -> bool {
    #[cfg(feature = "ssr")]
    {
        use_context::<axum::http::request::Parts>()
            .is_none_or(|parts| crate::api::cookies::read(&parts.headers).is_some())
    }
    #[cfg(not(feature = "ssr"))]
    {
        true
    }
}

/// Runs `start` the first time the returned closure is called, and never again: a preload
/// fetches its files once, however often the pointer passes.
fn first_time_only(start: impl Fn() + Copy + 'static) -> impl Fn() + Copy + 'static {
    let done = StoredValue::new(false);
    move || {
        if !done.get_value() {
            done.set_value(true);
            start();
        }
    }
}

/// The four crossed modes, in the toggle's order after the two classic ones.
const CROSSED: [Transport; 4] = [
    Transport::JwtCookie,
    Transport::SessionHeader,
    Transport::Dpop,
    Transport::Bff,
];

/// A crossed mode's half (`ui::transport`), in its own WASM file like the JWT half: a visitor who
/// never picks one never fetches it.
#[lazy]
fn transport_mode(model: TransportModel, restore: bool) -> AnyView {
    if restore {
        model.restore();
    }
    view! { <TransportHalf model=model/> }.into_any()
}

/// The bearer-JWT half, with everything only it uses (its panel, inspector, decoder and model
/// methods), split into its own WASM file by `cargo leptos build --split`.
#[lazy]
fn jwt_mode(jwt: JwtModel, restore: bool) -> AnyView {
    if restore {
        jwt.restore();
    }
    view! {
        <div class="columns" data-testid="jwt-mode">
            <div class="stack">
                <JwtPanel lab=jwt/>
                <DemoAccounts/>
            </div>
            <JwtInspector lab=jwt/>
        </div>
        // Beside the inspector, with the token this page holds (in its memory only).
        <crate::ui::workbench::Workbench model=crate::ui::workbench::model::WorkbenchModel::new()
            held=jwt.token/>
    }
    .into_any()
}
