//! `POST /api/lab/wrong-claim-token`: a token the server genuinely signs, with the caller's own
//! key, whose claims are all right but one (an `exp` in the past, another `aud` or `iss`, a `typ`
//! of `id_token+jwt`). It is what the `exp`, `aud_iss` and `typ` switches are tried with: refused
//! by that one check, and let through for an account that switched that check off.
//!
//! Only for the caller's own account, and only on a request every check passed: a token a
//! weakened verifier let through must not mint genuinely signed ones. The role in it is the
//! accounts table's, read now, never a claim the caller brought.

use crate::{
    api::{
        error::ApiError,
        extract::{auth_user::AuthUser, every_check_on},
        json::ApiJson,
    },
    auth::jwt,
    challenges::event::{Happened, Issued},
    db::unix_now,
    lab::attacks::forge::Pieces,
    state::AppState,
    wire::{paths, WrongClaim, WrongClaimRequest, WrongClaimToken},
};
use axum::{extract::State, routing::post, Json, Router};

pub fn router() -> Router<AppState> {
    Router::new().route(paths::lab::WRONG_CLAIM_TOKEN, post(wrong_claim_token))
}

/// The audience and issuer of a service that is not this one.
const OTHER_AUDIENCE: &str = "https://another-service.example";
const OTHER_ISSUER: &str = "https://another-issuer.example";
/// The `typ` of an OpenID Connect ID token (RFC 9068 names it as what an access token is not).
const ID_TOKEN_TYP: &str = "id_token+jwt";

async fn wrong_claim_token(
    State(state): State<AppState>,
    user: AuthUser,
    ApiJson(request): ApiJson<WrongClaimRequest>,
) -> Result<Json<WrongClaimToken>, ApiError> {
    every_check_on(user.trace(), "a genuinely signed token")?;
    let Some(account) = state.auth.users.find_by_id(user.user_id()).await? else {
        return Err(ApiError::NotAllowed("this account no longer exists".into()));
    };
    let alg = state.auth.account_settings.get(account.id).await?.jwt_alg;
    let key = state
        .auth
        .keys
        .active(account.id, alg)
        .await
        .map_err(|err| ApiError::Internal(err.into()))?;
    let ttl = state.auth.jwt.access_ttl_secs;
    let (token, claims) = jwt::issue(
        &key,
        &account.username,
        account.role,
        ttl,
        &jwt::Delivery::Bearer,
        &state.auth.jwt,
    )
    .map_err(|err| ApiError::Internal(err.into()))?;
    let pieces = Pieces::of(&token).ok_or_else(|| ApiError::Internal("token shape".into()))?;
    let now = unix_now();
    let (pieces, note) = match request.wrong {
        WrongClaim::Expired => (
            pieces
                .set_claim("iat", now - 3_600)
                .set_claim("nbf", now - 3_600)
                .set_claim("exp", now - 1_800),
            "expired half an hour ago: refused at exp, unless this account switched exp off",
        ),
        WrongClaim::Audience => (
            pieces.set_claim("aud", OTHER_AUDIENCE),
            "issued for another service: refused at aud, unless this account switched aud_iss off",
        ),
        WrongClaim::Issuer => (
            pieces.set_claim("iss", OTHER_ISSUER),
            "issued by another issuer: refused at iss, unless this account switched aud_iss off",
        ),
        WrongClaim::Typ => (
            pieces.set_header("typ", ID_TOKEN_TYP),
            "typed as an ID token: refused at typ, unless this account switched typ off",
        ),
    };
    let token = pieces.signed(&key.encoding, key.algorithm());
    // Issued here: a genuine token, which the challenges must never take for a forgery.
    let issued = Issued::new(&token, &claims.jti, &key.kid, claims.iat, claims.exp);
    state
        .auth
        .challenges
        .note(account.id, Happened::Minted { token: issued });
    Ok(Json(WrongClaimToken {
        token,
        wrong: request.wrong,
        note: note.into(),
    }))
}
