//! Cross-site request forgery defence for cookie-authenticated requests. The browser attaches the
//! session cookie to requests *another* site makes it send, so every state-changing request must
//! prove it came from our own pages, twice over:
//!
//! 1. **Same origin.** Browsers say where a request comes from: `Sec-Fetch-Site` (all current
//!    browsers) must be `same-origin`; where that header is missing, `Origin` must equal our own
//!    origin. A request with neither header is not from a browser (curl, a script), and so cannot be
//!    a forged browser request; it still needs the token.
//! 2. **Token.** The per-session random token, returned at login, must come back in `X-CSRF-Token`.
//!    Another site can make the browser send our cookie, but cannot read our pages to learn the token.
//!
//! GET never changes state, so it needs neither.

use crate::{auth::presented::FromWhere, logging::echo::quoted};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use rand::RngCore;
use subtle::ConstantTimeEq;

pub const TOKEN_HEADER: &str = "x-csrf-token";

/// A fresh token: 32 bytes from the OS-seeded CSPRNG, base64url.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Check 1. `Ok` and `Err` both carry the one-line reason for the trace.
pub fn check_same_origin(from: &FromWhere) -> Result<String, String> {
    if let Some(site) = from.sec_fetch_site.as_deref() {
        return if site == "same-origin" {
            Ok("Sec-Fetch-Site: same-origin".into())
        } else {
            Err(format!(
                "Sec-Fetch-Site: {}: the browser says another page started this request",
                quoted(site)
            ))
        };
    }
    match (from.origin.as_deref(), from.host.as_deref()) {
        (Some(origin), Some(host)) => {
            if origin == format!("http://{host}") || origin == format!("https://{host}") {
                Ok(format!(
                    "no Sec-Fetch-Site; Origin {} is this server",
                    quoted(origin)
                ))
            } else {
                Err(format!(
                    "no Sec-Fetch-Site; Origin {} is not this server ({})",
                    quoted(origin),
                    quoted(host)
                ))
            }
        }
        (Some(origin), None) => Err(format!(
            "Origin {} but no Host header to compare it with",
            quoted(origin)
        )),
        (None, _) => Ok(
            "no Sec-Fetch-Site or Origin header: not a browser request, so not a forged one".into(),
        ),
    }
}

/// Check 2: the request's `X-CSRF-Token` equals the session's token.
pub fn check_token(sent: Option<&str>, expected: &str) -> Result<String, String> {
    check_token_of(sent, expected, "this session's token")
}

/// Check 2 against `expected`, which the sentences call `whose`.
pub fn check_token_of(sent: Option<&str>, expected: &str, whose: &str) -> Result<String, String> {
    match sent {
        None => Err(format!(
            "no X-CSRF-Token header: a state-changing request needs {whose}"
        )),
        // Compared in constant time, so response timing does not reveal how much of a guess
        // matched.
        Some(sent) if bool::from(sent.as_bytes().ct_eq(expected.as_bytes())) => {
            Ok(format!("X-CSRF-Token matches {whose}"))
        }
        Some(_) => Err(format!("X-CSRF-Token does not match {whose}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(site: Option<&str>, origin: Option<&str>, host: Option<&str>) -> FromWhere {
        FromWhere {
            sec_fetch_site: site.map(str::to_string),
            origin: origin.map(str::to_string),
            host: host.map(str::to_string),
        }
    }

    #[test]
    fn sec_fetch_site_decides_when_present() {
        assert!(check_same_origin(&from(Some("same-origin"), None, None)).is_ok());
        for other in ["same-site", "cross-site", "none"] {
            assert!(
                check_same_origin(&from(Some(other), None, None)).is_err(),
                "{other}"
            );
        }
        // Sec-Fetch-Site wins over a matching Origin.
        let h = from(
            Some("same-site"),
            Some("http://127.0.0.1:3000"),
            Some("127.0.0.1:3000"),
        );
        assert!(check_same_origin(&h).is_err());
    }

    #[test]
    fn origin_is_compared_with_host_when_sec_fetch_site_is_missing() {
        let ok = from(None, Some("http://127.0.0.1:3000"), Some("127.0.0.1:3000"));
        assert!(check_same_origin(&ok).is_ok());
        let other_port = from(None, Some("http://127.0.0.1:3001"), Some("127.0.0.1:3000"));
        assert!(check_same_origin(&other_port).is_err());
        assert!(check_same_origin(&from(None, None, Some("127.0.0.1:3000"))).is_ok());
    }

    #[test]
    fn token_must_be_present_and_equal() {
        let token = new_token();
        assert_eq!(token.len(), 43);
        assert!(check_token(None, &token).is_err());
        assert!(check_token(Some(&token), &token).is_ok());
        assert!(check_token(Some(&token), &new_token()).is_err());
    }
}
