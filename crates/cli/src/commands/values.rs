//! `tiendo values import|export`.

use std::io::{IsTerminal, Write};
use std::path::Path;

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use tiendo_domain::orgs::OrgCode;
use tiendo_domain::problems::Problem;
use tiendo_domain::targets::TargetCode;
use tiendo_domain::values::ValueState;
use tiendo_storage::{Store, StoreError, ValueFilter};

use tiendo_exchange::values_csv;

use tiendo_wording::Lang;

use crate::refused::{self, Known};

pub async fn import(
    store: &Store,
    file: &Path,
    author: &str,
    state: ValueState,
    l: Lang,
) -> Result<()> {
    let name = file.display().to_string();
    let bytes = std::fs::read(file).map_err(|e| refused::unreadable(l, file, &e))?;
    let known = Known::load(store).await?;
    let parsed = values_csv::read(&name, &bytes)
        .map_err(|e| refused::rejected(l, &name, &e.problems, &known.names(l)))?;
    let bar = if std::io::stderr().is_terminal() {
        ProgressBar::new(parsed.values.len() as u64).with_style(
            ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({per_sec})")
                .expect("static template")
                .progress_chars("=> "),
        )
    } else {
        ProgressBar::hidden()
    };
    bar.set_message(name.clone());
    let result = store
        .import_values(&parsed.values, author, state, &|n| {
            bar.set_position(n as u64)
        })
        .await;
    bar.finish_and_clear();
    match result {
        Ok(s) => {
            println!("{}", refused::imported(l, &name, &s, false));
            Ok(())
        }
        Err(StoreError::Rejected(problems)) => {
            // Problems count the rows given from 1; the file's line of each was kept.
            let at_lines: Vec<Problem> = problems
                .into_iter()
                .map(
                    |p| match p.row.checked_sub(1).and_then(|i| parsed.lines.get(i)) {
                        Some(line) => Problem {
                            row: *line as usize,
                            ..p
                        },
                        None => p,
                    },
                )
                .collect();
            Err(refused::rejected(l, &name, &at_lines, &known.names(l)).into())
        }
        Err(e) => Err(e).with_context(|| l.t_args("cli-import-failed", &[("file", name)])),
    }
}

pub async fn export(
    store: &Store,
    target: Option<TargetCode>,
    org: Option<OrgCode>,
    output: Option<&Path>,
) -> Result<()> {
    let values = store.values(&ValueFilter { target, org }).await?;
    let sink: Box<dyn Write> = match output {
        Some(path) => Box::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?,
        ),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut w = csv::Writer::from_writer(std::io::BufWriter::new(sink));
    w.write_record(values_csv::HEADER)?;
    for v in &values {
        w.write_record([
            v.target.as_str(),
            v.org.as_str(),
            &v.period.to_string(),
            &v.value.get().to_string(),
            // A comment a spreadsheet would run as a formula is kept as text; `values import`
            // reads it back as written.
            &tiendo_exchange::spreadsheet_cell(v.comment.as_deref().unwrap_or("")),
        ])?;
    }
    w.flush()?;
    Ok(())
}
