//! Lesson: cross-site request forgery, live. An attacker's page on another site (this server under
//! its other loopback name) loads in a frame and its form posts a logout to the lab. The browser
//! decides whether your session cookie goes along (SameSite); the server decides whether to act on
//! it (the origin check, then the CSRF token). `?same_site=Lax|Strict|None` sets your cookie's
//! SameSite for the run. Before the form, the attacker's page offers a link: following it is a
//! top-level GET navigation from another site, which Lax and None send the cookie with and Strict
//! does not; the lab records what arrived (`lab::cross_site_probe`) and the lesson reads it. With
//! `None` the browser sends the cookie on the form post too, and the server still refuses.

use super::experiment::{fresh_account, lesson_params, param, Experiment, Run, Switch};
use crate::wire::paths;
use crate::{
    ui::attack_cards::frame::{answer_in_frame, refused_at, second_site},
    ui::browser,
    ui::client::{self, Credential},
    wire::{AccountSwitchesPatch, ProbeResult, SameSite},
};
use leptos::{prelude::*, task::spawn_local};

/// Read the frame after each load: first the attacker's page (another origin: unreadable), then
/// the lab's answer to the forged post (this origin: readable).
fn on_frame_load(ev: leptos::ev::Event, run: Option<Run>, done: RwSignal<bool>) {
    let Some(run) = run else { return };
    let Some(answer) = answer_in_frame(&ev) else {
        return;
    };
    if done.get_untracked() {
        return;
    }
    done.set(true);
    let check = answer.auth.as_ref().and_then(refused_at);
    match check {
        Some((name, detail)) => run.saw(format!(
            "The forged POST /api/session/logout was answered \"{}\", refused at \"{name}\": {detail}.",
            answer.error
        )),
        None => run.saw(format!("The forged request was answered: {}.", answer.reason)),
    }
    spawn_local(async move {
        let current = client::session_current().await;
        run.step("are you still signed in?", &current);
        let still = matches!(current.result, Ok(Some(_)));
        run.saw(if still {
            "You are still signed in: the forged logout changed nothing.".to_string()
        } else {
            "You were logged out by the forged request.".to_string()
        });
    });
}

/// The sentence for what a cross-site link carried, from the server's record of its arrival.
fn link_sentence(same_site: SameSite, probe: &ProbeResult) -> String {
    let site = probe
        .sec_fetch_site
        .clone()
        .unwrap_or_else(|| "not sent".into());
    let carried = if probe.cookie_sent {
        "carried your session cookie"
    } else {
        "carried no session cookie"
    };
    let why = match (same_site, probe.cookie_sent) {
        (SameSite::Lax, true) => {
            "Lax still sends it on a top-level GET navigation from another site: links work, and \
             a GET must never change anything"
        }
        (SameSite::Strict, false) => {
            "Strict never sends it on a request another site starts, not even a plain link (you \
             would arrive signed out)"
        }
        (SameSite::None, true) => "None sends it on every cross-site request",
        _ => "not what this browser is expected to do with this SameSite value",
    };
    format!(
        "The link on the attacker's page (a top-level navigation, Sec-Fetch-Site: {site}) {carried}: \
         SameSite={} {why}.",
        same_site.as_str()
    )
}

#[component]
pub fn Lesson() -> impl IntoView {
    let params = lesson_params();
    let frame_src: RwSignal<Option<String>> = RwSignal::new(None);
    let link_src: RwSignal<Option<String>> = RwSignal::new(None);
    let link_followed = RwSignal::new(false);
    let poll: StoredValue<Option<IntervalHandle>> = StoredValue::new(None);
    let polling = StoredValue::new(false);
    let current_run: StoredValue<Option<Run>> = StoredValue::new(None);
    let done = RwSignal::new(false);
    let stop_polling = move || {
        if let Some(handle) = poll.get_value() {
            handle.clear();
        }
        poll.set_value(None);
    };
    on_cleanup(stop_polling);
    let start = move |run: Run| {
        let same_site = SameSite::parse(&param(params, "same_site", "Lax")).unwrap_or_default();
        current_run.set_value(Some(run));
        done.set(false);
        frame_src.set(None);
        link_src.set(None);
        link_followed.set(false);
        stop_polling();
        run.go(async move {
            let attacker = second_site().await?;
            let account = fresh_account(&run).await?;
            let state = run.session_login("session login", &account).await?;
            let patch = AccountSwitchesPatch {
                same_site: Some(same_site),
                ..AccountSwitchesPatch::default()
            };
            let set =
                client::put_account_switches(&patch, Credential::Csrf(&state.csrf_token)).await;
            run.step(
                &format!("your cookie: SameSite={}", same_site.as_str()),
                &set,
            );
            run.saw(format!(
                "You are signed in with a SameSite={} cookie. The attacker's page is {attacker}: \
                 another origin and another site.",
                same_site.as_str()
            ));
            let origin = browser::origin();
            // First the link: the learner follows it, the server writes down what arrived in a
            // probe of this learner's own (the server makes its nonce).
            let started = client::probe_start(Credential::Csrf(&state.csrf_token)).await;
            run.step("start a probe of your own", &started);
            let nonce = started.result.map_err(|err| err.to_string())?.run;
            let link = paths::attacker::LINK;
            link_src.set(Some(format!(
                "{attacker}{link}?target={origin}&nonce={nonce}"
            )));
            run.saw("Now follow the link on the attacker's page below.".to_string());
            let form = format!("{attacker}{}?target={origin}", paths::attacker::CSRF);
            let handle = set_interval_with_handle(
                move || {
                    if polling.get_value() || link_followed.get_untracked() {
                        return;
                    }
                    polling.set_value(true);
                    let nonce = nonce.clone();
                    let form = form.clone();
                    spawn_local(async move {
                        let answer = client::probe_result(&nonce).await;
                        polling.set_value(false);
                        let Ok(probe) = answer.result.clone() else {
                            return;
                        };
                        if !probe.arrived || link_followed.get_untracked() {
                            return;
                        }
                        link_followed.set(true);
                        stop_polling();
                        run.step("what the link from another site carried", &answer);
                        run.saw(link_sentence(same_site, &probe));
                        // Then the form: a cross-site POST, which no SameSite but None sends the
                        // cookie with.
                        frame_src.set(Some(form));
                    });
                },
                std::time::Duration::from_millis(700),
            );
            poll.set_value(handle.ok());
            Ok(())
        });
    };
    view! {
        <section class="card prose">
            <p>
                "A browser attaches cookies to requests by destination, not by who started them. So a "
                "page on any site can make your browser send a request, cookies and all, to this one: a "
                "form that submits itself is enough, no script access to the lab needed. If the server "
                "acted on the cookie alone, the attacker could log you out, or worse."
            </p>
            <p>
                "Three defences meet this attack here. SameSite: Strict keeps the cookie off every "
                "request another site starts; Lax keeps it off a cross-site POST but still sends it when "
                "you follow a link from another site (a top-level GET, which must never change "
                "anything); None sends it always. The origin check: the browser says who started the "
                "request (Sec-Fetch-Site, Origin) and the server refuses other sites. The CSRF token: a "
                "secret only the lab's own pages can read, required on every change."
            </p>
            <p>
                "The experiment tries both kinds of cross-site request with your cookie set as chosen "
                "below: first a link you follow, then a form that submits itself. Compare Lax and "
                "Strict on the link, and watch None send the cookie everywhere while the origin check "
                "still holds."
            </p>
            <Switch name="same_site" options=&["Lax", "Strict", "None"] default="Lax"/>
        </section>
        <Experiment label="Sign in, then visit the attacker's page" start=start/>
        {move || link_src.get().map(|src| view! {
            <section class="card">
                <h2>"1. The attacker's link"</h2>
                <p>
                    "Follow the link in the attacker's page (it opens a new tab on the lab, then come "
                    "back here). The lab writes down whether your cookie came along."
                </p>
                <iframe class="attacker-frame" data-testid="attacker-link-frame" src=src
                    title="The attacker's page with a link"></iframe>
                <p data-testid="link-result">
                    {move || if link_followed.get() { "The link was followed." } else { "Waiting for you to follow the link…" }}
                </p>
            </section>
        })}
        {move || frame_src.get().map(|src| view! {
            <section class="card">
                <h2>"2. The attacker's self-submitting form"</h2>
                <p class="muted">{format!("Loaded from {src}")}</p>
                <iframe class="attacker-frame" data-testid="attacker-frame" src=src title="The attacker's page"
                    on:load=move |ev| on_frame_load(ev, current_run.get_value(), done)></iframe>
                <p data-testid="attack-result">
                    {move || if done.get() { "The forged request has been answered." } else { "Waiting for the forged request…" }}
                </p>
            </section>
        })}
    }
}
