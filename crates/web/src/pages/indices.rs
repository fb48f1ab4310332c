//! A composite index's page: its results as the publisher announced them, year by year, and
//! beside them the score tiendo computes from the index's inputs where units reported them.

use std::collections::{BTreeSet, HashMap};

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;
use tiendo_domain::orgs::OrgCode;
use tiendo_domain::snapshot::Snapshot;
use tiendo_domain::targets::Target;
use tiendo_evaluation::indices::Index;

use crate::chrome::{Chrome, Page};
use crate::failure::Failure;
use crate::i18n::Lang;
use crate::overview::{builtin_index, compute_index};
use crate::pages::{pick, render};
use crate::AppState;

pub struct Link {
    href: String,
    label: String,
    current: bool,
}

/// One unit's published results in the year shown.
pub struct PublishedRow {
    unit: String,
    href: String,
    cells: Vec<String>,
}

/// One unit's computed score and the scores of the index's nodes.
pub struct ComputedRow {
    rank: String,
    unit: String,
    scores: Vec<String>,
}

#[derive(Template)]
#[template(path = "index.html")]
struct IndexPage {
    c: Chrome,
    title: String,
    source: Option<String>,
    indices: Vec<Link>,
    years: Vec<Link>,
    year: String,
    /// The published targets with a figure in the year shown: their page and header.
    columns: Vec<(String, String)>,
    published: Vec<PublishedRow>,
    /// Where each published figure comes from.
    sources: Vec<String>,
    computed_period: String,
    nodes: Vec<String>,
    computed: Vec<ComputedRow>,
}

#[derive(Debug, Deserialize)]
pub struct IndexQuery {
    year: Option<String>,
}

fn not_found(name: &str) -> Failure {
    Failure::not_found(
        "index_not_found",
        format!(
            "no index {name}; the built-in ones are {}",
            tiendo_dataset::builtin_index_names()
                .collect::<Vec<_>>()
                .join(", ")
        ),
    )
}

fn index_name(l: Lang, index: &Index) -> String {
    let def = index.definition();
    pick(
        l,
        def.name_vi.as_deref().unwrap_or(&def.name),
        Some(&def.name),
    )
}

/// A published column: its target and its header in the reader's language.
struct Column<'a> {
    target: &'a Target,
    label: String,
}

/// The years in which any published column holds a figure, oldest first.
fn published_years(snapshot: &Snapshot, columns: &[Column]) -> BTreeSet<i32> {
    columns
        .iter()
        .filter_map(|c| snapshot.series.get(&c.target.code))
        .flat_map(|by_unit| by_unit.values())
        .flat_map(|series| series.iter().map(|(p, _)| p.year()))
        .collect()
}

/// The published results of `year`: each unit with a figure, ranked units first in the order of
/// the first rank column they appear in, then the rest by name.
fn published_rows(
    l: Lang,
    page: &Page,
    o: &crate::overview::Overview,
    columns: &[&Column],
    year: i32,
) -> Vec<PublishedRow> {
    let snapshot = &o.snapshot;
    let mut figures: HashMap<&OrgCode, Vec<Option<f64>>> = HashMap::new();
    for (i, c) in columns.iter().enumerate() {
        let by_unit = snapshot.series.get(&c.target.code);
        for (unit, series) in by_unit.into_iter().flat_map(|m| m.iter()) {
            if let Some((_, v)) = series.iter().find(|(p, _)| p.year() == year) {
                figures
                    .entry(unit)
                    .or_insert_with(|| vec![None; columns.len()])[i] = Some(*v);
            }
        }
    }
    let is_rank: Vec<bool> = columns.iter().map(|c| c.target.unit == "rank").collect();
    let h = &snapshot.hierarchy;
    let mut rows: Vec<((usize, i64, String), PublishedRow)> = figures
        .into_iter()
        .map(|(unit, cells)| {
            // Before and after the 2025 reorganisation two units may share a name: the one
            // that ended says until when.
            let name = super::unit_name_dated(l, h, unit);
            let first_rank = cells
                .iter()
                .zip(&is_rank)
                .enumerate()
                .find_map(|(i, (v, rank))| v.filter(|_| *rank).map(|v| (i, v.round() as i64)));
            let key = match first_rank {
                Some((i, r)) => (i, r, name.clone()),
                None => (columns.len(), 0, name.clone()),
            };
            let row = PublishedRow {
                // A province merged since links to the province it is part of now.
                href: super::unit_link(l, &page.chrome, o, unit).0,
                unit: name,
                cells: cells
                    .iter()
                    .zip(&is_rank)
                    .map(|(v, rank)| match v {
                        None => "—".to_string(),
                        Some(v) if *rank => l.number(*v, 0),
                        Some(v) => l.number(*v, 4),
                    })
                    .collect(),
            };
            (key, row)
        })
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    rows.into_iter().map(|(_, r)| r).collect()
}

pub async fn index(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(q): Query<IndexQuery>,
    page: Page,
) -> Result<Response, Failure> {
    let l = page.l();
    if tiendo_dataset::builtin_index(&name).is_none() {
        return Err(not_found(&name));
    }
    let index = builtin_index(&name).map_err(|e| Failure::internal(e.to_string()))?;
    let def = index.definition();
    let o = state.overview();
    let snapshot = &o.snapshot;
    let indices = tiendo_dataset::builtin_index_names()
        .filter_map(|n| builtin_index(n).ok().map(|i| (n, i)))
        .map(|(n, i)| Link {
            href: page.chrome.href(&format!("/indices/{n}")),
            label: index_name(l, &i),
            current: n == name,
        })
        .collect();
    let columns: Vec<Column> = def
        .published
        .iter()
        .filter_map(|p| {
            let target = snapshot
                .targets
                .iter()
                .find(|t| t.code.as_str() == p.target)?;
            let label = match l {
                Lang::Vi => p.label_vi.clone(),
                Lang::En => p.label.clone(),
            };
            Some(Column { target, label })
        })
        .collect();
    let years = published_years(snapshot, &columns);
    let latest = years.last().copied();
    let year = q
        .year
        .as_deref()
        .and_then(|y| y.trim().parse::<i32>().ok())
        .filter(|y| years.contains(y))
        .or(latest);
    let (shown, published, sources) = match year {
        None => (Vec::new(), Vec::new(), Vec::new()),
        Some(year) => {
            let shown: Vec<&Column> = columns
                .iter()
                .filter(|c| {
                    snapshot.series.get(&c.target.code).is_some_and(|m| {
                        m.values().any(|s| s.iter().any(|(p, _)| p.year() == year))
                    })
                })
                .collect();
            let rows = published_rows(l, &page, &o, &shown, year);
            let sources: BTreeSet<String> = shown
                .iter()
                .filter_map(|c| c.target.source.clone())
                .collect();
            (shown, rows, sources.into_iter().collect())
        }
    };
    let computed =
        compute_index(snapshot, o.day, &name).map_err(|e| Failure::internal(e.to_string()))?;
    let (computed_period, nodes, computed_rows) = match &computed {
        None => (String::new(), Vec::new(), Vec::new()),
        Some(c) => {
            let nodes: Vec<&tiendo_evaluation::indices::Node> =
                c.index.definition().nodes.iter().collect();
            let root = &c.result.nodes[c.index.root_code()];
            let mut order: Vec<(&OrgCode, usize)> = root
                .iter()
                .filter_map(|(u, s)| s.rank.map(|r| (u, r)))
                .collect();
            order.sort_by_key(|(u, r)| (*r, (*u).clone()));
            let rows = order
                .into_iter()
                .map(|(u, rank)| ComputedRow {
                    rank: rank.to_string(),
                    unit: super::unit_name(l, &snapshot.hierarchy, u),
                    scores: nodes
                        .iter()
                        .map(|n| {
                            c.result
                                .nodes
                                .get(&n.code)
                                .and_then(|m| m.get(u))
                                .and_then(|s| s.score)
                                .map_or_else(|| "—".into(), |s| l.number(s, 2))
                        })
                        .collect(),
                })
                .collect();
            let names = nodes
                .iter()
                .map(|n| pick(l, n.name_vi.as_deref().unwrap_or(&n.name), Some(&n.name)))
                .collect();
            (c.period.to_string(), names, rows)
        }
    };
    Ok(render(&IndexPage {
        title: index_name(l, &index),
        source: def.source.clone(),
        indices,
        years: years
            .iter()
            .map(|y| Link {
                href: page.chrome.href(&format!("/indices/{name}?year={y}")),
                label: y.to_string(),
                current: Some(*y) == year,
            })
            .collect(),
        year: year.map(|y| y.to_string()).unwrap_or_default(),
        columns: shown
            .iter()
            .map(|c| {
                (
                    page.chrome.href(&format!("/targets/{}", c.target.code)),
                    c.label.clone(),
                )
            })
            .collect(),
        published,
        sources,
        computed_period,
        nodes,
        computed: computed_rows,
        c: page.chrome,
    }))
}
