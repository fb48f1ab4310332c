//! `tiendo bench import`: CSV import speed beside the engine's own bulk-load rate.
//!
//! Each run starts from a fresh database holding the reference dataset plus benchmark
//! targets reported by commune-level units; the same rows go through both paths.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use tiendo_dataset::Dataset;
use tiendo_domain::orgs::{OrgCode, OrgKind};
use tiendo_domain::periods::Period;
use tiendo_domain::periods::Periodicity;
use tiendo_domain::targets::{Aggregation, Direction, Family, Reporters, Target, TargetCode};
use tiendo_domain::values::ValueState;
use tiendo_storage::{bench_value, Store};

use tiendo_exchange::values_csv;

const BENCH_TARGETS: usize = 50;
const BENCH_PERIODS: usize = 20;

struct Shape {
    targets: Vec<TargetCode>,
    orgs: Vec<OrgCode>,
    periods: Vec<Period>,
}

impl Shape {
    fn rows(&self) -> usize {
        self.targets.len() * self.orgs.len() * self.periods.len()
    }
}

pub async fn import(rows: usize, runs: usize, postgres: Option<&str>) -> Result<()> {
    anyhow::ensure!(runs >= 1, "--runs must be at least 1");
    let mut dataset = tiendo_dataset::reference().context("the built-in dataset is invalid")?;
    let shape = shape(&mut dataset, rows)?;
    let dir = tempfile::tempdir().context("cannot create a temporary directory")?;
    let csv_path = dir.path().join("values.csv");
    write_csv(&csv_path, &shape)?;
    eprintln!(
        "{} values ({} targets × {} units × {} quarters), {} run(s) per measurement",
        shape.rows(),
        shape.targets.len(),
        shape.orgs.len(),
        shape.periods.len(),
        runs
    );

    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED).set_header(vec![
        "backend",
        "values",
        "engine bulk load (median)",
        "engine values/s",
        "tiendo import (median)",
        "tiendo values/s",
        "tiendo / engine",
    ]);
    let mut backends: Vec<(&str, Option<&str>)> = vec![("sqlite", None)];
    if let Some(url) = postgres {
        backends.push(("postgres", Some(url)));
    }
    for (name, url) in backends {
        let mut engine = Vec::new();
        let mut ours = Vec::new();
        for run in 0..runs {
            let target = Scratch::fresh(name, url, dir.path(), run, "engine").await?;
            target.store.load_dataset(&dataset).await?;
            engine.push(
                target
                    .store
                    .engine_bulk_load(&shape.targets, &shape.orgs, &shape.periods)
                    .await?,
            );
            target.finish().await?;

            let target = Scratch::fresh(name, url, dir.path(), run, "tiendo").await?;
            target.store.load_dataset(&dataset).await?;
            let started = Instant::now();
            let bytes = std::fs::read(&csv_path)?;
            let parsed = values_csv::read(&csv_path.display().to_string(), &bytes)?;
            tracing::debug!(elapsed = ?started.elapsed(), "CSV read");
            let summary = target
                .store
                .import_values(&parsed.values, "bench", ValueState::Submitted, &|_| {})
                .await?;
            ours.push(started.elapsed());
            anyhow::ensure!(summary.imported == shape.rows(), "the import lost rows");
            target.finish().await?;
            eprintln!(
                "{name} run {}: engine {:?}, tiendo {:?}",
                run + 1,
                engine[run],
                ours[run]
            );
        }
        let (e, o) = (median(&mut engine), median(&mut ours));
        let rate = |d: Duration| shape.rows() as f64 / d.as_secs_f64();
        table.add_row(vec![
            name.to_string(),
            shape.rows().to_string(),
            format!("{:.3} s", e.as_secs_f64()),
            format!("{:.0}", rate(e)),
            format!("{:.3} s", o.as_secs_f64()),
            format!("{:.0}", rate(o)),
            format!("{:.2}", rate(o) / rate(e)),
        ]);
    }
    println!("{table}");
    println!(
        "tiendo import = read and check the CSV file, resolve codes, write in one transaction."
    );
    Ok(())
}

fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Adds benchmark targets to the dataset and picks units and quarters for `rows` values.
fn shape(dataset: &mut Dataset, rows: usize) -> Result<Shape> {
    let at = "2025-07-01".parse().expect("literal date");
    let units: Vec<OrgCode> = dataset
        .units_of_kind(OrgKind::Commune, at)
        .map(|u| u.code.clone())
        .collect();
    let per_unit = BENCH_TARGETS * BENCH_PERIODS;
    let n_units = rows.div_ceil(per_unit).clamp(1, units.len());
    let mut targets = Vec::new();
    for i in 1..=BENCH_TARGETS {
        let code: TargetCode = format!("BENCH-{i:02}").parse()?;
        dataset.targets.push(Target {
            code: code.clone(),
            document: None,
            group: None,
            name_vi: format!("Benchmark indicator {i}"),
            name_en: None,
            family: Family::Operational,
            unit: "%".into(),
            direction: Direction::Increase,
            goals: vec![],
            baseline: None,
            periodicity: Periodicity::Quarterly,
            aggregation: Aggregation::Mean,
            reporters: Reporters {
                kinds: vec![OrgKind::Commune],
                units: vec![],
                published_by: None,
            },
            source: None,
            bounds: None,
        });
        targets.push(code);
    }
    let mut periods = vec![Period::quarter_of(2025, 3).expect("2025Q3 is a period")];
    while periods.len() < BENCH_PERIODS {
        let next = periods[periods.len() - 1]
            .next()
            .context("no quarter follows 2100")?;
        periods.push(next);
    }
    Ok(Shape {
        targets,
        orgs: units[..n_units].to_vec(),
        periods,
    })
}

fn write_csv(path: &Path, shape: &Shape) -> Result<()> {
    let mut w = csv::Writer::from_path(path)?;
    w.write_record(values_csv::HEADER)?;
    for (t, target) in shape.targets.iter().enumerate() {
        for (o, org) in shape.orgs.iter().enumerate() {
            for (p, period) in shape.periods.iter().enumerate() {
                w.write_record([
                    target.as_str(),
                    org.as_str(),
                    &period.to_string(),
                    &bench_value(t, o, p).to_string(),
                    "",
                ])?;
            }
        }
    }
    w.flush()?;
    Ok(())
}

/// A fresh database for one run: a new SQLite file, or a new PostgreSQL schema.
struct Scratch {
    store: Store,
    /// The PostgreSQL URL and the run's schema, dropped when the run ends.
    schema: Option<(String, String)>,
}

impl Scratch {
    async fn fresh(
        backend: &str,
        url: Option<&str>,
        dir: &Path,
        run: usize,
        what: &str,
    ) -> Result<Scratch> {
        match url {
            None => {
                let path = dir.join(format!("{backend}-{what}-{run}.db"));
                Ok(Scratch {
                    store: Store::open(&path.to_string_lossy()).await?,
                    schema: None,
                })
            }
            Some(url) => {
                let schema = format!("tiendo_bench_{}_{what}_{run}", std::process::id());
                Ok(Scratch {
                    store: Store::open_in_new_schema(url, &schema).await?,
                    schema: Some((url.to_string(), schema)),
                })
            }
        }
    }

    async fn finish(self) -> Result<()> {
        self.store.close().await;
        if let Some((url, schema)) = self.schema {
            Store::drop_schema(&url, &schema).await?;
        }
        Ok(())
    }
}
