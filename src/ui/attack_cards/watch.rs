//! A browser-run card's watch: a tick every 700 ms from its first run until the page goes, which
//! moves the card's model along (has the session ended, has the attacker's loot arrived).

use leptos::prelude::*;

#[derive(Clone, Copy)]
pub struct Watch(StoredValue<Option<IntervalHandle>>);

impl Watch {
    /// Not ticking yet; cleared when the component that made it goes.
    pub fn for_this_page() -> Self {
        let handle: StoredValue<Option<IntervalHandle>> = StoredValue::new(None);
        on_cleanup(move || {
            if let Some(handle) = handle.get_value() {
                handle.clear();
            }
        });
        Watch(handle)
    }

    /// Call `tick` every 700 ms from now on, unless the watch already ticks.
    pub fn start(self, tick: impl Fn() + 'static) {
        if self.0.get_value().is_none() {
            let handle = set_interval_with_handle(tick, std::time::Duration::from_millis(700));
            self.0.set_value(handle.ok());
        }
    }
}
