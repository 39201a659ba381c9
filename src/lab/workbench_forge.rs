//! `POST /api/lab/forge`: the workbench's signer. It holds attacker-side material only: the
//! attacker site's key pairs (`auth::attacker_site`), a secret the learner typed, a public key
//! the learner sent. It is handed nothing else, so it cannot sign with a lab key, and it never
//! compares a typed secret with one: an answer that said "right secret" would be a guessing
//! oracle for every account's HS256 key. Whether a forged token works is for the verifier to
//! say, when the learner sends it.

use crate::{
    api::{error::ApiError, json::ApiJson},
    auth::{
        attacker_site::AttackerSite,
        jwt::{public_key, MAX_TOKEN_BYTES},
    },
    lab::attacks::forge::{segment, Pieces},
    state::AppState,
    wire::{paths, ForgeRequest, Forged, JwtAlg, KeySpelling, Placement, SignWith, NONE_SPELLINGS},
};
use axum::{extract::State, routing::post, Json, Router};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::Value;

pub fn router() -> Router<AppState> {
    Router::new().route(paths::lab::FORGE, post(forge))
}

/// The longest secret the workbench signs with: any word of the wordlist, any typed guess.
pub const MAX_SECRET_BYTES: usize = 256;

/// The longest JWK used as an HMAC secret: an Ed25519 or P-256 public key with its usual fields.
pub const MAX_JWK_BYTES: usize = 1024;

async fn forge(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<ForgeRequest>,
) -> Result<Json<Forged>, ApiError> {
    forged(&state.auth.attacker, request).map(Json)
}

/// Sign `request` the way it asks, with the attacker's material only.
pub fn forged(attacker: &AttackerSite, request: ForgeRequest) -> Result<Forged, ApiError> {
    let explain = request.sign.explain().to_string();
    let mut pieces = Pieces {
        header: request.header,
        payload: request.payload,
        signature: String::new(),
    };
    let invalid = |why: String| ApiError::InvalidBody(why);
    let token = match request.sign {
        SignWith::Keep { signature } => {
            if signature.len() > MAX_TOKEN_BYTES {
                return Err(invalid(format!(
                    "the signature is longer than the {MAX_TOKEN_BYTES} bytes a token may be"
                )));
            }
            checked(&pieces)?.with_signature(&signature)
        }
        SignWith::Strip => checked(&pieces)?.with_signature(""),
        SignWith::AlgNone { spelling } => {
            if !NONE_SPELLINGS.contains(&spelling.as_str()) {
                return Err(invalid(format!(
                    "spelling must be one of {}",
                    NONE_SPELLINGS.join(", ")
                )));
            }
            pieces.header.insert("alg".into(), spelling.into());
            checked(&pieces)?.with_signature("")
        }
        SignWith::Hmac { secret } => {
            if secret.len() > MAX_SECRET_BYTES {
                return Err(invalid(format!(
                    "the secret is longer than {MAX_SECRET_BYTES} bytes"
                )));
            }
            hmac(&mut pieces, secret.as_bytes())?
        }
        SignWith::HmacWithPublicKey { jwk, spelling } => {
            let secret = match spelling {
                KeySpelling::Pem => public_key::pem(&jwk).map_err(invalid)?,
                KeySpelling::JwkJson => {
                    // Checked to be a public key first: this is no general-purpose HMAC.
                    public_key::pem(&jwk).map_err(invalid)?;
                    let text = jwk.to_string();
                    if text.len() > MAX_JWK_BYTES {
                        return Err(invalid(format!(
                            "the jwk is longer than {MAX_JWK_BYTES} bytes: a public key's is a \
                             few hundred"
                        )));
                    }
                    text
                }
            };
            hmac(&mut pieces, secret.as_bytes())?
        }
        SignWith::AttackerKey { alg, placement } => {
            let key = attacker.key(alg).ok_or_else(|| {
                invalid("the attacker site holds an EdDSA and an ES256 key pair".into())
            })?;
            pieces.header.insert("alg".into(), alg.as_str().into());
            match placement {
                Placement::Kid => {
                    pieces.header.insert("kid".into(), key.kid.clone().into());
                }
                Placement::Jwk => {
                    let jwk = key.public_jwk.clone().unwrap_or(Value::Null);
                    pieces.header.insert("jwk".into(), jwk);
                }
                Placement::Jku => {
                    let url = attacker.jwks_urls().first().cloned().unwrap_or_default();
                    pieces.header.insert("jku".into(), url.into());
                    pieces.header.insert("kid".into(), key.kid.clone().into());
                }
            }
            checked(&pieces)?.signed(&key.encoding, key.algorithm())
        }
        SignWith::PsychicSignature => {
            pieces
                .header
                .insert("alg".into(), JwtAlg::ES256.as_str().into());
            checked(&pieces)?.with_signature(&URL_SAFE_NO_PAD.encode([0u8; 64]))
        }
    };
    Ok(Forged {
        token,
        header: pieces.header,
        explain,
    })
}

/// HS256 with `secret`.
fn hmac(pieces: &mut Pieces, secret: &[u8]) -> Result<String, ApiError> {
    pieces
        .header
        .insert("alg".into(), JwtAlg::HS256.as_str().into());
    Ok(checked(pieces)?.signed(&EncodingKey::from_secret(secret), Algorithm::HS256))
}

/// `pieces`, if its header and payload fit in a token the verifier reads at all.
fn checked(pieces: &Pieces) -> Result<&Pieces, ApiError> {
    let size = segment(&pieces.header).len() + segment(&pieces.payload).len();
    if size > MAX_TOKEN_BYTES {
        return Err(ApiError::InvalidBody(format!(
            "header and payload come to {size} bytes encoded, more than the {MAX_TOKEN_BYTES} \
             a token may be"
        )));
    }
    Ok(pieces)
}
