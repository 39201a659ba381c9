//! Taking a token apart and putting a forged one together, the way an attacker does with nothing
//! but base64url and JSON (and, for the tokens a server would have signed, the lab's own key).

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use jsonwebtoken::{crypto, Algorithm, EncodingKey};
use serde_json::{Map, Value};

/// A token's header and payload as JSON objects, and its signature as sent.
#[derive(Clone)]
pub struct Pieces {
    pub header: Map<String, Value>,
    pub payload: Map<String, Value>,
    pub signature: String,
}

/// One JSON object as a base64url segment.
pub fn segment(object: &Map<String, Value>) -> String {
    URL_SAFE_NO_PAD.encode(Value::Object(object.clone()).to_string())
}

impl Pieces {
    /// The three parts of a compact JWS whose header and payload are JSON objects.
    pub fn of(token: &str) -> Option<Pieces> {
        let mut parts = token.split('.');
        let (header, payload, signature) = (parts.next()?, parts.next()?, parts.next()?);
        let object = |part: &str| -> Option<Map<String, Value>> {
            let bytes = URL_SAFE_NO_PAD.decode(part).ok()?;
            match serde_json::from_slice(&bytes).ok()? {
                Value::Object(map) => Some(map),
                _ => None,
            }
        };
        Some(Pieces {
            header: object(header)?,
            payload: object(payload)?,
            signature: signature.to_string(),
        })
    }

    pub fn set_header(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.header.insert(name.into(), value.into());
        self
    }

    pub fn set_claim(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.payload.insert(name.into(), value.into());
        self
    }

    /// The signing input: `header.payload`.
    fn message(&self) -> String {
        format!("{}.{}", segment(&self.header), segment(&self.payload))
    }

    /// Header and payload as they are now, with `signature` after them (the old one, or none).
    pub fn with_signature(&self, signature: &str) -> String {
        format!("{}.{signature}", self.message())
    }

    /// Header and payload as they are now, with the signature they had when taken apart.
    pub fn resent(&self) -> String {
        self.with_signature(&self.signature)
    }

    /// Header and payload signed afresh with `key` under `alg`.
    pub fn signed(&self, key: &EncodingKey, alg: Algorithm) -> String {
        let message = self.message();
        // Signing fails only for a key that does not fit the algorithm, which the lab never
        // pairs: then the token goes out unsigned, and the server says so.
        let signature = crypto::sign(message.as_bytes(), key, alg).unwrap_or_default();
        format!("{message}.{signature}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_taken_apart_and_resent_unchanged_is_the_same_token() {
        let token = Pieces {
            header: serde_json::from_str(r#"{"alg":"HS256","kid":"k"}"#).unwrap(),
            payload: serde_json::from_str(r#"{"sub":"bob"}"#).unwrap(),
            signature: String::new(),
        }
        .signed(&EncodingKey::from_secret(b"secret"), Algorithm::HS256);
        let pieces = Pieces::of(&token).unwrap();
        assert_eq!(pieces.resent(), token);
        assert_eq!(pieces.payload["sub"], "bob");
        let tampered = pieces.set_claim("sub", "alice").resent();
        assert_ne!(tampered, token);
        assert!(tampered.ends_with(token.rsplit('.').next().unwrap()));
    }
}
