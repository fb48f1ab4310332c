//! `tiendo figures`: a target's figures up the hierarchy for one period.

use anyhow::Result;
use chrono::{Local, NaiveDate};
use serde::Serialize;
use tiendo_domain::orgs::{OrgCode, OrgKind};
use tiendo_domain::periods::Period;
use tiendo_domain::targets::TargetCode;
use tiendo_evaluation::rollup::Rollups;
use tiendo_storage::{Store, ValueFilter};

use crate::cli::Format;
use crate::output::Listing;
use crate::BadInput;

#[derive(Serialize)]
struct Line {
    unit: OrgCode,
    name: String,
    figure: f64,
    /// Values combined into the figure.
    values: usize,
}

pub async fn run(
    store: &Store,
    target: TargetCode,
    period: Period,
    at: Option<NaiveDate>,
    kind: Option<OrgKind>,
    format: Format,
    lang: tiendo_wording::Lang,
) -> Result<()> {
    let day = at.unwrap_or_else(|| Local::now().date_naive());
    let targets = store.targets(None).await?;
    let Some(t) = targets.iter().find(|t| t.code == target) else {
        return Err(BadInput(format!(
            "--target {target}: no such target (see `tiendo targets`)"
        ))
        .into());
    };
    let h = store.hierarchy().await?;
    let mut rollups = Rollups::new(&h, day, std::slice::from_ref(t));
    let values = store
        .values(&ValueFilter {
            target: Some(target.clone()),
            org: None,
        })
        .await?;
    for v in values.iter().filter(|v| v.period == period) {
        rollups.apply(&v.target, &v.org, v.period, v.value.get());
    }
    let lines: Vec<Line> = h
        .as_of(day)
        .filter(|u| match kind {
            Some(k) => u.kind == k,
            None => matches!(u.kind, OrgKind::Nation | OrgKind::Province),
        })
        .filter_map(|u| {
            let figure = rollups.figure(&target, &u.code, period)?;
            Some(Line {
                unit: u.code.clone(),
                name: u.name_vi.clone(),
                figure,
                values: rollups.count(&target, &u.code, period),
            })
        })
        .collect();
    eprintln!(
        "{target} for {period} on the boundaries of {day}, combined by {:?}",
        t.aggregation
    );
    Listing {
        items: &lines,
        headers: &["unit", "name", "figure", "values"],
        row: |l: &Line| {
            vec![
                l.unit.to_string(),
                l.name.clone(),
                format!("{}", l.figure),
                l.values.to_string(),
            ]
        },
    }
    .print(format, lang)
}
