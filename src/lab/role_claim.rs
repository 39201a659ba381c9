//! `GET /api/lab/role-claim`: what this request's credential *says* the caller may do, and nothing
//! more. It changes nothing and grants nothing. For a session the role is the accounts table's,
//! read for this request; for a bearer token it is the token's `role` claim, which may be stale.
//! 200 when the credential says admin, 403 when it says user. The logout matrix probes this after
//! a demotion, to show the stale claim a stateless JWT keeps; real administration
//! (`auth::admin`) never trusts the claim.

use crate::api::error::ApiError;
use crate::wire::paths;
use crate::{
    api::extract::auth_user::AuthUser,
    wire::{Role, RoleClaim},
};
use axum::{routing::get, Json, Router};

pub fn router() -> Router<crate::state::AppState> {
    Router::new().route(paths::lab::ROLE_CLAIM, get(role_claim))
}

async fn role_claim(user: AuthUser) -> Result<Json<RoleClaim>, ApiError> {
    let source = match &user {
        AuthUser::Session(_) => "the accounts table, read for this request",
        AuthUser::Bearer(_) => "this token's role claim, signed when it was issued",
    };
    match user.role() {
        Role::Admin => Ok(Json(RoleClaim {
            username: user.username().to_string(),
            claimed_role: Role::Admin,
            source: source.into(),
            note: "an app that trusted this credential would let it administer; authlab's own \
                   administration reads the accounts table instead"
                .into(),
        })),
        role @ (Role::Teacher | Role::User) => Err(ApiError::NotAllowed(format!(
            "{source} says role {role}: no administration, even for an app that trusts it"
        ))),
    }
}
