//! The demo accounts. This is a teaching lab, so their passwords are public on purpose: the server
//! seeds them on first run and the UI prints them next to the forms. Never do this in a real system.

use crate::wire::Role;

/// One seeded account, as the page shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DemoAccount {
    pub username: &'static str,
    pub password: &'static str,
    pub role: Role,
}

pub const DEMO_ACCOUNTS: [DemoAccount; 2] = [
    DemoAccount {
        username: "alice",
        password: "alice-in-the-lab",
        role: Role::Admin,
    },
    DemoAccount {
        username: "bob",
        password: "bob-builds-it",
        role: Role::User,
    },
];
