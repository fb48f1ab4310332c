//! `tiendo warnings`: what needs attention this week.

use anyhow::Result;
use chrono::{Local, NaiveDate};
use tiendo_domain::orgs::OrgCode;
use tiendo_evaluation::national::judge_all;
use tiendo_evaluation::warnings::{warnings, Inputs, Settings, Subject, Warning};
use tiendo_storage::Store;

use crate::cli::Format;
use crate::output::Listing;
use crate::BadInput;

pub async fn run(
    store: &Store,
    org: Option<OrgCode>,
    at: Option<NaiveDate>,
    settings: &Settings,
    format: Format,
    lang: tiendo_wording::Lang,
) -> Result<()> {
    let day = at.unwrap_or_else(|| Local::now().date_naive());
    let snapshot = store.snapshot(day).await?;
    let h = &snapshot.hierarchy;
    if let Some(o) = &org {
        if h.get(o).is_none() {
            return Err(BadInput(format!("--org {o}: no such organisation unit")).into());
        }
    }
    let inputs = Inputs::from(&snapshot);
    let judgements = judge_all(&inputs);
    let mut list = warnings(&inputs, settings, &judgements);
    if let Some(o) = &org {
        list.retain(|w| h.is_within(&w.unit, o));
    }
    if format == Format::Table {
        let mut by_rule: std::collections::BTreeMap<String, usize> = Default::default();
        for w in &list {
            *by_rule
                .entry(tiendo_wording::rule(lang, w.rule))
                .or_default() += 1;
        }
        let parts: Vec<String> = by_rule.iter().map(|(r, n)| format!("{n} {r}")).collect();
        eprintln!(
            "{}",
            lang.t_args(
                "cli-warnings",
                &[
                    ("day", lang.date(day)),
                    ("count", list.len().to_string()),
                    ("rules", parts.join(", ")),
                ]
            )
        );
    }
    Listing {
        items: &list,
        headers: &["severity", "rule", "unit", "object", "evidence"],
        row: |w: &Warning| {
            vec![
                tiendo_wording::severity(lang, w.severity),
                tiendo_wording::rule(lang, w.rule),
                w.unit.to_string(),
                match &w.subject {
                    Subject::Task { task } => format!("{} {task}", lang.t("task")),
                    Subject::Target { target } => format!("{} {target}", lang.t("target")),
                    Subject::Value { target, period } => format!("{target} {period}"),
                },
                tiendo_wording::warning(lang, &w.evidence),
            ]
        },
    }
    .print(format, lang)
}
