//! The token workbench: take a token apart, edit its header and payload, sign it one of the
//! ways real verifiers were broken with, send it, and read the server's decision trace naming
//! the check that refused it. It also cracks an HS256 token offline against the lab's wordlist.
//!
//! It sits in the playground beside the JWT inspector (with the token the page holds) and on
//! `/workbench` on its own (`pages::workbench`). The token is decoded by the server's own
//! decoder and signed by `POST /api/lab/forge`, which holds attacker-side material only; the
//! sends are real requests from this browser. Nothing is written to browser storage.

pub mod crack;
pub mod fields;
pub mod model;

use self::model::{Sent, Way, WorkbenchModel, TARGETS};
use crate::{
    ui::{browser, trace_view::TraceView, when},
    wire::{CheckStatus, JwtAlg, KeySpelling, Placement, SignWith, WrongClaim, NONE_SPELLINGS},
};
use leptos::prelude::*;
use serde_json::{json, Map, Value};

/// The sentence each way is shown with (`SignWith::explain`).
fn explain(way: Way) -> &'static str {
    let sign = match way {
        Way::Keep => SignWith::Keep {
            signature: String::new(),
        },
        Way::Strip => SignWith::Strip,
        Way::AlgNone => SignWith::AlgNone {
            spelling: String::new(),
        },
        Way::Hmac => SignWith::Hmac {
            secret: String::new(),
        },
        Way::HmacWithPublicKey => SignWith::HmacWithPublicKey {
            jwk: Value::Null,
            spelling: KeySpelling::Pem,
        },
        Way::AttackerKey => SignWith::AttackerKey {
            alg: JwtAlg::EdDSA,
            placement: Placement::Jwk,
        },
        Way::Psychic => SignWith::PsychicSignature,
    };
    sign.explain()
}

#[component]
pub fn Workbench(
    model: WorkbenchModel,
    /// The access token the page holds, where the workbench sits beside the page's own panel.
    #[prop(optional, into)]
    held: Option<Signal<Option<String>>>,
) -> impl IntoView {
    let pasted = RwSignal::new(String::new());
    view! {
        <section class="card workbench" data-testid="workbench">
            <h2>"Token workbench"</h2>
            <p class="muted">
                "Take a token apart, change it, sign it another way and send it: the server's "
                "decision trace names the check that refused it. Nothing here is written to "
                "localStorage or sessionStorage."
            </p>
            <div class="actions">
                {held.map(|held| view! {
                    <button type="button" data-testid="workbench-use-held"
                        disabled=move || held.get().is_none()
                        on:click=move |_| if let Some(token) = held.get_untracked() { model.open(token) }>
                        "Work on the token this page holds"
                    </button>
                })}
            </div>
            {held.map(|held| view! { <WrongClaimPicker model=model held=held/> })}
            <label class="stack">
                "…or paste any text"
                <textarea rows="3" data-testid="workbench-paste" spellcheck="false"
                    prop:value=move || pasted.get()
                    on:input=move |ev| pasted.set(event_target_value(&ev))></textarea>
            </label>
            <button type="button" class="secondary" data-testid="workbench-open"
                on:click=move |_| model.open(pasted.get_untracked())>"Take it apart"</button>
            {move || model.error.get().map(|text| view! {
                <p class="notice error" role="alert" data-testid="workbench-error">{text}</p>
            })}
            <Show when=move || model.report.get().is_some()>
                <Decoded model=model/>
                <Sign model=model/>
                <Send model=model/>
                <Crack model=model/>
            </Show>
            <History model=model/>
        </section>
    }
}

/// A token the server genuinely signs for this account, with one claim wrong.
#[component]
fn WrongClaimPicker(model: WorkbenchModel, held: Signal<Option<String>>) -> impl IntoView {
    let wrong = RwSignal::new(WrongClaim::Expired);
    let label = |w: WrongClaim| match w {
        WrongClaim::Expired => ("expired", "exp half an hour ago"),
        WrongClaim::Audience => ("audience", "aud another service's"),
        WrongClaim::Issuer => ("issuer", "iss another issuer's"),
        WrongClaim::Typ => ("typ", "typ id_token+jwt (an ID token)"),
    };
    view! {
        <div class="actions">
            <select data-testid="workbench-wrong-claim" aria-label="Which claim is wrong"
                on:change=move |ev| {
                    let chosen = event_target_value(&ev);
                    if let Some(w) = WrongClaim::ALL.into_iter().find(|w| label(*w).0 == chosen) {
                        wrong.set(w);
                    }
                }>
                {WrongClaim::ALL.into_iter().map(|w| view! {
                    <option value=label(w).0>{label(w).1}</option>
                }).collect_view()}
            </select>
            <button type="button" class="secondary" data-testid="workbench-get-wrong-claim"
                disabled=move || held.get().is_none()
                on:click=move |_| if let Some(token) = held.get_untracked() {
                    model.open_wrong_claim(token, wrong.get_untracked())
                }>
                "Work on a genuinely signed token with that claim wrong"
            </button>
        </div>
    }
}

/// The token as far as it parses, and where it stops; the header and payload to edit.
#[component]
fn Decoded(model: WorkbenchModel) -> impl IntoView {
    let stopped = move || {
        let report = model.report.get()?;
        let stops: Vec<String> = report
            .checks
            .checks
            .iter()
            .filter(|c| c.status == CheckStatus::Fail && c.name.as_str() == "format")
            .map(|c| c.detail.to_string())
            .collect();
        (!stops.is_empty()).then(|| stops.join("; "))
    };
    view! {
        <div class="workbench-decoded">
            {move || stopped().map(|why| view! {
                <p class="notice" data-testid="workbench-stopped">"Read as far as it parses: " {why}</p>
            })}
            <div class="columns">
                <label class="stack">
                    "Header (JSON)"
                    <textarea rows="6" spellcheck="false" data-testid="workbench-header"
                        prop:value=move || model.header.get()
                        on:input=move |ev| model.header.set(event_target_value(&ev))></textarea>
                    <FieldList text=model.header meaning=fields::header/>
                </label>
                <label class="stack">
                    "Payload (JSON)"
                    <textarea rows="10" spellcheck="false" data-testid="workbench-payload"
                        prop:value=move || model.payload.get()
                        on:input=move |ev| model.payload.set(event_target_value(&ev))></textarea>
                    <FieldList text=model.payload meaning=fields::claim/>
                </label>
            </div>
            <Moments model=model/>
        </div>
    }
}

/// Each field of a JSON object, with its one-line meaning.
#[component]
fn FieldList(text: RwSignal<String>, meaning: fn(&str) -> &'static str) -> impl IntoView {
    view! {
        <ul class="fields" data-testid="workbench-fields">
            {move || {
                let object: Map<String, Value> = serde_json::from_str(&text.get()).unwrap_or_default();
                object.keys().map(|name| view! {
                    <li><code>{name.clone()}</code> " " <span class="muted">{meaning(name)}</span></li>
                }).collect_view()
            }}
        </ul>
    }
}

/// `iat`, `nbf`, `exp` as local date and time, editable, and how far from now.
#[component]
fn Moments(model: WorkbenchModel) -> impl IntoView {
    let now = use_context::<when::Clock>()
        .map(|when::Clock(now)| now)
        .unwrap_or_else(|| RwSignal::new(browser::now_secs()));
    view! {
        <div class="moments" data-testid="workbench-moments">
            {fields::MOMENTS.into_iter().map(|name| view! {
                <Show when=move || model.claim_number(name).is_some()>
                    <label class="check-line" data-testid=format!("workbench-moment-{name}")>
                        <code>{name}</code>
                        <input type="datetime-local" step="1"
                            title=move || format!("Unix time {}", model.claim_number(name).unwrap_or_default())
                            prop:value=move || browser::local_input(model.claim_number(name).unwrap_or_default())
                            on:change=move |ev| {
                                if let Some(unix) = browser::unix_of_local(&event_target_value(&ev)) {
                                    model.set_claim(name, json!(unix));
                                }
                            }/>
                        <span title=move || format!("Unix time {}", model.claim_number(name).unwrap_or_default())>
                            {move || when::relative(model.claim_number(name).unwrap_or_default() - now.get())}
                        </span>
                        <button type="button" class="secondary" data-testid=format!("workbench-{name}-in-5-min")
                            on:click=move |_| model.set_claim(name, json!(browser::now_secs() + 300))>
                            "in 5 min"
                        </button>
                    </label>
                </Show>
            }).collect_view()}
        </div>
    }
}

/// The signing ways, each with its sentence; the forged token.
#[component]
fn Sign(model: WorkbenchModel) -> impl IntoView {
    view! {
        <div class="workbench-sign">
            <h3>"Sign"</h3>
            <label class="stack">
                "How"
                <select data-testid="workbench-way"
                    prop:value=move || model.way.get().as_str()
                    on:change=move |ev| model.way.set(Way::parse(&event_target_value(&ev)))>
                    {Way::ALL.into_iter().map(|way| view! {
                        <option value=way.as_str()>{way.label()}</option>
                    }).collect_view()}
                </select>
            </label>
            <p class="muted" data-testid="workbench-explain">{move || explain(model.way.get())}</p>
            {move || match model.way.get() {
                Way::AlgNone => view! {
                    <label class="stack">"Spelling"
                        <select data-testid="workbench-none-spelling"
                            prop:value=move || model.none_spelling.get()
                            on:change=move |ev| model.none_spelling.set(event_target_value(&ev))>
                            {NONE_SPELLINGS.into_iter().map(|s| view! { <option value=s>{s}</option> }).collect_view()}
                        </select>
                    </label>
                }.into_any(),
                Way::Hmac => view! {
                    <label class="stack">"Secret (empty: the empty key)"
                        <input type="text" data-testid="workbench-secret" spellcheck="false"
                            prop:value=move || model.secret.get()
                            on:input=move |ev| model.secret.set(event_target_value(&ev))/>
                    </label>
                }.into_any(),
                Way::HmacWithPublicKey => view! {
                    <label class="stack">"The public key (read from the JWKS by the header's kid), spelt as"
                        <select data-testid="workbench-key-spelling"
                            on:change=move |ev| model.key_spelling.set(
                                if event_target_value(&ev) == "jwk_json" { KeySpelling::JwkJson } else { KeySpelling::Pem })>
                            <option value="pem">"PEM text (SubjectPublicKeyInfo)"</option>
                            <option value="jwk_json">"JWK JSON"</option>
                        </select>
                    </label>
                }.into_any(),
                Way::AttackerKey => view! {
                    <label class="stack">"Key pair"
                        <select data-testid="workbench-attacker-alg"
                            on:change=move |ev| model.attacker_alg.set(
                                if event_target_value(&ev) == "ES256" { JwtAlg::ES256 } else { JwtAlg::EdDSA })>
                            <option value="EdDSA">"EdDSA"</option>
                            <option value="ES256">"ES256"</option>
                        </select>
                    </label>
                    <label class="stack">"Named by"
                        <select data-testid="workbench-placement"
                            on:change=move |ev| model.placement.set(match event_target_value(&ev).as_str() {
                                "kid" => Placement::Kid,
                                "jku" => Placement::Jku,
                                _ => Placement::Jwk,
                            })>
                            <option value="jwk">"jwk: the public key embedded in the header"</option>
                            <option value="jku">"jku: the attacker site's JWKS URL"</option>
                            <option value="kid">"kid only"</option>
                        </select>
                    </label>
                }.into_any(),
                _ => ().into_any(),
            }}
            <p class="muted">
                "Signing runs on the server (" <code>"POST /api/lab/forge"</code> "), which holds "
                "attacker-side material only: the attacker site's own key pairs, the secret you "
                "type, the public key anyone can read. It never reads the lab's keys and never "
                "compares your secret with one, so it cannot tell you whether a guess was right: "
                "only sending the token can."
            </p>
            <button type="button" data-testid="workbench-sign" on:click=move |_| model.sign()>"Sign"</button>
            {move || model.forged.get().map(|forged| view! {
                <label class="stack">
                    "The forged token"
                    <textarea rows="3" readonly spellcheck="false" data-testid="workbench-forged"
                        prop:value=forged.token.clone()></textarea>
                </label>
            })}
        </div>
    }
}

/// Send the token, and what came back.
#[component]
fn Send(model: WorkbenchModel) -> impl IntoView {
    view! {
        <div class="workbench-send">
            <h3>"Send"</h3>
            <div class="actions">
                <select data-testid="workbench-target" aria-label="Endpoint"
                    on:change=move |ev| {
                        let chosen = event_target_value(&ev);
                        if let Some(path) = TARGETS.into_iter().find(|p| *p == chosen) {
                            model.target.set(path);
                        }
                    }>
                    {TARGETS.into_iter().map(|path| view! { <option value=path>{format!("GET {path}")}</option> }).collect_view()}
                </select>
                <button type="button" data-testid="workbench-send" on:click=move |_| model.send()>
                    {move || if model.forged.get().is_some() { "Send the forged token" } else { "Send the token as it is" }}
                </button>
            </div>
            {move || model.sent.get().map(|sent| view! { <SentView sent=sent/> })}
        </div>
    }
}

#[component]
fn SentView(sent: Sent) -> impl IntoView {
    let refused = sent.refused_by();
    let origin = browser::origin();
    let curl = format!(
        "curl -i -H 'Authorization: Bearer {}' {origin}{}",
        sent.token, sent.path
    );
    view! {
        <div class="workbench-answer" data-testid="workbench-answer">
            <p>
                <code>{format!("GET {}", sent.path)}</code> " answered "
                <strong data-testid="workbench-status">{sent.status}</strong>
                {refused.map(|check| view! {
                    ", refused by " <strong data-testid="workbench-refused">{check}</strong>
                })}
            </p>
            <pre class="curl" data-testid="workbench-curl">{curl}</pre>
            <pre data-testid="workbench-body">{sent.body.clone()}</pre>
            {sent.trace.clone().map(|trace| view! { <TraceView trace=trace/> })}
        </div>
    }
}

/// The offline dictionary attack.
#[component]
fn Crack(model: WorkbenchModel) -> impl IntoView {
    let is_hs256 = move || {
        model
            .report
            .get()
            .and_then(|r| r.header)
            .is_some_and(|h| h["alg"] == "HS256")
    };
    view! {
        <div class="workbench-crack">
            <h3>"Crack (HS256, offline)"</h3>
            <p class="muted">
                "Tries every word of the lab's wordlist (" <a href="/wordlist.txt">"/wordlist.txt"</a>
                ") as the secret of the token worked on, with this browser's WebCrypto. It finds "
                "one only where the account switched \"a strong HS256 secret\" off."
            </p>
            <button type="button" data-testid="workbench-crack" disabled=move || !is_hs256()
                on:click=move |_| model.crack()>"Crack it"</button>
            {move || model.search.get().map(|search| {
                let rate = search.per_second();
                let years = search.years_for_256_bits();
                view! {
                    <p data-testid="workbench-crack-progress" data-done=search.done.to_string()>
                        {format!("{} of {} words tried, {:.0} words per second", search.tried, search.total, rate)}
                        {search.error.clone().map(|e| format!(" ({e})"))}
                    </p>
                    {search.found.clone().map(|word| view! {
                        <p>"The secret is " <strong data-testid="workbench-cracked">{word}</strong> " "
                            <button type="button" data-testid="workbench-use-cracked"
                                on:click=move |_| model.use_cracked()>"Sign with it"</button>
                        </p>
                    })}
                    {(search.done && search.found.is_none() && search.error.is_none()).then(|| view! {
                        <p data-testid="workbench-not-cracked">"No word of the list signed this token."</p>
                    })}
                    {years.map(|years| view! {
                        <p class="muted">{format!(
                            "At this rate, trying every 256-bit secret would take about 10^{years} years."
                        )}</p>
                    })}
                }
            })}
        </div>
    }
}

/// The last sends, each re-openable.
#[component]
fn History(model: WorkbenchModel) -> impl IntoView {
    view! {
        <Show when=move || !model.history.get().is_empty()>
            <h3>"History (this page only)"</h3>
            <ol class="workbench-history" data-testid="workbench-history">
                {move || model.history.get().into_iter().map(|sent| {
                    let token = sent.token.clone();
                    view! {
                        <li>
                            <code>{format!("GET {}", sent.path)}</code> " " <strong>{sent.status}</strong>
                            {sent.refused_by().map(|c| format!(" (refused by {c})"))} " "
                            <button type="button" class="secondary" data-testid="workbench-reopen"
                                on:click=move |_| model.open(token.clone())>"Re-open"</button>
                        </li>
                    }
                }).collect_view()}
            </ol>
        </Show>
    }
}
