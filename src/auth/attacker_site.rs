//! The attacker site's own key pairs and its JWKS: the keys a forged token brings with it (in a
//! `jwk` header, or named by a `jku` URL). None of them is a key the lab verifies with: the lab's
//! keys live in the key ring (`keys`), these only here, and the verifier uses one only where the
//! account a token names switched the matching defence off (`Defence::EmbeddedJwk`, `Jku`).
//!
//! The private keys are derived from fixed public phrases, so every process of a lab (and every
//! restart) holds the same pair without storing anything: they are an attacker's keys, and the
//! forge endpoint signs with them for anyone, so there is nothing here to keep secret.
//!
//! The `jku` follower reads exactly one document, this JWKS, and only when the URL is one of
//! `jwks_urls` letter for letter: it never fetches anything (no request leaves the server, no
//! redirect is followed), so a token cannot make the server call a URL it names (SSRF).

use super::keys::{self, KeyError, SigningKey};
use crate::wire::{paths, JwtAlg};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

pub struct AttackerSite {
    /// The exact URLs of the attacker site's JWKS (`<attacker origin>/attacker/jwks.json`).
    jwks_urls: Vec<String>,
    keys: Vec<SigningKey>,
}

/// The attacker's kid for each algorithm: fixed, so a learner can recognise it in a header.
const KIDS: [(JwtAlg, &str); 2] = [
    (JwtAlg::EdDSA, "attacker-eddsa-1"),
    (JwtAlg::ES256, "attacker-es256-1"),
];

impl AttackerSite {
    /// The attacker site whose pages are served at `origins` (each `scheme://host[:port]`).
    pub fn new(origins: &[String]) -> Result<Self, KeyError> {
        let jwks_urls = origins
            .iter()
            .map(|origin| format!("{origin}{}", paths::attacker::JWKS))
            .collect();
        let keys = KIDS
            .iter()
            .map(|&(alg, kid)| {
                let seed: [u8; 32] =
                    Sha256::digest(format!("authlab: the attacker site's {kid}")).into();
                keys::from_seed(kid, alg, seed)
            })
            .collect::<Result<_, _>>()?;
        Ok(AttackerSite { jwks_urls, keys })
    }

    /// The attacker's key pair for `alg` (EdDSA or ES256; an HMAC secret is typed, not held).
    pub fn key(&self, alg: JwtAlg) -> Option<&SigningKey> {
        self.keys.iter().find(|key| key.alg == alg)
    }

    /// The JWKS the attacker site publishes.
    pub fn jwks(&self) -> Value {
        let keys: Vec<&Value> = self
            .keys
            .iter()
            .filter_map(|key| key.public_jwk.as_ref())
            .collect();
        json!({ "keys": keys })
    }

    /// Where the `jku` follower may read: the URLs of this JWKS, for the trace to name.
    pub fn jwks_urls(&self) -> &[String] {
        &self.jwks_urls
    }

    /// Follow `jku` to a key: only the attacker site's JWKS, matched exactly (no normalising, so
    /// no trick of case, port, userinfo or a trailing slash reaches anything else), and only a
    /// kid it publishes.
    pub fn follow(&self, jku: &str, kid: Option<&str>) -> Result<&SigningKey, Unfollowed> {
        if !self.jwks_urls.iter().any(|url| url == jku) {
            return Err(Unfollowed::NotTheAttackerSite);
        }
        let kid = kid.ok_or(Unfollowed::NoKid)?;
        self.keys
            .iter()
            .find(|key| key.kid == kid)
            .ok_or(Unfollowed::UnknownKid)
    }
}

/// Why a `jku` led to no key.
#[derive(Debug, PartialEq, Eq)]
pub enum Unfollowed {
    /// Any URL but the attacker site's JWKS: never fetched.
    NotTheAttackerSite,
    NoKid,
    UnknownKid,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_jku_follower_reads_only_the_attacker_sites_exact_jwks_url() {
        let site = AttackerSite::new(&["http://localhost:3000".to_string()]).unwrap();
        let exact = "http://localhost:3000/attacker/jwks.json";
        assert!(site.follow(exact, Some("attacker-eddsa-1")).is_ok());
        for other in [
            "http://localhost:3000/attacker/jwks.json/",
            "http://LOCALHOST:3000/attacker/jwks.json",
            "http://localhost:3000/attacker/jwks.json?x=1",
            "http://localhost:3000/attacker/../attacker/jwks.json",
            "http://localhost:3000@evil.example/attacker/jwks.json",
            "http://localhost:3001/attacker/jwks.json",
            "https://localhost:3000/attacker/jwks.json",
            "http://169.254.169.254/latest/meta-data/",
            "file:///etc/passwd",
            "",
        ] {
            assert_eq!(
                site.follow(other, Some("attacker-eddsa-1")).err(),
                Some(Unfollowed::NotTheAttackerSite),
                "{other}"
            );
        }
        assert_eq!(
            site.follow(exact, Some("a-lab-kid")).err(),
            Some(Unfollowed::UnknownKid)
        );
        // The same keys in every process: derived, not generated.
        let again = AttackerSite::new(&[]).unwrap();
        assert_eq!(site.jwks(), again.jwks());
    }
}
