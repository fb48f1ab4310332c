//! Charts drawn on the server as SVG, so pages need no script and print as they show, and
//! the same charts go into the Word report as pictures.
//!
//! Each chart carries a `<title>` and `<desc>` and is labelled by them for screen readers; the
//! same figures are always in a table next to it.

use std::fmt::Write;

use tiendo_domain::targets::{Deadline, Requirement, Target};
use tiendo_evaluation::progress::projection::projection;
use tiendo_evaluation::progress::trajectory::{trajectory, Pace};
use tiendo_evaluation::targets::yearly;

/// A line of points (year as x).
#[derive(Debug, Clone)]
pub struct Line {
    pub label: String,
    pub points: Vec<(f64, f64)>,
    /// A CSS colour.
    pub colour: &'static str,
    pub dashed: bool,
}

/// A horizontal reference (baseline, target).
#[derive(Debug, Clone)]
pub struct Rule {
    pub label: String,
    pub value: f64,
    pub colour: &'static str,
}

const W: f64 = 640.0;
const H: f64 = 280.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 48.0;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// How a chart writes numbers and where its vertical axis may go: the reader's language and the
/// values the unit of measure allows (no −0.2 on a 0–1 index).
#[derive(Debug, Clone, Copy)]
pub struct Axis {
    pub l: tiendo_wording::Lang,
    pub min: Option<f64>,
    pub max: Option<f64>,
}

/// The ids of a chart's title and description, from what it says: a page that shows several
/// charts (the overview's national targets) has each labelled by its own.
fn chart_id(title: &str, desc: &str) -> String {
    // FNV-1a: stable across runs and builds, unlike the standard library's hasher.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in title.bytes().chain([0]).chain(desc.bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("chart-{h:016x}")
}

/// A time-series chart: lines over years with horizontal rules and a legend below. A line of
/// three points or fewer has each point labelled with its value, so one figure reads as one.
pub fn time_series(axis: Axis, title: &str, desc: &str, lines: &[Line], rules: &[Rule]) -> String {
    let xs = lines.iter().flat_map(|l| l.points.iter().map(|p| p.0));
    let ys = lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| p.1))
        .chain(rules.iter().map(|r| r.value));
    let (x0, x1) = bounds(xs);
    let (y0, y1) = bounds(ys);
    let (y0, y1) = pad(y0, y1);
    // Padding never reaches past what the unit of measure allows.
    let y0 = axis.min.map_or(y0, |m| y0.max(m));
    let y1 = axis.max.map_or(y1, |m| y1.min(m));
    let (y0, y1) = if y1 > y0 { (y0, y1) } else { (y0, y0 + 1.0) };
    let (x0, x1) = if x0 == x1 {
        (x0 - 1.0, x1 + 1.0)
    } else {
        (x0, x1)
    };
    let sx = |x: f64| LEFT + (x - x0) / (x1 - x0) * (W - LEFT - RIGHT);
    let sy = |y: f64| TOP + (1.0 - (y - y0) / (y1 - y0)) * (H - TOP - BOTTOM);
    let mut svg = String::new();
    let id = chart_id(title, desc);
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {W} {H}\" role=\"img\" \
         aria-labelledby=\"{id}-title {id}-desc\" class=\"chart\">\
         <title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>\
         <rect x=\"0\" y=\"0\" width=\"{W}\" height=\"{H}\" fill=\"#fff\"/>",
        esc(title),
        esc(desc)
    );
    for i in 0..=4 {
        let v = y0 + (y1 - y0) * f64::from(i) / 4.0;
        let y = sy(v);
        let _ = write!(
            svg,
            "<line x1=\"{LEFT}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#e5e5e5\"/>\
             <text x=\"{}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\" fill=\"#333\">{}</text>",
            W - RIGHT,
            LEFT - 6.0,
            y + 4.0,
            tick(axis.l, v)
        );
    }
    let first = x0.ceil() as i64;
    let last = x1.floor() as i64;
    let step = ((last - first) / 8).max(1);
    let mut year = first;
    while year <= last {
        let x = sx(year as f64);
        let _ = write!(
            svg,
            "<text x=\"{x:.1}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\" fill=\"#333\">{year}</text>",
            H - BOTTOM + 16.0
        );
        year += step;
    }
    for r in rules {
        let y = sy(r.value);
        let _ = write!(
            svg,
            "<line x1=\"{LEFT}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"{}\" stroke-width=\"1.5\" stroke-dasharray=\"2 3\"/>",
            W - RIGHT,
            r.colour
        );
    }
    for l in lines.iter().filter(|l| !l.points.is_empty()) {
        let path: Vec<String> = l
            .points
            .iter()
            .map(|(x, y)| format!("{:.1},{:.1}", sx(*x), sy(*y)))
            .collect();
        let dash = if l.dashed {
            " stroke-dasharray=\"6 4\""
        } else {
            ""
        };
        // One point is no line: it is drawn as a dot below.
        if path.len() > 1 {
            let _ = write!(
                svg,
                "<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"2\"{dash} points=\"{}\"/>",
                l.colour,
                path.join(" ")
            );
        }
        if !l.dashed {
            let labelled = l.points.len() <= 3;
            for (x, y) in &l.points {
                let _ = write!(
                    svg,
                    "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"{}\"/>",
                    sx(*x),
                    sy(*y),
                    l.colour
                );
                if labelled {
                    let _ = write!(
                        svg,
                        "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" font-weight=\"600\" text-anchor=\"middle\" fill=\"#222\">{}</text>",
                        sx(*x),
                        sy(*y) - 8.0,
                        esc(&axis.l.number(*y, figure_decimals(*y)))
                    );
                }
            }
        }
    }
    // Legend along the bottom.
    let mut x = LEFT;
    let legend = lines
        .iter()
        .map(|l| (&l.label, l.colour, l.dashed))
        .chain(rules.iter().map(|r| (&r.label, r.colour, true)));
    for (label, colour, dashed) in legend {
        let dash = if dashed {
            " stroke-dasharray=\"4 3\""
        } else {
            ""
        };
        let _ = write!(
            svg,
            "<line x1=\"{x:.1}\" x2=\"{:.1}\" y1=\"{}\" y2=\"{}\" stroke=\"{colour}\" stroke-width=\"2\"{dash}/>\
             <text x=\"{:.1}\" y=\"{}\" font-size=\"11\" fill=\"#222\">{}</text>",
            x + 18.0,
            H - 12.0,
            H - 12.0,
            x + 22.0,
            H - 8.0,
            esc(label)
        );
        x += 30.0 + 6.5 * label.chars().count() as f64;
    }
    svg.push_str("</svg>");
    svg
}

/// A small trend line for tables, with its first and last values as its description.
pub fn sparkline(label: &str, points: &[(f64, f64)]) -> String {
    let (w, h) = (96.0, 24.0);
    let (x0, x1) = bounds(points.iter().map(|p| p.0));
    let (y0, y1) = pad(
        bounds(points.iter().map(|p| p.1)).0,
        bounds(points.iter().map(|p| p.1)).1,
    );
    let (x0, x1) = if x0 == x1 {
        (x0 - 1.0, x1 + 1.0)
    } else {
        (x0, x1)
    };
    let coords: Vec<String> = points
        .iter()
        .map(|(x, y)| {
            format!(
                "{:.1},{:.1}",
                2.0 + (x - x0) / (x1 - x0) * (w - 4.0),
                2.0 + (1.0 - (y - y0) / (y1 - y0)) * (h - 4.0)
            )
        })
        .collect();
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" \
         role=\"img\" aria-label=\"{}\"><polyline fill=\"none\" stroke=\"#0b5cad\" stroke-width=\"1.5\" points=\"{}\"/></svg>",
        esc(label),
        coords.join(" ")
    )
}

fn bounds(values: impl Iterator<Item = f64>) -> (f64, f64) {
    values
        .filter(|v| v.is_finite())
        .fold(None, |acc: Option<(f64, f64)>, v| {
            Some(acc.map_or((v, v), |(a, b)| (a.min(v), b.max(v))))
        })
        .unwrap_or((0.0, 1.0))
}

/// Widens a range by a tenth on each side so lines do not touch the frame.
fn pad(lo: f64, hi: f64) -> (f64, f64) {
    if lo == hi {
        return (lo - 1.0, hi + 1.0);
    }
    let m = (hi - lo) * 0.1;
    (lo - m, hi + m)
}

fn tick(l: tiendo_wording::Lang, v: f64) -> String {
    let decimals = if v.abs() >= 100.0 || v.fract().abs() < 1e-9 {
        0
    } else if v.abs() < 1.0 {
        2
    } else {
        1
    };
    l.number(v, decimals)
}

/// Decimals to write a figure with: none for whole numbers, up to four for fractions of one.
fn figure_decimals(v: f64) -> usize {
    if v.fract().abs() < 1e-9 {
        0
    } else if v.abs() < 1.0 {
        4
    } else {
        2
    }
}

/// A target's chart for one unit and what its course says: the values reported year by
/// year, the baseline, the numeric goal, the trajectory from the baseline to the goal and the
/// projection of the recent pace.
pub struct TargetChart {
    pub svg: String,
    /// The trajectory and projection, worded.
    pub course: Vec<String>,
}

/// The chart of `t` for `unit` (as the reader names it) from its `series`, judged from
/// `base_year`.
pub fn target(
    l: tiendo_wording::Lang,
    t: &Target,
    unit: &str,
    series: &[(tiendo_domain::periods::Period, f64)],
    base_year: i32,
) -> TargetChart {
    let mut course = Vec::new();
    let obs = yearly(series);
    let mut lines = vec![Line {
        label: l.t("reported"),
        points: obs.iter().map(|o| (f64::from(o.year), o.value)).collect(),
        colour: "#0b5cad",
        dashed: false,
    }];
    let mut rules = Vec::new();
    if let Some(b) = &t.baseline {
        rules.push(Rule {
            label: format!("{} {}", l.t("baseline"), b.period),
            value: b.value,
            colour: "#666",
        });
    }
    let numeric_goal = t
        .goals
        .iter()
        .find_map(|g| match (&g.requirement, &g.deadline) {
            (Requirement::Threshold { value, .. }, Deadline::By { year }) => Some((*value, *year)),
            _ => None,
        });
    if let Some((goal, goal_year)) = numeric_goal {
        rules.push(Rule {
            label: format!("{} {goal_year}", l.t("target-line")),
            value: goal,
            colour: "#b3261e",
        });
        if let Ok(tr) = trajectory(
            &obs,
            goal,
            goal_year,
            base_year,
            t.direction,
            Pace::default(),
        ) {
            if let (Some(by), Some(bv)) = (tr.base_year, tr.base_value) {
                lines.push(Line {
                    label: l.t("trajectory"),
                    points: vec![(f64::from(by), bv), (f64::from(goal_year), goal)],
                    colour: "#2e7d32",
                    dashed: true,
                });
            }
            course.push(tiendo_wording::trajectory(l, &tr));
        }
        if let Ok(p) = projection(
            &obs,
            goal,
            goal_year,
            base_year,
            t.direction,
            Pace::default(),
        ) {
            if let (Some(slope), Some(end), Some(last)) = (p.slope, p.projected_value, obs.last()) {
                let start = end - slope * f64::from(goal_year - last.year);
                lines.push(Line {
                    label: l.t("projection"),
                    points: vec![(f64::from(last.year), start), (f64::from(goal_year), end)],
                    colour: "#e07b00",
                    dashed: true,
                });
            }
            course.push(tiendo_wording::projection(l, &p));
        }
    }
    let name = tiendo_wording::pick(l, &t.name_vi, t.name_en.as_deref());
    let bounds = t.value_bounds();
    let svg = time_series(
        Axis {
            l,
            min: bounds.min,
            max: bounds.max,
        },
        &format!("{name} — {unit}"),
        &format!(
            "{}: {}",
            l.t("reported"),
            obs.iter()
                .map(|o| format!("{} {}", o.year, o.value))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        &lines,
        &rules,
    );
    TargetChart { svg, course }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_is_labelled_svg_with_every_line_and_rule() {
        let svg = time_series(
            AXIS,
            "Digital economy <share>",
            "2020 to 2025",
            &[Line {
                label: "Reported".into(),
                points: vec![(2020.0, 12.0), (2025.0, 18.3)],
                colour: "#0b5cad",
                dashed: false,
            }],
            &[Rule {
                label: "Target".into(),
                value: 30.0,
                colour: "#b00",
            }],
        );
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("-title\">Digital economy &lt;share&gt;</title>"));
        let id = chart_id("Digital economy <share>", "2020 to 2025");
        assert!(
            svg.contains(&format!("aria-labelledby=\"{id}-title {id}-desc\"")),
            "{svg}"
        );
        assert_ne!(id, chart_id("Another chart", "2020 to 2025"));
        assert_eq!(svg.matches("<polyline").count(), 1);
        assert_eq!(svg.matches("<circle").count(), 2);
        assert!(svg.contains(">Target</text>"));
        assert!(!svg.contains("NaN"));
    }

    #[test]
    fn one_point_or_none_still_draws() {
        assert!(!sparkline("x", &[(2024.0, 5.0)]).contains("NaN"));
        assert!(!time_series(AXIS, "t", "d", &[], &[]).contains("NaN"));
    }

    const AXIS: Axis = Axis {
        l: tiendo_wording::Lang::Vi,
        min: None,
        max: None,
    };

    #[test]
    fn a_single_figure_is_a_labelled_point_within_its_scale() {
        let svg = time_series(
            Axis {
                l: tiendo_wording::Lang::Vi,
                min: Some(0.0),
                max: Some(1.0),
            },
            "DTI",
            "2024",
            &[Line {
                label: "Đã báo cáo".into(),
                points: vec![(2024.0, 0.8241)],
                colour: "#0b5cad",
                dashed: false,
            }],
            &[],
        );
        assert!(svg.contains(">0,8241</text>"), "{svg}");
        // The axis stays within 0–1: its top tick is 1, never 1.2 or a negative.
        assert!(svg.contains(">1</text>") && !svg.contains(">-"), "{svg}");
    }
}
