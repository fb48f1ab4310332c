//! Data entry: a unit's KPI values for a period, saved as drafts or submitted; and review:
//! the approval queue where supervisors approve (locking the value) or return with a reason.

use super::guards::Checked;
use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tiendo_domain::orgs::OrgUnit;
use tiendo_domain::periods::{Period, Periodicity};
use tiendo_domain::problems::Problem;
use tiendo_domain::targets::{Target, TargetCode};
use tiendo_domain::values::{NewValue, Number, ValueState};
use tiendo_storage::ValueFilter;

use crate::app::access::capturable;
use crate::app::values;
use crate::chrome::{Chrome, Page};
use crate::failure::Failure;
use crate::i18n::Lang;
use crate::pages::{pick, render, render_with};
use crate::wording;
use crate::AppState;

/// The targets `unit` reports with `periodicity`, in catalogue order.
pub fn reported_targets(state: &AppState, unit: &OrgUnit, periodicity: Periodicity) -> Vec<Target> {
    let o = state.overview();
    o.snapshot
        .targets
        .iter()
        .filter(|t| t.periodicity == periodicity && t.reporters.includes(&unit.code, unit.kind))
        .cloned()
        .collect()
}

/// Parses a number as people type it: `12.5`, or `12,5` with a decimal comma.
pub fn parse_number(text: &str) -> Result<Number, Problem> {
    let t = text.trim();
    let normal = if t.contains(',') && !t.contains('.') {
        t.replace(',', ".")
    } else {
        t.to_string()
    };
    normal.parse::<Number>().map_err(|_| not_a_number(t))
}

/// `text` is not a number, as a problem worded in the reader's language when shown.
pub fn not_a_number(text: &str) -> Problem {
    Problem::whole(format!("\"{text}\" is not a number"))
        .coded("not-a-number", [("input", text.to_string())])
}

pub struct Row {
    code: String,
    name: String,
    unit: String,
    field: String,
    input: String,
    current: String,
    state: String,
    /// Why a reviewer returned the value, until it is submitted again.
    returned: String,
    locked: bool,
    error: String,
}

#[derive(Template)]
#[template(path = "entry.html")]
struct EntryPage {
    c: Chrome,
    unit: String,
    unit_name: String,
    period: String,
    action: String,
    rows: Vec<Row>,
    comment: String,
    source: String,
    form_error: String,
    saved: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct EntryQuery {
    period: Option<String>,
    saved: Option<String>,
}

fn default_period(state: &AppState) -> Period {
    Periodicity::Yearly
        .period_containing(state.day())
        .previous()
}

fn parse_period(text: Option<&str>, state: &AppState) -> Result<Period, Failure> {
    match text.map(str::trim).filter(|p| !p.is_empty()) {
        None => Ok(default_period(state)),
        Some(p) => p.parse().map_err(|e: tiendo_domain::periods::PeriodError| {
            Failure::bad_request("invalid_period", format!("period: {e}"))
        }),
    }
}

/// What a form shows besides the stored values: what was typed, what is wrong with it, and
/// the message of the last save.
#[derive(Default)]
struct Filled {
    typed: HashMap<String, String>,
    errors: HashMap<String, String>,
    saved: Option<String>,
    comment: String,
    source: String,
    form_error: String,
}

async fn entry_page(
    state: &AppState,
    page: Page,
    unit: &OrgUnit,
    period: Period,
    filled: Filled,
) -> Result<EntryPage, Failure> {
    let Filled {
        typed,
        errors,
        saved,
        comment,
        source,
        form_error,
    } = filled;
    let l: Lang = page.l();
    let current: HashMap<TargetCode, tiendo_domain::values::DataValue> = state
        .store
        .values(&ValueFilter {
            target: None,
            org: Some(unit.code.clone()),
        })
        .await?
        .into_iter()
        .filter(|v| v.period == period)
        .map(|v| (v.target.clone(), v))
        .collect();
    let rows = reported_targets(state, unit, period.periodicity())
        .into_iter()
        .map(|t| {
            let field = format!("v_{}", t.code);
            let now = current.get(&t.code);
            Row {
                name: pick(l, &t.name_vi, t.name_en.as_deref()),
                unit: t.unit.clone(),
                input: typed.get(&field).cloned().unwrap_or_default(),
                current: now.map(|v| l.number(v.value.get(), 2)).unwrap_or_default(),
                state: now
                    .map(|v| l.t(&format!("state-{}", v.state)))
                    .unwrap_or_default(),
                // A review writes a version under the reviewer's name with the reason.
                returned: now
                    .filter(|v| v.state == ValueState::Returned)
                    .map(|v| {
                        l.t_args(
                            "returned-reason",
                            &[
                                ("reason", v.comment.clone().unwrap_or_default()),
                                ("by", v.author.clone()),
                            ],
                        )
                    })
                    .unwrap_or_default(),
                locked: now.is_some_and(|v| {
                    matches!(v.state, ValueState::Approved | ValueState::Submitted)
                }),
                error: errors.get(&field).cloned().unwrap_or_default(),
                code: t.code.to_string(),
                field,
            }
        })
        .collect();
    Ok(EntryPage {
        unit: unit.code.to_string(),
        unit_name: pick(l, &unit.name_vi, Some(&unit.name_en)),
        period: period.to_string(),
        action: format!("/units/{}/entry?lang={}", unit.code, l.code()),
        rows,
        comment,
        source,
        form_error,
        saved,
        c: page.chrome,
    })
}

pub async fn form(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<EntryQuery>,
    page: Page,
) -> Result<Response, Failure> {
    let unit = capturable(&state, &page.viewer, &code)?;
    let period = parse_period(q.period.as_deref(), &state)?;
    let saved = q.saved.map(|s| page.l().t(&format!("entry-{s}")));
    let body = entry_page(
        &state,
        page,
        &unit,
        period,
        Filled {
            saved,
            ..Filled::default()
        },
    )
    .await?;
    Ok(render(&body))
}

pub async fn submit(
    State(state): State<AppState>,
    Path(code): Path<String>,
    page: Page,
    Checked(fields): Checked<HashMap<String, String>>,
) -> Result<Response, Failure> {
    let unit = capturable(&state, &page.viewer, &code)?;
    let period = parse_period(fields.get("period").map(String::as_str), &state)?;
    let next = match fields.get("action").map(String::as_str) {
        Some("submit") => ValueState::Submitted,
        Some("draft") | None => ValueState::Draft,
        Some(other) => {
            return Err(Failure::bad_request(
                "invalid_action",
                format!("unknown action \"{other}\": use draft or submit"),
            ))
        }
    };
    let comment = fields
        .get("comment")
        .map(|c| c.trim().to_string())
        .unwrap_or_default();
    let source = fields
        .get("source")
        .map(|c| c.trim().to_string())
        .unwrap_or_default();
    let mut errors = HashMap::new();
    let mut entries: Vec<NewValue> = Vec::new();
    for t in reported_targets(&state, &unit, period.periodicity()) {
        let field = format!("v_{}", t.code);
        let Some(text) = fields.get(&field).filter(|v| !v.trim().is_empty()) else {
            continue;
        };
        match parse_number(text) {
            Err(e) => {
                errors.insert(field, wording::problem(page.l(), &e));
            }
            Ok(value) => entries.push(NewValue {
                target: t.code.clone(),
                org: unit.code.clone(),
                period,
                value,
                comment: Some(comment.clone()).filter(|c| !c.is_empty()),
                source: Some(source.clone()).filter(|c| !c.is_empty()),
            }),
        }
    }
    let l = page.l();
    let mut form_error = String::new();
    if errors.is_empty() && entries.is_empty() {
        form_error = l.t("entry-nothing");
    }
    if errors.is_empty() && !entries.is_empty() {
        let targets: Vec<TargetCode> = entries.iter().map(|e| e.target.clone()).collect();
        let outcome = values::enter(&state, &page.viewer, entries, next, "values").await?;
        match outcome {
            Ok(_) => {
                let what = if next == ValueState::Submitted {
                    "submitted"
                } else {
                    "saved"
                };
                return Ok(Redirect::to(&format!(
                    "/units/{}/entry?period={period}&saved={what}&lang={}",
                    unit.code,
                    l.code()
                ))
                .into_response());
            }
            Err(refused) => {
                for (i, r) in refused {
                    if let Some(t) = targets.get(i) {
                        errors.insert(format!("v_{t}"), wording::refusal(l, &r));
                    }
                }
            }
        }
    }
    let typed: HashMap<String, String> = fields
        .iter()
        .filter(|(k, _)| k.starts_with("v_"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if !errors.is_empty() {
        form_error = l.t("entry-errors");
    }
    let body = entry_page(
        &state,
        page,
        &unit,
        period,
        Filled {
            typed,
            errors,
            saved: None,
            comment,
            source,
            form_error,
        },
    )
    .await?;
    Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &body))
}

pub struct QueueRow {
    target: String,
    unit: String,
    period: String,
    value: String,
    /// The unit of measure.
    measure: String,
    /// The last approved value of an earlier period and the change to it.
    previous: String,
    comment: String,
    author: String,
    when: String,
    key: String,
}

#[derive(Template)]
#[template(path = "approvals.html")]
struct QueuePage {
    c: Chrome,
    rows: Vec<QueueRow>,
    done: Option<String>,
    error: String,
}

#[derive(Debug, Deserialize)]
pub struct QueueQuery {
    done: Option<String>,
}

async fn queue_page(
    state: &AppState,
    page: Page,
    done: Option<String>,
    error: String,
) -> Result<QueuePage, Failure> {
    let l = page.l();
    let o = state.overview();
    let rows = values::reviewable(state, &page.viewer)
        .await?
        .into_iter()
        .map(|v| {
            let target = o.snapshot.targets.iter().find(|t| t.code == v.target);
            let previous = o
                .snapshot
                .series
                .get(&v.target)
                .and_then(|by_unit| by_unit.get(&v.org))
                .and_then(|series| {
                    series
                        .iter()
                        .filter(|(p, _)| *p < v.period)
                        .max_by_key(|(p, _)| *p)
                })
                .map(|(p, before)| {
                    let change = v.value.get() - before;
                    l.t_args(
                        "queue-previous",
                        &[
                            ("value", l.number(*before, 2)),
                            ("period", p.to_string()),
                            (
                                "change",
                                format!(
                                    "{}{}",
                                    if change > 0.0 { "+" } else { "" },
                                    l.number(change, 2)
                                ),
                            ),
                        ],
                    )
                })
                .unwrap_or_else(|| l.t("queue-no-previous"));
            QueueRow {
                key: values::key_of(&v),
                target: target.map_or_else(
                    || v.target.to_string(),
                    |t| format!("{} ({})", pick(l, &t.name_vi, t.name_en.as_deref()), t.code),
                ),
                measure: target.map(|t| t.unit.clone()).unwrap_or_default(),
                unit: super::unit_name(l, &o.snapshot.hierarchy, &v.org),
                period: v.period.to_string(),
                value: l.number(v.value.get(), 2),
                previous,
                comment: v.comment.unwrap_or_default(),
                author: v.author,
                when: l.date(v.recorded_at.date_naive()),
            }
        })
        .collect();
    Ok(QueuePage {
        rows,
        done,
        error,
        c: page.chrome,
    })
}

pub async fn queue(
    State(state): State<AppState>,
    Query(q): Query<QueueQuery>,
    page: Page,
) -> Result<Response, Failure> {
    let done = q.done.map(|d| page.l().t(&format!("review-{d}")));
    Ok(render(
        &queue_page(&state, page, done, String::new()).await?,
    ))
}

#[derive(Debug, Deserialize)]
pub struct ReviewInput {
    key: String,
    decision: String,
    #[serde(default)]
    reason: String,
}

pub async fn review(
    State(state): State<AppState>,
    page: Page,
    Checked(input): Checked<ReviewInput>,
) -> Result<Response, Failure> {
    let what = values::parse_key(&input.key)?;
    let decision: values::Decision = input.decision.parse()?;
    let l = page.l();
    match values::review(&state, &page.viewer, what, decision, &input.reason).await {
        Ok(_) => Ok(Redirect::to(&format!(
            "/approvals?done={}&lang={}",
            input.decision,
            l.code()
        ))
        .into_response()),
        Err(f)
            if f.status == StatusCode::UNPROCESSABLE_ENTITY
                || f.status == StatusCode::CONFLICT
                || (f.status == StatusCode::FORBIDDEN
                    && wording::review_refusal(l, f.code).is_some()) =>
        {
            let message = wording::review_refusal(l, f.code).unwrap_or(f.message);
            let body = queue_page(&state, page, None, message).await?;
            Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &body))
        }
        Err(f) => Err(f),
    }
}
