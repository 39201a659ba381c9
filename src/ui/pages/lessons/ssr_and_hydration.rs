//! What the first HTML knows: a session-mode page can be rendered for its user on the server, a
//! bearer-mode page cannot (the token lives in the running app's memory).

use crate::ui::ssr_view::SsrVersusHydration;
use leptos::prelude::*;

#[component]
pub fn Lesson() -> impl IntoView {
    view! {
        <section class="card prose">
            <p>
                "A page load is a plain HTTP request for HTML. The browser attaches cookies to it by "
                "itself, so in cookie-session mode the server knows who you are while it renders, and "
                "the very first HTML can say so. A bearer token is different: it lives in the "
                "running app's memory, the app does not exist until the HTML has arrived and "
                "hydrated, and a navigation cannot carry an Authorization header anyway."
            </p>
            <p>
                "So bearer-mode apps render an anonymous shell and fill it in after hydration "
                "(a flash of logged-out content, or a spinner), while session-mode apps can "
                "server-render personalised pages. Below: the witness the server rendered into "
                "this page, a bearer login, and this page's HTML fetched again as a navigation would."
            </p>
        </section>
        <section class="card">
            <SsrVersusHydration/>
        </section>
    }
}
