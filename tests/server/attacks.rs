//! The attack lab: every attack runs against the real server (router, judges, stores, limits,
//! audit log) and each test asserts what the server answered: the refusal and the check that
//! refused it, or, for the attack that works on purpose, the success and what was missing.

use crate::common;

use crate::common::{harness, harness_with, Harness};
use authlab::{
    api::client_addr::ClientAddr,
    lab::attacks,
    wire::{AttackId, AttackRun, CheckId, StepPart, Verdict},
};

async fn run(server: &Harness, attack: AttackId) -> AttackRun {
    let run = attacks::run(
        &server.state,
        attack,
        ClientAddr("192.0.2.10".into()),
        "bob",
    )
    .await
    .unwrap_or_else(|err| panic!("{attack:?} could not run: {err}"));
    run
}

fn attack_steps(run: &AttackRun) -> Vec<&authlab::wire::AttackStep> {
    run.steps
        .iter()
        .filter(|s| s.part == StepPart::Attack)
        .collect()
}

/// Every attack request was refused with 401, each by `check` (and the genuine token worked).
fn refused_by(run: &AttackRun, check: CheckId) {
    let attacks = attack_steps(run);
    assert!(!attacks.is_empty(), "{:?} sent no attack", run.attack);
    for step in &attacks {
        assert_eq!(step.status, 401, "{}: {}", step.label, step.response);
        assert_eq!(
            step.refused_by,
            Some(check),
            "{}: {}",
            step.label,
            step.response
        );
    }
    assert_eq!(run.verdict, Verdict::Refused);
    assert_eq!(run.refused_by, vec![check]);
    assert!(
        run.steps
            .iter()
            .filter(|s| s.part == StepPart::Setup)
            .all(|s| s.succeeded()),
        "the setup failed: {:#?}",
        run.steps
    );
    assert!(run.saw.iter().any(|line| line.contains(check.as_str())));
}

#[tokio::test]
async fn tampered_role_claim_is_refused_by_the_signature_check() {
    let server = harness().await;
    refused_by(
        &run(&server, AttackId::TamperedRole).await,
        CheckId::Signature,
    );
}

#[tokio::test]
async fn alg_none_in_every_spelling_is_refused_by_the_algorithm_check() {
    let server = harness().await;
    let run = run(&server, AttackId::AlgNone).await;
    assert_eq!(attack_steps(&run).len(), 8);
    refused_by(&run, CheckId::Algorithm);
}

#[tokio::test]
async fn hs256_keyed_with_each_public_key_is_refused_by_the_algorithm_check() {
    let server = harness().await;
    let run = run(&server, AttackId::AlgConfusion).await;
    // Two published keys (EdDSA and ES256), two spellings of each as the HMAC secret.
    assert_eq!(attack_steps(&run).len(), 4, "{:#?}", run.steps);
    refused_by(&run, CheckId::Algorithm);
}

#[tokio::test]
async fn expired_token_is_refused_by_the_exp_check() {
    let server = harness().await;
    refused_by(&run(&server, AttackId::Expired).await, CheckId::Exp);
}

#[tokio::test]
async fn not_yet_valid_token_is_refused_by_the_nbf_check() {
    let server = harness().await;
    refused_by(&run(&server, AttackId::NbfFuture).await, CheckId::Nbf);
}

#[tokio::test]
async fn token_from_another_issuer_is_refused_by_the_iss_check() {
    let server = harness().await;
    refused_by(&run(&server, AttackId::WrongIss).await, CheckId::Iss);
}

#[tokio::test]
async fn token_for_another_audience_is_refused_by_the_aud_check() {
    let server = harness().await;
    refused_by(&run(&server, AttackId::WrongAud).await, CheckId::Aud);
}

#[tokio::test]
async fn unknown_kid_is_refused_by_the_kid_check() {
    let server = harness().await;
    refused_by(&run(&server, AttackId::UnknownKid).await, CheckId::KidKnown);
}

#[tokio::test]
async fn kid_path_traversal_and_sql_are_refused_by_the_kid_check() {
    let server = harness().await;
    let run = run(&server, AttackId::KidInjection).await;
    refused_by(&run, CheckId::KidKnown);
    // The refusal quotes the kid as text; it never became a path or a query.
    assert!(run.steps.iter().any(|s| s.response.contains("dev/null")));
}

#[tokio::test]
async fn jku_jwk_and_x5u_keys_brought_by_the_token_are_never_used() {
    let server = harness().await;
    let run = run(&server, AttackId::KeyFromHeader).await;
    let checks: Vec<_> = attack_steps(&run).iter().map(|s| s.refused_by).collect();
    assert_eq!(
        checks,
        vec![
            Some(CheckId::KidKnown),
            Some(CheckId::Signature),
            Some(CheckId::Signature)
        ],
        "{:#?}",
        run.steps
    );
    assert_eq!(run.verdict, Verdict::Refused);
    assert!(attack_steps(&run).iter().all(|s| s.status == 401));
}

#[tokio::test]
async fn crit_header_is_refused_by_the_format_check_even_when_signed() {
    let server = harness().await;
    refused_by(&run(&server, AttackId::CritHeader).await, CheckId::Format);
}

#[tokio::test]
async fn refresh_token_presented_as_access_token_is_refused() {
    let server = harness().await;
    refused_by(
        &run(&server, AttackId::RefreshAsAccess).await,
        CheckId::Format,
    );
}

#[tokio::test]
async fn trailing_garbage_after_the_signature_is_refused() {
    let server = harness().await;
    refused_by(
        &run(&server, AttackId::TrailingGarbage).await,
        CheckId::Signature,
    );
}

#[tokio::test]
async fn extra_or_missing_segment_is_refused_by_the_format_check() {
    let server = harness().await;
    refused_by(&run(&server, AttackId::ExtraSegment).await, CheckId::Format);
}

#[tokio::test]
async fn oversized_token_is_refused_unread_and_not_echoed() {
    let server = harness().await;
    let run = run(&server, AttackId::Oversized).await;
    refused_by(&run, CheckId::Format);
    let step = attack_steps(&run)[0];
    assert!(step.response.len() < 2_000, "{}", step.response.len());
    assert!(!step.response.contains("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
}

#[tokio::test]
async fn token_signed_by_another_accounts_key_is_refused_by_the_subject_check() {
    let server = harness().await;
    refused_by(
        &run(&server, AttackId::OtherAccountsKey).await,
        CheckId::Subject,
    );
}

#[tokio::test]
async fn stripped_signature_empty_hmac_key_and_psychic_signature_are_refused_by_the_signature_check(
) {
    let server = harness().await;
    for attack in [
        AttackId::StrippedSignature,
        AttackId::EmptyHmacKey,
        AttackId::PsychicSignature,
    ] {
        let run = run(&server, attack).await;
        refused_by(&run, CheckId::Signature);
        // The full token is handed over for the workbench, though the transcript cuts it.
        for step in attack_steps(&run) {
            let token = step.token.as_deref().expect("the full token");
            assert_eq!(token.split('.').count(), 3, "{attack:?}");
        }
    }
    // The psychic signature really is 64 zero bytes under the victim's ES256 kid.
    let run = run(&server, AttackId::PsychicSignature).await;
    let token = attack_steps(&run)[0].token.clone().unwrap();
    assert!(token.ends_with(&"A".repeat(86)), "{token}");
}

#[tokio::test]
async fn a_strong_hs256_secret_is_not_in_the_wordlist_so_the_cracked_forgery_is_refused() {
    let server = harness().await;
    let run = run(&server, AttackId::WeakSecretCracked).await;
    refused_by(&run, CheckId::Signature);
    assert!(
        run.saw.iter().any(|line| line.contains("none matched")),
        "{:?}",
        run.saw
    );
}

#[tokio::test]
async fn an_id_token_offered_as_an_access_token_is_refused_by_the_typ_check() {
    let server = harness().await;
    refused_by(&run(&server, AttackId::IdTokenTyp).await, CheckId::Typ);
}

#[tokio::test]
async fn replayed_refresh_token_revokes_the_family_and_is_named_in_the_audit_log() {
    let server = harness().await;
    let run = run(&server, AttackId::RefreshReplay).await;
    assert_eq!(run.verdict, Verdict::Refused);
    let replay = attack_steps(&run)[0];
    assert_eq!(replay.status, 401);
    assert!(
        replay.reason.as_deref().unwrap_or("").contains("reuse"),
        "{:?}",
        replay.reason
    );
    let aftermath: Vec<_> = run
        .steps
        .iter()
        .filter(|s| s.part == StepPart::Aftermath)
        .collect();
    // The victim's own newer refresh token is dead too: both parties are logged out.
    assert_eq!(aftermath[0].status, 401, "{}", aftermath[0].response);
    // The audit log names it.
    assert_eq!(aftermath[1].status, 200);
    assert!(run
        .saw
        .iter()
        .any(|l| l.contains("audit log names it") && l.contains("reuse")));
}

#[tokio::test]
async fn planted_session_cookie_is_never_adopted_at_login() {
    let server = harness().await;
    let run = run(&server, AttackId::SessionFixation).await;
    assert_eq!(run.verdict, Verdict::Refused);
    assert_eq!(attack_steps(&run).len(), 2);
    for step in attack_steps(&run) {
        assert_eq!(step.status, 401, "{}", step.label);
        assert_eq!(
            step.refused_by,
            Some(CheckId::StoreLookup),
            "{}",
            step.label
        );
    }
    // The logins really carried the planted cookie.
    let logins: Vec<_> = run
        .steps
        .iter()
        .filter(|s| s.request.path == "/api/session/login")
        .collect();
    assert!(logins[1]
        .request
        .headers
        .iter()
        .any(|(name, _)| name == "cookie"));
    assert!(!run.saw.iter().any(|l| l.contains("was adopted")));
}

#[tokio::test]
async fn session_cookie_replayed_after_logout_is_refused_by_the_store_lookup() {
    let server = harness().await;
    refused_by(
        &run(&server, AttackId::SessionReplay).await,
        CheckId::StoreLookup,
    );
}

#[tokio::test]
async fn forged_and_guessed_session_cookies_are_refused() {
    let server = harness().await;
    let run = run(&server, AttackId::ForgedCookie).await;
    assert_eq!(run.verdict, Verdict::Refused);
    let checks: Vec<_> = attack_steps(&run).iter().map(|s| s.refused_by).collect();
    // Malformed ids never reach the store; well-formed ones find nothing there.
    assert_eq!(
        checks,
        vec![
            Some(CheckId::Cookie),
            Some(CheckId::Cookie),
            Some(CheckId::StoreLookup),
            Some(CheckId::StoreLookup)
        ]
    );
    assert!(attack_steps(&run).iter().all(|s| s.status == 401));
}

#[tokio::test]
async fn stolen_session_cookie_works_from_another_client_until_logout() {
    let server = harness().await;
    let run = run(&server, AttackId::StolenCookie).await;
    // It works: that is the lesson.
    assert_eq!(run.verdict, Verdict::Worked);
    let theft = attack_steps(&run)[0];
    assert_eq!(theft.status, 200);
    assert!(theft.response.contains("lab:attack-"));
    assert!(run.missing.as_deref().unwrap_or("").contains("HttpOnly"));
    // And the victim's logout ends it for the thief at once.
    let last = run.steps.last().unwrap();
    assert_eq!(last.part, StepPart::Aftermath);
    assert_eq!(last.status, 401);
    assert_eq!(last.refused_by, Some(CheckId::StoreLookup));
}

#[tokio::test]
async fn brute_force_meets_429_and_the_owner_still_gets_in() {
    // The real default limits, not the suite's generous ones.
    let server = harness_with(|s| {
        let defaults = authlab::settings::LimitSettings::default();
        s.limits.login_per_name_and_device = defaults.login_per_name_and_device;
        s.limits.login_per_name = defaults.login_per_name;
        s.limits.login_backoff_after = defaults.login_backoff_after;
    })
    .await;
    let run = run(&server, AttackId::BruteForce).await;
    assert_eq!(run.verdict, Verdict::Refused, "{:#?}", run.saw);
    let attacks = attack_steps(&run);
    let limited: Vec<_> = attacks.iter().filter(|s| s.status == 429).collect();
    assert!(!limited.is_empty(), "no 429: {:#?}", run.saw);
    assert!(limited.iter().all(|s| s.retry_after.is_some()));
    assert!(attacks.iter().all(|s| s.status == 401 || s.status == 429));
    // The first guesses are checked (401); the limit comes after.
    assert_eq!(attacks[0].status, 401);
    let aftermath: Vec<_> = run
        .steps
        .iter()
        .filter(|s| s.part == StepPart::Aftermath)
        .collect();
    assert_eq!(aftermath.len(), 2, "{:#?}", run.saw);
    assert!(aftermath.iter().all(|s| s.status == 200), "{:#?}", run.saw);
}

#[tokio::test]
async fn attack_runs_delete_the_accounts_they_made() {
    let server = harness().await;
    run(&server, AttackId::OtherAccountsKey).await;
    let left: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE username LIKE 'lab:attack-%'")
            .fetch_one(&server.sql)
            .await
            .unwrap();
    assert_eq!(left, 0);
}

#[tokio::test]
async fn attack_endpoint_needs_a_signed_in_user_and_a_known_attack() {
    let server = harness().await;
    let anonymous = server.post_json("/api/lab/attacks/alg-none", "").await;
    assert_eq!(anonymous.status, 401);
    let (token, _) = server.jwt_login("alice", "alice-in-the-lab").await;
    let unknown = server
        .bearer("POST", "/api/lab/attacks/drop-tables", &token)
        .await;
    assert_eq!(unknown.status, 404);
    let ran = server
        .bearer("POST", "/api/lab/attacks/alg-none", &token)
        .await;
    assert_eq!(ran.status, 200);
    let body: AttackRun = serde_json::from_value(ran.json()).unwrap();
    assert_eq!(body.verdict, Verdict::Refused);
    assert_eq!(body.refused_by, vec![CheckId::Algorithm]);
}

#[tokio::test]
async fn attack_runs_are_limited_per_account() {
    let server = harness_with(|s| s.limits.attacks_per_account = "1/1m".parse().unwrap()).await;
    let (token, _) = server.jwt_login("alice", "alice-in-the-lab").await;
    let first = server
        .bearer("POST", "/api/lab/attacks/expired", &token)
        .await;
    assert_eq!(first.status, 200);
    let second = server
        .bearer("POST", "/api/lab/attacks/expired", &token)
        .await;
    assert_eq!(second.status, 429);
}

/// The forged logout a page on another site submits: the browser attaches whatever cookie
/// SameSite lets through, says `Sec-Fetch-Site: cross-site` and `Origin: <attacker>`, and can
/// send no `X-CSRF-Token` (it cannot read it).
pub async fn forged_logout(
    server: &Harness,
    cookie: Option<&common::CookieSession>,
) -> common::Answer {
    let mut request = axum::http::Request::post("/api/session/logout")
        .header("sec-fetch-site", "cross-site")
        .header(axum::http::header::ORIGIN, "http://localhost:1")
        .header(
            axum::http::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        );
    if let Some(session) = cookie {
        request = request.header(axum::http::header::COOKIE, session.cookie_header());
    }
    server
        .send(request.body(axum::body::Body::empty()).unwrap())
        .await
}

pub async fn weaken(server: &Harness, session: &common::CookieSession, on: bool) -> common::Answer {
    server
        .send(
            axum::http::Request::put("/api/lab-settings")
                .header(axum::http::header::COOKIE, session.cookie_header())
                .header("sec-fetch-site", "same-origin")
                .header("x-csrf-token", &session.csrf)
                .header(axum::http::header::CONTENT_TYPE, "application/json")
                .body(axum::body::Body::from(format!(
                    r#"{{"csrf_weakened":{on}}}"#
                )))
                .unwrap(),
        )
        .await
}

#[tokio::test]
async fn cross_site_forged_logout_is_refused_by_the_origin_check() {
    let server = harness().await;
    let alice = server.session_login("alice", "alice-in-the-lab").await;
    // Even with the cookie attached (as SameSite=None would), the origin check refuses first.
    let forged = forged_logout(&server, Some(&alice)).await;
    assert_eq!(forged.status, 403, "{}", forged.text);
    assert_eq!(common::failed_check(&forged), "same origin");
    assert_eq!(server.get_as(&alice, "/api/me").await.status, 200);
}

#[tokio::test]
async fn csrf_succeeds_only_on_an_account_that_deliberately_switched_its_defences_off() {
    let server = harness().await;
    // A learner's own account: a weakening is never open to an administrator or a demo account.
    server
        .register("weak-learner", "weak-learner-password")
        .await;
    let learner = server
        .session_login("weak-learner", "weak-learner-password")
        .await;
    let bob = server.session_login("bob", "bob-builds-it").await;

    // The learner weakens their own account: the cookie is re-issued SameSite=None.
    let switched = weaken(&server, &learner, true).await;
    assert_eq!(switched.status, 200, "{}", switched.text);
    assert_eq!(switched.json()["csrf_weakened"], true);
    let reissued = switched.headers[axum::http::header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_string();
    assert!(reissued.contains("SameSite=None"), "{reissued}");
    let current = server.get_as(&learner, "/api/session/current").await.json();
    assert_eq!(current["csrf_weakened"], true);
    assert_eq!(current["same_site"], "None");

    // Per account only: the same forged request against Bob is still refused.
    let against_bob = forged_logout(&server, Some(&bob)).await;
    assert_eq!(against_bob.status, 403, "{}", against_bob.text);
    assert_eq!(common::failed_check(&against_bob), "same origin");
    assert_eq!(server.get_as(&bob, "/api/me").await.status, 200);

    // A forged request that carries no cookie (what SameSite=Lax leaves it) is still refused.
    let no_cookie = forged_logout(&server, None).await;
    assert_eq!(no_cookie.status, 403, "{}", no_cookie.text);

    // Against the learner it works: logged out by another site's form.
    let forged = forged_logout(&server, Some(&learner)).await;
    assert_eq!(forged.status, 204, "{}", forged.text);
    assert_eq!(server.get_as(&learner, "/api/me").await.status, 401);

    // The audit log names the switched-off checks on the forged request.
    server.state.auth.audit.flush().await;
    let learner_id = server
        .state
        .auth
        .account_settings
        .id_of("weak-learner")
        .await
        .unwrap()
        .unwrap();
    let events = server
        .state
        .auth
        .audit
        .list(Some(learner_id), 0, 200)
        .await
        .unwrap();
    let logout = events
        .iter()
        .rev()
        .find(|e| e.action == "POST /api/session/logout")
        .expect("the forged logout is in the audit log");
    assert!(logout.allowed);
    assert!(
        logout
            .detail
            .starts_with(authlab::audit::OFF_CHECKS_ALLOWED),
        "{}",
        logout.detail
    );
    assert!(
        logout.detail.contains("same origin, csrf token"),
        "{}",
        logout.detail
    );

    // Switched back on, the account is protected again.
    let again = server
        .session_login("weak-learner", "weak-learner-password")
        .await;
    assert_eq!(weaken(&server, &again, false).await.status, 200);
    let refused = forged_logout(&server, Some(&again)).await;
    assert_eq!(refused.status, 403, "{}", refused.text);
}

#[tokio::test]
async fn request_without_csrf_token_is_refused_unless_the_account_switched_it_off() {
    // The token check itself: same-origin request with no token. Refused normally; recorded as
    // "off" (and let through) only for the weakened account.
    let server = harness().await;
    // A learner's own account: a weakening is never open to an administrator or a demo account.
    server
        .register("weak-learner", "weak-learner-password")
        .await;
    let learner = server
        .session_login("weak-learner", "weak-learner-password")
        .await;
    let no_token = |session: &common::CookieSession| {
        axum::http::Request::post("/api/session/logout-others")
            .header(axum::http::header::COOKIE, session.cookie_header())
            .header("sec-fetch-site", "same-origin")
            .body(axum::body::Body::empty())
            .unwrap()
    };
    let refused = server.send(no_token(&learner)).await;
    assert_eq!(refused.status, 403, "{}", refused.text);
    assert_eq!(common::failed_check(&refused), "csrf token");
    assert_eq!(weaken(&server, &learner, true).await.status, 200);
    let through = server.send(no_token(&learner)).await;
    assert_eq!(through.status, 200, "{}", through.text);
}

/// A run of the XSS card, started by `session`'s learner: its id.
pub async fn start_xss(server: &Harness, session: &common::CookieSession) -> String {
    let answer = server.write_as(session, "POST", "/api/lab/xss/start").await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.json()["run"].as_str().unwrap().to_string()
}

async fn victim_page(
    server: &Harness,
    session: &common::CookieSession,
    run: &str,
) -> common::Answer {
    server
        .get_as(session, &format!("/attacks/xss-victim?run={run}"))
        .await
}

async fn xss_weaken(server: &Harness, session: &common::CookieSession, on: bool) {
    let answer = server
        .send(
            axum::http::Request::put("/api/lab-settings")
                .header(axum::http::header::COOKIE, session.cookie_header())
                .header("sec-fetch-site", "same-origin")
                .header("x-csrf-token", &session.csrf)
                .header(axum::http::header::CONTENT_TYPE, "application/json")
                .body(axum::body::Body::from(format!(
                    r#"{{"xss_weakened":{on}}}"#
                )))
                .unwrap(),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
}

fn csp(answer: &common::Answer) -> Option<String> {
    answer
        .headers
        .get(axum::http::header::CONTENT_SECURITY_POLICY)
        .map(|v| v.to_str().unwrap().to_string())
}

#[tokio::test]
async fn injected_inline_script_is_refused_by_csp_unless_the_account_switched_it_off() {
    let server = harness().await;
    // A learner's own account: a weakening is never open to an administrator or a demo account.
    server
        .register("weak-learner", "weak-learner-password")
        .await;
    let learner = server
        .session_login("weak-learner", "weak-learner-password")
        .await;
    let bob = server.session_login("bob", "bob-builds-it").await;
    let run = start_xss(&server, &learner).await;
    let bobs_run = start_xss(&server, &bob).await;

    // The planted script is in the page either way; the policy decides whether it may run.
    let defended = victim_page(&server, &learner, &run).await;
    assert_eq!(defended.status, 200, "{}", defended.text);
    assert!(defended.text.contains("<script>(function ()"));
    let policy = csp(&defended).expect("a defended page has a CSP");
    assert!(policy.contains("script-src 'self' 'nonce-"), "{policy}");
    assert!(
        !policy.contains("unsafe-inline'; script")
            && !policy.contains("script-src 'unsafe-inline'")
    );
    assert!(policy.contains(&format!("report-uri /api/lab/xss/csp-report?run={run}")));

    xss_weaken(&server, &learner, true).await;
    let weakened = victim_page(&server, &learner, &run).await;
    assert_eq!(weakened.status, 200);
    assert_eq!(csp(&weakened), None, "CSP is off for this account's page");
    assert!(weakened
        .text
        .contains("Content-Security-Policy is OFF on this page"));

    // Per account only: Bob's copy of the page keeps the policy, and so does every other page.
    assert!(csp(&victim_page(&server, &bob, &bobs_run).await).is_some());
    let lab_page = server.get_as(&learner, "/attacks").await;
    assert!(csp(&lab_page).is_some_and(|p| p.contains("'nonce-")));
    // A run is its starter's page only.
    let not_his = victim_page(&server, &bob, &run).await;
    common::assert_api_error(&not_his, axum::http::StatusCode::NOT_FOUND, "no_such_run");

    // Signed out, there is no page; a run id that is not a nonce is refused unread.
    let anonymous = server.get(&format!("/attacks/xss-victim?run={run}")).await;
    assert_eq!(anonymous.status, 401);
    let bad = server
        .get_as(&learner, "/attacks/xss-victim?run=%3Cscript%3E")
        .await;
    assert_eq!(bad.status, 422, "{}", bad.text);
    assert!(!bad.text.contains("<script>"));
}

#[tokio::test]
async fn token_stolen_from_local_storage_by_injected_script_is_replayed_from_another_client() {
    let server = harness().await;
    let alice_session = server.session_login("alice", "alice-in-the-lab").await;
    let run = start_xss(&server, &alice_session).await;
    let (access, _) = server.jwt_login("alice", "alice-in-the-lab").await;
    let loot = serde_json::json!({
        "found": [{"place": "localStorage[authlab.token]", "value": access}],
        "cookie": "authlab_mode=jwt",
    });
    let drop = || {
        axum::http::Request::post(format!("/attacker/xss-drop?run={run}"))
            .header(axum::http::header::CONTENT_TYPE, "text/plain;charset=UTF-8")
            .body(axum::body::Body::from(loot.to_string()))
            .unwrap()
    };
    let dropped = server.send(drop()).await;
    assert_eq!(dropped.status, 204, "{}", dropped.text);
    let result = server
        .get_as(&alice_session, &format!("/api/lab/xss/result?run={run}"))
        .await
        .json();
    assert_eq!(result["script_ran"], true);
    let replay = &result["replay"];
    assert_eq!(replay["status"], 200, "{result}");
    assert_eq!(replay["username"], "alice");
    assert_eq!(replay["client"], "203.0.113.66");
    // Only the first characters of the stolen token are kept and echoed.
    let preview = result["found"][0]["preview"].as_str().unwrap();
    assert!(preview.starts_with(&access[..24]), "{preview}");
    assert!(!preview.contains(&access[..30]), "{preview}");
    assert!(!result.to_string().contains(&access));
    assert_eq!(result["cookie_seen"], "authlab_mode=jwt");
    // The drop checks a token once per run: dropping again is no free token checker.
    let checks_before = count_me_checks(&server).await;
    assert!(checks_before >= 1, "the first drop's replay is in the log");
    assert_eq!(server.send(drop()).await.status, 204);
    assert_eq!(
        count_me_checks(&server).await,
        checks_before,
        "no second replay"
    );
    // Only alice reads her run.
    let bob = server.session_login("bob", "bob-builds-it").await;
    let peek = server
        .get_as(&bob, &format!("/api/lab/xss/result?run={run}"))
        .await;
    common::assert_api_error(&peek, axum::http::StatusCode::NOT_FOUND, "no_such_run");
}

/// What the XSS card's script drops for `value` found at `place`, and the replay's result.
pub async fn steal(
    server: &Harness,
    owner: &common::CookieSession,
    place: &str,
    value: &str,
) -> serde_json::Value {
    let run = start_xss(server, owner).await;
    let loot = serde_json::json!({"found": [{"place": place, "value": value}], "cookie": ""});
    let dropped = server
        .send(
            axum::http::Request::post(format!("/attacker/xss-drop?run={run}"))
                .header(axum::http::header::CONTENT_TYPE, "text/plain;charset=UTF-8")
                .body(axum::body::Body::from(loot.to_string()))
                .unwrap(),
        )
        .await;
    assert_eq!(dropped.status, 204, "{}", dropped.text);
    server
        .get_as(owner, &format!("/api/lab/xss/result?run={run}"))
        .await
        .json()
}

/// Requests judged `GET /api/me` from the attacker's replay address, as the audit log has them.
async fn count_me_checks(server: &Harness) -> u64 {
    server.state.auth.audit.flush().await;
    sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM audit_events WHERE action = 'GET /api/me' AND mode = 'jwt'",
    )
    .fetch_one(&server.sql)
    .await
    .unwrap() as u64
}

#[tokio::test]
async fn csp_report_is_recorded_and_oversized_or_malformed_drops_are_refused() {
    let server = harness().await;
    let alice = server.session_login("alice", "alice-in-the-lab").await;
    let run = start_xss(&server, &alice).await;
    let report = serde_json::json!({"csp-report": {
        "document-uri": "http://127.0.0.1/attacks/xss-victim",
        "effective-directive": "script-src-elem",
        "blocked-uri": "inline",
    }});
    let reported = server
        .send(
            axum::http::Request::post(format!("/api/lab/xss/csp-report?run={run}"))
                .header(axum::http::header::CONTENT_TYPE, "application/csp-report")
                .body(axum::body::Body::from(report.to_string()))
                .unwrap(),
        )
        .await;
    assert_eq!(reported.status, 204, "{}", reported.text);
    let result = server
        .get_as(&alice, &format!("/api/lab/xss/result?run={run}"))
        .await
        .json();
    assert_eq!(result["csp_blocked"], "script-src-elem");
    assert_eq!(result["script_ran"], false);

    let post = |path: String, body: Vec<u8>| {
        axum::http::Request::post(path)
            .body(axum::body::Body::from(body))
            .unwrap()
    };
    let huge = server
        .send(post(
            format!("/attacker/xss-drop?run={run}"),
            vec![b'x'; 64 * 1024],
        ))
        .await;
    assert_eq!(huge.status, 413, "{}", huge.text);
    let garbage = server
        .send(post(
            format!("/attacker/xss-drop?run={run}"),
            b"not json".to_vec(),
        ))
        .await;
    assert_eq!(garbage.status, 422, "{}", garbage.text);
    let bad_run = server
        .send(post("/attacker/xss-drop?run=x".into(), b"{}".to_vec()))
        .await;
    assert_eq!(bad_run.status, 422, "{}", bad_run.text);
    // A run nobody started: nothing to fill.
    let unknown = server
        .send(post(
            "/attacker/xss-drop?run=0123456789abcdef0123456789abcdef".into(),
            b"{}".to_vec(),
        ))
        .await;
    common::assert_api_error(&unknown, axum::http::StatusCode::NOT_FOUND, "no_such_run");
}

/// Registering accounts with many keys once grew the JWKS past what a verifier reads (256 KiB,
/// about 1,700 keys): the JWKS-only verifier and the algorithm-confusion card then failed for
/// everyone. The published set is bounded now, and the JWKS-only verifier fetches the one key a
/// token names.
#[tokio::test]
async fn accounts_with_many_keys_cannot_break_the_jwks_lessons() {
    let server = harness().await;
    let hash =
        authlab::auth::password::PasswordHash::from_stored("$argon2id$not-a-real-one".into());
    let mut owners = Vec::new();
    for n in 0..1_800 {
        let user = server
            .state
            .auth
            .users
            .insert(
                &format!("keyholder-{n:04}"),
                &hash,
                authlab::wire::Role::User,
                None,
            )
            .await
            .unwrap();
        owners.push(user.id);
    }
    for owner in owners {
        server
            .state
            .auth
            .keys
            .active(owner, authlab::wire::JwtAlg::EdDSA)
            .await
            .unwrap();
    }
    let cap = server.settings.jwt.max_published_keys;
    assert_eq!(server.state.auth.keys.published(), cap);
    let jwks = server.get("/.well-known/jwks.json").await;
    assert!(jwks.text.len() < 256 * 1024, "{} bytes", jwks.text.len());
    assert_eq!(jwks.json()["keys"].as_array().unwrap().len(), cap);

    // A fresh token verifies with its published key alone...
    let (token, _) = server.jwt_login("bob", "bob-builds-it").await;
    let checked = server
        .post_json(
            "/api/lab/jwks-verify",
            serde_json::json!({ "token": token }).to_string(),
        )
        .await;
    assert_eq!(checked.status, 200, "{}", checked.text);
    assert_eq!(checked.json()["verified"], true, "{}", checked.text);
    assert_eq!(checked.json()["published_keys"], cap);
    // ...and the algorithm-confusion card still reads the victim's keys and is refused.
    let confusion = run(&server, AttackId::AlgConfusion).await;
    assert_eq!(attack_steps(&confusion).len(), 4, "{:#?}", confusion.steps);
    refused_by(&confusion, CheckId::Algorithm);
}
