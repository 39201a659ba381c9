//! The cell in which an extractor leaves how long its judge took, for the measured-cost
//! middleware (`api::auth_cost::measure`) to record once the answer is ready.

use crate::wire::AuthMode;
use axum::http::request::Parts;
use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

/// Filled by the first judge that accepts the request: whose it was, in which mode, and how long
/// the judge took.
#[derive(Clone, Default)]
pub struct JudgeTime(Arc<Mutex<Option<(i64, AuthMode, Duration)>>>);

impl JudgeTime {
    pub fn take(&self) -> Option<(i64, AuthMode, Duration)> {
        self.0.lock().ok().and_then(|mut slot| slot.take())
    }
}

/// Called by the extractors after an accepted judgement that started at `started`. Without the
/// middleware (no cell in the request), nothing is noted.
pub fn note_judge(parts: &Parts, user_id: i64, mode: AuthMode, started: Instant) {
    let judged = started.elapsed();
    if let Some(cell) = parts.extensions.get::<JudgeTime>() {
        if let Ok(mut slot) = cell.0.lock() {
            slot.get_or_insert((user_id, mode, judged));
        }
    }
}
