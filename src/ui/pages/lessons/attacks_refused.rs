//! Lesson: signatures stop tampering (claim 14), the algorithm must be pinned (claim 16), and
//! login must be rate-limited (claim 22). The experiment runs four of the attack lab's attacks on
//! this server as the lesson's own fresh account, and reads the verdicts back.

use super::experiment::{fresh_account, Experiment, Run};
use crate::{
    ui::client::{self, Credential},
    wire::{AttackId, AttackRun, StepPart, Verdict},
};
use leptos::prelude::*;
use leptos_router::components::A;

/// The attack steps of `run` and how many got each status.
fn statuses(run: &AttackRun, status: u16) -> usize {
    run.steps
        .iter()
        .filter(|s| s.part == StepPart::Attack && s.status == status)
        .count()
}

fn checks(run: &AttackRun) -> String {
    let names: Vec<_> = run.refused_by.iter().map(|c| c.as_str()).collect();
    if names.is_empty() {
        "no check named".into()
    } else {
        names.join(", ")
    }
}

fn verdict(run: &AttackRun) -> &'static str {
    match run.verdict {
        Verdict::Refused => "refused",
        Verdict::Worked => "GOT THROUGH",
    }
}

#[component]
pub fn Lesson() -> impl IntoView {
    let start = move |run: Run| {
        run.go(async move {
            let account = fresh_account(&run).await?;
            let token = run
                .bearer_login("bearer login", &account)
                .await?
                .access_token;
            for attack in [
                AttackId::TamperedRole,
                AttackId::AlgNone,
                AttackId::AlgConfusion,
                AttackId::BruteForce,
            ] {
                let answer = client::attack_run(attack, Credential::Bearer(&token)).await;
                run.step(&format!("attack lab: {}", attack.title()), &answer);
                let result = answer.result.map_err(|err| err.to_string())?;
                let sent = result
                    .steps
                    .iter()
                    .filter(|s| s.part == StepPart::Attack)
                    .count();
                run.saw(match attack {
                    AttackId::BruteForce => format!(
                        "{}: of {sent} wrong passwords, {} were checked and answered 401, then \
                         {} met the limit: 429, Retry-After {} s. {}",
                        attack.title(),
                        statuses(&result, 401),
                        statuses(&result, 429),
                        result.steps.iter().find_map(|s| s.retry_after).unwrap_or(0),
                        result.saw.last().cloned().unwrap_or_default()
                    ),
                    _ => format!(
                        "{}: {sent} forged token{} {} by the {} check.",
                        attack.title(),
                        if sent == 1 { "" } else { "s" },
                        verdict(&result),
                        checks(&result)
                    ),
                });
            }
            Ok(())
        });
    };
    view! {
        <section class="card prose">
            <p>
                "A JWT's payload is only base64: anyone can change role to admin. What stops them is "
                "the signature over header and payload, checked with the server's own key before any "
                "claim is believed. The classic breaks were in how the key and algorithm were chosen: "
                "alg none (an unsigned token) and algorithm confusion (HS256 keyed with the published "
                "public key) worked where libraries let the token's header pick the algorithm. Here "
                "each key is pinned to one algorithm."
            </p>
            <p>
                "A password is the other way in. Without a limit, guessing is only a matter of speed; "
                "with one, a burst of wrong passwords meets 429 while the owner still gets in."
            </p>
            <p>
                "Where the newer cards fit: a stripped signature, HS256 with the empty key, the "
                "ECDSA psychic signature (r = s = 0) and a weak HS256 secret cracked offline all "
                "meet the signature check (claim 14: only the key's own signature over exactly "
                "these bytes counts); an ID token offered as an access token meets the typ check, "
                "the token's kind named and pinned as the algorithm is (claim 16)."
            </p>
            <p>
                "Every attack, with the exact requests and the decision traces, is on the "
                <A href="/attacks">"attack lab"</A>" page; each card's forged token opens in the "
                <A href="/workbench">"token workbench"</A>", where you change it, sign it another "
                "way and send it yourself. To watch one succeed, switch exactly its defence off for "
                "your own account in the playground (\"One defence off\")."
            </p>
        </section>
        <Experiment label="Run four attacks against this server" start=start/>
    }
}
