//! `ClientAddr`: the address a request comes from, the key of the per-address rate limits.
//!
//! - Over the network it is the connection's peer address (`ConnectInfo`), never a header a
//!   client can write, unless `hosting.trusted_proxy` says a reverse proxy sits in front: then it
//!   is the rightmost `X-Forwarded-For` entry, the one that proxy appended.
//! - The lab's in-process requests (`loopback::Call`) carry the address of the learner whose
//!   experiment sent them, so an experiment spends its starter's budget, nobody else's.

use crate::state::AppState;
use axum::{
    extract::{ConnectInfo, FromRequestParts},
    http::request::Parts,
};
use std::{
    convert::Infallible,
    net::{IpAddr, Ipv6Addr, SocketAddr},
};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientAddr(pub String);

/// Requests with no connection (the integration tests' `oneshot`) share this key.
const UNKNOWN: &str = "unknown";

impl ClientAddr {
    pub fn of(parts: &Parts, trusted_proxy: bool) -> ClientAddr {
        if let Some(inherited) = parts.extensions.get::<ClientAddr>() {
            return inherited.clone();
        }
        if trusted_proxy {
            let forwarded = parts
                .headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .map(str::trim)
                .rfind(|v| !v.is_empty())
                .and_then(|v| v.parse::<IpAddr>().ok());
            if let Some(ip) = forwarded {
                return ClientAddr::from_ip(ip);
            }
        }
        match parts.extensions.get::<ConnectInfo<SocketAddr>>() {
            Some(ConnectInfo(peer)) => ClientAddr::from_ip(peer.ip()),
            None => ClientAddr(UNKNOWN.into()),
        }
    }

    /// An IPv4 address as it is; an IPv6 one as its /64, the block one subscriber usually holds
    /// whole, so a client cannot dodge its bucket by stepping through its own 2^64 addresses.
    pub fn from_ip(ip: IpAddr) -> ClientAddr {
        match ip {
            IpAddr::V4(v4) => ClientAddr(v4.to_string()),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => ClientAddr(v4.to_string()),
                None => {
                    let prefix = u128::from(v6) & !((1u128 << 64) - 1);
                    ClientAddr(format!("{}/64", Ipv6Addr::from(prefix)))
                }
            },
        }
    }
}

/// The learner an in-process request acts for (`lab::in_process`): the password checks it causes
/// are charged to their account too (`password::Charged`), so an experiment's logins spend its
/// starter's share of the hashing threads. `None` for a request from a client.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Learner(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for Learner {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Infallible> {
        Ok(parts
            .extensions
            .get::<Learner>()
            .cloned()
            .unwrap_or_default())
    }
}

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        Ok(ClientAddr::of(parts, state.settings.hosting.trusted_proxy))
    }
}

#[cfg(test)]
mod tests {
    use super::ClientAddr;

    #[test]
    fn ipv6_clients_are_keyed_by_their_64_block() {
        let a = ClientAddr::from_ip("2001:db8:1:2::1".parse().unwrap());
        let b = ClientAddr::from_ip("2001:db8:1:2:ffff:1:2:3".parse().unwrap());
        let c = ClientAddr::from_ip("2001:db8:1:3::1".parse().unwrap());
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.0, "2001:db8:1:2::/64");
        let mapped = ClientAddr::from_ip("::ffff:192.0.2.7".parse().unwrap());
        assert_eq!(mapped.0, "192.0.2.7");
    }
}
