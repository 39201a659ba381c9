//! The few browser facilities the UI needs (localStorage, `document.cookie`, the clock, the page's
//! origin), behind plain functions. In the WASM build they call web-sys; in the server build
//! (which renders the same components) they answer as a browser would before any script ran.

#[cfg(feature = "hydrate")]
mod imp {
    use wasm_bindgen::JsCast;

    fn window() -> Option<web_sys::Window> {
        web_sys::window()
    }

    /// Wait `millis` (a `setTimeout` as a future), without holding the page up.
    pub async fn sleep_ms(millis: u32) {
        let promise = js_sys::Promise::new(&mut |resolve, _reject| {
            if let Some(window) = window() {
                let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
                    &resolve,
                    i32::try_from(millis).unwrap_or(i32::MAX),
                );
            }
        });
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    }

    pub fn local_get(key: &str) -> Option<String> {
        window()?.local_storage().ok()??.get_item(key).ok()?
    }

    /// Bytes from the browser's CSPRNG (`crypto.getRandomValues`); `None` if it is unavailable.
    pub fn random_bytes<const N: usize>() -> Option<[u8; N]> {
        let mut bytes = [0u8; N];
        window()?
            .crypto()
            .ok()?
            .get_random_values_with_u8_array(&mut bytes)
            .ok()?;
        Some(bytes)
    }

    pub fn local_set(key: &str, value: &str) {
        if let Some(Ok(Some(storage))) = window().map(|w| w.local_storage()) {
            let _ = storage.set_item(key, value);
        }
    }

    pub fn local_remove(key: &str) {
        if let Some(Ok(Some(storage))) = window().map(|w| w.local_storage()) {
            let _ = storage.remove_item(key);
        }
    }

    pub fn session_get(key: &str) -> Option<String> {
        window()?.session_storage().ok()??.get_item(key).ok()?
    }

    pub fn session_set(key: &str, value: &str) {
        if let Some(Ok(Some(storage))) = window().map(|w| w.session_storage()) {
            let _ = storage.set_item(key, value);
        }
    }

    pub fn session_remove(key: &str) {
        if let Some(Ok(Some(storage))) = window().map(|w| w.session_storage()) {
            let _ = storage.remove_item(key);
        }
    }

    /// What any script on the page sees of the cookies.
    pub fn document_cookie() -> String {
        window()
            .and_then(|w| w.document())
            .and_then(|d| d.dyn_into::<web_sys::HtmlDocument>().ok())
            .and_then(|d| d.cookie().ok())
            .unwrap_or_default()
    }

    pub fn origin() -> String {
        window()
            .and_then(|w| w.location().origin().ok())
            .unwrap_or_default()
    }

    pub fn now_secs() -> i64 {
        (js_sys::Date::now() / 1000.0) as i64
    }

    pub fn now_ms() -> i64 {
        js_sys::Date::now() as i64
    }

    /// Move keyboard focus to the element with this `data-testid` (it needs `tabindex`), once
    /// the page has drawn it: after a login the form that had focus is gone, and focus would
    /// otherwise fall back to the page itself. The element may come from a file still on its way
    /// (a lazily loaded part of the page), so it is looked for once a frame, for up to 5 s.
    pub fn focus_testid(testid: &'static str) {
        focus_testid_within(testid, 300);
    }

    fn focus_testid_within(testid: &'static str, frames: u32) {
        leptos::prelude::request_animation_frame(move || {
            let found = window()
                .and_then(|w| w.document())
                .and_then(|d| {
                    d.query_selector(&format!("[data-testid=\"{testid}\"]"))
                        .ok()
                        .flatten()
                })
                .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok());
            match found {
                Some(el) => {
                    let _ = el.focus();
                }
                None if frames > 1 => focus_testid_within(testid, frames - 1),
                None => {}
            }
        });
    }

    /// `unix` as the browser's local date and time, `2026-12-02 18:30:49`.
    pub fn local_datetime(unix: i64) -> String {
        let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(unix as f64 * 1000.0));
        format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
            d.get_full_year(),
            d.get_month() + 1,
            d.get_date(),
            d.get_hours(),
            d.get_minutes(),
            d.get_seconds()
        )
    }

    /// `unix` as a `datetime-local` input's value, `2026-12-02T18:30:49` (local time).
    pub fn local_input(unix: i64) -> String {
        local_datetime(unix).replacen(' ', "T", 1)
    }

    /// A `datetime-local` input's value (local time) as Unix seconds.
    pub fn unix_of_local(value: &str) -> Option<i64> {
        let ms = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(value)).get_time();
        (!ms.is_nan()).then(|| (ms / 1000.0).floor() as i64)
    }

    /// The value of `name` in the page address's query, if any (`?join=ABCD` → `ABCD`).
    pub fn query_value(name: &str) -> Option<String> {
        let search = window()?.location().search().ok()?;
        search
            .trim_start_matches('?')
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(key, _)| *key == name)
            .and_then(|(_, value)| js_sys::decode_uri_component(value).ok())
            .and_then(|value| value.as_string())
    }

    /// The page address's fragment, without the `#`.
    pub fn location_hash() -> String {
        window()
            .and_then(|w| w.location().hash().ok())
            .map(|hash| hash.trim_start_matches('#').to_string())
            .unwrap_or_default()
    }

    /// Load the page again (every part of it reads who is signed in afresh).
    pub fn reload() {
        if let Some(window) = window() {
            let _ = window.location().reload();
        }
    }

    /// Drop the fragment from the address (and from this history entry), keeping the page.
    pub fn clear_hash() {
        let Some(window) = window() else { return };
        let path = window.location().pathname().unwrap_or_default();
        if let Ok(history) = window.history() {
            let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&path));
        }
    }

    /// `unix` in UTC, `2026-12-02 17:30:49 UTC` (what the server renders, before the browser
    /// knows its own time zone).
    pub fn utc_datetime(unix: i64) -> String {
        let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(unix as f64 * 1000.0));
        format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
            d.get_utc_full_year(),
            d.get_utc_month() + 1,
            d.get_utc_date(),
            d.get_utc_hours(),
            d.get_utc_minutes(),
            d.get_utc_seconds()
        )
    }

    /// The text of the document an iframe shows, if this page may read it (same origin only).
    pub fn iframe_text(ev: &leptos::ev::Event) -> Option<String> {
        let frame = ev.target()?.dyn_into::<web_sys::HtmlIFrameElement>().ok()?;
        frame.content_document()?.body()?.text_content()
    }

    /// Decode one base64url segment of a JWT with the browser's own `atob`: no key, no library.
    pub fn decode_segment(segment: &str) -> Option<String> {
        let mut standard: String = segment
            .chars()
            .map(|c| match c {
                '-' => '+',
                '_' => '/',
                other => other,
            })
            .collect();
        while !standard.len().is_multiple_of(4) {
            standard.push('=');
        }
        let binary = window()?.atob(&standard).ok()?;
        // atob yields one char per byte; JWT JSON here is ASCII.
        Some(binary)
    }

    /// A server-sent-event subscription (gloo-net's `EventSource`); `close`, or dropping it,
    /// ends it.
    pub struct EventFeed {
        source: gloo_net::eventsource::futures::EventSource,
        closed: std::rc::Rc<std::cell::Cell<bool>>,
    }

    impl EventFeed {
        pub fn close(&self) {
            self.closed.set(true);
            // Clones share one browser EventSource: closing this one closes it.
            self.source.clone().close();
        }

        /// Listen to `event` too, on the same stream (one connection for both). On the feed's
        /// own source: a clone of gloo's `EventSource` closes the connection when dropped.
        pub fn also(&mut self, event: &str, on_data: impl Fn(String) + 'static) {
            use futures_util::StreamExt;
            let Ok(mut messages) = self.source.subscribe(event) else {
                return;
            };
            let ended = self.closed.clone();
            leptos::task::spawn_local(async move {
                while let Some(item) = messages.next().await {
                    match item {
                        Ok((_, message)) => {
                            if let Some(text) = message.data().as_string() {
                                on_data(text);
                            }
                        }
                        Err(_) if ended.get() => break,
                        Err(_) => {}
                    }
                }
            });
        }
    }

    /// Listen to `event` on the server-sent-event stream at `url` (cookies are sent with it).
    pub fn subscribe(
        url: &str,
        event: &str,
        on_data: impl Fn(String) + 'static,
    ) -> Option<EventFeed> {
        let source = gloo_net::eventsource::futures::EventSource::new(url).ok()?;
        let mut feed = EventFeed {
            source,
            closed: std::rc::Rc::new(std::cell::Cell::new(false)),
        };
        feed.also(event, on_data);
        Some(feed)
    }
}

#[cfg(not(feature = "hydrate"))]
mod imp {
    /// The server build never runs experiments: nothing to wait for.
    pub async fn sleep_ms(_millis: u32) {}

    pub fn local_get(_key: &str) -> Option<String> {
        None
    }

    /// The server build renders but never runs experiments: no random source there.
    pub fn random_bytes<const N: usize>() -> Option<[u8; N]> {
        None
    }

    pub fn local_set(_key: &str, _value: &str) {}

    pub fn local_remove(_key: &str) {}

    pub fn reload() {}

    pub fn query_value(_name: &str) -> Option<String> {
        None
    }

    pub fn session_get(_key: &str) -> Option<String> {
        None
    }

    pub fn session_set(_key: &str, _value: &str) {}

    pub fn session_remove(_key: &str) {}

    pub fn document_cookie() -> String {
        String::new()
    }

    pub fn origin() -> String {
        String::new()
    }

    pub struct EventFeed;

    impl EventFeed {
        pub fn close(&self) {}

        pub fn also(&mut self, _event: &str, _on_data: impl Fn(String) + 'static) {}
    }

    pub fn subscribe(
        _url: &str,
        _event: &str,
        _on_data: impl Fn(String) + 'static,
    ) -> Option<EventFeed> {
        None
    }

    pub fn now_secs() -> i64 {
        now_ms() / 1000
    }

    pub fn decode_segment(_segment: &str) -> Option<String> {
        None
    }

    pub fn iframe_text(_ev: &leptos::ev::Event) -> Option<String> {
        None
    }

    pub fn now_ms() -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0)
    }

    pub fn focus_testid(_testid: &'static str) {}

    /// The server knows no reader's time zone: UTC until the browser takes over.
    pub fn local_datetime(unix: i64) -> String {
        utc_datetime(unix)
    }

    pub fn local_input(_unix: i64) -> String {
        String::new()
    }

    pub fn unix_of_local(_value: &str) -> Option<i64> {
        None
    }

    pub fn location_hash() -> String {
        String::new()
    }

    pub fn clear_hash() {}

    #[cfg(feature = "ssr")]
    pub fn utc_datetime(unix: i64) -> String {
        match time::OffsetDateTime::from_unix_timestamp(unix) {
            Ok(t) => format!(
                "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute(),
                t.second()
            ),
            Err(_) => format!("Unix time {unix}"),
        }
    }

    #[cfg(not(feature = "ssr"))]
    pub fn utc_datetime(unix: i64) -> String {
        format!("Unix time {unix}")
    }
}

pub use imp::*;
