//! Reporting completeness (`/reporting`): for the nation, each province and ministry, and down
//! to a province's departments and communes, the reports owed by today and how many are in,
//! the lowest rate first, so the standing office sees who has not reported before a meeting.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use tiendo_domain::orgs::OrgKind;
use tiendo_evaluation::reporting::Completeness;
use tiendo_evaluation::warnings::Settings;

use crate::app;
use crate::chrome::{Chrome, Page};
use crate::failure::Failure;
use crate::i18n::Lang;
use crate::pages::render;
use crate::AppState;

/// One unit's line: its reports with those of the units within it.
pub struct Line {
    name: String,
    /// Its own breakdown when units lie within it, else its page.
    href: String,
    expected: usize,
    received: usize,
    rate: String,
    on_time: usize,
    /// The share of owed reports that came in on time, in words.
    on_time_rate: String,
    /// The rate as a whole percentage, for the bar.
    percent: u32,
}

#[derive(Template)]
#[template(path = "reporting.html")]
struct ReportingPage {
    c: Chrome,
    /// The unit broken down, and its own total.
    title: String,
    total: Line,
    /// Its parent's breakdown, one level up.
    up: Option<(String, String)>,
    lines: Vec<Line>,
    rule: String,
    /// The provinces coloured by their reporting rate, on the nation's breakdown.
    map: String,
}

#[derive(Debug, Deserialize)]
pub struct ReportingQuery {
    unit: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    Query(q): Query<ReportingQuery>,
    page: Page,
) -> Result<Response, Failure> {
    let l = page.l();
    let b = app::reporting::breakdown(&state, q.unit.as_deref())?;
    let line = |x: &app::reporting::Line| {
        let href = if x.has_breakdown {
            page.chrome
                .href(&format!("/reporting?unit={}", x.unit.code))
        } else {
            page.chrome.href(&format!("/units/{}", x.unit.code))
        };
        let name = super::pick(l, &x.unit.name_vi, Some(&x.unit.name_en));
        shown_line(l, name, href, x.reports)
    };
    let up = b.parent.as_ref().map(|p| {
        let href = if p.kind == OrgKind::Nation {
            page.chrome.href("/reporting")
        } else {
            page.chrome.href(&format!("/reporting?unit={}", p.code))
        };
        (href, super::pick(l, &p.name_vi, Some(&p.name_en)))
    });
    let map = if b.unit.unit.kind == OrgKind::Nation {
        rate_map(&state, &page, &b)
    } else {
        String::new()
    };
    Ok(render(&ReportingPage {
        map,
        title: super::pick(l, &b.unit.unit.name_vi, Some(&b.unit.unit.name_en)),
        total: line(&b.unit),
        up,
        lines: b.lines.iter().map(line).collect(),
        rule: l.t_args(
            "reporting-rule",
            &[
                ("day", l.date(state.day())),
                ("grace", Settings::default().grace_days.to_string()),
            ],
        ),
        c: page.chrome,
    }))
}

fn shown_line(l: Lang, name: String, href: String, c: Completeness) -> Line {
    let rate = c.rate();
    Line {
        name,
        href,
        expected: c.expected,
        received: c.received,
        rate: rate.map_or_else(
            || l.t("no-data"),
            |r| format!("{} %", l.number(r * 100.0, 1)),
        ),
        percent: rate.map_or(0, |r| (r * 100.0).round() as u32),
        on_time: c.on_time,
        on_time_rate: c.on_time_rate().map_or_else(
            || l.t("no-data"),
            |r| format!("{} %", l.number(r * 100.0, 1)),
        ),
    }
}

/// The provinces of the day coloured by the share of their reports in (with the units within
/// them): the table below holds the same figures for screen readers.
fn rate_map(state: &AppState, page: &Page, b: &app::reporting::Breakdown) -> String {
    use crate::overview::Colour;
    let l = page.l();
    let o = state.overview();
    let Ok(shapes) = crate::map::outlines(o.day) else {
        return String::new();
    };
    let colour = |rate: Option<f64>| match rate {
        Some(r) if r >= 0.8 => Colour::Green,
        Some(r) if r >= 0.5 => Colour::Yellow,
        Some(_) => Colour::Red,
        None => Colour::Grey,
    };
    let legend = crate::map::legend(
        l,
        &[
            (Colour::Green.fill(), "reporting-map-high"),
            (Colour::Yellow.fill(), "reporting-map-middle"),
            (Colour::Red.fill(), "reporting-map-low"),
            (Colour::Grey.fill(), "reporting-map-none"),
        ],
    );
    crate::map::choropleth(
        l,
        &l.t_args("reporting-map-title", &[("day", l.date(o.day))]),
        shapes,
        |code| {
            let line = b.lines.iter().find(|x| &x.unit.code == code);
            let rate = line.and_then(|x| x.reports.rate());
            let name = line.map_or_else(
                || super::unit_name(l, &o.snapshot.hierarchy, code),
                |x| super::pick(l, &x.unit.name_vi, Some(&x.unit.name_en)),
            );
            crate::map::Area {
                fill: colour(rate).fill(),
                title: format!(
                    "{name}: {}",
                    rate.map_or_else(
                        || l.t("no-data"),
                        |r| format!("{} %", l.number(r * 100.0, 1))
                    )
                ),
                href: page.chrome.href(&format!("/reporting?unit={code}")),
            }
        },
        &legend,
    )
}
