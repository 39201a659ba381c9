//! Reading the lab's answer out of an attacker's frame. The attacker's page is another origin
//! (its document is unreadable here); when its forged request is refused, the frame navigates to
//! the lab's JSON answer, which is this origin's and readable. Used by the CSRF card and the
//! cross-site forgery lesson alike.

use crate::{
    ui::{browser, client},
    wire::{ApiErrorBody, AuthTrace, CheckId},
};

/// Where the attacker's pages are served for this browser (the other loopback name, or the
/// hosted lab's attacker origin), as the server says; or why there is no second site.
pub async fn second_site() -> Result<String, &'static str> {
    client::forgery_site()
        .await
        .result
        .ok()
        .and_then(|site| site.origin)
        .ok_or(
            "this needs a second site: browse the lab at http://127.0.0.1:<port> or \
             http://localhost:<port>, or (hosted) set hosting.attacker_origin",
        )
}

/// The lab's refusal now shown in the frame `ev` loaded, if that is what it shows.
pub fn answer_in_frame(ev: &leptos::ev::Event) -> Option<ApiErrorBody> {
    let text = browser::iframe_text(ev)?;
    // A browser may wrap a JSON document in its own viewer chrome: read from the first brace.
    let json = match (text.find('{'), text.rfind('}')) {
        (Some(start), Some(end)) if start < end => &text[start..=end],
        _ => return None,
    };
    serde_json::from_str(json).ok()
}

/// The check that refused, by name, with its detail.
pub fn refused_at(trace: &AuthTrace) -> Option<(CheckId, String)> {
    trace
        .failed_check()
        .map(|check| (check.name, check.detail.to_string()))
}
