//! `tiendo values import-dhis2|export-dhis2|import-opensdg|export-opensdg`: the formats of
//! DHIS2 and Open SDG.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result};
use tiendo_domain::periods::Period;
use tiendo_domain::problems::Problem;
use tiendo_domain::values::NewValue;
use tiendo_evaluation::targets::yearly;
use tiendo_exchange::dhis2::{self, Mapping};
use tiendo_storage::{Store, StoreError, ValueFilter};

use crate::cli::{Dhis2Export, Dhis2Import, OpensdgExport, OpensdgImport};
use tiendo_wording::Lang;

use crate::refused::{self, Known};
use crate::BadInput;

fn read(path: &Path, l: Lang) -> Result<String> {
    Ok(std::fs::read_to_string(path).map_err(|e| refused::unreadable(l, path, &e))?)
}

fn mapping(path: Option<&Path>, l: Lang) -> Result<Mapping> {
    match path {
        None => Ok(Mapping::default()),
        Some(p) => Ok(Mapping::from_toml(&read(p, l)?)
            .map_err(|e| BadInput(format!("{}: {e}", p.display())))?),
    }
}

/// Imports (or with `--dry-run` only checks) a DHIS2 `dataValueSets` file, JSON or CSV.
pub async fn import_dhis2(store: &Store, a: &Dhis2Import, l: Lang) -> Result<()> {
    let name = a.file.display().to_string();
    let text = read(&a.file, l)?;
    let known = Known::load(store).await?;
    let problems = |list: &[Problem]| refused::rejected(l, &name, list, &known.names(l));
    let started = Instant::now();
    let set = if text
        .trim_start_matches('\u{feff}')
        .trim_start()
        .starts_with('{')
    {
        dhis2::parse_json(&text).map_err(|p| problems(&[p]))?
    } else {
        dhis2::parse_csv(&text).map_err(|p| problems(&p))?
    };
    let values =
        dhis2::to_values(&set, &mapping(a.mapping.as_deref(), l)?).map_err(|p| problems(&p))?;
    let result = if a.dry_run {
        store.check_values(&values, a.state).await
    } else {
        store
            .import_values(&values, &a.author, a.state, &|_| {})
            .await
    };
    let elapsed = started.elapsed();
    match result {
        Ok(s) => {
            println!(
                "{} — {:.2} s ({:.0}/s)",
                refused::imported(l, &name, &s, a.dry_run),
                elapsed.as_secs_f64(),
                values.len() as f64 / elapsed.as_secs_f64()
            );
            Ok(())
        }
        Err(StoreError::Rejected(list)) => Err(problems(&list).into()),
        Err(e) => Err(e).with_context(|| l.t_args("cli-import-failed", &[("file", name)])),
    }
}

/// Writes current values as a DHIS2 `dataValueSets` document (JSON, or CSV with `--csv`).
pub async fn export_dhis2(store: &Store, a: &Dhis2Export, l: Lang) -> Result<()> {
    let values = store
        .values(&ValueFilter {
            target: a.target.clone(),
            org: a.org.clone(),
        })
        .await?;
    let set = dhis2::from_values(&values, &mapping(a.mapping.as_deref(), l)?);
    if a.csv {
        print!("{}", dhis2::to_csv(&set));
    } else {
        println!("{}", serde_json::to_string_pretty(&set)?);
    }
    Ok(())
}

/// Writes one unit's yearly series of a target in Open SDG's CSV format.
pub async fn export_opensdg(store: &Store, a: &OpensdgExport, l: Lang) -> Result<()> {
    let target = store
        .targets(None)
        .await?
        .into_iter()
        .find(|t| t.code == a.target)
        .ok_or_else(|| {
            BadInput(l.t_args("cli-no-such-target", &[("target", a.target.to_string())]))
        })?;
    let values = store
        .values(&ValueFilter {
            target: Some(a.target.clone()),
            org: Some(a.org.clone()),
        })
        .await?;
    let series: Vec<(Period, f64)> = values.iter().map(|v| (v.period, v.value.get())).collect();
    let yearly: Vec<(i32, f64)> = yearly(&series).iter().map(|o| (o.year, o.value)).collect();
    print!("{}", tiendo_exchange::opensdg::write(&target.unit, &yearly));
    Ok(())
}

/// Imports an Open SDG headline series as yearly values of one target for one unit.
pub async fn import_opensdg(store: &Store, a: &OpensdgImport, l: Lang) -> Result<()> {
    let name = a.file.display().to_string();
    let observations = crate::opensdg_csv::read_headline(&a.file, l)?;
    let known = Known::load(store).await?;
    let names = known.names(l);
    let year = |y: i32| l.t_args("place-year", &[("year", y.to_string())]);
    let mut unreadable = Vec::new();
    let mut values = Vec::new();
    for o in &observations {
        let period = Period::year_of(o.year)
            .map_err(|e| Problem::whole(e.to_string()).coded("not-a-period", [("input", e.input)]));
        let value = tiendo_domain::values::Number::new(o.value).ok_or_else(|| {
            Problem::whole(format!("{} is not finite", o.value))
                .coded("not-finite", [("input", o.value.to_string())])
        });
        match (period, value) {
            (Ok(period), Ok(value)) => values.push(NewValue {
                target: a.target.clone(),
                org: a.org.clone(),
                period,
                value,
                comment: None,
                source: Some(format!("Open SDG file {name}")),
            }),
            (period, value) => unreadable.extend(
                [period.err(), value.err()]
                    .into_iter()
                    .flatten()
                    .map(|p| format!("{}: {}", year(o.year), tiendo_wording::problem(l, &p))),
            ),
        }
    }
    if !unreadable.is_empty() {
        let count = unreadable.len();
        return Err(refused::listed(l, &name, unreadable.into_iter(), count).into());
    }
    match store
        .import_values(&values, &a.author, a.state, &|_| {})
        .await
    {
        Ok(s) => {
            println!("{}", refused::imported(l, &name, &s, false));
            Ok(())
        }
        Err(StoreError::Rejected(list)) => {
            // Problems count the observations from 1; each is named by its year.
            let count = list.len();
            let lines = list.iter().map(|p| {
                let sentence = tiendo_wording::problem_named(l, p, &names);
                match p.row.checked_sub(1).and_then(|i| observations.get(i)) {
                    Some(o) => format!("{}: {sentence}", year(o.year)),
                    None => sentence,
                }
            });
            Err(refused::listed(l, &name, lines, count).into())
        }
        Err(e) => Err(e).with_context(|| l.t_args("cli-import-failed", &[("file", name)])),
    }
}
