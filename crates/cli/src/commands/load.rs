//! `tiendo load DIR`: a strategy folder (the file formats of `data/`) into the database. Every
//! file is read and every item checked with what the database holds before anything is
//! written; a second load writes only what changed, and `--dry-run` says what a load would do.

use std::collections::HashSet;
use std::path::Path;

use anyhow::Result;
use tiendo_dataset::strategy::{self, Changes, Plan};
use tiendo_dataset::{Dataset, DatasetError};
use tiendo_domain::values::ValueState;
use tiendo_evaluation::indices::{Definition, Index};
use tiendo_evaluation::scoring::Rubric;
use tiendo_storage::{LoadBy, Store};
use tiendo_wording::Lang;

use crate::BadInput;

pub async fn run(store: &Store, dir: &Path, dry_run: bool, l: Lang) -> Result<()> {
    let folder = strategy::read_folder(dir).map_err(|e| worded(l, &e))?;
    for ignored in &folder.ignored {
        if !ignored.to_lowercase().ends_with(".md") {
            eprintln!(
                "{}",
                l.t_args("cli-load-ignored", &[("file", ignored.clone())])
            );
        }
    }
    let current = store.definitions().await?;
    let indices = folder.indices.clone();
    let rubrics = folder.rubrics.clone();
    let plan = strategy::plan(&current, folder).map_err(|e| worded(l, &e))?;
    check_indices(&indices, &current, &plan, l)?;
    check_rubrics(&rubrics, l)?;

    let n = |v: usize| v.to_string();
    let line = |key: &str, c: (usize, usize, usize)| {
        l.t_args(
            "cli-load-kind",
            &[
                ("kind", l.t(key)),
                ("new", n(c.0)),
                ("changed", n(c.1)),
                ("unchanged", n(c.2)),
            ],
        )
    };
    fn counts<T>(c: &Changes<T>) -> (usize, usize, usize) {
        (c.new.len(), c.changed.len(), c.unchanged)
    }
    let header = if dry_run {
        "cli-load-would"
    } else {
        "cli-load-done"
    };
    let root = dir.display().to_string();
    let mut report = vec![l.t_args(header, &[("dir", root.clone())])];
    report.push(line("cli-load-units", counts(&plan.units)));
    if !plan.successions.is_empty() {
        report.push(l.t_args(
            "cli-load-successions",
            &[("count", n(plan.successions.len()))],
        ));
    }
    report.push(line("cli-load-documents", counts(&plan.documents)));
    report.push(line("cli-load-targets", counts(&plan.targets)));
    report.push(line("cli-load-tasks", counts(&plan.tasks)));
    report.push(line("cli-load-rules", counts(&plan.rules)));
    report.push(line("cli-load-dashboards", counts(&plan.dashboards)));

    let values = if dry_run {
        would_import(store, &plan).await?
    } else {
        // A folder loaded again unchanged leaves no write and no audit entry behind.
        if !plan.changes_no_definition() {
            store
                .write_plan(
                    &plan,
                    &LoadBy {
                        actor: "tiendo load",
                        origin: Some(&root),
                        appendix_of: None,
                    },
                )
                .await?;
        }
        store
            .import_values(
                &plan.values,
                tiendo_storage::PUBLISHED,
                ValueState::Approved,
                &|_| {},
            )
            .await?
    };
    let held = values.conflicts.len();
    report.push(line(
        "cli-load-values",
        (values.imported, values.updated, values.ignored - held),
    ));
    if held > 0 {
        // A published figure that differs from one approved or awaiting review in tiendo is
        // not written over it: the operator is told which, to settle with the standing office.
        report.push(l.t_args("cli-load-held", &[("count", n(held))]));
        let known = crate::refused::Known::load(store).await?;
        let names = known.names(l);
        for p in values.conflicts.iter().take(20) {
            // A problem counts the import's rows from 1: the folder's values in reading order.
            let Some(v) = p.row.checked_sub(1).and_then(|i| plan.values.get(i)) else {
                continue;
            };
            report.push(format!(
                "    {} · {} · {}: {}",
                tiendo_wording::Names::target(&names, &v.target),
                tiendo_wording::Names::unit(&names, &v.org),
                v.period,
                tiendo_wording::problem_named(l, p, &names)
            ));
        }
    }
    for r in report {
        println!("{r}");
    }
    if dry_run {
        println!("{}", l.t("cli-load-nothing-written"));
    }
    Ok(())
}

/// What importing the values would do. The folder check has admitted every value; those of a
/// target or unit the load adds, or of a target it changes, cannot be compared with the
/// database yet and count as new.
async fn would_import(store: &Store, plan: &Plan) -> Result<tiendo_storage::ImportSummary> {
    let new_targets: HashSet<&str> = plan.targets.written().map(|t| t.code.as_str()).collect();
    let new_units: HashSet<&str> = plan.units.written().map(|u| u.code.as_str()).collect();
    let (fresh, comparable): (Vec<_>, Vec<_>) = plan.values.iter().cloned().partition(|v| {
        new_targets.contains(v.target.as_str()) || new_units.contains(v.org.as_str())
    });
    let mut summary = if comparable.is_empty() {
        tiendo_storage::ImportSummary::default()
    } else {
        store
            .check_values(&comparable, ValueState::Approved)
            .await?
    };
    summary.imported += fresh.len();
    Ok(summary)
}

/// Each file of one kind read with `check`; the first it refuses is named with its reason under
/// the message `key`.
fn check_each(
    files: &[(String, String)],
    l: Lang,
    key: &str,
    check: impl Fn(&str) -> Result<(), String>,
) -> Result<(), BadInput> {
    for (path, text) in files {
        check(text).map_err(|reason| {
            BadInput(l.t_args(key, &[("file", path.clone()), ("reason", reason)]))
        })?;
    }
    Ok(())
}

/// Each composite index definition of the folder reads, and reads targets that exist after the
/// load; `tiendo index FILE` scores it.
fn check_indices(
    indices: &[(String, String)],
    current: &Dataset,
    plan: &Plan,
    l: Lang,
) -> Result<(), BadInput> {
    let known: HashSet<&str> = current
        .targets
        .iter()
        .chain(plan.targets.new.iter())
        .map(|t| t.code.as_str())
        .collect();
    check_each(indices, l, "cli-load-bad-index", |text| {
        let def: Definition = toml::from_str(text).map_err(|e| e.to_string())?;
        let index = Index::new(def).map_err(|e| e.to_string())?;
        let unknown = index
            .targets()
            .find(|t| !known.contains(t.as_str()))
            .map(|t| t.to_string());
        match unknown {
            Some(t) => Err(l.t_args("cli-load-index-target", &[("target", t)])),
            None => Ok(()),
        }
    })
}

/// Each unit-evaluation rubric of the folder reads and adds up; `tiendo scores --rubric FILE`
/// applies it.
fn check_rubrics(rubrics: &[(String, String)], l: Lang) -> Result<(), BadInput> {
    check_each(rubrics, l, "cli-load-bad-rubric", |text| {
        let rubric: Rubric = toml::from_str(text).map_err(|e| e.to_string())?;
        rubric.validate().map_err(|e| e.to_string())
    })
}

/// A refused folder, in the reader's language: the file, line and field, what is wrong, and
/// that nothing was written.
fn worded(l: Lang, e: &DatasetError) -> BadInput {
    let mut place = e.file.clone();
    if let Some(line) = e.line {
        place.push_str(&l.t_args("cli-load-line", &[("line", line.to_string())]));
    }
    if let Some(field) = &e.field {
        place.push_str(&l.t_args("cli-load-field", &[("field", field.clone())]));
    }
    let what = if let Some(r) = &e.refusal {
        tiendo_wording::refusal(l, r)
    } else if e.code == "invalid" {
        l.t_args("dataset-invalid", &[("reason", e.message.clone())])
    } else {
        let args: Vec<(&str, String)> = e
            .args
            .iter()
            .map(|(k, v)| match *k {
                "kind" => (*k, l.t(&format!("dataset-kind-{v}"))),
                _ => (*k, v.clone()),
            })
            .collect();
        l.t_args(&format!("dataset-{}", e.code), &args)
    };
    BadInput(l.t_args("cli-load-refused", &[("place", place), ("problem", what)]))
}
