//! Documents and their cascade, and targets with their charts.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::Datelike;
use serde::Deserialize;
use std::collections::HashMap;
use tiendo_domain::documents::SectionKind;
use tiendo_domain::orgs::OrgCode;
use tiendo_domain::periods::Period;
use tiendo_domain::targets::Target;
use tiendo_evaluation::ranking;
use tiendo_evaluation::targets::{judge, Judgement, TargetJudgement};

use crate::chrome::{Chrome, Page};
use crate::failure::Failure;
use crate::i18n::Lang;
use crate::pages::{pick, render};
use crate::wording::{self, serde_name};
use crate::AppState;
use tiendo_report::charts;

pub struct DocRow {
    code: String,
    href: String,
    title: String,
    kind: String,
    issued: String,
}

#[derive(Template)]
#[template(path = "documents.html")]
struct DocumentsPage {
    c: Chrome,
    documents: Vec<DocRow>,
}

pub async fn documents(State(state): State<AppState>, page: Page) -> Result<Response, Failure> {
    let l = page.l();
    let documents = state
        .store
        .documents()
        .await?
        .into_iter()
        .map(|d| DocRow {
            href: page.chrome.href(&format!("/documents/{}", d.code)),
            title: pick(l, &d.title_vi, d.title_en.as_deref()),
            kind: l.t(&format!("doc-kind-{}", d.kind.as_str())),
            issued: d.issued_on.map(|d| l.date(d)).unwrap_or_default(),
            code: d.code.to_string(),
        })
        .collect();
    Ok(render(&DocumentsPage {
        c: page.chrome,
        documents,
    }))
}

pub struct TaskLine {
    code: String,
    href: String,
    title: String,
    lead: String,
    deadline: String,
}

/// Tasks a group lists on the document's page; a document of thousands sends the reader to
/// the board for the rest.
const GROUP_ROWS: usize = 50;

pub struct Group {
    title: String,
    /// How many tasks the group holds, worded; `tasks` are the first of them.
    total: String,
    tasks: Vec<TaskLine>,
    /// The board listing them all and its link's text, when there are more than listed.
    more: Option<(String, String)>,
}

pub struct TargetLine {
    code: String,
    href: String,
    name: String,
    goal: String,
}

#[derive(Template)]
#[template(path = "document.html")]
struct DocumentPage {
    c: Chrome,
    code: String,
    title: String,
    issuer: String,
    note: String,
    source: Option<String>,
    implements: Vec<(String, String)>,
    implemented_by: Vec<(String, String)>,
    targets: Vec<TargetLine>,
    groups: Vec<Group>,
}

pub async fn document(
    State(state): State<AppState>,
    Path(code): Path<String>,
    page: Page,
) -> Result<Response, Failure> {
    let l = page.l();
    let all = state.store.documents().await?;
    let doc = all
        .iter()
        .find(|d| d.code.as_str() == code)
        .ok_or_else(|| Failure::not_found("document_not_found", format!("no document {code}")))?;
    let link = |c: &tiendo_domain::documents::DocumentCode| {
        (page.chrome.href(&format!("/documents/{c}")), c.to_string())
    };
    let implemented_by = all
        .iter()
        .filter(|d| d.implements.contains(&doc.code))
        .map(|d| link(&d.code))
        .collect();
    let o = state.overview();
    let targets = o
        .snapshot
        .targets
        .iter()
        .filter(|t| t.document.as_ref() == Some(&doc.code))
        .map(|t| TargetLine {
            code: t.code.to_string(),
            href: page.chrome.href(&format!("/targets/{}", t.code)),
            name: pick(l, &t.name_vi, t.name_en.as_deref()),
            goal: goals(l, t),
        })
        .collect();
    let readable = crate::app::tasks::readable(&state, page.viewer.access.clearance()).await?;
    let tasks: Vec<&tiendo_domain::tasks::Task> =
        readable.iter().filter(|t| t.document == doc.code).collect();
    let line = |t: &&tiendo_domain::tasks::Task| TaskLine {
        code: t.code.to_string(),
        href: page.chrome.href(&format!("/tasks/{}", t.code)),
        title: pick(l, &t.title_vi, t.title_en.as_deref()),
        lead: super::unit_name(l, &o.snapshot.hierarchy, &t.lead),
        deadline: t.deadline.map(|d| l.date(d)).unwrap_or_default(),
    };
    // A group lists its first tasks; the board, filtered to the group, has them all.
    let board = |group: Option<&str>| {
        let mut href = format!(
            "/tasks?document={}",
            super::tasks::urlencode(doc.code.as_str())
        );
        if let Some(g) = group {
            href.push_str(&format!("&group={}", super::tasks::urlencode(g)));
        }
        page.chrome.href(&href)
    };
    let count = |n: usize| vec![("count", l.number(n as f64, 0))];
    // The board shows a group's tasks, or every task of the document for those in no group.
    let group =
        |title: String, of: Vec<&tiendo_domain::tasks::Task>, more: String, grouped| Group {
            title,
            total: l.t_args("dashboard-tasks-count", &count(of.len())),
            tasks: of.iter().take(GROUP_ROWS).map(line).collect(),
            more: (of.len() > GROUP_ROWS).then(|| {
                let label = if grouped {
                    l.t_args("document-all-tasks", &count(of.len()))
                } else {
                    l.t("document-all-tasks-of-document")
                };
                (more, label)
            }),
        };
    let mut groups: Vec<Group> = doc
        .sections
        .iter()
        .filter(|s| s.kind == SectionKind::TaskGroup)
        .map(|s| {
            group(
                format!(
                    "{} · {}",
                    s.code,
                    pick(l, &s.title_vi, s.title_en.as_deref())
                ),
                tasks
                    .iter()
                    .filter(|t| t.group.as_ref() == Some(&s.code))
                    .copied()
                    .collect(),
                board(Some(s.code.as_str())),
                true,
            )
        })
        .collect();
    let ungrouped: Vec<_> = tasks
        .iter()
        .filter(|t| t.group.as_ref().is_none_or(|g| doc.section(g).is_none()))
        .copied()
        .collect();
    if !ungrouped.is_empty() {
        groups.push(group(l.t("other-tasks"), ungrouped, board(None), false));
    }
    Ok(render(&DocumentPage {
        code: doc.code.to_string(),
        title: pick(l, &doc.title_vi, doc.title_en.as_deref()),
        issuer: doc
            .issuer
            .as_ref()
            .map(|i| super::unit_name(l, &state.overview().snapshot.hierarchy, i))
            .unwrap_or_default(),
        note: doc.structure_note.clone().unwrap_or_default(),
        source: doc.source.clone(),
        implements: doc.implements.iter().map(link).collect(),
        implemented_by,
        targets,
        groups,
        c: page.chrome,
    }))
}

/// What the plan asks of a target, in words: `≥ 30 đến năm 2030; ≥ 50 đến năm 2045`.
pub(super) fn goals(l: Lang, t: &Target) -> String {
    wording::goals(l, &t.goals)
}

#[derive(Debug, Deserialize)]
pub struct TargetQuery {
    unit: Option<String>,
}

pub struct UnitValue {
    /// Its rank among the units that reported the latest period; none for the nation and for
    /// older figures.
    rank: Option<usize>,
    /// The nation's own figure, shown first as the reference.
    national: bool,
    unit: String,
    href: String,
    period: String,
    value: String,
    status: String,
}

#[derive(Template)]
#[template(path = "target.html")]
struct TargetPage {
    c: Chrome,
    code: String,
    name: String,
    unit_of_measure: String,
    goals: String,
    document: Option<(String, String)>,
    shown_unit: Option<String>,
    /// What the reader typed to choose the unit, and the names of the units with figures.
    typed_unit: String,
    unit_names: Vec<String>,
    chart: Option<String>,
    status: String,
    explanation: String,
    course: Vec<String>,
    values: Vec<UnitValue>,
    /// How the units are ranked, and the day whose units of the hierarchy are shown.
    ranking_rule: String,
    more_units: usize,
    source: Option<String>,
}

/// At most this many units are listed under a target; the API pages through all of them.
const SHOWN_UNITS: usize = 200;

pub async fn target(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<TargetQuery>,
    page: Page,
) -> Result<Response, Failure> {
    let l = page.l();
    let o = state.overview();
    let snapshot = &o.snapshot;
    let t = snapshot
        .targets
        .iter()
        .find(|t| t.code.as_str() == code)
        .ok_or_else(|| Failure::not_found("target_not_found", format!("no target {code}")))?;
    let by_unit = snapshot.series.get(&t.code);
    // The unit asked for, else the one with the longest series (the nation, for a national target).
    // The unit asked for is typed by name or code (the form below) or comes as a code (a link).
    let asked: Option<OrgCode> = match q.unit.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
        None => None,
        Some(u) => Some(match u.parse::<OrgCode>() {
            Ok(code) if snapshot.hierarchy.get(&code).is_some() => code,
            _ => crate::app::tasks::find_unit(&state, u)?,
        }),
    };
    let shown: Option<&OrgCode> = match &asked {
        Some(u) => by_unit.and_then(|m| m.get_key_value(u).map(|(k, _)| k)),
        None => by_unit.and_then(|m| {
            m.iter()
                .max_by(|a, b| a.1.len().cmp(&b.1.len()).then(b.0.cmp(a.0)))
                .map(|(k, _)| k)
        }),
    };
    let year = o.day.year();
    let mut status = l.t("judgement-not_available");
    let mut explanation = l.t("no-data");
    let mut course = Vec::new();
    let mut chart = None;
    if let Some(unit) = shown {
        let series = by_unit
            .and_then(|m| m.get(unit))
            .cloned()
            .unwrap_or_default();
        let judged = judged_chart(l, t, unit, &series, year);
        status = judged.status;
        explanation = judged.explanation;
        course = judged.course;
        chart = Some(judged.chart);
    }
    let h = &o.snapshot.hierarchy;
    let nation = h.nation().map(|n| &n.code);
    let is_nation = |u: &OrgCode| Some(u) == nation;
    // Each unit's latest figure; the units (not the nation) ranked on the latest period.
    let latest: Vec<(&OrgCode, &tiendo_domain::values::Series, Period, f64)> = by_unit
        .into_iter()
        .flat_map(|m| m.iter())
        .filter_map(|(u, series)| {
            let (p, v) = series.iter().max_by_key(|(p, _)| *p)?;
            Some((u, series, *p, *v))
        })
        .collect();
    // Only units in force on the day are ranked: the 2024 DTI was published for the 63
    // provinces and again for the 34, and one province must not rank twice.
    let in_force = |u: &OrgCode| h.get(u).is_some_and(|x| x.validity.contains(o.day));
    let ranked: Vec<&(&OrgCode, &tiendo_domain::values::Series, Period, f64)> = latest
        .iter()
        .filter(|x| !is_nation(x.0) && in_force(x.0))
        .collect();
    let figures: Vec<(Period, f64)> = ranked.iter().map(|x| (x.2, x.3)).collect();
    let rank_of: HashMap<&OrgCode, usize> = ranked
        .iter()
        .zip(ranking::ranks(&figures, t.direction))
        .filter_map(|(x, r)| r.map(|r| (x.0, r)))
        .collect();
    let mut values: Vec<UnitValue> = latest
        .iter()
        .map(|&(u, series, p, v)| {
            let j = judge(t, series, year, base_year(t, series, year));
            UnitValue {
                rank: rank_of.get(u).copied(),
                national: is_nation(u),
                href: page.chrome.href(&format!("/targets/{}?unit={u}", t.code)),
                // A unit that ceased is named with the one it is part of now, or with its last
                // day where the one now has its name.
                unit: match super::unit_link(l, &page.chrome, &o, u).1 {
                    named if !in_force(u) && named == super::unit_name(l, h, u) => {
                        super::unit_name_dated(l, h, u)
                    }
                    named => named,
                },
                period: wording::period(l, p),
                value: l.number(v, 2),
                status: l.t(&format!("judgement-{}", serde_name(&j.judgement))),
            }
        })
        .collect();
    // The nation first, then the ranked units best first, then older figures by name.
    values.sort_by_cached_key(|v| {
        (
            !v.national,
            v.rank.is_none(),
            v.rank,
            tiendo_domain::search::fold(&v.unit),
        )
    });
    let more_units = values.len().saturating_sub(SHOWN_UNITS);
    values.truncate(SHOWN_UNITS);
    Ok(render(&TargetPage {
        code: t.code.to_string(),
        name: pick(l, &t.name_vi, t.name_en.as_deref()),
        unit_of_measure: wording::measure(l, &t.unit),
        goals: goals(l, t),
        document: t
            .document
            .as_ref()
            .map(|d| (page.chrome.href(&format!("/documents/{d}")), d.to_string())),
        shown_unit: shown
            .or(asked.as_ref())
            .map(|u| super::unit_name(l, &o.snapshot.hierarchy, u)),
        typed_unit: q.unit.clone().unwrap_or_default(),
        unit_names: by_unit
            .into_iter()
            .flat_map(|m| m.keys())
            .map(|u| super::unit_name(l, &o.snapshot.hierarchy, u))
            .collect(),
        chart,
        status,
        explanation,
        course,
        values,
        ranking_rule: l.t_args("values-ranking-rule", &[("day", l.date(o.day))]),
        more_units,
        source: t.source.clone(),
        c: page.chrome,
    }))
}

/// A target's status for one unit, the sentence behind it, its course (trajectory and
/// projection) and its chart with baseline, target line, trajectory and projection.
pub struct Judged {
    pub status: String,
    /// The class that paints the status: green on track or achieved, yellow at risk, red off
    /// track or deteriorating, grey when it cannot be judged.
    pub css: &'static str,
    pub explanation: String,
    pub course: Vec<String>,
    pub chart: String,
}

/// How a unit's series stands against the target in `year`: the status in words and the
/// class that paints it, without the chart (maps and tiles show a unit each).
pub struct Verdict {
    pub status: String,
    /// As [`Judged::css`].
    pub css: &'static str,
}

/// The year the target's course is drawn from: its baseline's, else the series' first.
fn base_year(t: &Target, series: &[(Period, f64)], year: i32) -> i32 {
    t.baseline
        .as_ref()
        .map(|b| b.period.year())
        .or_else(|| series.iter().map(|(p, _)| p.year()).min())
        .unwrap_or(year)
}

fn verdict_of(l: Lang, j: &TargetJudgement) -> Verdict {
    let css = match j.judgement {
        Judgement::Achieved | Judgement::OnTrack => "green",
        Judgement::AtRisk => "yellow",
        Judgement::OffTrack | Judgement::Deteriorating => "red",
        Judgement::NotAvailable => "grey",
    };
    Verdict {
        status: l.t(&format!("judgement-{}", serde_name(&j.judgement))),
        css,
    }
}

/// The status and colour of a unit's series against the target in `year`.
pub fn verdict(l: Lang, t: &Target, series: &[(Period, f64)], year: i32) -> Verdict {
    verdict_of(l, &judge(t, series, year, base_year(t, series, year)))
}

pub fn judged_chart(
    l: Lang,
    t: &Target,
    unit: &OrgCode,
    series: &[(Period, f64)],
    year: i32,
) -> Judged {
    let base_year = base_year(t, series, year);
    let j = judge(t, series, year, base_year);
    let Verdict { status, css } = verdict_of(l, &j);
    let explanation = crate::wording::judgement(l, &j);
    let drawn = charts::target(l, t, unit.as_str(), series, base_year);
    Judged {
        status,
        css,
        explanation,
        course: drawn.course,
        chart: drawn.svg,
    }
}
