//! The tables of a Word document (.docx): each table of the body as rows of cell texts, so a
//! plan's appendix can be read as the table it is. Merged cells are spread out as a reader
//! sees them: a cell spanning columns fills the first and leaves the others empty; a cell
//! merged down the rows repeats its text in each row it covers (a lead agency written once
//! for several tasks leads each of them).

use std::io::{Cursor, Read};

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use crate::Problem;

/// How much of an uploaded document is read; a plan's appendix of a few hundred tasks is far
/// below each of these.
#[derive(Debug, Clone, Copy)]
pub struct DocumentLimits {
    /// Files inside the package.
    pub entries: usize,
    /// Bytes of the document's text part unpacked.
    pub unpacked: u64,
    pub tables: usize,
    /// Rows of all tables together.
    pub rows: usize,
    /// Columns of one row.
    pub columns: usize,
    /// Characters of one cell.
    pub cell_chars: usize,
    /// Characters of all cells together, merged cells counted in every row they cover.
    pub total_chars: usize,
}

impl Default for DocumentLimits {
    fn default() -> Self {
        DocumentLimits {
            entries: 1_000,
            unpacked: 64 << 20,
            tables: 200,
            rows: 20_000,
            columns: 30,
            cell_chars: 20_000,
            total_chars: 20_000_000,
        }
    }
}

/// One table: its rows of cell texts, paragraphs within a cell joined by a line break.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Table {
    pub rows: Vec<Vec<String>>,
}

/// The tables of a .docx document's body, in order, within the default limits.
pub fn tables(bytes: &[u8]) -> Result<Vec<Table>, Problem> {
    tables_within(bytes, &DocumentLimits::default())
}

fn not_docx(e: &dyn std::fmt::Display) -> Problem {
    Problem::whole(format!("the file is not a Word document (.docx): {e}")).coded("not-docx", [])
}

/// [`tables`] within `limits`.
pub fn tables_within(bytes: &[u8], limits: &DocumentLimits) -> Result<Vec<Table>, Problem> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| not_docx(&e))?;
    if zip.len() > limits.entries {
        return Err(Problem::whole(format!(
            "the document packs {} files, more than {}",
            zip.len(),
            limits.entries
        ))
        .coded(
            "package-too-many-files",
            [("limit", limits.entries.to_string())],
        ));
    }
    let entry = zip
        .by_name("word/document.xml")
        .map_err(|_| not_docx(&"it has no word/document.xml"))?;
    // Declared sizes can lie: count what really unpacks.
    let mut xml = Vec::new();
    entry
        .take(limits.unpacked + 1)
        .read_to_end(&mut xml)
        .map_err(|e| not_docx(&e))?;
    if xml.len() as u64 > limits.unpacked {
        return Err(Problem::whole(format!(
            "the document's text unpacks to more than {} MB",
            limits.unpacked >> 20
        ))
        .coded(
            "document-too-large",
            [("limit", (limits.unpacked >> 20).to_string())],
        ));
    }
    read_body(&xml, limits)
}

/// How a cell takes part in a vertical merge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Merge {
    None,
    Restart,
    Continue,
}

#[derive(Debug)]
struct CellDraft {
    text: String,
    /// Characters of `text`, kept as it grows: counting the whole cell at every run would
    /// take time quadratic in its runs.
    chars: usize,
    span: usize,
    merge: Merge,
}

fn attribute(e: &BytesStart<'_>, name: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name)
        .map(|a| String::from_utf8_lossy(&a.value).into_owned())
}

fn too_much(what: &str, limit: usize, code: &'static str) -> Problem {
    Problem::whole(format!("the document holds more {what} than {limit}"))
        .coded(code, [("limit", limit.to_string())])
}

/// The tables of `document.xml`. A table inside a cell is read as that cell's text.
fn read_body(xml: &[u8], limits: &DocumentLimits) -> Result<Vec<Table>, Problem> {
    let mut reader = Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut tables: Vec<Table> = Vec::new();
    // Depth of tables we are inside: 1 is a table of the body.
    let mut depth = 0usize;
    let mut row: Option<Vec<CellDraft>> = None;
    let mut cell: Option<CellDraft> = None;
    let mut in_text = false;
    // Per column of the current table: the text of the vertical merge that covers it.
    let mut merged_above: Vec<String> = Vec::new();
    let mut rows_read = 0usize;
    let mut chars_left = limits.total_chars;
    loop {
        let event = reader.read_event_into(&mut buf).map_err(|e| {
            Problem::whole(format!(
                "the document's text cannot be read at byte {}: {e}",
                reader.buffer_position()
            ))
            .coded("document-unreadable", [])
        })?;
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(event, Event::Empty(_));
                match e.local_name().as_ref() {
                    b"tbl" if !empty => {
                        depth += 1;
                        if depth == 1 {
                            if tables.len() == limits.tables {
                                return Err(too_much(
                                    "tables",
                                    limits.tables,
                                    "document-too-many-tables",
                                ));
                            }
                            tables.push(Table::default());
                            merged_above.clear();
                        }
                    }
                    b"tr" if depth == 1 && !empty => row = Some(Vec::new()),
                    b"tc" if depth == 1 && !empty => {
                        cell = Some(CellDraft {
                            text: String::new(),
                            chars: 0,
                            span: 1,
                            merge: Merge::None,
                        })
                    }
                    b"gridSpan" if depth == 1 => {
                        if let Some(c) = cell.as_mut() {
                            c.span = attribute(e, b"w:val")
                                .and_then(|v| v.parse().ok())
                                .unwrap_or(1)
                                .clamp(1, limits.columns);
                        }
                    }
                    b"vMerge" if depth == 1 => {
                        if let Some(c) = cell.as_mut() {
                            c.merge = match attribute(e, b"w:val").as_deref() {
                                Some("restart") => Merge::Restart,
                                _ => Merge::Continue,
                            };
                        }
                    }
                    b"t" if !empty => in_text = true,
                    b"tab" | b"br" | b"cr" => {
                        if let Some(c) = cell.as_mut() {
                            c.text.push(' ');
                        }
                    }
                    _ => {}
                }
            }
            Event::Text(t) if in_text => {
                if let Some(c) = cell.as_mut() {
                    let text = t.unescape().map_err(|e| {
                        Problem::whole(format!("the document's text cannot be read: {e}"))
                            .coded("document-unreadable", [])
                    })?;
                    c.chars += text.chars().count();
                    if c.chars > limits.cell_chars {
                        return Err(too_much(
                            "characters in one cell",
                            limits.cell_chars,
                            "document-cell-too-long",
                        ));
                    }
                    c.text.push_str(&text);
                }
            }
            Event::End(ref e) => match e.local_name().as_ref() {
                b"t" => in_text = false,
                b"p" => {
                    if let Some(c) = cell.as_mut() {
                        c.text.push('\n');
                    }
                }
                b"tc" if depth == 1 => {
                    if let (Some(r), Some(c)) = (row.as_mut(), cell.take()) {
                        r.push(c);
                    }
                }
                b"tr" if depth == 1 => {
                    if let Some(drafts) = row.take() {
                        rows_read += 1;
                        if rows_read > limits.rows {
                            return Err(too_much(
                                "table rows",
                                limits.rows,
                                "document-too-many-rows",
                            ));
                        }
                        let cells = spread(drafts, &mut merged_above, limits)?;
                        let chars: usize = cells.iter().map(|c| c.chars().count()).sum();
                        chars_left = chars_left.checked_sub(chars).ok_or_else(|| {
                            too_much(
                                "characters in its tables",
                                limits.total_chars,
                                "document-too-much-text",
                            )
                        })?;
                        if let Some(t) = tables.last_mut() {
                            t.rows.push(cells);
                        }
                    }
                }
                b"tbl" => depth = depth.saturating_sub(1),
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    tables.retain(|t| !t.rows.is_empty());
    Ok(tables)
}

/// One row's cells laid out on the table's grid.
fn spread(
    drafts: Vec<CellDraft>,
    merged_above: &mut Vec<String>,
    limits: &DocumentLimits,
) -> Result<Vec<String>, Problem> {
    let mut cells = Vec::new();
    for d in drafts {
        let column = cells.len();
        if column + d.span > limits.columns {
            return Err(too_much(
                "columns in one row",
                limits.columns,
                "document-too-many-columns",
            ));
        }
        if merged_above.len() < column + 1 {
            merged_above.resize(column + 1, String::new());
        }
        let text = tidy(&d.text);
        let text = match d.merge {
            Merge::Continue => merged_above[column].clone(),
            Merge::Restart => {
                merged_above[column] = text.clone();
                text
            }
            Merge::None => {
                merged_above[column].clear();
                text
            }
        };
        cells.push(text);
        cells.extend(std::iter::repeat_n(String::new(), d.span - 1));
    }
    Ok(cells)
}

/// A cell's text with its paragraphs on lines and no runs of spaces.
fn tidy(text: &str) -> String {
    text.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::io::Write;

    fn docx(body: &str) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut out);
        let options = zip::write::SimpleFileOptions::default();
        zip.start_file("word/document.xml", options).unwrap();
        write!(
            zip,
            r#"<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>"#
        )
        .unwrap();
        zip.finish().unwrap();
        out.into_inner()
    }

    fn tc(text: &str, props: &str) -> String {
        format!("<w:tc><w:tcPr>{props}</w:tcPr><w:p><w:r><w:t xml:space=\"preserve\">{text}</w:t></w:r></w:p></w:tc>")
    }

    #[test]
    fn merged_cells_read_as_a_reader_sees_them() {
        let body = format!(
            "<w:p><w:r><w:t>Phụ lục</w:t></w:r></w:p><w:tbl>\
             <w:tr>{}{}</w:tr>\
             <w:tr>{}</w:tr>\
             <w:tr>{}{}</w:tr>\
             <w:tr>{}{}</w:tr></w:tbl>",
            tc("TT", ""),
            tc("Cơ quan chủ trì", ""),
            tc("I. NHÓM &amp; MỘT", "<w:gridSpan w:val=\"2\"/>"),
            tc("1", ""),
            tc("Bộ  Tài chính", "<w:vMerge w:val=\"restart\"/>"),
            tc("2", ""),
            tc("", "<w:vMerge/>"),
        );
        let t = tables(&docx(&body)).unwrap();
        assert_eq!(t.len(), 1);
        assert_eq!(
            t[0].rows,
            vec![
                vec!["TT", "Cơ quan chủ trì"],
                vec!["I. NHÓM & MỘT", ""],
                vec!["1", "Bộ Tài chính"],
                vec!["2", "Bộ Tài chính"],
            ]
        );
    }

    /// A cell merged down many rows is repeated in each, so the text read is counted as it
    /// is spread: a small file cannot unfold into gigabytes.
    #[test]
    fn merged_cells_cannot_unfold_without_limit() {
        let long = "x".repeat(1_000);
        let mut body = format!(
            "<w:tbl><w:tr>{}</w:tr>",
            tc(&long, "<w:vMerge w:val=\"restart\"/>")
        );
        body.push_str(&format!("<w:tr>{}</w:tr>", tc("", "<w:vMerge/>")).repeat(50));
        body.push_str("</w:tbl>");
        let limits = DocumentLimits {
            total_chars: 20_000,
            ..DocumentLimits::default()
        };
        assert_eq!(
            tables_within(&docx(&body), &limits).unwrap_err().code,
            "document-too-much-text"
        );
        assert!(tables(&docx(&body)).is_ok());
    }

    #[test]
    fn what_is_no_word_document_is_refused_by_name() {
        assert_eq!(tables(b"not a zip").unwrap_err().code, "not-docx");
        let mut out = Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut out);
        zip.start_file("xl/workbook.xml", zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.finish().unwrap();
        assert_eq!(tables(&out.into_inner()).unwrap_err().code, "not-docx");
        let limits = DocumentLimits {
            rows: 2,
            ..DocumentLimits::default()
        };
        let body = format!(
            "<w:tbl>{}</w:tbl>",
            format!("<w:tr>{}</w:tr>", tc("x", "")).repeat(3)
        );
        assert_eq!(
            tables_within(&docx(&body), &limits).unwrap_err().code,
            "document-too-many-rows"
        );
    }

    proptest! {
        /// Whatever the text part holds, reading it ends in tables or a problem, never a panic.
        #[test]
        fn any_text_part_reads_without_panic(body in "(<w:tbl>|</w:tbl>|<w:tr>|</w:tr>|<w:tc>|</w:tc>|<w:t>|</w:t>|<w:gridSpan w:val=\"[0-9]{1,3}\"/>|<w:vMerge/>|[a-zà-ỹ &;<>]{0,5}){0,40}") {
            let _ = tables(&docx(&body));
        }
    }
}
