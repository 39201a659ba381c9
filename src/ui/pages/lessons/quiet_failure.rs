//! Lesson: JWT systems fail quietly (claim 9). A token is logged out, so the shared denylist
//! refuses it on every node; then the denylist's store stops answering. An account that fails
//! open lets the revoked token through, and nothing looks broken; failing closed refuses every
//! token instead (`?fail=closed`).

use super::{
    experiment::{lesson_params, param, Experiment, Run, Switch},
    scale_experiment::{count, hits, run_scale},
};
use crate::wire::{AuthMode, ScaleRequest, ScaleStore};
use leptos::prelude::*;

#[component]
pub fn Lesson() -> impl IntoView {
    let params = lesson_params();
    let start = move |run: Run| {
        let fail_open = param(params, "fail", "open") != "closed";
        run.go(async move {
            let request = ScaleRequest {
                store: ScaleStore::SharedRedis,
                sticky: false,
                mode: AuthMode::Jwt,
                kill_holder: false,
                denylist: true,
                outage: true,
                fail_open,
            };
            let result = run_scale(
                &run,
                "scale lab: a revoked JWT during a store outage",
                request,
            )
            .await?;
            let frozen = hits(&result, "frozen");
            if fail_open {
                run.saw(format!(
                    "The token was logged out before the outage. While the denylist could not be \
                     asked, {} of {} requests with it got 200: the account fails open, so the \
                     revoked token worked again, and no answer said anything was wrong.",
                    count(frozen, 200),
                    frozen.len()
                ));
            } else {
                run.saw(format!(
                    "Failing closed: while the denylist could not be asked, {} of {} requests got \
                     503, refused at \"denylist\". Safe, and every bearer call of the account is \
                     down with the store.",
                    count(frozen, 503),
                    frozen.len()
                ));
            }
            let back = hits(&result, "back");
            run.saw(format!(
                "Once the store was back, {} of {} requests with the revoked token were refused \
                 at \"denylist\" again.",
                back.iter()
                    .filter(|hit| hit.refused_by.as_deref() == Some("denylist"))
                    .count(),
                back.len()
            ));
            Ok(())
        });
    };
    view! {
        <section class="card prose">
            <p>
                "Revoking a JWT early means a denylist, and a denylist lives in a store. When that "
                "store stops answering, the server must choose: refuse every token (fail closed: "
                "loud, and all bearer traffic stops) or accept tokens unchecked (fail open: nothing "
                "looks broken, and every revoked token works again until its exp)."
            </p>
            <Switch name="fail" options=&["open", "closed"] default="open"/>
        </section>
        <Experiment label="Revoke a token, freeze the store, replay it" start=start/>
    }
}
