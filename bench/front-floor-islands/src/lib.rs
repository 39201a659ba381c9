//! The islands floor: the hydration floor's button and JSON fetch (bench/front-floor) as one island.
//! The rest of a page stays server-rendered and ships no code. Measured for size only.
use leptos::{prelude::*, task::spawn_local};
use serde::Deserialize;

#[derive(Clone, Debug, Deserialize)]
struct Me {
    username: String,
    role: String,
}

#[island]
pub fn Home() -> impl IntoView {
    let count = RwSignal::new(0_u32);
    let me = RwSignal::new(None::<Me>);
    let fetch = move |_| {
        count.update(|c| *c += 1);
        spawn_local(async move {
            if let Ok(answer) = gloo_net::http::Request::get("/api/me").send().await {
                me.set(answer.json::<Me>().await.ok());
            }
        });
    };
    view! {
        <button on:click=fetch>"Call GET /api/me: " {count}</button>
        <p>{move || me.get().map(|me| format!("{} ({})", me.username, me.role))}</p>
    }
}

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
