//! Data-entry templates for spreadsheets: a unit's targets for a period written as an XLSX
//! workbook (or CSV) that reporting officers fill in Excel, and the filled file read back
//! with the sheet, row and column of every cell, so problems can be named where they are.

use std::io::Cursor;

use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
use rust_xlsxwriter::{Color, Format, FormatBorder, Workbook};

/// The name of the template's sheet.
pub const SHEET: &str = "tiendo";
/// Column headers, in order. The reader finds the header row by its first cell, so rows
/// inserted above it do no harm.
pub const HEADERS: [&str; 8] = [
    "target",
    "indicator",
    "measure",
    "unit",
    "period",
    "current",
    "value",
    "comment",
];
const VALUE: usize = 6;
const COMMENT: usize = 7;

/// One target on the template.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateRow {
    pub target: String,
    pub indicator: String,
    pub measure: String,
    pub unit: String,
    pub period: String,
    /// The value stored now, for reference; never read back.
    pub current: Option<f64>,
}

/// What a template is for: shown on top of the sheet.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateSpec {
    pub title: String,
    pub rows: Vec<TemplateRow>,
}

#[derive(Debug, thiserror::Error)]
pub enum SheetError {
    #[error("cannot write the workbook: {0}")]
    Write(#[from] rust_xlsxwriter::XlsxError),
    #[error("cannot write the CSV file: {0}")]
    Csv(#[from] csv::Error),
}

/// A cell as the officer typed it: a number Excel stored, or text to be parsed.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Number(f64),
    Text(String),
}

/// One filled row, with where it was found (1-based row, as Excel shows it).
#[derive(Debug, Clone, PartialEq)]
pub struct Filled {
    pub sheet: String,
    pub row: u32,
    pub target: String,
    pub unit: String,
    pub period: String,
    pub value: Cell,
    pub comment: String,
}

/// A problem at a place in the file: sheet, row (1-based) and column letter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellProblem {
    pub sheet: String,
    pub row: u32,
    pub column: String,
    pub message: String,
}

/// The letter of a 0-based column index, as Excel names it (`A`, `B`, …).
pub fn column_letter(index: usize) -> String {
    let mut n = index + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(char::from(b'A' + rem as u8));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

/// The column letter of the value cells, for messages about them.
pub fn value_column() -> String {
    column_letter(VALUE)
}

/// The workbook: a title line, the header row, one row per target; only the value and
/// comment cells are editable (the sheet is protected without a password, to prevent
/// accidental edits, not to lock anyone out).
pub fn xlsx(spec: &TemplateSpec) -> Result<Vec<u8>, SheetError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(SHEET)?;
    let title = Format::new().set_bold().set_font_size(13);
    let header = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xDCE6F1))
        .set_border(FormatBorder::Thin);
    let input = Format::new()
        .set_unlocked()
        .set_background_color(Color::RGB(0xFFF2CC))
        .set_border(FormatBorder::Thin);
    sheet.write_string_with_format(0, 0, &spec.title, &title)?;
    sheet.write_string(
        1,
        0,
        "Fill in the yellow cells (value, comment); leave a value empty to skip it. / \
         Điền vào các ô màu vàng (giá trị, ghi chú); để trống nếu không báo cáo.",
    )?;
    const HEADER_ROW: u32 = 3;
    for (c, h) in HEADERS.iter().enumerate() {
        sheet.write_string_with_format(HEADER_ROW, c as u16, *h, &header)?;
    }
    for (i, r) in spec.rows.iter().enumerate() {
        let row = HEADER_ROW + 1 + i as u32;
        sheet.write_string(row, 0, &r.target)?;
        sheet.write_string(row, 1, &r.indicator)?;
        sheet.write_string(row, 2, &r.measure)?;
        sheet.write_string(row, 3, &r.unit)?;
        sheet.write_string(row, 4, &r.period)?;
        if let Some(v) = r.current {
            sheet.write_number(row, 5, v)?;
        }
        sheet.write_blank(row, VALUE as u16, &input)?;
        sheet.write_blank(row, COMMENT as u16, &input)?;
    }
    for (c, width) in [12.0, 60.0, 14.0, 12.0, 10.0, 12.0, 14.0, 40.0]
        .iter()
        .enumerate()
    {
        sheet.set_column_width(c as u16, *width)?;
    }
    sheet.set_freeze_panes(HEADER_ROW + 1, 0)?;
    sheet.protect();
    Ok(book.save_to_buffer()?)
}

/// The same template as CSV: the header row, then one row per target.
pub fn csv(spec: &TemplateSpec) -> Result<Vec<u8>, SheetError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(HEADERS)?;
    for r in &spec.rows {
        let current = r.current.map(|v| v.to_string()).unwrap_or_default();
        w.write_record([
            r.target.as_str(),
            &r.indicator,
            &r.measure,
            &r.unit,
            &r.period,
            &current,
            "",
            "",
        ])?;
    }
    w.into_inner()
        .map_err(|e| SheetError::Csv(csv::Error::from(e.into_error())))
}

fn text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_string(),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        other => other.to_string(),
    }
}

/// Reads a filled workbook: every sheet whose header row starts with `target`. Rows without
/// a value and without a comment are skipped; every other row is returned with its place.
pub fn read_xlsx(bytes: &[u8]) -> Result<Vec<Filled>, CellProblem> {
    let unreadable = |message: String| CellProblem {
        sheet: String::new(),
        row: 0,
        column: String::new(),
        message,
    };
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes))
        .map_err(|e| unreadable(format!("the file is not an Excel workbook (.xlsx): {e}")))?;
    let mut filled = Vec::new();
    let mut found = false;
    for name in book.sheet_names() {
        let range = book
            .worksheet_range(&name)
            .map_err(|e| unreadable(format!("sheet {name} cannot be read: {e}")))?;
        let Some((top, left)) = range.start() else {
            continue;
        };
        let rows: Vec<&[Data]> = range.rows().collect();
        let Some(header) = rows.iter().position(|r| {
            r.first()
                .is_some_and(|c| text(c).eq_ignore_ascii_case("target"))
        }) else {
            continue;
        };
        if left != 0 {
            return Err(CellProblem {
                sheet: name.clone(),
                row: top + header as u32 + 1,
                column: column_letter(left as usize),
                message: "the header row must start in column A".into(),
            });
        }
        check_header(
            &name,
            top + header as u32 + 1,
            &rows[header].iter().map(text).collect::<Vec<_>>(),
        )?;
        found = true;
        for (i, r) in rows.iter().enumerate().skip(header + 1) {
            let cell = |c: usize| r.get(c).cloned().unwrap_or(Data::Empty);
            let value = match cell(VALUE) {
                Data::Float(f) => Cell::Number(f),
                Data::Int(n) => Cell::Number(n as f64),
                other => Cell::Text(text(&other)),
            };
            let comment = text(&cell(COMMENT));
            if value == Cell::Text(String::new()) && comment.is_empty() {
                continue;
            }
            filled.push(Filled {
                sheet: name.clone(),
                row: top + i as u32 + 1,
                target: text(&cell(0)),
                unit: text(&cell(3)),
                period: text(&cell(4)),
                value,
                comment,
            });
        }
    }
    if !found {
        return Err(unreadable(
            "no sheet has the template's header row (target, indicator, …); download a new template"
                .into(),
        ));
    }
    Ok(filled)
}

fn check_header(sheet: &str, row: u32, cells: &[String]) -> Result<(), CellProblem> {
    for (c, expected) in HEADERS.iter().enumerate() {
        let got = cells.get(c).map(String::as_str).unwrap_or_default();
        if !got.eq_ignore_ascii_case(expected) {
            return Err(CellProblem {
                sheet: sheet.to_string(),
                row,
                column: column_letter(c),
                message: format!("the header here must be \"{expected}\", not \"{got}\""),
            });
        }
    }
    Ok(())
}

/// Reads a filled CSV template (the sheet is named `CSV` in problems; rows are lines).
pub fn read_csv(bytes: &[u8]) -> Result<Vec<Filled>, CellProblem> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut filled = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i as u32 + 1;
        let record = record.map_err(|e| CellProblem {
            sheet: "CSV".into(),
            row: line,
            column: String::new(),
            message: format!("the line cannot be read: {e}"),
        })?;
        let cells: Vec<String> = record.iter().map(|c| c.trim().to_string()).collect();
        if i == 0 {
            let mut cells = cells;
            if let Some(first) = cells.first_mut() {
                *first = first.trim_start_matches('\u{feff}').to_string();
            }
            check_header("CSV", line, &cells)?;
            continue;
        }
        let cell = |c: usize| cells.get(c).cloned().unwrap_or_default();
        if cell(VALUE).is_empty() && cell(COMMENT).is_empty() {
            continue;
        }
        filled.push(Filled {
            sheet: "CSV".into(),
            row: line,
            target: cell(0),
            unit: cell(3),
            period: cell(4),
            value: Cell::Text(cell(VALUE)),
            comment: cell(COMMENT),
        });
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> TemplateSpec {
        TemplateSpec {
            title: "Hà Tĩnh — 2025".into(),
            rows: vec![
                TemplateRow {
                    target: "HT-T3".into(),
                    indicator: "Tỷ trọng kinh tế số trong GRDP".into(),
                    measure: "%".into(),
                    unit: "HA-TINH".into(),
                    period: "2025".into(),
                    current: Some(12.5),
                },
                TemplateRow {
                    target: "HT-T4".into(),
                    indicator: "Doanh nghiệp công nghệ số".into(),
                    measure: "số".into(),
                    unit: "HA-TINH".into(),
                    period: "2025".into(),
                    current: None,
                },
            ],
        }
    }

    /// Fills a template the way an officer does in Excel: same layout, values typed in G.
    fn fill(values: &[(u32, Cell)]) -> Vec<u8> {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet.set_name(SHEET).unwrap();
        for (c, h) in HEADERS.iter().enumerate() {
            sheet.write_string(3, c as u16, *h).unwrap();
        }
        for (i, r) in spec().rows.iter().enumerate() {
            let row = 4 + i as u32;
            sheet.write_string(row, 0, &r.target).unwrap();
            sheet.write_string(row, 1, &r.indicator).unwrap();
            sheet.write_string(row, 3, &r.unit).unwrap();
            sheet.write_string(row, 4, &r.period).unwrap();
        }
        for (row, v) in values {
            match v {
                Cell::Number(n) => sheet.write_number(*row - 1, VALUE as u16, *n).unwrap(),
                Cell::Text(t) => sheet.write_string(*row - 1, VALUE as u16, t).unwrap(),
            };
        }
        book.save_to_buffer().unwrap()
    }

    #[test]
    fn an_empty_template_reads_back_as_nothing_to_enter() {
        let bytes = xlsx(&spec()).unwrap();
        assert_eq!(read_xlsx(&bytes).unwrap(), vec![]);
        let csv_bytes = csv(&spec()).unwrap();
        assert_eq!(read_csv(&csv_bytes).unwrap(), vec![]);
    }

    #[test]
    fn filled_cells_come_back_with_their_place() {
        let bytes = fill(&[(5, Cell::Number(14.2)), (6, Cell::Text("12,5".into()))]);
        let rows = read_xlsx(&bytes).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].sheet.as_str(), rows[0].row), (SHEET, 5));
        assert_eq!(rows[0].target, "HT-T3");
        assert_eq!(rows[0].value, Cell::Number(14.2));
        assert_eq!(rows[1].value, Cell::Text("12,5".into()));
        assert_eq!((rows[1].row, rows[1].period.as_str()), (6, "2025"));
    }

    #[test]
    fn a_file_that_is_not_a_template_is_named_as_such() {
        let e = read_xlsx(b"PK\x03\x04 not really").unwrap_err();
        assert!(e.message.contains("not an Excel workbook"), "{}", e.message);
        let e = read_csv("target,name\nHT-T3,x\n".as_bytes()).unwrap_err();
        assert_eq!((e.row, e.column.as_str()), (1, "B"));
    }

    #[test]
    fn column_letters_follow_excel() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(6), "G");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
    }
}
