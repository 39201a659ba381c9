//! Lesson: cross-site request forgery, live. An attacker's page on another site (this server under
//! its other loopback name) loads in a frame and its form posts a logout to the lab. The browser
//! decides whether your session cookie goes along (SameSite); the server decides whether to act on
//! it (the origin check, then the CSRF token). `?same_site=Lax|Strict|None` sets your cookie's
//! SameSite for the run: with `None` the browser does send the cookie, and the server still refuses.

use super::experiment::{fresh_account, lesson_params, param, Experiment, Run, Switch};
use crate::{
    browser,
    client::{self, Credential},
    wire::{ApiErrorBody, LabSettingsPatch, SameSite},
};
use leptos::{prelude::*, task::spawn_local};

/// Read the frame after each load: first the attacker's page (another origin: unreadable), then
/// the lab's answer to the forged post (this origin: readable).
fn on_frame_load(ev: leptos::ev::Event, run: Option<Run>, done: RwSignal<bool>) {
    let Some(run) = run else { return };
    let Some(text) = browser::iframe_text(&ev) else {
        return;
    };
    // A browser may wrap a JSON document in its own viewer chrome: read from the first brace.
    let json = match (text.find('{'), text.rfind('}')) {
        (Some(start), Some(end)) if start < end => &text[start..=end],
        _ => return,
    };
    let Ok(answer) = serde_json::from_str::<ApiErrorBody>(json) else {
        return;
    };
    if done.get_untracked() {
        return;
    }
    done.set(true);
    let check = answer
        .auth
        .as_ref()
        .and_then(|t| t.failed_check())
        .map(|c| (c.name.clone(), c.detail.clone()));
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

#[component]
pub fn Lesson() -> impl IntoView {
    let params = lesson_params();
    let frame_src: RwSignal<Option<String>> = RwSignal::new(None);
    let current_run: StoredValue<Option<Run>> = StoredValue::new(None);
    let done = RwSignal::new(false);
    let start = move |run: Run| {
        let same_site = SameSite::parse(&param(params, "same_site", "Lax")).unwrap_or_default();
        current_run.set_value(Some(run));
        done.set(false);
        frame_src.set(None);
        run.go(async move {
            let site = client::forgery_site().await;
            let attacker = site.result.ok().and_then(|site| site.origin).ok_or(
                "this experiment needs a second site: browse the lab at http://127.0.0.1:<port> or \
                 http://localhost:<port>, or (hosted) set hosting.attacker_origin",
            )?;
            let account = fresh_account(&run).await?;
            let state = run.session_login("session login", &account).await?;
            let patch = LabSettingsPatch {
                same_site: Some(same_site),
                ..LabSettingsPatch::default()
            };
            let set = client::put_lab_settings(&patch, Credential::Csrf(&state.csrf_token)).await;
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
            frame_src.set(Some(format!("{attacker}/attacker/csrf?target={origin}")));
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
                "Three defences meet this attack here. SameSite=Lax or Strict: the browser leaves the "
                "cookie off a cross-site POST. The origin check: the browser says who started the request "
                "(Sec-Fetch-Site, Origin) and the server refuses other sites. The CSRF token: a secret only "
                "the lab's own pages can read, required on every change. Weaken the first with "
                "SameSite=None and watch the second still hold."
            </p>
            <Switch name="same_site" options=&["Lax", "Strict", "None"] default="Lax"/>
        </section>
        <Experiment label="Sign in, then visit the attacker's page" start=start/>
        {move || frame_src.get().map(|src| view! {
            <section class="card">
                <h2>"The attacker's page, in a frame"</h2>
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
