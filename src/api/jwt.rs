//! Bearer-JWT mode's endpoints, under `/api/jwt`, plus the public key set:
//! - `POST /login` `{username, password}` → `{access_token, token_type: "Bearer", expires_in}` and
//!   the refresh cookie (HttpOnly, Secure, SameSite=Strict, Path=/api/jwt); with a `DPoP` proof
//!   header, the token is bound to the proof's key (`cnf.jkt`, `token_type: "DPoP"`) and so is
//!   the refresh family (RFC 9449 §5);
//! - `POST /cookie-login` `{username, password}` → the token in the HttpOnly access cookie
//!   (`__Host-authlab_access`), `CookieTokenState` in the body (its CSRF token, never the token);
//!   `GET /cookie-current` → the same after a reload;
//! - `POST /refresh` → a new access token; the refresh token rotates (reuse revokes the family);
//!   a bound family needs a proof by its key;
//! - `POST /logout` → 204: revokes the refresh family; the access token keeps working until `exp`
//!   unless this account's denylist is on (then its `jti` is denied);
//! - `POST /logout-everywhere` (bearer) → every token issued before now is refused;
//! - `GET /keys`, `POST /keys/rotate`, `POST /keys/retire` (bearer): this account's signing keys;
//! - `POST /decode` `{token}` → the token taken apart by the real verifier, every problem named;
//! - `GET /.well-known/jwks.json` → the public keys.

use super::{
    client_addr::{ClientAddr, Learner},
    cookies,
    error::ApiError,
    extract::{
        access_token, bearer_user::BearerUser, login_origin_check, proof_headers, public_url,
    },
    json::ApiJson,
    login::{check_password, device_cookie, with_device_cookie, Asker, Purpose},
};
use crate::wire::paths;
use crate::{
    auth::{
        account_events,
        judge::{self, dpop::ProofSent},
        jwt::{self, Delivery, Mode, Plan},
        refresh::{self, Issued},
        token_exchange,
    },
    challenges::event::{self, Happened},
    db::unix_now,
    db::users::User,
    logging::echo,
    state::AppState,
    wire::{
        AccessEnded, AuthMode, CheckId, CookieTokenState, Credentials, DecodeReport, DecodeRequest,
        Introspection, SameSite, TokenResponse,
    },
};
use axum::{
    extract::State,
    http::{header, request::Parts, HeaderMap, StatusCode},
    response::{AppendHeaders, IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use serde_json::{json, Value};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(paths::jwt::LOGIN, post(login))
        .route(paths::jwt::COOKIE_LOGIN, post(cookie_login))
        .route(paths::jwt::COOKIE_CURRENT, get(cookie_current))
        .route(paths::jwt::REFRESH, post(refresh_token))
        .route(paths::jwt::LOGOUT, post(logout))
        .route(paths::jwt::LOGOUT_EVERYWHERE, post(logout_everywhere))
        .route(paths::jwt::KEYS, get(keys))
        .route(paths::jwt::KEYS_ROTATE, post(rotate_key))
        .route(paths::jwt::KEYS_RETIRE, post(retire_keys))
        .route(paths::jwt::DECODE, post(decode))
        .route(paths::jwt::INTROSPECT, post(introspect))
        .route(paths::jwt::JWKS, get(jwks))
}

async fn login(
    State(state): State<AppState>,
    client: ClientAddr,
    learner: Learner,
    parts: Parts,
    ApiJson(credentials): ApiJson<Credentials>,
) -> Result<Response, ApiError> {
    log_in(&state, &client, &learner, &parts, &credentials, false).await
}

/// JWT-in-a-cookie mode's login: the token goes into the HttpOnly access cookie.
async fn cookie_login(
    State(state): State<AppState>,
    client: ClientAddr,
    learner: Learner,
    parts: Parts,
    ApiJson(credentials): ApiJson<Credentials>,
) -> Result<Response, ApiError> {
    if !proof_headers(&parts.headers).is_empty() {
        return Err(ApiError::BadRequest(
            "a cookie login takes no DPoP proof: a token bound to a key travels in a header".into(),
        ));
    }
    log_in(&state, &client, &learner, &parts, &credentials, true).await
}

/// A bearer-model login: a token in the body (bound to a DPoP key when a proof came), or, with
/// `in_cookie`, in the access cookie.
async fn log_in(
    state: &AppState,
    client: &ClientAddr,
    learner: &Learner,
    parts: &Parts,
    credentials: &Credentials,
    in_cookie: bool,
) -> Result<Response, ApiError> {
    let headers = &parts.headers;
    // The refresh token rides in a cookie, so a forged cross-site login is refused like any other.
    login_origin_check(headers)?;
    let asker = Asker::new(state, headers, client, learner);
    let verified = check_password(
        state,
        AuthMode::Jwt,
        Purpose::Login,
        &credentials.username,
        &credentials.password,
        &asker,
    )
    .await?;
    let user = &verified.user;
    // A proof is judged after the password (whose rate limits bound how often a proof is
    // checked here at all), and its jti remembered only then.
    let delivery = match token_endpoint_proof(state, parts).await? {
        Some(jkt) => Delivery::Dpop(jkt),
        None if in_cookie => Delivery::Cookie,
        None => Delivery::Bearer,
    };
    // The learner's own refresh cookie, when this is one of their experiments' accounts: set
    // aside and given back after (`set_aside`), not lost under the experiment's.
    let presented = read_refresh_cookie(headers);
    let parked = super::set_aside::park_refresh(state, presented.as_deref(), user).await;
    let family = state.auth.refresh.start(user.id, &delivery).await?;
    tracing::info!(target: "authlab::jwt", username = %user.username, "jwt login");
    let mut response = tokens(state, user, family, Issuing::Login).await?;
    if let Some(parked) = parked {
        response.headers_mut().append(header::SET_COOKIE, parked);
    }
    let device = device_cookie(state, &asker, user).await;
    Ok(with_device_cookie(response, device))
}

async fn refresh_token(
    State(state): State<AppState>,
    client: ClientAddr,
    parts: Parts,
) -> Result<Response, ApiError> {
    let headers = &parts.headers;
    login_origin_check(headers)?;
    if let Err(retry) = state.limits.refresh_per_address.check(&client.0).await {
        return Err(ApiError::RateLimited {
            what: "refreshes from your address".into(),
            retry,
        });
    }
    let Some(presented) = read_refresh_cookie(headers) else {
        return Err(ApiError::Refresh("no refresh token cookie".into()));
    };
    // Judged after the rate limit: proofs at the token endpoint are limited with the refreshes.
    let key = token_endpoint_proof(&state, &parts).await?;
    match token_exchange::exchange(&state.auth, &presented, key.as_deref()).await? {
        Ok((user, next)) => tokens(&state, &user, next, Issuing::Refresh).await,
        Err(refused) if refused.drop_cookie => {
            // Whatever went wrong, the browser should stop sending this cookie.
            let mut response = ApiError::Refresh(refused.reason).into_response();
            response
                .headers_mut()
                .insert(header::SET_COOKIE, cookies::refresh("", 0));
            Ok(response)
        }
        Err(refused) => Err(ApiError::Refresh(refused.reason)),
    }
}

async fn logout(State(state): State<AppState>, mut parts: Parts) -> Result<Response, ApiError> {
    let cookie_login = access_token(&parts.headers).is_none()
        && crate::api::extract::bearer_user::cookie_token(&parts.headers);
    if cookie_login {
        // A cookie login's logout is a write the browser attaches the access cookie to, even on
        // a form another site posts: judged with the origin check and the token's CSRF claim
        // (both `off` for an account that weakened them, where a forged logout then works, as
        // the attack lab's CSRF card shows for sessions). A token refused for anything else
        // (say, expired) still lets its holder log out.
        use axum::extract::FromRequestParts;
        match BearerUser::from_request_parts(&mut parts, &state).await {
            Err(ApiError::Refused { trace, refused })
                if matches!(refused.check, CheckId::SameOrigin | CheckId::CsrfToken) =>
            {
                return Err(ApiError::Refused { trace, refused });
            }
            Err(ApiError::Refused { .. }) | Ok(_) => {}
            Err(other) => return Err(other),
        }
    } else {
        login_origin_check(&parts.headers)?;
    }
    let headers = parts.headers;
    let refresh = read_refresh_cookie(&headers);
    // The token from the header, or from the access cookie of a cookie login.
    let access = access_token(&headers)
        .map(|(_, token)| token)
        .or_else(|| cookies::read_cookie(&headers, cookies::ACCESS));
    token_exchange::log_out(&state.auth, refresh.as_deref(), access.as_deref()).await?;
    Ok((
        StatusCode::NO_CONTENT,
        AppendHeaders([
            (header::SET_COOKIE, cookies::refresh("", 0)),
            (header::SET_COOKIE, cookies::clear_access(SameSite::Lax)),
        ]),
    )
        .into_response())
}

async fn logout_everywhere(
    State(state): State<AppState>,
    user: BearerUser,
) -> Result<Json<AccessEnded>, ApiError> {
    crate::api::extract::every_check_on(&user.trace, "log out everywhere")?;
    let Some(account) = state.auth.users.find_by_id(user.user_id).await? else {
        return Err(ApiError::Refresh("the account no longer exists".into()));
    };
    Ok(Json(
        account_events::log_out_everywhere(&state.auth, AuthMode::Jwt, &account).await?,
    ))
}

async fn keys(State(state): State<AppState>, user: BearerUser) -> Json<Value> {
    let keys: Vec<Value> = state.auth
        .keys
        .of_owner(user.user_id)
        .iter()
        .map(|k| {
            json!({"kid": k.kid, "alg": k.alg.as_str(), "created_at": k.created_at, "rotated_at": k.rotated_at})
        })
        .collect();
    Json(json!({ "keys": keys }))
}

async fn rotate_key(
    State(state): State<AppState>,
    user: BearerUser,
) -> Result<Json<Value>, ApiError> {
    if let Err(retry) = state
        .limits
        .key_rotation_per_account
        .check(&user.user_id.to_string())
        .await
    {
        return Err(ApiError::RateLimited {
            what: "key rotations for this account".into(),
            retry,
        });
    }
    let max = state.settings.jwt.max_keys_per_account;
    let alg = state.auth.account_settings.get(user.user_id).await?.jwt_alg;
    let Some(key) = state
        .auth
        .keys
        .rotate_within(user.user_id, alg, max)
        .await?
    else {
        return Err(ApiError::Conflict(format!(
            "this account holds {max} signing keys, the most allowed: retire the rotated-out ones \
             (POST /api/jwt/keys/retire) before rotating again"
        )));
    };
    Ok(Json(json!({ "kid": key.kid, "alg": alg.as_str() })))
}

async fn retire_keys(
    State(state): State<AppState>,
    user: BearerUser,
) -> Result<Json<Value>, ApiError> {
    let retired = state.auth.keys.retire_rotated(user.user_id).await?;
    Ok(Json(json!({ "retired": retired })))
}

async fn decode(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<DecodeRequest>,
) -> Json<DecodeReport> {
    let plan = Plan::TOKEN;
    let mut trace = plan.trace();
    let (_, parts) = jwt::verify(
        request.token.trim(),
        (&state.auth.keys, &state.auth.attacker),
        &state.settings.jwt,
        &plan,
        &mut trace,
        Mode::EveryProblem,
    );
    // A decoder shows what it was given, but an attacker's 6 KB `kid` comes back capped.
    Json(DecodeReport {
        header: parts.header.as_ref().map(echo::capped_json),
        payload: parts.payload.as_ref().map(echo::capped_json),
        signature: parts
            .signature
            .map(|sig| echo::shown(&sig, 2 * echo::ECHO_CHARS)),
        checks: trace.finish(),
    })
}

/// Judge a token as a request carrying it would be judged, without making that request: the
/// answer is 200 either way (the verdict is the content), and nothing is audited, because nothing
/// was authenticated. It tells the holder of a token only what using it would tell them.
async fn introspect(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<DecodeRequest>,
) -> Result<Json<Introspection>, ApiError> {
    let decision = judge::token::judge(&state.auth, Some(request.token.trim()), None).await?;
    Ok(Json(Introspection {
        active: decision.outcome.is_ok(),
        auth: decision.trace,
    }))
}

/// The public key set; `?kid=<kid>` answers with that key alone (or none), so a verifier holding
/// only what is published can look one token's key up without downloading every key.
async fn jwks(State(state): State<AppState>, uri: axum::http::Uri) -> Json<Value> {
    let kid = uri
        .query()
        .into_iter()
        .flat_map(|query| query.split('&'))
        .find_map(|pair| pair.strip_prefix("kid="));
    match kid {
        // A kid is a short run of base64url characters; anything else names no key.
        Some(kid)
            if kid.len() <= 64
                && kid
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
        {
            Json(state.auth.keys.jwks(Some(kid)))
        }
        Some(_) => Json(serde_json::json!({ "keys": [] })),
        None => Json(state.auth.keys.jwks(None)),
    }
}

/// The DPoP proof a login or refresh brought, judged (`judge::dpop::at_token_endpoint`): the
/// thumbprint of its key, or `None` when no `DPoP` header came (a bearer login). A refused
/// proof answers 401 with its trace and a `DPoP` challenge.
async fn token_endpoint_proof(state: &AppState, parts: &Parts) -> Result<Option<String>, ApiError> {
    let proofs = proof_headers(&parts.headers);
    if proofs.is_empty() {
        return Ok(None);
    }
    let htu = public_url(parts, state.settings.hosting.trusted_proxy);
    let sent = ProofSent {
        proofs: &proofs,
        method: parts.method.as_str(),
        htu: &htu,
    };
    match judge::dpop::at_token_endpoint(&state.auth, &sent).await? {
        Ok(proof) => Ok(Some(proof.jkt)),
        Err((trace, refused)) => Err(ApiError::Refused { trace, refused }),
    }
}

/// What the page of a cookie login gets: everything but the token.
fn cookie_state(
    state: &AppState,
    claims: &jwt::Claims,
    cookie: crate::wire::CookieReport,
    refresh_expires_at: i64,
) -> CookieTokenState {
    let now = unix_now();
    CookieTokenState {
        username: claims.sub.clone(),
        role: claims.role,
        csrf_token: claims.csrf.clone().unwrap_or_default(),
        claims: serde_json::to_value(claims).unwrap_or_default(),
        cookie,
        expires_in: u64::try_from(claims.exp.saturating_sub(now)).unwrap_or(0),
        refresh_expires_at,
        server_now: now,
        leeway_secs: state.settings.jwt.leeway_secs,
    }
}

/// A cookie login's state after a reload: judged by the access cookie (a read), answered with
/// its CSRF token; `null` when the browser holds no live access cookie (a question, not an
/// error, as `/api/session/current`). A request whose token came any other way is told so.
async fn cookie_current(
    State(state): State<AppState>,
    user: Result<BearerUser, ApiError>,
) -> Result<Json<Option<CookieTokenState>>, ApiError> {
    let user = match user {
        Ok(user) => user,
        Err(ApiError::Refused { .. }) => return Ok(Json(None)),
        Err(other) => return Err(other),
    };
    if user.claims.csrf.is_none() {
        return Err(ApiError::BadRequest(
            "this token was not issued for the access cookie".into(),
        ));
    }
    let switches = state.auth.account_settings.get(user.user_id).await?;
    let now = unix_now();
    let (_, report) = cookies::access(
        &user.token,
        user.claims.exp.saturating_sub(now),
        switches.cookie_same_site(),
    );
    Ok(Json(Some(cookie_state(&state, &user.claims, report, 0))))
}

/// Why a token pair is issued.
enum Issuing {
    Login,
    Refresh,
}

/// Sign an access token with the account's chosen algorithm and answer with it and the refresh
/// cookie for `next`.
async fn tokens(
    state: &AppState,
    user: &User,
    next: Issued,
    issuing: Issuing,
) -> Result<Response, ApiError> {
    let switches = state.auth.account_settings.get(user.id).await?;
    let key = state.auth.keys.active(user.id, switches.jwt_alg).await?;
    state.auth.revocation.wait_past_mark(&user.username).await;
    // The account's own lifetime switch (the compare page's short-lived demo), else its class's
    // (the shorter of the two when both are set), else the server's default.
    let class = state
        .auth
        .classes
        .switches_of(user.id)
        .await?
        .and_then(|class| class.access_ttl_secs);
    let ttl = match (switches.access_ttl_secs, class) {
        (Some(own), Some(class)) => own.min(class),
        (own, class) => own.or(class).unwrap_or(state.settings.jwt.access_ttl_secs),
    };
    let (access_token, claims) = jwt::issue(
        &key,
        &user.username,
        user.role,
        ttl,
        &next.delivery,
        &state.settings.jwt,
    )?;
    let token = event::Issued::new(&access_token, &claims.jti, &key.kid, claims.iat, claims.exp);
    state.auth.challenges.note(
        user.id,
        match issuing {
            Issuing::Login => Happened::SignedIn {
                mode: AuthMode::Jwt,
                token: Some(token),
                kept_planted_id: false,
            },
            Issuing::Refresh => Happened::Refreshed { token },
        },
    );
    let now = unix_now();
    let refresh_cookie = cookies::refresh(&next.token, next.expires_at - now);
    if next.delivery == Delivery::Cookie {
        let switches = state.auth.account_settings.get(user.id).await?;
        let ttl_secs = i64::try_from(ttl).unwrap_or(i64::MAX);
        let (access_cookie, report) =
            cookies::access(&access_token, ttl_secs, switches.cookie_same_site());
        let body = cookie_state(state, &claims, report, next.expires_at);
        return Ok((
            AppendHeaders([
                (header::SET_COOKIE, access_cookie),
                (header::SET_COOKIE, refresh_cookie),
            ]),
            Json(body),
        )
            .into_response());
    }
    let body = TokenResponse {
        access_token,
        // RFC 9449 §5: a bound token is of type DPoP, and is sent with that scheme.
        token_type: match next.delivery {
            Delivery::Dpop(_) => "DPoP",
            _ => "Bearer",
        }
        .into(),
        expires_in: ttl,
        refresh_expires_at: next.expires_at,
        server_now: now,
        leeway_secs: state.settings.jwt.leeway_secs,
    };
    Ok(([(header::SET_COOKIE, refresh_cookie)], Json(body)).into_response())
}

/// The refresh cookie, each attribute on purpose:
/// `HttpOnly` (scripts, XSS included, cannot read the long-lived credential), `Secure` (never over
/// plain http to a real host), `SameSite=Strict` (never sent on a request another site starts:
/// no CSRF against /refresh or /logout), `Path=/api/jwt` (sent to the token endpoints only, not
/// to every API call), `Max-Age` (gone when the server would refuse it anyway).
fn read_refresh_cookie(headers: &HeaderMap) -> Option<String> {
    cookies::read_cookie(headers, refresh::COOKIE)
}
