//! Data-entry templates for spreadsheets: a unit's targets for a period written as an XLSX
//! workbook (or CSV) that reporting officers fill in Excel, and the filled file read back
//! with the sheet, row and column of every cell, so problems can be named where they are.

use std::io::{Cursor, Read};

use crate::Problem;

use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
use rust_xlsxwriter::{Color, Format, FormatBorder, Workbook};

/// The name of the template's sheet.
pub const SHEET: &str = "tiendo";
/// Column headers in English, in order. The reader finds the header row by its first cell, so
/// rows inserted above it do no harm, and takes the headers in either language.
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
/// The same columns' headers in Vietnamese, as a Vietnamese reader's template carries them.
pub const HEADERS_VI: [&str; 8] = [
    "Mã chỉ tiêu",
    "Chỉ tiêu",
    "Đơn vị tính",
    "Mã đơn vị",
    "Kỳ báo cáo",
    "Giá trị hiện có",
    "Giá trị",
    "Ghi chú",
];
const VALUE: usize = 6;
const COMMENT: usize = 7;

/// Whether `cell` heads column `c` in either language.
fn heads(cell: &str, c: usize) -> bool {
    let cell = cell.trim().to_lowercase();
    [HEADERS[c], HEADERS_VI[c]]
        .iter()
        .any(|h| h.to_lowercase() == cell)
}

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
    /// The header row, in the reader's language: [`HEADERS_VI`] or [`HEADERS`].
    pub headers: &'static [&'static str; 8],
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
    pub row: usize,
    pub target: String,
    pub unit: String,
    pub period: String,
    pub value: Cell,
    pub comment: String,
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
    for (c, h) in spec.headers.iter().enumerate() {
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
    // A byte-order mark so Excel opens it as UTF-8; text a spreadsheet would run as a formula
    // (a target named "=…") is written as text.
    let mut w = csv::Writer::from_writer(crate::UTF8_BOM.to_vec());
    w.write_record(spec.headers)?;
    let cell = crate::spreadsheet_cell;
    for r in &spec.rows {
        let current = r.current.map(|v| v.to_string()).unwrap_or_default();
        w.write_record([
            &*cell(&r.target),
            &*cell(&r.indicator),
            &*cell(&r.measure),
            &*cell(&r.unit),
            &*cell(&r.period),
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

/// How much of an uploaded workbook is read. A template has a known shape — eight columns and
/// one row per target a unit reports — so anything far beyond it is refused before it costs
/// memory or time: the package's unpacked size is counted by unpacking it (declared sizes can
/// lie), and the sheets are read cell by cell, never as a rectangle spanning the last cell.
#[derive(Debug, Clone, Copy)]
pub struct WorkbookLimits {
    /// Files inside the package.
    pub entries: usize,
    /// Bytes of all files unpacked.
    pub unpacked: u64,
    /// The last row a sheet may use.
    pub rows: u32,
    /// The last column a sheet may use (0-based; the template's own end at H).
    pub columns: u32,
    /// Cells stored in all sheets.
    pub cells: usize,
}

impl Default for WorkbookLimits {
    fn default() -> Self {
        WorkbookLimits {
            entries: 64,
            unpacked: 32 << 20,
            rows: 20_000,
            columns: 25,
            cells: 200_000,
        }
    }
}

/// Reads a filled workbook within the default limits: every sheet whose header row starts
/// with `target`. Rows without a value and without a comment are skipped; every other row is
/// returned with its place.
pub fn read_xlsx(bytes: &[u8]) -> Result<Vec<Filled>, Problem> {
    read_xlsx_within(bytes, &WorkbookLimits::default())
}

/// [`read_xlsx`] within `limits`.
pub fn read_xlsx_within(bytes: &[u8], limits: &WorkbookLimits) -> Result<Vec<Filled>, Problem> {
    check_package(bytes, limits)?;
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).map_err(|e| {
        Problem::whole(format!("the file is not an Excel workbook (.xlsx): {e}"))
            .coded("not-xlsx", [])
    })?;
    let mut filled = Vec::new();
    let mut found = false;
    let mut cells_read = 0usize;
    for name in book.sheet_names() {
        let rows = sheet_rows(&mut book, &name, limits, &mut cells_read)?;
        let Some((&header_row, header)) = rows.iter().find(|(_, r)| heads(&text(&r[0]), 0)) else {
            if let Some((row, r)) = rows
                .iter()
                .find_map(|(row, r)| header_elsewhere(r).map(|c| (row, c)))
            {
                return Err(Problem::in_sheet(
                    name.as_str(),
                    *row as usize + 1,
                    column_letter(r),
                    "the header row must start in column A",
                )
                .coded("header-not-in-column-a", []));
            }
            continue;
        };
        check_header(
            &name,
            header_row as usize + 1,
            &header[..HEADERS.len()].iter().map(text).collect::<Vec<_>>(),
        )?;
        found = true;
        for (&row, r) in rows.range(header_row + 1..) {
            let value = match &r[VALUE] {
                Data::Float(f) => Cell::Number(*f),
                Data::Int(n) => Cell::Number(*n as f64),
                other => Cell::Text(text(other)),
            };
            let comment = text(&r[COMMENT]);
            if value == Cell::Text(String::new()) && comment.is_empty() {
                continue;
            }
            filled.push(Filled {
                sheet: name.clone(),
                row: row as usize + 1,
                target: text(&r[0]),
                unit: text(&r[3]),
                period: text(&r[4]),
                value,
                comment,
            });
        }
    }
    if !found {
        return Err(Problem::whole(
            "no sheet has the template's header row (Mã chỉ tiêu / target, …); download a new template",
        )
        .coded("no-template-header", []));
    }
    Ok(filled)
}

/// Every sheet of a workbook as a table of cell texts, named by the sheet, within `limits`;
/// row n of the sheet is `rows[n - 1]`.
pub fn tables(
    bytes: &[u8],
    limits: &WorkbookLimits,
) -> Result<Vec<(String, crate::docx::Table)>, Problem> {
    check_package(bytes, limits)?;
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).map_err(|e| {
        Problem::whole(format!("the file is not an Excel workbook (.xlsx): {e}"))
            .coded("not-xlsx", [])
    })?;
    let mut cells_read = 0usize;
    let mut tables = Vec::new();
    let text_limits = crate::docx::DocumentLimits::default();
    let mut chars_left = text_limits.total_chars;
    let mut spend = |n: usize| {
        chars_left = chars_left.checked_sub(n).ok_or_else(|| {
            Problem::whole(format!(
                "the workbook holds more than {} characters",
                text_limits.total_chars
            ))
            .coded(
                "document-too-much-text",
                [("limit", text_limits.total_chars.to_string())],
            )
        })?;
        Ok::<(), Problem>(())
    };
    for name in book.sheet_names() {
        let rows = sheet_rows(&mut book, &name, limits, &mut cells_read)?;
        let mut table = crate::docx::Table::default();
        for (row, cells) in rows {
            table.rows.resize(row as usize, Vec::new());
            let cells: Vec<String> = cells.iter().map(text).collect();
            for c in &cells {
                let n = c.chars().count();
                if n > text_limits.cell_chars {
                    return Err(Problem::in_sheet(
                        name.as_str(),
                        row as usize + 1,
                        "",
                        format!(
                            "a cell is longer than {} characters",
                            text_limits.cell_chars
                        ),
                    )
                    .coded(
                        "document-cell-too-long",
                        [("limit", text_limits.cell_chars.to_string())],
                    ));
                }
                spend(n)?;
            }
            table.rows.push(cells);
        }
        // A cell merged down several rows (a lead agency written once for several tasks)
        // stands in each row it covers, as a Word table's vertical merge does.
        if let Some(Ok(regions)) = book.worksheet_merge_cells(&name) {
            for region in regions.iter().take(limits.cells) {
                let (top, column) = (region.start.0 as usize, region.start.1 as usize);
                let Some(value) = table.rows.get(top).and_then(|r| r.get(column)).cloned() else {
                    continue;
                };
                let last = (region.end.0 as usize).min(table.rows.len().saturating_sub(1));
                for row in top + 1..=last {
                    if let Some(cell) = table.rows[row].get_mut(column).filter(|c| c.is_empty()) {
                        spend(value.chars().count())?;
                        *cell = value.clone();
                    }
                }
            }
        }
        tables.push((name, table));
    }
    Ok(tables)
}

/// The column where a header row starts when it does not start in column A.
fn header_elsewhere(r: &[Data]) -> Option<usize> {
    r.iter().position(|c| heads(&text(c), 0)).filter(|c| *c > 0)
}

/// The template's columns of every non-empty row of one sheet, by 0-based row, read cell by
/// cell within `limits`.
fn sheet_rows(
    book: &mut Xlsx<Cursor<&[u8]>>,
    name: &str,
    limits: &WorkbookLimits,
    cells_read: &mut usize,
) -> Result<std::collections::BTreeMap<u32, Vec<Data>>, Problem> {
    let problem = |row: u32, column: String, message: String| {
        Problem::in_sheet(name, row as usize, column, message)
    };
    let mut reader = book.worksheet_cells_reader(name).map_err(|e| {
        problem(0, String::new(), format!("the sheet cannot be read: {e}"))
            .coded("sheet-unreadable", [])
    })?;
    let mut rows: std::collections::BTreeMap<u32, Vec<Data>> = std::collections::BTreeMap::new();
    loop {
        let cell = reader.next_cell().map_err(|e| {
            problem(0, String::new(), format!("the sheet cannot be read: {e}"))
                .coded("sheet-unreadable", [])
        })?;
        let Some(cell) = cell else { break };
        let (row, column) = cell.get_position();
        *cells_read += 1;
        if *cells_read > limits.cells {
            return Err(problem(
                row + 1,
                column_letter(column as usize),
                format!(
                    "the workbook holds more than {} cells; a template holds far fewer",
                    limits.cells
                ),
            )
            .coded(
                "sheet-too-many-cells",
                [("limit", limits.cells.to_string())],
            ));
        }
        if row >= limits.rows {
            return Err(problem(
                row + 1,
                column_letter(column as usize),
                format!(
                    "a cell lies below row {}, outside any template; delete the rows below the table",
                    limits.rows
                ),
            )
            .coded("sheet-too-long", [("limit", limits.rows.to_string())]));
        }
        if column > limits.columns {
            return Err(problem(
                row + 1,
                column_letter(column as usize),
                format!(
                    "a cell lies right of column {}, outside the template; delete the columns after the table",
                    column_letter(limits.columns as usize)
                ),
            )
            .coded(
                "sheet-too-wide",
                [("column", column_letter(limits.columns as usize))],
            ));
        }
        let value: Data = cell.get_value().clone().into();
        if value == Data::Empty {
            continue;
        }
        let slot = rows
            .entry(row)
            .or_insert_with(|| vec![Data::Empty; (limits.columns as usize + 1).max(HEADERS.len())]);
        slot[column as usize] = value;
    }
    Ok(rows)
}

/// Refuses a package with too many files or more unpacked bytes than `limits` allow, counting
/// what each file really unpacks to.
fn check_package(bytes: &[u8], limits: &WorkbookLimits) -> Result<(), Problem> {
    let not_xlsx = |e: &dyn std::fmt::Display| {
        Problem::whole(format!("the file is not an Excel workbook (.xlsx): {e}"))
            .coded("not-xlsx", [])
    };
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| not_xlsx(&e))?;
    if zip.len() > limits.entries {
        return Err(Problem::whole(format!(
            "the workbook packs {} files; a template packs far fewer than {}",
            zip.len(),
            limits.entries
        ))
        .coded(
            "package-too-many-files",
            [("limit", limits.entries.to_string())],
        ));
    }
    let mut left = limits.unpacked;
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|e| not_xlsx(&e))?;
        let cap = left.saturating_add(1);
        let n = std::io::copy(&mut (&mut entry).take(cap), &mut std::io::sink())
            .map_err(|e| not_xlsx(&e))?;
        if n >= cap {
            return Err(Problem::whole(format!(
                "the workbook unpacks to more than {} MB; a template unpacks to far less",
                limits.unpacked >> 20
            ))
            .coded(
                "package-too-large",
                [("limit", (limits.unpacked >> 20).to_string())],
            ));
        }
        left -= n;
    }
    Ok(())
}

fn check_header(sheet: &str, row: usize, cells: &[String]) -> Result<(), Problem> {
    for c in 0..HEADERS.len() {
        let got = cells.get(c).map(String::as_str).unwrap_or_default();
        let expected = format!("{} / {}", HEADERS_VI[c], HEADERS[c]);
        if !heads(got, c) {
            return Err(Problem::in_sheet(
                sheet,
                row,
                column_letter(c),
                format!("the header here must be \"{expected}\", not \"{got}\""),
            )
            .coded(
                "header-mismatch",
                [("expected", expected), ("got", got.to_string())],
            ));
        }
    }
    Ok(())
}

/// Reads a filled CSV template (the sheet is named `CSV` in problems; rows are lines).
pub fn read_csv(bytes: &[u8]) -> Result<Vec<Filled>, Problem> {
    let text = crate::text::checked(bytes).map_err(|p| Problem {
        sheet: Some("CSV".into()),
        ..p
    })?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut filled = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 1;
        let record = record.map_err(|e| {
            Problem::in_sheet("CSV", line, "", format!("the line cannot be read: {e}"))
                .coded("line-unreadable", [])
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
            comment: crate::spreadsheet_text(&cell(COMMENT)).to_string(),
        });
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> TemplateSpec {
        TemplateSpec {
            headers: &HEADERS_VI,
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

    /// The CSV template opens in Excel with Vietnamese intact and runs no formula a target's
    /// name might hold.
    #[test]
    fn the_csv_template_is_utf8_for_excel_and_runs_no_formula() {
        let mut spec = spec();
        spec.rows[0].indicator = "=HYPERLINK(\"http://evil.example/\",\"x\")".into();
        let bytes = csv(&spec).unwrap();
        assert!(bytes.starts_with(crate::UTF8_BOM));
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.contains("\"'=HYPERLINK("), "{text}");
        assert!(text.contains("Doanh nghiệp công nghệ số"));
        assert_eq!(read_csv(&bytes).unwrap(), vec![]);
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
        assert_eq!((e.row, e.field.as_str()), (1, "B"));
    }

    /// One cell at Excel's last row and column once made the reader allocate the whole
    /// rectangle (512 GB) and abort the server.
    #[test]
    fn a_cell_far_outside_the_template_is_refused_where_it_is() {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_number(1_048_575, 16_383, 1.0).unwrap();
        let bytes = book.save_to_buffer().unwrap();
        assert!(bytes.len() < 10_000);
        let e = read_xlsx(&bytes).unwrap_err();
        assert_eq!(
            (e.row, e.field.as_str()),
            (1_048_576, "XFD"),
            "{}",
            e.message
        );
        assert!(e.message.contains("below row 20000"), "{}", e.message);

        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_number(3, 16_383, 1.0).unwrap();
        let e = read_xlsx(&book.save_to_buffer().unwrap()).unwrap_err();
        assert_eq!((e.row, e.field.as_str()), (4, "XFD"), "{}", e.message);
        assert!(e.message.contains("right of column Z"), "{}", e.message);
    }

    #[test]
    fn a_dense_sheet_is_refused_after_its_cell_budget() {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        for row in 0..2_000u32 {
            for col in 0..10u16 {
                sheet.write_number(row, col, 1.0).unwrap();
            }
        }
        let limits = WorkbookLimits {
            cells: 5_000,
            ..WorkbookLimits::default()
        };
        let e = read_xlsx_within(&book.save_to_buffer().unwrap(), &limits).unwrap_err();
        assert!(e.message.contains("more than 5000 cells"), "{}", e.message);
        assert_eq!(e.row, 501);
    }

    /// A package whose files unpack to far more than a template is refused by what they
    /// really unpack to, before the workbook is parsed.
    #[test]
    fn a_zip_bomb_is_refused_before_it_is_parsed() {
        use std::io::Write;
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let deflated = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        zip.start_file("xl/sharedStrings.xml", deflated).unwrap();
        let block = vec![b'a'; 1 << 20];
        for _ in 0..40 {
            zip.write_all(&block).unwrap();
        }
        let bytes = zip.finish().unwrap().into_inner();
        assert!(bytes.len() < 200_000, "{}", bytes.len());
        let e = read_xlsx(&bytes).unwrap_err();
        assert!(
            e.message.contains("unpacks to more than 32 MB"),
            "{}",
            e.message
        );
    }

    #[test]
    fn column_letters_follow_excel() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(6), "G");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
    }
}
