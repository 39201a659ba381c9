//! The accounts one experiment run makes for itself: `lab:<kind>-<run>-<name>`, in the namespace
//! registration refuses (':' is not a username character), with random passwords nobody is told.
//! A run touches only the ids it created and deletes them when it ends (maintenance deletes
//! those of an abandoned run at their expiry). An account the run did not create, whatever its
//! name, is never read, changed or promoted.

pub mod expiry;

use crate::{
    api::error::ApiError,
    auth::{csrf, password::Charged},
    db::{
        unix_now,
        users::{Scratch as ScratchKind, User},
    },
    lab::scratch::expiry::MATRIX_TTL_SECS,
    state::AppState,
    wire::{AccountSwitchesPatch, Credentials, Password, Role},
};

/// A scratch account a run created, and its password.
pub struct ScratchAccount {
    pub user: User,
    pub password: Password,
}

impl ScratchAccount {
    pub fn credentials(&self) -> Credentials {
        Credentials {
            username: self.user.username.clone(),
            password: self.password.clone(),
        }
    }
}

/// The accounts of one run.
pub struct ScratchAccounts {
    /// `lab:matrix-` or `lab:attack-`.
    prefix: &'static str,
    /// A random tag that keeps this run's names apart from every other run's.
    tag: String,
    /// The learner who started the run: the accounts' password hashes are charged to them.
    learner: Option<String>,
    created: Vec<i64>,
}

impl ScratchAccounts {
    pub fn new(prefix: &'static str, learner: Option<&str>) -> Self {
        let tag = csrf::new_token()
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .take(8)
            .collect::<String>()
            .to_ascii_lowercase();
        ScratchAccounts {
            prefix,
            tag,
            learner: learner.map(str::to_string),
            created: Vec::new(),
        }
    }

    /// Create a fresh account for this run, with `switches` set. Never an existing account: a
    /// name taken is an error, not a reuse.
    pub async fn create(
        &mut self,
        state: &AppState,
        name: &str,
        role: Role,
        switches: &AccountSwitchesPatch,
    ) -> Result<ScratchAccount, ApiError> {
        let username = format!("{}{}-{name}", self.prefix, self.tag);
        let password = Password::new(csrf::new_token());
        let charged = Charged::to(&username).and_maybe(self.learner.as_deref());
        let hash = state.auth.passwords.hash(&password, &charged).await?;
        let expires_at = unix_now() + MATRIX_TTL_SECS;
        let scratch = Some((ScratchKind::Matrix, expires_at));
        let user = state
            .auth
            .users
            .insert(&username, &hash, role, scratch)
            .await?;
        self.created.push(user.id);
        // Its events count for the learner who started the run.
        if let Some(learner) = &self.learner {
            if let Ok(Some(id)) = state.auth.account_settings.id_of(learner).await {
                state.auth.challenges.adopt(user.id, id).await;
            }
        }
        if *switches != AccountSwitchesPatch::default() {
            state
                .auth
                .account_settings
                .update(user.id, switches)
                .await?;
        }
        Ok(ScratchAccount { user, password })
    }

    /// Delete every account this run created (whatever happened in the run).
    pub async fn delete_all(self, state: &AppState) {
        if let Err(err) = expiry::delete_matrix_accounts(state, &self.created).await {
            tracing::warn!(target: "authlab::lab", %err, "could not delete a run's accounts");
        }
    }
}
