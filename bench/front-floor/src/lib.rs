//! The floor: one page with a counter and one JSON fetch, one lazily loaded route, a title.
//! Nothing here is measured for speed, only for size.

use leptos::{prelude::*, task::spawn_local};
use leptos_meta::{provide_meta_context, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    lazy_route, Lazy, LazyRoute, StaticSegment,
};
use serde::Deserialize;

#[derive(Clone, Debug, Deserialize)]
struct Me {
    username: String,
    role: String,
}

#[component]
fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title text="floor"/>
        <Router>
            <main>
                <Routes fallback=|| "not found">
                    <Route path=StaticSegment("") view=Home/>
                    <Route path=StaticSegment("other") view={Lazy::<Other>::new()}/>
                </Routes>
            </main>
        </Router>
    }
}

#[component]
fn Home() -> impl IntoView {
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
        <a href="/other">"other"</a>
    }
}

struct Other;

#[lazy_route]
impl LazyRoute for Other {
    fn data() -> Self {
        Other
    }

    fn view(_this: Self) -> AnyView {
        view! { <p>"another page"</p> }.into_any()
    }
}

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_lazy(App);
}
