//! The logout matrix, run for real: `POST /api/lab/logout-matrix`.
//!
//! For each event that ought to end access (log out this device, log out everywhere, password
//! change, role change, account disabled) the runner signs scratch accounts in, probes each
//! credential, causes the event through the public API, and probes again. Three columns: a cookie
//! session, a stateless bearer JWT, and a bearer JWT whose account has server-side revocation on.
//! Every request goes through the server's own router (see `loopback`), so each cell is what the
//! server did, and the audit log records it like any other request.
//!
//! Scratch accounts (`matrix-…`) are reused from run to run with a fresh random password each
//! time, which nobody is told; one run at a time.

use super::{
    error::ApiError,
    loopback::{Answer, Call},
};
use crate::{
    auth::{csrf, refresh, session_cookie},
    db::{
        unix_now,
        users::{self, User},
    },
    state::AppState,
    wire::{
        AccessEvent, AccountPatch, ApiErrorBody, Credentials, LabSettingsPatch, LogoutMatrix,
        MatrixCell, MatrixModel, MatrixRow, MatrixStep, Password, PasswordChange, Role,
        SessionState, TokenResponse,
    },
};
use axum::{
    extract::State,
    http::{header::HeaderName, Method},
    routing::post,
    Json, Router,
};
use std::sync::atomic::{AtomicBool, Ordering};

static RUNNING: AtomicBool = AtomicBool::new(false);

pub fn router() -> Router<AppState> {
    Router::new().route("/api/lab/logout-matrix", post(run))
}

/// Marks the matrix as running; dropping it (the run finished, failed, or was abandoned because
/// the client hung up and the handler's future was dropped) frees the slot.
struct Running;

impl Running {
    fn claim() -> Option<Running> {
        (!RUNNING.swap(true, Ordering::SeqCst)).then_some(Running)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        RUNNING.store(false, Ordering::SeqCst);
    }
}

async fn run(State(state): State<AppState>) -> Result<Json<LogoutMatrix>, ApiError> {
    let Some(_running) = Running::claim() else {
        return Err(ApiError::Busy(
            "the logout matrix is already running; try again in a few seconds".into(),
        ));
    };
    run_all(&state).await.map(Json)
}

async fn run_all(state: &AppState) -> Result<LogoutMatrix, ApiError> {
    let admin = Scratch::prepare(state, "matrix-admin", Role::Admin, false).await?;
    let admin_token = admin.jwt_login(state, &mut Vec::new()).await?.0;
    let mut rows = Vec::new();
    for event in AccessEvent::ALL {
        rows.push(run_row(state, event, &admin_token).await?);
    }
    Ok(LogoutMatrix {
        rows,
        ran_at: unix_now(),
    })
}

/// A scratch account and the password set for this run.
struct Scratch {
    user: User,
    password: Password,
}

/// A credential held for one cell.
enum Held {
    Session { cookie: String, csrf: String },
    Jwt { access: String, refresh: String },
}

impl Scratch {
    /// Find or create the account, then reset it: new random password, role, enabled, revocation.
    async fn prepare(
        state: &AppState,
        username: &str,
        role: Role,
        revocable: bool,
    ) -> Result<Scratch, ApiError> {
        let password = Password::new(csrf::new_token());
        let hash = state.passwords.hash(&password).await?;
        let user = match users::find_by_username(&state.db, username).await? {
            Some(user) => {
                users::set_password_hash(&state.db, user.id, &hash).await?;
                users::set_role(&state.db, user.id, role).await?;
                users::set_disabled(&state.db, user.id, false).await?;
                user
            }
            None => users::insert(&state.db, username, &hash, role).await?,
        };
        state
            .account_settings
            .update(
                user.id,
                &LabSettingsPatch {
                    denylist: Some(revocable),
                    ..LabSettingsPatch::default()
                },
            )
            .await?;
        Ok(Scratch { user, password })
    }

    fn credentials(&self) -> Credentials {
        Credentials {
            username: self.user.username.clone(),
            password: self.password.clone(),
        }
    }

    async fn session_login(
        &self,
        state: &AppState,
        steps: &mut Vec<MatrixStep>,
    ) -> Result<Held, ApiError> {
        let answer = step(
            state,
            steps,
            Call::new(Method::POST, "/api/session/login").json(&self.credentials()),
        )
        .await;
        let cookie = answer.set_cookie(session_cookie::NAME);
        match (cookie, answer.json::<SessionState>()) {
            (Some(cookie), Some(body)) => Ok(Held::Session {
                cookie,
                csrf: body.csrf_token,
            }),
            _ => Err(ApiError::Internal(format!(
                "matrix: session login answered {}",
                answer.status
            ))),
        }
    }

    async fn jwt_login(
        &self,
        state: &AppState,
        steps: &mut Vec<MatrixStep>,
    ) -> Result<(String, String), ApiError> {
        let answer = step(
            state,
            steps,
            Call::new(Method::POST, "/api/jwt/login").json(&self.credentials()),
        )
        .await;
        match (
            answer.set_cookie(refresh::COOKIE),
            answer.json::<TokenResponse>(),
        ) {
            (Some(refresh), Some(body)) => Ok((body.access_token, refresh)),
            _ => Err(ApiError::Internal(format!(
                "matrix: jwt login answered {}",
                answer.status
            ))),
        }
    }
}

impl Held {
    /// Attach the credential to a request (with the CSRF token, for a session's writes).
    fn on(&self, call: Call) -> Call {
        match self {
            Held::Session { cookie, csrf } => call
                .cookie(session_cookie::NAME, cookie)
                .header(HeaderName::from_static(csrf::TOKEN_HEADER), csrf),
            Held::Jwt { access, refresh } => call.bearer(access).cookie(refresh::COOKIE, refresh),
        }
    }
}

async fn step(state: &AppState, steps: &mut Vec<MatrixStep>, call: Call) -> Answer {
    let request = call.label();
    let answer = call.send(state).await;
    steps.push(MatrixStep {
        request,
        status: answer.status.as_u16(),
    });
    answer
}

/// The scratch account names for one row: one for the session and the stateless JWT (the same
/// account, so an account event reaches both), one with revocation on.
fn names(event: AccessEvent) -> (String, String) {
    let tag = event.as_str().replace('_', "-");
    (format!("matrix-{tag}"), format!("matrix-{tag}-rev"))
}

async fn run_row(
    state: &AppState,
    event: AccessEvent,
    admin_token: &str,
) -> Result<MatrixRow, ApiError> {
    // The role change starts from an admin, so the probe can ask for something only admins get.
    let (role, probe) = match event {
        AccessEvent::RoleChange => (Role::Admin, "/api/admin/accounts"),
        _ => (Role::User, "/api/me"),
    };
    let (plain_name, revocable_name) = names(event);
    let plain = Scratch::prepare(state, &plain_name, role, false).await?;
    let revocable = Scratch::prepare(state, &revocable_name, role, true).await?;

    let mut steps: [Vec<MatrixStep>; 3] = Default::default();
    let [session_steps, jwt_steps, revocable_steps] = &mut steps;
    let session = plain.session_login(state, session_steps).await?;
    let (access, refresh) = plain.jwt_login(state, jwt_steps).await?;
    let jwt = Held::Jwt { access, refresh };
    let (access, refresh) = revocable.jwt_login(state, revocable_steps).await?;
    let jwt_revocable = Held::Jwt { access, refresh };
    let held = [&session, &jwt, &jwt_revocable];

    let mut before = [0u16; 3];
    for (i, credential) in held.iter().enumerate() {
        let answer = step(
            state,
            &mut steps[i],
            credential.on(Call::new(Method::GET, probe)),
        )
        .await;
        before[i] = answer.status.as_u16();
    }

    cause(
        state,
        event,
        &plain,
        &session,
        &jwt,
        &mut steps,
        admin_token,
    )
    .await;
    cause_on_revocable(
        state,
        event,
        &revocable,
        &jwt_revocable,
        &mut steps[2],
        admin_token,
    )
    .await;

    let mut cells = Vec::new();
    for (i, model) in MatrixModel::ALL.into_iter().enumerate() {
        let answer = step(
            state,
            &mut steps[i],
            held[i].on(Call::new(Method::GET, probe)),
        )
        .await;
        let (refused_by, detail) = explain(&answer);
        let refresh_after = match held[i] {
            Held::Jwt { refresh, .. } => {
                let call =
                    Call::new(Method::POST, "/api/jwt/refresh").cookie(refresh::COOKIE, refresh);
                Some(step(state, &mut steps[i], call).await.status.as_u16())
            }
            Held::Session { .. } => None,
        };
        cells.push(MatrixCell {
            model,
            probe: format!("GET {probe}"),
            before: before[i],
            after: answer.status.as_u16(),
            refused_by,
            detail,
            refresh_after,
            steps: std::mem::take(&mut steps[i]),
        });
    }
    // Leave nothing signed in behind.
    state.sessions.end_all_of(plain.user.id).await?;
    state.refresh.revoke_user(plain.user.id).await?;
    state.refresh.revoke_user(revocable.user.id).await?;
    Ok(MatrixRow { event, cells })
}

/// Cause `event` for the account behind the session and the stateless JWT. Account-wide events
/// are caused once (through the session, or by the admin); "this device" logs out each credential.
async fn cause(
    state: &AppState,
    event: AccessEvent,
    account: &Scratch,
    session: &Held,
    jwt: &Held,
    steps: &mut [Vec<MatrixStep>; 3],
    admin_token: &str,
) {
    match event {
        AccessEvent::LogoutThisDevice => {
            step(
                state,
                &mut steps[0],
                session.on(Call::new(Method::POST, "/api/session/logout")),
            )
            .await;
            step(
                state,
                &mut steps[1],
                jwt.on(Call::new(Method::POST, "/api/jwt/logout")),
            )
            .await;
        }
        AccessEvent::LogoutEverywhere => {
            let call = Call::new(Method::POST, "/api/account/logout-everywhere");
            step(state, &mut steps[0], session.on(call)).await;
            note_same_event(steps);
        }
        AccessEvent::PasswordChange => {
            let call =
                Call::new(Method::POST, "/api/account/password").json(&new_password(account));
            step(state, &mut steps[0], session.on(call)).await;
            note_same_event(steps);
        }
        AccessEvent::RoleChange | AccessEvent::AccountDisabled => {
            let call = admin_change(event, &account.user.username).bearer(admin_token);
            step(state, &mut steps[0], call).await;
            note_same_event(steps);
        }
    }
}

/// The JWT column shares the session's account: its transcript says so instead of repeating it.
fn note_same_event(steps: &mut [Vec<MatrixStep>; 3]) {
    if let Some(last) = steps[0].last().cloned() {
        steps[1].push(MatrixStep {
            request: format!(
                "{} (the same account event, shown in the session column)",
                last.request
            ),
            status: last.status,
        });
    }
}

async fn cause_on_revocable(
    state: &AppState,
    event: AccessEvent,
    account: &Scratch,
    jwt: &Held,
    steps: &mut Vec<MatrixStep>,
    admin_token: &str,
) {
    let call = match event {
        AccessEvent::LogoutThisDevice => jwt.on(Call::new(Method::POST, "/api/jwt/logout")),
        AccessEvent::LogoutEverywhere => {
            jwt.on(Call::new(Method::POST, "/api/account/logout-everywhere"))
        }
        AccessEvent::PasswordChange => {
            jwt.on(Call::new(Method::POST, "/api/account/password").json(&new_password(account)))
        }
        AccessEvent::RoleChange | AccessEvent::AccountDisabled => {
            admin_change(event, &account.user.username).bearer(admin_token)
        }
    };
    step(state, steps, call).await;
}

fn new_password(account: &Scratch) -> PasswordChange {
    PasswordChange {
        current_password: account.password.clone(),
        new_password: Password::new(csrf::new_token()),
    }
}

fn admin_change(event: AccessEvent, username: &str) -> Call {
    let patch = match event {
        AccessEvent::RoleChange => AccountPatch {
            role: Some(Role::User),
            ..AccountPatch::default()
        },
        _ => AccountPatch {
            disabled: Some(true),
            ..AccountPatch::default()
        },
    };
    Call::new(Method::PUT, format!("/api/admin/accounts/{username}")).json(&patch)
}

/// The check that refused a probe (or the error code), and the server's sentence.
fn explain(answer: &Answer) -> (Option<String>, String) {
    if answer.status.is_success() {
        return (None, "allowed".into());
    }
    match answer.json::<ApiErrorBody>() {
        Some(body) => {
            let check = body
                .auth
                .as_ref()
                .and_then(|trace| trace.failed_check())
                .map(|check| check.name.clone())
                .unwrap_or(body.error);
            (Some(check), body.reason)
        }
        None => (None, format!("status {}", answer.status)),
    }
}
