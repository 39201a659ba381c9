//! Classroom mode: a teacher opens a class, learners join it with its code, and the teacher
//! watches their progress live, resets it, exports it and closes the class. Free of HTTP: the
//! API (`api::classes`) asks, this decides, and every answer is a typed outcome.
//!
//! Who sees what:
//! - a learner sees their own class (`membership`), never another learner's data;
//! - a teacher sees only the classes they opened; an administrator sees every class
//!   (`Classes::visible`, which answers "no such class" for anybody else's, so a class's
//!   existence is not revealed either);
//! - a teacher sees a learner's trail from the moment they joined only. Joining starts the
//!   learner's progress afresh (`wire::JOINING_SHARES` says so before they join), so nothing the
//!   grid shows comes from before it either.

pub mod code;
pub mod feed;

use crate::{
    challenges::{now_ms, ChallengeError, Challenges},
    db::{
        classes::{ClassDbError, ClassRow, ClassTable, MemberRow, StandingRow},
        users::User,
    },
    wire::{
        self, ChallengeId, ClassSwitches, ClassView, Grid, GridCell, GridRow, NewClass, Role,
        ACCESS_TTL_RANGE, CLASS_NAME_MAX_CHARS,
    },
};
use feed::{ClassChange, ClassFeed};
use std::sync::Arc;

/// The longest a class may run: a term.
pub const LONGEST_CLASS_SECS: i64 = 366 * 86_400;
/// Classes one teacher may have open at once: every class is rows and a join code, and no
/// account writes without bound.
pub const MAX_OPEN_CLASSES: usize = 50;
/// Codes drawn before giving up (a 40-bit space; a clash is already one in a billion).
const CODE_DRAWS: usize = 5;

#[derive(Debug, thiserror::Error)]
pub enum ClassError {
    /// The request asks for something no class can be (a name too long, an end in the past).
    #[error("{0}")]
    Invalid(String),
    /// No class the caller may see has this id, or no open class has this code.
    #[error("{0}")]
    NotFound(&'static str),
    /// The caller may not do this (a teacher's action by a learner, a join by a teacher).
    #[error("{0}")]
    NotAllowed(String),
    /// The class is closed: nobody joins it any more.
    #[error("{0}")]
    Closed(String),
    #[error(transparent)]
    Store(#[from] sqlx::Error),
    #[error(transparent)]
    Challenges(#[from] ChallengeError),
    #[error(transparent)]
    Users(#[from] crate::db::users::UserError),
}

/// The answer for a class id nobody may see: the same whether it exists or not.
pub const NO_SUCH_CLASS: &str = "no such class among yours";
/// The answer for a code no open class has.
pub const NO_SUCH_CODE: &str = "no class has this code: check it with your teacher";

pub struct Classes {
    table: Arc<dyn ClassTable>,
    challenges: Arc<Challenges>,
    pub feed: Arc<ClassFeed>,
}

impl Classes {
    /// The classes, with a task forwarding to the feed each move of a learner's progress this
    /// process makes: a solve, a hint, a reset.
    pub fn new(
        table: Arc<dyn ClassTable>,
        challenges: Arc<Challenges>,
        feed: Arc<ClassFeed>,
    ) -> Self {
        let mut solved = challenges.subscribe();
        let mut touched = challenges.subscribe_touched();
        let forward = feed.clone();
        tokio::spawn(async move {
            use tokio::sync::broadcast::error::RecvError;
            loop {
                let learner = tokio::select! {
                    got = solved.recv() => got.map(|(learner, _)| learner),
                    got = touched.recv() => got,
                };
                match learner {
                    Ok(learner) => forward.changed(ClassChange::Learner(learner)).await,
                    Err(RecvError::Lagged(_)) => continue,
                    Err(RecvError::Closed) => return,
                }
            }
        });
        Classes {
            table,
            challenges,
            feed,
        }
    }

    /// Open a class for `teacher` (a teacher or an administrator).
    pub async fn open(&self, teacher: &User, new: &NewClass) -> Result<ClassRow, ClassError> {
        may_teach(teacher)?;
        let name = new.name.trim();
        if name.is_empty() || name.chars().count() > CLASS_NAME_MAX_CHARS {
            return Err(ClassError::Invalid(format!(
                "a class's name is 1 to {CLASS_NAME_MAX_CHARS} characters"
            )));
        }
        if name.chars().any(char::is_control) {
            return Err(ClassError::Invalid(
                "a class's name is one line of text".into(),
            ));
        }
        let now = crate::db::unix_now();
        if new.ends_at <= now || new.ends_at > now + LONGEST_CLASS_SECS {
            return Err(ClassError::Invalid(
                "a class ends in the future, within a year".into(),
            ));
        }
        if let Some(secs) = new.switches.access_ttl_secs {
            if !ACCESS_TTL_RANGE.contains(&secs) {
                return Err(ClassError::Invalid(format!(
                    "the class's access-token lifetime is {} to {} seconds (or none, for the \
                     server's default)",
                    ACCESS_TTL_RANGE.start(),
                    ACCESS_TTL_RANGE.end()
                )));
            }
        }
        let open = self.table.list(Some(teacher.id)).await?;
        if open.iter().filter(|c| !c.is_closed(now)).count() >= MAX_OPEN_CLASSES {
            return Err(ClassError::Closed(format!(
                "you have {MAX_OPEN_CLASSES} classes open, the most allowed: close one first"
            )));
        }
        for _ in 0..CODE_DRAWS {
            let code = code::draw();
            match self
                .table
                .insert(teacher.id, name, &code, now, new.ends_at, &new.switches)
                .await
            {
                Ok(id) => {
                    return self
                        .table
                        .by_id(id)
                        .await?
                        .ok_or(ClassError::NotFound(NO_SUCH_CLASS))
                }
                Err(ClassDbError::CodeTaken) => continue,
                Err(ClassDbError::Db(err)) => return Err(err.into()),
            }
        }
        Err(ClassError::Invalid(
            "no free join code was found: try again".into(),
        ))
    }

    /// The classes `viewer` may see: their own (a teacher), every one (an administrator).
    pub async fn list(&self, viewer: &User) -> Result<Vec<ClassRow>, ClassError> {
        may_teach(viewer)?;
        let only = (viewer.role != Role::Admin).then_some(viewer.id);
        Ok(self.table.list(only).await?)
    }

    /// The class `id`, if `viewer` may see it: its teacher, or an administrator. Anybody else,
    /// and a class that does not exist, get the same `NotFound`.
    pub async fn visible(&self, viewer: &User, id: i64) -> Result<ClassRow, ClassError> {
        may_teach(viewer)?;
        match self.table.by_id(id).await? {
            Some(class) if viewer.role == Role::Admin || class.teacher_id == viewer.id => Ok(class),
            _ => Err(ClassError::NotFound(NO_SUCH_CLASS)),
        }
    }

    /// The open class whose code is `typed` (any case, with spaces or dashes).
    pub async fn open_by_code(&self, typed: &str) -> Result<ClassRow, ClassError> {
        let code = wire::normalize_code(typed).ok_or(ClassError::NotFound(NO_SUCH_CODE))?;
        let class = self
            .table
            .by_code(&code)
            .await?
            .ok_or(ClassError::NotFound(NO_SUCH_CODE))?;
        if class.is_closed(crate::db::unix_now()) {
            return Err(ClassError::Closed(format!(
                "the class \"{}\" has closed: nobody joins it any more",
                class.name
            )));
        }
        Ok(class)
    }

    /// Put `learner` in the open class whose code is `typed`. Their progress starts afresh for
    /// the class (what the page says before they join). Joining the class they are in already
    /// changes nothing.
    pub async fn join(&self, learner: &User, typed: &str) -> Result<ClassRow, ClassError> {
        if learner.role != Role::User {
            return Err(ClassError::NotAllowed(format!(
                "a {} account does not join classes: sign in as a learner's account",
                learner.role
            )));
        }
        if wire::account_rules::is_scratch_like(&learner.username) {
            return Err(ClassError::NotAllowed(
                "an experiment's scratch account does not join classes: sign in as your own \
                 account"
                    .into(),
            ));
        }
        let class = self.open_by_code(typed).await?;
        let previous = self.table.membership(learner.id).await?.map(|(c, _)| c.id);
        if previous == Some(class.id) {
            return Ok(class);
        }
        self.challenges.reset(learner.id).await?;
        self.table.join(learner.id, class.id, now_ms()).await?;
        self.feed.changed(ClassChange::Class(class.id)).await;
        if let Some(previous) = previous {
            self.feed.changed(ClassChange::Class(previous)).await;
        }
        Ok(self.table.by_id(class.id).await?.unwrap_or(class))
    }

    /// Take `learner` out of their class; the class they left, if any.
    pub async fn leave(&self, learner: &User) -> Result<Option<ClassRow>, ClassError> {
        let Some((class, _)) = self.table.membership(learner.id).await? else {
            return Ok(None);
        };
        self.table.leave(learner.id).await?;
        self.feed.changed(ClassChange::Class(class.id)).await;
        Ok(Some(class))
    }

    /// The learner's class and when they joined it.
    pub async fn membership(&self, learner: i64) -> Result<Option<(ClassRow, i64)>, ClassError> {
        Ok(self.table.membership(learner).await?)
    }

    /// The switches of the class `account` is in (or the learner whose experiment made it), if
    /// that class is still open.
    pub async fn switches_of(&self, account: i64) -> Result<Option<ClassSwitches>, ClassError> {
        let learner = self.challenges.learner_of(account).await?;
        let now = crate::db::unix_now();
        Ok(self
            .table
            .membership(learner)
            .await?
            .filter(|(class, _)| !class.is_closed(now))
            .map(|(class, _)| class.switches))
    }

    /// The class's learners.
    pub async fn members(&self, class: &ClassRow) -> Result<Vec<MemberRow>, ClassError> {
        Ok(self.table.members(class.id).await?)
    }

    /// The grid of `class`: each learner's standing on each challenge.
    pub async fn grid(&self, class: &ClassRow) -> Result<Grid, ClassError> {
        Ok(self.grid_and_learners(class).await?.0)
    }

    /// The grid, and the ids of the learners in it (whose changes a waiting grid listens for),
    /// from one read of the members.
    pub async fn grid_and_learners(
        &self,
        class: &ClassRow,
    ) -> Result<(Grid, Vec<i64>), ClassError> {
        let members = self.table.members(class.id).await?;
        let standings = self.table.standings(class.id).await?;
        let learners = members
            .iter()
            .map(|member| grid_row(member, &standings))
            .collect();
        let mut grid = Grid {
            class: view(class),
            challenges: ChallengeId::ALL.to_vec(),
            learners,
            version: String::new(),
        };
        grid.version = version_of(&grid);
        Ok((grid, members.iter().map(|m| m.learner_id).collect()))
    }

    /// One learner's row of the grid.
    pub async fn row_of(
        &self,
        class: &ClassRow,
        member: &MemberRow,
    ) -> Result<GridRow, ClassError> {
        let standings = self.table.standings(class.id).await?;
        Ok(grid_row(member, &standings))
    }

    /// Close the class now (joining stops); if it was open and says so, its members' accounts
    /// expire at once and maintenance deletes them. Whether this call closed it.
    pub async fn close(&self, class: &ClassRow) -> Result<bool, ClassError> {
        let now = crate::db::unix_now();
        let closed = self.table.close(class.id, now).await?;
        if closed && class.switches.expire_accounts {
            self.table.expire_members(class.id, now).await?;
        }
        if closed {
            self.feed.changed(ClassChange::Class(class.id)).await;
        }
        Ok(closed)
    }

    /// Maintenance: close every class whose end has come. How many.
    pub async fn close_due(&self) -> Result<usize, ClassError> {
        let mut closed = 0;
        for id in self.table.due_to_close(crate::db::unix_now()).await? {
            if let Some(class) = self.table.by_id(id).await? {
                closed += usize::from(self.close(&class).await?);
            }
        }
        Ok(closed)
    }
}

/// Only a teacher or an administrator runs classes.
fn may_teach(user: &User) -> Result<(), ClassError> {
    if user.disabled || !matches!(user.role, Role::Teacher | Role::Admin) {
        return Err(ClassError::NotAllowed(format!(
            "teachers only: the accounts table, read for this request, says role {}{}",
            user.role,
            if user.disabled { " (disabled)" } else { "" }
        )));
    }
    Ok(())
}

/// A class as its teacher sees it.
pub fn view(class: &ClassRow) -> ClassView {
    ClassView {
        id: class.id,
        name: class.name.clone(),
        teacher: class.teacher.clone(),
        code: class.join_code.clone(),
        join_path: wire::paths::classes::join_link(&class.join_code),
        created_at: class.created_at,
        ends_at: class.ends_at,
        closed: class.is_closed(crate::db::unix_now()),
        switches: class.switches.clone(),
        members: usize::try_from(class.members).unwrap_or(0),
    }
}

/// One learner's row: their standings since the later of joining and their last reset.
fn grid_row(member: &MemberRow, standings: &[StandingRow]) -> GridRow {
    let since_ms = member
        .joined_at_ms
        .max(member.reset_at_ms.unwrap_or(i64::MIN));
    let cells = ChallengeId::ALL
        .iter()
        .map(|id| {
            let standing = standings
                .iter()
                .find(|s| s.learner_id == member.learner_id && s.challenge == id.as_str());
            GridCell {
                solved_at_ms: standing
                    .and_then(|s| s.solved_at_ms)
                    .filter(|at| *at >= since_ms),
                hints_used: standing.map_or(0, |s| s.hints_used),
            }
        })
        .collect();
    GridRow {
        username: member.username.clone(),
        joined_at_ms: member.joined_at_ms,
        since_ms,
        cells,
    }
}

/// A digest of everything the grid shows: a waiting page sends back the one it has, and is
/// answered when the grid no longer matches it. The same on every process (a fixed-key hash).
fn version_of(grid: &Grid) -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    serde_json::to_string(&(&grid.class, &grid.learners))
        .unwrap_or_default()
        .hash(&mut hasher);
    format!("{:016x}", hasher.finish())
}
