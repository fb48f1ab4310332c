//! Deadlines as Vietnamese plans write them ("6/2025", "Tháng 5/2025", "Quý II/2025", "Năm
//! 2025", "2025 - 2026", "Trước 30/6/2025", "Thường xuyên", "Hằng năm"), read into the last day
//! by which the task is due, or into the recurrence it follows.

use chrono::NaiveDate;

/// What a plan's deadline cell means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deadline {
    /// Due by the end of this day.
    By(NaiveDate),
    /// Ongoing work ("Thường xuyên", "2025 và những năm tiếp theo"): never overdue as a whole.
    Ongoing,
    /// Work done again every year ("Hằng năm"): never overdue as a whole either.
    Yearly,
}

impl Deadline {
    /// The day it is due by, for a deadline that has one.
    pub fn day(self) -> Option<NaiveDate> {
        match self {
            Deadline::By(d) => Some(d),
            Deadline::Ongoing | Deadline::Yearly => None,
        }
    }
}

/// Reads a deadline cell; `None` when the words are none of the forms plans use, so the
/// caller can name the cell.
pub fn read(words: &str) -> Option<Deadline> {
    let w = words.trim().to_lowercase();
    if w.contains("hằng năm") || w.contains("hàng năm") {
        return Some(Deadline::Yearly);
    }
    if w.contains("thường xuyên") || w.contains("những năm tiếp theo") {
        return Some(Deadline::Ongoing);
    }
    // "Tháng 6 năm 2025" and "Quý II năm 2025" say with words what "6/2025" says with a slash.
    let spelled = w.replace(" năm ", "/");
    let mut w = spelled.as_str();
    // Introductions in any order and number: "Hoàn thành trước ngày 30/6/2025".
    const INTRODUCTIONS: [&str; 7] = [
        "trước ngày",
        "trước",
        "chậm nhất",
        "hoàn thành",
        "ngày",
        "tháng",
        "năm",
    ];
    while let Some(rest) = INTRODUCTIONS.iter().find_map(|p| w.strip_prefix(p)) {
        w = rest.trim();
    }
    // A day: "30/6/2025".
    if let [day, month, year] = w.split('/').map(str::trim).collect::<Vec<_>>()[..] {
        let day: u32 = day.parse().ok()?;
        let month: u32 = month.parse().ok()?;
        return NaiveDate::from_ymd_opt(year_of(year)?, month, day).map(Deadline::By);
    }
    if let Some(rest) = w.strip_prefix("quý") {
        let (quarter, year) = rest.trim().split_once('/')?;
        let last_month = match quarter.trim() {
            "i" | "1" => 3,
            "ii" | "2" => 6,
            "iii" | "3" => 9,
            "iv" | "4" => 12,
            _ => return None,
        };
        return month_end(year_of(year)?, last_month).map(Deadline::By);
    }
    if let Some((month, year)) = w.split_once('/') {
        let month: u32 = month.trim().parse().ok().filter(|m| (1..=12).contains(m))?;
        return month_end(year_of(year)?, month).map(Deadline::By);
    }
    // A span of years ("2025 - 2026", "2025-2030") is due at the end of its last year.
    let last = w.rsplit(['-', '–']).next()?;
    NaiveDate::from_ymd_opt(year_of(last)?, 12, 31).map(Deadline::By)
}

fn year_of(text: &str) -> Option<i32> {
    let t = text.trim();
    if t.len() != 4 {
        return None;
    }
    t.parse().ok().filter(|y| (1900..=2100).contains(y))
}

fn month_end(year: i32, month: u32) -> Option<NaiveDate> {
    let first_of_next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    }?;
    first_of_next.pred_opt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn by(s: &str) -> Option<Deadline> {
        Some(Deadline::By(s.parse().unwrap()))
    }

    #[test]
    fn the_forms_plans_use() {
        assert_eq!(read("6/2025"), by("2025-06-30"));
        assert_eq!(read("06/2025"), by("2025-06-30"));
        assert_eq!(read("Tháng 5/2025"), by("2025-05-31"));
        assert_eq!(read("2/2025"), by("2025-02-28"));
        assert_eq!(read("12/2028"), by("2028-12-31"));
        assert_eq!(read("Quý II/2025"), by("2025-06-30"));
        assert_eq!(read("2025"), by("2025-12-31"));
        assert_eq!(read("2025 - 2026"), by("2026-12-31"));
        assert_eq!(read("2025-2030"), by("2030-12-31"));
        assert_eq!(read("Thường xuyên"), Some(Deadline::Ongoing));
        assert_eq!(read("Nhiệm vụ thường xuyên"), Some(Deadline::Ongoing));
        assert_eq!(read("hằng năm"), Some(Deadline::Yearly));
        assert_eq!(read("Hàng năm"), Some(Deadline::Yearly));
        assert_eq!(read("Năm 2025"), by("2025-12-31"));
        assert_eq!(read("Trước 30/6/2025"), by("2025-06-30"));
        assert_eq!(read("Trước ngày 15/02/2026"), by("2026-02-15"));
        assert_eq!(read("Tháng 12/2025"), by("2025-12-31"));
        assert_eq!(read("Hoàn thành trước 30/6/2025"), by("2025-06-30"));
        assert_eq!(read("Chậm nhất trước ngày 15/3/2026"), by("2026-03-15"));
        assert_eq!(read("Tháng 6 năm 2025"), by("2025-06-30"));
        assert_eq!(read("Quý II năm 2025"), by("2025-06-30"));
        assert_eq!(read("2025 và những năm tiếp theo"), Some(Deadline::Ongoing));
    }

    #[test]
    fn words_that_are_no_deadline_are_refused() {
        for w in [
            "",
            "sớm",
            "13/2025",
            "0/2025",
            "Quý V/2025",
            "25",
            "20255",
            "/2025",
            "31/2/2025",
            "Trước",
        ] {
            assert_eq!(read(w), None, "{w:?}");
        }
    }

    proptest! {
        #[test]
        fn any_text_reads_without_panic(s in "\\PC{0,40}") {
            let _ = read(&s);
        }

        #[test]
        fn a_month_is_due_on_its_last_day(year in 1900i32..2100, month in 1u32..=12) {
            let Some(Deadline::By(d)) = read(&format!("{month}/{year}")) else {
                panic!("{month}/{year} not read");
            };
            prop_assert_eq!(chrono::Datelike::month(&d), month);
            prop_assert_eq!(chrono::Datelike::month(&d.succ_opt().unwrap()), month % 12 + 1);
        }
    }
}
