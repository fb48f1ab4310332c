//! `tiendo tasks import FILE --document CODE`: a plan's task appendix (a Word document's
//! tables or a workbook's sheets) made into the document's tasks. Every task is shown as read
//! with its problems before anything is written; one problem and nothing is written; a revised
//! appendix imported again updates the tasks it imported before.

use std::path::Path;

use anyhow::Result;
use tiendo_dataset::agencies::Mapping;
use tiendo_dataset::appendix::{self, Imported};
use tiendo_dataset::deadlines::Deadline;
use tiendo_domain::documents::DocumentCode;
use tiendo_domain::orgs::OrgCode;
use tiendo_exchange::docx::{self, Table};
use tiendo_exchange::sheet::{self, WorkbookLimits};
use tiendo_storage::{LoadBy, Store};
use tiendo_wording::{Lang, Names};

use crate::refused;
use crate::BadInput;

/// The largest appendix file read: a plan of a few hundred tasks is well under 1 MB.
const MAX_FILE: u64 = 32 << 20;

/// What the command was asked to do.
pub struct Request<'a> {
    pub file: &'a Path,
    pub document: &'a DocumentCode,
    pub dry_run: bool,
    /// `words=CODE` (a unit) or `words=-` (a group of no one unit), as typed.
    pub maps: &'a [String],
    pub day: chrono::NaiveDate,
}

/// The tables of the file, named for the reader, by its kind.
fn tables(file: &Path, l: Lang) -> Result<Vec<(String, Table)>> {
    let shown = file.display().to_string();
    let size = std::fs::metadata(file)
        .map_err(|e| refused::unreadable(l, file, &e))?
        .len();
    if size > MAX_FILE {
        return Err(BadInput(l.t_args(
            "cli-tasks-import-too-large",
            &[("file", shown), ("limit", (MAX_FILE >> 20).to_string())],
        ))
        .into());
    }
    let bytes = std::fs::read(file).map_err(|e| refused::unreadable(l, file, &e))?;
    let extension = file
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let read = match extension.as_str() {
        "docx" => docx::tables(&bytes).map(|tables| {
            tables
                .into_iter()
                .enumerate()
                .map(|(i, t)| {
                    (
                        l.t_args("tasks-import-table", &[("n", (i + 1).to_string())]),
                        t,
                    )
                })
                .collect()
        }),
        "xlsx" => sheet::tables(&bytes, &WorkbookLimits::default()),
        _ => {
            return Err(BadInput(l.t_args("cli-tasks-import-kind", &[("file", shown)])).into());
        }
    };
    read.map_err(|p| refused::rejected(l, &shown, &[p], &tiendo_wording::Codes).into())
}

/// The `--map` options as mappings, each unit checked.
fn mappings(
    maps: &[String],
    known: &tiendo_domain::orgs::Hierarchy,
    l: Lang,
) -> Result<Vec<Mapping>> {
    maps.iter()
        .map(|m| {
            let bad = || BadInput(l.t_args("cli-tasks-import-bad-map", &[("map", m.clone())]));
            let (words, unit) = m.rsplit_once('=').ok_or_else(bad)?;
            let words = words.trim();
            if words.is_empty() {
                return Err(bad().into());
            }
            let unit = match unit.trim() {
                "-" => None,
                code => {
                    let code: OrgCode = code.parse().map_err(|_| bad())?;
                    if known.get(&code).is_none() {
                        return Err(BadInput(l.t_args(
                            "cli-tasks-import-unknown-unit",
                            &[("unit", code.to_string())],
                        ))
                        .into());
                    }
                    Some(code)
                }
            };
            Ok((words.to_string(), unit))
        })
        .collect()
}

pub async fn run(store: &Store, r: &Request<'_>, l: Lang) -> Result<()> {
    let shown = r.file.display().to_string();
    let tables = tables(r.file, l)?;
    let read = tiendo_exchange::appendix::read(&tables)
        .map_err(|problems| refused::rejected(l, &shown, &problems, &tiendo_wording::Codes))?;
    let current = store.definitions().await?;
    let Some(document) = current.documents.iter().find(|d| &d.code == r.document) else {
        return Err(BadInput(l.t_args(
            "cli-tasks-import-no-document",
            &[("document", r.document.to_string())],
        ))
        .into());
    };
    let typed = mappings(r.maps, &current.hierarchy, l)?;
    let remembered = store.agency_mappings().await?;
    let file_name = r
        .file
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| shown.clone());
    let prepared = appendix::prepare(
        &current,
        &read,
        document,
        &remembered,
        &typed,
        r.day,
        &file_name,
    )
    .map_err(|e| {
        BadInput(l.t_args(
            "cli-tasks-import-refused",
            &[("file", shown.clone()), ("reason", e.to_string())],
        ))
    })?;
    let imported = &prepared.imported;
    let known = refused::Known::load(store).await?;
    let names = known.names(l);
    for line in preview(imported, &names, l) {
        println!("{line}");
    }
    if !imported.problems.is_empty() {
        if !imported.unknown.is_empty() {
            eprintln!("{}", l.t("cli-tasks-import-map-hint"));
            for words in &imported.unknown {
                eprintln!("    --map \"{words}=…\"");
            }
        }
        return Err(refused::rejected(l, &shown, &imported.problems, &names).into());
    }
    let Some(plan) = prepared.plan else {
        return Err(refused::rejected(l, &shown, &imported.problems, &names).into());
    };
    let counts = [
        ("new", plan.tasks.new.len()),
        ("changed", plan.tasks.changed.len()),
        ("unchanged", plan.tasks.unchanged),
    ]
    .map(|(k, v)| (k, v.to_string()));
    let matched = imported
        .readings
        .iter()
        .filter(|x| x.lead_named)
        .count()
        .to_string();
    let dated = imported
        .readings
        .iter()
        .filter(|x| x.deadline.is_some())
        .count()
        .to_string();
    let mut summary = counts.to_vec();
    summary.push(("document", r.document.to_string()));
    summary.push(("dated", dated));
    summary.push(("matched", matched));
    summary.push(("tasks", imported.tasks.len().to_string()));
    if r.dry_run {
        println!("{}", l.t_args("cli-tasks-import-would", &summary));
        println!("{}", l.t("cli-load-nothing-written"));
        return Ok(());
    }
    if !plan.changes_no_definition() {
        store
            .write_plan(
                &plan,
                &LoadBy {
                    actor: "tiendo tasks import",
                    origin: Some(&shown),
                    appendix_of: Some(r.document.as_str()),
                },
            )
            .await?;
    }
    println!("{}", l.t_args("cli-tasks-import-done", &summary));
    Ok(())
}

/// One line per task: where it is, its number and code, lead, deadline as read.
fn preview(imported: &Imported, names: &dyn Names, l: Lang) -> Vec<String> {
    imported
        .tasks
        .iter()
        .zip(&imported.readings)
        .map(|(t, r)| {
            let deadline = match r.deadline {
                Some(Deadline::By(d)) => d.format("%d/%m/%Y").to_string(),
                Some(Deadline::Ongoing) => l.t("tasks-import-ongoing"),
                Some(Deadline::Yearly) => l.t("tasks-import-yearly"),
                None => l.t("tasks-import-no-deadline"),
            };
            let mut lead = names.unit(&t.lead);
            if r.lead_unknown {
                lead = l.t_args(
                    "tasks-import-lead-unknown",
                    &[(
                        "words",
                        t.as_published.lead_as_given.clone().unwrap_or_default(),
                    )],
                );
            }
            if let Some(before) = &r.lead_succeeded {
                lead = l.t_args(
                    "tasks-import-succeeded",
                    &[("unit", lead), ("before", names.unit(before))],
                );
            }
            let title: String = t.title_vi.chars().take(60).collect();
            let state = if r.stored {
                l.t("tasks-import-stored")
            } else {
                l.t("tasks-import-new")
            };
            format!(
                "{}, {} · {} {} · {title}… · {lead} · {deadline} · {state}",
                r.table,
                l.t_args("tasks-import-row", &[("row", r.row.to_string())]),
                r.number,
                t.code,
            )
        })
        .collect()
}
