//! The worker that runs the scale lab's tickets (`store::scale_queue`) one after the other, for as
//! long as the server runs: it takes the next ticket, charges its account's run budget
//! (`limits.scale_per_account`) now that its turn has come (not while it waited), runs it within
//! `RUN_WITHIN` with its steps shown as they happen, and files the outcome.

use super::run;
use crate::{
    challenges::event::{Happened, LabRun},
    state::AppState,
    wire::{ScaleRequest, ScaleRun, ScaleStep},
};
use std::time::Duration;

/// The longest a run may take, start to finish.
pub const RUN_WITHIN: Duration = Duration::from_secs(120);

/// Start the one task that runs the queue, the first time a ticket is issued.
pub fn ensure_worker(state: &AppState) {
    if state.lab.scale_queue.claim_worker() {
        tokio::spawn(work(state.clone()));
    }
}

/// Run tickets one after the other for as long as the server runs.
async fn work(state: AppState) {
    let queue = &state.lab.scale_queue;
    let mut shutdown = state.auth.shutdown.subscribe();
    loop {
        let Some((ticket, owner, request)) = queue.next() else {
            tokio::select! {
                () = queue.turn.notified() => continue,
                _ = shutdown.changed() => return,
            }
        };
        // A task of its own: a run that panics ends itself, never the queue.
        let mut turn = tokio::spawn(take_turn(state.clone(), ticket.clone(), owner, request));
        let outcome = tokio::select! {
            joined = &mut turn => joined.unwrap_or_else(|err| {
                tracing::error!(target: "authlab::lab", %err, "a scale-lab run stopped on an internal error");
                Err("the run stopped on an internal error (the server's log says which)".into())
            }),
            _ = shutdown.changed() => {
                // The run's processes are stopped when its future is dropped.
                turn.abort();
                Err("the server is shutting down".to_string())
            }
        };
        queue.finish(&ticket, outcome);
    }
}

/// One ticket's turn: charge the account's budget, then run within `RUN_WITHIN`.
async fn take_turn(
    state: AppState,
    ticket: String,
    owner: i64,
    request: ScaleRequest,
) -> Result<ScaleRun, String> {
    if let Err(retry) = state
        .limits
        .scale_per_account
        .check(&owner.to_string())
        .await
    {
        return Err(format!(
            "too many scale-lab runs for this account: try again in {} s",
            retry.secs()
        ));
    }
    let progress = |steps: &[ScaleStep]| state.lab.scale_queue.progress(&ticket, steps);
    match tokio::time::timeout(RUN_WITHIN, run::run(&state, request, &progress)).await {
        Ok(Ok((run, found))) => {
            // The run's accounts live in its own cluster's database: its findings count for
            // the learner who queued it.
            state
                .auth
                .challenges
                .note(owner, Happened::LabRun(LabRun::Scale(found)));
            Ok(run)
        }
        Ok(Err(why)) => Err(format!("the scale lab could not run: {why}")),
        Err(_) => Err(format!(
            "the run took longer than {} s and was stopped, every process with it",
            RUN_WITHIN.as_secs()
        )),
    }
}
