//! Lesson: each model's storage risk. A cookie is attached by the browser to every request to its
//! site, including requests another site starts: that is CSRF, stopped by SameSite and a CSRF token.
//! A token the page stores where scripts can read it can be stolen by any script that runs in the
//! page (XSS) and replayed from anywhere; an HttpOnly cookie cannot be read by scripts at all.
//! `?store=localStorage|sessionStorage|memory` picks where this experiment keeps the token.

use super::experiment::{fresh_account, lesson_params, param, Experiment, Run, Switch};
use crate::{
    ui::browser,
    ui::client::{self, Credential},
    wire::{AccountSwitchesPatch, SameSite},
};
use leptos::prelude::*;

const KEY: &str = "authlab.lesson_token";

/// The "injected script": every readable storage searched for something shaped like a
/// credential: a JWT, or an opaque id of 22 to 64 base64url characters (a session id kept for a
/// header), the same shapes the XSS card's payload looks for.
fn injected_script() -> Vec<(String, String)> {
    let mut found = Vec::new();
    let cookies = browser::document_cookie();
    if !cookies.is_empty() {
        found.push(("document.cookie".to_string(), cookies));
    }
    for (place, value) in [
        ("localStorage", browser::local_get(KEY)),
        ("sessionStorage", browser::session_get(KEY)),
    ] {
        if let Some(value) = value.filter(|v| looks_like_a_credential(v)) {
            found.push((place.to_string(), value));
        }
    }
    found
}

/// A JWT (three dot-separated parts, the first `eyJ…`) or an opaque id (22 to 64 base64url
/// characters).
fn looks_like_a_credential(value: &str) -> bool {
    let base64url = |part: &str| {
        part.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    let jwt = value.starts_with("eyJ")
        && value.split('.').count() == 3
        && value.split('.').all(base64url);
    let opaque = (22..=64).contains(&value.len()) && base64url(value);
    jwt || opaque
}

#[component]
pub fn Lesson() -> impl IntoView {
    let params = lesson_params();
    let start = move |run: Run| {
        let store = param(params, "store", "localStorage");
        run.go(async move {
            let account = fresh_account(&run).await?;
            let first = run.session_login("session login", &account).await?;
            let state = run
                .session_login("log in again in the same browser", &account)
                .await?;
            run.saw(format!(
                "Logging in again replaced session id {}… with {}…: whatever id the browser held \
                 before login (one an attacker planted, say) never becomes a logged-in session.",
                first.session.id_preview, state.session.id_preview
            ));
            let flags: Vec<String> = state
                .cookie
                .attributes
                .iter()
                .map(|a| match &a.value {
                    Some(v) => format!("{}={v}", a.name),
                    None => a.name.clone(),
                })
                .collect();
            run.saw(format!("The session cookie was sent with: {}.", flags.join("; ")));

            let patch = AccountSwitchesPatch {
                same_site: Some(SameSite::Lax),
                ..AccountSwitchesPatch::default()
            };
            let forged = client::put_account_switches(&patch, Credential::Cookies).await;
            let forged_status = run.step("a change sent with the cookie but no CSRF token", &forged);
            let real = client::put_account_switches(&patch, Credential::Csrf(&state.csrf_token)).await;
            let real_status = run.step("the same change with the page's CSRF token", &real);
            run.saw(format!(
                "Without the token: {forged_status}; with it: {real_status}. The browser attaches the \
                 cookie to any request, even one another site starts, so the cookie alone proves \
                 nothing; the token, which only this page could read, does."
            ));

            let token = run.bearer_login("bearer login", &account).await?.access_token;
            match store.as_str() {
                "localStorage" => browser::local_set(KEY, &token),
                "sessionStorage" => browser::session_set(KEY, &token),
                _ => {}
            }
            let found = injected_script();
            browser::local_remove(KEY);
            browser::session_remove(KEY);
            let places: Vec<&str> = found.iter().map(|(p, _)| p.as_str()).collect();
            run.saw(format!(
                "The page kept the token in {store}. The injected script read document.cookie (\"{}\": \
                 the session cookie is HttpOnly) and found a token in: {}.",
                browser::document_cookie(),
                if places.is_empty() { "nothing".to_string() } else { places.join(", ") }
            ));
            if let Some((place, stolen)) = found.into_iter().find(|(p, _)| p != "document.cookie") {
                let replay = client::me(Credential::Bearer(&stolen)).await;
                let status = run.step("the script replays the stolen token", &replay);
                run.saw(format!(
                    "The token stolen from {place} answered {status}: it works from anywhere, for \
                     anyone, until it expires."
                ));
            } else {
                run.saw(
                    "A token held only in the app's memory is out of a script's reach by enumeration, \
                     though a script running in the page can still make requests with the app's help: \
                     XSS is game over either way, only the theft is harder."
                        .to_string(),
                );
            }
            Ok(())
        });
    };
    view! {
        <section class="card prose">
            <p>
                "Cookies ride along automatically. That is their convenience and their risk: a form on "
                "another site that posts to this one makes your browser send your session cookie too "
                "(cross-site request forgery). Two defences stack: SameSite keeps the cookie off "
                "cross-site requests, and a CSRF token that only this site's pages can read must come "
                "with every change."
            </p>
            <p>
                "Bearer tokens are never sent automatically, so CSRF does not reach them; but the page "
                "must store the token somewhere its own scripts can use it. Any script that runs in the "
                "page, including one an attacker injected, can read localStorage and sessionStorage. "
                "HttpOnly cookies are out of every script's reach."
            </p>
            <Switch name="store" options=&["localStorage", "sessionStorage", "memory"] default="localStorage"/>
        </section>
        <Experiment label="Forge a request, then run the injected script" start=start/>
    }
}
