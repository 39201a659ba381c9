//! The challenges on the page: each one's goal, whether the server has decided it solved, its
//! hints one at a time, an answer box where the server checks an answer, and, for the ones that
//! cannot be done, the server's word on why once the learner has tried. `LessonChallenges` ends a
//! lesson; `ProgressBoard` (the `/progress` page) lists them all.

pub mod model;

use crate::{
    ui::when::When,
    wire::{ChallengeText, Settled, Tier, CHALLENGES},
};
use leptos::prelude::*;
use model::Board;

/// The challenges that end the lesson `slug`.
#[component]
pub fn LessonChallenges(slug: &'static str) -> impl IntoView {
    let board = Board::new();
    board.start();
    let ending: Vec<&'static ChallengeText> = ChallengeText::ending(slug).collect();
    (!ending.is_empty()).then(|| {
        view! {
            <section class="card challenges" data-testid="lesson-challenges">
                <h2>"Challenges"</h2>
                <p class="muted">
                    "Each is decided by the server from the requests it judges: act in the playground, "
                    "the workbench, the compare page, the attack lab or with curl, and it flips here. "
                    "Your progress: " <a href="/progress">"/progress"</a> "."
                </p>
                <BoardMessage board=board/>
                {ending.into_iter().map(|text| view! { <ChallengeCard board=board text=text/> }).collect_view()}
            </section>
        }
    })
}

/// Every challenge by tier, with the learner's progress: the `/progress` page's island.
#[island]
pub fn ProgressBoard() -> impl IntoView {
    if use_context::<crate::ui::when::Clock>().is_none() {
        crate::ui::when::provide_clock();
        crate::ui::hydrated::mark_hydrated();
    }
    let board = Board::new();
    board.start();
    let solved = move || {
        board.progress.with(|p| {
            p.as_ref()
                .map(|p| format!("{} of {} solved", p.solved(), p.challenges.len()))
                .unwrap_or_default()
        })
    };
    let hints = move || {
        board.progress.with(|p| {
            p.as_ref()
                .map(|p| {
                    p.challenges
                        .iter()
                        .map(|c| u32::from(c.hints_used))
                        .sum::<u32>()
                })
                .unwrap_or(0)
        })
    };
    view! {
        <section class="card progress-summary" data-testid="progress-summary">
            <p>
                <strong data-testid="progress-solved">{solved}</strong>
                <span class="muted">{move || format!(" · hints used: {}", hints())}</span>
            </p>
            <div class="button-row">
                <a href="/api/progress/export" download="authlab-progress.json" data-testid="progress-export">
                    "Export my progress (JSON)"
                </a>
                <button type="button" class="secondary" data-testid="progress-reset"
                    disabled=move || board.busy.get() || board.progress.with(Option::is_none)
                    on:click=move |_| board.reset()>
                    "Reset my progress"
                </button>
            </div>
            <BoardMessage board=board/>
        </section>
        {Tier::ALL.into_iter().map(|tier| view! {
            <section class="card challenges" data-testid=format!("tier-{}", tier.as_str())>
                <h2>{tier_title(tier)}</h2>
                {CHALLENGES.iter().filter(move |c| c.tier == tier)
                    .map(|text| view! { <ChallengeCard board=board text=text/> })
                    .collect_view()}
            </section>
        }).collect_view()}
    }
}

fn tier_title(tier: Tier) -> &'static str {
    match tier {
        Tier::Apprentice => "Apprentice",
        Tier::Practitioner => "Practitioner",
        Tier::Expert => "Expert",
    }
}

#[component]
fn BoardMessage(board: Board) -> impl IntoView {
    view! {
        <p class="muted" role="status" data-testid="board-message">{move || board.message.get()}</p>
    }
}

/// One challenge.
#[component]
fn ChallengeCard(board: Board, text: &'static ChallengeText) -> impl IntoView {
    let id = text.id;
    let mine = move || {
        board
            .progress
            .with(|p| p.as_ref().and_then(|p| p.of(id).cloned()))
    };
    let solved_at = move || mine().and_then(|c| c.solved_at_ms);
    let answer = RwSignal::new(String::new());
    let verdict = move || {
        board
            .verdicts
            .with(|v| v.iter().find(|(c, _)| *c == id).map(|(_, v)| v.clone()))
    };
    let flipped = move || board.just_solved.with(|list| list.contains(&id));
    // Hints revealed so far, and how many there are before the worked solution.
    let used = move || mine().map_or(0, |c| c.hints_used);
    let total = move || mine().map_or(0, |c| c.hints);
    // What the learner's class allows: (hints off, worked solutions off).
    let class_rules = move || {
        board.progress.with(|p| {
            p.as_ref()
                .map_or((false, false), |p| (p.hints_off, p.solutions_off))
        })
    };
    view! {
        <article class="challenge" data-testid=format!("challenge-{id}")
            data-solved=move || solved_at().is_some().to_string()
            class:just-solved=flipped>
            <header>
                <span class=format!("tier tier-{}", text.tier.as_str())>{text.tier.as_str()}</span>
                <h3>{text.title}</h3>
                <span class="challenge-state" data-testid=format!("challenge-state-{id}")>
                    {move || match (solved_at(), text.settled) {
                        (Some(at), _) => view! { "solved " <When unix=at / 1000/> }.into_any(),
                        (None, Settled::Impossible) => "cannot be done (try it)".into_any(),
                        (None, _) => "not yet".into_any(),
                    }}
                </span>
            </header>
            <p>{text.goal}</p>
            <p class="muted">
                {format!("Claim {} · ", claims(text.claims))}
                <a href=format!("/lessons/{}", text.lesson)>"the lesson"</a>
                {text.family.map(|f| format!(" · attack family: {f}"))}
            </p>
            {(text.settled == Settled::ByAnswer).then(|| view! {
                <form class="answer-row" on:submit=move |ev: leptos::ev::SubmitEvent| {
                    ev.prevent_default();
                    board.answer(id, answer.get_untracked());
                }>
                    <label>"Your answer "
                        <input type="text" maxlength=crate::wire::ANSWER_MAX_CHARS
                            data-testid=format!("answer-{id}") bind:value=answer/>
                    </label>
                    <button type="submit" disabled=move || board.busy.get()
                        data-testid=format!("answer-submit-{id}")>"Check it"</button>
                </form>
                <p class="muted" role="status" data-testid=format!("verdict-{id}")>
                    {move || verdict().map(|v| format!("{}: {}", if v.correct { "right" } else { "not right" }, v.reason))}
                </p>
            })}
            {(text.settled == Settled::Impossible).then(|| view! {
                <p class="muted" data-testid=format!("tries-{id}")>
                    {move || mine().map(|c| match c.why_impossible {
                        Some(why) => format!("After {} tries: {why}", c.tries),
                        None => format!("Tries the server saw: {}", c.tries),
                    })}
                </p>
            })}
            <ol class="hints" data-testid=format!("hints-{id}")>
                {move || mine().map(|c| c.revealed).unwrap_or_default().into_iter()
                    .map(|hint| view! { <li>{hint}</li> }).collect_view()}
            </ol>
            <button type="button" class="secondary" data-testid=format!("hint-{id}")
                disabled=move || {
                    board.busy.get() || board.progress.with(Option::is_none) || used() > total()
                        || class_rules().0 || (class_rules().1 && used() >= total())
                }
                on:click=move |_| board.hint(id)>
                {move || match class_rules() {
                    (true, _) => "Hints are off in your class".to_string(),
                    (false, true) if used() >= total() => "Worked solutions are off in your class".to_string(),
                    _ if used() >= total() => "Show the worked solution".to_string(),
                    _ => format!("Show a hint ({} of {})", used() + 1, total()),
                }}
            </button>
        </article>
    }
}

fn claims(numbers: &[u8]) -> String {
    numbers
        .iter()
        .map(u8::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
