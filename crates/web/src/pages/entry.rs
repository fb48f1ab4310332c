//! Data entry: a unit's KPI values for a period, saved as drafts or submitted; and review:
//! the approval queue where supervisors approve (locking the value) or return with a reason.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use tiendo_domain::accounts::Role;
use tiendo_domain::orgs::{OrgCode, OrgUnit};
use tiendo_domain::periods::{Period, Periodicity};
use tiendo_domain::targets::{Target, TargetCode};
use tiendo_domain::values::{NewValue, Number, ValueState};
use tiendo_storage::{Entry, ValueFilter};

use crate::auth::Viewer;
use crate::chrome::{Chrome, Page};
use crate::failure::Failure;
use crate::i18n::Lang;
use crate::pages::{pick, render, render_with};
use crate::writer::Review;
use crate::AppState;

/// The unit a caller may enter values for, or why not.
pub fn capturable(state: &AppState, viewer: &Viewer, code: &str) -> Result<OrgUnit, Failure> {
    viewer.require_login()?;
    let o = state.overview();
    let h = &o.snapshot.hierarchy;
    let unit = h
        .get(&code.parse().map_err(|e: tiendo_domain::codes::CodeError| {
            Failure::bad_request("invalid_unit", e.to_string())
        })?)
        .ok_or_else(|| {
            Failure::not_found("unit_not_found", format!("no organisation unit {code}"))
        })?;
    if !viewer.access.may_capture(h, &unit.code) {
        return Err(Failure::forbidden(
            "outside_capture_scope",
            format!("{} may not enter values for {}", viewer.name(), unit.code),
        ));
    }
    Ok(unit.clone())
}

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
pub fn parse_number(text: &str) -> Result<Number, String> {
    let t = text.trim();
    let normal = if t.contains(',') && !t.contains('.') {
        t.replace(',', ".")
    } else {
        t.to_string()
    };
    normal
        .parse::<Number>()
        .map_err(|_| format!("\"{t}\" is not a number"))
}

pub struct Row {
    code: String,
    name: String,
    unit: String,
    field: String,
    input: String,
    current: String,
    state: String,
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
    let current: HashMap<TargetCode, (f64, ValueState)> = state
        .store
        .values(&ValueFilter {
            target: None,
            org: Some(unit.code.clone()),
        })
        .await?
        .into_iter()
        .filter(|v| v.period == period)
        .map(|v| (v.target, (v.value.get(), v.state)))
        .collect();
    let rows = reported_targets(state, unit, period.periodicity())
        .into_iter()
        .map(|t| {
            let field = format!("v_{}", t.code);
            let now = current.get(&t.code);
            Row {
                name: pick(l, t.name_vi.as_deref(), &t.name_en),
                unit: t.unit.clone(),
                input: typed.get(&field).cloned().unwrap_or_default(),
                current: now.map(|(v, _)| l.number(*v, 2)).unwrap_or_default(),
                state: now
                    .map(|(_, s)| l.t(&format!("state-{s}")))
                    .unwrap_or_default(),
                locked: now.is_some_and(|(_, s)| {
                    matches!(s, ValueState::Approved | ValueState::Submitted)
                }),
                error: errors.get(&field).cloned().unwrap_or_default(),
                code: t.code.to_string(),
                field,
            }
        })
        .collect();
    Ok(EntryPage {
        unit: unit.code.to_string(),
        unit_name: pick(l, Some(&unit.name_vi), &unit.name_en),
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
    Form(fields): Form<HashMap<String, String>>,
) -> Result<Response, Failure> {
    page.viewer
        .check_csrf(fields.get("csrf").map(String::as_str))?;
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
    let mut entries = Vec::new();
    for t in reported_targets(&state, &unit, period.periodicity()) {
        let field = format!("v_{}", t.code);
        let Some(text) = fields.get(&field).filter(|v| !v.trim().is_empty()) else {
            continue;
        };
        match parse_number(text) {
            Err(e) => {
                errors.insert(field, e);
            }
            Ok(value) => entries.push(Entry {
                value: NewValue {
                    target: t.code.clone(),
                    org: unit.code.clone(),
                    period,
                    value,
                    comment: Some(comment.clone()).filter(|c| !c.is_empty()),
                    source: Some(source.clone()).filter(|c| !c.is_empty()),
                },
                state: next,
                author: page.viewer.name().to_string(),
            }),
        }
    }
    let l = page.l();
    let mut form_error = String::new();
    if errors.is_empty() && entries.is_empty() {
        form_error = l.t("entry-nothing");
    }
    if errors.is_empty() && !entries.is_empty() {
        let outcome = state
            .writer
            .enter(entries.clone())
            .await
            .map_err(|e| Failure::internal(e.to_string()))?;
        match outcome {
            Ok(()) => {
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
                    if let Some(e) = entries.get(i) {
                        errors.insert(format!("v_{}", e.value.target), r.message);
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

/// How many submitted values the queue reads at most.
const QUEUE_LIMIT: u32 = 5000;

/// Submitted values the caller may approve, oldest first.
pub async fn reviewable(
    state: &AppState,
    viewer: &Viewer,
) -> Result<Vec<tiendo_domain::values::DataValue>, Failure> {
    let o = state.overview();
    let h = &o.snapshot.hierarchy;
    Ok(state
        .store
        .submitted_values(QUEUE_LIMIT)
        .await?
        .into_iter()
        .filter(|v| viewer.access.may_approve(h, &v.org))
        .collect())
}

/// Only those who review values have a queue.
pub fn require_reviewer(viewer: &Viewer) -> Result<(), Failure> {
    viewer.require_login()?;
    if matches!(viewer.access.role(), Role::StandingOffice | Role::Reporter) {
        Ok(())
    } else {
        Err(Failure::forbidden(
            "reviewers_only",
            "only the standing office and reporters of units with units below them review values",
        ))
    }
}

async fn queue_page(
    state: &AppState,
    page: Page,
    done: Option<String>,
    error: String,
) -> Result<QueuePage, Failure> {
    require_reviewer(&page.viewer)?;
    let l = page.l();
    let rows = reviewable(state, &page.viewer)
        .await?
        .into_iter()
        .map(|v| QueueRow {
            key: format!("{}|{}|{}", v.target, v.org, v.period),
            target: v.target.to_string(),
            unit: v.org.to_string(),
            period: v.period.to_string(),
            value: l.number(v.value.get(), 2),
            author: v.author,
            when: l.date(v.recorded_at.date_naive()),
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
    #[serde(default)]
    csrf: String,
    key: String,
    decision: String,
    #[serde(default)]
    reason: String,
}

/// Parses `target|unit|period`.
pub fn parse_key(key: &str) -> Result<(TargetCode, OrgCode, Period), Failure> {
    let bad = || Failure::bad_request("invalid_key", format!("\"{key}\" does not name a value"));
    let mut parts = key.split('|');
    let (Some(t), Some(o), Some(p), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    Ok((
        t.parse().map_err(|_| bad())?,
        o.parse().map_err(|_| bad())?,
        p.parse().map_err(|_| bad())?,
    ))
}

/// Checks and performs a review; shared by the page and the API.
pub async fn perform_review(
    state: &AppState,
    viewer: &Viewer,
    target: TargetCode,
    org: OrgCode,
    period: Period,
    decision: &str,
    reason: &str,
) -> Result<tiendo_domain::values::DataValue, Failure> {
    viewer.require_login()?;
    let next = match decision {
        "approve" => ValueState::Approved,
        "return" => ValueState::Returned,
        other => {
            return Err(Failure::bad_request(
                "invalid_decision",
                format!("unknown decision \"{other}\": use approve or return"),
            ))
        }
    };
    let o = state.overview();
    if !viewer.access.may_approve(&o.snapshot.hierarchy, &org) {
        return Err(Failure::forbidden(
            "outside_approval_scope",
            format!("{} may not review values of {org}", viewer.name()),
        ));
    }
    if next == ValueState::Returned && reason.trim().is_empty() {
        return Err(Failure::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "reason_required",
            "give the reporter a reason when returning a value",
        ));
    }
    let returned = (next == ValueState::Returned).then(|| tiendo_notify::Event {
        kind: tiendo_notify::EventKind::ValueReturned,
        unit: org.clone(),
        object: format!("value {target}/{org}/{period}"),
        text: format!(
            "{target} {org} {period} was returned by {}: {}",
            viewer.name(),
            reason.trim()
        ),
        day: state.day(),
    });
    let done = state
        .writer
        .review(Review {
            target,
            org,
            period,
            next,
            author: viewer.name().to_string(),
            comment: Some(reason.trim().to_string()).filter(|r| !r.is_empty()),
        })
        .await
        .map_err(|e| Failure::internal(e.to_string()))?;
    let value = done.map_err(|e| match e {
        tiendo_storage::StoreError::Invalid(m) => Failure::conflict("invalid_transition", m),
        other => Failure::from(other),
    })?;
    if let Some(event) = returned {
        state.notify(&[event]).await;
    }
    Ok(value)
}

pub async fn review(
    State(state): State<AppState>,
    page: Page,
    Form(input): Form<ReviewInput>,
) -> Result<Response, Failure> {
    page.viewer.check_csrf(Some(&input.csrf))?;
    let (target, org, period) = parse_key(&input.key)?;
    let l = page.l();
    match perform_review(
        &state,
        &page.viewer,
        target,
        org,
        period,
        &input.decision,
        &input.reason,
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&format!(
            "/approvals?done={}&lang={}",
            input.decision,
            l.code()
        ))
        .into_response()),
        Err(f)
            if f.status == StatusCode::UNPROCESSABLE_ENTITY || f.status == StatusCode::CONFLICT =>
        {
            let body = queue_page(&state, page, None, f.message).await?;
            Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &body))
        }
        Err(f) => Err(f),
    }
}
