//! `tiendo tasks --summary`: counts by status and on-time rates.

use anyhow::Result;
use chrono::Local;
use serde::Serialize;
use tiendo_evaluation::tasks::{summarise, Role, Tally, TaskStatus};
use tiendo_storage::Store;

use super::lists::TaskQuery;
use crate::cli::{Format, SummaryArg};
use crate::output::Listing;

#[derive(Serialize)]
struct Line {
    key: String,
    role: Option<Role>,
    total: usize,
    counts: Vec<(TaskStatus, usize)>,
    on_time_rate: Option<f64>,
}

impl Line {
    fn new(key: String, role: Option<Role>, tally: &Tally) -> Line {
        Line {
            key,
            role,
            total: tally.total(),
            counts: TaskStatus::ALL
                .iter()
                .map(|s| (*s, tally.count(*s)))
                .collect(),
            on_time_rate: tally.on_time_rate(),
        }
    }
}

pub async fn run(
    store: &Store,
    query: TaskQuery,
    by: SummaryArg,
    format: Format,
    lang: tiendo_wording::Lang,
) -> Result<()> {
    let day = query.at.unwrap_or_else(|| Local::now().date_naive());
    let horizon = query.horizon;
    let tasks = query.fetch(store).await?;
    let last = store.last_progress_dates().await?;
    let (_, summary) = summarise(
        &tasks,
        day,
        |t| last.get(&t.code).is_some_and(|d| *d <= day),
        // The summary lists each unit as the tasks name it, merged-away ministries included.
        |u| u,
        horizon,
    );
    let mut lines: Vec<Line> = match by {
        SummaryArg::Unit => summary
            .by_unit
            .iter()
            .map(|((u, role), t)| Line::new(u.to_string(), Some(*role), t))
            .collect(),
        SummaryArg::Document => summary
            .by_document
            .iter()
            .map(|(d, t)| Line::new(d.to_string(), None, t))
            .collect(),
        SummaryArg::Group => summary
            .by_group
            .iter()
            .map(|((d, g), t)| Line::new(format!("{d} {g}"), None, t))
            .collect(),
    };
    lines.sort_by(|a, b| (&a.key, a.role).cmp(&(&b.key, b.role)));
    let mut headers = vec!["key".to_string(), "role".to_string(), "total".to_string()];
    headers.extend(
        TaskStatus::ALL
            .iter()
            .map(|s| tiendo_wording::task_status(lang, *s)),
    );
    headers.push("on-time-rate".to_string());
    let header_refs: Vec<&str> = headers.iter().map(String::as_str).collect();
    eprintln!(
        "{}",
        lang.t_args("cli-task-statuses", &[("day", lang.date(day))])
    );
    Listing {
        items: &lines,
        headers: &header_refs,
        row: |l: &Line| {
            let mut row = vec![
                l.key.clone(),
                l.role
                    .map(|r| lang.t(&format!("task-role-{}", format!("{r:?}").to_lowercase())))
                    .unwrap_or_default(),
                l.total.to_string(),
            ];
            row.extend(l.counts.iter().map(|(_, n)| n.to_string()));
            row.push(
                l.on_time_rate
                    .map_or_else(String::new, |r| format!("{:.0}%", r * 100.0)),
            );
            row
        },
    }
    .print(format, lang)
}
