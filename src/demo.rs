//! The demo accounts, and when they may exist.
//!
//! On loopback use (every host name the server answers is a loopback name) the lab seeds alice
//! (admin) and bob (user) with passwords that are public on purpose: the UI prints them next to
//! the forms. That is only safe while nobody else can reach the server. So:
//! - **Loopback**: the accounts are seeded and shown (`GET /api/demo-accounts`). Learners share
//!   them, so their password and role cannot be changed through the API, and their lab switches,
//!   sessions and refresh tokens are reset every `hosting.demo_reset_secs`.
//! - **Hosted** (`hosting.public_hosts` set): nothing is shown, bob is not seeded, and at
//!   start-up any demo account that still accepts its public password is disabled. alice is the
//!   administrator only if `hosting.admin_password` is set (she then gets that password);
//!   without it no administrator exists: every admin is demoted at start-up.
//!
//! This module is server-only: the passwords are not compiled into the WASM bundle.

use crate::{
    auth::password::{Charged, HashError, PasswordHasher},
    db::users::{UserError, Users},
    wire::{DemoAccountView, Password, Role},
};

/// One seeded account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DemoAccount {
    pub username: &'static str,
    pub password: &'static str,
    pub role: Role,
}

pub const DEMO_ACCOUNTS: [DemoAccount; 2] = [
    DemoAccount {
        username: "alice",
        password: "alice-in-the-lab",
        role: Role::Admin,
    },
    DemoAccount {
        username: "bob",
        password: "bob-builds-it",
        role: Role::User,
    },
];

/// The administrator's name, on loopback and hosted alike.
pub const ADMIN: &str = "alice";

/// Is `username` one of the shared demo accounts?
pub fn is_demo_account(username: &str) -> bool {
    DEMO_ACCOUNTS.iter().any(|a| a.username == username)
}

/// What the demo card shows: the accounts on loopback use, nothing when hosted.
pub fn card(public: bool) -> Vec<DemoAccountView> {
    if !public {
        return Vec::new();
    }
    DEMO_ACCOUNTS
        .iter()
        .map(|a| DemoAccountView {
            username: a.username.into(),
            password: a.password.into(),
            role: a.role,
        })
        .collect()
}

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error(transparent)]
    User(#[from] UserError),
    #[error(transparent)]
    Hash(#[from] HashError),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    #[error(transparent)]
    Session(#[from] crate::auth::session::SessionError),
    #[error(transparent)]
    Refresh(#[from] crate::auth::refresh::RefreshError),
    /// `hosting.teachers` names a demo account, whose password is public on loopback.
    #[error("hosting.teachers names the demo account {0:?}, whose password may be public")]
    DemoTeacher(String),
}

/// What start-up did to the demo accounts.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Prepared {
    pub created: usize,
    /// Demo accounts disabled because a hosted lab must not accept a public password.
    pub disabled: Vec<&'static str>,
    /// Whether an administrator (alice with `admin_password`) exists on a hosted lab.
    pub hosted_admin: bool,
    /// Administrators demoted because a hosted lab without `admin_password` has none.
    pub demoted: Vec<String>,
}

/// Seed (loopback) or lock down (hosted) the demo accounts.
pub async fn prepare(
    users: &dyn Users,
    hasher: &PasswordHasher,
    public: bool,
    admin_password: &str,
) -> Result<Prepared, SeedError> {
    let mut prepared = Prepared::default();
    if public {
        for account in DEMO_ACCOUNTS {
            if create_if_missing(
                users,
                hasher,
                account.username,
                account.password,
                account.role,
            )
            .await?
            {
                prepared.created += 1;
            }
        }
        return Ok(prepared);
    }
    for account in DEMO_ACCOUNTS {
        let Some(user) = users.find_by_username(account.username).await? else {
            continue;
        };
        let public_password_works = hasher
            .verify(
                &Password::new(account.password),
                Some(&user.password_hash),
                &Charged::to(account.username),
            )
            .await?;
        // alice keeps her account when the teacher gave her a password (set just below).
        let keeps_account = account.username == ADMIN && !admin_password.is_empty();
        if public_password_works && !keeps_account {
            users.set_disabled(user.id, true).await?;
            prepared.disabled.push(account.username);
        }
    }
    if admin_password.is_empty() {
        // No administrator on a hosted lab without a password of the teacher's choosing: not
        // alice, and not an account someone promoted earlier (on loopback, anyone at the machine
        // could act as alice and promote their own account).
        for (account, _) in users.list().await? {
            if account.role != Role::Admin {
                continue;
            }
            users.set_role(account.id, Role::User).await?;
            if account.username == ADMIN {
                users.set_disabled(account.id, true).await?;
                if !prepared.disabled.contains(&ADMIN) {
                    prepared.disabled.push(ADMIN);
                }
            }
            prepared.demoted.push(account.username);
        }
        return Ok(prepared);
    }
    // The setting is authoritative: alice gets exactly this password, the admin role, enabled.
    set_exactly(
        users,
        hasher,
        ADMIN,
        &Password::new(admin_password),
        Role::Admin,
    )
    .await?;
    prepared.hosted_admin = true;
    Ok(prepared)
}

/// Start-up only: `username` exists with exactly this password and role, enabled (an account
/// the settings name: the hosted administrator, the teachers).
pub async fn set_exactly(
    users: &dyn Users,
    hasher: &PasswordHasher,
    username: &str,
    password: &Password,
    role: Role,
) -> Result<(), SeedError> {
    match users.find_by_username(username).await? {
        None => {
            create_if_missing(users, hasher, username, password.expose(), role).await?;
        }
        Some(account) => {
            let charged = Charged::to(username);
            if !hasher
                .verify(password, Some(&account.password_hash), &charged)
                .await?
            {
                let hash = hasher.hash(password, &charged).await?;
                users.set_password_hash(account.id, &hash).await?;
            }
            users.set_role(account.id, role).await?;
            users.set_disabled(account.id, false).await?;
        }
    }
    Ok(())
}

async fn create_if_missing(
    users: &dyn Users,
    hasher: &PasswordHasher,
    username: &str,
    password: &str,
    role: Role,
) -> Result<bool, SeedError> {
    if users.find_by_username(username).await?.is_some() {
        return Ok(false);
    }
    let hash = hasher
        .hash(&Password::new(password), &Charged::to(username))
        .await?;
    match users.insert(username, &hash, role, None).await {
        Ok(_) => Ok(true),
        // Another process seeded it between our look-up and insert: fine.
        Err(UserError::Taken) => Ok(false),
        Err(err) => Err(err.into()),
    }
}

/// The scheduled reset of the shared demo accounts (loopback use only): their lab switches go
/// back to the defaults, their sessions end and their refresh families are revoked, so what one
/// learner switched on does not stay on for the next.
pub async fn reset_shared(state: &crate::state::AppState) -> Result<usize, SeedError> {
    if !state.hosting.demo_accounts_public() {
        return Ok(0);
    }
    let mut reset = 0;
    for account in DEMO_ACCOUNTS {
        let Some(user) = state.auth.users.find_by_username(account.username).await? else {
            continue;
        };
        state.auth.account_settings.reset(user.id).await?;
        state.auth.sessions.end_all_of(user.id).await?;
        state.auth.refresh.revoke_user(user.id).await?;
        reset += 1;
    }
    Ok(reset)
}

/// The teacher accounts a hosted lab's settings name (`hosting.teachers`), made at start or kept
/// a teacher with exactly the settings' password. Never a public password: the settings refuse a
/// demo account's name, and the registration rule applies to each password. Their names.
pub async fn seed_teachers(
    users: &dyn Users,
    hasher: &PasswordHasher,
    teachers: &crate::settings::TeacherList,
) -> Result<Vec<String>, SeedError> {
    let mut seeded = Vec::new();
    for (name, password) in &teachers.0 {
        if is_demo_account(name) {
            return Err(SeedError::DemoTeacher(name.clone()));
        }
        set_exactly(users, hasher, name, password, Role::Teacher).await?;
        seeded.push(name.clone());
    }
    Ok(seeded)
}
