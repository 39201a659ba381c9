//! The lab's cookies, written and read with the `cookie` crate, every attribute set on purpose.
//!
//! The session cookie is an opaque id and nothing else:
//! `__Host-authlab_session=<22-char id>; HttpOnly; SameSite=Lax; Secure; Path=/; Max-Age=<n>`
//!
//! The `__Host-` prefix makes the browser refuse the cookie unless it is `Secure`, has `Path=/` and
//! no `Domain`, so a sibling subdomain or a plain-http page cannot plant or overwrite it. Chromium
//! treats http://127.0.0.1 and http://localhost as secure contexts, so it stores and sends this
//! cookie there (checked by the Playwright suite); other clients may not (see README).

use crate::{
    auth::{
        refresh,
        session::{preview, ActiveSession},
    },
    state::AppState,
    wire::{AccountSwitches, CookieAttribute, CookieReport, Defence, SameSite},
};
use axum::http::{header, HeaderMap, HeaderValue};
use cookie::Cookie;

pub const NAME: &str = crate::wire::SESSION_COOKIE;

/// The access cookie of JWT-in-a-cookie mode: the signed token itself, the same flags as the
/// session cookie (`__Host-`, `HttpOnly`, `Secure`, the account's `SameSite`, `Path=/`), and a
/// `Max-Age` of the token's own lifetime.
pub const ACCESS: &str = "__Host-authlab_access";

/// What `Max-Age` stops, for each cookie.
const SESSION_EXPIRY: &str = "an explicit expiry at the session's absolute timeout: the browser forgets the id when the server would refuse it anyway";
const ACCESS_EXPIRY: &str = "the token's own lifetime (its exp): the browser forgets it when the server would refuse it anyway, and the refresh endpoint sets the next one";

/// The attributes of a credential cookie, each with the threat it stops.
fn attributes(
    max_age_secs: i64,
    same_site: SameSite,
    http_only: bool,
    expiry_why: &str,
) -> Vec<CookieAttribute> {
    let attribute = |name: &str, value: Option<String>, why: &str| CookieAttribute {
        name: name.into(),
        value,
        why: why.into(),
    };
    let same_site_why = match same_site {
        SameSite::Lax => "not sent on cross-site POSTs or subrequests, only on top-level GET navigations: blunts CSRF",
        SameSite::Strict => "never sent on a request started by another site, not even a link: strongest CSRF guard, but arriving from a link looks logged out",
        SameSite::None => "sent on cross-site requests too (needs Secure): CSRF defence now rests on the origin check and the token alone",
    };
    let http_only = if http_only {
        attribute(
            "HttpOnly",
            None,
            "document.cookie cannot see it: an injected script (XSS) cannot read or steal the session id",
        )
    } else {
        attribute(
            "HttpOnly",
            Some("OFF".into()),
            "switched off for this account: document.cookie shows the id, so any script on the page (an XSS) can read it and send it away",
        )
    };
    vec![
        http_only,
        attribute(
            "Secure",
            None,
            "only sent over HTTPS (and to http://127.0.0.1 / localhost): an eavesdropper on the network never sees it",
        ),
        attribute("SameSite", Some(same_site.as_str().into()), same_site_why),
        attribute(
            "Path",
            Some("/".into()),
            "the whole site, and required by __Host-; with no Domain attribute the cookie is host-only, so subdomains never get it",
        ),
        attribute(
            "Max-Age",
            Some(max_age_secs.max(0).to_string()),
            expiry_why,
        ),
    ]
}

/// The session cookie's `Set-Cookie` value. `http_only` is false only for an account that
/// switched that defence off (`Defence::HttpOnly`).
fn render(
    name: &str,
    value: &str,
    max_age_secs: i64,
    same_site: SameSite,
    http_only: bool,
) -> String {
    Cookie::build((name, value))
        .http_only(http_only)
        .secure(true)
        .same_site(match same_site {
            SameSite::Lax => cookie::SameSite::Lax,
            SameSite::Strict => cookie::SameSite::Strict,
            SameSite::None => cookie::SameSite::None,
        })
        .path("/")
        .max_age(cookie::time::Duration::seconds(max_age_secs.max(0)))
        .build()
        .to_string()
}

/// A `Set-Cookie` header that installs the session id, and the report of what it says.
pub fn issue(
    session_id: &str,
    max_age_secs: i64,
    same_site: SameSite,
    http_only: bool,
) -> (HeaderValue, CookieReport) {
    credential(
        NAME,
        session_id,
        max_age_secs,
        same_site,
        http_only,
        SESSION_EXPIRY,
    )
}

/// A `Set-Cookie` header that installs an access token (JWT-in-a-cookie mode), always
/// `HttpOnly`: the point of the mode is that no script can read the token. Its report.
pub fn access(token: &str, max_age_secs: i64, same_site: SameSite) -> (HeaderValue, CookieReport) {
    credential(ACCESS, token, max_age_secs, same_site, true, ACCESS_EXPIRY)
}

/// Drop the access cookie now.
pub fn clear_access(same_site: SameSite) -> HeaderValue {
    HeaderValue::from_str(&render(ACCESS, "", 0, same_site, true)).expect("cookie header is ASCII")
}

/// A credential cookie's `Set-Cookie` and its report.
fn credential(
    name: &str,
    value: &str,
    max_age_secs: i64,
    same_site: SameSite,
    http_only: bool,
    expiry_why: &str,
) -> (HeaderValue, CookieReport) {
    let attributes = attributes(max_age_secs, same_site, http_only, expiry_why);
    let header = render(name, value, max_age_secs, same_site, http_only);
    let preview = preview(value);
    let report = CookieReport {
        name: name.into(),
        header_preview: render(name, &preview, max_age_secs, same_site, http_only),
        value_preview: preview,
        attributes,
        request_bytes: format!("Cookie: {name}={value}").len(),
    };
    let value = HeaderValue::from_str(&header).expect("cookie header is ASCII");
    (value, report)
}

/// The `Set-Cookie` for `session` (lasting until its absolute deadline) and its report, with
/// the flags its account's switches give it: the SameSite it chose (`None` while CSRF defences
/// are weakened), and `HttpOnly` unless it switched that defence off.
pub fn for_session(
    state: &AppState,
    session: &ActiveSession,
    switches: &AccountSwitches,
) -> (axum::http::HeaderValue, CookieReport) {
    issue(
        &session.id,
        state.auth.sessions.cookie_max_age(&session.record),
        switches.cookie_same_site(),
        !switches.defences_off.contains(&Defence::HttpOnly),
    )
}

/// A `Set-Cookie` header that makes the browser drop the cookie now (same name, path and flags,
/// `Max-Age=0`); the server deletes the record separately, which is what actually ends the session.
pub fn clear(same_site: SameSite) -> HeaderValue {
    let header = render(NAME, "", 0, same_site, true);
    HeaderValue::from_str(&header).expect("cookie header is ASCII")
}

/// The refresh cookie: `SameSite=Strict` and scoped to `/api/jwt`, so only the token endpoints
/// ever receive it; `__Secure-` (not `__Host-`, which forbids a path) still makes the browser
/// insist on `Secure`. `max_age` 0 clears it.
pub fn refresh(value: &str, max_age: i64) -> HeaderValue {
    let header = Cookie::build((refresh::COOKIE, value))
        .http_only(true)
        .secure(true)
        .same_site(cookie::SameSite::Strict)
        .path(refresh::PATH)
        .max_age(cookie::time::Duration::seconds(max_age.max(0)))
        .build()
        .to_string();
    HeaderValue::from_str(&header).expect("cookie header is ASCII")
}

/// The device cookie (`auth::device`) that trusts this browser for the names it has signed in as.
/// Each flag on purpose:
/// - `__Host-` prefix, `Secure`, `Path=/`, no `Domain`: no sibling subdomain or plain-http page
///   can plant one, and no network eavesdropper sees it;
/// - `HttpOnly`: an injected script (the XSS card's) cannot read it and carry the owner's
///   exemption to another browser;
/// - `SameSite=Strict`: a request another site starts never carries it, so a forged cross-site
///   login cannot spend the owner's device budget;
/// - `Max-Age`: the trust's lifetime; the signed value carries the same expiry, which is the one
///   the server believes.
pub fn device(value: &str) -> HeaderValue {
    let header = Cookie::build((crate::auth::device::COOKIE, value))
        .http_only(true)
        .secure(true)
        .same_site(cookie::SameSite::Strict)
        .path("/")
        .max_age(cookie::time::Duration::seconds(
            crate::auth::device::LIFETIME_SECS,
        ))
        .build()
        .to_string();
    HeaderValue::from_str(&header).expect("cookie header is ASCII")
}

/// The session id the request carries, if any.
pub fn read(headers: &HeaderMap) -> Option<String> {
    read_cookie(headers, NAME)
}

/// The value of cookie `name` in the request's `Cookie` headers (the last one wins if a client
/// sends several); an empty value counts as absent.
pub fn read_cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .filter(|cookie| cookie.name() == name && !cookie.value().is_empty())
        .map(|cookie| cookie.value().to_string())
        .last()
}

/// The value a response's `Set-Cookie` headers give cookie `name`, if any is non-empty.
pub fn set_by(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .filter_map(|value| Cookie::parse(value).ok())
        .find(|cookie| cookie.name() == name && !cookie.value().is_empty())
        .map(|cookie| cookie.value().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_cookie_has_every_attribute_in_order() {
        let (header, report) = issue("abcdefghijklmnopqrstuv", 1800, SameSite::Lax, true);
        assert_eq!(
            header.to_str().unwrap(),
            "__Host-authlab_session=abcdefghijklmnopqrstuv; HttpOnly; SameSite=Lax; Secure; Path=/; Max-Age=1800"
        );
        assert_eq!(
            report.header_preview,
            "__Host-authlab_session=abcdef…; HttpOnly; SameSite=Lax; Secure; Path=/; Max-Age=1800"
        );
        assert!(!report.header_preview.contains("ghijkl"));
        assert_eq!(
            report.request_bytes,
            "Cookie: __Host-authlab_session=abcdefghijklmnopqrstuv".len()
        );
        assert!(report.attributes.iter().all(|a| !a.why.is_empty()));
    }

    #[test]
    fn clearing_sends_an_empty_value_with_max_age_zero() {
        let header = clear(SameSite::Strict);
        assert_eq!(
            header.to_str().unwrap(),
            "__Host-authlab_session=; HttpOnly; SameSite=Strict; Secure; Path=/; Max-Age=0"
        );
    }

    #[test]
    fn reads_our_cookie_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("theme=dark; __Host-authlab_session=abc; other=1"),
        );
        assert_eq!(read(&headers).as_deref(), Some("abc"));
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("authlab_session=abc"),
        );
        assert_eq!(read(&headers), None);
    }
}
