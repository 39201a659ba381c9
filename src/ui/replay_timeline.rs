//! The replay timeline, drawn as SVG by the app itself: one lane per model, one mark per replay of
//! the old credential (green: the server still said 200; red: refused, the failing check on
//! hover), the moment each side logged out, the JWT's `exp`, and `exp + leeway`: the band between
//! the two is where the token has expired by its own word and the server still accepts it (the
//! leeway forgives clocks that disagree by a few seconds).

use super::compare_model::{CompareModel, Lane, Mark};
use super::figures::{ratio, signed_ratio};
use leptos::prelude::*;

// Integer coordinates in the SVG's own units (1000 across): finer than any screen shows, and
// no float formatter in the WASM (see `figures`).
const WIDTH: i64 = 1000;
const LEFT: i64 = 130;
const RIGHT: i64 = 20;
const HEIGHT: i64 = 150;

fn lane_y(lane: Lane) -> i64 {
    match lane {
        Lane::Session => 45,
        Lane::Jwt => 105,
    }
}

fn x_of(at_ms: i64, horizon_ms: i64) -> i64 {
    let horizon_ms = horizon_ms.max(1);
    LEFT + at_ms.clamp(0, horizon_ms) * (WIDTH - LEFT - RIGHT) / horizon_ms
}

/// Marks one second apart must not overlap, whatever the run's length (a 2-minute token makes
/// ~120 marks per lane): a radius of 1/2.2 of a second's width, between 2.5 and 8 units.
fn mark_radius(horizon_ms: i64) -> String {
    let second_in_tenths = (WIDTH - LEFT - RIGHT) * 10 * 1000 / horizon_ms.max(1000);
    let radius_in_tenths = (second_in_tenths * 10 / 22).clamp(25, 80);
    ratio(radius_in_tenths.unsigned_abs(), 10, 1)
}

fn seconds(ms: i64) -> String {
    format!("{} s", signed_ratio(ms, 1000, 1))
}

#[component]
pub fn ReplayTimeline(lab: CompareModel) -> impl IntoView {
    let horizon = move || lab.horizon_ms();
    let exp_offset = move || lab.exp_and_leeway_ms().map(|(exp, _)| exp);
    let leeway_offset = move || lab.exp_and_leeway_ms().map(|(_, until)| until);
    let mark_view = move |mark: Mark| {
        let h = horizon();
        let (class, verdict) = if mark.status == 200 {
            ("mark granted", "granted".to_string())
        } else {
            (
                "mark refused",
                format!("refused at {}", mark.check.clone().unwrap_or_default()),
            )
        };
        let title = format!(
            "{} replay at {}: {} {} ({})",
            mark.lane.as_str(),
            seconds(mark.at_ms),
            mark.status,
            verdict,
            mark.detail
        );
        view! {
            <circle class=class cx=x_of(mark.at_ms, h) cy=lane_y(mark.lane) r=mark_radius(h)
                data-testid="replay-mark" data-lane=mark.lane.as_str()
                data-status=mark.status.to_string() data-at-ms=mark.at_ms.to_string()
                data-check=mark.check.clone().unwrap_or_default()>
                <title>{title}</title>
            </circle>
        }
    };
    let logout_line = move |lane: Lane| {
        let at = lab.column(lane).logged_out_at.get()?;
        let x = x_of(at, horizon());
        let y = lane_y(lane);
        Some(view! {
            <line class="logout-line" x1=x x2=x y1=y - 20 y2=y + 20/>
            <text class="timeline-note" x=x + 4 y=y - 22>"logout"</text>
        })
    };

    view! {
        <figure class="timeline card">
            <figcaption>
                <strong>"Replay timeline"</strong>
                " · one mark per replay of the credential captured before logout; hover a mark for the check"
            </figcaption>
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" data-testid="timeline"
                aria-label="Replays of the old session cookie and the old JWT over time"
                data-exp-ms=move || exp_offset().map(|ms| ms.to_string()).unwrap_or_default()
                data-accepted-until-ms=move || leeway_offset().map(|ms| ms.to_string()).unwrap_or_default()
                data-horizon-ms=move || horizon().to_string()>
                {[Lane::Session, Lane::Jwt].into_iter().map(|lane| {
                    let y = lane_y(lane);
                    let label = match lane {
                        Lane::Session => "old cookie",
                        Lane::Jwt => "old JWT",
                    };
                    view! {
                        <text class="lane-label" x="8" y=y + 5>{label}</text>
                        <line class="lane" x1=LEFT x2=WIDTH - RIGHT y1=y y2=y/>
                    }
                }).collect_view()}
                {move || lab.exp_and_leeway_ms().filter(|(exp, _)| *exp >= 0).map(|(exp, until)| {
                    let (x, x_until) = (x_of(exp, horizon()), x_of(until, horizon()));
                    let y = lane_y(Lane::Jwt);
                    let leeway = (until - exp) / 1000;
                    view! {
                        <rect class="leeway-band" x=x y=y - 24 width=(x_until - x).max(0) height=48>
                            <title>{format!(
                                "leeway: {leeway} s after exp the server still accepts the token, \
                                 forgiving clocks that disagree"
                            )}</title>
                        </rect>
                        <line class="exp-line" x1=x x2=x y1=y - 24 y2=y + 24/>
                        <text class="timeline-note" x=x + 4 y=y + 38>{format!("exp {}", seconds(exp))}</text>
                        <line class="exp-line leeway-end" x1=x_until x2=x_until y1=y - 24 y2=y + 24/>
                        <text class="timeline-note" x=x_until + 4 y=y - 28>
                            {format!("exp + {leeway} s leeway")}
                        </text>
                    }
                })}
                {move || logout_line(Lane::Session)}
                {move || logout_line(Lane::Jwt)}
                {move || lab.marks.get().into_iter().map(mark_view).collect_view()}
                <text class="timeline-note" x=LEFT y=HEIGHT - 4>"0 s"</text>
                <text class="timeline-note" x=WIDTH - RIGHT - 60 y=HEIGHT - 4>
                    {move || seconds(horizon())}
                </text>
            </svg>
        </figure>
    }
    .into_any()
}
