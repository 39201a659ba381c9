//! The core's own failures: a store that did not answer, or something broken on our side. Never
//! a refusal (a refusal is a `Decision`, not an error). The HTTP layer maps these to 503 and 500,
//! and logs the cause each one keeps (typed, never flattened to text), once.

use crate::{
    auth::{password::HashError, session::SessionError},
    store::{Cause, StoreError},
};

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The session store did not answer: session mode cannot decide anything, and says so.
    #[error("the session store is unavailable: {0}")]
    StoreUnavailable(#[source] StoreError),
    /// A store a check needed did not answer, and the trace says which check (the session
    /// lookup, or the denylist of an account that fails closed).
    #[error("a store did not answer: {cause}")]
    StoreDown {
        trace: crate::wire::AuthTrace,
        #[source]
        cause: StoreError,
    },
    /// Hashing a password failed or its queue is full.
    #[error(transparent)]
    Hash(#[from] HashError),
    #[error("{0}")]
    Internal(#[source] Cause),
}

impl AuthError {
    /// A store that did not answer, now with the trace that names the check it failed.
    pub fn traced(self, trace: crate::wire::AuthTrace) -> AuthError {
        match self {
            AuthError::StoreUnavailable(cause) => AuthError::StoreDown { trace, cause },
            other => other,
        }
    }
}

impl From<SessionError> for AuthError {
    fn from(err: SessionError) -> Self {
        match err {
            SessionError::Store(err) => err.into(),
            other => AuthError::Internal(other.into()),
        }
    }
}

impl From<crate::auth::refresh::RefreshError> for AuthError {
    fn from(err: crate::auth::refresh::RefreshError) -> Self {
        match err {
            crate::auth::refresh::RefreshError::Store(err) => err.into(),
            other => AuthError::Internal(other.into()),
        }
    }
}

impl From<StoreError> for AuthError {
    fn from(err: StoreError) -> Self {
        match err {
            backend @ StoreError::Backend(_) => AuthError::StoreUnavailable(backend),
            other => AuthError::Internal(other.into()),
        }
    }
}

impl From<sqlx::Error> for AuthError {
    fn from(err: sqlx::Error) -> Self {
        AuthError::Internal(err.into())
    }
}

impl From<crate::db::users::UserError> for AuthError {
    fn from(err: crate::db::users::UserError) -> Self {
        AuthError::Internal(err.into())
    }
}
