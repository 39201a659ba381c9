//! The rules every layer shares about HTTP itself, and the site it serves: which hosts are answered
//! (`hosting`, the DNS-rebinding guard), the security headers, and the built site's files and
//! hashed bundle names.

pub mod hosting;
pub mod security_headers;
pub mod site_files;
pub mod static_files;
