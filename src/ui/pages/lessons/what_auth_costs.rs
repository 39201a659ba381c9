//! Lesson: what authentication costs (claim 6). The server runs a small benchmark of each kind of
//! check, now, on this machine (`POST /api/lab/cost-benchmark`): a signature check per algorithm
//! and a lookup in the session store and in the denylist it really uses. The table and every
//! sentence below it are computed from that answer; the inspectors show the same split measured
//! on the learner's own requests.

use super::experiment::{fresh_account, Experiment, Run};
use crate::{
    ui::client::{self, Credential},
    ui::figures::{duration, ratio},
    wire::{CostBenchmark, CostRow},
};
use leptos::prelude::*;

#[component]
pub fn Lesson() -> impl IntoView {
    let result: RwSignal<Option<CostBenchmark>> = RwSignal::new(None);
    let start = move |run: Run| {
        result.set(None);
        run.go(async move {
            let account = fresh_account(&run).await?;
            let session = run.session_login("session login", &account).await?;
            let answer = client::cost_benchmark(Credential::Csrf(&session.csrf_token)).await;
            run.step("the server times each kind of check", &answer);
            let bench = answer.result.map_err(|err| err.to_string())?;
            for sentence in conclusions(&bench) {
                run.saw(sentence);
            }
            result.set(Some(bench));
            Ok(())
        });
    };
    view! {
        <section class="card prose">
            <p>
                "A session check asks a store: is this id known, and whose is it? A JWT check asks "
                "arithmetic: does this signature match this key? The claim is that the second is "
                "faster because it needs no round trip. How much faster, and with which algorithm?"
            </p>
            <p>
                "The server below times each check a couple of hundred times, one after another, and "
                "keeps the median. The lookups ask for an id nobody holds, so nothing changes: it is "
                "the same index probe a real check makes. The inspectors on the playground show the "
                "same split measured on your own requests."
            </p>
        </section>
        <Experiment label="Run the benchmark on this server" start=start/>
        {move || result.get().map(|bench| view! {
            <section class="card">
                <h2>"Measured on this server, just now"</h2>
                <table class="record" data-testid="cost-table">
                    <thead><tr>
                        <th>"check"</th><th>"median"</th>
                        <th>"at 1,000 requests/s"</th><th>"at 100,000 requests/s"</th>
                    </tr></thead>
                    <tbody>
                        {bench.rows.iter().map(|row| view! {
                            <tr data-testid=format!("cost-{}", row.kind)>
                                <th>{row.what.clone()}</th>
                                <td data-testid="cost-median">{duration(row.median_ns)}</td>
                                <td>{busy(row.median_ns, 1_000)}</td>
                                <td>{busy(row.median_ns, 100_000)}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
                <p class="muted">{format!(
                    "Median of {} runs each. \"At N requests/s\": how much of one core (or of one \
                     store connection's time, for a lookup) that check alone would take.",
                    bench.iterations
                )}</p>
            </section>
        })}
    }
}

/// Seconds of work per second at `rate` requests a second: a share of one core, or cores.
fn busy(ns: u64, rate: u64) -> String {
    let work_ns = ns.saturating_mul(rate);
    if work_ns < 1_000_000_000 {
        format!("{}% of a core", ratio(work_ns, 10_000_000, 1))
    } else {
        format!("{} cores", ratio(work_ns, 1_000_000_000, 1))
    }
}

fn find<'a>(bench: &'a CostBenchmark, starts: &str) -> Option<&'a CostRow> {
    bench.rows.iter().find(|r| r.what.starts_with(starts))
}

/// "What you just saw", from the figures.
fn conclusions(bench: &CostBenchmark) -> Vec<String> {
    let mut saw = Vec::new();
    if let (Some(lookup), Some(hs)) = (
        find(bench, "session lookup"),
        find(bench, "signature check, HS256"),
    ) {
        saw.push(format!(
            "A {} took {}; an HS256 signature check {}: the lookup cost {}× as much.",
            lookup.what,
            duration(lookup.median_ns),
            duration(hs.median_ns),
            ratio(lookup.median_ns, hs.median_ns, 0)
        ));
    }
    if let (Some(lookup), Some(es), Some(hs)) = (
        find(bench, "session lookup"),
        find(bench, "signature check, ES256"),
        find(bench, "signature check, HS256"),
    ) {
        let against = if es.median_ns > lookup.median_ns {
            "more than the session lookup: \"JWTs are faster\" held here for HS256, not for ES256"
        } else {
            "still less than the session lookup"
        };
        saw.push(format!(
            "The algorithm matters: an ES256 check took {}, {}× an HS256 check and {against}.",
            duration(es.median_ns),
            ratio(es.median_ns, hs.median_ns, 0)
        ));
    }
    if let Some(deny) = find(bench, "denylist lookup") {
        saw.push(format!(
            "Switch revocation on and every bearer request pays a {} as well ({}): the lookup \
             the stateless design avoided is back.",
            deny.what,
            duration(deny.median_ns)
        ));
    }
    saw
}
