//! tiendo's own values CSV (`target,org,period,value,comment`), as `tiendo values import` and
//! `export` read and write it, naming the line and field of every problem.

use std::fmt::Write as _;

use tiendo_domain::codes::CodeError;
use tiendo_domain::periods::PeriodError;
use tiendo_domain::values::{NewValue, NumberError};

use crate::Problem;

/// A file refused as a whole: every problem with its line and field (at most
/// [`MAX_PROBLEMS`]), worded in the reader's language by `tiendo-wording`; nothing was written.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{name} was rejected and nothing was written:{}", self.listed())]
pub struct Rejected {
    pub name: String,
    pub problems: Vec<Problem>,
}

impl Rejected {
    fn listed(&self) -> String {
        let mut text = String::new();
        for p in &self.problems {
            let _ = write!(text, "\n  {}, {p}", self.name);
        }
        text
    }
}

/// Problems reported before giving up on a file.
pub const MAX_PROBLEMS: usize = 20;

pub const HEADER: [&str; 5] = ["target", "org", "period", "value", "comment"];

/// Values read from a file, each with the line it came from.
#[derive(Debug)]
pub struct ValuesFile {
    pub values: Vec<NewValue>,
    pub lines: Vec<u64>,
}

/// Reads the values of the file called `name` (for messages) from `bytes`.
pub fn read(name: &str, bytes: &[u8]) -> Result<ValuesFile, Rejected> {
    let rejected = |problems: Vec<Problem>| Rejected {
        name: name.to_string(),
        problems,
    };
    let text = crate::text::checked(bytes).map_err(|p| rejected(vec![p]))?;
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| {
            rejected(vec![Problem::at(
                1,
                "",
                format!("the line cannot be read: {e}"),
            )
            .coded("line-unreadable", [])])
        })?
        .clone();
    let column = |field: &str| headers.iter().position(|h| h == field);
    let header = HEADER.join(",");
    for h in headers.iter() {
        if !HEADER.contains(&h) {
            return Err(rejected(vec![Problem::at(
                1,
                "",
                format!("unknown column \"{h}\" (the header must be {header})"),
            )
            .coded(
                "unknown-column",
                [("column", h.to_string()), ("header", header.clone())],
            )]));
        }
    }
    let mut cols = [0usize; 4];
    for (i, field) in HEADER[..4].iter().enumerate() {
        cols[i] = column(field).ok_or_else(|| {
            rejected(vec![Problem::at(
                1,
                "",
                format!("the column \"{field}\" is missing (the header must be {header})"),
            )
            .coded(
                "column-missing",
                [("column", field.to_string()), ("header", header.clone())],
            )])
        })?;
    }
    let comment_col = column("comment");

    let mut out = ValuesFile {
        values: Vec::new(),
        lines: Vec::new(),
    };
    let mut problems = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line()) as usize;
                problems.push(
                    Problem::at(line, "", format!("the line cannot be read: {e}"))
                        .coded("line-unreadable", []),
                );
                break;
            }
        }
        let line = record.position().map_or(0, |p| p.line());
        let row = line as usize;
        let field = |i: usize| record.get(i).unwrap_or("");
        let target = field(cols[0])
            .parse()
            .map_err(|e| code_problem(row, "target", &e));
        let org = field(cols[1])
            .parse()
            .map_err(|e| code_problem(row, "org", &e));
        let period = field(cols[2]).parse().map_err(|e: PeriodError| {
            Problem::at(row, "period", e.to_string()).coded("not-a-period", [("input", e.input)])
        });
        let value = field(cols[3]).parse().map_err(|e: NumberError| {
            Problem::at(row, "value", e.to_string()).coded("not-a-number", [("input", e.0)])
        });
        match (target, org, period, value) {
            (Ok(target), Ok(org), Ok(period), Ok(value)) => {
                let comment = comment_col
                    .map(field)
                    .map(crate::spreadsheet_text)
                    .filter(|c| !c.is_empty())
                    .map(str::to_string);
                out.values.push(NewValue {
                    target,
                    org,
                    period,
                    value,
                    comment,
                    source: None,
                });
                out.lines.push(line);
            }
            (target, org, period, value) => {
                problems.extend(target.err());
                problems.extend(org.err());
                problems.extend(period.err());
                problems.extend(value.err());
            }
        }
        if problems.len() >= MAX_PROBLEMS {
            problems.truncate(MAX_PROBLEMS);
            break;
        }
    }
    if problems.is_empty() && out.values.is_empty() {
        Err(rejected(vec![crate::text::no_rows()]))
    } else if problems.is_empty() {
        Ok(out)
    } else {
        Err(rejected(problems))
    }
}

/// A code the file gives that no code can be (empty, too long, with spaces).
fn code_problem(row: usize, field: &str, e: &CodeError) -> Problem {
    let code = match e.problem {
        "empty" => "code-empty",
        "too-long" => "code-too-long",
        _ => "code-white-space",
    };
    Problem::at(row, field, e.to_string()).coded(code, [("input", e.input.clone())])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_of_nothing_but_its_header_is_refused() {
        let e = read("v.csv", b"target,org,period,value,comment\n").unwrap_err();
        assert!(e.to_string().contains("no rows below its header"), "{e}");
        let e = read("v.csv", b"").unwrap_err();
        assert!(e.to_string().starts_with("v.csv"), "{e}");
        let e = read(
            "v.csv",
            b"target,org,period,value\nDTI,HA-TINH,2024,0.5\0\n",
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("row 2") && e.to_string().contains("NUL"),
            "{e}"
        );
        assert_eq!((e.problems[0].row, e.problems[0].code), (2, "nul-byte"));
    }

    #[test]
    fn every_bad_field_of_a_line_is_named_with_its_code() {
        let e = read(
            "v.csv",
            b"target,org,period,value\nDTI,HA TINH,2024Q5,abc\nDTI,HA-TINH,2024,1\n",
        )
        .unwrap_err();
        let got: Vec<(usize, &str, &str)> = e
            .problems
            .iter()
            .map(|p| (p.row, p.field.as_str(), p.code))
            .collect();
        assert_eq!(
            got,
            [
                (2, "org", "code-white-space"),
                (2, "period", "not-a-period"),
                (2, "value", "not-a-number")
            ]
        );
        let e = read("v.csv", b"target,unit,period,value\n").unwrap_err();
        assert_eq!(e.problems[0].code, "unknown-column");
    }
}
