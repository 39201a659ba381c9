//! Page components, one concept per file.

pub mod demo_accounts;
pub mod home;
pub mod register;
