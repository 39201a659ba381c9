//! The workbench's signer (`POST /api/lab/forge`) and the keys a token brings: the signer holds
//! attacker-side material only, so nothing it makes passes a verifier with every defence on; the
//! `jku` follower reads the attacker site's JWKS and nothing else; algorithm confusion works
//! only where an account switched algorithm pinning off, and only in the spelling the confused
//! verifier reads.

use crate::common::{failed_check, harness, token_halves, Harness};
use crate::defences_off::{forge, switch};
use authlab::wire::{CheckStatus, JwtAlg};
use axum::http::StatusCode;
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use serde_json::{json, Value};

const PASSWORD: &str = "learner-password-1";

/// A learner's genuine token, taken apart: header and payload as JSON, and the signature.
async fn learner(server: &Harness, name: &str) -> (String, Value, Value, String) {
    server.register(name, PASSWORD).await;
    let (token, _) = server.jwt_login(name, PASSWORD).await;
    let (header, payload) = token_halves(&token);
    let signature = token.rsplit('.').next().unwrap_or_default().to_string();
    (token, header, payload, signature)
}

/// The learner's public key, as anyone reads it: from the JWKS, by kid.
async fn published_jwk(server: &Harness, kid: &str) -> Value {
    let jwks = server.get(&authlab::wire::paths::jwt::jwks_key(kid)).await;
    jwks.json()["keys"][0].clone()
}

#[tokio::test]
async fn the_forge_endpoint_cannot_sign_with_any_lab_key() {
    let server = harness().await;
    let (genuine, header, payload, signature) = learner(&server, "forger").await;
    let kid = header["kid"].as_str().unwrap().to_string();
    let jwk = published_jwk(&server, &kid).await;
    let mut admin = payload.clone();
    admin["role"] = json!("admin");
    let every_way = [
        json!({"how": "keep", "signature": signature}),
        json!({"how": "strip"}),
        json!({"how": "alg_none", "spelling": "None"}),
        json!({"how": "hmac", "secret": "secret"}),
        json!({"how": "hmac", "secret": ""}),
        json!({"how": "hmac_with_public_key", "jwk": jwk, "spelling": "pem"}),
        json!({"how": "hmac_with_public_key", "jwk": jwk, "spelling": "jwk_json"}),
        json!({"how": "attacker_key", "alg": "EdDSA", "placement": "kid"}),
        json!({"how": "attacker_key", "alg": "ES256", "placement": "jwk"}),
        json!({"how": "attacker_key", "alg": "EdDSA", "placement": "jku"}),
        json!({"how": "psychic_signature"}),
    ];
    for sign in every_way {
        let forged = forge(&server, header.clone(), admin.clone(), sign.clone()).await;
        assert_ne!(forged, genuine);
        // Every defence on: whatever the way, the lab's verifier refuses it.
        let answer = server.bearer("GET", "/api/me", &forged).await;
        assert_eq!(
            answer.status,
            StatusCode::UNAUTHORIZED,
            "{sign}: {}",
            answer.text
        );
        // And no lab key made its signature: the learner's own key does not verify it.
        let (message, sig) = forged.rsplit_once('.').unwrap();
        let key = server.state.auth.keys.get(&kid).unwrap();
        let verified =
            jsonwebtoken::crypto::verify(sig, message.as_bytes(), &key.decoding, key.algorithm());
        assert!(!verified.unwrap_or(false), "{sign}");
    }
    // The attacker's kids are no lab key's.
    for kid in ["attacker-eddsa-1", "attacker-es256-1"] {
        assert!(server.state.auth.keys.get(kid).is_none());
    }
    // The same header and payload, kept with the genuine signature, are the genuine token: the
    // signer copies a signature it was given, it makes none with a lab key.
    let kept = forge(
        &server,
        header,
        payload,
        json!({"how": "keep", "signature": signature}),
    )
    .await;
    assert_eq!(
        kept.rsplit_once('.').unwrap().1,
        genuine.rsplit_once('.').unwrap().1
    );
}

#[tokio::test]
async fn the_forge_endpoint_refuses_bad_input_with_a_reason() {
    let server = harness().await;
    let header = json!({"typ": "at+jwt"});
    let payload = json!({"sub": "x"});
    let big = json!({"padding": "A".repeat(9 * 1024)});
    for (body, why) in [
        (
            json!({"header": header, "payload": payload, "sign": {"how": "alg_none", "spelling": "nonE "}}),
            "spelling",
        ),
        (
            json!({"header": header, "payload": payload, "sign": {"how": "hmac", "secret": "s".repeat(300)}}),
            "secret",
        ),
        (
            json!({"header": header, "payload": big, "sign": {"how": "strip"}}),
            "bytes",
        ),
        (
            json!({"header": header, "payload": payload, "sign": {"how": "hmac_with_public_key", "jwk": {"kty": "RSA"}, "spelling": "pem"}}),
            "jwk",
        ),
        (
            json!({"header": header, "payload": payload, "sign": {"how": "attacker_key", "alg": "HS256", "placement": "kid"}}),
            "EdDSA",
        ),
        (
            json!({"header": header, "payload": payload, "sign": {"how": "sign_with_lab_key"}}),
            "unknown variant",
        ),
        (
            json!({"header": "not an object", "payload": payload, "sign": {"how": "strip"}}),
            "expected a map",
        ),
    ] {
        let answer = server.post_json("/api/lab/forge", body.to_string()).await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            answer.text
        );
        assert!(answer.text.contains(why), "{why}: {}", answer.text);
    }
}

#[tokio::test]
async fn the_jku_follower_refuses_every_url_but_the_attacker_sites_jwks() {
    let server = harness().await;
    let (token, _, payload, _) = learner(&server, "jku-learner").await;
    let on = switch(&server, &token, &["jku"]).await;
    assert_eq!(on.status, StatusCode::OK, "{}", on.text);
    let exact = server.state.auth.attacker.jwks_urls()[0].clone();
    let sign = json!({"how": "attacker_key", "alg": "EdDSA", "placement": "kid"});
    let with_jku = |jku: &str| json!({"typ": "at+jwt", "jku": jku});

    let followed = forge(&server, with_jku(&exact), payload.clone(), sign.clone()).await;
    let answer = server.bearer("GET", "/api/me", &followed).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);

    let lab_origin = exact
        .trim_end_matches(authlab::wire::paths::attacker::JWKS)
        .to_string();
    for other in [
        format!("{exact}/"),
        format!("{exact}?kid=attacker-eddsa-1"),
        exact.to_uppercase(),
        exact.replace("http://", "https://"),
        format!("{lab_origin}/.well-known/jwks.json"),
        format!("{lab_origin}@attacker.example/attacker/jwks.json"),
        "https://attacker.example/jwks.json".to_string(),
        "http://169.254.169.254/latest/meta-data/".to_string(),
        "file:///etc/passwd".to_string(),
    ] {
        let forged = forge(&server, with_jku(&other), payload.clone(), sign.clone()).await;
        let answer = server.bearer("GET", "/api/me", &forged).await;
        assert_eq!(
            answer.status,
            StatusCode::UNAUTHORIZED,
            "{other}: {}",
            answer.text
        );
        assert_eq!(failed_check(&answer), "kid known", "{other}");
        assert!(
            answer.text.contains("not the attacker site"),
            "{other}: {}",
            answer.text
        );
    }
}

/// Algorithm confusion with the account's published key: refused at `algorithm` while the
/// algorithm is pinned; with pinning off, the PEM spelling (what this confused verifier reads)
/// passes and the JWK-JSON spelling fails the signature.
#[tokio::test]
async fn algorithm_confusion_works_only_with_pinning_off_and_the_spelling_the_verifier_reads() {
    let server = harness().await;
    let (token, header, mut payload, _) = learner(&server, "confused").await;
    assert_eq!(header["alg"], "EdDSA");
    let kid = header["kid"].as_str().unwrap().to_string();
    let jwk = published_jwk(&server, &kid).await;
    payload["role"] = json!("admin");
    let confused =
        |spelling: &str| json!({"how": "hmac_with_public_key", "jwk": jwk, "spelling": spelling});
    let pem = forge(&server, header.clone(), payload.clone(), confused("pem")).await;
    let jwk_json = forge(
        &server,
        header.clone(),
        payload.clone(),
        confused("jwk_json"),
    )
    .await;

    let refused = server.bearer("GET", "/api/me", &pem).await;
    assert_eq!(failed_check(&refused), "algorithm", "{}", refused.text);

    let on = switch(&server, &token, &["alg_pinning"]).await;
    assert_eq!(on.status, StatusCode::OK, "{}", on.text);
    let allowed = server.bearer("GET", "/api/me", &pem).await;
    assert_eq!(allowed.status, StatusCode::OK, "{}", allowed.text);
    assert_eq!(allowed.json()["role"], "admin");
    let checks = allowed.json()["auth"]["checks"].clone();
    let status_of = |name: &str| {
        checks
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap()["status"]
            .clone()
    };
    assert_eq!(status_of("algorithm"), json!(CheckStatus::Off));
    assert_eq!(status_of("signature"), json!(CheckStatus::Off));
    let wrong_spelling = server.bearer("GET", "/api/me", &jwk_json).await;
    assert_eq!(
        failed_check(&wrong_spelling),
        "signature",
        "{}",
        wrong_spelling.text
    );

    // An account with an ES256 key is confused the same way, through its P-256 PEM.
    let es = server
        .bearer_put_settings(&token, &json!({"jwt_alg": "ES256"}).to_string())
        .await;
    assert_eq!(es.status, StatusCode::OK);
    let (es_token, _) = server.jwt_login("confused", PASSWORD).await;
    let es_header: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(es_token.split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap();
    let es_jwk = published_jwk(&server, es_header["kid"].as_str().unwrap()).await;
    assert_eq!(es_jwk["alg"], JwtAlg::ES256.as_str());
    let sign = json!({"how": "hmac_with_public_key", "jwk": es_jwk, "spelling": "pem"});
    let es_forged = forge(&server, es_header, payload, sign).await;
    let es_allowed = server.bearer("GET", "/api/me", &es_forged).await;
    assert_eq!(es_allowed.status, StatusCode::OK, "{}", es_allowed.text);
}

/// A token that brings its own key may keep the account's own kid (the workbench's default):
/// with `embedded_jwk` off it is still the embedded key that verifies it, whatever its
/// algorithm; and an unsigned token needs no kid at all where `alg_pinning` is off.
#[tokio::test]
async fn a_brought_key_or_no_key_works_with_or_without_the_accounts_own_kid() {
    let server = harness().await;
    let (token, header, payload, _) = learner(&server, "brings-keys").await;
    let on = switch(&server, &token, &["embedded_jwk", "alg_pinning"]).await;
    assert_eq!(on.status, StatusCode::OK, "{}", on.text);
    for alg in ["EdDSA", "ES256"] {
        let sign = json!({"how": "attacker_key", "alg": alg, "placement": "jwk"});
        let forged = forge(&server, header.clone(), payload.clone(), sign).await;
        let answer = server.bearer("GET", "/api/me", &forged).await;
        assert_eq!(answer.status, StatusCode::OK, "{alg}: {}", answer.text);
    }
    let unsigned = forge(
        &server,
        json!({"typ": "at+jwt"}),
        payload.clone(),
        json!({"how": "alg_none", "spelling": "NONE"}),
    )
    .await;
    let answer = server.bearer("GET", "/api/me", &unsigned).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    // Another account's kid with an embedded key, its own sub: bob switched nothing off.
    let (bob, _) = server.jwt_login("bob", "bob-builds-it").await;
    let bob_header: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(bob.split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap();
    let mut bobs = payload.clone();
    bobs["sub"] = json!("bob");
    let sign = json!({"how": "attacker_key", "alg": "EdDSA", "placement": "jwk"});
    let forged = forge(&server, bob_header, bobs, sign).await;
    let answer = server.bearer("GET", "/api/me", &forged).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{}", answer.text);
}

/// A token the weakened account's switches let past a check, naming another account in `sub`,
/// is refused; and its refusal is not filed under the named account (anyone can write a sub).
#[tokio::test]
async fn a_refusal_after_a_weakened_check_is_never_filed_under_a_sub_anyone_could_write() {
    let server = harness().await;
    let (token, header, mut payload, _) = learner(&server, "files-nothing").await;
    let on = switch(&server, &token, &["alg_pinning"]).await;
    assert_eq!(on.status, StatusCode::OK, "{}", on.text);
    payload["sub"] = json!("bob");
    payload["exp"] = json!(authlab::db::unix_now() - 3_600);
    let sign = json!({"how": "alg_none", "spelling": "none"});
    let forged = forge(&server, header, payload, sign).await;
    let answer = server.bearer("GET", "/api/me", &forged).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{}", answer.text);
    assert_eq!(failed_check(&answer), "exp");
    server.state.auth.audit.flush().await;
    let bobs: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_events WHERE username = 'bob' AND allowed = 0",
    )
    .fetch_one(&server.sql)
    .await
    .unwrap();
    assert_eq!(bobs, 0, "filed under bob, whom the token only named");
}
