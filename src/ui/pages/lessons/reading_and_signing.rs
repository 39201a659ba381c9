//! Lesson: what a token is. Its payload is base64url, not encryption: this page decodes it with
//! the browser's `atob`, no key needed. Its signature is checked with a public key anyone can fetch
//! (JWKS), which is what lets many services verify without the signing secret: a second service
//! holding only the JWKS verifies the EdDSA and ES256 tokens and cannot verify the HS256 one
//! (`POST /api/lab/jwks-verify`). And keys rotate: a
//! new `kid` signs new tokens, old ones verify until their key is retired.

use super::experiment::{fresh_account, Experiment, Run};
use crate::{
    ui::browser,
    ui::client::{self, Credential},
    wire::{AccountSwitchesPatch, JwtAlg},
};
use leptos::prelude::*;

/// The JSON of a token's header and payload, decoded without any key.
fn read_without_key(token: &str) -> Option<(serde_json::Value, serde_json::Value)> {
    let mut parts = token.split('.');
    let header = browser::decode_segment(parts.next()?)?;
    let payload = browser::decode_segment(parts.next()?)?;
    Some((
        serde_json::from_str(&header).ok()?,
        serde_json::from_str(&payload).ok()?,
    ))
}

fn kid_of(token: &str) -> String {
    read_without_key(token)
        .and_then(|(h, _)| h.get("kid")?.as_str().map(str::to_string))
        .unwrap_or_default()
}

#[component]
pub fn Lesson() -> impl IntoView {
    let start = move |run: Run| {
        run.go(async move {
            let account = fresh_account(&run).await?;
            let old = run.bearer_login("bearer login", &account).await?.access_token;
            let (header, payload) =
                read_without_key(&old).ok_or("the token did not decode as three segments")?;
            run.saw(format!(
                "Decoded in this page with atob, no key: header {header}, payload {payload}. Anyone \
                 holding the token can read every claim."
            ));
            let jwks = client::jwks().await;
            run.step("fetch the public keys", &jwks);
            let kid = kid_of(&old);
            if let Ok(set) = &jwks.result {
                let key = set["keys"]
                    .as_array()
                    .and_then(|keys| keys.iter().find(|k| k["kid"] == kid.as_str()));
                match key {
                    Some(key) => run.saw(format!(
                        "The token's kid {kid} is in the published key set as {key}: a public key, \
                         enough to verify, useless for signing."
                    )),
                    None => run.saw(format!(
                        "The token's kid {kid} is not in the public set: this account signs with a \
                         shared secret (HS256), which can never be published."
                    )),
                }
            }
            // A second service with only the JWKS: one token of each algorithm.
            let mut holding = old.clone();
            for alg in JwtAlg::ALL {
                let patch = AccountSwitchesPatch {
                    jwt_alg: Some(alg),
                    ..AccountSwitchesPatch::default()
                };
                let switched = client::put_account_switches(&patch, Credential::Bearer(&holding)).await;
                run.step(&format!("sign with {}", alg.as_str()), &switched);
                holding = run
                    .bearer_login(&format!("bearer login, {}", alg.as_str()), &account)
                    .await?
                    .access_token;
                let checked = client::jwks_verify(&holding).await;
                run.step(
                    &format!("a service with only the JWKS checks the {} token", alg.as_str()),
                    &checked,
                );
                let check = checked.result.map_err(|err| err.to_string())?;
                run.saw(format!(
                    "{}: {} ({}).",
                    alg.as_str(),
                    if check.verified { "verified" } else { "not verifiable" },
                    check.detail
                ));
            }
            let back = AccountSwitchesPatch {
                jwt_alg: Some(JwtAlg::EdDSA),
                ..AccountSwitchesPatch::default()
            };
            let switched = client::put_account_switches(&back, Credential::Bearer(&holding)).await;
            run.step("sign with EdDSA again", &switched);
            let rotated = client::jwt_rotate_key(&old).await;
            run.step("rotate the signing key", &rotated);
            let new = run
                .bearer_login("bearer login after rotation", &account)
                .await?
                .access_token;
            let still = client::me(Credential::Bearer(&old)).await;
            let still_status = run.step("the old token, after rotation", &still);
            run.saw(format!(
                "New tokens carry kid {}; the old token (kid {kid}) still answered {still_status}: \
                 rotation does not break tokens already out there.",
                kid_of(&new)
            ));
            let retired = client::jwt_retire_keys(&new).await;
            run.step("retire the old key", &retired);
            let refused = client::me(Credential::Bearer(&old)).await;
            let refused_status = run.step("the old token, after retirement", &refused);
            run.saw(format!(
                "After retiring the old key, the old token answered {refused_status}{}: retiring a \
                 key revokes every token it signed, at once.",
                refused.call.refused_at()
            ));
            Ok(())
        });
    };
    view! {
        <section class="card prose">
            <p>
                "A JWT is three base64url segments: header, payload, signature. Encoding is not "
                "encryption: the payload is readable by anyone who sees the token, so it must never hold "
                "secrets. What the signature gives is integrity: change one character of the payload and "
                "verification fails."
            </p>
            <p>
                "With an asymmetric algorithm (EdDSA, ES256) the server publishes the verifying half of "
                "its key at "<code>"/.well-known/jwks.json"</code>"; any service can check tokens without "
                "being able to mint them. With HS256 every verifier needs the signing secret itself. Keys "
                "rotate: the header's "<code>"kid"</code>" says which key signed a token."
            </p>
        </section>
        <Experiment label="Read, verify, rotate, retire" start=start/>
    }
}
