//! authlab: an interactive lab for web authentication, cookie sessions versus bearer JWTs.
//!
//! One crate, two targets. With `ssr` it is the Axum server (auth core, REST API, database,
//! server-side rendering); with `hydrate` it is the WASM bundle that takes over the server-rendered
//! page in the browser. `wire` and the UI compile for both, so both sides share one set of
//! types.

// Leptos views are deeply nested types; the playground's exceed the default query depth.
#![recursion_limit = "256"]

pub mod app;
pub mod scenario;
pub mod ui;
pub mod wire;

#[cfg(feature = "ssr")]
pub mod api;
#[cfg(feature = "ssr")]
pub mod audit;
#[cfg(feature = "ssr")]
pub mod auth;
#[cfg(feature = "ssr")]
pub mod bff;
#[cfg(feature = "ssr")]
pub mod challenges;
#[cfg(feature = "ssr")]
pub mod classes;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod demo;
#[cfg(feature = "ssr")]
pub mod http;
#[cfg(feature = "ssr")]
pub mod lab;
#[cfg(feature = "ssr")]
pub mod logging;
#[cfg(feature = "ssr")]
pub mod server;
#[cfg(feature = "ssr")]
pub mod settings;
#[cfg(feature = "ssr")]
pub mod state;
#[cfg(feature = "ssr")]
pub mod store;

/// Entry point of the WASM bundle: attach the app to the HTML the server rendered.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    let islands = leptos::prelude::document()
        .body()
        .and_then(|body| body.get_attribute("data-hydration"))
        .is_some_and(|kind| kind == "islands");
    if islands {
        // The playground's page (`app::islands_page`): the islands script hydrates each island
        // after this call, and nothing else on the page.
        leptos::mount::hydrate_islands();
    } else {
        wasm_bindgen_futures::spawn_local(hydrate_page());
    }
}

/// A whole page, with the router: its code (the router, the shell, every page's entry) is a file
/// of its own (`#[lazy]`), which the playground's page never fetches. Lazy too: the split-out
/// pages (`app.rs`) hydrate once their code has arrived.
#[cfg(feature = "hydrate")]
#[leptos::prelude::lazy]
fn hydrate_page() {
    leptos::mount::hydrate_lazy(app::App);
}

/// Slack in the bundle's read-only data segment, referenced by no code, so shipped in no file.
///
/// `cargo leptos build --split` (wasm-split) gives each split-out file the constants (mostly page
/// text) only its own code uses, packing each file's share of the `.rodata` segment at an aligned
/// offset. If the packed shares come out longer than the segment the linker wrote, it gives up and
/// puts the whole segment, every page's text, in the main WASM that each first visit fetches. This
/// unused block keeps the segment longer than any packing of what is used.
#[cfg(feature = "hydrate")]
#[used]
static SPLIT_DATA_SLACK: [u8; 4096] = [0xA5; 4096];
