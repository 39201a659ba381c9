//! One action at a time: a button pressed while its lab is busy does nothing, so a double click
//! never sends a request twice (two refreshes with one refresh token would look like theft).

use leptos::{prelude::*, task::spawn_local};
use std::future::Future;

pub fn run_exclusive(busy: RwSignal<bool>, action: impl Future<Output = ()> + 'static) {
    if busy.get_untracked() {
        return;
    }
    busy.set(true);
    spawn_local(async move {
        action.await;
        busy.set(false);
    });
}
