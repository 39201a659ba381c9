//! DPoP-bound tokens (RFC 9449) over the real router: each named check refuses the attack it
//! exists for, a valid proof is accepted, and the replay cache holds only proofs that passed.
//! The proofs are made here as a browser's WebCrypto makes them: a P-256 key, ES256, the
//! public key in the header.

use crate::common::{failed_check, harness, refresh_cookie_value, Answer, Harness};
use authlab::{auth::dpop, db::unix_now, wire::Me};
use axum::{
    body::Body,
    http::{header, Request, StatusCode},
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use p256::ecdsa::{signature::Signer, Signature, SigningKey};
use serde_json::{json, Value};

/// A key pair a page holds.
struct Key(SigningKey);

impl Key {
    fn new() -> Key {
        Key(SigningKey::random(&mut rand::rngs::OsRng))
    }

    fn jwk(&self) -> Value {
        let point = self.0.verifying_key().to_encoded_point(false);
        json!({
            "kty": "EC",
            "crv": "P-256",
            "x": URL_SAFE_NO_PAD.encode(point.x().unwrap()),
            "y": URL_SAFE_NO_PAD.encode(point.y().unwrap()),
        })
    }

    fn thumbprint(&self) -> String {
        let jwk = self.jwk();
        dpop::thumbprint::p256(jwk["x"].as_str().unwrap(), jwk["y"].as_str().unwrap())
    }

    /// A proof with these claims and header, signed by this key.
    fn sign(&self, header: &Value, claims: &Value) -> String {
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature: Signature = self.0.sign(input.as_bytes());
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
    }

    /// A fresh proof for `method` `path` on the test lab, beside `token` if any.
    fn proof(&self, server: &Harness, method: &str, path: &str, token: Option<&str>) -> String {
        self.proof_with(server, method, path, token, |_, _| {})
    }

    /// A proof, changed by `edit` before it is signed.
    fn proof_with(
        &self,
        server: &Harness,
        method: &str,
        path: &str,
        token: Option<&str>,
        edit: impl FnOnce(&mut Value, &mut Value),
    ) -> String {
        let mut header = json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": self.jwk()});
        let mut claims = json!({
            "htm": method,
            "htu": url(server, path),
            "iat": unix_now(),
            "jti": authlab::auth::csrf::new_token()[..22].to_string(),
        });
        if let Some(token) = token {
            claims["ath"] = json!(dpop::ath_of(token));
        }
        edit(&mut header, &mut claims);
        self.sign(&header, &claims)
    }
}

fn url(server: &Harness, path: &str) -> String {
    format!("http://127.0.0.1:{}{path}", server.settings.listen.port())
}

/// `POST /api/jwt/login` with a proof; returns the answer.
async fn login_with(server: &Harness, proof: &str, username: &str, password: &str) -> Answer {
    server
        .send(
            Request::post("/api/jwt/login")
                .header(header::CONTENT_TYPE, "application/json")
                .header("DPoP", proof)
                .body(Body::from(
                    json!({"username": username, "password": password}).to_string(),
                ))
                .unwrap(),
        )
        .await
}

/// Log bob in bound to `key`: (access token, refresh token).
async fn bound_login(server: &Harness, key: &Key) -> (String, String) {
    let proof = key.proof(server, "POST", "/api/jwt/login", None);
    let answer = login_with(server, &proof, "bob", "bob-builds-it").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert_eq!(answer.json()["token_type"], "DPoP");
    let access = answer.json()["access_token"].as_str().unwrap().to_string();
    (access, refresh_cookie_value(&answer).unwrap())
}

/// A request sent as `Authorization: DPoP <token>` with these `DPoP` headers.
async fn with_proofs(
    server: &Harness,
    method: &str,
    path: &str,
    token: &str,
    proofs: &[&str],
) -> Answer {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("DPoP {token}"));
    for proof in proofs {
        request = request.header("DPoP", *proof);
    }
    server.send(request.body(Body::empty()).unwrap()).await
}

fn claims_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

#[tokio::test]
async fn a_dpop_login_binds_the_token_to_the_key_and_a_fresh_proof_is_accepted() {
    let server = harness().await;
    let key = Key::new();
    let (access, _) = bound_login(&server, &key).await;
    assert_eq!(claims_of(&access)["cnf"]["jkt"], key.thumbprint());

    let proof = key.proof(&server, "GET", "/api/me", Some(&access));
    let answer = with_proofs(&server, "GET", "/api/me", &access, &[&proof]).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let me: Me = serde_json::from_str(&answer.text).unwrap();
    let names: Vec<String> = me.auth.checks.iter().map(|c| c.name.to_string()).collect();
    for check in [
        "dpop proof",
        "dpop htm htu",
        "dpop iat",
        "dpop ath",
        "dpop key",
        "dpop jti",
    ] {
        assert!(names.iter().any(|n| n == check), "{check} in {names:?}");
    }
    assert!(me.auth.allowed);
    assert_eq!(
        names.last().map(String::as_str),
        Some("dpop jti"),
        "the jti is last"
    );
}

#[tokio::test]
async fn a_proof_made_for_another_method_or_url_is_refused_at_dpop_htm_htu() {
    let server = harness().await;
    let key = Key::new();
    let (access, _) = bound_login(&server, &key).await;
    let for_post = key.proof(&server, "POST", "/api/me", Some(&access));
    let answer = with_proofs(&server, "GET", "/api/me", &access, &[&for_post]).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{}", answer.text);
    assert_eq!(failed_check(&answer), "dpop htm htu");

    let for_audit = key.proof(&server, "GET", "/api/audit", Some(&access));
    let answer = with_proofs(&server, "GET", "/api/me", &access, &[&for_audit]).await;
    assert_eq!(failed_check(&answer), "dpop htm htu");

    // Another host (a proof made for a different server) is another URL too.
    let elsewhere = key.proof_with(&server, "GET", "/api/me", Some(&access), |_, claims| {
        claims["htu"] = json!("http://other.test/api/me");
    });
    let answer = with_proofs(&server, "GET", "/api/me", &access, &[&elsewhere]).await;
    assert_eq!(failed_check(&answer), "dpop htm htu");
    // The refusal is challenged in the DPoP scheme (RFC 9449 §7.1).
    let challenge = answer.headers[header::WWW_AUTHENTICATE].to_str().unwrap();
    assert!(challenge.starts_with("DPoP "), "{challenge}");
    assert!(
        challenge.contains("error=\"invalid_dpop_proof\""),
        "{challenge}"
    );
}

#[tokio::test]
async fn a_stale_or_future_proof_is_refused_at_dpop_iat() {
    let server = harness().await;
    let key = Key::new();
    let (access, _) = bound_login(&server, &key).await;
    for shift in [-(dpop::MAX_AGE_SECS + 30), 3_600] {
        let proof = key.proof_with(&server, "GET", "/api/me", Some(&access), |_, claims| {
            claims["iat"] = json!(unix_now() + shift);
        });
        let answer = with_proofs(&server, "GET", "/api/me", &access, &[&proof]).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{}", answer.text);
        assert_eq!(
            failed_check(&answer),
            "dpop iat",
            "iat shifted by {shift} s"
        );
    }
}

#[tokio::test]
async fn a_replayed_proof_is_refused_at_dpop_jti() {
    let server = harness().await;
    let key = Key::new();
    let (access, _) = bound_login(&server, &key).await;
    let proof = key.proof(&server, "GET", "/api/me", Some(&access));
    let first = with_proofs(&server, "GET", "/api/me", &access, &[&proof]).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    let replay = with_proofs(&server, "GET", "/api/me", &access, &[&proof]).await;
    assert_eq!(replay.status, StatusCode::UNAUTHORIZED, "{}", replay.text);
    assert_eq!(failed_check(&replay), "dpop jti");
}

#[tokio::test]
async fn a_proof_signed_by_another_key_than_its_header_names_is_refused_at_dpop_proof() {
    let server = harness().await;
    let (key, thief) = (Key::new(), Key::new());
    let (access, _) = bound_login(&server, &key).await;
    // The thief signs with their own key but names the victim's in the header.
    let forged = thief.proof_with(&server, "GET", "/api/me", Some(&access), |header, _| {
        header["jwk"] = key.jwk();
    });
    let answer = with_proofs(&server, "GET", "/api/me", &access, &[&forged]).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{}", answer.text);
    assert_eq!(failed_check(&answer), "dpop proof");
}

#[tokio::test]
async fn a_stolen_token_with_the_thiefs_own_proof_is_refused_at_dpop_key() {
    let server = harness().await;
    let (key, thief) = (Key::new(), Key::new());
    let (access, _) = bound_login(&server, &key).await;
    // A perfectly good proof, by a key the token is not bound to.
    let proof = thief.proof(&server, "GET", "/api/me", Some(&access));
    let answer = with_proofs(&server, "GET", "/api/me", &access, &[&proof]).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{}", answer.text);
    assert_eq!(failed_check(&answer), "dpop key");
}

#[tokio::test]
async fn a_proof_without_ath_or_for_another_token_is_refused_at_dpop_ath() {
    let server = harness().await;
    let key = Key::new();
    let (access, _) = bound_login(&server, &key).await;
    let (other, _) = bound_login(&server, &key).await;
    let without = key.proof(&server, "GET", "/api/me", None);
    let answer = with_proofs(&server, "GET", "/api/me", &access, &[&without]).await;
    assert_eq!(failed_check(&answer), "dpop ath");
    let for_other = key.proof(&server, "GET", "/api/me", Some(&other));
    let answer = with_proofs(&server, "GET", "/api/me", &access, &[&for_other]).await;
    assert_eq!(failed_check(&answer), "dpop ath");
}

#[tokio::test]
async fn a_stolen_bound_token_sent_as_a_bearer_token_is_refused_at_dpop_proof() {
    let server = harness().await;
    let key = Key::new();
    let (access, _) = bound_login(&server, &key).await;
    let answer = server.bearer("GET", "/api/me", &access).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{}", answer.text);
    assert_eq!(failed_check(&answer), "dpop proof");
    // No proof at all beside the DPoP scheme, and two proofs, are refused by the same check.
    let answer = with_proofs(&server, "GET", "/api/me", &access, &[]).await;
    assert_eq!(failed_check(&answer), "dpop proof");
    let (a, b) = (
        key.proof(&server, "GET", "/api/me", Some(&access)),
        key.proof(&server, "GET", "/api/me", Some(&access)),
    );
    let answer = with_proofs(&server, "GET", "/api/me", &access, &[&a, &b]).await;
    assert_eq!(failed_check(&answer), "dpop proof");
}

#[tokio::test]
async fn a_plain_bearer_token_sent_as_dpop_is_refused_at_dpop_key() {
    let server = harness().await;
    let key = Key::new();
    let (access, _) = server.jwt_login("bob", "bob-builds-it").await;
    let proof = key.proof(&server, "GET", "/api/me", Some(&access));
    let answer = with_proofs(&server, "GET", "/api/me", &access, &[&proof]).await;
    assert_eq!(failed_check(&answer), "dpop key");
}

/// A change to a proof's header and claims before it is signed.
type Edit = Box<dyn FnOnce(&mut Value, &mut Value)>;

#[tokio::test]
async fn proofs_that_are_not_es256_proofs_by_a_public_p256_key_are_refused_at_dpop_proof() {
    let server = harness().await;
    let key = Key::new();
    let (access, _) = bound_login(&server, &key).await;
    let edits: Vec<(&str, Edit)> = vec![
        (
            "alg none",
            Box::new(|h: &mut Value, _: &mut Value| h["alg"] = json!("none")),
        ),
        (
            "HS256",
            Box::new(|h: &mut Value, _: &mut Value| h["alg"] = json!("HS256")),
        ),
        (
            "an access token's typ",
            Box::new(|h: &mut Value, _: &mut Value| h["typ"] = json!("at+jwt")),
        ),
        (
            "no jwk",
            Box::new(|h: &mut Value, _: &mut Value| {
                h.as_object_mut().unwrap().remove("jwk");
            }),
        ),
        (
            "a private key",
            Box::new(|h: &mut Value, _: &mut Value| h["jwk"]["d"] = json!("AAAA")),
        ),
        (
            "no jti",
            Box::new(|_: &mut Value, c: &mut Value| {
                c.as_object_mut().unwrap().remove("jti");
            }),
        ),
        (
            "a 100-character jti",
            Box::new(|_: &mut Value, c: &mut Value| c["jti"] = json!("j".repeat(100))),
        ),
    ];
    for (what, edit) in edits {
        let proof = key.proof_with(&server, "GET", "/api/me", Some(&access), edit);
        let answer = with_proofs(&server, "GET", "/api/me", &access, &[&proof]).await;
        assert_eq!(
            answer.status,
            StatusCode::UNAUTHORIZED,
            "{what}: {}",
            answer.text
        );
        assert_eq!(failed_check(&answer), "dpop proof", "{what}");
    }
    // The psychic signature: r = s = 0 (CVE-2022-21449).
    let proof = key.proof(&server, "GET", "/api/me", Some(&access));
    let (input, _) = proof.rsplit_once('.').unwrap();
    let zero = format!("{input}.{}", URL_SAFE_NO_PAD.encode([0u8; 64]));
    let answer = with_proofs(&server, "GET", "/api/me", &access, &[&zero]).await;
    assert_eq!(failed_check(&answer), "dpop proof");
    // An oversized header is refused unread, and not echoed.
    let huge = "A".repeat(dpop::MAX_PROOF_BYTES + 1);
    let answer = with_proofs(&server, "GET", "/api/me", &access, &[&huge]).await;
    assert_eq!(failed_check(&answer), "dpop proof");
    assert!(answer.text.len() < 8 * 1024, "{} bytes", answer.text.len());
}

#[tokio::test]
async fn a_flood_of_invalid_proofs_does_not_grow_the_replay_cache() {
    let server = harness().await;
    let (key, thief) = (Key::new(), Key::new());
    let (access, _) = bound_login(&server, &key).await;
    let cache = &server.state.auth.proof_jtis;
    let before = cache.count(&key.thumbprint(), unix_now()).await.unwrap();
    assert_eq!(before, 1, "the login's proof");
    for i in 0..50 {
        // Each fails a different check after its signature held: none may be remembered.
        let proof = match i % 4 {
            0 => key.proof(&server, "POST", "/api/me", Some(&access)),
            1 => key.proof_with(&server, "GET", "/api/me", Some(&access), |_, c| {
                c["iat"] = json!(unix_now() - 600);
            }),
            2 => key.proof(&server, "GET", "/api/me", None),
            _ => thief.proof(&server, "GET", "/api/me", Some(&access)),
        };
        let answer = with_proofs(&server, "GET", "/api/me", &access, &[&proof]).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        cache.count(&key.thumbprint(), unix_now()).await.unwrap(),
        before
    );
    assert_eq!(
        cache.count(&thief.thumbprint(), unix_now()).await.unwrap(),
        0
    );
}

/// Switch the account's server-side revocation on, with a bound token and its proof.
async fn denylist_on(server: &Harness, key: &Key, access: &str) {
    let proof = key.proof(server, "PUT", "/api/lab-settings", Some(access));
    let switch = server
        .send(
            Request::put("/api/lab-settings")
                .header(header::AUTHORIZATION, format!("DPoP {access}"))
                .header("DPoP", proof)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(r#"{"denylist":true}"#))
                .unwrap(),
        )
        .await;
    assert_eq!(switch.status, StatusCode::OK, "{}", switch.text);
}

#[tokio::test]
async fn a_revoked_bound_token_is_refused_before_its_proof_is_remembered() {
    let server = harness().await;
    let key = Key::new();
    let (access, refresh) = bound_login(&server, &key).await;
    denylist_on(&server, &key, &access).await;
    let logout = server
        .send(
            Request::post("/api/jwt/logout")
                .header(header::AUTHORIZATION, format!("DPoP {access}"))
                .header(
                    header::COOKIE,
                    format!("{}={refresh}", authlab::auth::refresh::COOKIE),
                )
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(logout.status, StatusCode::NO_CONTENT, "{}", logout.text);
    let remembered = server
        .state
        .auth
        .proof_jtis
        .count(&key.thumbprint(), unix_now())
        .await
        .unwrap();
    let proof = key.proof(&server, "GET", "/api/me", Some(&access));
    let answer = with_proofs(&server, "GET", "/api/me", &access, &[&proof]).await;
    assert_eq!(failed_check(&answer), "denylist");
    assert_eq!(
        server
            .state
            .auth
            .proof_jtis
            .count(&key.thumbprint(), unix_now())
            .await
            .unwrap(),
        remembered
    );
}

#[tokio::test]
async fn a_thief_holding_only_a_bound_token_cannot_log_its_owner_out() {
    let server = harness().await;
    let key = Key::new();
    let (access, _) = bound_login(&server, &key).await;
    denylist_on(&server, &key, &access).await;
    // The thief posts the token to logout, without the owner's refresh cookie.
    let logout = server.bearer("POST", "/api/jwt/logout", &access).await;
    assert_eq!(logout.status, StatusCode::NO_CONTENT);
    let proof = key.proof(&server, "GET", "/api/me", Some(&access));
    let answer = with_proofs(&server, "GET", "/api/me", &access, &[&proof]).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
}

/// `POST /api/jwt/refresh` with this refresh cookie and these proofs.
async fn refresh_with(server: &Harness, refresh: &str, proof: Option<&str>) -> Answer {
    let mut request = Request::post("/api/jwt/refresh").header(
        header::COOKIE,
        format!("{}={refresh}", authlab::auth::refresh::COOKIE),
    );
    if let Some(proof) = proof {
        request = request.header("DPoP", proof);
    }
    server.send(request.body(Body::empty()).unwrap()).await
}

#[tokio::test]
async fn a_stolen_refresh_cookie_of_a_bound_login_is_useless_without_the_key() {
    let server = harness().await;
    let (key, thief) = (Key::new(), Key::new());
    let (_, refresh) = bound_login(&server, &key).await;
    let bare = refresh_with(&server, &refresh, None).await;
    assert_eq!(bare.status, StatusCode::UNAUTHORIZED, "{}", bare.text);
    assert!(bare.json()["reason"]
        .as_str()
        .unwrap()
        .contains("bound to a DPoP key"));
    let theirs = thief.proof(&server, "POST", "/api/jwt/refresh", None);
    let other = refresh_with(&server, &refresh, Some(&theirs)).await;
    assert_eq!(other.status, StatusCode::UNAUTHORIZED, "{}", other.text);
    assert!(other.json()["reason"]
        .as_str()
        .unwrap()
        .contains("another key"));

    // Neither attempt used the token up: its holder, with the key, refreshes.
    let proof = key.proof(&server, "POST", "/api/jwt/refresh", None);
    let good = refresh_with(&server, &refresh, Some(&proof)).await;
    assert_eq!(good.status, StatusCode::OK, "{}", good.text);
    assert_eq!(good.json()["token_type"], "DPoP");
    let access = good.json()["access_token"].as_str().unwrap().to_string();
    assert_eq!(claims_of(&access)["cnf"]["jkt"], key.thumbprint());
    // The refresh's proof is used up like any other.
    let replay = refresh_with(&server, &refresh_cookie_value(&good).unwrap(), Some(&proof)).await;
    assert_eq!(replay.status, StatusCode::UNAUTHORIZED, "{}", replay.text);
    assert_eq!(failed_check(&replay), "dpop jti");
}

#[tokio::test]
async fn a_bad_proof_at_login_is_refused_by_its_named_check_and_issues_nothing() {
    let server = harness().await;
    let key = Key::new();
    let wrong_url = key.proof(&server, "POST", "/api/login", None);
    let answer = login_with(&server, &wrong_url, "bob", "bob-builds-it").await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{}", answer.text);
    assert_eq!(failed_check(&answer), "dpop htm htu");
    assert!(
        answer.headers.get(header::SET_COOKIE).is_none(),
        "no refresh cookie"
    );
    // A bearer login (no DPoP header) still gives a plain bearer token.
    let (access, _) = server.jwt_login("bob", "bob-builds-it").await;
    assert!(claims_of(&access).get("cnf").is_none());
}

/// Run the interop script (`tests/interop/dpop.py`) with the joserfc the test command installs
/// into `tools/python`: its stdout, or a panic naming what failed.
fn jose(args: &[&str]) -> String {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let packages = root.join("tools/python");
    assert!(
        packages.join("joserfc").is_dir(),
        "joserfc is missing from tools/python: scripts/test.sh installs it (ensure_python_jose)"
    );
    let output = std::process::Command::new("python3")
        .arg(root.join("tests/interop/dpop.py"))
        .args(args)
        .env("PYTHONPATH", &packages)
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "dpop.py {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap().trim().to_string()
}

#[tokio::test]
async fn proofs_made_by_an_independent_jose_library_are_accepted_and_ours_verify_there() {
    let server = harness().await;
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("key.json");
    std::fs::write(&key_file, jose(&["keygen"])).unwrap();
    let key_file = key_file.to_str().unwrap();

    // joserfc's proof binds a login, and its next proof is accepted beside the token.
    let login_url = url(&server, "/api/jwt/login");
    let proof = jose(&["proof", key_file, "POST", &login_url]);
    let answer = login_with(&server, &proof, "bob", "bob-builds-it").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let access = answer.json()["access_token"].as_str().unwrap().to_string();
    // Its thumbprint of its own key is the one the lab bound the token to.
    let theirs: Value = serde_json::from_str(&jose(&["verify", &proof])).unwrap();
    assert_eq!(claims_of(&access)["cnf"]["jkt"], theirs["jkt"]);

    let me_url = url(&server, "/api/me");
    let proof = jose(&["proof", key_file, "GET", &me_url, &access]);
    let answer = with_proofs(&server, "GET", "/api/me", &access, &[&proof]).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);

    // The other way: a proof made as the page makes it verifies in joserfc, which computes
    // the same thumbprint and reads the same claims.
    let key = Key::new();
    let ours = key.proof(&server, "GET", "/api/me", Some(&access));
    let read: Value = serde_json::from_str(&jose(&["verify", &ours])).unwrap();
    assert_eq!(read["jkt"], key.thumbprint());
    assert_eq!(read["claims"]["htu"], me_url);
    assert_eq!(read["claims"]["ath"], dpop::ath_of(&access));
}

#[tokio::test]
async fn a_bound_token_stolen_by_an_injected_script_is_refused_from_another_client() {
    let server = harness().await;
    let key = Key::new();
    let (access, _) = bound_login(&server, &key).await;
    let owner = server.session_login("bob", "bob-builds-it").await;
    let result =
        crate::attacks::steal(&server, &owner, "localStorage[authlab.dpop_token]", &access).await;
    // The thief has the token, not the key: refused at the proof check.
    assert_eq!(result["replay"]["status"], 401, "{result}");
    assert_eq!(result["replay"]["refused_by"], "dpop proof");
}
