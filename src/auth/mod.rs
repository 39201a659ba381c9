//! The server-side authentication core, one concept per file.

pub mod cookie_user;
pub mod credentials;
pub mod csrf;
pub mod decision;
pub mod password;
pub mod session;
pub mod session_cookie;
