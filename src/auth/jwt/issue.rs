//! Signing a new access token.

use super::{Claims, Confirmation, Delivery, TYP};
use crate::{auth::keys::SigningKey, db::unix_now, settings::JwtSettings, wire::Role};
use jsonwebtoken::Header;

/// Sign a new access token for `username`/`role` with `key`, valid for `ttl_secs`, for the way
/// its holder sends it: bound to a DPoP key (`cnf.jkt`), or with a CSRF token for the cookie.
pub fn issue(
    key: &SigningKey,
    username: &str,
    role: Role,
    ttl_secs: u64,
    delivery: &Delivery,
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
        cnf: match delivery {
            Delivery::Dpop(jkt) => Some(Confirmation { jkt: jkt.clone() }),
            _ => None,
        },
        csrf: match delivery {
            Delivery::Cookie => Some(crate::auth::csrf::new_token()),
            _ => None,
        },
    };
    let mut header = Header::new(key.algorithm());
    header.typ = Some(TYP.into());
    header.kid = Some(key.kid.clone());
    let token = jsonwebtoken::encode(&header, &claims, &key.encoding)?;
    Ok((token, claims))
}
