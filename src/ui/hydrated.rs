//! The mark that the page's WASM has taken over the server-rendered page.

use leptos::prelude::*;

/// Set `<body data-hydrated="true">` once the page (or, on the playground's page, its island) has
/// hydrated. Effects run only in the browser, after hydration: the attribute tells a person (and
/// Playwright) that the page now answers clicks.
pub fn mark_hydrated() {
    Effect::new(move |_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
}
