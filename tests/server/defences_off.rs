//! One defence off, per account: each verifier switch lets exactly its own attack through for the
//! account that chose it (the trace marks the check `off`, the audit log names it), refuses it
//! again once switched back on, leaves every other account's requests alone, and never lets a
//! request it let through reach a privileged route.

use crate::common::{active_key, failed_check, harness, signed_by, Harness};
use authlab::wire::{AuthTrace, CheckStatus, JwtAlg};
use axum::http::StatusCode;
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use serde_json::{json, Value};

const PASSWORD: &str = "learner-password-1";

/// A fresh learner account, signed in with a bearer token.
async fn learner(server: &Harness, name: &str) -> String {
    server.register(name, PASSWORD).await;
    server.jwt_login(name, PASSWORD).await.0
}

pub async fn switch(server: &Harness, token: &str, off: &[&str]) -> crate::common::Answer {
    let patch = json!({ "defences_off": off }).to_string();
    server.bearer_put_settings(token, &patch).await
}

fn claims(server: &Harness, sub: &str) -> Value {
    let now = authlab::db::unix_now();
    json!({
        "iss": server.settings.jwt.issuer, "aud": server.settings.jwt.audience, "sub": sub,
        "role": "user", "iat": now, "nbf": now, "exp": now + 60, "jti": format!("{sub}-jti")
    })
}

/// The attack each switch stops: a token that check, and only that check, refuses.
async fn attack(server: &Harness, defence: &str, owner: &str, genuine: &str) -> String {
    let mut claims = claims(server, owner);
    match defence {
        // The account's genuine token with its payload changed after signing.
        "signature" => {
            let parts: Vec<&str> = genuine.split('.').collect();
            let mut payload: Value =
                serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
            payload["role"] = json!("admin");
            let payload = URL_SAFE_NO_PAD.encode(payload.to_string());
            return format!("{}.{payload}.{}", parts[0], parts[2]);
        }
        "exp" => {
            let now = authlab::db::unix_now();
            claims["iat"] = json!(now - 3_600);
            claims["nbf"] = json!(now - 3_600);
            claims["exp"] = json!(now - 1_800);
        }
        "aud_iss" => claims["aud"] = json!("another-service"),
        "typ" => {
            return signed_by(server, owner, json!({"typ": "id_token+jwt"}), claims).await;
        }
        // Unsigned, the account's own kid kept: only a verifier that believes the header's alg
        // takes it.
        "alg_pinning" => {
            let header =
                json!({"kid": kid_of(server, owner, JwtAlg::HS256).await, "typ": "at+jwt"});
            return forge(
                server,
                header,
                claims,
                json!({"how": "alg_none", "spelling": "none"}),
            )
            .await;
        }
        // r = s = 0 under the account's ES256 kid.
        "psychic_signature" => {
            let header =
                json!({"kid": kid_of(server, owner, JwtAlg::ES256).await, "typ": "at+jwt"});
            return forge(server, header, claims, json!({"how": "psychic_signature"})).await;
        }
        // The attacker site's own key pair, embedded or named by jku.
        "embedded_jwk" => {
            let sign = json!({"how": "attacker_key", "alg": "EdDSA", "placement": "jwk"});
            return forge(server, json!({"typ": "at+jwt"}), claims, sign).await;
        }
        "jku" => {
            let sign = json!({"how": "attacker_key", "alg": "ES256", "placement": "jku"});
            return forge(server, json!({"typ": "at+jwt"}), claims, sign).await;
        }
        other => panic!("no attack for {other}"),
    }
    signed_by(server, owner, json!({}), claims).await
}

/// The kid of `owner`'s current key for `alg` (made now if it has none).
async fn kid_of(server: &Harness, owner: &str, alg: JwtAlg) -> String {
    active_key(server, owner, alg).await.kid.clone()
}

/// A token from the workbench's signer, through the router: `POST /api/lab/forge`.
pub async fn forge(server: &Harness, header: Value, payload: Value, sign: Value) -> String {
    let body = json!({"header": header, "payload": payload, "sign": sign});
    let answer = server.post_json("/api/lab/forge", body.to_string()).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    answer.json()["token"].as_str().unwrap().to_string()
}

/// The check a defence's attack meets first.
fn check_of(defence: &str) -> &'static str {
    match defence {
        "signature" | "psychic_signature" => "signature",
        "exp" => "exp",
        "aud_iss" => "aud",
        "typ" => "typ",
        "alg_pinning" => "algorithm",
        "embedded_jwk" | "jku" => "kid known",
        other => panic!("no check for {other}"),
    }
}

/// The checks a defence's attack passes as `off` once the defence is switched off.
fn off_with(defence: &str) -> Vec<&'static str> {
    match defence {
        "alg_pinning" => vec!["algorithm", "signature"],
        other => vec![check_of(other)],
    }
}

/// Every verifier defence with an attack of its own in `attack` (the weak secret has a test of
/// its own: its attack is a cracking).
const SWITCHES: [&str; 8] = [
    "alg_pinning",
    "signature",
    "psychic_signature",
    "embedded_jwk",
    "jku",
    "exp",
    "aud_iss",
    "typ",
];

fn trace_of(answer: &crate::common::Answer) -> AuthTrace {
    serde_json::from_value(answer.json()["auth"].clone()).expect("the decision trace")
}

#[tokio::test]
async fn each_defence_off_lets_exactly_its_own_attack_through_for_its_own_account() {
    let server = harness().await;
    let (bob, _) = server.jwt_login("bob", "bob-builds-it").await;
    for defence in SWITCHES {
        let name = format!("weak-{}", defence.replace('_', "-"));
        let token = learner(&server, &name).await;
        let forged = attack(&server, defence, &name, &token).await;

        // Every defence on: refused, by the named check.
        let refused = server.bearer("GET", "/api/me", &forged).await;
        assert_eq!(
            refused.status,
            StatusCode::UNAUTHORIZED,
            "{defence}: {}",
            refused.text
        );
        assert_eq!(failed_check(&refused), check_of(defence), "{defence}");

        // This one off: allowed, the check marked `off` in the trace.
        let on = switch(&server, &token, &[defence]).await;
        assert_eq!(on.status, StatusCode::OK, "{defence}: {}", on.text);
        let allowed = server.bearer("GET", "/api/me", &forged).await;
        assert_eq!(
            allowed.status,
            StatusCode::OK,
            "{defence}: {}",
            allowed.text
        );
        let trace = trace_of(&allowed);
        let off: Vec<String> = trace.switched_off().map(|c| c.name.to_string()).collect();
        assert_eq!(off, off_with(defence), "{defence}: {trace:?}");
        assert!(trace
            .checks
            .iter()
            .all(|c| matches!(c.status, CheckStatus::Pass | CheckStatus::Off)));

        // Another defence's attack is still refused for this account.
        let other = if defence == "exp" { "typ" } else { "exp" };
        let other_attack = attack(&server, other, &name, &token).await;
        let still = server.bearer("GET", "/api/me", &other_attack).await;
        assert_eq!(
            failed_check(&still),
            check_of(other),
            "{defence} off, {other} attack"
        );

        // Another account's forged token meets every check: bob switched nothing off.
        let bobs = attack(&server, defence, "bob", &bob).await;
        let bobs_answer = server.bearer("GET", "/api/me", &bobs).await;
        assert_eq!(
            bobs_answer.status,
            StatusCode::UNAUTHORIZED,
            "{defence}: bob's"
        );
        assert_eq!(failed_check(&bobs_answer), check_of(defence));

        // Back on: refused again.
        let back = switch(&server, &token, &[]).await;
        assert_eq!(back.status, StatusCode::OK, "{}", back.text);
        let again = server.bearer("GET", "/api/me", &forged).await;
        assert_eq!(again.status, StatusCode::UNAUTHORIZED, "{defence} back on");
        assert_eq!(failed_check(&again), check_of(defence));

        // The request the switch let through is in the audit log, naming the check.
        server.state.auth.audit.flush().await;
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT detail FROM audit_events WHERE username = ? AND allowed = 1 AND action = 'GET /api/me'",
        )
        .bind(&name)
        .fetch_all(&server.sql)
        .await
        .unwrap();
        assert!(
            rows.iter()
                .any(|(detail,)| detail.contains(check_of(defence))
                    && detail.starts_with(authlab::audit::OFF_CHECKS_ALLOWED)),
            "{defence}: {rows:?}"
        );
    }
}

#[tokio::test]
async fn a_forged_token_for_a_weakened_account_is_refused_by_privileged_routes() {
    let server = harness().await;
    let token = learner(&server, "weak-signer").await;
    assert_eq!(
        switch(&server, &token, &["signature"]).await.status,
        StatusCode::OK
    );
    // The genuine token, its role claim rewritten: the weakened verifier lets it through.
    let forged = attack(&server, "signature", "weak-signer", &token).await;
    let me = server.bearer("GET", "/api/me", &forged).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);
    assert_eq!(
        me.json()["role"],
        "admin",
        "the forged claim is what the token says"
    );

    let password = json!({"current_password": PASSWORD, "new_password": "another-password-2"});
    for (method, path, body) in [
        (
            "PUT",
            "/api/lab-settings",
            json!({"defences_off": ["signature", "exp"]}).to_string(),
        ),
        (
            "PUT",
            "/api/lab-settings",
            json!({"denylist": true}).to_string(),
        ),
        ("POST", "/api/account/password", password.to_string()),
        ("POST", "/api/account/logout-everywhere", String::new()),
        ("POST", "/api/jwt/logout-everywhere", String::new()),
        ("GET", "/api/admin/accounts", String::new()),
    ] {
        let answer = server.bearer_json(method, path, &forged, &body).await;
        assert_eq!(
            answer.status,
            StatusCode::FORBIDDEN,
            "{method} {path}: {}",
            answer.text
        );
        assert_eq!(answer.json()["error"], "not_allowed", "{method} {path}");
        assert!(
            answer.text.contains("signature"),
            "names the check: {}",
            answer.text
        );
    }
    // Nothing was changed: the switch is still on, the password still the old one.
    let settings = server.bearer("GET", "/api/lab-settings", &token).await;
    assert_eq!(settings.json()["defences_off"], json!(["signature"]));
    assert_eq!(settings.json()["denylist"], json!(false));
    server.jwt_login("weak-signer", PASSWORD).await;
    // Switching defences back on is the one change such a request may make: it harms nobody.
    let restore = server
        .bearer_json(
            "PUT",
            "/api/lab-settings",
            &forged,
            &json!({"defences_off": []}).to_string(),
        )
        .await;
    assert_eq!(restore.status, StatusCode::OK, "{}", restore.text);
    let refused = server.bearer("GET", "/api/me", &forged).await;
    assert_eq!(failed_check(&refused), "signature");
}

/// The weak-secret switch, attacked as an attacker would: take one token the account holds,
/// crack its HS256 secret offline against the lab's wordlist, sign a token of one's own (role
/// admin) with the word, and send it.
#[tokio::test]
async fn a_weak_hs256_secret_is_cracked_offline_and_forges_until_switched_off() {
    let server = harness().await;
    let token = learner(&server, "weak-secret").await;
    let on = switch(&server, &token, &["weak_secret"]).await;
    assert_eq!(on.status, StatusCode::OK, "{}", on.text);
    assert_eq!(on.json()["jwt_alg"], "HS256", "its tokens switch to HS256");
    let (victim, _) = server.jwt_login("weak-secret", PASSWORD).await;

    // Offline: no request to the lab, only the token and the wordlist.
    let word = authlab::auth::weak_secret::crack(&victim)
        .0
        .expect("the secret is a word of the list");
    let (header, _) = victim.split_once('.').unwrap();
    let mut claims = claims(&server, "weak-secret");
    claims["role"] = json!("admin");
    let forged_message = format!("{header}.{}", URL_SAFE_NO_PAD.encode(claims.to_string()));
    let forged_signature = jsonwebtoken::crypto::sign(
        forged_message.as_bytes(),
        &jsonwebtoken::EncodingKey::from_secret(word.as_bytes()),
        jsonwebtoken::Algorithm::HS256,
    )
    .unwrap();
    let forged = format!("{forged_message}.{forged_signature}");

    // Accepted, as any genuine token: the signature check marks itself off, naming why.
    let me = server.bearer("GET", "/api/me", &forged).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);
    assert_eq!(me.json()["role"], "admin");
    let trace = trace_of(&me);
    let off: Vec<String> = trace.switched_off().map(|c| c.name.to_string()).collect();
    assert_eq!(off, ["signature"]);
    // Never past a privileged route.
    let admin = server.bearer("GET", "/api/admin/accounts", &forged).await;
    assert_eq!(admin.status, StatusCode::FORBIDDEN, "{}", admin.text);
    // Bob's HS256 tokens are signed with a strong key: his signature check passes, not off.
    let (bob, _) = server.jwt_login("bob", "bob-builds-it").await;
    server
        .bearer_put_settings(&bob, r#"{"jwt_alg":"HS256"}"#)
        .await;
    let (bob, _) = server.jwt_login("bob", "bob-builds-it").await;
    let bobs = trace_of(&server.bearer("GET", "/api/me", &bob).await);
    assert_eq!(bobs.switched_off().count(), 0);

    // Switched back on (the owner's own token may, though a weak key signed it): the weak key
    // is retired, and the forged token fails.
    let off = switch(&server, &victim, &[]).await;
    assert_eq!(off.status, StatusCode::OK, "{}", off.text);
    let refused = server.bearer("GET", "/api/me", &forged).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(failed_check(&refused), "kid known");
    // The next login signs with a strong key again.
    let (fresh, _) = server.jwt_login("weak-secret", PASSWORD).await;
    let trace = trace_of(&server.bearer("GET", "/api/me", &fresh).await);
    assert_eq!(trace.switched_off().count(), 0);
}

#[tokio::test]
async fn defences_cannot_be_switched_off_for_admin_or_demo_accounts() {
    let server = harness().await;
    let (alice, _) = server.jwt_login("alice", "alice-in-the-lab").await;
    let (bob, _) = server.jwt_login("bob", "bob-builds-it").await;
    for (who, token) in [("alice", &alice), ("bob", &bob)] {
        let answer = switch(&server, token, &["exp"]).await;
        assert_eq!(
            answer.status,
            StatusCode::FORBIDDEN,
            "{who}: {}",
            answer.text
        );
        assert_eq!(answer.json()["error"], "not_allowed");
        for weakening in [r#"{"csrf_weakened":true}"#, r#"{"xss_weakened":true}"#] {
            let answer = server.bearer_put_settings(token, weakening).await;
            assert_eq!(answer.status, StatusCode::FORBIDDEN, "{who} {weakening}");
        }
        // Switching a weakening off stays open to everyone.
        let back = server
            .bearer_put_settings(token, r#"{"csrf_weakened":false}"#)
            .await;
        assert_eq!(back.status, StatusCode::OK, "{who}: {}", back.text);
    }
    // A learner's own account may; promoted to administrator, it gets every defence back.
    let token = learner(&server, "soon-admin").await;
    assert_eq!(
        switch(&server, &token, &["exp", "typ"]).await.status,
        StatusCode::OK
    );
    let promote = server
        .bearer_json(
            "PUT",
            "/api/admin/accounts/soon-admin",
            &alice,
            &json!({"role": "admin"}).to_string(),
        )
        .await;
    assert_eq!(promote.status, StatusCode::OK, "{}", promote.text);
    let (fresh, _) = server.jwt_login("soon-admin", PASSWORD).await;
    let settings = server.bearer("GET", "/api/lab-settings", &fresh).await;
    assert_eq!(settings.json()["defences_off"], json!([]));
}

/// The tokens the `exp`, `aud_iss` and `typ` switches are tried with: genuinely signed by the
/// caller's own key, one claim wrong, refused by that claim's check, and let through once the
/// account switched that check off.
#[tokio::test]
async fn a_genuinely_signed_token_with_one_claim_wrong_is_refused_by_that_check_alone() {
    let server = harness().await;
    let token = learner(&server, "one-wrong").await;
    for (wrong, check, defence) in [
        ("expired", "exp", "exp"),
        ("audience", "aud", "aud_iss"),
        ("issuer", "iss", "aud_iss"),
        ("typ", "typ", "typ"),
    ] {
        let body = json!({ "wrong": wrong }).to_string();
        let made = server
            .bearer_json("POST", "/api/lab/wrong-claim-token", &token, &body)
            .await;
        assert_eq!(made.status, StatusCode::OK, "{wrong}: {}", made.text);
        let wrong_token = made.json()["token"].as_str().unwrap().to_string();
        let payload: Value = serde_json::from_slice(
            &URL_SAFE_NO_PAD
                .decode(wrong_token.split('.').nth(1).unwrap())
                .unwrap(),
        )
        .unwrap();
        assert_eq!(payload["sub"], "one-wrong", "for the caller's own account");

        let refused = server.bearer("GET", "/api/me", &wrong_token).await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{wrong}");
        assert_eq!(failed_check(&refused), check, "{wrong}");

        assert_eq!(
            switch(&server, &token, &[defence]).await.status,
            StatusCode::OK
        );
        let through = server.bearer("GET", "/api/me", &wrong_token).await;
        assert_eq!(through.status, StatusCode::OK, "{wrong}: {}", through.text);
        let off: Vec<String> = trace_of(&through)
            .switched_off()
            .map(|c| c.name.to_string())
            .collect();
        assert_eq!(off, [check], "{wrong}");
        // And no such token for a request only a switched-off check let through.
        let again = server
            .bearer_json("POST", "/api/lab/wrong-claim-token", &wrong_token, &body)
            .await;
        assert_eq!(
            again.status,
            StatusCode::FORBIDDEN,
            "{wrong}: {}",
            again.text
        );
        assert_eq!(switch(&server, &token, &[]).await.status, StatusCode::OK);
    }
    // Nobody signed in: nothing is signed.
    let anonymous = server
        .post_json("/api/lab/wrong-claim-token", r#"{"wrong":"expired"}"#)
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    // An unknown kind is a clear 4xx, not a 500.
    let unknown = server
        .bearer_json(
            "POST",
            "/api/lab/wrong-claim-token",
            &token,
            r#"{"wrong":"nbf"}"#,
        )
        .await;
    assert!(unknown.status.is_client_error(), "{}", unknown.text);
}

/// A session login for `name` whose browser already holds `planted` (the fixation attacker's
/// id), as a same-origin page sends it. Returns the id the answer's `Set-Cookie` installs.
pub async fn login_with_planted(server: &Harness, name: &str, planted: &str) -> String {
    use axum::{
        body::Body,
        http::{header, Request},
    };
    let answer = server
        .send(
            Request::post("/api/session/login")
                .header(header::CONTENT_TYPE, "application/json")
                .header("sec-fetch-site", "same-origin")
                .header(
                    header::COOKIE,
                    format!("{}={planted}", authlab::api::cookies::NAME),
                )
                .body(Body::from(
                    json!({"username": name, "password": PASSWORD}).to_string(),
                ))
                .unwrap(),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let set_cookie = answer.headers[header::SET_COOKIE].to_str().unwrap();
    let pair = set_cookie.split(';').next().unwrap();
    pair.split_once('=').unwrap().1.to_string()
}

/// `GET path` with `id` as the session cookie: what the attacker holding it gets.
pub async fn as_holder_of(server: &Harness, id: &str, path: &str) -> crate::common::Answer {
    let session = crate::common::CookieSession {
        id: id.to_string(),
        csrf: String::new(),
        set_cookie: String::new(),
    };
    server.get_as(&session, path).await
}

/// Session fixation, both ways: an id the attacker made up is planted in the victim's browser
/// before login. With rotation on, the login issues a new id and the planted one is worthless;
/// with `session_rotation` off, the login keeps it, and the attacker is signed in as the victim,
/// with the cookie check marked `off` and no privileged route open.
#[tokio::test]
async fn a_planted_session_id_is_adopted_only_by_an_account_that_switched_rotation_off() {
    let server = harness().await;
    let token = learner(&server, "fixed-learner").await;
    // 22 base64url characters that decode to 16 bytes: a well-formed id nobody issued.
    let planted = "AttackerPlantedId1234A";

    // Rotation on: a new id; the planted one names no session.
    let issued = login_with_planted(&server, "fixed-learner", planted).await;
    assert_ne!(issued, planted);
    let refused = as_holder_of(&server, planted, "/api/me").await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(failed_check(&refused), "store lookup");

    // Rotation off: the login keeps the planted id, and its planter is the victim.
    assert_eq!(
        switch(&server, &token, &["session_rotation"]).await.status,
        StatusCode::OK
    );
    let issued = login_with_planted(&server, "fixed-learner", planted).await;
    assert_eq!(issued, planted);
    let taken = as_holder_of(&server, planted, "/api/me").await;
    assert_eq!(taken.status, StatusCode::OK, "{}", taken.text);
    assert_eq!(taken.json()["username"], "fixed-learner");
    let trace = trace_of(&taken);
    let off: Vec<String> = trace.switched_off().map(|c| c.name.to_string()).collect();
    assert_eq!(off, ["cookie"]);
    let admin = as_holder_of(&server, planted, "/api/admin/accounts").await;
    assert_eq!(admin.status, StatusCode::FORBIDDEN, "{}", admin.text);
    server.state.auth.audit.flush().await;
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT detail FROM audit_events WHERE username = 'fixed-learner' AND allowed = 1 AND action = 'GET /api/me'",
    )
    .fetch_all(&server.sql)
    .await
    .unwrap();
    assert!(
        rows.iter()
            .any(|(d,)| d.starts_with(authlab::audit::OFF_CHECKS_ALLOWED) && d.contains("cookie")),
        "{rows:?}"
    );

    // Another account's login still rotates: bob switched nothing off.
    let other = "BobsPlantedId12345678A";
    let bobs = server
        .send(
            axum::http::Request::post("/api/session/login")
                .header("content-type", "application/json")
                .header("sec-fetch-site", "same-origin")
                .header(
                    "cookie",
                    format!("{}={}", authlab::api::cookies::NAME, other),
                )
                .body(axum::body::Body::from(
                    r#"{"username":"bob","password":"bob-builds-it"}"#,
                ))
                .unwrap(),
        )
        .await;
    assert_eq!(bobs.status, StatusCode::OK);
    assert!(!bobs.headers["set-cookie"].to_str().unwrap().contains(other));

    // Back on: the next planted id is refused again.
    assert_eq!(switch(&server, &token, &[]).await.status, StatusCode::OK);
    let again = "SecondPlantedId123456A";
    let issued = login_with_planted(&server, "fixed-learner", again).await;
    assert_ne!(issued, again);
    assert_eq!(
        failed_check(&as_holder_of(&server, again, "/api/me").await),
        "store lookup"
    );
}

/// `HttpOnly`, both ways: the session cookie carries the flag (a script cannot read it) unless
/// the account switched it off; then the id goes out readable, every use of the session has its
/// cookie check marked `off`, and no privileged route is open to it.
#[tokio::test]
async fn the_session_cookie_loses_httponly_only_for_an_account_that_switched_it_off() {
    let server = harness().await;
    let token = learner(&server, "readable-cookie").await;
    let on = server.session_login("readable-cookie", PASSWORD).await;
    assert!(on.set_cookie.contains("HttpOnly"), "{}", on.set_cookie);

    assert_eq!(
        switch(&server, &token, &["http_only"]).await.status,
        StatusCode::OK
    );
    let off = server.session_login("readable-cookie", PASSWORD).await;
    assert!(!off.set_cookie.contains("HttpOnly"), "{}", off.set_cookie);
    let me = server.get_as(&off, "/api/me").await;
    assert_eq!(me.status, StatusCode::OK);
    let marked: Vec<String> = trace_of(&me)
        .switched_off()
        .map(|c| c.name.to_string())
        .collect();
    assert_eq!(marked, ["cookie"]);
    // The copy a script read works from anywhere (the stolen-cookie card), but never as
    // administration, nor for an account event.
    let admin = server.get_as(&off, "/api/admin/accounts").await;
    assert_eq!(admin.status, StatusCode::FORBIDDEN, "{}", admin.text);
    let everywhere = server
        .write_as(&off, "POST", "/api/account/logout-everywhere")
        .await;
    assert_eq!(
        everywhere.status,
        StatusCode::FORBIDDEN,
        "{}",
        everywhere.text
    );
    // Bob's cookie keeps the flag.
    let bob = server.session_login("bob", "bob-builds-it").await;
    assert!(bob.set_cookie.contains("HttpOnly"));

    // Back on: the next cookie has the flag, and the session's checks all pass.
    assert_eq!(switch(&server, &token, &[]).await.status, StatusCode::OK);
    let back = server.session_login("readable-cookie", PASSWORD).await;
    assert!(back.set_cookie.contains("HttpOnly"));
    assert_eq!(
        trace_of(&server.get_as(&back, "/api/me").await)
            .switched_off()
            .count(),
        0
    );
}
