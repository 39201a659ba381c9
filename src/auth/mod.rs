//! The server-side authentication core, one concept per file.

pub mod credentials;
pub mod password;
