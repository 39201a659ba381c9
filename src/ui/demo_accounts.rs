//! The demo-account card: the seeded accounts and their (deliberately public) passwords.

use crate::demo::DEMO_ACCOUNTS;
use leptos::prelude::*;

#[component]
pub fn DemoAccounts() -> impl IntoView {
    view! {
        <aside class="card demo-accounts" data-testid="demo-accounts">
            <h2>"Demo accounts"</h2>
            <p class="muted">
                "Seeded on first run. Their passwords are public because this is a lab; "
                "never print passwords on a real login page."
            </p>
            <table>
                <thead>
                    <tr><th>"username"</th><th>"password"</th><th>"role"</th></tr>
                </thead>
                <tbody>
                    {DEMO_ACCOUNTS
                        .iter()
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
    }
}
