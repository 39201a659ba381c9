//! The HTML shell the server renders, the `<App/>` root and its routes.

use crate::ui::{
    pages::account::AccountPage,
    pages::admin::AdminPage,
    pages::attacks::AttacksPage,
    pages::audit::AuditPage,
    pages::compare::ComparePage,
    pages::home::HomePage,
    pages::lessons::{LessonList, LessonPage},
    pages::playground::Playground,
    pages::progress::ProgressPage,
    pages::register::RegisterPage,
    pages::scale::ScalePage,
    pages::teach::TeachPage,
    pages::workbench::WorkbenchPage,
};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::{
    components::{Route, Router, Routes, A},
    lazy_route, Lazy, LazyRoute, ParamSegment, StaticSegment,
};

/// The document around the app: the server renders it once per page load.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    // This response's CSP carries the nonce the hydration scripts below are given.
    #[cfg(feature = "ssr")]
    crate::http::security_headers::page_policy();
    let islands = islands_page();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                // The stylesheet under its content-hashed name when the build wrote one.
                <HashedStylesheet id="authlab" options=options.clone()/>
                // On the playground's page only the playground hydrates (an island); every other
                // page hydrates whole, with the client-side router (`islands_page`).
                <HydrationScripts options islands/>
                <MetaTags/>
            </head>
            <body data-hydration=if islands { "islands" } else { "page" }>
                <App/>
            </body>
        </html>
    }
}

/// The pages that hydrate as islands.
#[cfg(feature = "ssr")]
const ISLANDS_PAGES: [&str; 6] = [
    "/",
    "/workbench",
    "/progress",
    "/account",
    "/teach",
    "/admin",
];

/// Whether this page hydrates as islands: the playground (`/`), the page a first visit opens,
/// and the token workbench (`/workbench`), whose only interactive part is the workbench.
///
/// Its only interactive part is the playground, a Leptos `#[island]`. Hydrating just that leaves
/// the router, the header's links and every other page's code out of what a first visit fetches:
/// the rest of the page stays as the server rendered it, and its links load their pages whole.
/// Every other page hydrates whole (`App`, with the client-side router), so moving between them
/// stays in the browser. The browser reads the choice from `<body data-hydration>` (`lib.rs`).
fn islands_page() -> bool {
    #[cfg(feature = "ssr")]
    {
        use_context::<axum::http::request::Parts>()
            .is_some_and(|parts| ISLANDS_PAGES.contains(&parts.uri.path()))
    }
    // The shell is rendered only on the server.
    #[cfg(not(feature = "ssr"))]
    {
        false
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    crate::ui::when::provide_clock();
    crate::ui::hydrated::mark_hydrated();

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
                    <A href="/workbench">"Workbench"</A>
                    <A href="/lessons">"Lessons"</A>
                    <A href="/progress">"Progress"</A>
                    <A href="/audit">"Audit log"</A>
                    <A href="/account">"Account"</A>
                    <A href="/teach">"Teach"</A>
                    <A href="/register">"Register"</A>
                    <A href="/about">"About"</A>
                </nav>
                {crate::ui::who_am_i::header_identity(islands_page())}
            </header>
            <main class="page">
                <Routes fallback=|| view! { <NotFound/> }>
                    <Route path=StaticSegment("") view=Playground/>
                    // Every page but the playground is split out of the main WASM (below).
                    <Route path=StaticSegment("about") view={Lazy::<About>::new()}/>
                    <Route path=StaticSegment("attacks") view={Lazy::<Attacks>::new()}/>
                    <Route path=StaticSegment("audit") view={Lazy::<Audit>::new()}/>
                    <Route path=StaticSegment("compare") view={Lazy::<Compare>::new()}/>
                    <Route path=StaticSegment("lessons") view={Lazy::<Lessons>::new()}/>
                    <Route
                        path=(StaticSegment("lessons"), ParamSegment("slug"))
                        view={Lazy::<Lesson>::new()}
                    />
                    <Route path=StaticSegment("register") view={Lazy::<Register>::new()}/>
                    <Route path=StaticSegment("scale") view={Lazy::<Scale>::new()}/>
                    // An islands page: the server renders it, only its workbench hydrates.
                    <Route path=StaticSegment("workbench") view=WorkbenchPage/>
                    // An islands page: the server renders the text, only the board hydrates.
                    <Route path=StaticSegment("progress") view=ProgressPage/>
                    // Islands pages: the server renders the text, only their panels hydrate.
                    <Route path=StaticSegment("account") view=AccountPage/>
                    <Route path=StaticSegment("teach") view=TeachPage/>
                    <Route path=StaticSegment("admin") view=AdminPage/>
                </Routes>
            </main>
            <footer class="site-footer" data-testid="site-footer">
                {crate::ui::pages::lessons::claims::footer_summary()}
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

// The pages split out of the main WASM. Built with `cargo leptos build --split` (every script
// does), each page's own code is a separate file the browser fetches the first time that page is
// opened (the server already links it from a page it renders), so the first page a visitor opens
// does not wait for every other page's code. Code two pages share goes into a shared file. Each
// is written out rather than made by a macro: the split point is named after where it is written.

/// `/about`.
pub struct About;

#[lazy_route]
impl LazyRoute for About {
    fn data() -> Self {
        About
    }

    fn view(_this: Self) -> AnyView {
        view! { <HomePage/> }.into_any()
    }
}

/// `/attacks`.
pub struct Attacks;

#[lazy_route]
impl LazyRoute for Attacks {
    fn data() -> Self {
        Attacks
    }

    fn view(_this: Self) -> AnyView {
        view! { <AttacksPage/> }.into_any()
    }
}

/// `/audit`.
pub struct Audit;

#[lazy_route]
impl LazyRoute for Audit {
    fn data() -> Self {
        Audit
    }

    fn view(_this: Self) -> AnyView {
        view! { <AuditPage/> }.into_any()
    }
}

/// `/compare`.
pub struct Compare;

#[lazy_route]
impl LazyRoute for Compare {
    fn data() -> Self {
        Compare
    }

    fn view(_this: Self) -> AnyView {
        view! { <ComparePage/> }.into_any()
    }
}

/// `/lessons`.
pub struct Lessons;

#[lazy_route]
impl LazyRoute for Lessons {
    fn data() -> Self {
        Lessons
    }

    fn view(_this: Self) -> AnyView {
        view! { <LessonList/> }.into_any()
    }
}

/// `/lessons/{slug}`.
pub struct Lesson;

#[lazy_route]
impl LazyRoute for Lesson {
    fn data() -> Self {
        Lesson
    }

    fn view(_this: Self) -> AnyView {
        view! { <LessonPage/> }.into_any()
    }
}

/// `/register`.
pub struct Register;

#[lazy_route]
impl LazyRoute for Register {
    fn data() -> Self {
        Register
    }

    fn view(_this: Self) -> AnyView {
        view! { <RegisterPage/> }.into_any()
    }
}

/// `/scale`.
pub struct Scale;

#[lazy_route]
impl LazyRoute for Scale {
    fn data() -> Self {
        Scale
    }

    fn view(_this: Self) -> AnyView {
        view! { <ScalePage/> }.into_any()
    }
}
