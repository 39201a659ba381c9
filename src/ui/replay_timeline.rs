//! The replay timeline, drawn as SVG by the app itself: one lane per model, one mark per replay of
//! the old credential (green: the server still said 200; red: refused, the failing check on
//! hover), the moment each side logged out, the JWT's `exp`, and `exp + leeway`: the band between
//! the two is where the token has expired by its own word and the server still accepts it (the
//! leeway forgives clocks that disagree by a few seconds).

use super::compare_model::{CompareModel, Lane, Mark};
use leptos::prelude::*;

const WIDTH: f64 = 1000.0;
const LEFT: f64 = 130.0;
const RIGHT: f64 = 20.0;
const HEIGHT: f64 = 150.0;

fn lane_y(lane: Lane) -> f64 {
    match lane {
        Lane::Session => 45.0,
        Lane::Jwt => 105.0,
    }
}

fn x_of(at_ms: i64, horizon_ms: i64) -> f64 {
    let fraction = (at_ms.max(0) as f64 / horizon_ms.max(1) as f64).min(1.0);
    LEFT + fraction * (WIDTH - LEFT - RIGHT)
}

/// Marks one second apart must not overlap, whatever the run's length (a 2-minute token makes
/// ~120 marks per lane).
fn mark_radius(horizon_ms: i64) -> f64 {
    let per_second = (WIDTH - LEFT - RIGHT) / (horizon_ms.max(1000) as f64 / 1000.0);
    (per_second / 2.2).clamp(2.5, 8.0)
}

fn seconds(ms: i64) -> String {
    format!("{:+.1} s", ms as f64 / 1000.0)
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
            <line class="logout-line" x1=x x2=x y1=y - 20.0 y2=y + 20.0/>
            <text class="timeline-note" x=x + 4.0 y=y - 22.0>"logout"</text>
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
                        <text class="lane-label" x="8" y=y + 5.0>{label}</text>
                        <line class="lane" x1=LEFT x2=WIDTH - RIGHT y1=y y2=y/>
                    }
                }).collect_view()}
                {move || lab.exp_and_leeway_ms().filter(|(exp, _)| *exp >= 0).map(|(exp, until)| {
                    let (x, x_until) = (x_of(exp, horizon()), x_of(until, horizon()));
                    let y = lane_y(Lane::Jwt);
                    let leeway = (until - exp) / 1000;
                    view! {
                        <rect class="leeway-band" x=x y=y - 24.0 width=(x_until - x).max(0.0) height=48.0>
                            <title>{format!(
                                "leeway: {leeway} s after exp the server still accepts the token, \
                                 forgiving clocks that disagree"
                            )}</title>
                        </rect>
                        <line class="exp-line" x1=x x2=x y1=y - 24.0 y2=y + 24.0/>
                        <text class="timeline-note" x=x + 4.0 y=y + 38.0>{format!("exp {}", seconds(exp))}</text>
                        <line class="exp-line leeway-end" x1=x_until x2=x_until y1=y - 24.0 y2=y + 24.0/>
                        <text class="timeline-note" x=x_until + 4.0 y=y - 28.0>
                            {format!("exp + {leeway} s leeway")}
                        </text>
                    }
                })}
                {move || logout_line(Lane::Session)}
                {move || logout_line(Lane::Jwt)}
                {move || lab.marks.get().into_iter().map(mark_view).collect_view()}
                <text class="timeline-note" x=LEFT y=HEIGHT - 4.0>"0 s"</text>
                <text class="timeline-note" x=WIDTH - RIGHT - 60.0 y=HEIGHT - 4.0>
                    {move || seconds(horizon())}
                </text>
            </svg>
        </figure>
    }
    .into_any()
}
