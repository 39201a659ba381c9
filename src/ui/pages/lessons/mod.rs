//! Guided lessons: each a page with a few paragraphs, one live experiment against this server, and
//! a "what you just saw" box built from the server's answers. Each lesson's URL (path and query)
//! reproduces its state, so a teacher can link to it. Together they cover the claims in the lab's
//! checklist; `claims.rs` says which lesson shows which claim, how far, and which arrive later.

pub mod attacks_refused;
pub mod choosing_a_model;
pub mod claims;
pub mod cross_site_forgery;
pub mod csrf_and_xss;
pub mod experiment;
pub mod logout_and_revocation;
pub mod quiet_failure;
pub mod reading_and_signing;
pub mod refresh_and_theft;
pub mod scale_experiment;
pub mod scaling_out;
pub mod size_on_the_wire;
pub mod ssr_and_hydration;
pub mod store_outage;
pub mod what_auth_costs;
pub mod where_state_lives;

use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_params_map};

/// A lesson: its URL slug, title, the checklist claims (by number) it demonstrates, and its body.
/// One table: a lesson without a body does not build.
pub struct Lesson {
    pub slug: &'static str,
    pub title: &'static str,
    pub claims: &'static [u8],
    pub body: fn() -> AnyView,
}

pub const LESSONS: [Lesson; 14] = [
    Lesson {
        slug: "where-state-lives",
        title: "Where the state lives",
        claims: &[1, 4, 18],
        body: || where_state_lives::Lesson().into_any(),
    },
    Lesson {
        slug: "logout-and-revocation",
        title: "Logout and revocation",
        claims: &[2, 3, 4],
        body: || logout_and_revocation::Lesson().into_any(),
    },
    Lesson {
        slug: "refresh-tokens",
        title: "Refresh tokens and theft detection",
        claims: &[5],
        body: || refresh_and_theft::Lesson().into_any(),
    },
    Lesson {
        slug: "csrf-and-xss",
        title: "CSRF (the cookie's risk) versus XSS (the storage's risk)",
        claims: &[10, 11, 19],
        body: || csrf_and_xss::Lesson().into_any(),
    },
    Lesson {
        slug: "cross-site-forgery",
        title: "A forged request from another site, live",
        claims: &[10],
        body: || cross_site_forgery::Lesson().into_any(),
    },
    Lesson {
        slug: "size-on-the-wire",
        title: "Size on the wire",
        claims: &[12],
        body: || size_on_the_wire::Lesson().into_any(),
    },
    Lesson {
        slug: "what-auth-costs",
        title: "What authentication costs, measured",
        claims: &[6],
        body: || what_auth_costs::Lesson().into_any(),
    },
    Lesson {
        slug: "reading-and-signing",
        title: "Readable, signed, rotated: what a token is",
        claims: &[13, 15, 17],
        body: || reading_and_signing::Lesson().into_any(),
    },
    Lesson {
        slug: "ssr-and-hydration",
        title: "What the first HTML knows",
        claims: &[21],
        body: || ssr_and_hydration::Lesson().into_any(),
    },
    Lesson {
        slug: "scaling-out",
        title: "Scaling out: which node knows you?",
        claims: &[7],
        body: || scaling_out::Lesson().into_any(),
    },
    Lesson {
        slug: "store-outage",
        title: "The shared store goes down",
        claims: &[8],
        body: || store_outage::Lesson().into_any(),
    },
    Lesson {
        slug: "quiet-failure",
        title: "JWTs fail quietly",
        claims: &[9],
        body: || quiet_failure::Lesson().into_any(),
    },
    Lesson {
        slug: "attacks-refused",
        title: "Forged tokens and guessed passwords, refused",
        claims: &[14, 16, 22],
        body: || attacks_refused::Lesson().into_any(),
    },
    Lesson {
        slug: "choosing-a-model",
        title: "Choosing a model: the hybrid",
        claims: &[20],
        body: || choosing_a_model::Lesson().into_any(),
    },
];

#[component]
pub fn LessonList() -> impl IntoView {
    view! {
        <section class="card">
            <h1>"Lessons"</h1>
            <p>"Each lesson runs a real experiment against this server. Work through them in order, or link to one."</p>
            <ol class="lesson-list" data-testid="lesson-list">
                {LESSONS.iter().map(|lesson| view! {
                    <li>
                        <A href=format!("/lessons/{}", lesson.slug)>{lesson.title}</A>
                        <span class="muted">{format!(" · claims {}", claim_numbers(lesson.claims))}</span>
                    </li>
                }).collect_view()}
            </ol>
            <p data-testid="also-live">
                "Also live: the "<A href="/compare">"compare page"</A>" (replay timeline, logout matrix), "
                "the "<A href="/attacks">"attack lab"</A>" (every attack run against this server), "
                "the "<A href="/">"playground"</A>" and the "<A href="/audit">"audit log"</A>"."
            </p>
            <h2>"The 26 claims, and how far this lab shows each"</h2>
            <p class="muted">{claims::footer_summary()}</p>
            <claims::ClaimTable/>
        </section>
    }
}

fn claim_numbers(claims: &[u8]) -> String {
    claims
        .iter()
        .map(|n| n.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

#[component]
pub fn LessonPage() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.with(|p| p.get("slug")).unwrap_or_default();
    move || {
        let slug = slug();
        let Some(index) = LESSONS.iter().position(|l| l.slug == slug) else {
            // A slug no entry has is a missing page, with the status to say so.
            #[cfg(feature = "ssr")]
            if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
                response.set_status(axum::http::StatusCode::NOT_FOUND);
            }
            return view! {
                <section class="card">
                    <h1>"No such lesson"</h1>
                    <p><A href="/lessons">"All lessons"</A></p>
                </section>
            }
            .into_any();
        };
        let lesson = &LESSONS[index];
        let previous = index.checked_sub(1).map(|i| &LESSONS[i]);
        let next = LESSONS.get(index + 1);
        view! {
            <article class="lesson" data-testid=format!("lesson-{}", lesson.slug)>
                <p class="muted">
                    <A href="/lessons">"Lessons"</A>
                    {format!(" · {} of {} · claims {}", index + 1, LESSONS.len(), claim_numbers(lesson.claims))}
                </p>
                <h1>{lesson.title}</h1>
                {(lesson.body)()}
                <crate::ui::challenges::LessonChallenges slug=lesson.slug/>
                <nav class="lesson-nav">
                    {previous.map(|l| view! { <A href=format!("/lessons/{}", l.slug)>{format!("← {}", l.title)}</A> })}
                    " "
                    {next.map(|l| view! { <A href=format!("/lessons/{}", l.slug)>{format!("{} →", l.title)}</A> })}
                </nav>
            </article>
        }
        .into_any()
    }
}
