//! Spreadsheet round trip for reporting officers: download a unit's data-entry template for a
//! period (XLSX or CSV), fill it in Excel, upload it, read the preview of every change and every
//! problem (sheet, row, column), then commit the whole file or nothing.

use super::guards::Checked;
use std::collections::{BTreeSet, HashMap};

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};
use tiendo_domain::admissibility::{admit, Refusal, Reporter};
use tiendo_domain::orgs::{OrgCode, OrgUnit};
use tiendo_domain::periods::Period;
use tiendo_domain::targets::TargetCode;
use tiendo_domain::values::{NewValue, Number, ValueState};
use tiendo_exchange::sheet::{self, Cell, Filled, TemplateRow, TemplateSpec};
use tiendo_exchange::Problem;
use tiendo_storage::{ValueFilter, MAX_REQUEST};

use super::entry::{not_a_number, parse_number, reported_targets};
use super::{pick, render_with};
use crate::app::access::capturable;
use crate::app::values;
use crate::auth::Viewer;
use crate::chrome::{Chrome, Page};
use crate::failure::Failure;
use crate::i18n::Lang;
use crate::wording;
use crate::AppState;

/// An upload larger than this is refused before it is read: a unit's template is a few KB.
pub const MAX_UPLOAD_BYTES: usize = 4 * 1024 * 1024;

#[derive(Debug, Deserialize)]
pub struct TemplateQuery {
    #[serde(default)]
    period: Option<String>,
    #[serde(default)]
    format: Option<String>,
}

/// The unit's template for a period: every target it reports with that periodicity.
pub async fn template(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<TemplateQuery>,
    page: Page,
) -> Result<Response, Failure> {
    let unit = capturable(&state, &page.viewer, &code)?;
    let period: Period = q
        .period
        .as_deref()
        .unwrap_or_default()
        .trim()
        .parse()
        .map_err(|e: tiendo_domain::periods::PeriodError| {
            Failure::bad_request("invalid_period", format!("period: {e}"))
        })?;
    let l = page.l();
    let current = current_values(&state, std::slice::from_ref(&unit.code)).await?;
    let rows = reported_targets(&state, &unit, period.periodicity())
        .into_iter()
        .map(|t| TemplateRow {
            current: current
                .get(&(t.code.clone(), unit.code.clone(), period))
                .map(|(v, _)| *v),
            target: t.code.to_string(),
            indicator: pick(l, &t.name_vi, t.name_en.as_deref()),
            measure: crate::wording::measure(l, &t.unit),
            unit: unit.code.to_string(),
            period: period.to_string(),
        })
        .collect();
    let spec = TemplateSpec {
        title: format!(
            "tiendo — {} ({}) — {period}",
            pick(l, &unit.name_vi, Some(&unit.name_en)),
            unit.code
        ),
        rows,
        headers: match l {
            Lang::Vi => &sheet::HEADERS_VI,
            Lang::En => &sheet::HEADERS,
        },
    };
    let name = format!("tiendo-{}-{period}", unit.code);
    let (bytes, kind, ext) = match q.format.as_deref().unwrap_or("xlsx") {
        "xlsx" => (
            sheet::xlsx(&spec).map_err(|e| Failure::internal(e.to_string()))?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        "csv" => (
            sheet::csv(&spec).map_err(|e| Failure::internal(e.to_string()))?,
            "text/csv; charset=utf-8",
            "csv",
        ),
        other => {
            return Err(Failure::bad_request(
                "invalid_format",
                format!("format \"{other}\": use xlsx or csv"),
            ))
        }
    };
    Ok((
        [
            (header::CONTENT_TYPE, kind.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.{ext}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

type Key = (TargetCode, OrgCode, Period);

async fn current_values(
    state: &AppState,
    units: &[OrgCode],
) -> Result<HashMap<Key, (f64, ValueState)>, Failure> {
    let mut map = HashMap::new();
    for unit in units {
        let values = state
            .store
            .values(&ValueFilter {
                target: None,
                org: Some(unit.clone()),
            })
            .await?;
        for v in values {
            map.insert((v.target, v.org, v.period), (v.value.get(), v.state));
        }
    }
    Ok(map)
}

/// A value the upload would write, as carried from the preview to the commit.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Planned {
    target: String,
    unit: String,
    period: String,
    value: f64,
    comment: String,
}

pub struct ChangeLine {
    place: String,
    target: String,
    indicator: String,
    unit: String,
    period: String,
    current: String,
    new: String,
    change: String,
}

#[derive(Template)]
#[template(path = "upload.html")]
struct PreviewPage {
    c: Chrome,
    /// The unit's code, for the forms' addresses.
    unit: String,
    /// Its name and code, for the reader.
    unit_name: String,
    file: String,
    changes: Vec<ChangeLine>,
    problems: Vec<Problem>,
    payload: String,
    commit: String,
    entry: String,
}

/// Checks every filled row against the catalogue, the caller's scope and the stored values:
/// the values to write and the lines of the preview, or the problems with their places.
async fn plan(
    state: &AppState,
    viewer: &Viewer,
    l: Lang,
    filled: &[Filled],
) -> Result<(Vec<Planned>, Vec<ChangeLine>, Vec<Problem>), Failure> {
    let o = state.overview();
    let h = &o.snapshot.hierarchy;
    let mut problems = Vec::new();
    let at = |f: &Filled, column: &str, message: String| {
        Problem::in_sheet(f.sheet.as_str(), f.row, column, message)
    };
    if filled.len() > MAX_REQUEST {
        problems.push(
            Problem::in_sheet(
                filled[0].sheet.as_str(),
                filled[MAX_REQUEST].row,
                "",
                format!(
                    "one upload takes at most {MAX_REQUEST} values ({} filled); split the file",
                    filled.len()
                ),
            )
            .coded(
                "too-many-values",
                [
                    ("limit", MAX_REQUEST.to_string()),
                    ("filled", filled.len().to_string()),
                ],
            ),
        );
        return Ok((Vec::new(), Vec::new(), problems));
    }
    let units: BTreeSet<OrgCode> = filled
        .iter()
        .filter_map(|f| f.unit.parse().ok())
        .filter(|u| viewer.access.may_capture(h, u))
        .collect();
    let units: Vec<OrgCode> = units.into_iter().collect();
    let current = current_values(state, &units).await?;
    let mut seen: HashMap<Key, usize> = HashMap::new();
    let mut planned = Vec::new();
    let mut lines = Vec::new();
    let value_col = sheet::value_column();
    for f in filled {
        let target = match f.target.parse::<TargetCode>() {
            Ok(code) => o.snapshot.targets.iter().find(|t| t.code == code),
            Err(_) => None,
        };
        let Some(target) = target else {
            problems.push(
                at(f, "A", format!("there is no target \"{}\"", f.target))
                    .coded("no-such-target", [("target", f.target.clone())]),
            );
            continue;
        };
        let unit: Option<&OrgUnit> = f.unit.parse().ok().and_then(|u| h.get(&u));
        let Some(unit) = unit else {
            problems.push(
                at(f, "D", format!("there is no unit \"{}\"", f.unit))
                    .coded("no-such-unit", [("unit", f.unit.clone())]),
            );
            continue;
        };
        if !viewer.access.may_capture(h, &unit.code) {
            problems.push(
                at(
                    f,
                    "D",
                    format!("{} may not enter values for {}", viewer.name(), unit.code),
                )
                .coded(
                    "outside-capture-scope",
                    [
                        ("user", viewer.name().to_string()),
                        ("unit", super::unit_name(l, h, &unit.code)),
                    ],
                ),
            );
            continue;
        }
        let period = match f.period.parse::<Period>() {
            Ok(p) => p,
            Err(e) => {
                problems.push(
                    at(f, "E", format!("period: {e}"))
                        .coded("not-a-period", [("input", f.period.clone())]),
                );
                continue;
            }
        };
        let value = match &f.value {
            Cell::Number(n) => Number::new(*n).ok_or_else(|| not_a_number(&n.to_string())),
            Cell::Text(t) if t.is_empty() => {
                Err(Problem::whole("the comment has no value to go with")
                    .coded("value-missing", []))
            }
            Cell::Text(t) => parse_number(t),
        };
        let value = match value {
            Ok(v) => v,
            Err(e) => {
                problems.push(Problem {
                    sheet: Some(f.sheet.clone()),
                    row: f.row,
                    field: value_col.clone(),
                    ..e
                });
                continue;
            }
        };
        let key = (target.code.clone(), unit.code.clone(), period);
        let now = current.get(&key);
        let reporter = Reporter::of(h, unit);
        if let Err(r) = admit(target, reporter, period, value, now.map(|(_, s)| *s)) {
            let column = match r.field() {
                "target" | "org" => "A",
                "period" => "E",
                _ => value_col.as_str(),
            };
            let named = super::named(l, &o.snapshot);
            problems.push(at(f, column, wording::refusal_named(l, &r, &named)));
            continue;
        }
        if let Some(first) = seen.insert(key.clone(), f.row) {
            problems.push(at(
                f,
                "A",
                wording::refusal(
                    l,
                    &Refusal::Twice {
                        first_row: first.saturating_sub(1),
                    },
                ),
            ));
            continue;
        }
        let change = match now {
            None => "upload-new",
            Some((v, _)) if (*v - value.get()).abs() < 1e-12 => "upload-unchanged",
            Some(_) => "upload-changed",
        };
        lines.push(ChangeLine {
            place: format!("{} {}", f.sheet, f.row),
            target: target.code.to_string(),
            indicator: pick(l, &target.name_vi, target.name_en.as_deref()),
            unit: pick(l, &unit.name_vi, Some(&unit.name_en)),
            period: period.to_string(),
            current: now.map(|(v, _)| l.number(*v, 2)).unwrap_or_default(),
            new: l.number(value.get(), 2),
            change: l.t(change),
        });
        planned.push(Planned {
            target: target.code.to_string(),
            unit: unit.code.to_string(),
            period: period.to_string(),
            value: value.get(),
            comment: f.comment.clone(),
        });
    }
    Ok((planned, lines, problems))
}

async fn preview(
    state: &AppState,
    page: Page,
    unit: &OrgUnit,
    file: String,
    filled: Result<Vec<Filled>, Problem>,
) -> Result<Response, Failure> {
    let l = page.l();
    let (planned, changes, problems) = match filled {
        Ok(filled) if filled.is_empty() => (
            Vec::new(),
            Vec::new(),
            vec![Problem::whole(l.t("upload-empty"))],
        ),
        Ok(filled) => plan(state, &page.viewer, l, &filled).await?,
        Err(p) => (Vec::new(), Vec::new(), vec![p]),
    };
    let payload = if problems.is_empty() {
        serde_json::to_string(&planned).map_err(|e| Failure::internal(e.to_string()))?
    } else {
        String::new()
    };
    let o = state.overview();
    let names = super::named(l, &o.snapshot);
    Ok(preview_page(
        page, &names, unit, file, changes, problems, payload,
    ))
}

/// The preview: changes, problems, and the commit form when there is something to commit.
fn preview_page(
    page: Page,
    names: &dyn wording::Names,
    unit: &OrgUnit,
    file: String,
    changes: Vec<ChangeLine>,
    problems: Vec<Problem>,
    payload: String,
) -> Response {
    let l = page.l();
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let body = PreviewPage {
        unit: unit.code.to_string(),
        unit_name: format!(
            "{} ({})",
            pick(l, &unit.name_vi, Some(&unit.name_en)),
            unit.code
        ),
        file,
        changes,
        payload,
        // Worded in the reader's language here, whichever step found them.
        problems: problems
            .into_iter()
            .map(|p| Problem {
                message: wording::problem_named(l, &p, names),
                ..p
            })
            .collect(),
        commit: format!("/units/{}/upload/commit?lang={}", unit.code, l.code()),
        entry: page.chrome.href(&format!("/units/{}/entry", unit.code)),
        c: page.chrome,
    };
    render_with(status, &body)
}

/// Reads the uploaded file and shows what it would change; nothing is written.
pub async fn upload(
    State(state): State<AppState>,
    Path(code): Path<String>,
    page: Page,
    multipart: Multipart,
) -> Result<Response, Failure> {
    let file = super::guards::checked_file(&page.viewer, multipart).await?;
    let unit = capturable(&state, &page.viewer, &code)?;
    let Some((name, bytes)) = file else {
        let l = page.l();
        return preview(
            &state,
            page,
            &unit,
            String::new(),
            Err(Problem::whole(l.t("upload-no-file"))),
        )
        .await;
    };
    let filled = read_upload(bytes).await;
    preview(&state, page, &unit, name, filled).await
}

/// The longest an uploaded file may take to read; the workbook limits keep it far shorter.
const READ_TIME: std::time::Duration = std::time::Duration::from_secs(10);

/// Reads an uploaded template off the request threads, within [`READ_TIME`]. Recognised by
/// content: an XLSX file is a ZIP archive; anything else is read as CSV.
async fn read_upload(bytes: Vec<u8>) -> Result<Vec<sheet::Filled>, Problem> {
    let whole = Problem::whole;
    let read = tokio::task::spawn_blocking(move || {
        if bytes.starts_with(b"PK\x03\x04") {
            sheet::read_xlsx(&bytes)
        } else if std::str::from_utf8(&bytes).is_ok() {
            sheet::read_csv(&bytes)
        } else {
            Err(
                whole("the file is neither an Excel workbook (.xlsx) nor a UTF-8 CSV file")
                    .coded("neither-xlsx-nor-csv", []),
            )
        }
    });
    match tokio::time::timeout(READ_TIME, read).await {
        Ok(Ok(filled)) => filled,
        Ok(Err(_)) => Err(whole("the file could not be read").coded("read-failed", [])),
        Err(_) => Err(whole(
            "the file took too long to read; a template reads in well under a second",
        )
        .coded("read-too-long", [])),
    }
}

#[derive(Debug, Deserialize)]
pub struct CommitInput {
    #[serde(default)]
    payload: String,
    #[serde(default)]
    action: String,
}

/// Writes every previewed value, or none: the plan is checked again (the preview may be stale)
/// and entered as one request.
pub async fn commit(
    State(state): State<AppState>,
    Path(code): Path<String>,
    page: Page,
    Checked(input): Checked<CommitInput>,
) -> Result<Response, Failure> {
    let unit = capturable(&state, &page.viewer, &code)?;
    let next = match input.action.as_str() {
        "submit" => ValueState::Submitted,
        "draft" => ValueState::Draft,
        other => {
            return Err(Failure::bad_request(
                "invalid_action",
                format!("unknown action \"{other}\": use draft or submit"),
            ))
        }
    };
    let planned: Vec<Planned> = serde_json::from_str(&input.payload).map_err(|e| {
        Failure::bad_request(
            "invalid_payload",
            format!("the preview's data is damaged: {e}"),
        )
    })?;
    let filled: Vec<Filled> = planned
        .iter()
        .enumerate()
        .map(|(i, p)| Filled {
            sheet: "preview".into(),
            row: i + 1,
            target: p.target.clone(),
            unit: p.unit.clone(),
            period: p.period.clone(),
            value: Cell::Number(p.value),
            comment: p.comment.clone(),
        })
        .collect();
    let l = page.l();
    let (checked, _, problems) = plan(&state, &page.viewer, l, &filled).await?;
    if !problems.is_empty() || checked.is_empty() {
        return preview(&state, page, &unit, String::new(), Ok(filled)).await;
    }
    let mut entries = Vec::with_capacity(checked.len());
    for p in &checked {
        let parse = |what: &str, e: String| {
            Failure::bad_request("invalid_payload", format!("the preview's {what}: {e}"))
        };
        entries.push(NewValue {
            target: p
                .target
                .parse()
                .map_err(|e| parse("target", format!("{e}")))?,
            org: p.unit.parse().map_err(|e| parse("unit", format!("{e}")))?,
            period: p
                .period
                .parse()
                .map_err(|e| parse("period", format!("{e}")))?,
            value: Number::new(p.value).ok_or_else(|| parse("value", p.value.to_string()))?,
            comment: Some(p.comment.clone()).filter(|c| !c.is_empty()),
            source: Some("spreadsheet upload".to_string()),
        });
    }
    let first_period = checked[0].period.clone();
    match values::enter(&state, &page.viewer, entries, next, "rows").await? {
        Ok(_) => {
            let what = if next == ValueState::Submitted {
                "submitted"
            } else {
                "saved"
            };
            Ok(Redirect::to(&format!(
                "/units/{}/entry?period={first_period}&saved={what}&lang={}",
                unit.code,
                l.code()
            ))
            .into_response())
        }
        Err(refused) => {
            let o = state.overview();
            let names = super::named(l, &o.snapshot);
            let problems = refused
                .into_iter()
                .map(|(i, r)| {
                    Problem::in_sheet(
                        "preview",
                        i + 1,
                        sheet::value_column(),
                        wording::refusal_named(l, &r, &names),
                    )
                })
                .collect();
            Ok(preview_page(
                page,
                &names,
                &unit,
                String::new(),
                Vec::new(),
                problems,
                String::new(),
            ))
        }
    }
}
