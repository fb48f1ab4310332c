//! A plan's task appendix as Vietnamese plans lay it out: a table with the columns TT |
//! Nội dung (Tên nhiệm vụ) | Cơ quan chủ trì | Cơ quan phối hợp | Sản phẩm (Kết quả) | Thời hạn
//! (Thời gian hoàn thành), group headings (I., II.) between the tasks and tasks numbered 1,
//! 1.1, 1.1.1. The columns are found by their headers, in any order and with the usual
//! wordings; the words of each cell are kept as written for the caller to interpret.

use tiendo_domain::search::fold;

use crate::docx::Table;
use crate::Problem;

/// Where a row of the appendix is: the table (a sheet's name, or "Bảng n" for the n-th table
/// of a document) and the row counted from 1.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Place {
    pub table: String,
    pub row: usize,
}

/// A group heading (I., II., …): a task group of the document.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Group {
    /// The roman numeral as written, without its dot: `IV`.
    pub numeral: String,
    pub title: String,
    pub place: Place,
}

/// One task as the appendix words it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Row {
    pub place: Place,
    /// The number as written, without a trailing dot: `3`, `1.2`.
    pub number: String,
    /// The number of the task this one is part of (`1` for `1.2`), when the appendix has it.
    pub parent: Option<String>,
    /// The numeral of the group heading above it.
    pub group: Option<String>,
    pub title: String,
    pub lead: String,
    pub coordinators: String,
    pub product: String,
    pub deadline: String,
    /// Where its table keeps each field, to name the cell of a problem.
    pub columns: Columns,
}

/// What an appendix holds: its groups and tasks in order.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Appendix {
    pub groups: Vec<Group>,
    pub rows: Vec<Row>,
}

/// The columns of a task table, by position from 0.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Columns {
    pub number: Option<usize>,
    pub title: usize,
    pub lead: usize,
    pub coordinators: Option<usize>,
    pub product: Option<usize>,
    pub deadline: Option<usize>,
}

/// Which column a header names; `None` for headers of no interest (Ghi chú).
fn column_of(header: &str) -> Option<Kind> {
    let h = fold(header);
    let has = |w: &str| h.contains(w);
    if h.is_empty() {
        None
    } else if has("phoi hop") {
        Some(Kind::Coordinators)
    } else if has("chu tri") {
        Some(Kind::Lead)
    } else if has("thoi han") || has("thoi gian") || has("tien do") {
        Some(Kind::Deadline)
    } else if has("san pham") || has("ket qua") {
        Some(Kind::Product)
    } else if has("noi dung") || has("nhiem vu") || has("cong viec") || has("giai phap") {
        Some(Kind::Title)
    } else if matches!(h.as_str(), "tt" | "stt" | "so tt" | "so thu tu" | "thu tu") {
        Some(Kind::Number)
    } else {
        None
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Number,
    Title,
    Lead,
    Coordinators,
    Product,
    Deadline,
}

/// The columns a header row names, when it names at least a title and a lead. `below` is the
/// row under it: plans often head two columns "Cơ quan thực hiện" over "Chủ trì | Phối hợp".
fn header(row: &[String], below: Option<&[String]>) -> Option<(Columns, bool)> {
    let mut found: Vec<(Kind, usize)> = Vec::new();
    let mut used_below = false;
    // The row below is a second header row only when every cell of it is a header (a task's
    // content starting "Chủ trì…" is no header).
    let below = below.filter(|b| {
        b.iter().any(|c| !c.trim().is_empty())
            && b.iter()
                .all(|c| c.trim().is_empty() || column_of(c).is_some())
    });
    for (i, cell) in row.iter().enumerate() {
        let kind = column_of(cell);
        let under = below.and_then(|b| b.get(i)).and_then(|c| column_of(c));
        match (kind, under) {
            (None | Some(Kind::Lead), Some(k @ (Kind::Lead | Kind::Coordinators))) => {
                found.push((k, i));
                used_below = true;
            }
            (Some(k), _) => found.push((k, i)),
            (None, _) => {}
        }
    }
    let first = |k: Kind| found.iter().find(|(f, _)| *f == k).map(|(_, i)| *i);
    let columns = Columns {
        number: first(Kind::Number),
        title: first(Kind::Title)?,
        lead: first(Kind::Lead)?,
        coordinators: first(Kind::Coordinators),
        product: first(Kind::Product),
        deadline: first(Kind::Deadline),
    };
    Some((columns, used_below))
}

/// A roman numeral group heading's numeral, from "II", "II.", "II. Title".
fn numeral(text: &str) -> Option<(String, String)> {
    let t = text.trim();
    let end = t
        .char_indices()
        .find(|(_, c)| !matches!(c, 'I' | 'V' | 'X' | 'L'))
        .map_or(t.len(), |(i, _)| i);
    let (head, rest) = t.split_at(end);
    if head.is_empty() {
        return None;
    }
    let rest = rest.strip_prefix('.').unwrap_or(rest);
    // "IV" alone, or followed by a separator; not a word such as "VIETNAM".
    if !rest.is_empty() && !rest.starts_with([' ', '\n', '-', '–', ':']) {
        return None;
    }
    let rest = rest.trim_start_matches([' ', '\n', '-', '–', ':']).trim();
    Some((head.to_string(), rest.to_string()))
}

/// A task's number from "1", "1.", "1.2", "1.2.3".
fn number(text: &str) -> Option<String> {
    let t = text.trim().trim_end_matches('.');
    let ok = !t.is_empty()
        && t.split('.').count() <= 3
        && t.split('.')
            .all(|p| !p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit()));
    ok.then(|| t.to_string())
}

/// A row that only numbers the columns: "(1) (2) (3)" or "1 2 3".
fn numbers_the_columns(row: &[String]) -> bool {
    let mut any = false;
    for (i, c) in row.iter().enumerate() {
        let t = c.trim().trim_start_matches('(').trim_end_matches(')');
        if t.is_empty() {
            continue;
        }
        if t != (i + 1).to_string() {
            return false;
        }
        any = true;
    }
    any
}

/// Reads the task tables among `tables` (each named for the reader). Problems name the table,
/// the row and the column; a document with no task table is one problem.
pub fn read(tables: &[(String, Table)]) -> Result<Appendix, Vec<Problem>> {
    let mut appendix = Appendix::default();
    let mut problems = Vec::new();
    for (name, table) in tables {
        let Some((at, columns, skip)) = (0..table.rows.len()).find_map(|i| {
            header(&table.rows[i], table.rows.get(i + 1).map(Vec::as_slice))
                .map(|(c, below)| (i, c, usize::from(below)))
        }) else {
            continue;
        };
        let cell = |row: &[String], i: Option<usize>| {
            i.and_then(|i| row.get(i))
                .map(|s| s.trim().to_string())
                .unwrap_or_default()
        };
        let mut group: Option<String> = None;
        let mut numbers: Vec<String> = Vec::new();
        for (i, row) in table.rows.iter().enumerate().skip(at + 1 + skip) {
            let place = Place {
                table: name.clone(),
                row: i + 1,
            };
            if row.iter().all(|c| c.trim().is_empty()) || numbers_the_columns(row) {
                continue;
            }
            let first_text = row
                .iter()
                .find(|c| !c.trim().is_empty())
                .cloned()
                .unwrap_or_default();
            let number_text = cell(row, columns.number);
            let title = cell(row, Some(columns.title));
            let lead = cell(row, Some(columns.lead));
            // A heading: a roman numeral in the number column or leading the only text.
            let heading = numeral(&number_text)
                .map(|(n, rest)| (n, if rest.is_empty() { title.clone() } else { rest }))
                .or_else(|| {
                    (lead.is_empty() && number(&number_text).is_none())
                        .then(|| numeral(&first_text))
                        .flatten()
                });
            if let Some((numeral, heading_title)) = heading {
                group = Some(numeral.clone());
                appendix.groups.push(Group {
                    numeral,
                    title: heading_title,
                    place,
                });
                continue;
            }
            let Some(number) = number(&number_text) else {
                let column = columns
                    .number
                    .map(crate::sheet::column_letter)
                    .unwrap_or_default();
                problems.push(
                    Problem::in_sheet(
                        name.as_str(),
                        place.row,
                        column,
                        format!("\"{number_text}\" is not a task number (1, 2, 1.1) nor a group heading (I, II)"),
                    )
                    .coded("appendix-no-number", [("text", number_text.clone())]),
                );
                continue;
            };
            if title.is_empty() {
                problems.push(
                    Problem::in_sheet(
                        name.as_str(),
                        place.row,
                        crate::sheet::column_letter(columns.title),
                        format!("task {number} has no content"),
                    )
                    .coded("appendix-no-title", [("number", number.clone())]),
                );
                continue;
            }
            let parent = number
                .rsplit_once('.')
                .map(|(p, _)| p.to_string())
                .filter(|p| numbers.contains(p));
            numbers.push(number.clone());
            appendix.rows.push(Row {
                place,
                number,
                parent,
                group: group.clone(),
                title,
                lead,
                coordinators: cell(row, columns.coordinators),
                product: cell(row, columns.product),
                deadline: cell(row, columns.deadline),
                columns,
            });
        }
    }
    if appendix.rows.is_empty() && problems.is_empty() {
        problems.push(
            Problem::whole(
                "no table of tasks found: a task table has a header row naming at least the content (Nội dung / Tên nhiệm vụ) and the lead agency (Cơ quan chủ trì)",
            )
            .coded("appendix-no-table", []),
        );
    }
    if problems.is_empty() {
        Ok(appendix)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn table(rows: &[&[&str]]) -> Vec<(String, Table)> {
        vec![(
            "Bảng 1".to_string(),
            Table {
                rows: rows
                    .iter()
                    .map(|r| r.iter().map(|c| c.to_string()).collect())
                    .collect(),
            },
        )]
    }

    #[test]
    fn columns_are_found_by_their_headers_in_any_order() {
        let a = read(&table(&[
            &["PHỤ LỤC", "", "", "", "", ""],
            &[
                "STT",
                "Tên nhiệm vụ",
                "Thời gian hoàn thành",
                "Cơ quan chủ trì",
                "Cơ quan phối hợp",
                "Sản phẩm",
            ],
            &["(1)", "(2)", "(3)", "(4)", "(5)", "(6)"],
            &["I", "NÂNG CAO NHẬN THỨC", "", "", "", ""],
            &[
                "1.",
                "Tuyên truyền",
                "6/2025",
                "Bộ Thông tin và Truyền thông",
                "Các bộ",
                "Quyết định",
            ],
            &[
                "1.1",
                "Chương trình truyền hình",
                "Thường xuyên",
                "VTV",
                "",
                "",
            ],
            &["II. HOÀN THIỆN THỂ CHẾ", "", "", "", "", ""],
            &["2", "Sửa luật", "Quý II/2025", "Bộ Tư pháp", "", "Luật"],
        ]))
        .unwrap();
        assert_eq!(a.groups.len(), 2);
        assert_eq!(
            (a.groups[1].numeral.as_str(), a.groups[1].title.as_str()),
            ("II", "HOÀN THIỆN THỂ CHẾ")
        );
        assert_eq!(a.rows.len(), 3);
        let r = &a.rows[0];
        assert_eq!(
            (r.number.as_str(), r.group.as_deref(), r.deadline.as_str()),
            ("1", Some("I"), "6/2025")
        );
        assert_eq!(r.lead, "Bộ Thông tin và Truyền thông");
        assert_eq!(r.place.row, 5);
        assert_eq!(a.rows[1].parent.as_deref(), Some("1"));
        assert_eq!(a.rows[2].group.as_deref(), Some("II"));
        assert_eq!(a.rows[2].product, "Luật");
    }

    #[test]
    fn a_two_row_header_names_lead_and_coordinators_below() {
        let a = read(&table(&[
            &["TT", "Nội dung", "Cơ quan thực hiện", "", "Thời hạn"],
            &["", "", "Chủ trì", "Phối hợp", ""],
            &["1", "Việc một", "Bộ Y tế", "Bộ Tài chính", "2026"],
        ]))
        .unwrap();
        assert_eq!(a.rows[0].lead, "Bộ Y tế");
        assert_eq!(a.rows[0].coordinators, "Bộ Tài chính");
    }

    /// A first task whose content begins like a header ("Chủ trì xây dựng…") is a task, not a
    /// second header row.
    #[test]
    fn a_task_worded_like_a_header_stays_a_task() {
        let a = read(&table(&[
            &["TT", "Nội dung", "Cơ quan chủ trì", "Cơ quan phối hợp"],
            &[
                "1",
                "Chủ trì xây dựng đề án",
                "Bộ Y tế",
                "Phối hợp với các bộ",
            ],
            &["2", "Việc hai", "Bộ Tài chính", ""],
        ]))
        .unwrap();
        assert_eq!(a.rows.len(), 2);
        assert_eq!(a.rows[0].title, "Chủ trì xây dựng đề án");
        assert_eq!(a.rows[0].coordinators, "Phối hợp với các bộ");
    }

    #[test]
    fn rows_that_are_no_task_are_named() {
        let e = read(&table(&[
            &["TT", "Nội dung", "Cơ quan chủ trì"],
            &["a)", "Việc một", "Bộ Y tế"],
            &["2", "", "Bộ Y tế"],
        ]))
        .unwrap_err();
        assert_eq!(e.len(), 2);
        assert_eq!(
            (e[0].code, e[0].row, e[0].field.as_str()),
            ("appendix-no-number", 2, "A")
        );
        assert_eq!(
            (e[1].code, e[1].row, e[1].field.as_str()),
            ("appendix-no-title", 3, "B")
        );
        let none = read(&table(&[&["Họ tên", "Chức vụ"]])).unwrap_err();
        assert_eq!(none[0].code, "appendix-no-table");
    }

    /// In Excel as in Word, a lead agency merged down several rows leads each of their tasks.
    #[test]
    fn a_workbook_with_a_merged_lead_reads_like_the_document() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        for (r, row) in [
            ["TT", "Nội dung", "Cơ quan chủ trì", "Thời hạn"],
            ["1", "Việc một", "", "2026"],
            ["2", "Việc hai", "", "2027"],
        ]
        .iter()
        .enumerate()
        {
            for (c, cell) in row.iter().enumerate() {
                if !cell.is_empty() {
                    sheet.write_string(r as u32, c as u16, *cell).unwrap();
                }
            }
        }
        sheet
            .merge_range(1, 2, 2, 2, "Bộ Y tế", &rust_xlsxwriter::Format::new())
            .unwrap();
        let bytes = book.save_to_buffer().unwrap();
        let tables =
            crate::sheet::tables(&bytes, &crate::sheet::WorkbookLimits::default()).unwrap();
        let a = read(&tables).unwrap();
        assert_eq!(a.rows.len(), 2);
        assert_eq!(a.rows[0].lead, "Bộ Y tế");
        assert_eq!(a.rows[1].lead, "Bộ Y tế");
        assert_eq!(a.rows[1].place.row, 3);
    }

    proptest! {
        #[test]
        fn any_table_reads_without_panic(rows in proptest::collection::vec(proptest::collection::vec("(TT|Nội dung|Chủ trì|Phối hợp|I|IV.|1|1.2|[a-zđ .]{0,6})", 0..7), 0..12)) {
            let t = vec![("x".to_string(), Table { rows })];
            let _ = read(&t);
        }
    }
}
