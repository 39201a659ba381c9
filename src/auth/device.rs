//! Device cookies: the owner of an account is never kept out by someone guessing its password
//! (OWASP's "device cookie" answer to lockout).
//!
//! After a right password the browser gets a cookie naming the account, signed by the server:
//! the device is now *trusted* for that name. A login that presents a valid device cookie for the
//! name it tries is judged on that device's own budget and failure streak, and on nothing else;
//! every other attempt for the name (no cookie, a cookie for another name, an expired or forged
//! one) counts against the name's one *untrusted* budget and streak. So a classmate guessing a
//! learner's password from the same school address meets 429, and the learner, on their own
//! browser, still signs in. An address would not do: a whole class shares one.
//!
//! One cookie holds up to `MAX_NAMES` names, newest first, each with the device's id for that
//! name, the account it was issued for (its id and its credential epoch: the not-before mark,
//! which every password change, log out everywhere, role or status change moves) and an expiry:
//! `name!account!epoch!device!expires.mac`, entries joined by `~` before the MAC. An entry whose
//! account is gone (the name deleted, even if registered again) or whose epoch has passed (the
//! password changed since) trusts nothing: whoever once knew an old password keeps no budget of
//! their own against the new one. The MAC is HMAC-SHA256 under a key every server process
//! sharing the accounts database reads from it (`db::maintenance`), so a device trusted by one node
//! is trusted by all.
//!
//! This module is the core's half (what a cookie says, and signing it); `api::cookies` writes the
//! `Set-Cookie` with its flags.

use crate::logging::echo;
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

/// The cookie's name. `__Host-`: the browser takes it only `Secure`, with `Path=/` and no
/// `Domain`, so neither a sibling subdomain nor a plain-http page can plant one.
pub const COOKIE: &str = "__Host-authlab_device";
/// How long a device stays trusted after its last right password.
pub const LIFETIME_SECS: i64 = 30 * 24 * 3600;
/// Names one cookie holds: the accounts a learner uses on this browser (lessons' throwaway
/// accounts are not among them).
const MAX_NAMES: usize = 4;
/// A cookie longer than this is not read at all (it is the client's to send).
const MAX_CHARS: usize = 1024;

type HmacSha256 = Hmac<Sha256>;

/// The key device cookies are signed with. Not `Debug`, never logged.
pub struct DeviceKey([u8; 32]);

/// One trusted name of a device cookie.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Trusted {
    name: String,
    account: Account,
    device: String,
    expires_at: i64,
}

/// The account a device is trusted for: its id and its credential epoch (its not-before mark,
/// 0 when it has none). Ids are never reused, and the epoch moves on every event that ends access.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Account {
    pub id: i64,
    pub epoch: i64,
}

/// What a request's device cookie says, once its signature and expiries are checked: the names
/// this browser is trusted for. A missing, forged or unreadable cookie says nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeviceCookie {
    trusted: Vec<Trusted>,
}

impl DeviceKey {
    pub fn new(bytes: [u8; 32]) -> Self {
        DeviceKey(bytes)
    }

    fn mac(&self) -> HmacSha256 {
        HmacSha256::new_from_slice(&self.0).expect("HMAC takes a key of any length")
    }

    /// Read a cookie value: every entry unexpired at `now`, or nothing when the signature does
    /// not hold (compared in constant time).
    pub fn read(&self, value: &str, now: i64) -> DeviceCookie {
        if value.len() > MAX_CHARS {
            return DeviceCookie::default();
        }
        let Some((payload, mac)) = value.rsplit_once('.') else {
            return DeviceCookie::default();
        };
        let Ok(mac) = URL_SAFE_NO_PAD.decode(mac) else {
            return DeviceCookie::default();
        };
        let mut check = self.mac();
        check.update(payload.as_bytes());
        if check.verify_slice(&mac).is_err() {
            return DeviceCookie::default();
        }
        let trusted = payload
            .split('~')
            .filter_map(|entry| {
                let mut fields = entry.split('!');
                let name = fields.next()?;
                let id: i64 = fields.next()?.parse().ok()?;
                let epoch: i64 = fields.next()?.parse().ok()?;
                let device = fields.next()?;
                let expires_at: i64 = fields.next()?.parse().ok()?;
                (fields.next().is_none() && expires_at > now).then(|| Trusted {
                    name: name.to_string(),
                    account: Account { id, epoch },
                    device: device.to_string(),
                    expires_at,
                })
            })
            .take(MAX_NAMES)
            .collect();
        DeviceCookie { trusted }
    }

    /// The cookie value that says `cookie`, signed.
    pub fn write(&self, cookie: &DeviceCookie) -> String {
        let payload = cookie
            .trusted
            .iter()
            .map(|t| {
                format!(
                    "{}!{}!{}!{}!{}",
                    t.name, t.account.id, t.account.epoch, t.device, t.expires_at
                )
            })
            .collect::<Vec<_>>()
            .join("~");
        let mut mac = self.mac();
        mac.update(payload.as_bytes());
        let mac = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        format!("{payload}.{mac}")
    }
}

impl DeviceCookie {
    /// The account this browser's entry for `name` was issued for, if it has one (whether it
    /// still holds is the caller's to check: `device_for`).
    pub fn account_for(&self, name: &str) -> Option<Account> {
        self.entry(name).map(|t| t.account)
    }

    /// The device id this browser holds for `name`, if it is trusted for it: its entry was issued
    /// for `account` as it is now (the same id, the same epoch).
    pub fn device_for(&self, name: &str, account: Account) -> Option<&str> {
        self.entry(name)
            .filter(|t| t.account == account)
            .map(|t| t.device.as_str())
    }

    /// Some device id of this browser's, for any name: the browser's own identity, whatever
    /// name it tries (`rate_limit::LoginFrom::Untrusted`).
    pub fn any_device(&self) -> Option<&str> {
        self.trusted.first().map(|t| t.device.as_str())
    }

    fn entry(&self, name: &str) -> Option<&Trusted> {
        let name = name.to_lowercase();
        self.trusted.iter().find(|t| t.name == name)
    }

    /// The cookie after a right password for `name` (of `account`) at `now`: the name first,
    /// with the device id it already had (its budget and streak go on) or a new random one,
    /// trusted for another `LIFETIME_SECS`; the oldest name beyond `MAX_NAMES` goes. `None` for a
    /// name a cookie cannot carry (none of the lab's own names is one).
    pub fn trusting(&self, name: &str, account: Account, now: i64) -> Option<DeviceCookie> {
        let name = name.to_lowercase();
        let carriable = |c: char| c.is_ascii_alphanumeric() || "_.-:".contains(c);
        if name.is_empty() || name.len() > 64 || !name.chars().all(carriable) {
            return None;
        }
        let device = self
            .entry(&name)
            .map(|t| t.device.clone())
            .unwrap_or_else(new_device_id);
        let mut trusted = vec![Trusted {
            name: name.clone(),
            account,
            device,
            expires_at: now.saturating_add(LIFETIME_SECS),
        }];
        trusted.extend(self.trusted.iter().filter(|t| t.name != name).cloned());
        trusted.truncate(MAX_NAMES);
        Some(DeviceCookie { trusted })
    }

    /// The names this browser is trusted for, for the inspector (capped for echoing).
    pub fn names(&self) -> Vec<String> {
        self.trusted
            .iter()
            .map(|t| echo::shown(&t.name, 64))
            .collect()
    }
}

/// 128 random bits, base64url: a device id nobody can guess.
fn new_device_id() -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A fresh random signing key (made once, kept in the accounts database).
pub fn new_key_bytes() -> [u8; 32] {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;
    const CAROL: Account = Account { id: 7, epoch: 0 };

    #[test]
    fn a_signed_cookie_reads_back_and_a_touched_one_says_nothing() {
        let key = DeviceKey::new([7; 32]);
        let cookie = DeviceCookie::default()
            .trusting("Carol", CAROL, NOW)
            .unwrap();
        let value = key.write(&cookie);
        let read = key.read(&value, NOW + 10);
        assert_eq!(read, cookie);
        let device = read
            .device_for("carol", CAROL)
            .expect("trusted for carol")
            .to_string();
        assert_eq!(device.len(), 22);
        assert_eq!(read.any_device(), Some(device.as_str()));
        assert_eq!(read.device_for("mallory", CAROL), None);
        // Another name written in, the MAC left as it was: nothing is trusted.
        let forged = value.replacen("carol", "alice", 1);
        assert_eq!(key.read(&forged, NOW), DeviceCookie::default());
        // Another server's key: nothing.
        assert_eq!(
            DeviceKey::new([8; 32]).read(&value, NOW),
            DeviceCookie::default()
        );
        // Past its expiry: nothing.
        assert_eq!(
            key.read(&value, NOW + LIFETIME_SECS + 1),
            DeviceCookie::default()
        );
        for junk in ["", ".", "carol!x!1", "a.b.c", &"x".repeat(5000)] {
            assert_eq!(key.read(junk, NOW), DeviceCookie::default(), "{junk:?}");
        }
    }

    #[test]
    fn a_new_password_or_a_new_account_of_the_name_ends_the_trust() {
        let cookie = DeviceCookie::default()
            .trusting("carol", CAROL, NOW)
            .unwrap();
        let changed = Account {
            id: 7,
            epoch: NOW + 5,
        };
        assert_eq!(
            cookie.device_for("carol", changed),
            None,
            "password changed"
        );
        let again = Account { id: 9, epoch: 0 };
        assert_eq!(
            cookie.device_for("carol", again),
            None,
            "name registered again"
        );
        assert_eq!(cookie.account_for("carol"), Some(CAROL));
        // The next right password trusts the same browser again, for the account as it is now.
        let renewed = cookie.trusting("carol", changed, NOW + 10).unwrap();
        assert_eq!(
            renewed.device_for("carol", changed),
            cookie.device_for("carol", CAROL)
        );
    }

    #[test]
    fn a_device_keeps_its_id_per_name_and_holds_the_newest_names() {
        let account = |id| Account { id, epoch: 0 };
        let mut cookie = DeviceCookie::default()
            .trusting("carol", account(1), NOW)
            .unwrap();
        let carol = cookie.device_for("carol", account(1)).unwrap().to_string();
        for (id, name) in [(2, "dave"), (3, "erin"), (4, "frank")] {
            cookie = cookie.trusting(name, account(id), NOW).unwrap();
        }
        cookie = cookie.trusting("carol", account(1), NOW + 5).unwrap();
        assert_eq!(cookie.device_for("carol", account(1)), Some(carol.as_str()));
        assert_eq!(cookie.names(), ["carol", "frank", "erin", "dave"]);
        cookie = cookie.trusting("gina", account(5), NOW).unwrap();
        assert_eq!(
            cookie.device_for("dave", account(2)),
            None,
            "the oldest name went"
        );
        assert!(cookie.trusting("bad name", account(6), NOW).is_none());
        assert!(cookie.trusting("x!y", account(6), NOW).is_none());
    }
}
