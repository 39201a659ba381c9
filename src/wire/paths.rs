//! Every path of the lab's HTTP interface, spelled once. The server's routers and every client
//! of them (the browser's `client.rs` and login forms, the in-process agent, the attack, scale and
//! logout-matrix labs) use these names, so a path cannot be renamed on one side only.
//!
//! A fixed path is a constant. A path with a parameter is its route pattern (axum's `{name}`)
//! beside a function that builds it, percent-encoding the parameter.

/// Every API path starts with this; an unknown one gets a JSON 404 (`API_FALLBACK`).
pub const API_PREFIX: &str = "/api/";
pub const API_FALLBACK: &str = "/api/{*rest}";

pub const HEALTH: &str = "/api/health";
pub const REGISTER: &str = "/api/register";
pub const ME: &str = "/api/me";
pub const DEMO_ACCOUNTS: &str = "/api/demo-accounts";
pub const AUTH_COST: &str = "/api/auth-cost";
/// The signed-in account's own switches.
pub const LAB_SETTINGS: &str = "/api/lab-settings";
pub const AUDIT: &str = "/api/audit";
pub const AUDIT_STREAM: &str = "/api/audit/stream";
/// Give the learner's own sign-in back after an experiment signed the browser in as its account.
pub const GIVE_BACK: &str = "/api/give-back";

/// The audit entries after id `after`.
pub fn audit_after(after: i64) -> String {
    format!("{AUDIT}?after={after}")
}

/// Cookie-session mode.
pub mod session {
    use super::encoded;

    pub const LOGIN: &str = "/api/session/login";
    /// The same login, the id delivered in the body for an `Authorization: Bearer` header
    /// instead of a cookie.
    pub const HEADER_LOGIN: &str = "/api/session/header-login";
    pub const LOGOUT: &str = "/api/session/logout";
    pub const CURRENT: &str = "/api/session/current";
    /// The account's live sessions.
    pub const SESSIONS: &str = "/api/session/sessions";
    pub const ONE_SESSION: &str = "/api/session/sessions/{handle}";
    pub const LOGOUT_OTHERS: &str = "/api/session/logout-others";

    /// `ONE_SESSION` for `handle`.
    pub fn one_session(handle: &str) -> String {
        format!("{SESSIONS}/{}", encoded(handle))
    }
}

/// The backend-for-frontend: the browser's session cookie to these routes, the tokens on the
/// server.
pub mod bff {
    pub const LOGIN: &str = "/api/bff/login";
    pub const LOGOUT: &str = "/api/bff/logout";
    pub const CURRENT: &str = "/api/bff/current";
    /// Every call the BFF makes to the API for the page: `/api/bff/api/me` calls `/api/me`.
    pub const PROXY: &str = "/api/bff/api/{*rest}";
    /// What `PROXY`'s paths start with.
    pub const PROXY_PREFIX: &str = "/api/bff/api/";

    /// The BFF's path for the API's `api_path` (`/api/me` → `/api/bff/api/me`).
    pub fn via(api_path: &str) -> String {
        format!(
            "{PROXY_PREFIX}{}",
            api_path.strip_prefix(super::API_PREFIX).unwrap_or(api_path)
        )
    }
}

/// Bearer-JWT mode.
pub mod jwt {
    use super::encoded;

    /// What every JWT endpoint's path starts with: the refresh cookie's `Path`.
    pub const PREFIX: &str = "/api/jwt";
    pub const LOGIN: &str = "/api/jwt/login";
    /// The same login, the token set in the HttpOnly access cookie instead of the body.
    pub const COOKIE_LOGIN: &str = "/api/jwt/cookie-login";
    /// A cookie login's state after a reload (its CSRF token), judged by the access cookie.
    pub const COOKIE_CURRENT: &str = "/api/jwt/cookie-current";
    pub const REFRESH: &str = "/api/jwt/refresh";
    pub const LOGOUT: &str = "/api/jwt/logout";
    pub const LOGOUT_EVERYWHERE: &str = "/api/jwt/logout-everywhere";
    pub const KEYS: &str = "/api/jwt/keys";
    pub const KEYS_ROTATE: &str = "/api/jwt/keys/rotate";
    pub const KEYS_RETIRE: &str = "/api/jwt/keys/retire";
    pub const DECODE: &str = "/api/jwt/decode";
    pub const INTROSPECT: &str = "/api/jwt/introspect";
    /// The replay experiment keeps a copy of the refresh cookie (`lab::replay`).
    pub const CAPTURE_REFRESH: &str = "/api/jwt/capture-refresh";
    /// The published public keys (RFC 7517), for anyone to verify tokens with.
    pub const JWKS: &str = "/.well-known/jwks.json";

    /// `JWKS` with only the key `kid`.
    pub fn jwks_key(kid: &str) -> String {
        format!("{JWKS}?kid={}", encoded(kid))
    }
}

/// The challenges and each learner's own progress.
pub mod challenges {
    use super::encoded;

    /// Every challenge, with tier and claim.
    pub const LIST: &str = "/api/challenges";
    /// The next hint of one challenge (counted).
    pub const HINT: &str = "/api/challenges/{id}/hint";
    /// An answer, checked against the server's records.
    pub const ANSWER: &str = "/api/challenges/{id}/answer";
    /// Refused, always: only the server's own decisions solve a challenge.
    pub const SOLVED: &str = "/api/challenges/{id}/solved";
    /// The signed-in learner's progress.
    pub const PROGRESS: &str = "/api/progress";
    /// The same, as a file to keep.
    pub const EXPORT: &str = "/api/progress/export";
    /// Forget every event and solve so far.
    pub const RESET: &str = "/api/progress/reset";
    /// Answers once a challenge is solved after `after` (Unix ms), or after a while with none:
    /// the channel a bearer-only page, which cannot open an event stream with a header, waits on.
    pub const WAIT: &str = "/api/progress/wait";

    pub fn hint(id: &str) -> String {
        HINT.replace("{id}", &encoded(id))
    }

    pub fn answer(id: &str) -> String {
        ANSWER.replace("{id}", &encoded(id))
    }

    pub fn solved(id: &str) -> String {
        SOLVED.replace("{id}", &encoded(id))
    }

    pub fn wait(after_ms: i64) -> String {
        format!("{WAIT}?after={after_ms}")
    }
}

/// Classes: a teacher's, and the learner's own.
pub mod classes {
    use super::encoded;

    /// `GET`: the teacher's classes (an administrator's: all); `POST`: open one.
    pub const LIST: &str = "/api/classes";
    /// `POST {code}`: join a class.
    pub const JOIN: &str = "/api/classes/join";
    /// `GET`: the signed-in learner's class; `DELETE`: leave it.
    pub const MINE: &str = "/api/account/class";
    /// `GET`, optionally `?wait=<version>`: learners × challenges.
    pub const GRID: &str = "/api/classes/{id}/grid";
    pub const EXPORT: &str = "/api/classes/{id}/export.csv";
    /// `GET`: one learner's trail within the class.
    pub const LEARNER: &str = "/api/classes/{id}/learners/{username}";
    pub const RESET_LEARNER: &str = "/api/classes/{id}/learners/{username}/reset";
    pub const RESET: &str = "/api/classes/{id}/reset";
    pub const CLOSE: &str = "/api/classes/{id}/close";

    fn of(pattern: &str, id: i64) -> String {
        pattern.replace("{id}", &id.to_string())
    }

    pub fn grid(id: i64) -> String {
        of(GRID, id)
    }

    pub fn grid_after(id: i64, version: &str) -> String {
        format!("{}?wait={}", of(GRID, id), encoded(version))
    }

    pub fn export(id: i64) -> String {
        of(EXPORT, id)
    }

    pub fn learner(id: i64, username: &str) -> String {
        of(LEARNER, id).replace("{username}", &encoded(username))
    }

    pub fn reset_learner(id: i64, username: &str) -> String {
        of(RESET_LEARNER, id).replace("{username}", &encoded(username))
    }

    pub fn reset(id: i64) -> String {
        of(RESET, id)
    }

    pub fn close(id: i64) -> String {
        of(CLOSE, id)
    }

    /// The join link's path: the account page, which says what joining shares and asks first.
    pub fn join_link(code: &str) -> String {
        format!("/account?join={}", encoded(code))
    }
}

/// The signed-in account, and administration.
pub mod account {
    use super::encoded;

    pub const LOGOUT_EVERYWHERE: &str = "/api/account/logout-everywhere";
    pub const PASSWORD: &str = "/api/account/password";
    pub const ADMIN_ACCOUNTS: &str = "/api/admin/accounts";
    pub const ADMIN_ACCOUNT: &str = "/api/admin/accounts/{username}";

    /// `ADMIN_ACCOUNT` for `username`.
    pub fn admin_account(username: &str) -> String {
        format!("{ADMIN_ACCOUNTS}/{}", encoded(username))
    }
}

/// The experiments.
pub mod lab {
    use super::encoded;

    pub const COST_BENCHMARK: &str = "/api/lab/cost-benchmark";
    pub const CROSS_SITE_PROBE: &str = "/api/lab/cross-site-probe";
    pub const CROSS_SITE_PROBE_START: &str = "/api/lab/cross-site-probe/start";
    pub const CROSS_SITE_PROBE_RESULT: &str = "/api/lab/cross-site-probe/result";
    pub const FORGERY_SITE: &str = "/api/lab/forgery-site";
    pub const JWKS_VERIFY: &str = "/api/lab/jwks-verify";
    pub const LOGOUT_MATRIX: &str = "/api/lab/logout-matrix";
    pub const REPLAY: &str = "/api/replay";
    pub const REPLAY_CAPTURE: &str = "/api/replay/capture";
    /// Keep a copy of the access cookie (JWT-in-a-cookie mode), judged by it.
    pub const REPLAY_CAPTURE_ACCESS: &str = "/api/replay/capture-access";
    /// Keep a copy of a BFF login's session cookie.
    pub const REPLAY_CAPTURE_BFF: &str = "/api/replay/capture-bff";
    /// The injected script's loot replayed from another client, with no cookie and no key.
    pub const STEAL_REPLAY: &str = "/api/lab/steal-replay";
    pub const REQUEST_SIZE: &str = "/api/lab/request-size";
    pub const ROLE_CLAIM: &str = "/api/lab/role-claim";
    pub const WRONG_CLAIM_TOKEN: &str = "/api/lab/wrong-claim-token";
    /// The workbench's signer: attacker-side material only.
    pub const FORGE: &str = "/api/lab/forge";
    pub const XSS_START: &str = "/api/lab/xss/start";
    pub const XSS_CSP_REPORT: &str = "/api/lab/xss/csp-report";
    pub const XSS_RESULT: &str = "/api/lab/xss/result";
    pub const ATTACKS: &str = "/api/lab/attacks";
    pub const ATTACK: &str = "/api/lab/attacks/{attack}";
    pub const SCALE: &str = "/api/lab/scale";
    pub const SCALE_TICKET: &str = "/api/lab/scale/{ticket}";

    /// What the probe page reported for `nonce`.
    pub fn cross_site_probe_result(nonce: &str) -> String {
        format!("{CROSS_SITE_PROBE_RESULT}?nonce={}", encoded(nonce))
    }

    /// What the XSS run `run` found.
    pub fn xss_result(run: &str) -> String {
        format!("{XSS_RESULT}?run={}", encoded(run))
    }

    /// `ATTACK` for the card `attack`.
    pub fn attack(attack: &str) -> String {
        format!("{ATTACKS}/{}", encoded(attack))
    }

    /// `SCALE_TICKET` for `ticket`.
    pub fn scale_ticket(ticket: &str) -> String {
        format!("{SCALE}/{}", encoded(ticket))
    }
}

/// The pages that play another site, or a vulnerable one.
pub mod attacker {
    use super::encoded;

    /// Every attacker page's path starts with this (served only under the attacker origin, once
    /// one is configured).
    pub const PREFIX: &str = "/attacker/";
    pub const CSRF: &str = "/attacker/csrf";
    pub const LINK: &str = "/attacker/link";
    pub const XSS_DROP: &str = "/attacker/xss-drop";
    /// The attacker site's JWKS: its own public keys, which a forged token's `jku` names.
    pub const JWKS: &str = "/attacker/jwks.json";
    /// The deliberately vulnerable comments page (on the lab's own origin).
    pub const XSS_VICTIM: &str = "/attacks/xss-victim";

    /// `XSS_VICTIM` for the run `run`.
    pub fn xss_victim(run: &str) -> String {
        format!("{XSS_VICTIM}?run={}", encoded(run))
    }
}

/// Percent-encode a path segment or query value (everything but RFC 3986's unreserved
/// characters).
pub fn encoded(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(encoded("kid known"), "kid%20known");
        assert_eq!(encoded("lab:matrix-1&x=é"), "lab%3Amatrix-1%26x%3D%C3%A9");
        assert_eq!(encoded("bob_1.x~"), "bob_1.x~");
    }

    #[test]
    fn each_builder_fills_its_pattern() {
        let filled = [
            (
                session::ONE_SESSION,
                session::one_session("h1"),
                "{handle}",
                "h1",
            ),
            (
                account::ADMIN_ACCOUNT,
                account::admin_account("bob"),
                "{username}",
                "bob",
            ),
            (lab::ATTACK, lab::attack("alg-none"), "{attack}", "alg-none"),
            (lab::SCALE_TICKET, lab::scale_ticket("t7"), "{ticket}", "t7"),
        ];
        for (pattern, built, name, value) in filled {
            assert_eq!(built, pattern.replace(name, value));
        }
        assert_eq!(
            account::admin_account("lab:m 1"),
            "/api/admin/accounts/lab%3Am%201"
        );
        assert_eq!(jwt::jwks_key("k1"), "/.well-known/jwks.json?kid=k1");
    }
}
