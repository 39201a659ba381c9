//! Lesson: the shared store is a single point of failure (claim 8). Three nodes share one Redis
//! for their sessions; the lab freezes it mid-run: every session request fails, loudly, on every
//! node, and works again when the store is back, with nothing restarted.

use super::{
    experiment::{Experiment, Run},
    scale_experiment::{count, hits, nodes, run_scale},
};
use crate::wire::{AuthMode, ScaleRequest, ScaleStore};
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn Lesson() -> impl IntoView {
    let start = move |run: Run| {
        run.go(async move {
            let request = ScaleRequest {
                store: ScaleStore::SharedRedis,
                sticky: false,
                mode: AuthMode::Session,
                kill_holder: false,
                denylist: false,
                outage: true,
                fail_open: false,
            };
            let result = run_scale(
                &run,
                "scale lab: sessions on a shared Redis, with an outage",
                request,
            )
            .await?;
            let before = hits(&result, "requests through the balancer");
            run.saw(format!(
                "With the store up, {} of {} session requests got 200, from {}: the shared store \
                 lets every node find the session.",
                count(before, 200),
                before.len(),
                nodes(before).join(", ")
            ));
            let frozen = hits(&result, "frozen");
            run.saw(format!(
                "With the store frozen, {} of {} got 503, refused at \"store lookup\" on {}: no \
                 node can tell who you are, so none pretends to.",
                count(frozen, 503),
                frozen.len(),
                nodes(frozen).join(", ")
            ));
            let back = hits(&result, "back");
            run.saw(format!(
                "Once the store answered again, {} of {} got 200, and nothing was restarted.",
                count(back, 200),
                back.len()
            ));
            Ok(())
        });
    };
    view! {
        <section class="card prose">
            <p>
                "A shared session store makes every node able to serve every user, and makes every "
                "request depend on that one store. When it stops answering, session mode stops too: "
                "every node, every signed-in user. That failure is loud (a 503 that names the store), "
                "which is its one virtue."
            </p>
            <p>"More runs (and the JWT side) on the "<A href="/scale">"scale lab"</A>"."</p>
        </section>
        <Experiment label="Start three nodes on one Redis, then freeze it" start=start/>
    }
}
