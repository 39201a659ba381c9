//! Signing a new access token.

use super::{Claims, Confirmation, TYP};
use crate::{auth::keys::SigningKey, db::unix_now, settings::JwtSettings, wire::Role};
use jsonwebtoken::Header;

/// Sign a new access token for `username`/`role` with `key`, valid for `ttl_secs`; bound to the
/// DPoP key whose thumbprint is `bound_to`, if one is given.
pub fn issue(
    key: &SigningKey,
    username: &str,
    role: Role,
    ttl_secs: u64,
    bound_to: Option<&str>,
    config: &JwtSettings,
) -> Result<(String, Claims), jsonwebtoken::errors::Error> {
    let now = unix_now();
    let claims = Claims {
        iss: config.issuer.clone(),
        aud: config.audience.clone(),
        sub: username.to_string(),
        role,
        iat: now,
        nbf: now,
        exp: now.saturating_add(i64::try_from(ttl_secs).unwrap_or(i64::MAX)),
        jti: crate::auth::csrf::new_token()[..22].to_string(),
        cnf: bound_to.map(|jkt| Confirmation {
            jkt: jkt.to_string(),
        }),
    };
    let mut header = Header::new(key.algorithm());
    header.typ = Some(TYP.into());
    header.kid = Some(key.kid.clone());
    let token = jsonwebtoken::encode(&header, &claims, &key.encoding)?;
    Ok((token, claims))
}
