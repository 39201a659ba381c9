//! The attack lab's XSS token-theft card. It runs in the learner's browser, because the theft
//! happens there: a comment planted in a deliberately vulnerable page of the lab
//! (`/attacks/xss-victim`, `lab::xss_victim`) holds a real inline script, which reads what
//! scripts can read and sends it to the attacker, who replays the token from another client.
//!
//! Three runs, each loading the page in a frame with a fresh run id and reading back what reached
//! the attacker (`GET /api/lab/xss/result`):
//! 1. CSP off for this account's page, access token in localStorage: stolen, and it works;
//! 2. CSP off, token kept in memory only (a Rust value in the WASM): the script finds nothing;
//! 3. CSP on (the lab's policy), token back in localStorage: the browser refuses to run the
//!    script, and its CSP report reaches the lab.
//!
//! Every run also shows `document.cookie` as the script saw it: the HttpOnly session cookie is
//! never in it.

use super::{learner::Learner, watch::Watch};
use crate::ui::{
    browser,
    pages::lessons::experiment::{Experiment, Run},
};
use leptos::prelude::*;

mod model;

use model::{stage_name, Card, KEY};

#[component]
pub fn XssCard(learner: Learner) -> impl IntoView {
    let card = Card::new(learner);
    let watch = Watch::for_this_page();
    // The token this card stored is gone with the page.
    on_cleanup(move || browser::local_remove(KEY));
    let start = move |run: Run| {
        watch.start(move || card.tick());
        card.start(run);
    };
    view! {
        <article class="card attack browser-attack" data-testid="attack-xss">
            <h3>"XSS token theft"</h3>
            <p>
                "A script injected into a page runs with the page's rights: it reads localStorage and "
                "sends what it finds anywhere. The Samy worm (MySpace, 2005) and the TweetDeck worm "
                "(2014) spread by a script in a post; stolen tokens are how such a script keeps "
                "access after the page closes. This card runs in your browser, where it happens."
            </p>
            <p class="muted">
                "It signs this browser in as a fresh victim account (a session cookie and a bearer "
                "token), switches the deliberately weakened setting on (CSP off for this account's "
                "comments page only, marked on that page), and loads the page three times: token in "
                "localStorage, token in memory, then with CSP back on. The comment's script is "
                "planted by the lab itself: the page never prints anything a request sends."
            </p>
            <Experiment label="Run the XSS token theft" start=start/>
            {move || card.frame_src.get().map(|src| view! {
                <p class="muted">{format!("The vulnerable page: {src}")}</p>
                <iframe class="attacker-frame" data-testid="xss-victim-frame" src=src
                    title="The deliberately vulnerable comments page"></iframe>
            })}
            <ol class="xss-results" data-testid="xss-results">
                {move || card.results.get().into_iter().map(|(stage, result)| view! {
                    <li data-testid="xss-result" data-stage=stage_name(stage)
                        data-script-ran=result.script_ran.to_string()
                        data-replay-status=result.replay.as_ref().map(|r| r.status.to_string()).unwrap_or_default()
                        data-csp-blocked=result.csp_blocked.clone().unwrap_or_default()>
                        <strong>{stage_name(stage)}</strong>": "
                        {if result.script_ran { "the script ran" } else { "the script did not run" }}
                        {format!("; found {}", result.found.len())}
                        {result.found.iter().map(|f| format!(" ({} = {})", f.place, f.preview)).collect::<String>()}
                        {result.replay.as_ref().map(|r| format!("; replayed from {} → {}", r.client, r.status))}
                        {result.csp_blocked.as_ref().map(|d| format!("; CSP report: {d} refused it"))}
                    </li>
                }).collect_view()}
            </ol>
            <p class="muted" data-testid="xss-stage">{move || card.stage.get().label()}</p>
        </article>
    }
}
