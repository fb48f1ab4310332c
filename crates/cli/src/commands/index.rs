//! `tiendo index`: score and rank units on a composite index for a period.

use std::collections::HashMap;
use std::path::Path;

use anyhow::Result;
use chrono::NaiveDate;
use serde::Serialize;
use tiendo_domain::orgs::OrgCode;
use tiendo_domain::periods::Period;
use tiendo_domain::targets::TargetCode;
use tiendo_evaluation::indices::{restate, Definition, Index, IndexResult};
use tiendo_storage::{Store, ValueFilter};

use crate::cli::Format;
use crate::output::{opt, Listing};
use crate::BadInput;

/// Reads a definition from a file, or takes a shipped one by name.
fn definition(name_or_path: &str) -> Result<Index, BadInput> {
    let (origin, text) = if Path::new(name_or_path).is_file() {
        let text = std::fs::read_to_string(name_or_path)
            .map_err(|e| BadInput(format!("cannot read {name_or_path}: {e}")))?;
        (name_or_path.to_string(), text)
    } else if let Some((path, text)) = tiendo_dataset::builtin_index(name_or_path) {
        (path.to_string(), text.to_string())
    } else {
        let names: Vec<_> = tiendo_dataset::builtin_index_names().collect();
        return Err(BadInput(format!(
            "\"{name_or_path}\" is neither a file nor a built-in index (built-in: {})",
            names.join(", ")
        )));
    };
    let def: Definition = toml::from_str(&text).map_err(|e| BadInput(format!("{origin}: {e}")))?;
    Index::new(def).map_err(|e| BadInput(format!("{origin}: {e}")))
}

#[derive(Serialize)]
struct Line {
    rank: Option<usize>,
    unit: OrgCode,
    name: String,
    /// Inner-node and ratio scores in definition order.
    scores: Vec<(String, Option<f64>)>,
}

pub async fn run(
    store: &Store,
    name_or_path: &str,
    period: Period,
    at: Option<NaiveDate>,
    format: Format,
    lang: tiendo_wording::Lang,
) -> Result<()> {
    let index = definition(name_or_path)?;
    let def = index.definition();
    let h = store.hierarchy().await?;
    // The units that reported for the period: those in force during it.
    let basis: Vec<OrgCode> = h
        .units()
        .iter()
        .filter(|u| u.kind == def.units && u.validity.overlaps(period.start(), period.end()))
        .map(|u| u.code.clone())
        .collect();
    let mut values: HashMap<TargetCode, HashMap<OrgCode, f64>> = HashMap::new();
    for target in index.targets() {
        let rows = store
            .values(&ValueFilter {
                target: Some(target.clone()),
                org: None,
            })
            .await?;
        values.insert(
            target.clone(),
            rows.into_iter()
                .filter(|v| v.period == period)
                .map(|v| (v.org, v.value.get()))
                .collect(),
        );
    }
    let mut result = index.compute(&basis, &values);
    let mut units = basis;
    if let Some(day) = at {
        // Restate on the boundaries in force that day: a merged unit scores the mean of its
        // predecessors' scores, as the published results on the 34-province basis do.
        units = h
            .as_of(day)
            .filter(|u| u.kind == def.units)
            .map(|u| u.code.clone())
            .collect();
        let mut predecessors: HashMap<OrgCode, Vec<OrgCode>> = HashMap::new();
        for s in h.successions().iter().filter(|s| s.effective <= day) {
            predecessors
                .entry(s.successor.clone())
                .or_default()
                .push(s.predecessor.clone());
        }
        result = restate(&result, &units, &predecessors);
    }
    let scored = result.nodes[index.root_code()]
        .values()
        .filter(|s| s.score.is_some())
        .count();
    if scored == 0 {
        return Err(BadInput(format!(
            "no {} has values for {} in {period}; import them first (targets: {})",
            def.units,
            def.code,
            index
                .targets()
                .map(|t| t.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .into());
    }
    match format {
        Format::Json => {
            println!(
                "{}",
                serde_json::to_string_pretty(&JsonOut {
                    period,
                    at,
                    result: &result
                })?
            );
            Ok(())
        }
        _ => print_table(&index, &result, &units, &h, format, lang),
    }
}

#[derive(Serialize)]
struct JsonOut<'a> {
    period: Period,
    at: Option<NaiveDate>,
    #[serde(flatten)]
    result: &'a IndexResult,
}

fn print_table(
    index: &Index,
    result: &IndexResult,
    units: &[OrgCode],
    h: &tiendo_domain::orgs::Hierarchy,
    format: Format,
    lang: tiendo_wording::Lang,
) -> Result<()> {
    let def = index.definition();
    let inner: Vec<&str> = def
        .nodes
        .iter()
        .filter(|n| n.target.is_none())
        .map(|n| n.code.as_str())
        .collect();
    let mut lines: Vec<Line> = units
        .iter()
        .map(|u| Line {
            rank: result.nodes[index.root_code()][u].rank,
            unit: u.clone(),
            name: h.get(u).map(|x| x.name_vi.clone()).unwrap_or_default(),
            scores: inner
                .iter()
                .map(|n| (n.to_string(), result.nodes[*n][u].score))
                .chain(
                    def.ratios
                        .iter()
                        .map(|r| (r.code.clone(), result.ratios[&r.code][u])),
                )
                .collect(),
        })
        .collect();
    lines.sort_by_key(|l| (l.rank.is_none(), l.rank));
    let mut headers: Vec<String> = vec!["rank".into(), "unit".into(), "name".into()];
    headers.extend(inner.iter().map(|s| s.to_string()));
    headers.extend(def.ratios.iter().map(|r| r.code.clone()));
    let header_refs: Vec<&str> = headers.iter().map(String::as_str).collect();
    Listing {
        items: &lines,
        headers: &header_refs,
        row: |l: &Line| {
            let mut row = vec![opt(&l.rank), l.unit.to_string(), l.name.clone()];
            row.extend(
                l.scores
                    .iter()
                    .map(|(_, s)| s.map_or_else(String::new, |v| format!("{v:.4}"))),
            );
            row
        },
    }
    .print(format, lang)
}
