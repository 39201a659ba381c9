//! The server's own client as the scenario's agent (`scenario::Agent`): every step goes through
//! the real router in process (`in_process`), on behalf of the learner who started the
//! experiment, and is written to this agent's transcript. Unlike a page, it holds the session
//! cookie itself, so nothing needs capturing before a logout.

use super::in_process::{InProcessRequest, InProcessResponse};
use crate::wire::paths;
use crate::{
    api::{client_addr::ClientAddr, cookies},
    auth::{csrf, refresh},
    scenario::{Agent, Replayed},
    state::AppState,
    wire::{ApiErrorBody, Credentials, MatrixStep, Me, SessionState, TokenResponse},
};
use axum::http::{header::HeaderName, Method};
use std::sync::Mutex;

/// A signed-in session as the server's client holds it.
#[derive(Clone, Debug)]
pub struct HeldSession {
    pub cookie: String,
    pub csrf: String,
}

/// A bearer sign-in as the server's client holds it: the access token and the refresh cookie.
#[derive(Clone, Debug)]
pub struct HeldBearer {
    pub access: String,
    pub refresh: String,
}

impl HeldSession {
    /// Attach the cookie, and the CSRF token a session's writes need.
    pub fn on(&self, call: InProcessRequest) -> InProcessRequest {
        call.cookie(cookies::NAME, &self.cookie)
            .header(HeaderName::from_static(csrf::TOKEN_HEADER), &self.csrf)
    }
}

impl HeldBearer {
    /// Attach the token, and the refresh cookie a browser would send along.
    pub fn on(&self, call: InProcessRequest) -> InProcessRequest {
        call.bearer(&self.access)
            .cookie(refresh::COOKIE, &self.refresh)
    }
}

pub struct InProcessAgent<'a> {
    state: &'a AppState,
    /// Whose rate-limit budget the requests spend.
    client: &'a ClientAddr,
    /// The learner's account the password checks are charged to (`password::Charged`).
    learner: Option<&'a str>,
    transcript: Mutex<Vec<MatrixStep>>,
}

impl<'a> InProcessAgent<'a> {
    pub fn new(state: &'a AppState, client: &'a ClientAddr, learner: Option<&'a str>) -> Self {
        InProcessAgent {
            state,
            client,
            learner,
            transcript: Mutex::new(Vec::new()),
        }
    }

    /// Send `call` and write it, with its status, to the transcript.
    pub async fn send(&self, call: InProcessRequest) -> InProcessResponse {
        let request = call.label();
        let answer = call
            .on_behalf_of(self.client)
            .for_learner(self.learner)
            .send(self.state)
            .await;
        self.note(MatrixStep {
            request,
            status: answer.status.as_u16(),
        });
        answer
    }

    /// Add a line to the transcript that this agent did not send itself.
    pub fn note(&self, step: MatrixStep) {
        self.lines().push(step);
    }

    pub fn last_step(&self) -> Option<MatrixStep> {
        self.lines().last().cloned()
    }

    /// The transcript so far, emptied.
    pub fn take_transcript(&self) -> Vec<MatrixStep> {
        std::mem::take(&mut *self.lines())
    }

    fn lines(&self) -> std::sync::MutexGuard<'_, Vec<MatrixStep>> {
        self.transcript.lock().unwrap_or_else(|e| e.into_inner())
    }

    async fn done(&self, what: &str, call: InProcessRequest) -> Result<(), String> {
        let answer = self.send(call).await;
        if answer.status.is_success() {
            Ok(())
        } else {
            Err(format!("{what} answered {}", answer.status))
        }
    }
}

/// How a probe's answer reads: who it was still accepted as, or the check that refused it.
pub fn replayed(answer: &InProcessResponse) -> Replayed {
    let status = answer.status.as_u16();
    if answer.status.is_success() {
        return match answer.json::<Me>() {
            Some(me) => Replayed::allowed(status, &me),
            None => Replayed::unreadable(status, "allowed"),
        };
    }
    match answer.json::<ApiErrorBody>() {
        Some(body) => {
            let check = body.auth.as_ref().and_then(|trace| trace.failed_check());
            Replayed::refused(
                status,
                check.map(|c| c.name.as_str()),
                &body.error,
                &body.reason,
            )
        }
        None => Replayed::unreadable(status, format!("status {status}")),
    }
}

impl Agent for InProcessAgent<'_> {
    type Session = HeldSession;
    type Bearer = HeldBearer;

    async fn sign_in_session(&self, account: &Credentials) -> Result<HeldSession, String> {
        let call = InProcessRequest::new(Method::POST, paths::session::LOGIN).json(account);
        let answer = self.send(call).await;
        match (
            answer.set_cookie(cookies::NAME),
            answer.json::<SessionState>(),
        ) {
            (Some(cookie), Some(body)) => Ok(HeldSession {
                cookie,
                csrf: body.csrf_token,
            }),
            _ => Err(format!("session login answered {}", answer.status)),
        }
    }

    async fn sign_in_bearer(&self, account: &Credentials) -> Result<HeldBearer, String> {
        let call = InProcessRequest::new(Method::POST, paths::jwt::LOGIN).json(account);
        let answer = self.send(call).await;
        match (
            answer.set_cookie(refresh::COOKIE),
            answer.json::<TokenResponse>(),
        ) {
            (Some(refresh), Some(body)) => Ok(HeldBearer {
                access: body.access_token,
                refresh,
            }),
            _ => Err(format!("bearer login answered {}", answer.status)),
        }
    }

    async fn log_out_session(&self, session: &HeldSession) -> Result<(), String> {
        let call = session.on(InProcessRequest::new(Method::POST, paths::session::LOGOUT));
        self.done("session logout", call).await
    }

    async fn log_out_bearer(&self, bearer: &HeldBearer) -> Result<(), String> {
        let call = bearer.on(InProcessRequest::new(Method::POST, paths::jwt::LOGOUT));
        self.done("bearer logout", call).await
    }

    async fn replay_session(&self, session: &HeldSession) -> Replayed {
        let call = session.on(InProcessRequest::new(Method::GET, paths::ME));
        replayed(&self.send(call).await)
    }

    async fn replay_bearer(&self, bearer: &HeldBearer) -> Replayed {
        let call = bearer.on(InProcessRequest::new(Method::GET, paths::ME));
        replayed(&self.send(call).await)
    }
}
