//! Classes over HTTP (`crate::classes` decides; this reads requests and writes answers):
//! - `GET /api/classes`: the teacher's classes (an administrator's: all); `POST`: open one;
//! - `POST /api/classes/join` `{code}`: the signed-in learner joins (origin and CSRF checks, as
//!   every cookie write has; never a GET);
//! - `GET /api/account/class`: the learner's class (`null` if none); `DELETE`: leave it;
//! - `GET /api/classes/{id}/grid[?wait=<version>]`: learners × challenges, at once, or once the
//!   grid no longer matches `version` (a long poll, which a bearer page can hold too);
//! - `GET /api/classes/{id}/export.csv`: the grid as CSV, formula cells escaped;
//! - `GET /api/classes/{id}/learners/{username}`: one learner's trail since joining;
//! - `POST /api/classes/{id}/learners/{username}/reset`, `POST /api/classes/{id}/reset`: reset one
//!   learner, or all;
//! - `POST /api/classes/{id}/close`: joining stops (the members' accounts expire if the class
//!   says so).
//!
//! Every one takes only a request every check passed (a token let through by a switched-off
//! check could have been forged by anyone). A teacher's actions are in the audit log, filed
//! under the teacher; a reset is also filed under each learner reset.

use super::{
    client_addr::ClientAddr,
    error::ApiError,
    extract::{auth_user::AuthUser, every_check_on},
    json::ApiJson,
};
use crate::{
    audit::Entry,
    auth::account_events,
    classes::{self, feed::ClassChange, ClassError},
    db::{
        classes::{ClassRow, MemberRow},
        users::User,
    },
    state::AppState,
    wire::{
        paths::classes as path, ClassReset, ClassView, Grid, JoinClass, MyClass, NewClass, Trail,
        TRAIL_ROWS,
    },
};
use axum::{
    extract::{Path, Query, State},
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use serde::Deserialize;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

/// How long a grid wait is held open with nothing changed before it answers the grid as it is.
const WAIT_AT_MOST: Duration = Duration::from_secs(20);
/// The longest `?wait=` version read (a version is 16 hex digits).
const VERSION_MAX: usize = 64;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(path::LIST, get(list).post(open))
        .route(path::JOIN, post(join))
        .route(path::MINE, get(mine).delete(leave))
        .route(path::GRID, get(grid))
        .route(path::EXPORT, get(export))
        .route(path::LEARNER, get(trail))
        .route(path::RESET_LEARNER, post(reset_learner))
        .route(path::RESET, post(reset_class))
        .route(path::CLOSE, post(close))
}

impl From<ClassError> for ApiError {
    fn from(err: ClassError) -> Self {
        match err {
            ClassError::Invalid(reason) => ApiError::InvalidBody(reason),
            ClassError::NotFound(reason) => ApiError::Missing(reason.to_string()),
            ClassError::NotAllowed(reason) => ApiError::NotAllowed(reason),
            ClassError::Closed(reason) => ApiError::Conflict(reason),
            ClassError::Store(err) => err.into(),
            ClassError::Challenges(err) => err.into(),
            ClassError::Users(err) => err.into(),
        }
    }
}

/// The caller's account as the accounts table says now, once every check passed.
async fn caller(state: &AppState, user: &AuthUser, what: &str) -> Result<User, ApiError> {
    every_check_on(user.trace(), what)?;
    super::account::account_of(state, user).await
}

/// The class `id`, if the caller may see it (its teacher, or an administrator).
async fn class_of(
    state: &AppState,
    user: &AuthUser,
    id: &str,
    what: &str,
) -> Result<(User, ClassRow), ApiError> {
    let teacher = caller(state, user, what).await?;
    // Not a number: no class has it (the same answer as any other id that is not the caller's).
    let id = id
        .parse::<i64>()
        .map_err(|_| ApiError::Missing(classes::NO_SUCH_CLASS.into()))?;
    let class = state.auth.classes.visible(&teacher, id).await?;
    Ok((teacher, class))
}

/// A teacher's action, in the audit log under the teacher (a judged row: teachers only, bounded
/// by their classes).
async fn audit(state: &AppState, user: &AuthUser, teacher: &User, action: &str, detail: &str) {
    let entry = Entry::event(
        user.mode(),
        Some((teacher.id, &teacher.username)),
        action,
        true,
        detail,
    );
    state.auth.audit.record(entry.judged()).await;
}

async fn list(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<Json<Vec<ClassView>>, ApiError> {
    let teacher = caller(&state, &user, "your classes").await?;
    let classes = state.auth.classes.list(&teacher).await?;
    Ok(Json(classes.iter().map(classes::view).collect()))
}

async fn open(
    State(state): State<AppState>,
    user: AuthUser,
    ApiJson(new): ApiJson<NewClass>,
) -> Result<(StatusCode, Json<ClassView>), ApiError> {
    let teacher = caller(&state, &user, "opening a class").await?;
    let class = state.auth.classes.open(&teacher, &new).await?;
    let detail = format!("opened class {} (\"{}\")", class.id, class.name);
    audit(&state, &user, &teacher, "class opened", &detail).await;
    Ok((StatusCode::CREATED, Json(classes::view(&class))))
}

/// The learner's side of their class.
fn my_class(class: &ClassRow, joined_at_ms: i64) -> MyClass {
    MyClass {
        name: class.name.clone(),
        teacher: class.teacher.clone(),
        joined_at_ms,
        ends_at: class.ends_at,
        closed: class.is_closed(crate::db::unix_now()),
        switches: class.switches.clone(),
    }
}

/// Join the class whose code is `code`, within the join limits (per account and per address,
/// each attempt counted, right code or wrong: a guesser learns nothing past them).
pub async fn join_with_code(
    state: &AppState,
    learner: &User,
    client: &ClientAddr,
    code: &str,
    mode: crate::wire::AuthMode,
) -> Result<MyClass, ApiError> {
    if let Err(retry) = state
        .limits
        .join_per_account
        .check(&learner.id.to_string())
        .await
    {
        return Err(ApiError::RateLimited {
            what: "attempts to join a class from this account".into(),
            retry,
        });
    }
    join_address_limit(state, client).await?;
    join_now(state, learner, client, code, mode).await
}

/// One more attempt to join from the client's address, or 429.
pub async fn join_address_limit(state: &AppState, client: &ClientAddr) -> Result<(), ApiError> {
    state
        .limits
        .join_per_address
        .check(&client.0)
        .await
        .map_err(|retry| ApiError::RateLimited {
            what: "attempts to join a class from your address".into(),
            retry,
        })
}

/// Join now (the limits already passed), and file the attempt under the learner.
pub async fn join_now(
    state: &AppState,
    learner: &User,
    client: &ClientAddr,
    code: &str,
    mode: crate::wire::AuthMode,
) -> Result<MyClass, ApiError> {
    let joined = state.auth.classes.join(learner, code).await;
    let (action, allowed, detail) = match &joined {
        Ok(class) => (
            "class joined",
            true,
            format!(
                "joined class \"{}\" of teacher {}: the teacher sees this account's lab \
                 activity from now on",
                class.name, class.teacher
            ),
        ),
        Err(err) => ("class join refused", false, err.to_string()),
    };
    let entry = Entry::event(
        mode,
        Some((learner.id, &learner.username)),
        action,
        allowed,
        &detail,
    )
    .from_client(&client.0);
    state.auth.audit.record(entry).await;
    let class = joined?;
    let joined_at_ms = state
        .auth
        .classes
        .membership(learner.id)
        .await?
        .map_or_else(crate::challenges::now_ms, |(_, at)| at);
    Ok(my_class(&class, joined_at_ms))
}

async fn join(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientAddr,
    ApiJson(body): ApiJson<JoinClass>,
) -> Result<Json<MyClass>, ApiError> {
    let learner = caller(&state, &user, "joining a class").await?;
    Ok(Json(
        join_with_code(&state, &learner, &client, &body.code, user.mode()).await?,
    ))
}

async fn mine(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<Json<Option<MyClass>>, ApiError> {
    let learner = caller(&state, &user, "your class").await?;
    let membership = state.auth.classes.membership(learner.id).await?;
    Ok(Json(membership.map(|(class, joined_at_ms)| {
        my_class(&class, joined_at_ms)
    })))
}

async fn leave(State(state): State<AppState>, user: AuthUser) -> Result<StatusCode, ApiError> {
    let learner = caller(&state, &user, "leaving your class").await?;
    if let Some(class) = state.auth.classes.leave(&learner).await? {
        let detail = format!("left class \"{}\" of teacher {}", class.name, class.teacher);
        let entry = Entry::event(
            user.mode(),
            Some((learner.id, &learner.username)),
            "class left",
            true,
            &detail,
        );
        state.auth.audit.record(entry).await;
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct Wait {
    wait: Option<String>,
}

async fn grid(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientAddr,
    Path(id): Path<String>,
    Query(Wait { wait }): Query<Wait>,
) -> Result<Json<Grid>, ApiError> {
    let (teacher, class) = class_of(&state, &user, &id, "a class's grid").await?;
    let classes = &state.auth.classes;
    let Some(seen) = wait else {
        return Ok(Json(classes.grid(&class).await?));
    };
    if seen.len() > VERSION_MAX {
        return Err(ApiError::InvalidBody(format!(
            "wait is a grid's version, at most {VERSION_MAX} characters"
        )));
    }
    // A wait holds a connection open, so it takes one of the live-stream slots.
    let _slot = super::audit::stream_slot(&state, teacher.id, &client)?;
    // Subscribed before reading, so nothing changed in between is missed.
    let mut changes = classes.feed.subscribe();
    let mut shutdown = state.auth.shutdown.subscribe();
    let deadline = tokio::time::sleep(WAIT_AT_MOST);
    tokio::pin!(deadline);
    loop {
        let class = classes.visible(&teacher, class.id).await?;
        let (now, members) = classes.grid_and_learners(&class).await?;
        if now.version != seen {
            return Ok(Json(now));
        }
        // Wait for a change that touches this class.
        loop {
            tokio::select! {
                _ = &mut deadline => return Ok(Json(now)),
                _ = shutdown.changed() => return Ok(Json(now)),
                change = changes.recv() => match change {
                    Ok(ClassChange::Class(c)) if c == class.id => break,
                    Ok(ClassChange::Learner(l)) if members.contains(&l) => break,
                    Ok(_) => continue,
                    // Missed some: read again.
                    Err(RecvError::Lagged(_)) => break,
                    Err(RecvError::Closed) => return Ok(Json(now)),
                },
            }
        }
    }
}

async fn export(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (teacher, class) = class_of(&state, &user, &id, "exporting a class's grid").await?;
    let grid = state.auth.classes.grid(&class).await?;
    audit(
        &state,
        &user,
        &teacher,
        "class exported",
        &format!(
            "exported the grid of class {} ({} learners)",
            class.id,
            grid.learners.len()
        ),
    )
    .await;
    let disposition = format!("attachment; filename=\"authlab-class-{}.csv\"", class.id);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        grid.csv(),
    )
        .into_response())
}

/// The member of `class` named `username`; the same "no such learner" whether the name exists
/// elsewhere or not.
async fn member(state: &AppState, class: &ClassRow, username: &str) -> Result<MemberRow, ApiError> {
    state
        .auth
        .classes
        .members(class)
        .await?
        .into_iter()
        .find(|m| m.username == username)
        .ok_or_else(|| ApiError::Missing("no such learner in this class".into()))
}

async fn trail(
    State(state): State<AppState>,
    user: AuthUser,
    Path((id, username)): Path<(String, String)>,
) -> Result<Json<Trail>, ApiError> {
    let (teacher, class) = class_of(&state, &user, &id, "a learner's trail").await?;
    let member = member(&state, &class, &username).await?;
    // From the moment they joined only: nothing the learner did before is the teacher's.
    let events = state
        .auth
        .audit
        .list_since(member.learner_id, member.joined_at_ms, TRAIL_ROWS)
        .await?;
    let row = state.auth.classes.row_of(&class, &member).await?;
    audit(
        &state,
        &user,
        &teacher,
        "class trail read",
        &format!(
            "read the trail of {} in class {}",
            member.username, class.id
        ),
    )
    .await;
    Ok(Json(Trail {
        username: member.username.clone(),
        joined_at_ms: member.joined_at_ms,
        events,
        row,
    }))
}

/// A teacher's reset of `members` (all of the class, or the one clicked): each learner's lab
/// switches back to the defaults, their sessions, refresh families and (where revocation is on)
/// access tokens ended (`account_events::reset_by_teacher`), and their challenge progress
/// started afresh, so the class can begin again (the next group, the next day's exercise).
/// Filed under the teacher as `action`, naming `whom`.
async fn reset(
    state: &AppState,
    user: &AuthUser,
    (teacher, class): (&User, &ClassRow),
    members: &[MemberRow],
    (action, whom): (&str, &str),
) -> Result<Json<ClassReset>, ApiError> {
    let auth = &state.auth;
    let mut done = ClassReset {
        learners: 0,
        sessions_ended: 0,
        refresh_families_revoked: 0,
    };
    for member in members {
        let Some(learner) = auth.users.find_by_id(member.learner_id).await? else {
            continue;
        };
        let ended =
            account_events::reset_by_teacher(auth, user.mode(), &teacher.username, &learner)
                .await?;
        // The class's grid hears of it through the challenges (`Classes::new`).
        auth.challenges.reset(learner.id).await?;
        done.learners += 1;
        done.sessions_ended += ended.sessions_ended;
        done.refresh_families_revoked += ended.refresh_families_revoked;
    }
    auth.classes
        .feed
        .changed(ClassChange::Class(class.id))
        .await;
    let detail = format!(
        "reset {whom} of class {}: {} session(s) ended, {} refresh famil(ies) revoked",
        class.id, done.sessions_ended, done.refresh_families_revoked
    );
    audit(state, user, teacher, action, &detail).await;
    Ok(Json(done))
}

async fn reset_learner(
    State(state): State<AppState>,
    user: AuthUser,
    Path((id, username)): Path<(String, String)>,
) -> Result<Json<ClassReset>, ApiError> {
    let (teacher, class) = class_of(&state, &user, &id, "resetting a learner").await?;
    let member = member(&state, &class, &username).await?;
    let members = std::slice::from_ref(&member);
    let action = ("class learner reset", member.username.as_str());
    reset(&state, &user, (&teacher, &class), members, action).await
}

async fn reset_class(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Json<ClassReset>, ApiError> {
    let (teacher, class) = class_of(&state, &user, &id, "resetting a class").await?;
    let members = state.auth.classes.members(&class).await?;
    let whom = format!("all {} learners", members.len());
    reset(
        &state,
        &user,
        (&teacher, &class),
        &members,
        ("class reset", &whom),
    )
    .await
}

async fn close(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Json<ClassView>, ApiError> {
    let (teacher, class) = class_of(&state, &user, &id, "closing a class").await?;
    if state.auth.classes.close(&class).await? {
        let expire = if class.switches.expire_accounts {
            ": its learners' accounts expire and are deleted"
        } else {
            ""
        };
        let detail = format!("closed class {}{expire}", class.id);
        audit(&state, &user, &teacher, "class closed", &detail).await;
    }
    let class = state.auth.classes.visible(&teacher, class.id).await?;
    Ok(Json(classes::view(&class)))
}
