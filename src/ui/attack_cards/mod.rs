//! The attack lab's cards that run in the learner's browser (where the browser is the attacker's
//! tool), each a model (`model.rs`: the run's phases and what moves them) and a view (`mod.rs`),
//! with who the page is signed in as (`learner.rs`), the reading of an attacker's frame
//! (`frame.rs`) and the watch that ticks a run along (`watch.rs`) shared.

pub mod csrf;
pub mod frame;
pub mod learner;
pub mod watch;
pub mod xss;
