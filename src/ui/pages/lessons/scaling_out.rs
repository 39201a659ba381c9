//! Lesson: scaling out (claim 7). Three real nodes behind a balancer, each keeping sessions in its
//! own memory: a session works only on the node that made it, while a JWT verifies on every node,
//! because each node checks a signature instead of looking something up.

use super::{
    experiment::{Experiment, Run},
    scale_experiment::{count, hits, nodes, run_scale},
};
use crate::wire::{AuthMode, ScaleRequest, ScaleStore};
use leptos::prelude::*;
use leptos_router::components::A;

fn request(mode: AuthMode) -> ScaleRequest {
    ScaleRequest {
        store: ScaleStore::PerNode,
        sticky: false,
        mode,
        kill_holder: false,
        denylist: false,
        outage: false,
        fail_open: false,
    }
}

#[component]
pub fn Lesson() -> impl IntoView {
    let start = move |run: Run| {
        run.go(async move {
            let sessions = run_scale(
                &run,
                "scale lab: sessions, per-node stores",
                request(AuthMode::Session),
            )
            .await?;
            let holder = hits(&sessions, "log in")
                .first()
                .and_then(|hit| hit.node.clone())
                .unwrap_or_default();
            let burst = hits(&sessions, "requests through the balancer");
            run.saw(format!(
                "Sessions, each node its own store: the login landed on {holder}. Of {} requests \
                 the balancer spread over {}, {} got 200 (from {holder}) and {} got 401 at \"store \
                 lookup\": the other nodes have never heard of the session.",
                burst.len(),
                nodes(burst).join(", "),
                count(burst, 200),
                count(burst, 401)
            ));
            let tokens = run_scale(
                &run,
                "scale lab: JWTs, per-node stores",
                request(AuthMode::Jwt),
            )
            .await?;
            let burst = hits(&tokens, "requests through the balancer");
            run.saw(format!(
                "JWTs on the same kind of cluster: {} of {} requests got 200, from {}. Every node \
                 verifies the signature with the same key; nothing needs to be shared per login.",
                count(burst, 200),
                burst.len(),
                nodes(burst).join(", ")
            ));
            Ok(())
        });
    };
    view! {
        <section class="card prose">
            <p>
                "One server remembers its sessions. Put three behind a load balancer and each request "
                "may land on a node that has never seen yours. The fixes: sticky sessions (the balancer "
                "sends you back to the same node, until that node goes away) or a store every node "
                "shares (which every request now waits on). A signed token needs neither: any node "
                "holding the key can check it."
            </p>
            <p>"Try sticky sessions, killing a node, and shared stores on the "<A href="/scale">"scale lab"</A>"."</p>
        </section>
        <Experiment label="Start three nodes, sign in both ways, send requests" start=start/>
    }
}
