//! Printable reports: a unit's or a document's targets (status, sentence and chart) and tasks
//! for a year, laid out for A4 by the print stylesheet. What the caller may not see (internal
//! or secret tasks, for the public) is left out exactly as on the other pages.

use askama::Template;
use axum::extract::{Path, Query, State};
use std::sync::Arc;

use axum::http::header;
use axum::response::IntoResponse;
use axum::response::Response;
use chrono::Datelike;
use serde::Deserialize;
use tiendo_domain::feedback::{timeliness, Timeliness};
use tiendo_domain::orgs::OrgCode;
use tiendo_domain::periods::Period;
use tiendo_domain::targets::Target;
use tiendo_domain::tasks::Task;
use tiendo_evaluation::tasks::{task_status, Horizon};
use tiendo_report::{FeedbackCounts, Scope};
use tiendo_storage::CaseFilter;

use super::catalogue::judged_chart;
use super::tasks::status_css;
use super::{pick, render};
use crate::chrome::{Chrome, Page};
use crate::failure::Failure;
use crate::i18n::Lang;
use crate::overview::Overview;
use crate::wording::serde_name;
use crate::AppState;

pub struct TargetBlock {
    code: String,
    name: String,
    unit: String,
    value: String,
    status: String,
    explanation: String,
    chart: String,
}

pub struct TaskLine {
    code: String,
    title: String,
    lead: String,
    deadline: String,
    status: String,
    css: &'static str,
    last_progress: String,
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    c: Chrome,
    title: String,
    subject: String,
    year: i32,
    as_of: String,
    summary: Vec<(String, String)>,
    targets: Vec<TargetBlock>,
    tasks: Vec<TaskLine>,
    /// For officials: the unit's feedback cases in one sentence.
    feedback: Option<String>,
    other_years: Vec<(String, i32)>,
    /// Where the Word report is asked for, and the periods it can be asked for (code, name).
    word_action: String,
    word_periods: Vec<(String, String)>,
}

/// The periods offered for the Word report beside a page on `year`: the ended quarters and
/// years of it and of the year after, latest first.
fn word_periods(l: Lang, year: i32, day: chrono::NaiveDate) -> Vec<(String, String)> {
    report_periods(year + 1, day)
        .into_iter()
        .chain(report_periods(year, day))
        .map(|p| (p.to_string(), crate::wording::period(l, p)))
        .collect()
}

#[derive(Debug, Deserialize)]
pub struct ReportQuery {
    #[serde(default)]
    year: Option<i32>,
    /// `docx` for the periodic report as a Word document.
    #[serde(default)]
    format: Option<String>,
    /// The period of the Word report (`2025Q3`, `2025`); the last quarter ended when absent.
    #[serde(default)]
    period: Option<String>,
}

/// The quarters of `year` that have ended by `day`, and the year itself once it has: the
/// periods a report can be downloaded for, latest first.
fn report_periods(year: i32, day: chrono::NaiveDate) -> Vec<Period> {
    let mut periods: Vec<Period> = (1..=4)
        .filter_map(|q| Period::quarter_of(year, q).ok())
        .chain(Period::year_of(year).ok())
        .filter(|p| p.end() < day)
        .collect();
    periods.reverse();
    periods
}

/// Word reports being made, at most.
static REPORTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);

/// The periodic report on `scope` as a Word document, from the resident state: values up to
/// the period's end, tasks judged today. Feedback is counted for officials who see the unit.
async fn word(
    state: &AppState,
    page: &Page,
    o: &Arc<Overview>,
    scope: Scope,
    period: Option<&str>,
) -> Result<Response, Failure> {
    let l = page.l();
    let period = match period {
        Some(p) => p.parse::<Period>().map_err(|e| {
            Failure::bad_request(
                "bad_period",
                l.t_args(
                    "report-bad-period",
                    &[("period", p.to_string()), ("reason", e.to_string())],
                ),
            )
        })?,
        None => {
            let today = o.day;
            report_periods(today.year(), today)
                .into_iter()
                .find(|p| p.periodicity() == tiendo_domain::periods::Periodicity::Quarterly)
                .or_else(|| report_periods(today.year() - 1, today).into_iter().next())
                .ok_or_else(|| Failure::bad_request("bad_period", l.t("report-no-period")))?
        }
    };
    if period.end() >= o.day {
        return Err(Failure::bad_request(
            "bad_period",
            l.t_args("report-period-open", &[("period", period.to_string())]),
        ));
    }
    let documents = state.store.documents().await?;
    let access = &page.viewer.access;
    let unit = match &scope {
        Scope::Unit(u) => Some(u.clone()),
        Scope::Document(_) => None,
    };
    let feedback = match unit {
        Some(u) if access.is_official() && access.may_view(&o.snapshot.hierarchy, &u) => {
            let mine = CaseFilter {
                units: Some(vec![u.clone()]),
                ..CaseFilter::default()
            };
            let (cases, _) = state.store.feedback_cases(&mine, 10_000, 0).await?;
            Some(FeedbackCounts::of(
                cases.iter().map(|c| (c.state, c.due_on)),
                o.day,
            ))
        }
        _ => None,
    };
    // Charts are drawn and the document packed off the request threads, one report at a
    // time: a visitor asking for many cannot take every core.
    let _one_at_a_time = REPORTS
        .acquire()
        .await
        .map_err(|e| Failure::internal(e.to_string()))?;
    let clearance = access.clearance();
    let resident = Arc::clone(o);
    let scope_for_report = scope.clone();
    let bytes = tokio::task::spawn_blocking(move || {
        let facts = tiendo_report::gather(
            &resident.snapshot,
            &documents,
            &scope_for_report,
            period,
            clearance,
            feedback,
        )?;
        Some(tiendo_report::write(
            &facts,
            &resident.snapshot.hierarchy,
            l,
            resident.day,
        ))
    })
    .await
    .map_err(|e| Failure::internal(e.to_string()))?
    .ok_or_else(|| Failure::not_found("report_not_found", "no such unit or document".to_string()))?
    .map_err(|e| Failure::internal(e.to_string()))?;
    let subject = match &scope {
        Scope::Unit(u) => u.to_string(),
        Scope::Document(d) => d.to_string(),
    };
    let name: String = format!("bao-cao-{subject}-{period}.docx")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
                    .to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

fn year_of(q: &ReportQuery, o: &Overview) -> i32 {
    q.year.unwrap_or(o.day.year() - 1)
}

/// One target as judged for `unit`, with the value it reported for `year`; a target without
/// approved values is listed as such, without a chart.
fn block(l: Lang, o: &Overview, t: &Target, unit: &OrgCode, year: i32) -> TargetBlock {
    let name = pick(l, &t.name_vi, t.name_en.as_deref());
    let Some(series) = o.snapshot.series.get(&t.code).and_then(|m| m.get(unit)) else {
        return TargetBlock {
            code: t.code.to_string(),
            name,
            unit: super::unit_name(l, &o.snapshot.hierarchy, unit),
            value: l.t("no-data"),
            status: l.t("judgement-not_available"),
            explanation: String::new(),
            chart: String::new(),
        };
    };
    let judged = judged_chart(l, t, unit, series, o.day.year());
    let value = series
        .iter()
        .filter(|(p, _)| p.year() == year)
        .max_by_key(|(p, _)| *p)
        .map(|(p, v)| {
            format!(
                "{} {} ({})",
                l.number(*v, 2),
                crate::wording::measure(l, &t.unit),
                crate::wording::period(l, *p)
            )
        })
        .unwrap_or_else(|| l.t("no-data"));
    TargetBlock {
        code: t.code.to_string(),
        name,
        unit: super::unit_name(l, &o.snapshot.hierarchy, unit),
        value,
        status: judged.status,
        explanation: judged.explanation,
        chart: judged.chart,
    }
}

fn task_lines(l: Lang, o: &Overview, tasks: &[Task]) -> Vec<TaskLine> {
    tasks
        .iter()
        .map(|t| {
            let last = o.snapshot.last_progress.get(&t.code);
            let status = task_status(t, o.day, last.is_some(), Horizon::default());
            TaskLine {
                code: t.code.to_string(),
                title: pick(l, &t.title_vi, t.title_en.as_deref()),
                lead: super::unit_name(l, &o.snapshot.hierarchy, &t.lead),
                deadline: t.deadline.map(|d| l.date(d)).unwrap_or_default(),
                status: l.t(&format!("task-{}", serde_name(&status))),
                css: status_css(status),
                last_progress: last.map(|d| l.date(*d)).unwrap_or_default(),
            }
        })
        .collect()
}

fn years(page: &Page, path: &str, year: i32) -> Vec<(String, i32)> {
    [year - 1, year + 1]
        .into_iter()
        .map(|y| (page.chrome.href(&format!("{path}?year={y}")), y))
        .collect()
}

pub async fn unit(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<ReportQuery>,
    page: Page,
) -> Result<Response, Failure> {
    let l = page.l();
    let o = state.overview();
    let u = o
        .units
        .get(code.as_str())
        .ok_or_else(|| Failure::not_found("unit_not_found", format!("no unit {code}")))?;
    if q.format.as_deref() == Some("docx") {
        return word(
            &state,
            &page,
            &o,
            Scope::Unit(u.code.clone()),
            q.period.as_deref(),
        )
        .await;
    }
    let year = year_of(&q, &o);
    let targets = o
        .snapshot
        .targets
        .iter()
        .filter(|t| {
            o.snapshot
                .series
                .get(&t.code)
                .is_some_and(|m| m.contains_key(&u.code))
                || t.reporters.units.contains(&u.code)
                || t.reporters.kinds.contains(&u.kind)
        })
        .map(|t| block(l, &o, t, &u.code, year))
        .collect();
    let tasks: Vec<_> = crate::app::tasks::readable(&state, page.viewer.access.clearance())
        .await?
        .of_unit(&u.code)
        .cloned()
        .collect();
    let access = &page.viewer.access;
    let feedback = if access.is_official() && access.may_view(&o.snapshot.hierarchy, &u.code) {
        let mine = CaseFilter {
            units: Some(vec![u.code.clone()]),
            ..CaseFilter::default()
        };
        let (cases, total) = state.store.feedback_cases(&mine, 1000, 0).await?;
        let waiting = cases.iter().filter(|c| c.state.awaits_answer()).count() as i64;
        let overdue = cases
            .iter()
            .filter(|c| timeliness(c.state, c.due_on, o.day) == Some(Timeliness::Overdue))
            .count() as i64;
        Some(l.t_args(
            "report-feedback",
            &[
                ("total", total.to_string()),
                ("waiting", waiting.to_string()),
                ("overdue", overdue.to_string()),
            ],
        ))
    } else {
        None
    };
    let score = u.score.map_or_else(|| l.t("no-data"), |s| l.number(s, 1));
    let body = ReportPage {
        title: l.t("report-unit"),
        subject: format!("{} ({})", pick(l, &u.name_vi, Some(&u.name_en)), u.code),
        year,
        as_of: l.date(o.day),
        summary: vec![
            (l.t("score"), score),
            (
                l.t("class"),
                crate::wording::class_name(l, u.score, u.class),
            ),
            (
                l.t("explanation"),
                crate::wording::score(l, u.score, u.class, &u.facts),
            ),
        ],
        targets,
        tasks: task_lines(l, &o, &tasks),
        feedback,
        other_years: years(&page, &format!("/reports/units/{code}"), year),
        word_action: format!("/reports/units/{code}"),
        word_periods: word_periods(l, year, o.day),
        c: page.chrome,
    };
    Ok(render(&body))
}

pub async fn document(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<ReportQuery>,
    page: Page,
) -> Result<Response, Failure> {
    let l = page.l();
    let o = state.overview();
    let documents = state.store.documents().await?;
    let d = documents
        .iter()
        .find(|d| d.code.as_str() == code)
        .ok_or_else(|| Failure::not_found("document_not_found", format!("no document {code}")))?;
    if q.format.as_deref() == Some("docx") {
        return word(
            &state,
            &page,
            &o,
            Scope::Document(d.code.clone()),
            q.period.as_deref(),
        )
        .await;
    }
    let year = year_of(&q, &o);
    // Each target is shown for the unit with the longest series: the issuer's own, usually.
    let targets = o
        .snapshot
        .targets
        .iter()
        .filter(|t| t.document.as_ref() == Some(&d.code))
        .filter_map(|t| {
            let by_unit = o.snapshot.series.get(&t.code);
            let longest =
                by_unit.and_then(|m| m.iter().max_by_key(|(_, s)| s.len()).map(|(u, _)| u));
            let has = |u: &&OrgCode| by_unit.is_some_and(|m| m.contains_key(*u));
            let unit = d
                .issuer
                .as_ref()
                .filter(has)
                .or(longest)
                .or(t.reporters.units.first())
                .or(d.issuer.as_ref())?;
            Some(block(l, &o, t, unit, year))
        })
        .collect();
    let tasks: Vec<_> = crate::app::tasks::readable(&state, page.viewer.access.clearance())
        .await?
        .iter()
        .filter(|t| t.document == d.code)
        .cloned()
        .collect();
    let body = ReportPage {
        title: l.t("report-document"),
        subject: format!(
            "{} — {}",
            d.code,
            pick(l, &d.title_vi, d.title_en.as_deref())
        ),
        year,
        as_of: l.date(o.day),
        summary: vec![(
            l.t("issuer"),
            d.issuer
                .as_ref()
                .map(|i| super::unit_name(l, &o.snapshot.hierarchy, i))
                .unwrap_or_default(),
        )],
        targets,
        tasks: task_lines(l, &o, &tasks),
        feedback: None,
        other_years: years(&page, &format!("/reports/documents/{code}"), year),
        word_action: format!("/reports/documents/{code}"),
        word_periods: word_periods(l, year, o.day),
        c: page.chrome,
    };
    Ok(render(&body))
}
