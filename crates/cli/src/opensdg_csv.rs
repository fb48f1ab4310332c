//! Reading an Open SDG series file for the commands that take one.

use std::path::Path;

use tiendo_evaluation::progress::Observation;

use crate::BadInput;

/// The file's headline series; problems name the file, the line and the column.
pub fn read_headline(path: &Path) -> Result<Vec<Observation>, BadInput> {
    let name = path.display();
    let text =
        std::fs::read_to_string(path).map_err(|e| BadInput(format!("cannot read {name}: {e}")))?;
    tiendo_exchange::opensdg::read(&text)
        .map(|series| {
            series
                .into_iter()
                .map(|(year, value)| Observation { year, value })
                .collect()
        })
        .map_err(|p| {
            let place = match (p.row, p.field.is_empty()) {
                (0, true) => String::new(),
                (0, false) => format!(", field `{}`", p.field),
                (row, true) => format!(", line {row}"),
                (row, false) => format!(", line {row}, field `{}`", p.field),
            };
            BadInput(format!("{name}{place}: {}", p.message))
        })
}
