//! Data entry: a unit's KPI values for a period, saved as drafts or submitted; and review:
//! the approval queue where supervisors approve (locking the value) or return with a reason.

use super::guards::Checked;
use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tiendo_domain::admissibility::Measure;
use tiendo_domain::orgs::{OrgCode, OrgUnit};
use tiendo_domain::periods::{Period, Periodicity};
use tiendo_domain::plausibility::unusual_change;
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

/// The targets `unit` reports with `periodicity`, in catalogue order: not the figures another
/// unit publishes about it.
pub fn reported_targets(state: &AppState, unit: &OrgUnit, periodicity: Periodicity) -> Vec<Target> {
    let o = state.overview();
    o.snapshot
        .targets
        .iter()
        .filter(|t| t.periodicity == periodicity && t.reporters.reported_by(&unit.code, unit.kind))
        .cloned()
        .collect()
}

/// Vietnamese writes thousands with dots and decimals with a comma (`1.625.000,5`), as the pages
/// show figures; `1.625.000`, `1 625 000` and `12.5` are read too. A single dot without a comma
/// stays a decimal point (`1.625` is 1.625): reading it as thousands would turn a decimal typed
/// the international way into a figure a thousand times larger, which no check would catch when
/// the target has no history.
pub fn parse_number(text: &str) -> Result<Number, Problem> {
    let t = text.trim();
    let compact: String = t.chars().filter(|c| !c.is_whitespace()).collect();
    let dots = compact.matches('.').count();
    let commas = compact.matches(',').count();
    let normal = if commas == 1 && (dots == 0 || compact.rfind(',') > compact.rfind('.')) {
        let (whole, fraction) = compact.split_once(',').unwrap_or((&compact, ""));
        ungrouped(whole).map(|w| format!("{w}.{fraction}"))
    } else if commas == 0 && dots > 1 {
        ungrouped(&compact)
    } else {
        Some(compact)
    };
    normal
        .and_then(|n| n.parse::<Number>().ok())
        .ok_or_else(|| not_a_number(t))
}

/// A whole part written with thousands dots (`1.625.000`) without them; `None` when the dots do
/// not group thousands (`12..5`, `1.62.5`), which is a typing error, not a number.
fn ungrouped(whole: &str) -> Option<String> {
    let mut groups = whole.split('.');
    let first = groups.next()?;
    let digits = first.trim_start_matches(['-', '+']);
    let ok_first = (1..=3).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit());
    let rest: Vec<&str> = groups.collect();
    let ok_rest = rest
        .iter()
        .all(|g| g.len() == 3 && g.chars().all(|c| c.is_ascii_digit()));
    if rest.is_empty() {
        return Some(first.to_string());
    }
    (ok_first && ok_rest).then(|| format!("{first}{}", rest.concat()))
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
    /// What the plan asks of it, in words ("≥ 30 % by 2030").
    goal: String,
    /// The last approved value of an earlier period, with its period.
    previous: String,
    field: String,
    input: String,
    /// A milestone: chosen as reached or not, its evidence in the comment.
    qualitative: bool,
    comment_field: String,
    comment: String,
    current: String,
    state: String,
    /// Why a reviewer returned the value, until it is submitted again.
    returned: String,
    locked: bool,
    error: String,
}

/// The targets of one document section, under its heading.
pub struct Group {
    document: String,
    section: String,
    rows: Vec<Row>,
}

#[derive(Template)]
#[template(path = "entry.html")]
struct EntryPage {
    c: Chrome,
    unit: String,
    unit_name: String,
    period: String,
    period_label: String,
    periods: Vec<(String, String, bool)>,
    action: String,
    groups: Vec<Group>,
    source: String,
    form_error: String,
    saved: Option<String>,
    /// Until when the period is open to entry, or that it closed; `None` when entry never
    /// closes. The flag is true when it closed.
    window: Option<(String, bool)>,
}

impl EntryPage {
    /// Whether entry of the period closed for the unit: the buttons are off.
    fn closed(&self) -> bool {
        self.window.as_ref().is_some_and(|(_, closed)| *closed)
    }
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
    source: String,
    form_error: String,
}

/// The approved values of `target` for `unit` before `period`, oldest first.
fn history(
    state: &AppState,
    target: &TargetCode,
    unit: &OrgCode,
    period: Period,
) -> Vec<(Period, f64)> {
    let o = state.overview();
    let mut earlier: Vec<(Period, f64)> = o
        .snapshot
        .series
        .get(target)
        .and_then(|by_unit| by_unit.get(unit))
        .map(|series| {
            series
                .iter()
                .filter(|(p, _)| *p < period)
                .copied()
                .collect()
        })
        .unwrap_or_default();
    earlier.sort_by_key(|(p, _)| *p);
    earlier
}

/// Until when `period` is open to `unit`'s reporters, in words, and whether it closed: the
/// deployment's closing day, or the standing office's reopening when it is later.
async fn entry_window(
    state: &AppState,
    l: Lang,
    unit: &OrgCode,
    period: Period,
) -> Result<Option<(String, bool)>, Failure> {
    let window = state.entry_window();
    let Some(last_day) = window.last_day(period) else {
        return Ok(None);
    };
    let reopened = state.store.reopened_until(unit, period).await?;
    let closed = window.admits(period, reopened).is_err();
    let text = match reopened.filter(|d| *d > last_day) {
        Some(until) if !closed => l.t_args("entry-reopened-until", &[("day", l.date(until))]),
        _ if closed => l.t_args("entry-closed", &[("day", l.date(last_day))]),
        _ => l.t_args("entry-open-until", &[("day", l.date(last_day))]),
    };
    Ok(Some((text, closed)))
}

/// The periods a reporter chooses from: this one's neighbours, newest first, labelled in words.
fn period_choices(l: Lang, shown: Period, today: Period) -> Vec<(String, String, bool)> {
    let mut newest = today.previous().max(shown);
    let mut choices = Vec::new();
    for _ in 0..8 {
        choices.push((
            newest.to_string(),
            wording::period(l, newest),
            newest == shown,
        ));
        newest = newest.previous();
    }
    if !choices.iter().any(|(_, _, here)| *here) {
        choices.push((shown.to_string(), wording::period(l, shown), true));
    }
    choices
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
    let people = super::people(state).await?;
    let documents = state.store.documents().await?;
    let mut groups: Vec<Group> = Vec::new();
    let mut group_of: HashMap<(Option<String>, Option<String>), usize> = HashMap::new();
    for t in reported_targets(state, unit, period.periodicity()) {
        let field = format!("v_{}", t.code);
        let comment_field = format!("c_{}", t.code);
        let now = current.get(&t.code);
        let qualitative = Measure::of(&t.unit) == Measure::Qualitative;
        let shown = |v: f64| {
            if qualitative {
                l.t(if v >= 1.0 {
                    "milestone-reached"
                } else {
                    "milestone-not-reached"
                })
            } else {
                wording::figure(l, v)
            }
        };
        let previous = history(state, &t.code, &unit.code, period)
            .last()
            .map(|(p, v)| format!("{}: {}", wording::period(l, *p), shown(*v)))
            .unwrap_or_else(|| l.t("queue-no-previous"));
        let row = Row {
            name: pick(l, &t.name_vi, t.name_en.as_deref()),
            unit: wording::measure(l, &t.unit),
            goal: super::catalogue::goals(l, &t),
            previous,
            input: typed.get(&field).cloned().unwrap_or_default(),
            comment: typed
                .get(&comment_field)
                .cloned()
                .or_else(|| {
                    now.and_then(|v| v.comment.clone())
                        .filter(|_| now.is_some_and(|v| v.state == ValueState::Draft))
                })
                .unwrap_or_default(),
            current: now.map(|v| shown(v.value.get())).unwrap_or_default(),
            qualitative,
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
                            ("by", super::person(&people, &v.author)),
                        ],
                    )
                })
                .unwrap_or_default(),
            locked: now
                .is_some_and(|v| matches!(v.state, ValueState::Approved | ValueState::Submitted)),
            error: errors.get(&field).cloned().unwrap_or_default(),
            code: t.code.to_string(),
            field,
            comment_field,
        };
        let key = (
            t.document.as_ref().map(ToString::to_string),
            t.group.as_ref().map(ToString::to_string),
        );
        let i = *group_of.entry(key).or_insert_with(|| {
            let doc = t
                .document
                .as_ref()
                .and_then(|d| documents.iter().find(|x| &x.code == d));
            let section = doc
                .zip(t.group.as_ref())
                .and_then(|(d, g)| d.section(g))
                .map(|s| pick(l, &s.title_vi, s.title_en.as_deref()))
                .unwrap_or_default();
            groups.push(Group {
                document: doc.map_or_else(
                    || l.t("entry-indicators"),
                    |d| pick(l, &d.title_vi, d.title_en.as_deref()),
                ),
                section,
                rows: Vec::new(),
            });
            groups.len() - 1
        });
        groups[i].rows.push(row);
    }
    let today = period.periodicity().period_containing(state.day());
    let window = entry_window(state, l, &unit.code, period).await?;
    Ok(EntryPage {
        window,
        unit: unit.code.to_string(),
        unit_name: pick(l, &unit.name_vi, Some(&unit.name_en)),
        period: period.to_string(),
        period_label: wording::period(l, period),
        periods: period_choices(l, period, today),
        action: format!("/units/{}/entry?lang={}", unit.code, l.code()),
        groups,
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
    let source = fields
        .get("source")
        .map(|c| c.trim().to_string())
        .unwrap_or_default();
    let l = page.l();
    let o = state.overview();
    let named = super::named(l, &o.snapshot);
    let mut errors = HashMap::new();
    let mut entries: Vec<NewValue> = Vec::new();
    for t in reported_targets(&state, &unit, period.periodicity()) {
        let field = format!("v_{}", t.code);
        let Some(text) = fields.get(&field).filter(|v| !v.trim().is_empty()) else {
            continue;
        };
        let comment = fields
            .get(&format!("c_{}", t.code))
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty());
        match parse_number(text) {
            Err(e) => {
                errors.insert(field, wording::problem(l, &e));
            }
            Ok(value) if !t.value_bounds().holds(value.get()) => {
                // Said here with the other problems of the form, so one round trip shows all.
                let refusal = tiendo_domain::admissibility::Refusal::OutOfBounds {
                    target: t.code.clone(),
                    value: value.get(),
                    bounds: t.value_bounds(),
                };
                errors.insert(field, wording::refusal_named(l, &refusal, &named));
            }
            Ok(value) => {
                // A change the unit's history makes unlikely goes to review only explained.
                let earlier: Vec<f64> = history(&state, &t.code, &unit.code, period)
                    .into_iter()
                    .map(|(_, v)| v)
                    .collect();
                let unusual = unusual_change(&earlier, value.get());
                if let (Some(u), None, ValueState::Submitted) = (unusual, &comment, next) {
                    errors.insert(field, wording::unusual_change(l, &u));
                    continue;
                }
                // A milestone is judged on evidence: it goes to review with its words.
                let qualitative = Measure::of(&t.unit) == Measure::Qualitative;
                if qualitative && comment.is_none() && next == ValueState::Submitted {
                    errors.insert(field, l.t("entry-evidence-required"));
                    continue;
                }
                entries.push(NewValue {
                    target: t.code.clone(),
                    org: unit.code.clone(),
                    period,
                    value,
                    comment,
                    source: Some(source.clone()).filter(|c| !c.is_empty()),
                });
            }
        }
    }
    // Rules between targets, checked with the rest so every problem shows at once.
    if next == ValueState::Submitted {
        for (i, r) in values::broken_rules(&state, &entries).await? {
            if let Some(e) = entries.get(i) {
                errors
                    .entry(format!("v_{}", e.target))
                    .or_insert_with(|| wording::refusal_named(l, &r, &named));
            }
        }
    }
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
                        errors.insert(format!("v_{t}"), wording::refusal_named(l, &r, &named));
                    }
                }
            }
        }
    }
    let typed: HashMap<String, String> = fields
        .iter()
        .filter(|(k, _)| k.starts_with("v_") || k.starts_with("c_"))
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
    /// Why the value deserves a second look: an unusual change from the unit's history.
    flag: String,
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
    count: Option<usize>,
}

async fn queue_page(
    state: &AppState,
    page: Page,
    done: Option<String>,
    error: String,
) -> Result<QueuePage, Failure> {
    let l = page.l();
    let o = state.overview();
    let people = super::people(state).await?;
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
                            ("period", wording::period(l, *p)),
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
            let earlier: Vec<f64> = history(state, &v.target, &v.org, v.period)
                .into_iter()
                .map(|(_, x)| x)
                .collect();
            let flag = unusual_change(&earlier, v.value.get())
                .map(|u| wording::unusual_flag(l, &u))
                .unwrap_or_default();
            QueueRow {
                flag,
                key: values::key_of(&v),
                target: target.map_or_else(
                    || v.target.to_string(),
                    |t| format!("{} ({})", pick(l, &t.name_vi, t.name_en.as_deref()), t.code),
                ),
                measure: target
                    .map(|t| wording::measure(l, &t.unit))
                    .unwrap_or_default(),
                unit: super::unit_name(l, &o.snapshot.hierarchy, &v.org),
                period: wording::period(l, v.period),
                value: if target.is_some_and(|t| Measure::of(&t.unit) == Measure::Qualitative) {
                    l.t(if v.value.get() >= 1.0 {
                        "milestone-reached"
                    } else {
                        "milestone-not-reached"
                    })
                } else {
                    l.number(v.value.get(), 2)
                },
                previous,
                comment: v.comment.unwrap_or_default(),
                author: super::person(&people, &v.author),
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
    let l = page.l();
    let done = q.done.map(|d| {
        let count = q.count.unwrap_or(1);
        if count > 1 {
            l.t_args(
                &format!("review-{d}-many"),
                &[("count", l.number(count as f64, 0))],
            )
        } else {
            l.t(&format!("review-{d}"))
        }
    });
    Ok(render(
        &queue_page(&state, page, done, String::new()).await?,
    ))
}

/// The queue again, with why the decision was not (wholly) taken.
async fn refused(state: &AppState, page: Page, message: String) -> Result<Response, Failure> {
    let body = queue_page(state, page, None, message).await?;
    Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &body))
}

/// Approves or returns the values the form names: one from a row's own buttons, or every row
/// ticked for the bulk decision. A return needs its reason before anything is written.
pub async fn review(
    State(state): State<AppState>,
    page: Page,
    Checked(fields): Checked<Vec<(String, String)>>,
) -> Result<Response, Failure> {
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let decision_text = field("decision");
    let decision: values::Decision = decision_text.parse()?;
    let reason = field("reason");
    let l = page.l();
    let keys: Vec<values::Reviewed> = fields
        .iter()
        .filter(|(k, _)| k == "key")
        .map(|(_, v)| values::parse_key(v))
        .collect::<Result<_, _>>()?;
    if keys.is_empty() {
        return refused(&state, page, l.t("review-none-picked")).await;
    }
    if decision == values::Decision::Return && reason.is_empty() {
        return refused(&state, page, l.t("review-reason-required")).await;
    }
    let mut done = 0usize;
    let mut failed: Vec<String> = Vec::new();
    for what in keys {
        match values::review(&state, &page.viewer, what, decision, &reason).await {
            Ok(_) => done += 1,
            Err(f)
                if f.status == StatusCode::UNPROCESSABLE_ENTITY
                    || f.status == StatusCode::CONFLICT
                    || (f.status == StatusCode::FORBIDDEN
                        && wording::review_refusal(l, f.code).is_some()) =>
            {
                failed.push(wording::review_refusal(l, f.code).unwrap_or(f.message));
            }
            Err(f) => return Err(f),
        }
    }
    if failed.is_empty() {
        return Ok(Redirect::to(&format!(
            "/approvals?done={decision_text}&count={done}&lang={}",
            l.code()
        ))
        .into_response());
    }
    // Each decision stands on its own: say which were taken and why the others were not.
    let mut message = l.t_args(
        "review-partly",
        &[
            ("done", l.number(done as f64, 0)),
            ("failed", l.number(failed.len() as f64, 0)),
        ],
    );
    failed.dedup();
    message.push(' ');
    message.push_str(&failed.join(" "));
    refused(&state, page, message).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn numbers_are_read_as_vietnamese_officials_write_them() {
        let read = |t: &str| parse_number(t).map(|n| n.get()).ok();
        assert_eq!(read("1.625.000"), Some(1_625_000.0));
        assert_eq!(read("1.625.000,5"), Some(1_625_000.5));
        assert_eq!(read("12,5"), Some(12.5));
        assert_eq!(read("12.5"), Some(12.5));
        assert_eq!(read("1 625 000"), Some(1_625_000.0));
        assert_eq!(read("12..5"), None);
        assert_eq!(read("1,2,3"), None);
        assert_eq!(read("1.62.5"), None);
        assert_eq!(read("-1.625.000"), Some(-1_625_000.0));
    }

    proptest! {
        #[test]
        fn what_a_page_shows_reads_back_as_itself(cents in -1_000_000_000_000i64..1_000_000_000_000) {
            let v = cents as f64 / 100.0;
            let shown = crate::i18n::Lang::Vi.number(v, 2);
            let read = parse_number(&shown).map(|n| n.get());
            prop_assert!(read.as_ref().is_ok_and(|r| (r - v).abs() < 1e-6), "{shown} → {read:?}");
        }
    }
}
