//! JWT edges an attacker reaches for: a `crit` header, a token signed by another account's key
//! claiming your `sub`, claims at the ends of i64, and the `Bearer` scheme's spelling.

use crate::common::{failed_check, harness, signed_by, Harness};
use axum::http::StatusCode;
use serde_json::{json, Value};

fn claims_for(server: &Harness, sub: &str, exp: i64) -> Value {
    let now = authlab::db::unix_now();
    json!({
        "iss": server.settings.jwt.issuer, "aud": server.settings.jwt.audience, "sub": sub,
        "role": "admin", "iat": now, "nbf": now, "exp": exp, "jti": "edge-test-jti"
    })
}

#[tokio::test]
async fn crit_header_is_refused_even_with_a_valid_signature() {
    let server = harness().await;
    server.jwt_login("bob", "bob-builds-it").await;
    let exp = authlab::db::unix_now() + 60;
    let token = signed_by(
        &server,
        "bob",
        json!({"crit": ["b64"], "b64": false}),
        claims_for(&server, "bob", exp),
    )
    .await;
    let answer = server.bearer("GET", "/api/me", &token).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{}", answer.text);
    assert_eq!(failed_check(&answer), "format");
    assert!(answer.text.contains("crit"), "{}", answer.text);
}

#[tokio::test]
async fn token_signed_by_another_accounts_key_cannot_speak_for_you() {
    let server = harness().await;
    // bob's own key signs a token that says it is alice's.
    server.jwt_login("bob", "bob-builds-it").await;
    let exp = authlab::db::unix_now() + 60;
    let forged = signed_by(&server, "bob", json!({}), claims_for(&server, "alice", exp)).await;
    let answer = server.bearer("GET", "/api/me", &forged).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{}", answer.text);
    assert_eq!(failed_check(&answer), "subject");
    // The same key vouching for its own account is fine.
    let own = signed_by(&server, "bob", json!({}), claims_for(&server, "bob", exp)).await;
    let me = server.bearer("GET", "/api/me", &own).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);
}

#[tokio::test]
async fn unknown_subject_fails_the_subject_check_not_the_denylist() {
    let server = harness().await;
    server.jwt_login("bob", "bob-builds-it").await;
    let exp = authlab::db::unix_now() + 60;
    let token = signed_by(
        &server,
        "bob",
        json!({}),
        claims_for(&server, "nobody-at-all", exp),
    )
    .await;
    let answer = server.bearer("GET", "/api/me", &token).await;
    assert_eq!(failed_check(&answer), "subject");
}

#[tokio::test]
async fn claims_at_the_ends_of_i64_do_not_overflow_the_verifier() {
    let server = harness().await;
    server.jwt_login("bob", "bob-builds-it").await;
    for (nbf, exp) in [
        (i64::MIN, i64::MAX),
        (i64::MAX, i64::MAX),
        (i64::MIN, i64::MIN),
    ] {
        let mut claims = claims_for(&server, "bob", exp);
        claims["nbf"] = json!(nbf);
        let token = signed_by(&server, "bob", json!({}), claims).await;
        let answer = server.bearer("GET", "/api/me", &token).await;
        assert!(
            answer.status.is_success() || answer.status == StatusCode::UNAUTHORIZED,
            "nbf {nbf} exp {exp}: {} {}",
            answer.status,
            answer.text
        );
    }
}

#[tokio::test]
async fn bearer_scheme_is_matched_case_insensitively() {
    let server = harness().await;
    let (token, _) = server.jwt_login("bob", "bob-builds-it").await;
    for scheme in ["bearer", "BEARER", "Bearer", "bEaReR"] {
        let answer = server
            .send(
                axum::http::Request::get("/api/me")
                    .header("authorization", format!("{scheme} {token}"))
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{scheme}: {}", answer.text);
    }
}

/// The decoder's report of `token`: every check's name and detail.
async fn decoded_checks(server: &Harness, token: &str) -> Vec<(String, String, String)> {
    let answer = server
        .post_json("/api/jwt/decode", json!({ "token": token }).to_string())
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    answer.json()["checks"]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_string(),
                c["status"].as_str().unwrap().to_string(),
                c["detail"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn claims_this_server_does_not_know_are_ignored_as_rfc_7519_says_and_listed() {
    let server = harness().await;
    server.jwt_login("bob", "bob-builds-it").await;
    let mut claims = claims_for(&server, "bob", authlab::db::unix_now() + 60);
    claims["role"] = json!("user");
    claims["scope"] = json!("read:lab");
    claims["https://example.test/team"] = json!(["blue"]);
    let token = signed_by(&server, "bob", json!({}), claims).await;
    let me = server.bearer("GET", "/api/me", &token).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);
    let checks = decoded_checks(&server, &token).await;
    let (_, status, detail) = checks.iter().find(|(name, ..)| name == "claims").unwrap();
    assert_eq!(status, "pass");
    assert!(detail.contains("not checked by this server"), "{detail}");
    assert!(
        detail.contains("scope") && detail.contains("team"),
        "{detail}"
    );
}

#[tokio::test]
async fn decoder_explains_each_problem_in_a_sentence_never_in_rust_debug_or_serde_terms() {
    let server = harness().await;
    server.jwt_login("bob", "bob-builds-it").await;
    let exp = authlab::db::unix_now() + 60;
    let mut no_exp = claims_for(&server, "bob", exp);
    no_exp.as_object_mut().unwrap().remove("exp");
    let mut text_exp = claims_for(&server, "bob", exp);
    text_exp["exp"] = json!("tomorrow");
    let mut odd_role = claims_for(&server, "bob", exp);
    odd_role["role"] = json!("root");
    let cases = [
        (json!({}), no_exp, "missing exp"),
        (
            json!({}),
            text_exp,
            "the claim exp must be a whole number of seconds",
        ),
        (
            json!({}),
            odd_role,
            "the claim role must be \"user\" or \"admin\"",
        ),
        (
            json!({"typ": "JWT"}),
            claims_for(&server, "bob", exp),
            "the header's typ is \"JWT\"",
        ),
    ];
    for (header, claims, expected) in cases {
        let token = signed_by(&server, "bob", header, claims).await;
        let checks = decoded_checks(&server, &token).await;
        let all: Vec<&String> = checks.iter().map(|(_, _, detail)| detail).collect();
        assert!(
            all.iter().any(|d| d.contains(expected)),
            "{expected}: {all:?}"
        );
        for detail in all {
            for internal in [
                "Some(",
                "None",
                "invalid type",
                "expected i64",
                "line 1 column",
            ] {
                assert!(!detail.contains(internal), "{internal} in {detail:?}");
            }
        }
    }
    // A part that is not base64url, or not JSON, is said so plainly.
    let checks = decoded_checks(&server, "!!!.e30.sig").await;
    let (_, _, format) = checks.iter().find(|(name, ..)| name == "format").unwrap();
    assert!(
        format.contains("the header is not base64url text"),
        "{format}"
    );
}
