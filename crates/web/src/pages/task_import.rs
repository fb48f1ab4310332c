//! The page where the standing office (or a unit's office, for its own plan) uploads a plan's
//! task appendix as Word or Excel, sees every task as read with every problem at its table,
//! row and column, maps the agency names tiendo does not know, and writes all or nothing.

use super::guards::Checked;

use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::Response;
use tiendo_dataset::agencies::Mapping;
use tiendo_dataset::appendix::Prepared;
use tiendo_dataset::deadlines::Deadline;
use tiendo_domain::documents::DocumentCode;
use tiendo_domain::orgs::{OrgCode, OrgKind};
use tiendo_exchange::appendix::Appendix;
use tiendo_exchange::docx;
use tiendo_exchange::sheet::{self, WorkbookLimits};
use tiendo_exchange::Problem;

use super::{pick, render_with};
use crate::app::appendix as app;
use crate::chrome::{Chrome, Page};
use crate::failure::Failure;
use crate::i18n::Lang;
use crate::AppState;

/// An appendix larger than this is refused before it is read: a plan with its appendix is a
/// few hundred KB.
pub const MAX_APPENDIX_BYTES: usize = 16 * 1024 * 1024;
/// The longest an uploaded appendix may take to read.
const READ_TIME: std::time::Duration = std::time::Duration::from_secs(20);

pub struct TaskLine {
    place: String,
    number: String,
    title: String,
    lead: String,
    deadline: String,
    state: String,
}

pub struct Unknown {
    words: String,
}

#[derive(Template)]
#[template(path = "task_import.html")]
struct ImportPage {
    c: Chrome,
    documents: Vec<(String, String)>,
    chosen: String,
    file: String,
    done: Option<String>,
    summary: Option<String>,
    /// Each problem's place and sentence, in the reader's language.
    problems: Vec<(String, String)>,
    unknown: Vec<Unknown>,
    units: Vec<(String, String)>,
    tasks: Vec<TaskLine>,
    payload: String,
    can_write: bool,
    write_label: String,
    /// The mappings chosen so far, carried to the next step of the form.
    kept: Vec<(String, String)>,
}

/// The units a name can be mapped to: central agencies, ministries, provinces and
/// departments in force, by name.
fn mappable(l: Lang, state: &AppState) -> Vec<(String, String)> {
    let o = state.overview();
    let mut units: Vec<(String, String)> = o
        .snapshot
        .hierarchy
        .as_of(o.day)
        .filter(|u| {
            matches!(
                u.kind,
                OrgKind::Ministry
                    | OrgKind::CentralAgency
                    | OrgKind::Province
                    | OrgKind::Department
            )
        })
        .map(|u| (u.code.to_string(), pick(l, &u.name_vi, Some(&u.name_en))))
        .collect();
    units.sort_by(|a, b| a.1.cmp(&b.1));
    units
}

/// What the page shows after a step: the document and file chosen, what was read (or why
/// nothing could be), what was written, and the mappings chosen so far.
struct Step<'a> {
    chosen: String,
    file: String,
    read: Result<(Appendix, Prepared), Vec<Problem>>,
    done: Option<String>,
    typed: &'a [Mapping],
}

async fn shown(
    state: &AppState,
    page: Page,
    status: StatusCode,
    step: Step<'_>,
) -> Result<Response, Failure> {
    let Step {
        chosen,
        file,
        read,
        done,
        typed,
    } = step;
    let l = page.l();
    let documents = app::documents(state, &page.viewer)
        .await?
        .into_iter()
        .map(|d| {
            let name = format!(
                "{} — {}",
                d.code,
                pick(l, &d.title_vi, d.title_en.as_deref())
            );
            (d.code.to_string(), name)
        })
        .collect();
    let o = state.overview();
    let names = super::named(l, &o.snapshot);
    let worded = |p: &Problem| {
        (
            tiendo_wording::place(l, p),
            tiendo_wording::problem_named(l, p, &names),
        )
    };
    let mut body = ImportPage {
        documents,
        chosen,
        file,
        done,
        summary: None,
        problems: Vec::new(),
        unknown: Vec::new(),
        units: Vec::new(),
        tasks: Vec::new(),
        payload: String::new(),
        can_write: false,
        write_label: String::new(),
        kept: Vec::new(),
        c: page.chrome,
    };
    body.kept = typed
        .iter()
        .map(|(w, u)| {
            (
                w.clone(),
                u.as_ref().map_or("-".to_string(), |u| u.to_string()),
            )
        })
        .collect();
    match read {
        Err(problems) => body.problems = problems.iter().map(worded).collect(),
        Ok((appendix, prepared)) => {
            let i = &prepared.imported;
            body.problems = i.problems.iter().map(worded).collect();
            body.unknown = i
                .unknown
                .iter()
                .map(|w| Unknown { words: w.clone() })
                .collect();
            if !body.unknown.is_empty() {
                body.units = mappable(l, state);
            }
            body.tasks = i
                .tasks
                .iter()
                .zip(&i.readings)
                .map(|(t, r)| TaskLine {
                    place: format!(
                        "{}, {}",
                        r.table,
                        l.t_args("tasks-import-row", &[("row", r.row.to_string())])
                    ),
                    number: r.number.clone(),
                    title: t.title_vi.clone(),
                    lead: match &r.lead_succeeded {
                        _ if r.lead_unknown => l.t_args(
                            "tasks-import-lead-unknown",
                            &[(
                                "words",
                                t.as_published.lead_as_given.clone().unwrap_or_default(),
                            )],
                        ),
                        Some(before) => l.t_args(
                            "tasks-import-succeeded",
                            &[
                                ("unit", super::unit_name(l, &o.snapshot.hierarchy, &t.lead)),
                                ("before", super::unit_name(l, &o.snapshot.hierarchy, before)),
                            ],
                        ),
                        None => super::unit_name(l, &o.snapshot.hierarchy, &t.lead),
                    },
                    deadline: {
                        let read = match r.deadline {
                            Some(Deadline::By(d)) => l.date(d),
                            Some(Deadline::Ongoing) => l.t("tasks-import-ongoing"),
                            Some(Deadline::Yearly) => l.t("tasks-import-yearly"),
                            None => l.t("tasks-import-no-deadline"),
                        };
                        // The words as written beside what was read, to check one by the other.
                        match &t.as_published.deadline_as_given {
                            Some(w) if *w != read => format!("{w} → {read}"),
                            _ => read,
                        }
                    },
                    state: l.t(if r.stored {
                        "tasks-import-stored"
                    } else {
                        "tasks-import-new"
                    }),
                })
                .collect();
            if let Some(plan) = &prepared.plan {
                body.can_write = true;
                body.write_label =
                    l.t_args("appendix-write", &[("count", i.tasks.len().to_string())]);
                body.summary = Some(
                    l.t_args(
                        "appendix-summary",
                        &[
                            ("tasks", i.tasks.len().to_string()),
                            ("new", plan.tasks.new.len().to_string()),
                            ("changed", plan.tasks.changed.len().to_string()),
                            ("unchanged", plan.tasks.unchanged.to_string()),
                            (
                                "matched",
                                i.readings
                                    .iter()
                                    .filter(|r| r.lead_named)
                                    .count()
                                    .to_string(),
                            ),
                            (
                                "dated",
                                i.readings
                                    .iter()
                                    .filter(|r| r.deadline.is_some())
                                    .count()
                                    .to_string(),
                            ),
                        ],
                    ),
                );
            }
            body.payload = serde_json::to_string(&appendix).unwrap_or_default();
        }
    }
    Ok(render_with(status, &body))
}

pub async fn page(State(state): State<AppState>, page: Page) -> Result<Response, Failure> {
    // The page lists the documents the caller may import into, refusing one who may not.
    shown(
        &state,
        page,
        StatusCode::OK,
        Step {
            chosen: String::new(),
            file: String::new(),
            read: Err(Vec::new()),
            done: None,
            typed: &[],
        },
    )
    .await
}

/// The tables of an uploaded file, read off the request threads within [`READ_TIME`]: a
/// Word document by its content, otherwise a workbook.
async fn read_tables(l: Lang, bytes: Vec<u8>) -> Result<Appendix, Vec<Problem>> {
    let table_name = move |i: usize| l.t_args("tasks-import-table", &[("n", (i + 1).to_string())]);
    let read = tokio::task::spawn_blocking(move || {
        let is_docx = zip_holds(&bytes, "word/document.xml");
        let tables = if is_docx {
            docx::tables(&bytes).map(|t| {
                t.into_iter()
                    .enumerate()
                    .map(|(i, t)| (table_name(i), t))
                    .collect::<Vec<_>>()
            })
        } else {
            sheet::tables(&bytes, &WorkbookLimits::default())
        };
        tables
            .map_err(|p| vec![p])
            .and_then(|t| tiendo_exchange::appendix::read(&t))
    });
    match tokio::time::timeout(READ_TIME, read).await {
        Ok(Ok(read)) => read,
        Ok(Err(_)) => Err(vec![
            Problem::whole("the file could not be read").coded("read-failed", [])
        ]),
        Err(_) => Err(vec![
            Problem::whole("the file took too long to read").coded("read-too-long", [])
        ]),
    }
}

/// Whether `bytes` is a zip package holding `part`.
fn zip_holds(bytes: &[u8], part: &str) -> bool {
    bytes.starts_with(b"PK\x03\x04") && bytes.windows(part.len()).any(|w| w == part.as_bytes())
}

/// A file that cannot be read, or none: the page says why, with the form again.
async fn refused(
    state: &AppState,
    page: Page,
    chosen: String,
    file: String,
    problems: Vec<Problem>,
) -> Result<Response, Failure> {
    let step = Step {
        chosen,
        file,
        read: Err(problems),
        done: None,
        typed: &[],
    };
    shown(state, page, StatusCode::UNPROCESSABLE_ENTITY, step).await
}

/// Whether an appendix sent back from the preview keeps the limits its reading had: a browser
/// may send anything.
fn within_reading_limits(a: &Appendix) -> bool {
    let limits = docx::DocumentLimits::default();
    let short = |t: &str| t.chars().count() <= limits.cell_chars;
    a.rows.len() <= limits.rows
        && a.groups.len() <= limits.rows
        && a.rows.iter().all(|r| {
            let c = &r.columns;
            [
                Some(c.title),
                Some(c.lead),
                c.number,
                c.coordinators,
                c.product,
                c.deadline,
            ]
            .into_iter()
            .flatten()
            .all(|i| i < limits.columns)
                && [
                    &r.title,
                    &r.lead,
                    &r.coordinators,
                    &r.product,
                    &r.deadline,
                    &r.number,
                ]
                .iter()
                .all(|t| short(t))
                && r.place.table.chars().count() <= 100
        })
        && a.groups
            .iter()
            .all(|g| short(&g.title) && g.numeral.len() <= 10)
}

/// Reads the uploaded appendix and shows every task and problem; nothing is written.
pub async fn upload(
    State(state): State<AppState>,
    page: Page,
    multipart: Multipart,
) -> Result<Response, Failure> {
    let (file, fields) = super::guards::checked_file_and_fields(&page.viewer, multipart).await?;
    let l = page.l();
    let chosen = fields.get("document").cloned().unwrap_or_default();
    // Who may import into which document is settled before the file is read.
    if chosen.is_empty() {
        app::documents(&state, &page.viewer).await?;
    } else {
        app::importable(&state, &page.viewer, &parse_document(&chosen)?).await?;
    }
    let missing = if chosen.is_empty() {
        Some("appendix-choose-document")
    } else if file.is_none() {
        Some("upload-no-file")
    } else {
        None
    };
    let (Some((name, bytes)), None) = (file, missing) else {
        let none = Problem::whole(l.t(missing.unwrap_or("upload-no-file")));
        return refused(&state, page, chosen, String::new(), vec![none]).await;
    };
    let appendix = match read_tables(l, bytes).await {
        Ok(a) => a,
        Err(problems) => return refused(&state, page, chosen, name, problems).await,
    };
    let document = parse_document(&chosen)?;
    let prepared = app::prepare(&state, &page.viewer, &document, &appendix, &[], &name).await?;
    previewed(&state, page, chosen, name, appendix, prepared, &[]).await
}

/// The preview of a prepared appendix: 200 when it can be written, 422 while problems remain.
async fn previewed(
    state: &AppState,
    page: Page,
    chosen: String,
    file: String,
    appendix: Appendix,
    prepared: Prepared,
    typed: &[Mapping],
) -> Result<Response, Failure> {
    let status = if prepared.plan.is_some() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let step = Step {
        chosen,
        file,
        read: Ok((appendix, prepared)),
        done: None,
        typed,
    };
    shown(state, page, status, step).await
}

fn parse_document(code: &str) -> Result<DocumentCode, Failure> {
    code.parse()
        .map_err(|_| Failure::bad_request("document_not_found", format!("no document \"{code}\"")))
}

/// The commit form: the document, the file's name, the appendix as previewed, the action,
/// and the unknown names shown with, at the same positions, what each was mapped to (the
/// form repeats `map_words` and `map_unit`).
#[derive(Debug, Default)]
struct CommitInput {
    document: String,
    file: String,
    payload: String,
    action: String,
    map_words: Vec<String>,
    map_unit: Vec<String>,
}

impl From<&Vec<(String, String)>> for CommitInput {
    fn from(sent: &Vec<(String, String)>) -> Self {
        let mut input = CommitInput::default();
        for (k, v) in sent {
            match k.as_str() {
                "document" => input.document = v.clone(),
                "file" => input.file = v.clone(),
                "payload" => input.payload = v.clone(),
                "action" => input.action = v.clone(),
                "map_words" => input.map_words.push(v.clone()),
                "map_unit" => input.map_unit.push(v.clone()),
                _ => {}
            }
        }
        input
    }
}

/// Applies the mappings chosen and shows the preview again, or writes every task (checked
/// once more: the preview may be stale) and nothing else.
pub async fn commit(
    State(state): State<AppState>,
    page: Page,
    Checked(sent): Checked<Vec<(String, String)>>,
) -> Result<Response, Failure> {
    let input = CommitInput::from(&sent);
    let appendix: Appendix = serde_json::from_str(&input.payload)
        .ok()
        .filter(within_reading_limits)
        .ok_or_else(|| {
            Failure::bad_request(
                "invalid_payload",
                "the preview's data is damaged".to_string(),
            )
        })?;
    let file = tiendo_domain::feedback::safe_name(&input.file);
    let mut typed: Vec<Mapping> = Vec::new();
    for (words, unit) in input.map_words.iter().zip(&input.map_unit) {
        match unit.as_str() {
            "" => {}
            "-" => typed.push((words.clone(), None)),
            code => {
                let unit: OrgCode = code.parse().map_err(|_| {
                    Failure::bad_request("invalid_unit", format!("no unit \"{code}\""))
                })?;
                typed.push((words.clone(), Some(unit)));
            }
        }
    }
    let document = parse_document(&input.document)?;
    let prepared = app::prepare(&state, &page.viewer, &document, &appendix, &typed, &file).await?;
    if input.action == "write" && prepared.plan.is_some() {
        let written = app::write(&state, &page.viewer, &prepared, &file).await?;
        let l = page.l();
        let done = l.t_args(
            "appendix-written",
            &[
                ("count", written.to_string()),
                ("document", document.to_string()),
            ],
        );
        return shown(
            &state,
            page,
            StatusCode::OK,
            Step {
                chosen: input.document,
                file: String::new(),
                read: Err(Vec::new()),
                done: Some(done),
                typed: &[],
            },
        )
        .await;
    }
    previewed(
        &state,
        page,
        input.document,
        file,
        appendix,
        prepared,
        &typed,
    )
    .await
}
