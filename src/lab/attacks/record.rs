//! A run's transcript: each request an attack sends goes through the real router in process
//! (`lab::in_process`) and is written down as it was sent, with the answer, the decision trace
//! the server gave and the check that refused it.

use crate::{
    api::client_addr::ClientAddr,
    lab::in_process::{cut, InProcessRequest, InProcessResponse},
    state::AppState,
    wire::{AttackId, AttackRun, AttackStep, AuthTrace, StepPart},
};
use axum::http::header;

/// The longest token handed over whole: any the verifier reads at all, and a little more (the
/// oversized card's, so the workbench shows it refused for its size).
const MAX_HANDED_OVER: usize = 16 * 1024;

/// The requests of one run, in order.
pub struct Transcript<'a> {
    state: &'a AppState,
    /// The learner who pressed the button: every password check the run causes, the attacker's
    /// included, is charged to them too (`password::Charged`).
    learner: String,
    steps: Vec<AttackStep>,
}

impl<'a> Transcript<'a> {
    pub fn new(state: &'a AppState, learner: &str) -> Self {
        Transcript {
            state,
            learner: learner.to_string(),
            steps: Vec::new(),
        }
    }

    pub fn state(&self) -> &'a AppState {
        self.state
    }

    /// Send `call` from `client` and write it down as `part` of the run.
    pub async fn send(
        &mut self,
        client: &ClientAddr,
        part: StepPart,
        label: impl Into<String>,
        call: InProcessRequest,
    ) -> InProcessResponse {
        let request = call.shown(self.state);
        // The whole token of an attack request, for the workbench (the transcript cuts it).
        let token = call
            .bearer_token()
            .filter(|token| part == StepPart::Attack && token.len() <= MAX_HANDED_OVER);
        let answer = call
            .on_behalf_of(client)
            .for_learner(Some(&self.learner))
            .send(self.state)
            .await;
        let json = serde_json::from_slice::<serde_json::Value>(&answer.body).ok();
        let trace = json
            .as_ref()
            .and_then(|body| body.get("auth"))
            .and_then(|auth| serde_json::from_value::<AuthTrace>(auth.clone()).ok());
        let refused_by = if answer.status.is_success() {
            None
        } else {
            trace
                .as_ref()
                .and_then(|t| t.failed_check())
                .map(|check| check.name)
        };
        let reason = json
            .as_ref()
            .filter(|_| !answer.status.is_success())
            .and_then(|body| body.get("reason"))
            .and_then(|r| r.as_str())
            .map(cut);
        let retry_after = answer
            .headers
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok());
        self.steps.push(AttackStep {
            part,
            label: label.into(),
            request,
            status: answer.status.as_u16(),
            response: cut(&String::from_utf8_lossy(&answer.body)),
            trace,
            refused_by,
            reason,
            retry_after,
            token,
        });
        answer
    }

    /// The steps so far.
    pub fn steps(&self) -> &[AttackStep] {
        &self.steps
    }

    /// The run, judged from its own steps.
    pub fn finish(self, attack: AttackId) -> AttackRun {
        AttackRun::judge(attack, self.steps)
    }
}
