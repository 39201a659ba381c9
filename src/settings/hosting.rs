//! `[hosting]`: who may reach the lab, under which names, and what that means for the demo
//! accounts.

use super::{out_of_range, SettingsError};
use serde::Deserialize;
use std::str::FromStr;

/// Who may reach the lab, under which names, and what that means for the demo accounts.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HostingSettings {
    /// Host names (with port, as in the `Host` header) the lab answers besides the loopback
    /// names on its own port. Empty: loopback use only, and the demo accounts are public.
    pub public_hosts: HostList,
    /// The origin of the forgery lesson's "other site" (`http(s)://name:port`). Empty: the other
    /// loopback name. When hosting, point a second name at this server and put it here.
    pub attacker_origin: String,
    /// Password of the administrator `alice` when the lab is hosted (public_hosts set). Empty:
    /// no administrator exists then. Ignored on loopback, where alice's password is public.
    pub admin_password: String,
    /// Teacher accounts the lab makes (or keeps a teacher) at start: `name=password` pairs,
    /// comma-separated. Each password comes from here only, never a public one, and is checked
    /// by the registration rule. Empty: none (an administrator can still make any account a
    /// teacher).
    pub teachers: TeacherList,
    /// Trust the `X-Forwarded-For` header (the rightmost address) as the client's address. Only
    /// behind a reverse proxy that sets it; otherwise any client could pick its own address.
    pub trusted_proxy: bool,
    /// How often the demo accounts' lab switches and sessions are reset.
    pub demo_reset_secs: u64,
    /// How long an account made by a lesson (`lesson-…`) lives.
    pub lesson_account_ttl_secs: u64,
}

impl Default for HostingSettings {
    fn default() -> Self {
        HostingSettings {
            public_hosts: HostList::default(),
            attacker_origin: String::new(),
            admin_password: String::new(),
            teachers: TeacherList::default(),
            trusted_proxy: false,
            demo_reset_secs: 900,
            lesson_account_ttl_secs: 7200,
        }
    }
}

impl HostingSettings {
    pub(super) fn check(&self) -> Result<(), SettingsError> {
        if self.lesson_account_ttl_secs == 0 {
            return out_of_range(
                "hosting.lesson_account_ttl_secs",
                "must be at least 1 second",
            );
        }
        for (name, password) in &self.teachers.0 {
            let ruled = crate::wire::account_rules::check_username(name)
                .and_then(|()| crate::wire::account_rules::check_password(password));
            if let Err(err) = ruled {
                return Err(SettingsError::Range {
                    name: "hosting.teachers",
                    message: format!("teacher {name:?}: {err}"),
                });
            }
            // A demo account's name is refused at start (`demo::seed_teachers`).
            if crate::wire::account_rules::is_scratch_like(name) {
                return Err(SettingsError::Range {
                    name: "hosting.teachers",
                    message: format!(
                        "teacher {name:?} is named like an experiment's scratch account"
                    ),
                });
            }
        }
        if self.trusted_proxy && self.public_hosts.0.is_empty() {
            // Threat: behind a proxy every connection comes from loopback, and a proxy that
            // passes `Host: 127.0.0.1:<port>` through makes a hosted lab look like loopback use,
            // where alice's admin password is the public one printed on the page.
            return Err(SettingsError::Unsafe(TRUSTED_PROXY_NEEDS_PUBLIC_HOSTS));
        }
        let origin = &self.attacker_origin;
        if !origin.is_empty() && origin_host(origin).is_none() {
            return out_of_range(
                "hosting.attacker_origin",
                "must be http(s)://name[:port], with nothing after it",
            );
        }
        Ok(())
    }
}

/// Why `hosting.trusted_proxy` without `hosting.public_hosts` stops the start.
pub const TRUSTED_PROXY_NEEDS_PUBLIC_HOSTS: &str =
    "hosting.trusted_proxy is on but hosting.public_hosts is empty. Behind a proxy every request \
     arrives from loopback, so a proxy passing Host: 127.0.0.1 would make this hosted lab look \
     like loopback use, where the demo accounts' passwords (alice's, an administrator's, \
     included) are public. Set hosting.public_hosts (AUTHLAB_PUBLIC_HOSTS) to the name the proxy \
     serves, and have the proxy pass that Host header.";

/// Teacher accounts: `name=password` pairs, comma-separated (in TOML, one string). Its `Debug`
/// names the accounts only.
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct TeacherList(pub Vec<(String, crate::wire::Password)>);

impl std::fmt::Debug for TeacherList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|(name, _)| name))
            .finish()
    }
}

impl FromStr for TeacherList {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        text.split(',')
            .filter(|pair| !pair.trim().is_empty())
            .map(|pair| match pair.split_once('=') {
                Some((name, password)) => Ok((
                    name.trim().to_ascii_lowercase(),
                    crate::wire::Password::new(password),
                )),
                // The text itself is not repeated: it may hold a password.
                None => Err("each teacher is name=password".to_string()),
            })
            .collect::<Result<_, _>>()
            .map(TeacherList)
    }
}

impl TryFrom<String> for TeacherList {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        text.parse()
    }
}

/// A comma-separated list of names in one setting, each trimmed and lowercased: host names
/// (`lab.example:443,lab2.example:443`) or account names (`carol,dave`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(from = "Vec<String>")]
pub struct HostList(pub Vec<String>);

/// Account names, as the settings list them.
pub type NameList = HostList;

impl From<Vec<String>> for HostList {
    fn from(hosts: Vec<String>) -> Self {
        HostList(
            hosts
                .into_iter()
                .map(|h| h.trim().to_ascii_lowercase())
                .collect(),
        )
    }
}

impl FromStr for HostList {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        Ok(HostList::from(
            text.split(',')
                .filter(|h| !h.trim().is_empty())
                .map(str::to_string)
                .collect::<Vec<_>>(),
        ))
    }
}

/// `http(s)://host[:port]` → `host[:port]`; `None` for anything else (a path, a query, a
/// user-info part, another scheme).
pub fn origin_host(origin: &str) -> Option<&str> {
    let rest = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))?;
    let valid = !rest.is_empty()
        && rest
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'));
    valid.then_some(rest)
}
