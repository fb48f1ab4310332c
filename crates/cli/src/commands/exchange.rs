//! `tiendo values import-dhis2|export-dhis2|import-opensdg|export-opensdg`: the formats of
//! DHIS2 and Open SDG.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result};
use tiendo_domain::periods::Period;
use tiendo_domain::values::NewValue;
use tiendo_evaluation::targets::yearly;
use tiendo_exchange::dhis2::{self, Mapping};
use tiendo_storage::{Store, StoreError, ValueFilter};

use crate::cli::{Dhis2Export, Dhis2Import, OpensdgExport, OpensdgImport};
use crate::BadInput;

fn read(path: &Path) -> Result<String> {
    Ok(std::fs::read_to_string(path)
        .map_err(|e| BadInput(format!("cannot read {}: {e}", path.display())))?)
}

fn mapping(path: Option<&Path>) -> Result<Mapping> {
    match path {
        None => Ok(Mapping::default()),
        Some(p) => {
            Ok(Mapping::from_toml(&read(p)?)
                .map_err(|e| BadInput(format!("{}: {e}", p.display())))?)
        }
    }
}

fn problems<T: std::fmt::Display>(name: &str, list: &[T]) -> BadInput {
    let mut text: Vec<String> = list
        .iter()
        .take(10)
        .map(|p| format!("{name}, {p}"))
        .collect();
    if list.len() > 10 {
        text.push(format!("and {} more", list.len() - 10));
    }
    BadInput(format!("nothing was imported:\n{}", text.join("\n")))
}

/// Imports (or with `--dry-run` only checks) a DHIS2 `dataValueSets` file, JSON or CSV.
pub async fn import_dhis2(store: &Store, a: &Dhis2Import) -> Result<()> {
    let name = a.file.display().to_string();
    let text = read(&a.file)?;
    let started = Instant::now();
    let set = if text
        .trim_start_matches('\u{feff}')
        .trim_start()
        .starts_with('{')
    {
        dhis2::parse_json(&text).map_err(|p| problems(&name, &[p]))?
    } else {
        dhis2::parse_csv(&text).map_err(|p| problems(&name, &p))?
    };
    let values =
        dhis2::to_values(&set, &mapping(a.mapping.as_deref())?).map_err(|p| problems(&name, &p))?;
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
                "{name}: {} imported, {} updated, {} ignored{} — {} values in {:.2} s ({:.0} values/s)",
                s.imported,
                s.updated,
                s.ignored,
                if a.dry_run { " (dry run: nothing written)" } else { "" },
                values.len(),
                elapsed.as_secs_f64(),
                values.len() as f64 / elapsed.as_secs_f64()
            );
            Ok(())
        }
        Err(StoreError::Rejected(list)) => {
            let named: Vec<String> = list.iter().map(ToString::to_string).collect();
            Err(problems(&name, &named).into())
        }
        Err(e) => Err(e).with_context(|| format!("importing {name} failed; nothing was written")),
    }
}

/// Writes current values as a DHIS2 `dataValueSets` document (JSON, or CSV with `--csv`).
pub async fn export_dhis2(store: &Store, a: &Dhis2Export) -> Result<()> {
    let values = store
        .values(&ValueFilter {
            target: a.target.clone(),
            org: a.org.clone(),
        })
        .await?;
    let set = dhis2::from_values(&values, &mapping(a.mapping.as_deref())?);
    if a.csv {
        print!("{}", dhis2::to_csv(&set));
    } else {
        println!("{}", serde_json::to_string_pretty(&set)?);
    }
    Ok(())
}

/// Writes one unit's yearly series of a target in Open SDG's CSV format.
pub async fn export_opensdg(store: &Store, a: &OpensdgExport) -> Result<()> {
    let target = store
        .targets(None)
        .await?
        .into_iter()
        .find(|t| t.code == a.target)
        .ok_or_else(|| BadInput(format!("there is no target {}", a.target)))?;
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
pub async fn import_opensdg(store: &Store, a: &OpensdgImport) -> Result<()> {
    let name = a.file.display().to_string();
    let observations = crate::opensdg_csv::read_headline(&a.file)?;
    let values: Vec<NewValue> = observations
        .iter()
        .map(|o| {
            Ok(NewValue {
                target: a.target.clone(),
                org: a.org.clone(),
                period: Period::year_of(o.year).map_err(|e| BadInput(format!("{name}: {e}")))?,
                value: tiendo_domain::values::Number::new(o.value)
                    .ok_or_else(|| BadInput(format!("{name}: {} is not finite", o.value)))?,
                comment: None,
                source: Some(format!("Open SDG file {name}")),
            })
        })
        .collect::<Result<_, BadInput>>()?;
    match store
        .import_values(&values, &a.author, a.state, &|_| {})
        .await
    {
        Ok(s) => {
            println!(
                "{name}: {} imported, {} updated, {} ignored",
                s.imported, s.updated, s.ignored
            );
            Ok(())
        }
        Err(StoreError::Rejected(list)) => {
            let named: Vec<String> = list
                .iter()
                .map(
                    |p| match p.row.checked_sub(1).and_then(|i| observations.get(i)) {
                        Some(o) => format!("year {}, field `{}`: {}", o.year, p.field, p.message),
                        None => p.to_string(),
                    },
                )
                .collect();
            Err(problems(&name, &named).into())
        }
        Err(e) => Err(e).with_context(|| format!("importing {name} failed; nothing was written")),
    }
}
