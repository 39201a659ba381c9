//! The attack lab's CSRF card. Here the browser is the attacker's tool, so the attack runs in the
//! learner's browser, not on the server: a page on another site (the lab under its other loopback
//! name, or `hosting.attacker_origin`) holds a form that posts a logout to the lab and submits
//! itself as it loads. The browser decides whether the session cookie goes along; the server
//! decides whether to act on it.
//!
//! The card signs the browser in as a fresh victim account and lets the attacker's page load
//! twice:
//! 1. with every defence on: refused (the lab's answer lands in the frame, readable here, with
//!    its decision trace), and the victim is still signed in;
//! 2. after the victim's owner switches on the deliberately weakened setting (this account only:
//!    `SameSite=None`, the origin check and the CSRF token off): the forged logout works. A 204
//!    does not navigate the frame, so the card watches the session end, signs back in, and reads
//!    the server's audit entry for the forged request, which names the checks that were off.
//!
//! At the end the setting is switched back on, and the browser stays signed in as the victim.

use super::{super::trace_view::TraceView, learner::Learner, watch::Watch};
use crate::ui::pages::lessons::experiment::{Experiment, Run};
use leptos::prelude::*;

mod model;

use model::{Card, Phase};

#[component]
pub fn CsrfCard(learner: Learner) -> impl IntoView {
    let card = Card::new(learner);
    // The watch runs only in the browser, from the first run until the page goes.
    let watch = Watch::for_this_page();
    let start = move |run: Run| {
        watch.start(move || card.tick());
        card.start(run);
    };
    view! {
        <article class="card attack browser-attack" data-testid="attack-csrf">
            <h3>"Cross-site request forgery (CSRF)"</h3>
            <p>
                "A page on another site makes your browser send a state-changing request to this one, "
                "cookies attached. Real sites fell to it: Netflix (2006: a queue and address changed "
                "by any page), ING Direct and YouTube (found by Zeller and Felten, 2008), and home "
                "routers' admin pages ever since. Here the browser is the attacker's tool, so this "
                "card runs in your browser: the other site is this lab under its other name."
            </p>
            <p class="muted">
                "It signs this browser in as a fresh victim account (you will stay signed in as it), "
                "lets the attacker's page post a logout with every defence on, then switches the "
                "victim account's deliberately weakened setting on (SameSite=None, no origin check, "
                "no CSRF token: this account only, never server-wide) and lets it post again. It "
                "switches the setting back off at the end."
            </p>
            <Experiment label="Run the CSRF attack from another site" start=start/>
            {move || card.frame_src.get().map(|src| view! {
                <p class="muted">{format!("The attacker's page: {src}")}</p>
                <iframe class="attacker-frame" data-testid="csrf-attacker-frame" src=src
                    title="The attacker's page on another site"
                    on:load=move |ev| card.on_frame_load(ev)></iframe>
            })}
            {move || card.refusal.get().map(|(error, trace)| view! {
                <div data-testid="csrf-refused">
                    <h4>"Defences on: the forged request, as the server judged it ("{error}")"</h4>
                    <TraceView trace/>
                </div>
            })}
            {move || card.forged_entry.get().map(|entry| view! {
                <div data-testid="csrf-worked">
                    <h4>"Defences off: the forged request went through"</h4>
                    <p data-testid="csrf-audit-detail">{entry.detail}</p>
                    <p data-testid="attack-missing-csrf">
                        "What would have stopped it: SameSite=Lax or Strict on the cookie, the "
                        "origin check, the CSRF token. Any one of the three is enough."
                    </p>
                </div>
            })}
            <p class="muted" data-testid="csrf-phase">
                {move || match card.phase.get() {
                    Phase::Idle => "",
                    Phase::Defended => "Attacking the defended account…",
                    Phase::Weakened => "Attacking the weakened account…",
                    Phase::ReadingAudit => "Reading the server's audit log…",
                    Phase::Done => "Done.",
                }}
            </p>
        </article>
    }
}
