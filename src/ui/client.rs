//! The browser's API client: the same JSON endpoints a learner can call with curl, over gloo-net.
//! The UI never talks to the server any other way, so what the page shows is what the API does.
//! Every call also yields a `Call` record (method, path, status, decision trace) for the inspector.

use crate::wire::paths;
use crate::wire::{
    AccountSwitches, AccountSwitchesPatch, ApiErrorBody, AuditEvent, AuthTrace, Captured, Check,
    Credentials, DecodeReport, DecodeRequest, LogoutMatrix, Me, Registered, SessionState,
    SessionView, TokenResponse,
};
use serde::{de::DeserializeOwned, Serialize};

/// Why a call failed, as the page shows it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// The server answered with an error; `reason` is its own sentence.
    #[error("{reason}")]
    Api {
        status: u16,
        error: String,
        reason: String,
        auth: Option<AuthTrace>,
    },
    #[error("network error: {0}")]
    Network(String),
    #[error("the API client only runs in the browser")]
    NotInBrowser,
}

/// One request as the inspector shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call {
    pub method: &'static str,
    pub path: String,
    pub status: u16,
    pub trace: Option<AuthTrace>,
    pub sent_csrf: bool,
    /// The bearer token sent, if any (the page holds it anyway; the curl line shows it).
    pub bearer: Option<String>,
}

impl Call {
    /// The check that refused this call, if the server named one.
    pub fn failed_check(&self) -> Option<&Check> {
        self.trace.as_ref()?.failed_check()
    }

    /// ` at "<check>"` for a refused call, nothing otherwise: for sentences about the answer.
    pub fn refused_at(&self) -> String {
        self.failed_check()
            .map(|c| format!(" at \"{}\"", c.name))
            .unwrap_or_default()
    }
}

/// What a request carries besides its body.
#[derive(Clone, Copy)]
pub enum Credential<'a> {
    /// Nothing the page adds (the browser still sends cookies by itself).
    Cookies,
    /// Cookies plus the session's CSRF token, for state-changing session requests.
    Csrf(&'a str),
    /// `Authorization: Bearer <token>`.
    Bearer(&'a str),
    /// A DPoP proof in the `DPoP` header, beside `Authorization: DPoP <token>` when a token is
    /// sent (at the token endpoint there is none yet).
    Dpop {
        token: Option<&'a str>,
        proof: &'a str,
    },
}

/// An answer: the parsed body (or the error) plus the record of the call.
pub struct Answer<T> {
    pub result: Result<T, ClientError>,
    pub call: Call,
}

impl<T> Answer<T> {
    /// Show this answer on a page: its call as the last one, its error (if any) as the message.
    pub fn show_in(
        &self,
        last: leptos::prelude::RwSignal<Option<Call>>,
        message: leptos::prelude::RwSignal<Option<String>>,
    ) {
        use leptos::prelude::Set;
        last.set(Some(self.call.clone()));
        message.set(self.result.as_ref().err().map(|err| err.to_string()));
    }
}

/// `POST /api/register`, from a page signed in with `learner` (if any): the server then makes
/// a lesson's account that learner's.
pub async fn register(
    credentials: &Credentials,
    learner: Option<Credential<'_>>,
) -> Result<Registered, ClientError> {
    send(
        "POST",
        paths::REGISTER,
        Some(credentials),
        learner.unwrap_or(Credential::Cookies),
    )
    .await
    .result
}

/// `POST /api/register` from the register page: the account, and the class it joins, if the
/// learner gave a code.
pub async fn register_account(
    registration: &crate::wire::Registration,
) -> Result<Registered, ClientError> {
    send(
        "POST",
        paths::REGISTER,
        Some(registration),
        Credential::Cookies,
    )
    .await
    .result
}

pub async fn session_login(credentials: &Credentials) -> Answer<SessionState> {
    send(
        "POST",
        paths::session::LOGIN,
        Some(credentials),
        Credential::Cookies,
    )
    .await
}

/// `POST /api/give-back`: the learner's own sign-in, set aside while an experiment signed the
/// browser in as its account, is the browser's again (the parked cookies go by themselves).
pub async fn give_back() -> Answer<crate::wire::GivenBack> {
    post(paths::GIVE_BACK, Credential::Cookies).await
}

pub async fn session_current() -> Answer<Option<SessionState>> {
    get(paths::session::CURRENT, Credential::Cookies).await
}

pub async fn session_logout(csrf: &str) -> Answer<()> {
    post(paths::session::LOGOUT, Credential::Csrf(csrf)).await
}

/// `GET /api/auth-cost`: what authentication cost on this account's recent requests.
pub async fn auth_cost(credential: Credential<'_>) -> Answer<crate::wire::AuthCost> {
    get(paths::AUTH_COST, credential).await
}

/// `POST /api/lab/cost-benchmark`: the server times each kind of check, now.
pub async fn cost_benchmark(credential: Credential<'_>) -> Answer<crate::wire::CostBenchmark> {
    post(paths::lab::COST_BENCHMARK, credential).await
}

/// `GET /api/me`, by cookie or by bearer token.
pub async fn me(credential: Credential<'_>) -> Answer<Me> {
    get(paths::ME, credential).await
}

pub async fn session_list() -> Answer<Vec<SessionView>> {
    get(paths::session::SESSIONS, Credential::Cookies).await
}

pub async fn session_revoke(handle: &str, csrf: &str) -> Answer<()> {
    let path = paths::session::one_session(handle);
    send::<(), _>("DELETE", &path, None, Credential::Csrf(csrf)).await
}

pub async fn session_logout_others(csrf: &str) -> Answer<serde_json::Value> {
    post(paths::session::LOGOUT_OTHERS, Credential::Csrf(csrf)).await
}

pub async fn put_account_switches(
    settings: &AccountSwitchesPatch,
    credential: Credential<'_>,
) -> Answer<AccountSwitches> {
    send("PUT", paths::LAB_SETTINGS, Some(settings), credential).await
}

pub async fn get_account_switches(credential: Credential<'_>) -> Answer<AccountSwitches> {
    get(paths::LAB_SETTINGS, credential).await
}

/// `GET /api/audit`: this user's events (an admin's: everyone's), oldest first.
pub async fn audit(after: i64) -> Answer<Vec<AuditEvent>> {
    get(&paths::audit_after(after), Credential::Cookies).await
}

pub async fn jwt_login(credentials: &Credentials) -> Answer<TokenResponse> {
    send(
        "POST",
        paths::jwt::LOGIN,
        Some(credentials),
        Credential::Cookies,
    )
    .await
}

/// A bearer-model login that binds the token to the page's DPoP key: the proof rides along.
pub async fn dpop_login(credentials: &Credentials, proof: &str) -> Answer<TokenResponse> {
    send(
        "POST",
        paths::jwt::LOGIN,
        Some(credentials),
        Credential::Dpop { token: None, proof },
    )
    .await
}

/// A bound login's refresh: the refresh cookie goes by itself, the proof by the same key.
pub async fn dpop_refresh(proof: &str) -> Answer<TokenResponse> {
    post(paths::jwt::REFRESH, Credential::Dpop { token: None, proof }).await
}

/// JWT-in-a-cookie mode's login: the token lands in the HttpOnly access cookie.
pub async fn jwt_cookie_login(credentials: &Credentials) -> Answer<crate::wire::CookieTokenState> {
    send(
        "POST",
        paths::jwt::COOKIE_LOGIN,
        Some(credentials),
        Credential::Cookies,
    )
    .await
}

/// A cookie login's state after a reload (its CSRF token), asked with the cookie alone.
pub async fn jwt_cookie_current() -> Answer<Option<crate::wire::CookieTokenState>> {
    get(paths::jwt::COOKIE_CURRENT, Credential::Cookies).await
}

/// A session whose id the page keeps, for `Authorization: Bearer <id>`.
pub async fn header_login(credentials: &Credentials) -> Answer<crate::wire::HeaderSessionState> {
    send(
        "POST",
        paths::session::HEADER_LOGIN,
        Some(credentials),
        Credential::Cookies,
    )
    .await
}

/// Log a session out, however its id travels.
pub async fn session_logout_with(credential: Credential<'_>) -> Answer<()> {
    post(paths::session::LOGOUT, credential).await
}

/// The BFF signs in for the page; the page gets a session cookie and nothing else.
pub async fn bff_login(credentials: &Credentials) -> Answer<crate::wire::BffState> {
    send(
        "POST",
        paths::bff::LOGIN,
        Some(credentials),
        Credential::Cookies,
    )
    .await
}

/// A cookie login's logout: a write the browser attaches the access cookie to, with its CSRF
/// token.
pub async fn jwt_cookie_logout(csrf: &str) -> Answer<()> {
    post(paths::jwt::LOGOUT, Credential::Csrf(csrf)).await
}

/// A bound login's logout: the token (to deny, where the denylist is on) beside a proof.
pub async fn jwt_logout_dpop(token: &str, proof: &str) -> Answer<()> {
    post(
        paths::jwt::LOGOUT,
        Credential::Dpop {
            token: Some(token),
            proof,
        },
    )
    .await
}

pub async fn bff_current() -> Answer<Option<crate::wire::BffState>> {
    get(paths::bff::CURRENT, Credential::Cookies).await
}

pub async fn bff_logout(csrf: &str) -> Answer<()> {
    post(paths::bff::LOGOUT, Credential::Csrf(csrf)).await
}

/// A call through the BFF to `api_path`: its answer whatever the API's status (the API's
/// status is in it, with both hops' traces); a refusal at hop 1 is an ordinary error.
pub async fn bff_call<B: Serialize>(
    method: &'static str,
    api_path: &str,
    body: Option<&B>,
    csrf: Option<&str>,
) -> Answer<crate::wire::BffAnswer> {
    let path = paths::bff::via(api_path);
    let credential = csrf.map_or(Credential::Cookies, Credential::Csrf);
    let answer: Answer<serde_json::Value> =
        send_keeping_body(method, &path, body, credential).await;
    let Answer { result, mut call } = answer;
    let result = match result {
        Ok(value) => match serde_json::from_value::<crate::wire::BffAnswer>(value) {
            Ok(bff) => {
                call.trace = Some(bff.browser_hop.clone());
                Ok(bff)
            }
            Err(err) => Err(ClientError::Network(err.to_string())),
        },
        Err(err) => Err(err),
    };
    Answer { result, call }
}

/// The refresh cookie goes by itself (its path is /api/jwt).
pub async fn jwt_refresh() -> Answer<TokenResponse> {
    post(paths::jwt::REFRESH, Credential::Cookies).await
}

pub async fn jwt_logout(token: Option<&str>) -> Answer<()> {
    post(
        paths::jwt::LOGOUT,
        token.map_or(Credential::Cookies, Credential::Bearer),
    )
    .await
}

pub async fn jwt_logout_everywhere(token: &str) -> Answer<serde_json::Value> {
    post(paths::jwt::LOGOUT_EVERYWHERE, Credential::Bearer(token)).await
}

pub async fn jwt_rotate_key(token: &str) -> Answer<serde_json::Value> {
    post(paths::jwt::KEYS_ROTATE, Credential::Bearer(token)).await
}

pub async fn jwt_retire_keys(token: &str) -> Answer<serde_json::Value> {
    post(paths::jwt::KEYS_RETIRE, Credential::Bearer(token)).await
}

pub async fn jwt_decode(token: &str) -> Answer<DecodeReport> {
    let body = DecodeRequest {
        token: token.to_string(),
    };
    send("POST", paths::jwt::DECODE, Some(&body), Credential::Cookies).await
}

/// `POST /api/lab/jwks-verify`: what a service holding only the public key set makes of a token.
pub async fn jwks_verify(token: &str) -> Answer<crate::wire::JwksCheck> {
    let body = DecodeRequest {
        token: token.to_string(),
    };
    send(
        "POST",
        paths::lab::JWKS_VERIFY,
        Some(&body),
        Credential::Cookies,
    )
    .await
}

/// `POST /api/jwt/introspect`: would a request carrying this token be accepted now, and why.
pub async fn jwt_introspect(token: &str) -> Answer<crate::wire::Introspection> {
    let body = DecodeRequest {
        token: token.to_string(),
    };
    send(
        "POST",
        paths::jwt::INTROSPECT,
        Some(&body),
        Credential::Cookies,
    )
    .await
}

/// `POST /api/replay/capture`: the server keeps a copy of this session's cookie; we get a handle.
pub async fn replay_capture(csrf: &str) -> Answer<Captured> {
    post(paths::lab::REPLAY_CAPTURE, Credential::Csrf(csrf)).await
}

/// `POST /api/replay {handle}`: the server replays the captured credential (`GET /api/me` with a
/// session cookie, or `POST /api/jwt/refresh` with a refresh token) and hands back the answer.
/// The handle is a capability: it goes in the body, never in a URL.
pub async fn replay<T: DeserializeOwned>(handle: &str) -> Answer<T> {
    let body = crate::wire::ReplayRequest {
        handle: handle.to_string(),
    };
    send("POST", paths::lab::REPLAY, Some(&body), Credential::Cookies).await
}

/// `POST /api/jwt/capture-refresh`: the server keeps a copy of the current refresh token.
pub async fn jwt_capture_refresh() -> Answer<Captured> {
    post(paths::jwt::CAPTURE_REFRESH, Credential::Cookies).await
}

/// `GET /api/demo-accounts`: the shared demo accounts, or none on a hosted lab.
pub async fn demo_accounts() -> Answer<crate::wire::DemoCard> {
    get(paths::DEMO_ACCOUNTS, Credential::Cookies).await
}

/// `GET /api/lab/request-size`: the size of this very request as the server received it.
pub async fn request_size(credential: Credential<'_>) -> Answer<crate::wire::RequestSize> {
    get(paths::lab::REQUEST_SIZE, credential).await
}

/// `POST /api/lab/cross-site-probe/start`: a probe of the signed-in learner's, under a nonce the
/// server makes.
pub async fn probe_start(credential: Credential<'_>) -> Answer<crate::wire::LabRunStarted> {
    post(paths::lab::CROSS_SITE_PROBE_START, credential).await
}

/// `POST /api/lab/xss/start`: an XSS-card run of the signed-in learner's.
pub async fn xss_start(credential: Credential<'_>) -> Answer<crate::wire::LabRunStarted> {
    post(paths::lab::XSS_START, credential).await
}

/// `GET /api/lab/cross-site-probe/result`: what the cross-site link carried, once followed.
pub async fn probe_result(nonce: &str) -> Answer<crate::wire::ProbeResult> {
    get(
        &paths::lab::cross_site_probe_result(nonce),
        Credential::Cookies,
    )
    .await
}

/// `GET /api/lab/xss/result?run=…`: what the XSS card's injected script got, as the server saw it.
pub async fn xss_result(run: &str) -> Answer<crate::wire::XssResult> {
    get(&paths::lab::xss_result(run), Credential::Cookies).await
}

/// `GET /api/lab/forgery-site`: where the forgery lesson's attacker page is served.
pub async fn forgery_site() -> Answer<crate::wire::ForgerySite> {
    get(paths::lab::FORGERY_SITE, Credential::Cookies).await
}

/// `POST /api/lab/forge`: sign the workbench's header and payload one way, with attacker-side
/// material only.
pub async fn forge(request: &crate::wire::ForgeRequest) -> Answer<crate::wire::Forged> {
    send(
        "POST",
        paths::lab::FORGE,
        Some(request),
        Credential::Cookies,
    )
    .await
}

/// `POST /api/lab/wrong-claim-token`: a token genuinely signed with the caller's own key, one
/// claim wrong.
pub async fn wrong_claim_token(
    token: &str,
    wrong: crate::wire::WrongClaim,
) -> Answer<crate::wire::WrongClaimToken> {
    let body = crate::wire::WrongClaimRequest { wrong };
    send(
        "POST",
        paths::lab::WRONG_CLAIM_TOKEN,
        Some(&body),
        Credential::Bearer(token),
    )
    .await
}

/// `GET /.well-known/jwks.json?kid=…`: one published key, as anyone may read it.
pub async fn jwks_key(kid: &str) -> Answer<serde_json::Value> {
    get(&paths::jwt::jwks_key(kid), Credential::Cookies).await
}

/// `GET path` with a bearer token, whatever the endpoint answers (the workbench's send).
pub async fn get_bearer(path: &str, token: &str) -> Answer<serde_json::Value> {
    get(path, Credential::Bearer(token)).await
}

/// A static text file of the site (`/wordlist.txt`).
#[cfg(feature = "hydrate")]
pub async fn text_file(path: &str) -> Result<String, ClientError> {
    let network = |err: gloo_net::Error| ClientError::Network(err.to_string());
    let response = gloo_net::http::RequestBuilder::new(path)
        .send()
        .await
        .map_err(network)?;
    if !response.ok() {
        return Err(ClientError::Network(format!(
            "{path} answered {}",
            response.status()
        )));
    }
    response.text().await.map_err(network)
}

#[cfg(not(feature = "hydrate"))]
pub async fn text_file(_path: &str) -> Result<String, ClientError> {
    Err(ClientError::NotInBrowser)
}

/// `GET /.well-known/jwks.json`: the public keys.
pub async fn jwks() -> Answer<serde_json::Value> {
    get(paths::jwt::JWKS, Credential::Cookies).await
}

/// `POST /api/lab/logout-matrix`: run every access-ending event against each model.
/// Only a signed-in user may start it (here: with the page's bearer token).
pub async fn logout_matrix(token: &str) -> Answer<LogoutMatrix> {
    post(paths::lab::LOGOUT_MATRIX, Credential::Bearer(token)).await
}

/// `POST /api/lab/scale`: queue a run (three real nodes behind a balancer, the requested
/// scenario against them, every process stopped after). Answers at once with a ticket and its
/// place; only a signed-in user may start one.
pub async fn scale_start(
    request: &crate::wire::ScaleRequest,
    credential: Credential<'_>,
) -> Answer<crate::wire::ScaleTicket> {
    send("POST", paths::lab::SCALE, Some(request), credential).await
}

/// `GET /api/lab/scale/{ticket}`: where a queued run is now, and once done, every answer.
pub async fn scale_ticket(
    ticket: &str,
    credential: Credential<'_>,
) -> Answer<crate::wire::ScaleTicket> {
    get(&paths::lab::scale_ticket(ticket), credential).await
}

/// `POST /api/lab/attacks/{attack}`: run one attack against this server's real checks. Only a
/// signed-in user may start one.
pub async fn attack_run(
    attack: crate::wire::AttackId,
    credential: Credential<'_>,
) -> Answer<crate::wire::AttackRun> {
    post(&paths::lab::attack(attack.as_str()), credential).await
}

/// `GET /api/challenges`.
pub async fn challenges() -> Answer<crate::wire::ChallengeList> {
    get(paths::challenges::LIST, Credential::Cookies).await
}

/// `GET /api/progress`: the signed-in learner's own.
pub async fn progress(credential: Credential<'_>) -> Answer<crate::wire::Progress> {
    get(paths::challenges::PROGRESS, credential).await
}

/// `POST /api/progress/reset`.
pub async fn reset_progress(credential: Credential<'_>) -> Answer<crate::wire::Progress> {
    post(paths::challenges::RESET, credential).await
}

/// `POST /api/challenges/{id}/hint`.
pub async fn hint(id: &str, credential: Credential<'_>) -> Answer<crate::wire::Hint> {
    post(&paths::challenges::hint(id), credential).await
}

/// `POST /api/challenges/{id}/answer`.
pub async fn answer(
    id: &str,
    answer: &crate::wire::Answer,
    credential: Credential<'_>,
) -> Answer<crate::wire::AnswerVerdict> {
    send(
        "POST",
        &paths::challenges::answer(id),
        Some(answer),
        credential,
    )
    .await
}

/// `GET /api/progress/wait?after=`: what was solved after `after_ms`, once something is.
pub async fn wait_for_solved(
    after_ms: i64,
    credential: Credential<'_>,
) -> Answer<Vec<crate::wire::Solved>> {
    get(&paths::challenges::wait(after_ms), credential).await
}

/// `GET /api/classes`: the teacher's classes.
pub async fn classes(credential: Credential<'_>) -> Answer<Vec<crate::wire::ClassView>> {
    get(paths::classes::LIST, credential).await
}

/// `POST /api/classes`: open a class.
pub async fn open_class(
    new: &crate::wire::NewClass,
    credential: Credential<'_>,
) -> Answer<crate::wire::ClassView> {
    send("POST", paths::classes::LIST, Some(new), credential).await
}

/// `POST /api/classes/join`.
pub async fn join_class(code: &str, credential: Credential<'_>) -> Answer<crate::wire::MyClass> {
    let body = crate::wire::JoinClass {
        code: code.to_string(),
    };
    send("POST", paths::classes::JOIN, Some(&body), credential).await
}

/// `GET /api/account/class`: the learner's class, if any.
pub async fn my_class(credential: Credential<'_>) -> Answer<Option<crate::wire::MyClass>> {
    get(paths::classes::MINE, credential).await
}

/// `DELETE /api/account/class`: leave it.
pub async fn leave_class(credential: Credential<'_>) -> Answer<()> {
    send::<(), _>("DELETE", paths::classes::MINE, None, credential).await
}

/// `GET /api/classes/{id}/grid`, at once or (`wait`) once it differs from that version.
pub async fn class_grid(
    id: i64,
    wait: Option<&str>,
    credential: Credential<'_>,
) -> Answer<crate::wire::Grid> {
    let path = match wait {
        Some(version) => paths::classes::grid_after(id, version),
        None => paths::classes::grid(id),
    };
    get(&path, credential).await
}

/// `GET /api/classes/{id}/learners/{username}`.
pub async fn class_trail(
    id: i64,
    username: &str,
    credential: Credential<'_>,
) -> Answer<crate::wire::Trail> {
    get(&paths::classes::learner(id, username), credential).await
}

/// `POST …/learners/{username}/reset` (`Some`), or `POST …/reset` (the whole class).
pub async fn reset_class(
    id: i64,
    username: Option<&str>,
    credential: Credential<'_>,
) -> Answer<crate::wire::ClassReset> {
    let path = match username {
        Some(name) => paths::classes::reset_learner(id, name),
        None => paths::classes::reset(id),
    };
    post(&path, credential).await
}

/// `POST /api/classes/{id}/close`.
pub async fn close_class(id: i64, credential: Credential<'_>) -> Answer<crate::wire::ClassView> {
    post(&paths::classes::close(id), credential).await
}

/// `GET /api/admin/accounts`.
pub async fn admin_accounts(credential: Credential<'_>) -> Answer<Vec<crate::wire::AccountView>> {
    get(paths::account::ADMIN_ACCOUNTS, credential).await
}

/// `PUT /api/admin/accounts/{username}`.
pub async fn admin_update(
    username: &str,
    patch: &crate::wire::AccountPatch,
    credential: Credential<'_>,
) -> Answer<crate::wire::AccountView> {
    send(
        "PUT",
        &paths::account::admin_account(username),
        Some(patch),
        credential,
    )
    .await
}

/// A text answer of the API (the class CSV), with the learner's credential.
#[cfg(feature = "hydrate")]
pub async fn api_text(path: &str, credential: Credential<'_>) -> Result<String, ClientError> {
    let network = |err: gloo_net::Error| ClientError::Network(err.to_string());
    let mut builder = gloo_net::http::RequestBuilder::new(path);
    if let Credential::Bearer(token) = credential {
        builder = builder.header("Authorization", &format!("Bearer {token}"));
    }
    let response = builder.send().await.map_err(network)?;
    let status = response.status();
    let text = response.text().await.map_err(network)?;
    if (200..300).contains(&status) {
        return Ok(text);
    }
    parse::<()>(status, &text).0.map(|()| String::new())
}

#[cfg(not(feature = "hydrate"))]
pub async fn api_text(_path: &str, _credential: Credential<'_>) -> Result<String, ClientError> {
    Err(ClientError::NotInBrowser)
}

async fn get<T: DeserializeOwned>(path: &str, credential: Credential<'_>) -> Answer<T> {
    send::<(), _>("GET", path, None, credential).await
}

async fn post<T: DeserializeOwned>(path: &str, credential: Credential<'_>) -> Answer<T> {
    send::<(), _>("POST", path, None, credential).await
}

/// The decision trace a successful answer may carry beside its own fields.
#[derive(serde::Deserialize)]
struct TraceOnly {
    #[serde(default)]
    auth: Option<AuthTrace>,
}

/// Parse a response body: `T` on 2xx (an empty body reads as JSON `null`, for 204), the JSON error
/// otherwise. Shared by both targets so it is unit-tested natively.
fn parse<T: DeserializeOwned>(
    status: u16,
    text: &str,
) -> (Result<T, ClientError>, Option<AuthTrace>) {
    if (200..300).contains(&status) {
        let text = if text.is_empty() { "null" } else { text };
        let parsed = serde_json::from_str::<T>(text)
            .map_err(|err| ClientError::Network(format!("unexpected answer: {err}")));
        // Only the `auth` field, read straight from the text (serde skips the rest): going through
        // `serde_json::Value` parsed every answer twice and put a second deserializer for every
        // trace type into the WASM.
        let trace = serde_json::from_str::<TraceOnly>(text)
            .ok()
            .and_then(|only| only.auth);
        return (parsed, trace);
    }
    match serde_json::from_str::<ApiErrorBody>(text) {
        Ok(body) => (
            Err(ClientError::Api {
                status,
                error: body.error,
                reason: body.reason,
                auth: body.auth.clone(),
            }),
            body.auth,
        ),
        Err(_) => (
            Err(ClientError::Api {
                status,
                error: "http_error".into(),
                reason: format!("the server answered {status} without a JSON reason"),
                auth: None,
            }),
            None,
        ),
    }
}

async fn send<B: Serialize, T: DeserializeOwned>(
    method: &'static str,
    path: &str,
    body: Option<&B>,
    credential: Credential<'_>,
) -> Answer<T> {
    send_with(method, path, body, credential, false).await
}

/// `send`, but an error status whose body is not the API's error body is read as `T` (the BFF
/// passes the API's answer on with the API's status).
async fn send_keeping_body<B: Serialize, T: DeserializeOwned>(
    method: &'static str,
    path: &str,
    body: Option<&B>,
    credential: Credential<'_>,
) -> Answer<T> {
    send_with(method, path, body, credential, true).await
}

#[cfg(feature = "hydrate")]
async fn send_with<B: Serialize, T: DeserializeOwned>(
    method: &'static str,
    path: &str,
    body: Option<&B>,
    credential: Credential<'_>,
    keep_body: bool,
) -> Answer<T> {
    use gloo_net::http::{Method, RequestBuilder};
    // A fresh builder for each try (a builder is spent by sending).
    let builder = || {
        let verb = match method {
            "POST" => Method::POST,
            "PUT" => Method::PUT,
            "DELETE" => Method::DELETE,
            _ => Method::GET,
        };
        let builder = RequestBuilder::new(path).method(verb);
        match credential {
            Credential::Cookies => builder,
            Credential::Csrf(token) => builder.header("X-CSRF-Token", token),
            Credential::Bearer(token) => {
                builder.header("Authorization", &format!("Bearer {token}"))
            }
            Credential::Dpop { token, proof } => {
                let builder = builder.header("DPoP", proof);
                match token {
                    Some(token) => builder.header("Authorization", &format!("DPoP {token}")),
                    None => builder,
                }
            }
        }
    };
    let network = |err: gloo_net::Error| ClientError::Network(err.to_string());
    let body = match body.map(serde_json::to_string).transpose() {
        Ok(body) => body,
        Err(err) => {
            return Answer {
                result: Err(ClientError::Network(err.to_string())),
                call: new_call(method, path, credential),
            }
        }
    };
    let mut call = new_call(method, path, credential);
    let mut tries = 0;
    let response = loop {
        let request = match &body {
            Some(body) => builder()
                .header("Content-Type", "application/json")
                .body(body.as_str())
                .map_err(network),
            None => builder().build().map_err(network),
        };
        let response = match request {
            Ok(request) => request.send().await.map_err(network),
            Err(err) => Err(err),
        };
        match response {
            Ok(response) => {
                // The password-hashing queue is full (a whole class signing in at once): wait
                // what the server asks and try again, saying so on the page.
                let wait = busy_retry_after(path, &response);
                match wait {
                    Some(secs) if tries < BUSY_RETRIES => {
                        tries += 1;
                        BUSY.with(|busy| {
                            leptos::prelude::Set::set(
                                busy,
                                Some(format!("The lab is busy, retrying in {secs} s…")),
                            )
                        });
                        crate::ui::browser::sleep_ms(secs * 1000).await;
                        BUSY.with(|busy| leptos::prelude::Set::set(busy, None));
                    }
                    _ => break response,
                }
            }
            Err(err) => {
                return Answer {
                    result: Err(err),
                    call,
                }
            }
        }
    };
    call.status = response.status();
    let text = response.text().await.unwrap_or_default();
    let (mut result, trace) = parse(call.status, &text);
    if keep_body && !(200..300).contains(&call.status) {
        let api_error = serde_json::from_str::<ApiErrorBody>(&text).is_ok();
        if let (false, Ok(kept)) = (api_error, serde_json::from_str::<T>(&text)) {
            result = Ok(kept);
        }
    }
    call.trace = trace;
    Answer { result, call }
}

/// How many times a request the hash queue turned away (503 with `Retry-After`) is sent again.
#[cfg(feature = "hydrate")]
const BUSY_RETRIES: u32 = 3;

/// The wait a 503 from the hash queue asks for, in seconds (at most 10), if it is one: only the
/// requests that hash a password are queued there (any other 503, a store down, is the answer).
#[cfg(feature = "hydrate")]
fn busy_retry_after(path: &str, response: &gloo_net::http::Response) -> Option<u32> {
    let hashes = [
        paths::session::LOGIN,
        paths::jwt::LOGIN,
        paths::REGISTER,
        paths::account::PASSWORD,
    ];
    if response.status() != 503 || !hashes.contains(&path) {
        return None;
    }
    let secs = response.headers().get("retry-after")?.parse::<u32>().ok()?;
    Some(secs.clamp(1, 10))
}

thread_local! {
    /// While a request waits to be sent again: what the page says about it.
    static BUSY: leptos::prelude::ArcRwSignal<Option<String>> =
        leptos::prelude::ArcRwSignal::new(None);
}

/// "The lab is busy, retrying in N s…" while a request waits to be sent again (the header shows
/// it on every page).
pub fn busy_notice() -> leptos::prelude::ArcRwSignal<Option<String>> {
    BUSY.with(Clone::clone)
}

/// On the server the client is never called (event handlers only run in the browser); this keeps
/// the UI code compiling for both targets without a second HTTP stack.
/// The raw HTML the server sends for `path`: with the browser's cookies, as a navigation sends
/// them, or with none. A navigation never carries an `Authorization` header, so neither does this.
#[cfg(feature = "hydrate")]
pub async fn page_html(path: &str, with_cookies: bool) -> Result<String, ClientError> {
    use gloo_net::http::RequestBuilder;
    use web_sys::RequestCredentials;
    let credentials = if with_cookies {
        RequestCredentials::Include
    } else {
        RequestCredentials::Omit
    };
    let network = |err: gloo_net::Error| ClientError::Network(err.to_string());
    let response = RequestBuilder::new(path)
        .credentials(credentials)
        .header("Accept", "text/html")
        .send()
        .await
        .map_err(network)?;
    response.text().await.map_err(network)
}

#[cfg(not(feature = "hydrate"))]
pub async fn page_html(_path: &str, _with_cookies: bool) -> Result<String, ClientError> {
    Err(ClientError::NotInBrowser)
}

#[cfg(not(feature = "hydrate"))]
async fn send_with<B: Serialize, T: DeserializeOwned>(
    method: &'static str,
    path: &str,
    _body: Option<&B>,
    credential: Credential<'_>,
    _keep_body: bool,
) -> Answer<T> {
    let _ = parse::<T>;
    Answer {
        result: Err(ClientError::NotInBrowser),
        call: new_call(method, path, credential),
    }
}

fn new_call(method: &'static str, path: &str, credential: Credential<'_>) -> Call {
    Call {
        method,
        path: path.to_string(),
        status: 0,
        trace: None,
        sent_csrf: matches!(credential, Credential::Csrf(_)),
        bearer: match credential {
            Credential::Bearer(token) => Some(token.to_string()),
            Credential::Dpop { token, .. } => token.map(str::to_string),
            _ => None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_204_parses_as_unit_and_an_error_keeps_its_trace() {
        let (ok, _) = parse::<()>(204, "");
        assert_eq!(ok, Ok(()));
        let body = r#"{"error":"unauthenticated","reason":"cookie: none","auth":{"mode":"session","allowed":false,"checks":[{"name":"cookie","status":"fail","detail":"none"}]}}"#;
        let (err, trace) = parse::<()>(401, body);
        assert!(matches!(err, Err(ClientError::Api { status: 401, .. })));
        assert_eq!(trace.unwrap().checks[0].name, "cookie");
        let (err, _) = parse::<()>(502, "<html>");
        assert!(matches!(err, Err(ClientError::Api { status: 502, .. })));
    }

    #[test]
    fn a_me_answer_exposes_its_trace() {
        let body = r#"{"username":"a","role":"user","auth":{"mode":"session","allowed":true,"checks":[]}}"#;
        let (me, trace) = parse::<Me>(200, body);
        assert_eq!(me.unwrap().username, "a");
        assert!(trace.unwrap().allowed);
    }
}
