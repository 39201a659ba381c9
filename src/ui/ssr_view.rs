//! Server rendering versus hydration. The HTML of a page is rendered by the server for the request
//! the browser made to load it. That request carries the session cookie (the browser attaches it
//! by itself), so the server can render "signed in as alice". It never carries a bearer token: the
//! token lives in the page's WASM memory, which does not exist until the HTML has arrived and the
//! app has hydrated. So the first HTML a bearer user gets is always anonymous.
//!
//! `RenderedFor` is computed on the server while it renders the page, serialised into the HTML and
//! picked up by hydration unchanged; after a client-side navigation it is computed in the browser,
//! which says so.

use super::login_form::LoginForm;
use crate::wire::paths;
use crate::{
    ui::client::{self, Credential},
    wire::Credentials,
};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Who the page was rendered for, and by whom.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenderedFor {
    /// `server` when this came inside the HTML; `browser` after an in-app navigation.
    pub rendered_by: String,
    /// The session user the page request's cookie resolved to.
    pub cookie_user: Option<String>,
    /// Why (the session check's verdict).
    pub cookie_detail: String,
    /// Whether the page request carried an `Authorization` header (a navigation never does).
    pub authorization_header: bool,
}

#[cfg(feature = "ssr")]
mod ssr {
    use super::RenderedFor;
    use crate::{
        api::{client_addr::ClientAddr, extract::presented},
        auth::{judge, presented::Presented},
        challenges::event::Happened,
        state::AppState,
    };
    use axum::http::{header, request::Parts};

    /// Resolve the page request's session cookie, as any API request's would be.
    pub async fn rendered_for(state: Option<AppState>, parts: Option<Parts>) -> RenderedFor {
        let (Some(state), Some(parts)) = (state, parts) else {
            return RenderedFor {
                rendered_by: "server".into(),
                cookie_user: None,
                cookie_detail: "no request context".into(),
                authorization_header: false,
            };
        };
        // The page request is judged by the same judge as any API request. Its cookie is what
        // the witness reports, so it is judged as a read by that cookie alone.
        let presented = Presented {
            authorization_sent: false,
            header_session: None,
            access_cookie: None,
            ..presented(&parts.method, &parts.headers)
        };
        let (cookie_user, cookie_detail) =
            match judge::session::judge(&state.auth, &presented, true).await {
                Ok(decision) => {
                    if decision.worth_logging() {
                        let action = format!("GET {} (page render)", parts.uri.path());
                        let client = ClientAddr::of(&parts, state.settings.hosting.trusted_proxy);
                        state
                            .auth
                            .audit
                            .record(decision.entry(&action, &client.0))
                            .await;
                    }
                    match decision.outcome {
                        Ok(session) => {
                            // The first HTML knew this learner: the server's own render, recorded.
                            state.auth.challenges.note(
                                session.user.id,
                                Happened::Rendered {
                                    mode: crate::wire::AuthMode::Session,
                                },
                            );
                            (
                                Some(session.user.username),
                                "the page request carried a live session cookie".to_string(),
                            )
                        }
                        Err(_) => (
                            None,
                            decision
                                .trace
                                .failed_check()
                                .map(|c| format!("{}: {}", c.name, c.detail))
                                .unwrap_or_default(),
                        ),
                    }
                }
                Err(err) => (None, format!("the session store failed: {err}")),
            };
        RenderedFor {
            rendered_by: "server".into(),
            cookie_user,
            cookie_detail,
            authorization_header: parts.headers.contains_key(header::AUTHORIZATION),
        }
    }
}

/// The witness: rendered into the HTML by the server on a page load.
#[component]
pub fn SsrWitness() -> impl IntoView {
    let rendered = Resource::new_blocking(
        || (),
        |_| {
            #[cfg(feature = "ssr")]
            let context = (
                use_context::<crate::state::AppState>(),
                use_context::<axum::http::request::Parts>(),
            );
            async move {
                #[cfg(feature = "ssr")]
                {
                    ssr::rendered_for(context.0, context.1).await
                }
                #[cfg(not(feature = "ssr"))]
                {
                    RenderedFor {
                        rendered_by: "browser".into(),
                        cookie_user: None,
                        cookie_detail: "you navigated here inside the app: no HTML was rendered \
                                        for this page; reload it to see what the server sends"
                            .into(),
                        authorization_header: false,
                    }
                }
            }
        },
    );
    view! {
        <Suspense fallback=|| view! { <p>"Rendering…"</p> }>
            {move || rendered.get().map(|r| view! {
                <dl class="facts" data-testid="ssr-witness" data-rendered-by=r.rendered_by.clone()>
                    <dt>"rendered by"</dt>
                    <dd data-testid="ssr-rendered-by">{r.rendered_by.clone()}</dd>
                    <dt>"cookie user"</dt>
                    <dd data-testid="ssr-cookie-user">{r.cookie_user.clone().unwrap_or_else(|| "nobody".into())}</dd>
                    <dt>"why"</dt>
                    <dd>{r.cookie_detail.clone()}</dd>
                    <dt>"Authorization header on the page request"</dt>
                    <dd data-testid="ssr-authorization">{if r.authorization_header { "yes" } else { "no" }}</dd>
                </dl>
            })}
        </Suspense>
    }
}

/// The part of the HTML the server sent that holds the witness's cookie user.
fn witness_excerpt(html: &str) -> String {
    let marker = "data-testid=\"ssr-cookie-user\"";
    let Some(at) = html.find(marker) else {
        return "(no witness in this HTML)".into();
    };
    let start = html[..at].rfind('<').unwrap_or(at);
    let end = html[at..].find("</dd>").map_or(html.len(), |e| at + e + 5);
    html[start..end].to_string()
}

/// The whole lesson: the witness, a bearer login held in memory, and the HTML fetched raw.
#[component]
pub fn SsrVersusHydration() -> impl IntoView {
    let token: RwSignal<Option<String>> = RwSignal::new(None);
    let bearer_user: RwSignal<Option<String>> = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let fetched: RwSignal<Option<(String, usize)>> = RwSignal::new(None);
    let login = move |credentials: Credentials| {
        super::exclusive::run_exclusive(busy, async move {
            if let Ok(tokens) = client::jwt_login(&credentials).await.result {
                let me = client::me(Credential::Bearer(&tokens.access_token)).await;
                bearer_user.set(me.result.ok().map(|me| me.username));
                token.set(Some(tokens.access_token));
            }
        });
    };
    let fetch_html = move |_| {
        leptos::task::spawn_local(async move {
            if let Ok(html) = client::page_html("/lessons/ssr-and-hydration", true).await {
                fetched.set(Some((witness_excerpt(&html), html.len())));
            }
        });
    };
    view! {
        <h2>"1. What the server rendered for this page load"</h2>
        <SsrWitness/>
        <h2>"2. A bearer login, held in this page's memory"</h2>
        <p>
            "Sign in in bearer mode here. The hydrated app now knows you: it holds the token and can "
            "call the API with it. The server, rendering the next page load, will not."
        </p>
        <LoginForm test_id="ssr-jwt-login" endpoint={paths::jwt::LOGIN} busy=busy on_login=login/>
        <p>"The app (after hydration) knows: "
            <strong data-testid="hydrated-bearer-user">
                {move || bearer_user.get().unwrap_or_else(|| "nobody (no token in memory)".into())}
            </strong>
        </p>
        <h2>"3. The HTML the server sends for this page, now"</h2>
        <p>
            "Fetched exactly as a navigation would: the browser's cookies go along, no Authorization "
            "header does (a navigation cannot carry one)."
        </p>
        <button type="button" data-testid="fetch-html" on:click=fetch_html>"Fetch this page's HTML"</button>
        {move || fetched.get().map(|(excerpt, size)| view! {
            <p class="muted">{format!("{size} bytes of HTML; the witness inside it:")}</p>
            <pre class="code" data-testid="fetched-witness">{excerpt}</pre>
        })}
    }
    .into_any()
}
