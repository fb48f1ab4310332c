//! Reading an Open SDG series file for the commands that take one.

use std::path::Path;

use tiendo_evaluation::progress::Observation;

use tiendo_wording::Lang;

use crate::refused;
use crate::BadInput;

/// The file's headline series; problems name the file, the line and the column.
pub fn read_headline(path: &Path, l: Lang) -> Result<Vec<Observation>, BadInput> {
    let text = std::fs::read_to_string(path).map_err(|e| refused::unreadable(l, path, &e))?;
    tiendo_exchange::opensdg::read(&text)
        .map(|series| {
            series
                .into_iter()
                .map(|(year, value)| Observation { year, value })
                .collect()
        })
        .map_err(|p| {
            refused::rejected(l, &path.display().to_string(), &[p], &tiendo_wording::Codes)
        })
}
