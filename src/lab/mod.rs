//! The lab's experiments and what they keep between requests.

pub mod captures;
pub mod probes;
