//! tiendo's own values CSV (`target,org,period,value,comment`), as `tiendo values import` and
//! `export` read and write it, naming the line and field of every problem.

use std::fmt::Write as _;

use tiendo_domain::values::{NewValue, Number};

/// A file refused as a whole: every problem on its own line, and that nothing was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Rejected(String);

/// Problems reported before giving up on a file.
const MAX_PROBLEMS: usize = 20;

pub const HEADER: [&str; 5] = ["target", "org", "period", "value", "comment"];

/// Values read from a file, each with the line it came from.
#[derive(Debug)]
pub struct ValuesFile {
    pub values: Vec<NewValue>,
    pub lines: Vec<u64>,
}

/// Reads the values of the file called `name` (for messages) from `bytes`.
pub fn read(name: &str, bytes: &[u8]) -> Result<ValuesFile, Rejected> {
    let text = crate::text::checked(bytes).map_err(|p| Rejected(format!("{name}, {p}")))?;
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| Rejected(format!("{name}, line 1: {e}")))?
        .clone();
    let column = |field: &str| headers.iter().position(|h| h == field);
    for h in headers.iter() {
        if !HEADER.contains(&h) {
            return Err(Rejected(format!(
                "{name}, line 1: unknown column \"{h}\" (the header must be {})",
                HEADER.join(",")
            )));
        }
    }
    let mut cols = [0usize; 4];
    for (i, field) in HEADER[..4].iter().enumerate() {
        cols[i] = column(field).ok_or_else(|| {
            Rejected(format!(
                "{name}, line 1: the column \"{field}\" is missing (the header must be {})",
                HEADER.join(",")
            ))
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
                let line = e.position().map_or(0, |p| p.line());
                problems.push(format!("line {line}: {e}"));
                break;
            }
        }
        let line = record.position().map_or(0, |p| p.line());
        let field = |i: usize| record.get(i).unwrap_or("");
        let mut problem =
            |f: &str, msg: String| problems.push(format!("line {line}, field `{f}`: {msg}"));
        let target = field(cols[0]).parse();
        let org = field(cols[1]).parse();
        let period = field(cols[2]).parse();
        let value: Result<Number, _> = field(cols[3]).parse();
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
                if let Err(e) = target {
                    problem("target", e.to_string());
                }
                if let Err(e) = org {
                    problem("org", e.to_string());
                }
                if let Err(e) = period {
                    problem("period", e.to_string());
                }
                if let Err(e) = value {
                    problem("value", e.to_string());
                }
            }
        }
        if problems.len() >= MAX_PROBLEMS {
            break;
        }
    }
    if problems.is_empty() && out.values.is_empty() {
        Err(Rejected(format!(
            "{name}: {}",
            crate::text::no_rows().message
        )))
    } else if problems.is_empty() {
        Ok(out)
    } else {
        Err(rejected(name, &problems))
    }
}

/// The message for a refused file: every problem on its own line, and that nothing was written.
pub fn rejected(file: &str, problems: &[String]) -> Rejected {
    let mut msg = format!("{file} was rejected and nothing was written:");
    for p in problems.iter().take(MAX_PROBLEMS) {
        let _ = write!(msg, "\n  {file}, {p}");
    }
    if problems.len() >= MAX_PROBLEMS {
        let _ = write!(msg, "\n  (stopped after {MAX_PROBLEMS} problems)");
    }
    Rejected(msg)
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
    }
}
