//! `tiendo bench evaluation`: evaluation at national scale, on a database `tiendo synth` filled.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use chrono::NaiveDate;
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use tiendo_domain::orgs::{OrgCode, OrgKind};
use tiendo_domain::periods::Period;
use tiendo_domain::targets::TargetCode;
use tiendo_domain::values::{NewValue, Number, ValueState};
use tiendo_evaluation::indices::{Definition, Index};
use tiendo_evaluation::national::evaluate;
use tiendo_evaluation::rollup::Rollups;
use tiendo_evaluation::scoring::Rubric;
use tiendo_evaluation::warnings::{warnings, Inputs, Settings};
use tiendo_storage::Store;

const GOAL_EVALUATION: Duration = Duration::from_millis(100);
const GOAL_NEW_VALUE: Duration = Duration::from_secs(1);

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// The median time of `f` over `runs` runs; what it returns is dropped after the clock stops.
fn times<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    median(
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                let out = f();
                let elapsed = t.elapsed();
                drop(out);
                elapsed
            })
            .collect(),
    )
}

/// Peak resident memory of this process, from /proc (Linux).
fn peak_memory_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

pub async fn run(store: &Store, day: NaiveDate, runs: usize) -> Result<()> {
    anyhow::ensure!(runs >= 1, "--runs must be at least 1");
    let started = Instant::now();
    let snapshot = store.snapshot(day).await?;
    let load = started.elapsed();
    let inputs = Inputs::from(&snapshot);
    let series_count: usize = inputs.series.values().map(|m| m.len()).sum();
    anyhow::ensure!(
        series_count > 0,
        "the database holds no values; run `tiendo synth --yes` first"
    );
    let (_, rubric_text) = tiendo_dataset::default_rubric();
    let rubric: Rubric = toml::from_str(rubric_text).context("the built-in rubric")?;
    let settings = Settings::default();

    let full = times(runs, || evaluate(&inputs, &settings, &rubric));
    let evaluation = evaluate(&inputs, &settings, &rubric);
    let judged = evaluation.judgements.len();
    let mut warning_count = 0;
    // Warnings are read off the day's evaluation, which dashboards keep current.
    let all_warnings = times(runs, || {
        let list = warnings(&inputs, &settings, &evaluation.judgements);
        warning_count = list.len();
        list
    });

    let h = &snapshot.hierarchy;
    let provinces: Vec<OrgCode> = h
        .as_of(day)
        .filter(|u| u.kind == OrgKind::Province)
        .map(|u| u.code.clone())
        .collect();
    let mut indices = Vec::new();
    for name in tiendo_dataset::builtin_index_names() {
        let (_, text) = tiendo_dataset::builtin_index(name).expect("listed names exist");
        let def: Definition = toml::from_str(text).context("a built-in index")?;
        indices.push(Index::new(def)?);
    }
    let year = Period::year_of(2025).context("the benchmark year")?;
    let mut index_values: Vec<HashMap<TargetCode, HashMap<OrgCode, f64>>> = Vec::new();
    for index in &indices {
        let mut values: HashMap<TargetCode, HashMap<OrgCode, f64>> = HashMap::new();
        for t in index.targets() {
            for u in &provinces {
                if let Some(s) = inputs.series.get(t).and_then(|m| m.get(u)) {
                    if let Some((_, v)) = s.iter().find(|(p, _)| *p == year) {
                        values.entry(t.clone()).or_default().insert(u.clone(), *v);
                    }
                }
            }
        }
        index_values.push(values);
    }
    let both_indices = times(runs, || {
        indices
            .iter()
            .zip(&index_values)
            .map(|(index, values)| index.compute(&provinces, values))
            .collect::<Vec<_>>()
    });

    // Roll-ups built once from every value, then kept current value by value.
    let started = Instant::now();
    let targets = store.targets(None).await?;
    let mut rollups = Rollups::new(h, day, &targets);
    for (t, by_unit) in inputs.series {
        for (u, s) in by_unit.iter() {
            for (p, v) in s {
                rollups.apply(t, u, *p, *v);
            }
        }
    }
    let build = started.elapsed();
    // One commune sends the next quarter's report for a commune-level target: it must show in
    // the national figure at once.
    let (target, unit, period) = inputs
        .series
        .iter()
        .flat_map(|(t, by_unit)| by_unit.iter().map(move |(u, s)| (t, u, s)))
        .filter(|(_, u, _)| h.get(u).is_some_and(|x| x.kind == OrgKind::Commune))
        .filter_map(|(t, u, s)| {
            s.iter()
                .map(|(p, _)| *p)
                .max()
                .and_then(|p| p.next())
                .map(|p| (t.clone(), u.clone(), p))
        })
        .min()
        .context("no commune-level series to extend")?;
    let nation: OrgCode = "VN".parse()?;
    let mut new_value_times = Vec::new();
    let mut written = 0.0;
    // Each run reports a period of its own: an approved value never changes, so writing the
    // same key twice would measure a refusal, and a second run of the command must find new
    // periods too (the first run's values are in the series it starts from).
    let mut period = period.previous();
    for i in 0..runs {
        written = 50.0 + i as f64;
        period = period
            .next()
            .context("the periods run out before 2100: run `tiendo synth --yes` again")?;
        let started = Instant::now();
        store
            .import_values(
                &[NewValue {
                    target: target.clone(),
                    org: unit.clone(),
                    period,
                    value: Number::new(written).expect("finite"),
                    comment: None,
                    source: None,
                }],
                "bench",
                ValueState::Approved,
                &|_| {},
            )
            .await
            .and_then(|s| {
                s.conflicts.is_empty().then_some(()).ok_or_else(|| {
                    tiendo_storage::StoreError::Conflict {
                        code: "bench_value_not_written",
                        message: format!("the benchmark's new value was not written: {s:?}"),
                    }
                })
            })?;
        rollups.apply(&target, &unit, period, written);
        std::hint::black_box(rollups.figure(&target, &nation, period));
        new_value_times.push(started.elapsed());
    }
    let units_below = rollups.count(&target, &nation, period);
    anyhow::ensure!(
        rollups.figure(&target, &nation, period) == Some(written) && units_below == 1,
        "the national figure does not show the new value"
    );
    let new_value = median(new_value_times);

    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED).set_header(vec![
        "measurement",
        "median",
        "goal",
        "met",
        "size",
    ]);
    let row = |t: &mut Table, what: &str, d: Duration, goal: Option<Duration>, size: String| {
        t.add_row(vec![
            what.to_string(),
            format!("{:.1} ms", d.as_secs_f64() * 1000.0),
            goal.map_or_else(String::new, |g| format!("≤ {} ms", g.as_millis())),
            goal.map_or_else(
                String::new,
                |g| if d <= g { "yes".into() } else { "no".into() },
            ),
            size,
        ]);
    };
    row(
        &mut table,
        "load snapshot from the database (once)",
        load,
        None,
        format!("{series_count} series"),
    );
    row(
        &mut table,
        "evaluate every target × unit, every task, every unit's score",
        full,
        Some(GOAL_EVALUATION),
        format!("{judged} judgements, {} tasks", snapshot_tasks(&inputs)),
    );
    row(
        &mut table,
        "both indices for all provinces",
        both_indices,
        Some(GOAL_EVALUATION),
        format!("{} provinces", provinces.len()),
    );
    row(
        &mut table,
        "all warnings",
        all_warnings,
        Some(GOAL_EVALUATION),
        format!("{warning_count} warnings"),
    );
    row(
        &mut table,
        "build roll-ups from every value (once)",
        build,
        None,
        String::new(),
    );
    row(
        &mut table,
        "one new value written and in the national figure",
        new_value,
        Some(GOAL_NEW_VALUE),
        format!("{target} / {unit} / {period}, {units_below} values below VN"),
    );
    println!("{table}");
    println!(
        "day {day}, {runs} run(s) per measurement, peak memory {}",
        peak_memory_mib().map_or_else(|| "unknown".to_string(), |m| format!("{m:.0} MiB"))
    );
    Ok(())
}

fn snapshot_tasks(inputs: &tiendo_evaluation::warnings::Inputs<'_>) -> usize {
    inputs.tasks.len()
}
