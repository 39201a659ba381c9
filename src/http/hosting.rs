//! Which host names this server answers for, and what follows from that.
//!
//! - **Host check (DNS rebinding).** A page on `evil.test` can point its own name at 127.0.0.1 and
//!   then talk to the lab "same-origin" from the browser's point of view. The server therefore
//!   answers only the names it was configured for: the loopback names on its own port, plus
//!   `hosting.public_hosts`, plus the forgery lesson's attacker origin. Any other `Host` gets 421.
//! - **Demo accounts** are public only while every name is a loopback name *and* the server
//!   listens on a loopback address. The names decide first: a reverse proxy on 127.0.0.1 serving
//!   a class is not loopback use. The listen address can only take publicity away: on 0.0.0.0 a
//!   neighbour on the network can send `Host: 127.0.0.1:3000` and pass the host check.
//! - **The attacker origin** of the forgery lesson: by default the other loopback name
//!   (`localhost` when you browse `127.0.0.1`, and the reverse); when hosted, a second name set in
//!   `hosting.attacker_origin`, which serves only the attacker's pages; and those pages are then
//!   served only there, never on the lab's own names (a page that posts to the lab as it loads,
//!   served by the lab itself, would be a same-origin gadget).

pub use crate::settings::origin_host;
use crate::wire::paths;
use crate::{settings::Settings, wire::ApiErrorBody};
use axum::{
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    Json,
};

pub struct Hosting {
    port: u16,
    /// `host[:port]`, lowercase, as a `Host` header names it.
    lab_hosts: Vec<String>,
    public: bool,
    /// The configured attacker origin (`https://name[:port]`) and its host, if any.
    attacker: Option<(String, String)>,
}

impl Hosting {
    pub fn new(settings: &Settings) -> Self {
        let port = settings.listen.port();
        let mut lab_hosts: Vec<String> = ["127.0.0.1", "localhost", "[::1]"]
            .iter()
            .map(|name| format!("{name}:{port}"))
            .collect();
        if port == 80 {
            lab_hosts.extend(["127.0.0.1", "localhost", "[::1]"].map(String::from));
        }
        // Public demo accounts need both: only loopback names answered, and a loopback listen
        // address. Listening on 0.0.0.0 lets anyone on the network send `Host: 127.0.0.1`.
        let public =
            settings.hosting.public_hosts.0.is_empty() && settings.listen.ip().is_loopback();
        lab_hosts.extend(settings.hosting.public_hosts.0.iter().cloned());
        let attacker = origin_host(&settings.hosting.attacker_origin).map(|host| {
            (
                settings.hosting.attacker_origin.clone(),
                host.to_ascii_lowercase(),
            )
        });
        Hosting {
            port,
            lab_hosts,
            public,
            attacker,
        }
    }

    /// Whether the demo accounts (and their public passwords) may exist: only on loopback use.
    pub fn demo_accounts_public(&self) -> bool {
        self.public
    }

    /// Is `host` (a `Host` header) one of the lab's own names?
    pub fn is_lab_host(&self, host: &str) -> bool {
        // Compared in place: this runs on every request, and a lowercased copy is an allocation.
        self.lab_hosts
            .iter()
            .any(|lab| lab.eq_ignore_ascii_case(host))
    }

    /// Is `host` the configured attacker site's name?
    pub fn is_attacker_host(&self, host: &str) -> bool {
        self.attacker
            .as_ref()
            .is_some_and(|(_, attacker)| attacker.eq_ignore_ascii_case(host))
    }

    /// Is `origin` (`http(s)://host`) one of the lab's own origins?
    pub fn is_lab_origin(&self, origin: &str) -> bool {
        origin_host(origin).is_some_and(|host| self.is_lab_host(host))
    }

    /// Every origin the attacker's pages may be served under: the configured one, or else both
    /// loopback names on the lab's port (each is the other's "other site").
    pub fn attacker_origins(&self) -> Vec<String> {
        match &self.attacker {
            Some((origin, _)) => vec![origin.clone()],
            None => ["localhost", "127.0.0.1"]
                .iter()
                .map(|name| format!("http://{name}:{}", self.port))
                .collect(),
        }
    }

    /// The "other site" for a learner browsing the lab at `lab_host`: the configured attacker
    /// origin, or else the other loopback name on the lab's port (same scheme as `lab_scheme`).
    pub fn attacker_origin_for(&self, lab_scheme: &str, lab_host: &str) -> Option<String> {
        if let Some((origin, _)) = &self.attacker {
            return Some(origin.clone());
        }
        let name = lab_host.rsplit_once(':').map_or(lab_host, |(name, _)| name);
        let other = match name {
            "127.0.0.1" => "localhost",
            "localhost" => "127.0.0.1",
            _ => return None,
        };
        Some(format!("{lab_scheme}://{other}:{}", self.port))
    }
}

impl Hosting {
    /// The host check: `None` when the request names one of our own hosts (and, on the
    /// attacker's name, asks for one of the attacker's pages); otherwise the 421 it gets, with a
    /// JSON reason.
    pub fn refusal(&self, headers: &HeaderMap, path: &str) -> Option<Response> {
        let host = headers
            .get(header::HOST)
            .and_then(|value| value.to_str().ok())
            .unwrap_or("");
        let attacker_page = path.starts_with(paths::attacker::PREFIX);
        // With a site of its own configured, the attacker's pages exist only there: on the lab's
        // own name, a page that posts to the lab as it loads would be a same-origin gadget.
        let gadget = attacker_page && self.attacker.is_some() && !self.is_attacker_host(host);
        let allowed = !gadget
            && (self.is_lab_host(host)
                || (self.is_attacker_host(host) && (attacker_page || path == "/favicon.svg")));
        if allowed {
            return None;
        }
        let reason = if gadget {
            "the attacker's pages are served only under hosting.attacker_origin, never on the \
             lab's own name"
                .to_string()
        } else if host.is_empty() {
            "the request names no host".to_string()
        } else {
            format!(
                "this server does not answer for the host {} (DNS rebinding guard; add it to \
                 hosting.public_hosts to serve it)",
                crate::logging::echo::quoted(host)
            )
        };
        Some(
            (
                StatusCode::MISDIRECTED_REQUEST,
                Json(ApiErrorBody {
                    error: "unknown_host".into(),
                    reason,
                    auth: None,
                }),
            )
                .into_response(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosting(public: &str, attacker: &str) -> Hosting {
        let mut settings = Settings::default();
        settings.hosting.public_hosts = public.parse().unwrap();
        settings.hosting.attacker_origin = attacker.into();
        Hosting::new(&settings)
    }

    #[test]
    fn loopback_names_on_our_port_only_by_default() {
        let h = hosting("", "");
        assert!(h.is_lab_host("127.0.0.1:3000"));
        assert!(h.is_lab_host("LOCALHOST:3000"));
        assert!(h.is_lab_host("[::1]:3000"));
        for bad in [
            "evil.test",
            "evil.test:3000",
            "127.0.0.1:3001",
            "127.0.0.1",
            "",
        ] {
            assert!(!h.is_lab_host(bad), "{bad}");
        }
        assert!(h.demo_accounts_public());
        let settings = Settings {
            listen: "0.0.0.0:3000".parse().unwrap(),
            ..Settings::default()
        };
        assert!(
            !Hosting::new(&settings).demo_accounts_public(),
            "reachable from the network: no public passwords"
        );
        assert_eq!(
            h.attacker_origin_for("http", "127.0.0.1:3000").as_deref(),
            Some("http://localhost:3000")
        );
    }

    #[test]
    fn public_hosts_end_public_demo_accounts() {
        let h = hosting("lab.school.test", "https://other.school.test");
        assert!(h.is_lab_host("lab.school.test"));
        assert!(!h.demo_accounts_public());
        assert!(h.is_attacker_host("other.school.test"));
        assert!(!h.is_lab_host("other.school.test"));
        assert!(h.is_lab_origin("https://lab.school.test"));
        assert!(!h.is_lab_origin("https://lab.school.test/x"));
        assert_eq!(
            h.attacker_origin_for("https", "lab.school.test").as_deref(),
            Some("https://other.school.test")
        );
    }
}
