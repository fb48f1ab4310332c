//! The national overview and each unit's page.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;

use crate::chrome::{Chrome, Page};
use crate::failure::Failure;
use crate::i18n::Lang;
use crate::pages::{pick, render};
use crate::wording::serde_name;
use crate::{charts, AppState};

/// One row of a two-column count table.
pub struct Count {
    pub label: String,
    pub count: String,
}

pub struct Province {
    name: String,
    code: String,
    href: String,
    score: String,
    class: String,
    colour: String,
    css: &'static str,
}

pub struct WarningRow {
    rule: String,
    unit: String,
    object: String,
    evidence: String,
}

pub struct Rank {
    rank: usize,
    name: String,
    score: String,
}

pub struct Approved {
    target: String,
    href: String,
    unit: String,
    period: String,
    value: String,
    by: String,
}

/// A value the reporter must correct, with the reviewer's reason.
pub struct Owed {
    target: String,
    unit: String,
    period: String,
    reason: String,
    by: String,
    href: String,
}

#[derive(Template)]
#[template(path = "overview.html")]
struct OverviewPage {
    c: Chrome,
    as_of: String,
    targets: Vec<Count>,
    tasks: Vec<Count>,
    provinces: Vec<Province>,
    /// Warnings name internal tasks and unpublished reports: officials only.
    official: bool,
    warning_counts: Vec<Count>,
    warnings: Vec<WarningRow>,
    ranking_title: Option<String>,
    ranking: Vec<Rank>,
    approved: Vec<Approved>,
    /// What the caller owes: values returned to them, until submitted again.
    owed: Vec<Owed>,
}

pub async fn overview(State(state): State<AppState>, page: Page) -> Response {
    let l = page.l();
    let returned = crate::app::values::returned_to(&state, &page.viewer)
        .await
        .unwrap_or_else(|f| {
            tracing::warn!(error = %f.message, "returned values could not be listed");
            Vec::new()
        });
    let o = state.overview();
    let h = &o.snapshot.hierarchy;
    let target_name = |code: &tiendo_domain::targets::TargetCode| {
        o.snapshot
            .targets
            .iter()
            .find(|t| &t.code == code)
            .map_or_else(
                || code.to_string(),
                |t| pick(l, &t.name_vi, t.name_en.as_deref()),
            )
    };
    let owed = returned
        .iter()
        .map(|v| Owed {
            target: target_name(&v.target),
            unit: super::unit_name(l, h, &v.org),
            period: v.period.to_string(),
            reason: v.comment.clone().unwrap_or_default(),
            by: v.author.clone(),
            href: page
                .chrome
                .href(&format!("/units/{}/entry?period={}", v.org, v.period)),
        })
        .collect();
    let name = |vi: &str, en: &str| pick(l, vi, Some(en));
    let count = |n: usize| l.number(n as f64, 0);
    let official = page.viewer.access.is_official();
    let body = OverviewPage {
        as_of: l.date(o.day),
        targets: o
            .targets_by_status
            .iter()
            .map(|(j, n)| Count {
                label: l.t(&format!("judgement-{}", serde_name(j))),
                count: count(*n),
            })
            .collect(),
        tasks: o
            .tasks_for(page.viewer.access.clearance())
            .iter()
            .map(|(s, n)| Count {
                label: l.t(&format!("task-{}", serde_name(s))),
                count: count(*n),
            })
            .collect(),
        provinces: o
            .provinces
            .iter()
            .map(|p| Province {
                name: name(&p.name_vi, &p.name_en),
                code: p.code.to_string(),
                href: page.chrome.href(&format!("/units/{}", p.code)),
                score: p.score.map_or_else(|| l.t("no-data"), |s| l.number(s, 1)),
                class: crate::wording::class_name(l, p.score, p.class),
                colour: l.t(&format!("colour-{}", serde_name(&p.colour))),
                css: p.colour.css(),
            })
            .collect(),
        official,
        warning_counts: o
            .warnings_by_rule
            .iter()
            .filter(|_| official)
            .map(|(r, n)| Count {
                label: crate::wording::rule(l, *r),
                count: count(*n),
            })
            .collect(),
        warnings: o
            .top_warnings
            .iter()
            .filter(|_| official)
            .map(|w| WarningRow {
                rule: crate::wording::rule(l, w.rule),
                unit: super::unit_name(l, &o.snapshot.hierarchy, &w.unit),
                object: w.named.get(l).to_string(),
                evidence: crate::wording::warning(l, &w.evidence),
            })
            .collect(),
        ranking_title: o
            .index
            .as_ref()
            .map(|i| format!("{} — {}", i.index, i.period)),
        ranking: o
            .index
            .iter()
            .flat_map(|i| &i.rows)
            .map(|r| Rank {
                rank: r.rank,
                name: name(&r.name_vi, &r.name_en),
                score: l.number(r.score, 2),
            })
            .collect(),
        approved: o
            .recent_approvals
            .iter()
            .map(|a| Approved {
                target: target_name(&a.target),
                href: page.chrome.href(&format!("/targets/{}", a.target)),
                unit: super::unit_name(l, h, &a.unit),
                period: a.period.to_string(),
                value: l.number(a.value, 2),
                by: a.approved_by.clone(),
            })
            .collect(),
        owed,
        c: page.chrome,
    };
    render(&body)
}

pub struct Kpi {
    code: String,
    href: String,
    name: String,
    latest: String,
    period: String,
    trend: String,
}

#[derive(Template)]
#[template(path = "unit.html")]
struct UnitPage {
    c: Chrome,
    /// Told to readers who see only public tasks when the score counts others too.
    non_public_note: Option<String>,
    code: String,
    name: String,
    as_of: String,
    score: String,
    class: String,
    colour: String,
    css: &'static str,
    explanation: String,
    parent: Option<(String, String)>,
    tasks: Vec<(String, String, String)>,
    tasks_href: String,
    kpis: Vec<Kpi>,
    entry: Option<String>,
}

pub async fn unit(
    State(state): State<AppState>,
    Path(code): Path<String>,
    page: Page,
) -> Result<Response, Failure> {
    let l: Lang = page.l();
    let o = state.overview();
    let u = o.units.get(code.as_str()).ok_or_else(|| {
        Failure::not_found(
            "unit_not_found",
            format!("{}: {code}", l.t("unit-not-found")),
        )
    })?;
    let parent = u.parent.as_ref().and_then(|p| o.units.get(p)).map(|p| {
        (
            page.chrome.href(&format!("/units/{}", p.code)),
            pick(l, &p.name_vi, Some(&p.name_en)),
        )
    });
    let snapshot = &o.snapshot;
    let mut kpis: Vec<Kpi> = snapshot
        .targets
        .iter()
        .filter_map(|t| {
            let series = snapshot.series.get(&t.code)?.get(&u.code)?;
            let (period, latest) = series.iter().max_by_key(|(p, _)| *p)?;
            let mut points: Vec<(f64, f64)> = series
                .iter()
                .map(|(p, v)| (f64::from(p.year()), *v))
                .collect();
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            let name = pick(l, &t.name_vi, t.name_en.as_deref());
            Some(Kpi {
                code: t.code.to_string(),
                href: page
                    .chrome
                    .href(&format!("/targets/{}?unit={}", t.code, u.code)),
                trend: charts::sparkline(&name, &points),
                name,
                latest: format!("{} {}", l.number(*latest, 2), t.unit),
                period: period.to_string(),
            })
        })
        .collect();
    kpis.sort_by(|a, b| a.code.cmp(&b.code));
    let hierarchy = &snapshot.hierarchy;
    let entry = page
        .viewer
        .access
        .may_capture(hierarchy, &u.code)
        .then(|| page.chrome.href(&format!("/units/{}/entry", u.code)));
    let clearance = page.viewer.access.clearance();
    let (leads, coordinates) = u.tasks_for(clearance);
    // The score counts every task; the public is told so, without what the others are.
    let non_public_note = (u.has_non_public_tasks
        && !clearance.may_see(tiendo_domain::tasks::Confidentiality::Internal))
    .then(|| l.t("score-counts-non-public-tasks"));
    let body = UnitPage {
        non_public_note,
        code: u.code.to_string(),
        name: pick(l, &u.name_vi, Some(&u.name_en)),
        as_of: l.date(o.day),
        score: u.score.map_or_else(|| l.t("no-data"), |s| l.number(s, 1)),
        class: crate::wording::class_name(l, u.score, u.class),
        colour: l.t(&format!("colour-{}", serde_name(&u.colour))),
        css: u.colour.css(),
        explanation: crate::wording::score(l, u.score, u.class, &u.facts),
        parent,
        tasks: leads
            .iter()
            .zip(coordinates)
            .map(|((s, lead), (_, coord))| {
                (
                    l.t(&format!("task-{}", serde_name(s))),
                    l.number(*lead as f64, 0),
                    l.number(*coord as f64, 0),
                )
            })
            .collect(),
        tasks_href: page.chrome.href(&format!("/tasks?unit={}", u.code)),
        kpis,
        entry,
        c: page.chrome,
    };
    Ok(render(&body))
}
