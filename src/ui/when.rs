//! A moment, shown as a learner reads time: the local date and time and how far away it is
//! ("in 1 min 40 s", "3 min ago"), with the raw Unix value in the tooltip (and in the decoded
//! JSON, where it belongs). The server renders UTC; the browser switches to its own time zone
//! once it runs, so the first HTML and the hydrated page agree.

use crate::ui::browser;
use leptos::prelude::*;

/// The page's clock, in Unix seconds, ticking once a second in the browser (provided by `App`, or
/// by the playground island on its own page, where no `App` runs in the browser; one per page, so
/// a table of a hundred moments shares one timer).
#[derive(Clone, Copy)]
pub struct Clock(pub RwSignal<i64>);

/// Start the page's clock (call once, in `App`).
pub fn provide_clock() {
    let now = RwSignal::new(browser::now_secs());
    provide_context(Clock(now));
    Effect::new(move |_| {
        let _ = set_interval_with_handle(
            move || now.set(browser::now_secs()),
            std::time::Duration::from_secs(1),
        );
    });
}

/// `delta` seconds from now, in words: "in 1 min 40 s", "3 min ago", "now".
pub fn relative(delta: i64) -> String {
    let span = delta.unsigned_abs();
    if span < 2 {
        return "now".into();
    }
    let words = if span < 60 {
        format!("{span} s")
    } else if span < 3600 {
        match span % 60 {
            0 => format!("{} min", span / 60),
            s => format!("{} min {s} s", span / 60),
        }
    } else if span < 86_400 {
        match span % 3600 / 60 {
            0 => format!("{} h", span / 3600),
            m => format!("{} h {m} min", span / 3600),
        }
    } else {
        format!("{} d", span / 86_400)
    };
    if delta > 0 {
        format!("in {words}")
    } else {
        format!("{words} ago")
    }
}

#[component]
pub fn When(unix: i64) -> impl IntoView {
    let now = use_context::<Clock>()
        .map(|Clock(now)| now)
        .unwrap_or_else(|| RwSignal::new(browser::now_secs()));
    let shown = RwSignal::new(browser::utc_datetime(unix));
    Effect::new(move |_| shown.set(browser::local_datetime(unix)));
    view! {
        <time class="when" title=format!("Unix time {unix}") data-unix=unix.to_string()>
            {move || shown.get()} " (" {move || relative(unix - now.get())} ")"
        </time>
    }
}

#[cfg(test)]
mod tests {
    use super::relative;

    #[test]
    fn moments_read_as_words() {
        assert_eq!(relative(0), "now");
        assert_eq!(relative(100), "in 1 min 40 s");
        assert_eq!(relative(-180), "3 min ago");
        assert_eq!(relative(45), "in 45 s");
        assert_eq!(relative(-7_500), "2 h 5 min ago");
        assert_eq!(relative(3 * 86_400 + 5), "in 3 d");
        assert_eq!(
            relative(i64::MIN),
            format!("{} d ago", i64::MIN.unsigned_abs() / 86_400)
        );
    }
}
