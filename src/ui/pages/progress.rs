//! `/progress`: every challenge by tier, and the signed-in learner's own progress (solved when,
//! hints used), with an export of it as JSON and a reset. An islands page: the server renders the
//! text, only the board hydrates.

use crate::ui::challenges::ProgressBoard;
use leptos::prelude::*;

#[component]
pub fn ProgressPage() -> impl IntoView {
    view! {
        <section class="card intro">
            <h1>"Challenges and progress"</h1>
            <p>
                "Each challenge is a goal you reach by acting: in the playground, the workbench, "
                "the compare page, the attack lab, the scale lab, or with curl. The server decides "
                "when one is reached, from the decisions it really makes on your requests (which "
                "checks ran, which refused, with which token and key); nothing the page says about "
                "itself solves anything."
            </p>
            <p class="muted">
                "Hints come one at a time and are counted; after the last one, the worked solution. "
                "A few challenges cannot be done with the defences on: try them, and the server "
                "says why. Your progress is kept per account on the server, across restarts and "
                "nodes, until you reset it."
            </p>
        </section>
        <ProgressBoard/>
    }
}
