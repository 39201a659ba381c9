//! The logout matrix, run for real: `POST /api/lab/logout-matrix`.
//!
//! For each event that ought to end access (log out this device, log out everywhere, password
//! change, role change, account disabled) the runner signs scratch accounts in, probes each
//! credential, causes the event through the public API, and probes again. Three columns: a cookie
//! session, a stateless bearer JWT, and a bearer JWT whose account has server-side revocation on.
//! Every request goes through the server's own router (see `lab::in_process`), so each cell is what the
//! server did, and the audit log records it like any other request.
//!
//! Who may start it: a signed-in user (either mode), from our own origin (a cookie request also
//! needs its CSRF token), within `limits.matrix_per_account`; one run at a time per server. Each run
//! creates its own scratch accounts in the `lab:` namespace (see `crate::lab::scratch::expiry`), with random
//! passwords nobody is told, touches only those, and deletes them when it ends. An account the
//! run did not create, whatever its name, is never read, changed or promoted.

use super::{
    in_process::InProcessRequest,
    in_process_agent::{replayed, HeldBearer, HeldSession, InProcessAgent},
    scratch::{ScratchAccount, ScratchAccounts},
};
use crate::api::{client_addr::ClientAddr, error::ApiError};
use crate::wire::paths;
use crate::{
    api::extract::auth_user::AuthUser,
    auth::{csrf, refresh},
    db::unix_now,
    scenario::Agent,
    state::AppState,
    wire::account_rules::MATRIX_PREFIX,
    wire::{
        AccessEvent, AccountPatch, AccountSwitchesPatch, LogoutMatrix, MatrixCell, MatrixModel,
        MatrixRow, MatrixStep, Password, PasswordChange, Role,
    },
};
use axum::{
    extract::State,
    http::{HeaderMap, Method},
    routing::post,
    Json, Router,
};

pub fn router() -> Router<AppState> {
    Router::new().route(paths::lab::LOGOUT_MATRIX, post(run))
}

async fn run(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientAddr,
    headers: HeaderMap,
) -> Result<Json<LogoutMatrix>, ApiError> {
    let _running = super::admit_one(
        &headers,
        &user,
        state.limits.matrix_per_account.as_ref(),
        "logout-matrix runs",
        &state.lab.matrix_running,
        "the logout matrix is already running; try again in a few seconds",
    )
    .await?;
    let mut run = Run {
        client,
        learner: user.username().to_string(),
        accounts: ScratchAccounts::new(MATRIX_PREFIX, Some(user.username())),
    };
    let result = run_all(&state, &mut run).await;
    // Whatever happened, the run's accounts go (maintenance catches them if this is never reached).
    run.accounts.delete_all(&state).await;
    result.map(Json)
}

/// One run: whose budget its requests spend, and the accounts it created.
struct Run {
    client: ClientAddr,
    /// The learner who started it: the run's password checks are charged to them.
    learner: String,
    accounts: ScratchAccounts,
}

/// Revocation (the denylist) on or off for a new account.
fn revocable(on: bool) -> AccountSwitchesPatch {
    AccountSwitchesPatch {
        denylist: Some(on),
        ..AccountSwitchesPatch::default()
    }
}

async fn run_all(state: &AppState, run: &mut Run) -> Result<LogoutMatrix, ApiError> {
    let admin = run
        .accounts
        .create(state, "admin", Role::Admin, &revocable(false))
        .await?;
    let admin_token = InProcessAgent::new(state, &run.client, Some(&run.learner))
        .sign_in_bearer(&admin.credentials())
        .await
        .map_err(failed)?
        .access;
    let mut rows = Vec::new();
    for event in AccessEvent::ALL {
        rows.push(run_row(state, run, event, &admin_token).await?);
    }
    Ok(LogoutMatrix {
        rows,
        ran_at: unix_now(),
    })
}

fn failed(why: String) -> ApiError {
    ApiError::Internal(format!("matrix: {why}").into())
}

/// The credential one column holds.
#[derive(Clone, Copy)]
enum Held<'a> {
    Session(&'a HeldSession),
    Jwt(&'a HeldBearer),
}

impl Held<'_> {
    fn on(self, call: InProcessRequest) -> InProcessRequest {
        match self {
            Held::Session(session) => session.on(call),
            Held::Jwt(bearer) => bearer.on(call),
        }
    }
}

/// The scratch account names for one row: one for the session and the stateless JWT (the same
/// account, so an account event reaches both), one with revocation on.
fn names(event: AccessEvent) -> (String, String) {
    let tag = event.as_str().replace('_', "-");
    (tag.clone(), format!("{tag}-rev"))
}

async fn run_row(
    state: &AppState,
    run: &mut Run,
    event: AccessEvent,
    admin_token: &str,
) -> Result<MatrixRow, ApiError> {
    // The role change starts from an admin and probes what the credential *says* it may do
    // (`GET /api/lab/role-claim`, which changes nothing): real administration reads the accounts
    // table, so only a harmless probe can show the stale claim a stateless JWT keeps.
    let (role, probe) = match event {
        AccessEvent::RoleChange => (Role::Admin, paths::lab::ROLE_CLAIM),
        _ => (Role::User, paths::ME),
    };
    let (plain_name, revocable_name) = names(event);
    let plain = run
        .accounts
        .create(state, &plain_name, role, &revocable(false))
        .await?;
    let revocable = run
        .accounts
        .create(state, &revocable_name, role, &revocable(true))
        .await?;
    let run: &Run = run;

    // One agent per column, each with its own transcript.
    let columns =
        MatrixModel::ALL.map(|_| InProcessAgent::new(state, &run.client, Some(&run.learner)));
    let session = columns[0]
        .sign_in_session(&plain.credentials())
        .await
        .map_err(failed)?;
    let jwt = columns[1]
        .sign_in_bearer(&plain.credentials())
        .await
        .map_err(failed)?;
    let jwt_revocable = columns[2]
        .sign_in_bearer(&revocable.credentials())
        .await
        .map_err(failed)?;
    let held = [
        Held::Session(&session),
        Held::Jwt(&jwt),
        Held::Jwt(&jwt_revocable),
    ];

    let mut before = [0u16; 3];
    for (i, credential) in held.iter().enumerate() {
        let probed = columns[i]
            .send(credential.on(InProcessRequest::new(Method::GET, probe)))
            .await;
        before[i] = probed.status.as_u16();
    }

    cause(event, &plain, &session, &jwt, &columns, admin_token).await;
    cause_on_revocable(event, &revocable, &jwt_revocable, &columns[2], admin_token).await;

    let mut cells = Vec::new();
    for (i, model) in MatrixModel::ALL.into_iter().enumerate() {
        let answer = columns[i]
            .send(held[i].on(InProcessRequest::new(Method::GET, probe)))
            .await;
        let read = replayed(&answer);
        let detail = if read.still_works() {
            "allowed".to_string()
        } else {
            read.detail
        };
        let refresh_after = match held[i] {
            Held::Jwt(bearer) => {
                let call = InProcessRequest::new(Method::POST, paths::jwt::REFRESH)
                    .cookie(refresh::COOKIE, &bearer.refresh);
                Some(columns[i].send(call).await.status.as_u16())
            }
            Held::Session(_) => None,
        };
        cells.push(MatrixCell {
            model,
            probe: format!("GET {probe}"),
            before: before[i],
            after: read.status,
            refused_by: read.refused_by,
            detail,
            refresh_after,
            steps: columns[i].take_transcript(),
        });
    }
    Ok(MatrixRow { event, cells })
}

/// Cause `event` for the account behind the session and the stateless JWT. Account-wide events
/// are caused once (through the session, or by the admin); "this device" is the shared
/// scenario's logout of each credential (`scenario`), and a refused logout shows in the
/// transcript and in the probe after it.
async fn cause(
    event: AccessEvent,
    account: &ScratchAccount,
    session: &HeldSession,
    jwt: &HeldBearer,
    columns: &[InProcessAgent<'_>; 3],
    admin_token: &str,
) {
    match event {
        AccessEvent::LogoutThisDevice => {
            let _ = columns[0].log_out_session(session).await;
            let _ = columns[1].log_out_bearer(jwt).await;
        }
        AccessEvent::LogoutEverywhere => {
            let call = InProcessRequest::new(Method::POST, paths::account::LOGOUT_EVERYWHERE);
            columns[0].send(session.on(call)).await;
            note_same_event(columns);
        }
        AccessEvent::PasswordChange => {
            let call = InProcessRequest::new(Method::POST, paths::account::PASSWORD)
                .json(&new_password(account));
            columns[0].send(session.on(call)).await;
            note_same_event(columns);
        }
        AccessEvent::RoleChange | AccessEvent::AccountDisabled => {
            let call = admin_change(event, &account.user.username).bearer(admin_token);
            columns[0].send(call).await;
            note_same_event(columns);
        }
    }
}

/// The JWT column shares the session's account: its transcript says so instead of repeating it.
fn note_same_event(columns: &[InProcessAgent<'_>; 3]) {
    if let Some(last) = columns[0].last_step() {
        columns[1].note(MatrixStep {
            request: format!(
                "{} (the same account event, shown in the session column)",
                last.request
            ),
            status: last.status,
        });
    }
}

async fn cause_on_revocable(
    event: AccessEvent,
    account: &ScratchAccount,
    jwt: &HeldBearer,
    column: &InProcessAgent<'_>,
    admin_token: &str,
) {
    let call = match event {
        AccessEvent::LogoutThisDevice => {
            let _ = column.log_out_bearer(jwt).await;
            return;
        }
        AccessEvent::LogoutEverywhere => jwt.on(InProcessRequest::new(
            Method::POST,
            paths::account::LOGOUT_EVERYWHERE,
        )),
        AccessEvent::PasswordChange => jwt.on(InProcessRequest::new(
            Method::POST,
            paths::account::PASSWORD,
        )
        .json(&new_password(account))),
        AccessEvent::RoleChange | AccessEvent::AccountDisabled => {
            admin_change(event, &account.user.username).bearer(admin_token)
        }
    };
    column.send(call).await;
}

fn new_password(account: &ScratchAccount) -> PasswordChange {
    PasswordChange {
        current_password: account.password.clone(),
        new_password: Password::new(csrf::new_token()),
    }
}

fn admin_change(event: AccessEvent, username: &str) -> InProcessRequest {
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
    InProcessRequest::new(Method::PUT, paths::account::admin_account(username)).json(&patch)
}
