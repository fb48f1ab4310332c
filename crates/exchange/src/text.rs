//! What every text file a reporter sends must be before its format is read: UTF-8 without NUL
//! bytes, every quote closed, something below its header. A byte-order mark, which spreadsheets
//! write, is taken off.

use crate::Problem;

/// `bytes` as text to parse, or the problem with its line.
pub fn checked(bytes: &[u8]) -> Result<&str, Problem> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = line_at(&bytes[..e.valid_up_to()]);
        Problem::at(line, "", "the file is not UTF-8 text; save it as CSV UTF-8")
            .coded("not-utf8", [])
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if let Some(i) = text.find('\0') {
        return Err(Problem::at(
            line_at(&text.as_bytes()[..i]),
            "",
            "the file holds a NUL byte",
        )
        .coded("nul-byte", []));
    }
    // Quotes come in pairs in CSV, doubled ones included: an odd one out never closes.
    let mut open: Option<usize> = None;
    for (n, line) in text.split('\n').enumerate() {
        for _ in line.matches('"') {
            open = match open {
                None => Some(n + 1),
                Some(_) => None,
            };
        }
    }
    if let Some(line) = open {
        return Err(
            Problem::at(line, "", "a quote opened on this line is never closed")
                .coded("unterminated-quote", []),
        );
    }
    Ok(text)
}

/// The problem of a file holding nothing but its header (or nothing at all).
pub fn no_rows() -> Problem {
    Problem::whole("the file has no rows below its header; nothing to import").coded("no-rows", [])
}

fn line_at(before: &[u8]) -> usize {
    before.iter().filter(|b| **b == b'\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_byte_order_mark_is_taken_off_and_bad_text_named_by_line() {
        assert_eq!(checked(b"\xEF\xBB\xBFa,b\n1,2\n").unwrap(), "a,b\n1,2\n");
        let nul = checked(b"a,b\n1,2\n3,\x004\n").unwrap_err();
        assert_eq!((nul.row, nul.code), (3, "nul-byte"));
        let quote = checked(b"a,b\n1,\"x\"\"y\"\n2,\"open\n3,4\n").unwrap_err();
        assert_eq!((quote.row, quote.code), (3, "unterminated-quote"));
        let latin = checked(b"a,b\n1,caf\xe9\n").unwrap_err();
        assert_eq!((latin.row, latin.code), (2, "not-utf8"));
    }

    proptest! {
        /// Any CSV the csv crate writes passes the check and comes back as written (a leading
        /// byte-order mark aside, which is taken off).
        #[test]
        fn what_a_csv_writer_writes_passes(cells in prop::collection::vec(prop::collection::vec("[^\u{0}\u{feff}]{0,12}", 1..4), 1..6)) {
            let mut w = csv::WriterBuilder::new().flexible(true).from_writer(Vec::new());
            for row in &cells {
                w.write_record(row).unwrap();
            }
            let bytes = w.into_inner().unwrap();
            prop_assert_eq!(checked(&bytes).unwrap().as_bytes(), &bytes[..]);
        }

        /// Arbitrary bytes never make the check panic.
        #[test]
        fn any_bytes_are_answered(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
            let _ = checked(&bytes);
        }
    }
}
