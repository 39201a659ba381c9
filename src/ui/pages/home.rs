//! The landing page: what the lab is for and what it can do today.

use crate::ui::demo_accounts::DemoAccounts;
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <div class="columns">
            <section class="card intro">
                <h1>"Cookie sessions vs bearer JWTs"</h1>
                <p class="lede">
                    "Two ways to stay logged in. A "<strong>"cookie session"</strong>" keeps your "
                    "state on the server and gives the browser an opaque id; a "
                    <strong>"bearer JWT"</strong>" hands the state to the client, signed, and the "
                    "server only checks the signature."
                </p>
                <p>
                    "Every claim this lab makes is demonstrated against this real server: what "
                    "logout really does, how a token is revoked, what an attacker can read."
                </p>
                <h2>"Where the lab is today"</h2>
                <ul class="status-list">
                    <li class="done">
                        "Accounts: argon2id-hashed passwords in SQLite, two demo accounts, "
                        <A href="/register">"registration"</A>"."
                    </li>
                    <li class="done">
                        <A href="/">"Cookie-session mode"</A>" with its live inspector: login, logout, "
                        "CSRF defence, idle and absolute timeouts, sessions list and revocation."
                    </li>
                    <li class="done">
                        <A href="/">"Bearer-JWT mode"</A>" with its token inspector: signed access "
                        "tokens, refresh rotation with theft detection, denylist, key rotation, a "
                        "decoder and the token-storage lesson."
                    </li>
                    <li class="done">
                        <A href="/compare">"Side by side"</A>": both models signed in at once, the "
                        "replay timeline after logout, the logout matrix; "<A href="/lessons">"guided lessons"</A>
                        " with live experiments; the "<A href="/audit">"audit log"</A>"."
                    </li>
                    <li class="todo">"Attacks, scale-out and outages, measured per-request cost, rate limiting: not built yet."</li>
                </ul>
            </section>
            <DemoAccounts/>
        </div>
    }
}
