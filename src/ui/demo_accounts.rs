//! The demo-account card. The server decides what it shows (`GET /api/demo-accounts`): the
//! shared accounts and their deliberately public passwords on loopback use, nothing on a hosted
//! lab. The passwords are not compiled into the WASM bundle.

use crate::wire::DemoCard;
use leptos::either::Either;
use leptos::prelude::*;

#[component]
pub fn DemoAccounts() -> impl IntoView {
    // The server renders the card and hands it to hydration in the page (`SharedValue`), so a
    // first visit neither asks for it again nor waits on anything asynchronous. A page reached by
    // client-side navigation has no rendered card: it asks the server.
    let card = RwSignal::new(island_data(|| SharedValue::new(rendered_card)).into_inner());
    #[cfg(not(feature = "ssr"))]
    if card.with_untracked(Option::is_none) {
        leptos::task::spawn_local(async move {
            // The visitor may have left the page meanwhile: then there is nothing to fill.
            let _ = card.try_set(Some(fetch_card().await));
        });
    }
    move || {
        card.get().map(|card| {
            if card.accounts.is_empty() {
                Either::Left(view! {
                    <aside class="card demo-accounts" data-testid="demo-accounts-hosted">
                        <h2>"Accounts"</h2>
                        <p class="muted">
                            "This lab is hosted for a class, so it has no shared demo accounts: "
                            "register an account of your own."
                        </p>
                    </aside>
                })
            } else {
                Either::Right(view! {
                    <aside class="card demo-accounts" data-testid="demo-accounts">
                        <h2>"Demo accounts"</h2>
                        <p class="muted">
                            "Seeded on first run and shared by everyone using this lab on this "
                            "machine. Their passwords are public because this is a lab; never "
                            "print passwords on a real login page. Their password and role cannot "
                            "be changed, and their switches and sessions are reset now and then."
                        </p>
                        <table>
                            <thead>
                                <tr><th>"username"</th><th>"password"</th><th>"role"</th></tr>
                            </thead>
                            <tbody>
                                {card.accounts
                                    .into_iter()
                                    .map(|account| view! {
                                        <tr>
                                            <td><code>{account.username}</code></td>
                                            <td><code>{account.password}</code></td>
                                            <td>{account.role.as_str()}</td>
                                        </tr>
                                    })
                                    .collect_view()}
                            </tbody>
                        </table>
                    </aside>
                })
            }
        })
    }
}

/// Runs `make`, which hands the server's data to hydration, so that inside an island (the
/// playground, `app::islands_page`) the server and the browser give that data the same id.
///
/// Each value handed to hydration is found again in the browser by a counter. Inside an island,
/// Leptos counts on the server only while the island's body runs (`Owner::with_hydration` in the
/// `#[island]` macro); the rest of an islands page takes ids the browser never counts. This card
/// is made later, while the island renders its mode's half, so without this it took such an id:
/// the browser found no card, drew none, and hydration broke where the server had drawn one.
fn island_data<T>(make: impl FnOnce() -> T + 'static) -> T {
    let in_island = use_context::<leptos::reactive::owner::IsHydrating>().is_some_and(|h| h.0);
    if in_island {
        Owner::with_hydration(make)
    } else {
        make()
    }
}

/// The card for this page's request, on the server; `None` on the browser, which cannot know it.
fn rendered_card() -> Option<DemoCard> {
    #[cfg(feature = "ssr")]
    {
        let state = use_context::<crate::state::AppState>();
        Some(DemoCard {
            accounts: state
                .map(|s| crate::demo::card(s.hosting.demo_accounts_public()))
                .unwrap_or_default(),
        })
    }
    #[cfg(not(feature = "ssr"))]
    {
        None
    }
}

/// The card, asked of the server (`GET /api/demo-accounts`). Only a page reached by client-side
/// navigation asks: a first visit reads the card the server rendered into the page. So the call,
/// and the client machinery it alone would keep in the main WASM, is a file of its own (`#[lazy]`).
#[cfg(not(feature = "ssr"))]
#[lazy]
async fn fetch_card() -> DemoCard {
    crate::ui::client::demo_accounts()
        .await
        .result
        .unwrap_or_default()
}
