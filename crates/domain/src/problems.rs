//! A problem at a place in what someone sent: one type for every reader and every import, so
//! a refused row reads the same whether it came from a CSV file, a workbook, a DHIS2 or Open
//! SDG document, a form or the storage's import check.

use serde::Serialize;

use crate::admissibility::Refusal;

/// What is wrong and where. `row` counts from 1 — a CSV file's line, a sheet's row, a list's
/// item in the order given — and is 0 for the input as a whole.
#[derive(Debug, Clone, PartialEq, Serialize, thiserror::Error)]
#[error("{}: {message}", self.place())]
pub struct Problem {
    /// The sheet of a workbook; absent for other inputs.
    pub sheet: Option<String>,
    pub row: usize,
    /// The field's name or, in a sheet, the column's letter; empty for a whole row.
    pub field: String,
    /// Stable, for programs to match: a rule of the admissibility check (`not_a_reporter`,
    /// `out_of_bounds`, …), what a reader could not take (`not-a-number`, `sheet-too-long`,
    /// …), or `invalid` where no more is known.
    pub code: &'static str,
    /// The English sentence, for logs, the command line and API clients.
    pub message: String,
    /// The facts the sentence is worded from in the reader's language (`tiendo-wording`):
    /// the arguments of the message named after `code`…
    #[serde(skip)]
    pub args: Box<[(&'static str, String)]>,
    /// …or the admissibility rule's refusal. Both are boxed: a problem travels in `Err`.
    #[serde(skip)]
    pub refusal: Option<Box<Refusal>>,
}

impl Problem {
    /// A value at `row` whose `field` its reader could not take.
    pub fn at(row: usize, field: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem {
            sheet: None,
            row,
            field: field.into(),
            code: "invalid",
            message: message.into(),
            args: Box::new([]),
            refusal: None,
        }
    }

    /// This problem as the fact `code` with its arguments, so each reader's language can word
    /// it (the English `message` stays for logs and clients).
    pub fn coded<const N: usize>(
        mut self,
        code: &'static str,
        args: [(&'static str, String); N],
    ) -> Problem {
        self.code = code;
        self.args = Box::new(args);
        self
    }

    /// A cell of a workbook: its sheet, row and column letter.
    pub fn in_sheet(
        sheet: impl Into<String>,
        row: usize,
        column: impl Into<String>,
        message: impl Into<String>,
    ) -> Problem {
        Problem {
            sheet: Some(sheet.into()),
            ..Problem::at(row, column, message)
        }
    }

    /// The input as a whole: unreadable, empty, too large.
    pub fn whole(message: impl Into<String>) -> Problem {
        Problem::at(0, "", message)
    }

    /// A row the admissibility rule refused, with the rule's code and field.
    pub fn refused(row: usize, refusal: &Refusal) -> Problem {
        Problem {
            sheet: None,
            row,
            field: refusal.field().to_string(),
            code: refusal.code(),
            message: refusal.to_string(),
            args: Box::new([]),
            refusal: Some(Box::new(refusal.clone())),
        }
    }

    /// Where it is, in words: `sheet tiendo, row 6, column G`, `row 3, field Value`.
    pub fn place(&self) -> String {
        let mut parts = Vec::new();
        if let Some(sheet) = &self.sheet {
            parts.push(format!("sheet {sheet}"));
        }
        if self.row > 0 {
            parts.push(format!("row {}", self.row));
        }
        if !self.field.is_empty() {
            let what = if self.sheet.is_some() {
                "column"
            } else {
                "field"
            };
            parts.push(format!("{what} `{}`", self.field));
        }
        if parts.is_empty() {
            "the input".into()
        } else {
            parts.join(", ")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_problem_says_where_it_is() {
        assert_eq!(
            Problem::at(3, "Value", "not a number").to_string(),
            "row 3, field `Value`: not a number"
        );
        assert_eq!(
            Problem::in_sheet("tiendo", 6, "G", "not a number").to_string(),
            "sheet tiendo, row 6, column `G`: not a number"
        );
        assert_eq!(Problem::whole("empty").to_string(), "the input: empty");
    }
}
