//! What the three scale-out lessons share: run the scale lab (`POST /api/lab/scale`, queued) as
//! the lesson's own fresh account, and read its answers back by step.

use super::experiment::{fresh_account, Run};
use crate::{
    ui::client::Credential,
    ui::pages::scale::{finished_run, run_queued},
    wire::{ScaleHit, ScaleRequest, ScaleRun},
};

/// Register a fresh account, sign it in, and run `request` on the scale lab as it.
pub async fn run_scale(run: &Run, label: &str, request: ScaleRequest) -> Result<ScaleRun, String> {
    let account = fresh_account(run).await?;
    let token = run
        .bearer_login("bearer login", &account)
        .await?
        .access_token;
    let answer = run_queued(&request, Credential::Bearer(&token), |_| {}).await;
    run.step(label, &answer);
    finished_run(&answer)
}

/// The requests of the run's step whose label contains `label` (none if there is no such step).
pub fn hits<'a>(result: &'a ScaleRun, label: &str) -> &'a [ScaleHit] {
    result
        .steps
        .iter()
        .find(|step| step.label.contains(label))
        .map_or(&[], |step| step.hits.as_slice())
}

/// How many of `hits` got `status`.
pub fn count(hits: &[ScaleHit], status: u16) -> usize {
    hits.iter().filter(|hit| hit.status == status).count()
}

/// The nodes that answered `hits`, in order, each once.
pub fn nodes(hits: &[ScaleHit]) -> Vec<String> {
    let mut seen = Vec::new();
    for node in hits.iter().filter_map(|hit| hit.node.clone()) {
        if !seen.contains(&node) {
            seen.push(node);
        }
    }
    seen
}
