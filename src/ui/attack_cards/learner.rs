//! Who the attack lab page is signed in as, shared by the page and its browser-run cards.

use leptos::prelude::*;

/// Who the page is signed in as. The learner signs in with a cookie session: it lasts while the
/// page is used (an access token in the lab's test setting expires in seconds), and each run
/// sends its CSRF token. The CSRF card signs the browser in as its own victim and says so here.
#[derive(Clone, Copy)]
pub struct Learner {
    pub csrf: RwSignal<Option<String>>,
    pub signed_in_as: RwSignal<Option<String>>,
    /// The signed-in account's CSRF defences are deliberately off: the page says so.
    pub weakened: RwSignal<bool>,
    /// The signed-in account's vulnerable comments page has no CSP: the page says so.
    pub xss_weakened: RwSignal<bool>,
}
