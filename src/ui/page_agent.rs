//! The browser page as the scenario's agent (`scenario::Agent`): it sends each step through the
//! API client, like any page of the lab, and hands every answer to its caller's recorder, so the
//! lesson lists the step and the compare page shows it in the column it belongs to.
//!
//! The page cannot read its HttpOnly session cookie, and logout deletes it from the browser, so
//! at sign-in it asks the server to keep a copy (`POST /api/replay/capture`) and holds the
//! handle; the replay has the server send its copy (`POST /api/replay`, `lab::replay`).

use crate::{
    scenario::{Agent, Lane, Replayed},
    ui::client::{self, Answer, Call, ClientError, Credential},
    wire::{Credentials, Me, SessionState, TokenResponse},
};

/// A signed-in session as the page holds it.
#[derive(Clone, Debug)]
pub struct PageSession {
    pub state: SessionState,
    /// The handle of the server's copy of the cookie.
    pub handle: String,
}

/// Runs the scenario from the page; `record(lane, label, call, error)` sees every answer.
pub struct PageAgent<R> {
    record: R,
}

impl<R: Fn(Lane, &'static str, &Call, Option<&ClientError>)> PageAgent<R> {
    pub fn new(record: R) -> Self {
        PageAgent { record }
    }

    fn note<T>(&self, lane: Lane, label: &'static str, answer: Answer<T>) -> Result<T, String> {
        (self.record)(lane, label, &answer.call, answer.result.as_ref().err());
        answer.result.map_err(|err| err.to_string())
    }

    fn replayed(&self, lane: Lane, label: &'static str, answer: Answer<Me>) -> Replayed {
        (self.record)(lane, label, &answer.call, answer.result.as_ref().err());
        let status = answer.call.status;
        match &answer.result {
            Ok(me) => Replayed::allowed(status, me),
            Err(ClientError::Api { error, reason, .. }) => Replayed::refused(
                status,
                answer.call.failed_check().map(|c| c.name.as_str()),
                error,
                reason,
            ),
            Err(other) => Replayed::unreadable(status, other.to_string()),
        }
    }
}

impl<R: Fn(Lane, &'static str, &Call, Option<&ClientError>)> Agent for PageAgent<R> {
    type Session = PageSession;
    type Bearer = TokenResponse;

    async fn sign_in_session(&self, account: &Credentials) -> Result<PageSession, String> {
        let state = self.note(
            Lane::Session,
            "session login",
            client::session_login(account).await,
        )?;
        let captured = client::replay_capture(&state.csrf_token).await;
        let handle = self
            .note(
                Lane::Session,
                "server keeps a copy of the cookie (the page cannot)",
                captured,
            )?
            .handle;
        Ok(PageSession { state, handle })
    }

    async fn sign_in_bearer(&self, account: &Credentials) -> Result<TokenResponse, String> {
        self.note(Lane::Jwt, "bearer login", client::jwt_login(account).await)
    }

    async fn log_out_session(&self, session: &PageSession) -> Result<(), String> {
        let out = client::session_logout(&session.state.csrf_token).await;
        self.note(Lane::Session, "session logout", out)
    }

    async fn log_out_bearer(&self, bearer: &TokenResponse) -> Result<(), String> {
        let out = client::jwt_logout(Some(&bearer.access_token)).await;
        self.note(Lane::Jwt, "bearer logout", out)
    }

    async fn replay_session(&self, session: &PageSession) -> Replayed {
        let answer = client::replay::<Me>(&session.handle).await;
        self.replayed(Lane::Session, "replay the old cookie", answer)
    }

    async fn replay_bearer(&self, bearer: &TokenResponse) -> Replayed {
        let answer = client::me(Credential::Bearer(&bearer.access_token)).await;
        self.replayed(Lane::Jwt, "replay the old token", answer)
    }
}
