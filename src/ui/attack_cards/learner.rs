//! Who the attack lab page is signed in as, shared by the page and its browser-run cards.

use leptos::prelude::*;

/// Who the page is signed in as: the header's identity (a cookie session's runs send its CSRF
/// token; a bearer learner's, their token), or a session signed in on the page. The browser-run
/// cards sign the browser in as their own victim and say so here, until they give the learner's
/// own sign-in back.
#[derive(Clone, Copy)]
pub struct Learner {
    pub csrf: RwSignal<Option<String>>,
    pub signed_in_as: RwSignal<Option<String>>,
    /// The signed-in account's CSRF defences are deliberately off: the page says so.
    pub weakened: RwSignal<bool>,
    /// The signed-in account's vulnerable comments page has no CSP: the page says so.
    pub xss_weakened: RwSignal<bool>,
}
