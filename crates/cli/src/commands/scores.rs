//! `tiendo scores`: every unit's 100-point score and class on a day.

use std::path::Path;

use anyhow::Result;
use chrono::{Local, NaiveDate};
use serde::Serialize;
use tiendo_domain::orgs::{OrgCode, OrgKind};
use tiendo_evaluation::national::evaluate;
use tiendo_evaluation::scoring::{Rubric, UnitFacts, UnitScore};
use tiendo_evaluation::warnings::{Inputs, Settings};
use tiendo_storage::Store;

use crate::cli::Format;
use crate::output::{opt, Listing};
use crate::BadInput;

fn rubric(path: Option<&Path>) -> Result<Rubric, BadInput> {
    let (origin, text) = match path {
        Some(p) => (
            p.display().to_string(),
            std::fs::read_to_string(p)
                .map_err(|e| BadInput(format!("cannot read {}: {e}", p.display())))?,
        ),
        None => {
            let (p, t) = tiendo_dataset::default_rubric();
            (p.to_string(), t.to_string())
        }
    };
    let r: Rubric = toml::from_str(&text).map_err(|e| BadInput(format!("{origin}: {e}")))?;
    r.validate()
        .map_err(|e| BadInput(format!("{origin}: {e}")))?;
    Ok(r)
}

#[derive(Serialize)]
struct Line {
    unit: OrgCode,
    name: String,
    facts: UnitFacts,
    #[serde(flatten)]
    score: UnitScore,
    /// The score's facts in one sentence in the reader's language: evaluation returns facts.
    explanation: String,
}

pub async fn run(
    store: &Store,
    at: Option<NaiveDate>,
    kind: Option<OrgKind>,
    rubric_file: Option<&Path>,
    settings: &Settings,
    format: Format,
    lang: tiendo_wording::Lang,
) -> Result<()> {
    let rubric = rubric(rubric_file)?;
    let day = at.unwrap_or_else(|| Local::now().date_naive());
    let snapshot = store.snapshot(day).await?;
    let inputs = Inputs::from(&snapshot);
    let evaluation = evaluate(&inputs, settings, &rubric);
    let h = &snapshot.hierarchy;
    let mut lines: Vec<Line> = evaluation
        .units
        .into_iter()
        .filter_map(|(unit, (facts, score))| {
            let u = h.get(unit)?;
            if kind.is_some_and(|k| u.kind != k) || !u.validity.contains(day) {
                return None;
            }
            Some(Line {
                name: u.name_vi.clone(),
                unit: unit.clone(),
                explanation: tiendo_wording::score(lang, score.score, score.class, &facts),
                facts,
                score,
            })
        })
        .collect();
    lines.sort_by(|a, b| {
        b.score
            .score
            .partial_cmp(&a.score.score)
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    Listing {
        items: &lines,
        headers: &["unit", "name", "score", "class", "explanation"],
        row: |l: &Line| {
            vec![
                l.unit.to_string(),
                l.name.clone(),
                opt(&l.score.score.map(|s| format!("{s:.1}"))),
                tiendo_wording::class(lang, l.score.class),
                l.explanation.clone(),
            ]
        },
    }
    .print(format, lang)
}
