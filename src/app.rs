//! The HTML shell the server renders, the `<App/>` root and its routes.

use crate::ui::{
    attacks::AttacksPage,
    audit_page::AuditPage,
    compare::ComparePage,
    home::HomePage,
    lessons::{LessonList, LessonPage},
    playground::Playground,
    register::RegisterPage,
    scale::ScalePage,
};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::{
    components::{Route, Router, Routes, A},
    ParamSegment, StaticSegment,
};

/// The document around the app: the server renders it once per page load.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    // This response's CSP carries the nonce the hydration scripts below are given.
    #[cfg(feature = "ssr")]
    crate::security_headers::page_policy();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                // The stylesheet under its content-hashed name when the build wrote one.
                <HashedStylesheet id="authlab" options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    crate::ui::when::provide_clock();
    // Effects run only in the browser, after hydration: this attribute tells a person (and
    // Playwright) that the WASM app has taken over the server-rendered page.
    Effect::new(move |_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });

    view! {
        <Title text="authlab: cookie sessions vs bearer JWTs"/>
        <Router>
            <header class="site-header">
                <A href="/" attr:class="brand">
                    <span class="brand-mark">"auth"</span>"lab"
                </A>
                <nav>
                    <A href="/">"Playground"</A>
                    <A href="/compare">"Compare"</A>
                    <A href="/scale">"Scale out"</A>
                    <A href="/attacks">"Attacks"</A>
                    <A href="/lessons">"Lessons"</A>
                    <A href="/audit">"Audit log"</A>
                    <A href="/register">"Register"</A>
                    <A href="/about">"About"</A>
                </nav>
            </header>
            <main class="page">
                <Routes fallback=|| view! { <NotFound/> }>
                    <Route path=StaticSegment("") view=Playground/>
                    <Route path=StaticSegment("about") view=HomePage/>
                    <Route path=StaticSegment("attacks") view=AttacksPage/>
                    <Route path=StaticSegment("audit") view=AuditPage/>
                    <Route path=StaticSegment("compare") view=ComparePage/>
                    <Route path=StaticSegment("lessons") view=LessonList/>
                    <Route path=(StaticSegment("lessons"), ParamSegment("slug")) view=LessonPage/>
                    <Route path=StaticSegment("register") view=RegisterPage/>
                    <Route path=StaticSegment("scale") view=ScalePage/>
                </Routes>
            </main>
            <footer class="site-footer" data-testid="site-footer">
                {crate::ui::lessons::claims::footer_summary()}
            </footer>
        </Router>
    }
}

#[component]
fn NotFound() -> impl IntoView {
    view! {
        <section class="card">
            <h1>"Page not found"</h1>
            <p><A href="/">"Back to the lab"</A></p>
        </section>
    }
}
