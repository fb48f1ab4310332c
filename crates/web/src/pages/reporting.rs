//! Reporting completeness (`/reporting`): for the nation, each province and ministry, and down
//! to a province's departments and communes, the reports owed by today and how many are in,
//! the lowest rate first, so the standing office sees who has not reported before a meeting.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use tiendo_domain::orgs::{OrgCode, OrgKind, OrgUnit};
use tiendo_evaluation::reporting::Completeness;
use tiendo_evaluation::warnings::Settings;

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
    let o = state.overview();
    let h = &o.snapshot.hierarchy;
    let day = o.day;
    let nation = h.units().iter().find(|u| u.kind == OrgKind::Nation);
    let shown: &OrgUnit = match q.unit.as_deref().filter(|u| !u.trim().is_empty()) {
        Some(typed) => {
            let code = crate::app::tasks::find_unit(&state, typed)?;
            h.get(&code)
                .ok_or_else(|| Failure::not_found("unit_not_found", format!("no unit {code}")))?
        }
        None => nation.ok_or_else(|| Failure::internal("the hierarchy has no nation"))?,
    };
    let r = o.reporting();
    let has_children = |u: &OrgCode| {
        h.as_of(day)
            .any(|x| x.parent.as_ref() == Some(u) && r.within.contains_key(&x.code))
    };
    let line = |u: &OrgUnit| {
        let c = r.within.get(&u.code).copied().unwrap_or_default();
        let href = if has_children(&u.code) {
            page.chrome.href(&format!("/reporting?unit={}", u.code))
        } else {
            page.chrome.href(&format!("/units/{}", u.code))
        };
        shown_line(l, super::pick(l, &u.name_vi, Some(&u.name_en)), href, c)
    };
    // The nation's breakdown lists the provinces and the central agencies; a unit's lists the
    // units directly within it. Units that owe nothing are left out.
    let mut lines: Vec<Line> = h
        .as_of(day)
        .filter(|u| u.code != shown.code)
        .filter(|u| {
            if shown.kind == OrgKind::Nation {
                matches!(
                    u.kind,
                    OrgKind::Province | OrgKind::Ministry | OrgKind::CentralAgency
                )
            } else {
                u.parent.as_ref() == Some(&shown.code)
            }
        })
        .filter(|u| r.within.get(&u.code).is_some_and(|c| c.expected > 0))
        .map(line)
        .collect();
    lines.sort_by(|a, b| {
        (a.received * b.expected)
            .cmp(&(b.received * a.expected))
            .then(b.expected.cmp(&a.expected))
            .then_with(|| a.name.cmp(&b.name))
    });
    let up = shown.parent.as_ref().and_then(|p| h.get(p)).map(|p| {
        let href = if p.kind == OrgKind::Nation {
            page.chrome.href("/reporting")
        } else {
            page.chrome.href(&format!("/reporting?unit={}", p.code))
        };
        (href, super::pick(l, &p.name_vi, Some(&p.name_en)))
    });
    let title = super::pick(l, &shown.name_vi, Some(&shown.name_en));
    let total = line(shown);
    Ok(render(&ReportingPage {
        title,
        total,
        up,
        lines,
        rule: l.t_args(
            "reporting-rule",
            &[
                ("day", l.date(day)),
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
    }
}
