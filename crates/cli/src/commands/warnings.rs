//! `tiendo warnings`: what needs attention this week.

use std::collections::HashMap;

use anyhow::Result;
use chrono::{Local, NaiveDate};
use tiendo_domain::orgs::OrgCode;
use tiendo_domain::periods::Period;
use tiendo_domain::targets::TargetCode;
use tiendo_domain::tasks::Clearance;
use tiendo_evaluation::warnings::{warnings, Inputs, Settings, Subject, Warning};
use tiendo_storage::{Store, TaskFilter, ValueFilter};

use crate::cli::Format;
use crate::output::Listing;
use crate::BadInput;

pub async fn run(
    store: &Store,
    org: Option<OrgCode>,
    at: Option<NaiveDate>,
    format: Format,
) -> Result<()> {
    let day = at.unwrap_or_else(|| Local::now().date_naive());
    let h = store.hierarchy().await?;
    if let Some(o) = &org {
        if h.get(o).is_none() {
            return Err(BadInput(format!("--org {o}: no such organisation unit")).into());
        }
    }
    let tasks = store.tasks(&TaskFilter::all(Clearance::Internal)).await?;
    let last_progress = store.last_progress_dates().await?;
    let targets = store.targets(None).await?;
    let mut series: HashMap<(TargetCode, OrgCode), Vec<(Period, f64)>> = HashMap::new();
    for v in store.values(&ValueFilter::default()).await? {
        series
            .entry((v.target, v.org))
            .or_default()
            .push((v.period, v.value.get()));
    }
    // Who must report: units named by the target, or of its kinds, that existed a year ago or
    // exist now (a unit that ceased still owes the reports of its last periods).
    let year_ago = day - chrono::Days::new(366);
    let reporters = targets
        .iter()
        .map(|t| {
            let units = h
                .units()
                .iter()
                .filter(|u| u.validity.overlaps(year_ago, day))
                .filter(|u| {
                    t.reporters.kinds.contains(&u.kind) || t.reporters.units.contains(&u.code)
                })
                .map(|u| (u.code.clone(), u.validity))
                .collect();
            (t.code.clone(), units)
        })
        .collect();
    let inputs = Inputs {
        day,
        tasks: &tasks,
        last_progress: &last_progress,
        targets: &targets,
        series: &series,
        reporters: &reporters,
    };
    let mut list = warnings(&inputs, &Settings::default());
    if let Some(o) = &org {
        list.retain(|w| h.is_within(&w.unit, o));
    }
    if format == Format::Table {
        let mut by_rule: std::collections::BTreeMap<&str, usize> = Default::default();
        for w in &list {
            *by_rule.entry(w.rule.label()).or_default() += 1;
        }
        let parts: Vec<String> = by_rule.iter().map(|(r, n)| format!("{n} {r}")).collect();
        eprintln!("{day}: {} warning(s): {}", list.len(), parts.join(", "));
    }
    Listing {
        items: &list,
        headers: &["severity", "rule", "unit", "object", "evidence"],
        row: |w: &Warning| {
            vec![
                format!("{:?}", w.severity).to_lowercase(),
                w.rule.label().to_string(),
                w.unit.to_string(),
                match &w.subject {
                    Subject::Task { task } => format!("task {task}"),
                    Subject::Target { target } => format!("target {target}"),
                    Subject::Value { target, period } => format!("{target} {period}"),
                },
                w.evidence.clone(),
            ]
        },
    }
    .print(format)
}
