//! Data exchange with the tools reporting officers and statistics offices already use: DHIS2's
//! `dataValueSets` (JSON and CSV, identifiers by code), Open SDG's series CSV and the XLSX/CSV
//! data-entry templates officers fill in Excel. No I/O: bytes in, domain values out, and back;
//! every problem names its row and field (and, for spreadsheets, its sheet and column).

pub mod dhis2;
pub mod opensdg;
pub mod sheet;
pub mod values_csv;

/// Why one row of an exchange file was refused. `row` counts from 1 in the order given (for
/// CSV, the line of the file).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("row {row}, field `{field}`: {message}")]
pub struct Problem {
    pub row: usize,
    pub field: String,
    pub message: String,
}

/// At most this many problems are collected before reading stops.
pub const MAX_PROBLEMS: usize = 50;
