//! Printing lists as a table, JSON or CSV.

use std::io::Write;

use anyhow::Result;
use comfy_table::{presets::UTF8_FULL_CONDENSED, ContentArrangement, Table};
use serde::Serialize;

use crate::cli::Format;

/// A list that can be printed in every format: JSON from the items, table and CSV from the
/// columns.
pub struct Listing<'a, T, F> {
    pub items: &'a [T],
    pub headers: &'a [&'a str],
    pub row: F,
}

impl<T: Serialize, F: Fn(&T) -> Vec<String>> Listing<'_, T, F> {
    /// Prints the list; a table's headers and count are in the reader's language, JSON and CSV
    /// keep the field names programs read.
    pub fn print(&self, format: Format, l: tiendo_wording::Lang) -> Result<()> {
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        match format {
            Format::Json => {
                serde_json::to_writer_pretty(&mut out, self.items)?;
                writeln!(out)?;
            }
            Format::Csv => {
                let mut w = csv::Writer::from_writer(out);
                w.write_record(self.headers)?;
                for item in self.items {
                    w.write_record((self.row)(item))?;
                }
                w.flush()?;
            }
            Format::Table => {
                let mut table = Table::new();
                table
                    .load_preset(UTF8_FULL_CONDENSED)
                    .set_content_arrangement(ContentArrangement::Dynamic)
                    .set_header(
                        self.headers
                            .iter()
                            .map(|h| {
                                l.try_t(&format!("column-{h}"))
                                    .unwrap_or_else(|| h.to_string())
                            })
                            .collect::<Vec<_>>(),
                    );
                for item in self.items {
                    table.add_row((self.row)(item));
                }
                writeln!(out, "{table}")?;
                writeln!(
                    out,
                    "{}",
                    l.t_args("cli-rows", &[("count", self.items.len().to_string())])
                )?;
            }
        }
        Ok(())
    }
}

pub fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(ToString::to_string).unwrap_or_default()
}

pub fn join<T: ToString>(v: &[T]) -> String {
    v.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}
