//! The attack lab: `POST /api/lab/attacks/{attack}` runs one attack that broke real systems
//! against this server and answers with every request it sent, every answer, and the check that
//! refused it (`wire::AttackRun`).
//!
//! Each run makes its own victim (and, where the attack needs one, a second account) in the
//! `lab:attack-` namespace (`lab::scratch_accounts`), sends every request through the real router
//! in process (`lab::in_process`): the same extractors, judges, stores, limits and audit log as a
//! browser's request. Nothing is simulated: the verdict is read from the answers
//! (`AttackRun::judge`). The attacker's requests come from another client address (one of the
//! documentation block 198.51.100.0/24, chosen per run), so a burst of wrong passwords slows the
//! attacker down, never the learner who pressed the button.
//!
//! - `token`: forged, bent and misplaced access tokens;
//! - `refresh`: a stolen refresh token replayed after the victim refreshed;
//! - `session`: fixation, replay after logout, forged ids, a stolen cookie;
//! - `brute_force`: a burst of wrong passwords against the login limits.
//!
//! Who may start one: a signed-in user (either mode), from our own origin, within
//! `limits.attacks_per_account`.

mod brute_force;
pub mod forge;
mod record;
mod refresh;
mod session;
mod token;

use super::{in_process::InProcessRequest, scratch::ScratchAccounts};
use crate::wire::paths;
use crate::{
    api::{client_addr::ClientAddr, cookies, error::ApiError, extract::auth_user::AuthUser},
    auth::{csrf, refresh as refresh_tokens},
    state::AppState,
    wire::account_rules::ATTACK_PREFIX,
    wire::{AttackId, AttackRun, SessionState, StepPart, TokenResponse, Verdict},
};
use axum::{
    extract::{Path, State},
    http::{header::HeaderName, HeaderMap, Method},
    routing::post,
    Json, Router,
};
use rand::Rng;
pub use record::Transcript;

pub fn router() -> Router<AppState> {
    Router::new().route(paths::lab::ATTACK, post(start))
}

async fn start(
    State(state): State<AppState>,
    Path(attack): Path<String>,
    user: AuthUser,
    client: ClientAddr,
    headers: HeaderMap,
) -> Result<Json<AttackRun>, ApiError> {
    let attack = AttackId::parse(&attack).ok_or(ApiError::NotFound)?;
    admit_run(&state, &headers, &user).await?;
    // One run at a time per account: a run makes accounts and password checks, and a second
    // one started alongside would double what one learner holds of the server.
    let _running = state.lab.attack_runs.claim(user.user_id()).ok_or_else(|| {
        ApiError::Busy("an attack-lab run of yours is under way; wait for it to finish".into())
    })?;
    run(&state, attack, client, user.username()).await.map(Json)
}

/// An attack-lab run of the signed-in `user` (a server-side card, or the XSS card's browser run):
/// from our own pages, within `limits.attacks_per_account`.
pub async fn admit_run(
    state: &AppState,
    headers: &HeaderMap,
    user: &AuthUser,
) -> Result<(), ApiError> {
    super::admit(
        headers,
        user,
        state.limits.attacks_per_account.as_ref(),
        "attack-lab runs",
    )
    .await
}

/// Run `attack` for the learner `account` at `learner`, and delete the accounts it made,
/// whatever happened.
pub async fn run(
    state: &AppState,
    attack: AttackId,
    learner: ClientAddr,
    account: &str,
) -> Result<AttackRun, ApiError> {
    let mut run = Run {
        transcript: Transcript::new(state, account),
        accounts: ScratchAccounts::new(ATTACK_PREFIX, Some(account)),
        attacker: ClientAddr(format!(
            "198.51.100.{}",
            rand::thread_rng().gen_range(1..=254)
        )),
        learner,
    };
    let played = match attack.group() {
        crate::wire::AttackGroup::Jwt => token::run(&mut run, attack).await,
        crate::wire::AttackGroup::Refresh => refresh::run(&mut run).await,
        crate::wire::AttackGroup::Session => session::run(&mut run, attack).await,
        crate::wire::AttackGroup::Login => brute_force::run(&mut run).await,
    };
    let Run {
        transcript,
        accounts,
        ..
    } = run;
    accounts.delete_all(state).await;
    let (saw, missing) = played?;
    let mut result = transcript.finish(attack);
    result.saw = said(&result);
    result.saw.extend(saw);
    result.missing = missing;
    Ok(result)
}

/// What a run adds to the answers: sentences about what it showed, and for an attack that worked,
/// the protection that would have stopped it.
type Played = Result<(Vec<String>, Option<String>), ApiError>;

/// One attack's run: the transcript, its accounts, and the two clients.
pub struct Run<'a> {
    transcript: Transcript<'a>,
    accounts: ScratchAccounts,
    /// The learner who pressed the button: the victim's requests are sent from here.
    learner: ClientAddr,
    /// The attacker's client, another address.
    attacker: ClientAddr,
}

/// The victim's bearer sign-in as the attack found it.
struct Bearer {
    access: String,
    refresh: String,
}

/// The victim's session as the attack found it.
struct Session {
    cookie: String,
    csrf: String,
    /// The device cookie the login set (`auth::device`): the victim's browser is trusted for
    /// their name from now on.
    device: Option<String>,
}

fn broken(what: &str) -> ApiError {
    ApiError::Internal(format!("attack lab: {what}").into())
}

impl<'a> Run<'a> {
    fn state(&self) -> &'a AppState {
        self.transcript.state()
    }

    /// A request from the victim (the learner's client).
    async fn victim(
        &mut self,
        part: StepPart,
        label: &str,
        call: InProcessRequest,
    ) -> crate::lab::in_process::InProcessResponse {
        let learner = self.learner.clone();
        self.transcript.send(&learner, part, label, call).await
    }

    /// A request from the attacker's client.
    async fn attacker(
        &mut self,
        part: StepPart,
        label: &str,
        call: InProcessRequest,
    ) -> crate::lab::in_process::InProcessResponse {
        let attacker = self.attacker.clone();
        self.transcript.send(&attacker, part, label, call).await
    }

    /// A fresh account for this run (deleted when the run ends).
    async fn account(&mut self, name: &str) -> Result<super::scratch::ScratchAccount, ApiError> {
        self.account_signing_with(name, None).await
    }

    /// A fresh account whose tokens are signed with `alg` (else the default).
    async fn account_signing_with(
        &mut self,
        name: &str,
        alg: Option<crate::wire::JwtAlg>,
    ) -> Result<super::scratch::ScratchAccount, ApiError> {
        let state = self.state();
        let switches = crate::wire::AccountSwitchesPatch {
            jwt_alg: alg,
            ..Default::default()
        };
        self.accounts
            .create(state, name, crate::wire::Role::User, &switches)
            .await
    }

    /// The victim signs in in bearer mode.
    async fn bearer_login(
        &mut self,
        account: &super::scratch::ScratchAccount,
        label: &str,
    ) -> Result<Bearer, ApiError> {
        let call = InProcessRequest::new(Method::POST, paths::jwt::LOGIN)
            .json(&account.credentials())
            .secret_body();
        let answer = self.victim(StepPart::Setup, label, call).await;
        match (
            answer.json::<TokenResponse>(),
            answer.set_cookie(refresh_tokens::COOKIE),
        ) {
            (Some(tokens), Some(refresh)) => Ok(Bearer {
                access: tokens.access_token,
                refresh,
            }),
            _ => Err(broken(&format!("bearer login answered {}", answer.status))),
        }
    }

    /// The victim signs in with a session, carrying `planted` as the cookie their browser
    /// already holds, if any.
    async fn session_login(
        &mut self,
        account: &super::scratch::ScratchAccount,
        label: &str,
        planted: Option<&str>,
    ) -> Result<Session, ApiError> {
        let mut call = InProcessRequest::new(Method::POST, paths::session::LOGIN)
            .json(&account.credentials())
            .secret_body();
        if let Some(planted) = planted {
            call = call.cookie(cookies::NAME, planted);
        }
        let answer = self.victim(StepPart::Setup, label, call).await;
        match (
            answer.set_cookie(cookies::NAME),
            answer.json::<SessionState>(),
        ) {
            (Some(cookie), Some(state)) => Ok(Session {
                cookie,
                csrf: state.csrf_token,
                device: answer.set_cookie(crate::auth::device::COOKIE),
            }),
            _ => Err(broken(&format!("session login answered {}", answer.status))),
        }
    }
}

impl Session {
    /// A write with this session: the cookie and the CSRF token our pages send.
    fn on(&self, call: InProcessRequest) -> InProcessRequest {
        call.cookie(cookies::NAME, &self.cookie)
            .header(HeaderName::from_static(csrf::TOKEN_HEADER), &self.csrf)
    }
}

/// `GET /api/me`: the probe every attack sends to see whom the server takes it for.
fn me() -> InProcessRequest {
    InProcessRequest::new(Method::GET, paths::ME)
}

/// The first lines of "what you just saw", read from the attack steps' answers: how many were
/// refused, and by which check, in the server's own words.
fn said(run: &AttackRun) -> Vec<String> {
    let attacks: Vec<_> = run
        .steps
        .iter()
        .filter(|s| s.part == StepPart::Attack)
        .collect();
    let mut lines = Vec::new();
    match run.verdict {
        Verdict::Refused if attacks.len() == 1 => {
            lines.push("The server refused the attack request.".into())
        }
        Verdict::Refused => lines.push(format!(
            "The server refused all {} attack requests.",
            attacks.len()
        )),
        Verdict::Worked => {
            let worked = attacks.iter().filter(|s| s.succeeded()).count();
            lines.push(format!(
                "{worked} of {} attack request{} got through: the server answered as if the \
                 attacker were the victim.",
                attacks.len(),
                if attacks.len() == 1 { "" } else { "s" }
            ));
        }
    }
    for check in &run.refused_by {
        let steps: Vec<_> = attacks
            .iter()
            .filter(|s| s.refused_by == Some(*check))
            .collect();
        let detail = steps
            .first()
            .and_then(|s| s.trace.as_ref())
            .and_then(|t| t.failed_check())
            .map(|c| c.detail.clone())
            .unwrap_or_default();
        let how_many = if attacks.len() == 1 {
            "it".to_string()
        } else {
            format!("{} of them", steps.len())
        };
        lines.push(format!(
            "The {check} check refused {how_many} ({}): \u{201c}{detail}\u{201d}",
            steps
                .first()
                .map(|s| format!("status {}", s.status))
                .unwrap_or_default()
        ));
    }
    lines
}
