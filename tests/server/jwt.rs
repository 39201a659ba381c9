//! Bearer-JWT mode over the real router: each test one behaviour the lab teaches.

use crate::common;

use crate::common::{
    failed_check, harness, harness_in, harness_with, refresh_cookie_value, Harness,
};
use authlab::{
    auth::jwt::{Claims, TYP},
    db::unix_now,
    wire::{CheckStatus, DecodeReport, JwtAlg, Me, Role},
};
use axum::http::{header, StatusCode};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use serde_json::{json, Value};
use std::time::Duration;

/// Alice's user id in a fresh lab (seeded first).
const ALICE: i64 = 1;

/// Sign arbitrary claims/header with alice's real EdDSA key: for forging tokens that are validly
/// signed but wrong in one claim.
async fn signed_by_alice(
    server: &Harness,
    edit: impl FnOnce(&mut Claims, &mut jsonwebtoken::Header),
) -> String {
    let key = server
        .state
        .auth
        .keys
        .active(ALICE, JwtAlg::EdDSA)
        .await
        .unwrap();
    let now = unix_now();
    let mut claims = Claims {
        iss: server.settings.jwt.issuer.clone(),
        aud: server.settings.jwt.audience.clone(),
        sub: "alice".into(),
        role: Role::Admin,
        iat: now,
        nbf: now,
        exp: now + 60,
        jti: "forged-jti".into(),
        cnf: None,
        csrf: None,
    };
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
    header.typ = Some(TYP.into());
    header.kid = Some(key.kid.clone());
    edit(&mut claims, &mut header);
    jsonwebtoken::encode(&header, &claims, &key.encoding).unwrap()
}

fn segments(token: &str) -> Vec<String> {
    token.split('.').map(str::to_string).collect()
}

fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

#[tokio::test]
async fn login_returns_a_bearer_token_and_a_scoped_refresh_cookie() {
    let server = harness().await;
    let answer = server
        .post_json(
            "/api/jwt/login",
            r#"{"username":"alice","password":"alice-in-the-lab"}"#,
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let body = answer.json();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], server.settings.jwt.access_ttl_secs);
    let cookie = answer.headers[header::SET_COOKIE].to_str().unwrap();
    // Attribute order carries no meaning: compared as a set.
    let mut attributes: Vec<&str> = cookie.split("; ").skip(1).collect();
    attributes.sort_unstable();
    assert_eq!(
        attributes,
        [
            "HttpOnly",
            "Max-Age=1800",
            "Path=/api/jwt",
            "SameSite=Strict",
            "Secure",
        ]
    );
    // The token's header and claims, as issued.
    let token = body["access_token"].as_str().unwrap();
    let parts = segments(token);
    let header: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[0]).unwrap()).unwrap();
    assert_eq!(header["alg"], "EdDSA");
    assert_eq!(header["typ"], "at+jwt");
    assert!(header["kid"].is_string());
    let claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).unwrap()).unwrap();
    for claim in ["iss", "aud", "sub", "role", "iat", "nbf", "exp", "jti"] {
        assert!(claims.get(claim).is_some(), "{claim} in {claims}");
    }
    assert_eq!(claims["sub"], "alice");
    assert_eq!(claims["role"], "admin");
}

#[tokio::test]
async fn me_with_a_bearer_token_is_judged_in_jwt_mode_without_a_store_lookup() {
    let server = harness().await;
    let (access, _) = server.jwt_login("bob", "bob-builds-it").await;
    let answer = server.bearer("GET", "/api/me", &access).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let me: Me = serde_json::from_str(&answer.text).unwrap();
    assert_eq!(me.username, "bob");
    assert_eq!(me.auth.mode, authlab::wire::AuthMode::Jwt);
    assert!(me.auth.allowed);
    let denylist = me
        .auth
        .checks
        .iter()
        .find(|c| c.name == "denylist")
        .unwrap();
    assert!(denylist.micros.is_none(), "denylist off: no lookup");
    assert!(me.auth.checks.iter().all(|c| c.status == CheckStatus::Pass));
}

#[tokio::test]
async fn expired_token_is_rejected_naming_exp_with_an_rfc6750_challenge() {
    // Lifetimes are whole seconds: 3 s keeps the first call safely inside, 4.1 s later is past.
    let server = harness_with(|s| {
        s.jwt.access_ttl_secs = 3;
        s.jwt.leeway_secs = 0;
    })
    .await;
    let (access, _) = server.jwt_login("alice", "alice-in-the-lab").await;
    assert_eq!(
        server.bearer("GET", "/api/me", &access).await.status,
        StatusCode::OK
    );
    tokio::time::sleep(Duration::from_millis(4100)).await;
    let answer = server.bearer("GET", "/api/me", &access).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(failed_check(&answer), "exp");
    let challenge = answer.headers[header::WWW_AUTHENTICATE].to_str().unwrap();
    assert!(challenge.starts_with("Bearer "), "{challenge}");
    assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
    assert!(
        challenge.contains("error_description=\"exp: expired"),
        "{challenge}"
    );
}

#[tokio::test]
async fn missing_token_gets_a_bare_bearer_challenge() {
    let server = harness().await;
    let answer = server
        .send(
            axum::http::Request::get("/api/me")
                .header(header::AUTHORIZATION, "Basic YWxpY2U6eA==")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        answer.headers[header::WWW_AUTHENTICATE].to_str().unwrap(),
        "Bearer realm=\"authlab\""
    );
}

#[tokio::test]
async fn nbf_in_the_future_is_rejected() {
    let server = harness().await;
    let token = signed_by_alice(&server, |c, _| c.nbf = unix_now() + 600).await;
    let answer = server.bearer("GET", "/api/me", &token).await;
    assert_eq!(failed_check(&answer), "nbf");
}

#[tokio::test]
async fn wrong_issuer_and_wrong_audience_are_rejected() {
    let server = harness().await;
    let token = signed_by_alice(&server, |c, _| c.iss = "https://evil.example".into()).await;
    assert_eq!(
        failed_check(&server.bearer("GET", "/api/me", &token).await),
        "iss"
    );
    let token = signed_by_alice(&server, |c, _| c.aud = "another-api".into()).await;
    assert_eq!(
        failed_check(&server.bearer("GET", "/api/me", &token).await),
        "aud"
    );
}

#[tokio::test]
async fn tampered_payload_is_rejected_at_the_signature() {
    let server = harness().await;
    let (access, _) = server.jwt_login("bob", "bob-builds-it").await;
    let parts = segments(&access);
    let mut claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).unwrap()).unwrap();
    claims["role"] = json!("admin");
    let tampered = format!("{}.{}.{}", parts[0], b64(&claims), parts[2]);
    let answer = server.bearer("GET", "/api/me", &tampered).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(failed_check(&answer), "signature");
}

/// The plan is what a one-defence-off switch will change: with the signature check off, the
/// tampered token goes through, and its trace says the check failed and was off; every other check
/// still runs. With the plan as the judge has it, the same token is refused at the signature.
#[tokio::test]
async fn tampered_token_passes_only_where_the_plan_switches_the_signature_off() {
    use authlab::auth::jwt::{self, Mode, Plan};
    let server = harness().await;
    let (access, _) = server.jwt_login("bob", "bob-builds-it").await;
    let parts = segments(&access);
    let mut claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).unwrap()).unwrap();
    claims["role"] = json!("admin");
    let tampered = format!("{}.{}.{}", parts[0], b64(&claims), parts[2]);
    let (keys, config) = (
        (&*server.state.auth.keys, &*server.state.auth.attacker),
        &server.settings.jwt,
    );
    let verdict = |plan: Plan| {
        let mut trace = plan.trace();
        let (claims, _) = jwt::verify(
            &tampered,
            keys,
            config,
            &plan,
            &mut trace,
            Mode::FirstFailure,
        );
        (claims, trace.finish())
    };

    let (refused, trace) = verdict(Plan::TOKEN);
    assert!(refused.is_none());
    assert_eq!(trace.failed_check().unwrap().name.as_str(), "signature");

    let (accepted, trace) = verdict(Plan::TOKEN.with_off(authlab::wire::CheckId::Signature));
    assert_eq!(
        accepted.expect("verified with the check off").role,
        Role::Admin
    );
    assert!(trace.allowed);
    let statuses: Vec<_> = trace
        .checks
        .iter()
        .map(|c| (c.name.as_str(), c.status))
        .collect();
    assert_eq!(statuses.len(), Plan::TOKEN.checks().len());
    for (name, status) in statuses {
        let want = if name == "signature" {
            CheckStatus::Off
        } else {
            CheckStatus::Pass
        };
        assert_eq!(status, want, "{name}");
    }
    let signature = trace
        .checks
        .iter()
        .find(|c| c.name.as_str() == "signature")
        .unwrap();
    assert!(
        signature.detail.starts_with("does not match"),
        "{}",
        signature.detail
    );
}

#[tokio::test]
async fn alg_none_is_rejected_in_any_capitalisation() {
    let server = harness().await;
    let (access, _) = server.jwt_login("alice", "alice-in-the-lab").await;
    let parts = segments(&access);
    let mut header: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[0]).unwrap()).unwrap();
    for none in ["none", "None", "NONE", "nOnE"] {
        header["alg"] = json!(none);
        for signature in ["", parts[2].as_str()] {
            let forged = format!("{}.{}.{signature}", b64(&header), parts[1]);
            let answer = server.bearer("GET", "/api/me", &forged).await;
            assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{none}");
            assert_eq!(failed_check(&answer), "algorithm", "{none}");
        }
    }
}

#[tokio::test]
async fn hs256_token_signed_with_the_public_key_as_secret_is_rejected() {
    let server = harness().await;
    let (access, _) = server.jwt_login("alice", "alice-in-the-lab").await;
    let parts = segments(&access);
    // The attacker fetches the public key from the JWKS...
    let jwks = server.get("/.well-known/jwks.json").await.json();
    let key = &jwks["keys"][0];
    let public_x = key["x"].as_str().unwrap();
    // ...and "signs" an HS256 token with it as the HMAC secret, naming the EdDSA key's kid.
    let header = json!({"alg": "HS256", "typ": "at+jwt", "kid": key["kid"]});
    let mut claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).unwrap()).unwrap();
    claims["sub"] = json!("alice");
    for secret in [
        public_x.as_bytes().to_vec(),
        URL_SAFE_NO_PAD.decode(public_x).unwrap(),
    ] {
        let forged = jsonwebtoken::encode(
            &serde_json::from_value::<jsonwebtoken::Header>(header.clone()).unwrap(),
            &claims,
            &jsonwebtoken::EncodingKey::from_secret(&secret),
        )
        .unwrap();
        let answer = server.bearer("GET", "/api/me", &forged).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
        assert_eq!(failed_check(&answer), "algorithm");
    }
}

#[tokio::test]
async fn unknown_kid_is_rejected() {
    let server = harness().await;
    let token = signed_by_alice(&server, |_, h| h.kid = Some("not-a-kid-of-ours".into())).await;
    assert_eq!(
        failed_check(&server.bearer("GET", "/api/me", &token).await),
        "kid known"
    );
}

#[tokio::test]
async fn a_refresh_token_used_as_an_access_token_is_rejected() {
    let server = harness().await;
    let (_, refresh) = server.jwt_login("alice", "alice-in-the-lab").await;
    let answer = server.bearer("GET", "/api/me", &refresh).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(failed_check(&answer), "format");
}

#[tokio::test]
async fn a_token_of_another_type_is_rejected_at_typ() {
    let server = harness().await;
    let token = signed_by_alice(&server, |_, h| h.typ = Some("JWT".into())).await;
    assert_eq!(
        failed_check(&server.bearer("GET", "/api/me", &token).await),
        "typ"
    );
}

#[tokio::test]
async fn refresh_rotates_the_refresh_token_and_issues_a_new_access_token() {
    let server = harness().await;
    let (first_access, first_refresh) = server.jwt_login("alice", "alice-in-the-lab").await;
    let answer = server.refresh(&first_refresh).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let second_refresh = refresh_cookie_value(&answer).expect("rotated cookie");
    assert_ne!(second_refresh, first_refresh);
    let second_access = answer.json()["access_token"].as_str().unwrap().to_string();
    assert_ne!(second_access, first_access);
    assert_eq!(
        server.bearer("GET", "/api/me", &second_access).await.status,
        StatusCode::OK
    );
    // The new refresh token works in turn.
    assert_eq!(server.refresh(&second_refresh).await.status, StatusCode::OK);
}

#[tokio::test]
async fn reusing_a_rotated_refresh_token_revokes_the_whole_family() {
    let server = harness().await;
    let (_, stolen) = server.jwt_login("alice", "alice-in-the-lab").await;
    let answer = server.refresh(&stolen).await;
    let legitimate = refresh_cookie_value(&answer).unwrap();
    // The thief replays the rotated token: refused, and the family is revoked...
    let reuse = server.refresh(&stolen).await;
    assert_eq!(reuse.status, StatusCode::UNAUTHORIZED);
    assert!(reuse.json()["reason"].as_str().unwrap().contains("reuse"));
    // ...so the legitimate holder's newer token stops working too.
    assert_eq!(
        server.refresh(&legitimate).await.status,
        StatusCode::UNAUTHORIZED
    );
    let events: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM security_events WHERE kind = 'refresh_reuse'")
            .fetch_one(&server.sql)
            .await
            .unwrap();
    assert_eq!(events, 1);
}

#[tokio::test]
async fn of_two_concurrent_refreshes_with_one_token_at_most_one_succeeds() {
    let server = std::sync::Arc::new(harness().await);
    for _ in 0..5 {
        let (_, refresh) = server.jwt_login("bob", "bob-builds-it").await;
        let (a, b) = tokio::join!(server.refresh(&refresh), server.refresh(&refresh));
        let successes = [a.status, b.status]
            .iter()
            .filter(|s| **s == StatusCode::OK)
            .count();
        assert!(successes <= 1, "{} / {}", a.status, b.status);
    }
}

#[tokio::test]
async fn with_the_denylist_off_a_logged_out_access_token_keeps_working() {
    let server = harness().await;
    let (access, refresh) = server.jwt_login("alice", "alice-in-the-lab").await;
    let logout = server.jwt_logout(&access, &refresh).await;
    assert_eq!(logout.status, StatusCode::NO_CONTENT);
    // The refresh family is gone...
    assert_eq!(
        server.refresh(&refresh).await.status,
        StatusCode::UNAUTHORIZED
    );
    // ...but the access token still works until exp: nothing on the server says otherwise.
    assert_eq!(
        server.bearer("GET", "/api/me", &access).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn with_the_denylist_on_a_logged_out_access_token_is_refused_at_once() {
    let server = harness().await;
    let (access, refresh) = server.jwt_login("alice", "alice-in-the-lab").await;
    let switch = server
        .bearer_put_settings(&access, r#"{"denylist":true}"#)
        .await;
    assert_eq!(switch.status, StatusCode::OK, "{}", switch.text);
    assert_eq!(switch.json()["denylist"], true);
    // Every bearer request now pays a measured lookup.
    let before = server.bearer("GET", "/api/me", &access).await;
    let me: Me = serde_json::from_str(&before.text).unwrap();
    let lookup = me
        .auth
        .checks
        .iter()
        .find(|c| c.name == "denylist")
        .unwrap();
    assert!(lookup.micros.is_some());

    let logout = server.jwt_logout(&access, &refresh).await;
    assert_eq!(logout.status, StatusCode::NO_CONTENT);
    let replay = server.bearer("GET", "/api/me", &access).await;
    assert_eq!(replay.status, StatusCode::UNAUTHORIZED);
    assert_eq!(failed_check(&replay), "denylist");
    // Bob's switch is his own: still off.
    let (bob, _) = server.jwt_login("bob", "bob-builds-it").await;
    assert_eq!(
        server.bearer("GET", "/api/lab-settings", &bob).await.json()["denylist"],
        false
    );
}

#[tokio::test]
async fn log_out_everywhere_refuses_earlier_tokens_only_where_revocation_is_on() {
    let server = harness().await;
    let (laptop, laptop_refresh) = server.jwt_login("alice", "alice-in-the-lab").await;
    let (phone, _) = server.jwt_login("alice", "alice-in-the-lab").await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let answer = server
        .bearer("POST", "/api/jwt/logout-everywhere", &laptop)
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    // The refresh tokens are gone either way: no new access tokens.
    assert_eq!(
        server.refresh(&laptop_refresh).await.status,
        StatusCode::UNAUTHORIZED
    );
    // Revocation off (the default): the access tokens already out there keep working.
    for token in [&laptop, &phone] {
        let replay = server.bearer("GET", "/api/me", token).await;
        assert_eq!(replay.status, StatusCode::OK, "{}", replay.text);
    }
    // Switched on, the server consults the mark it kept, and refuses both.
    let (fresh, _) = server.jwt_login("alice", "alice-in-the-lab").await;
    let switch = server
        .bearer_put_settings(&fresh, r#"{"denylist":true}"#)
        .await;
    assert_eq!(switch.status, StatusCode::OK, "{}", switch.text);
    for token in [&laptop, &phone] {
        let replay = server.bearer("GET", "/api/me", token).await;
        assert_eq!(failed_check(&replay), "not-before mark");
    }
    assert_eq!(
        server.bearer("GET", "/api/me", &fresh).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn key_rotation_keeps_old_tokens_valid_until_the_old_key_is_retired() {
    let server = harness().await;
    let (old_token, _) = server.jwt_login("alice", "alice-in-the-lab").await;
    let old_kid = server.get("/.well-known/jwks.json").await.json()["keys"][0]["kid"].clone();
    let rotated = server
        .bearer("POST", "/api/jwt/keys/rotate", &old_token)
        .await;
    assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.text);
    let new_kid = rotated.json()["kid"].clone();
    assert_ne!(new_kid, old_kid);
    let jwks = server.get("/.well-known/jwks.json").await.json();
    let kids: Vec<&Value> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| &k["kid"])
        .collect();
    assert!(
        kids.contains(&&old_kid) && kids.contains(&&new_kid),
        "{jwks}"
    );

    let (new_token, _) = server.jwt_login("alice", "alice-in-the-lab").await;
    assert!(
        segments(&new_token)[0] != segments(&old_token)[0],
        "new kid in the header"
    );
    assert_eq!(
        server.bearer("GET", "/api/me", &old_token).await.status,
        StatusCode::OK
    );

    let retired = server
        .bearer("POST", "/api/jwt/keys/retire", &new_token)
        .await;
    assert_eq!(retired.json()["retired"], 1);
    assert_eq!(
        failed_check(&server.bearer("GET", "/api/me", &old_token).await),
        "kid known"
    );
    assert_eq!(
        server.bearer("GET", "/api/me", &new_token).await.status,
        StatusCode::OK
    );
    let jwks = server.get("/.well-known/jwks.json").await.json();
    assert!(!jwks.to_string().contains(old_kid.as_str().unwrap()));
}

#[tokio::test]
async fn signing_keys_survive_a_restart() {
    let server = harness().await;
    let (token, _) = server.jwt_login("alice", "alice-in-the-lab").await;
    let common::Harness { state, dir, .. } = server;
    state.maintenance.close().await;
    drop(state);
    let restarted = harness_in(dir).await;
    assert_eq!(
        restarted.bearer("GET", "/api/me", &token).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn jwks_publishes_public_keys_only_and_never_an_hmac_secret() {
    let server = harness().await;
    let (token, _) = server.jwt_login("alice", "alice-in-the-lab").await;
    for alg in ["ES256", "HS256"] {
        let switch = server
            .bearer_put_settings(&token, &format!(r#"{{"jwt_alg":"{alg}"}}"#))
            .await;
        assert_eq!(switch.status, StatusCode::OK);
        let (signed, _) = server.jwt_login("alice", "alice-in-the-lab").await;
        let header: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&segments(&signed)[0]).unwrap())
                .unwrap();
        assert_eq!(header["alg"], alg);
        assert_eq!(
            server.bearer("GET", "/api/me", &signed).await.status,
            StatusCode::OK
        );
    }
    let jwks = server.get("/.well-known/jwks.json").await.json();
    let keys = jwks["keys"].as_array().unwrap();
    let algs: Vec<&str> = keys.iter().map(|k| k["alg"].as_str().unwrap()).collect();
    assert_eq!(algs.len(), 2, "{jwks}");
    assert!(algs.contains(&"EdDSA") && algs.contains(&"ES256"));
    for key in keys {
        assert!(
            key.get("d").is_none() && key.get("k").is_none(),
            "no private part: {key}"
        );
    }
}

async fn decode(server: &Harness, token: &str) -> DecodeReport {
    let answer = server
        .post_json("/api/jwt/decode", json!({ "token": token }).to_string())
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    serde_json::from_str(&answer.text).unwrap()
}

fn status_of(report: &DecodeReport, check: &str) -> CheckStatus {
    report
        .checks
        .checks
        .iter()
        .find(|c| c.name == check)
        .unwrap()
        .status
}

const RFC7515_PAYLOAD: &str =
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";

#[tokio::test]
async fn decoder_reads_the_rfc_7515_and_8037_example_tokens() {
    let server = harness().await;
    let joe = json!({"iss": "joe", "exp": 1300819380, "http://example.com/is_root": true});
    // RFC 7515 A.1 (HS256), A.2 (RS256), A.3 (ES256): same payload, three headers.
    let examples = [
        (
            "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9",
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
            json!({"typ": "JWT", "alg": "HS256"}),
        ),
        (
            "eyJhbGciOiJSUzI1NiJ9",
            // A.2's signature (256 bytes) is passed through, not checked: its key is not ours.
            "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw",
            json!({"alg": "RS256"}),
        ),
        (
            "eyJhbGciOiJFUzI1NiJ9",
            "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q",
            json!({"alg": "ES256"}),
        ),
    ];
    for (header, signature, expected_header) in examples {
        let token = format!("{header}.{RFC7515_PAYLOAD}.{signature}");
        let report = decode(&server, &token).await;
        assert_eq!(report.header, Some(expected_header));
        assert_eq!(report.payload, Some(joe.clone()));
        // Shown, but capped: a pasted value is never echoed whole.
        let shown = report.signature.as_deref().unwrap();
        let kept = shown.split('…').next().unwrap();
        assert!(
            signature.starts_with(kept) && kept.len() >= signature.len().min(64),
            "{shown}"
        );
        assert!(shown.len() <= 200, "{} characters echoed", shown.len());
        assert_eq!(status_of(&report, "format"), CheckStatus::Pass);
        // Not our tokens: no kid of ours, so the signature cannot be trusted here.
        assert_eq!(status_of(&report, "kid known"), CheckStatus::Fail);
        assert!(!report.checks.allowed);
    }
    // RFC 8037 A.4: an Ed25519 JWS whose payload is plain text, not JSON.
    let report = decode(
        &server,
        "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg",
    )
    .await;
    assert_eq!(report.header, Some(json!({"alg": "EdDSA"})));
    assert_eq!(report.payload, Some(json!("Example of Ed25519 signing")));
    assert_eq!(
        status_of(&report, "format"),
        CheckStatus::Fail,
        "a JWS, not a JWT"
    );
}

#[tokio::test]
async fn decoder_names_every_problem_of_a_bad_token() {
    let server = harness().await;
    let token = signed_by_alice(&server, |c, _| {
        c.aud = "elsewhere".into();
        c.exp = unix_now() - 10;
    })
    .await;
    let report = decode(&server, &token).await;
    assert_eq!(status_of(&report, "signature"), CheckStatus::Pass);
    assert_eq!(status_of(&report, "aud"), CheckStatus::Fail);
    assert_eq!(
        status_of(&report, "exp"),
        CheckStatus::Fail,
        "kept going after aud"
    );
    let bad = decode(&server, "not!base64.at.all").await;
    assert_eq!(status_of(&bad, "format"), CheckStatus::Fail);
    assert!(bad.checks.checks[0].detail.contains("base64url"));
    let (good, _) = server.jwt_login("bob", "bob-builds-it").await;
    let ok = decode(&server, &good).await;
    assert!(ok.checks.allowed);
}

#[tokio::test]
async fn short_lived_token_switch_applies_to_that_account_only_and_is_bounded() {
    let server = harness().await;
    let (bob, _) = server.jwt_login("bob", "bob-builds-it").await;
    let set = server
        .bearer_put_settings(&bob, r#"{"access_ttl_secs":15}"#)
        .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text);
    assert_eq!(set.json()["access_ttl_secs"], 15);
    let login = server
        .post_json(
            "/api/jwt/login",
            r#"{"username":"bob","password":"bob-builds-it"}"#,
        )
        .await;
    assert_eq!(login.json()["expires_in"], 15, "{}", login.text);
    assert_eq!(
        login.json()["leeway_secs"],
        server.settings.jwt.leeway_secs,
        "the page is told the real leeway"
    );
    let token = login.json()["access_token"].as_str().unwrap().to_string();
    let decoded = server
        .post_json(
            "/api/jwt/decode",
            serde_json::json!({ "token": token }).to_string(),
        )
        .await;
    let payload = &decoded.json()["payload"];
    assert_eq!(
        payload["exp"].as_i64().unwrap() - payload["iat"].as_i64().unwrap(),
        15
    );
    // Another account keeps the server's default.
    let alice = server
        .post_json(
            "/api/jwt/login",
            r#"{"username":"alice","password":"alice-in-the-lab"}"#,
        )
        .await;
    assert_eq!(
        alice.json()["expires_in"],
        server.settings.jwt.access_ttl_secs,
        "{}",
        alice.text
    );
    // Out of range is a clear 422; 0 goes back to the default.
    for bad in ["1", "14", "901", "86400"] {
        let answer = server
            .bearer_put_settings(&bob, &format!(r#"{{"access_ttl_secs":{bad}}}"#))
            .await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}: {}",
            answer.text
        );
    }
    let reset = server
        .bearer_put_settings(&bob, r#"{"access_ttl_secs":0}"#)
        .await;
    assert_eq!(
        reset.json()["access_ttl_secs"],
        serde_json::Value::Null,
        "{}",
        reset.text
    );
}

#[tokio::test]
async fn introspection_judges_a_token_as_a_request_would_and_audits_nothing() {
    let server = harness().await;
    let (access, refresh) = server.jwt_login("bob", "bob-builds-it").await;
    let introspect = |token: String| {
        let server = &server;
        async move {
            server
                .post_json(
                    "/api/jwt/introspect",
                    serde_json::json!({ "token": token }).to_string(),
                )
                .await
        }
    };
    let rows = || async {
        server.state.auth.audit.flush().await;
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM audit_events")
            .fetch_one(&server.sql)
            .await
            .unwrap()
    };
    let before = rows().await;
    let live = introspect(access.clone()).await;
    assert_eq!(live.status, StatusCode::OK, "{}", live.text);
    assert_eq!(live.json()["active"], true);
    assert_eq!(live.json()["auth"]["allowed"], true);
    assert_eq!(
        rows().await,
        before,
        "introspection authenticates nothing, so logs nothing"
    );
    // With revocation on, logging out denies the token: introspection says so, and where.
    server
        .bearer_put_settings(&access, r#"{"denylist":true}"#)
        .await;
    assert_eq!(
        server.jwt_logout(&access, &refresh).await.status,
        StatusCode::NO_CONTENT
    );
    let revoked = introspect(access).await;
    assert_eq!(revoked.status, StatusCode::OK);
    assert_eq!(revoked.json()["active"], false);
    let verdict = revoked.json();
    let failed: Vec<String> = verdict["auth"]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "fail")
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(failed, ["denylist"]);
    // Garbage is a verdict too, not an error.
    let garbage = introspect("not-a-token".into()).await;
    assert_eq!(garbage.status, StatusCode::OK);
    assert_eq!(garbage.json()["active"], false);
}

#[tokio::test]
async fn a_service_with_only_the_jwks_verifies_asymmetric_tokens_and_cannot_verify_hs256() {
    let server = harness().await;
    let check = |token: String| {
        let server = &server;
        async move {
            let answer = server
                .post_json(
                    "/api/lab/jwks-verify",
                    serde_json::json!({ "token": token }).to_string(),
                )
                .await;
            assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
            answer.json()
        }
    };
    let (mut token, _) = server.jwt_login("bob", "bob-builds-it").await;
    for (alg, verifiable) in [("EdDSA", true), ("ES256", true), ("HS256", false)] {
        let set = server
            .bearer_put_settings(&token, &format!(r#"{{"jwt_alg":"{alg}"}}"#))
            .await;
        assert_eq!(set.status, StatusCode::OK, "{}", set.text);
        token = server.jwt_login("bob", "bob-builds-it").await.0;
        let verdict = check(token.clone()).await;
        assert_eq!(verdict["alg"], alg, "{verdict}");
        assert_eq!(verdict["verified"], verifiable, "{verdict}");
        if !verifiable {
            assert!(
                verdict["detail"]
                    .as_str()
                    .unwrap()
                    .contains("shared secret"),
                "{verdict}"
            );
        }
    }
    // The published set never carries a symmetric key.
    let jwks = server.get("/.well-known/jwks.json").await.json();
    assert!(jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .all(|k| k["kty"] != "oct"));
    // A tampered EdDSA token fails at the signature, with the published key alone.
    server
        .bearer_put_settings(&token, r#"{"jwt_alg":"EdDSA"}"#)
        .await;
    let good = server.jwt_login("bob", "bob-builds-it").await.0;
    let mut parts: Vec<String> = good.split('.').map(str::to_string).collect();
    parts[1] = parts[1].replacen('e', "f", 1);
    let verdict = check(parts.join(".")).await;
    assert_eq!(verdict["verified"], false, "{verdict}");
}
