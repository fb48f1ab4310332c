//! Open data: every published table as CSV and JSON, each with its licence. Only what the
//! public may see is here: approved values, public tasks, documents, targets, rankings, and
//! the feedback answers published with their senders' consent.

use askama::Template;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tiendo_domain::tasks::Clearance;
use tiendo_evaluation::tasks::{task_status, Horizon};

use crate::chrome::{Chrome, Page};
use crate::failure::Failure;
use crate::overview::compute_index;
use crate::pages::render;
use crate::wording::serde_name;
use crate::AppState;

/// The licence every open-data file carries.
pub const LICENCE: &str = "Creative Commons Attribution 4.0 International (CC BY 4.0), https://creativecommons.org/licenses/by/4.0/";

/// The published tables.
pub const TABLES: [&str; 7] = [
    "documents",
    "targets",
    "values",
    "tasks",
    "rankings",
    "reporting",
    "feedback",
];

#[derive(Template)]
#[template(path = "open_data.html")]
struct OpenDataPage {
    c: Chrome,
    licence: &'static str,
    tables: Vec<(String, String, String)>,
}

pub async fn index(page: Page) -> Response {
    let tables = TABLES
        .iter()
        .map(|t| {
            (
                page.l().t(&format!("open-{t}")),
                format!("/open-data/{t}.csv"),
                format!("/open-data/{t}.json"),
            )
        })
        .collect();
    render(&OpenDataPage {
        c: page.chrome,
        licence: LICENCE,
        tables,
    })
}

/// One table: column names and rows of text.
struct Table {
    columns: Vec<&'static str>,
    rows: Vec<Vec<String>>,
}

async fn table(state: &AppState, name: &str) -> Result<Table, Failure> {
    let o = state.overview();
    let opt = |v: Option<String>| v.unwrap_or_default();
    Ok(match name {
        "documents" => Table {
            columns: vec![
                "code",
                "kind",
                "title_vi",
                "title_en",
                "issuer",
                "issued_on",
                "implements",
                "source",
            ],
            rows: state
                .store
                .documents()
                .await?
                .into_iter()
                .map(|d| {
                    vec![
                        d.code.to_string(),
                        d.kind.as_str().to_string(),
                        d.title_vi,
                        opt(d.title_en),
                        opt(d.issuer.map(|i| i.to_string())),
                        opt(d.issued_on.map(|x| x.to_string())),
                        d.implements
                            .iter()
                            .map(|c| c.to_string())
                            .collect::<Vec<_>>()
                            .join(" "),
                        opt(d.source),
                    ]
                })
                .collect(),
        },
        "targets" => Table {
            columns: vec![
                "code",
                "document",
                "name_vi",
                "name_en",
                "unit",
                "direction",
                "periodicity",
                "goals",
                "source",
            ],
            rows: o
                .snapshot
                .targets
                .iter()
                .map(|t| {
                    vec![
                        t.code.to_string(),
                        opt(t.document.as_ref().map(|d| d.to_string())),
                        t.name_vi.clone(),
                        opt(t.name_en.clone()),
                        t.unit.clone(),
                        serde_name(&t.direction),
                        t.periodicity.as_str().to_string(),
                        t.goals
                            .iter()
                            .map(|g| format!("{} {}", g.requirement, g.deadline))
                            .collect::<Vec<_>>()
                            .join("; "),
                        opt(t.source.clone()),
                    ]
                })
                .collect(),
        },
        "tasks" => {
            let day = state.day();
            Table {
                columns: vec![
                    "code", "document", "title_vi", "title_en", "lead", "deadline", "status",
                    "source",
                ],
                rows: crate::app::tasks::readable(state, Clearance::Public)
                    .await?
                    .iter()
                    .map(|t| {
                        let has = o
                            .snapshot
                            .last_progress
                            .get(&t.code)
                            .is_some_and(|d| *d <= day);
                        let status = task_status(t, day, has, Horizon::default());
                        vec![
                            t.code.to_string(),
                            t.document.to_string(),
                            t.title_vi.clone(),
                            opt(t.title_en.clone()),
                            t.lead.to_string(),
                            opt(t.deadline.map(|d| d.to_string())),
                            serde_name(&status),
                            opt(t.source.clone()),
                        ]
                    })
                    .collect(),
            }
        }
        "rankings" => {
            let mut rows = Vec::new();
            for index in tiendo_dataset::builtin_index_names() {
                let computed = compute_index(&o.snapshot, o.day, index)
                    .map_err(|e| Failure::internal(e.to_string()))?;
                for c in computed.iter() {
                    for (node, scores) in &c.result.nodes {
                        for (unit, s) in scores {
                            rows.push(vec![
                                index.to_string(),
                                c.period.to_string(),
                                node.clone(),
                                unit.to_string(),
                                s.score.map(|x| x.to_string()).unwrap_or_default(),
                                s.rank.map(|x| x.to_string()).unwrap_or_default(),
                            ]);
                        }
                    }
                }
            }
            Table {
                columns: vec!["index", "period", "node", "unit", "score", "rank"],
                rows,
            }
        }
        "feedback" => {
            // Published answers only, as the sender agreed: never contact details or files.
            let published = tiendo_storage::CaseFilter {
                published_only: true,
                ..tiendo_storage::CaseFilter::default()
            };
            let (cases, _) = state.store.feedback_cases(&published, u32::MAX, 0).await?;
            Table {
                columns: vec![
                    "reference",
                    "kind",
                    "concerns",
                    "unit",
                    "state",
                    "received_on",
                    "text",
                    "answer",
                    "answered_on",
                ],
                rows: cases
                    .iter()
                    .map(|c| {
                        let p = c.public();
                        vec![
                            p.reference,
                            p.kind.to_string(),
                            p.concern.to_string(),
                            opt(p.unit.map(|u| u.to_string())),
                            p.state.to_string(),
                            p.received_on.to_string(),
                            p.text,
                            opt(p.answer),
                            opt(p.answered_on.map(|d| d.to_string())),
                        ]
                    })
                    .collect(),
            }
        }
        "reporting" => {
            // Completeness and timeliness of every unit in force, with the units within it.
            let r = o.reporting();
            let mut rows: Vec<Vec<String>> = o
                .units
                .values()
                .filter_map(|u| r.within.get(&u.code).map(|c| (u, c)))
                .map(|(u, c)| {
                    vec![
                        o.day.to_string(),
                        u.code.to_string(),
                        u.name_vi.clone(),
                        serde_name(&u.kind),
                        opt(u.parent.as_ref().map(|p| p.to_string())),
                        c.expected.to_string(),
                        c.received.to_string(),
                        c.on_time.to_string(),
                    ]
                })
                .collect();
            rows.sort();
            Table {
                columns: vec![
                    "day", "unit", "name_vi", "kind", "parent", "expected", "received", "on_time",
                ],
                rows,
            }
        }
        other => {
            return Err(Failure::not_found(
                "table_not_found",
                format!(
                    "no open-data table {other}; the tables are {}",
                    TABLES.join(", ")
                ),
            ))
        }
    })
}

#[derive(Serialize)]
struct JsonTable<'a> {
    licence: &'static str,
    table: &'a str,
    columns: &'a [&'static str],
    rows: &'a [Vec<String>],
}

/// `/open-data/{table}.csv` or `.json`.
pub async fn download(
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> Result<Response, Failure> {
    let (name, format) = file.rsplit_once('.').ok_or_else(|| {
        Failure::not_found("table_not_found", format!("no open-data file {file}"))
    })?;
    if name == "values" {
        return values_file(state, format);
    }
    let t = table(&state, name).await?;
    let cache = (header::CACHE_CONTROL, "public, max-age=300");
    match format {
        "json" => {
            let body = serde_json::to_string(&JsonTable {
                licence: LICENCE,
                table: name,
                columns: &t.columns,
                rows: &t.rows,
            })
            .map_err(|e| Failure::internal(e.to_string()))?;
            Ok(([(header::CONTENT_TYPE, "application/json"), cache], body).into_response())
        }
        "csv" => {
            let write = || -> Result<Vec<u8>, String> {
                // A byte-order mark so spreadsheets keep Vietnamese; the header row first
                // (the licence travels in the Link header, the page and the JSON).
                let mut w = csv::Writer::from_writer(tiendo_exchange::UTF8_BOM.to_vec());
                w.write_record(&t.columns).map_err(|e| e.to_string())?;
                for r in &t.rows {
                    w.write_record(
                        r.iter()
                            .map(|c| tiendo_exchange::spreadsheet_cell(c).into_owned()),
                    )
                    .map_err(|e| e.to_string())?;
                }
                w.into_inner().map_err(|e| e.to_string())
            };
            let out = write().map_err(Failure::internal)?;
            Ok((csv_headers(name), out).into_response())
        }
        other => Err(Failure::not_found(
            "format_not_found",
            format!("no format {other}: use .csv or .json"),
        )),
    }
}

/// The headers of a CSV file: a download named after its table, its licence linked.
fn csv_headers(name: &str) -> [(header::HeaderName, String); 4] {
    [
        (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
        (header::CACHE_CONTROL, "public, max-age=300".to_string()),
        (
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"tiendo-{name}.csv\""),
        ),
        (
            header::LINK,
            "<https://creativecommons.org/licenses/by/4.0/>; rel=\"license\"".to_string(),
        ),
    ]
}

/// Files of every value written at once. Each reads every approved value of the nation (2.6
/// million at national scale), target by target, at most a few targets' rows ahead of its
/// reader.
/// (`error-open_data_busy` says how many, and how long to wait, in words; the test
/// `a_third_file_of_every_value_waits_for_one_of_two_to_finish` keeps them the same.)
pub const VALUES_FILES_AT_ONCE: usize = 2;

/// How long a reader may read nothing of a values file before it is ended and its permit
/// freed for another.
const VALUES_READER_PATIENCE: std::time::Duration = std::time::Duration::from_secs(60);

/// How long a reader refused a values file is asked to wait, in seconds.
const VALUES_RETRY_AFTER: &str = "30";

const VALUES_COLUMNS: [&str; 6] = ["target", "org", "period", "value", "comment", "source"];

/// The approved values of every target, as CSV or JSON, streamed as they are read: from the
/// read replica when there is one, a target at a time.
fn values_file(state: AppState, format: &str) -> Result<Response, Failure> {
    let csv = match format {
        "csv" => true,
        "json" => false,
        other => {
            return Err(Failure::not_found(
                "format_not_found",
                format!("no format {other}: use .csv or .json"),
            ))
        }
    };
    let Some(permit) = state.values_file_permit() else {
        let mut busy = Failure::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "open_data_busy",
            format!(
                "{VALUES_FILES_AT_ONCE} files of every value are being written; \
                 try again in {VALUES_RETRY_AFTER} seconds"
            ),
        )
        .into_response();
        busy.headers_mut().insert(
            header::RETRY_AFTER,
            header::HeaderValue::from_static(VALUES_RETRY_AFTER),
        );
        return Ok(busy);
    };
    let targets: Vec<_> = state
        .overview()
        .snapshot
        .targets
        .iter()
        .map(|t| t.code.clone())
        .collect();
    // A few chunks ahead at most: a slow reader slows the reading, not the server's memory.
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(4);
    tokio::spawn(async move {
        let _permit = permit;
        // A reader that stops reading gives its permit back after a while; one that leaves is
        // noticed before the next target is read.
        let send = |chunk: Result<Vec<u8>, std::io::Error>| {
            let tx = tx.clone();
            async move {
                matches!(
                    tokio::time::timeout(VALUES_READER_PATIENCE, tx.send(chunk)).await,
                    Ok(Ok(()))
                )
            }
        };
        let mut store = state.public_reads();
        let mut first = true;
        let head = if csv {
            let mut head = tiendo_exchange::UTF8_BOM.to_vec();
            head.extend_from_slice(VALUES_COLUMNS.join(",").as_bytes());
            head.push(b'\n');
            head
        } else {
            let head = serde_json::json!({
                "licence": LICENCE, "table": "values", "columns": VALUES_COLUMNS,
            })
            .to_string();
            // The object without its closing brace, the rows to follow.
            format!("{},\"rows\":[", &head[..head.len() - 1]).into_bytes()
        };
        if !send(Ok(head)).await {
            return;
        }
        for target in targets {
            if tx.is_closed() {
                return;
            }
            let mut read = store.published_values(&target).await;
            if read.is_err() && !std::ptr::eq(store, state.primary()) {
                // The replica failed: the rest of the file comes from the primary.
                tracing::warn!("the read replica failed a values file; reading the primary");
                store = state.primary();
                read = store.published_values(&target).await;
            }
            let chunk = match read {
                Ok(values) => value_rows(&values, csv, &mut first),
                Err(e) => {
                    // The reader gets a broken download, never a file that looks whole.
                    tracing::warn!(error = %e, "the values file stopped");
                    let _ = send(Err(std::io::Error::other(e.to_string()))).await;
                    return;
                }
            };
            if !chunk.is_empty() && !send(Ok(chunk)).await {
                return;
            }
        }
        if !csv {
            let _ = send(Ok(b"]}".to_vec())).await;
        }
    });
    let body = Body::from_stream(futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (chunk, rx))
    }));
    Ok(if csv {
        (csv_headers("values"), body).into_response()
    } else {
        (
            [
                (header::CONTENT_TYPE, "application/json"),
                (header::CACHE_CONTROL, "public, max-age=300"),
            ],
            body,
        )
            .into_response()
    })
}

/// `values` as CSV lines or JSON array items (comma-led after the first).
fn value_rows(values: &[tiendo_domain::values::DataValue], csv: bool, first: &mut bool) -> Vec<u8> {
    let rows = values.iter().map(|v| {
        [
            v.target.to_string(),
            v.org.to_string(),
            v.period.to_string(),
            v.value.get().to_string(),
            v.comment.clone().unwrap_or_default(),
            v.source.clone().unwrap_or_default(),
        ]
    });
    if csv {
        let mut w = csv::Writer::from_writer(Vec::new());
        for r in rows {
            // Writing to memory fails only on a full allocation, which aborts anyway.
            let _ = w.write_record(
                r.iter()
                    .map(|c| tiendo_exchange::spreadsheet_cell(c).into_owned()),
            );
        }
        w.into_inner().unwrap_or_default()
    } else {
        let mut out = Vec::new();
        for r in rows {
            if !std::mem::take(first) {
                out.push(b',');
            }
            // Strings always serialise.
            let _ = serde_json::to_writer(&mut out, &r);
        }
        out
    }
}
