//! Reporting periods in DHIS2's ISO-like notation: `2025`, `2025S1`, `2025Q3`, `202507`, `2025W27`.
//!
//! A [`Period`] can only hold a valid period, so code that receives one never re-checks it.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, Days, IsoWeek, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

/// How often a value is reported; also the type of a [`Period`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Periodicity {
    Weekly,
    Monthly,
    Quarterly,
    SixMonthly,
    Yearly,
}

impl Periodicity {
    pub const ALL: [Periodicity; 5] = [
        Periodicity::Weekly,
        Periodicity::Monthly,
        Periodicity::Quarterly,
        Periodicity::SixMonthly,
        Periodicity::Yearly,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Periodicity::Weekly => "weekly",
            Periodicity::Monthly => "monthly",
            Periodicity::Quarterly => "quarterly",
            Periodicity::SixMonthly => "six-monthly",
            Periodicity::Yearly => "yearly",
        }
    }

    /// The period of this type that contains `date`. Weeks follow ISO 8601.
    pub fn period_containing(self, date: NaiveDate) -> Period {
        let (y, m) = (date.year(), date.month());
        match self {
            Periodicity::Yearly => Period::Year(y),
            Periodicity::SixMonthly => Period::Half(y, if m <= 6 { 1 } else { 2 }),
            Periodicity::Quarterly => Period::Quarter(y, ((m - 1) / 3 + 1) as u8),
            Periodicity::Monthly => Period::Month(y, m as u8),
            Periodicity::Weekly => {
                let w = date.iso_week();
                Period::Week(w.year(), w.week() as u8)
            }
        }
    }
}

impl fmt::Display for Periodicity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Periodicity {
    type Err = PeriodError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Periodicity::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| PeriodError {
                input: s.to_string(),
                reason: "periodicity must be weekly, monthly, quarterly, six-monthly or yearly"
                    .into(),
            })
    }
}

/// One reporting period.
///
/// Its variants can be matched anywhere but built only inside this crate (they are
/// `non_exhaustive`): outside code builds a period by parsing it or through the checked
/// constructors ([`Period::year`], …), which accept only the years [`Period::FIRST_YEAR`] to
/// [`Period::LAST_YEAR`]. A stored period therefore always prints in DHIS2's fixed width and
/// reads back as itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Period {
    #[non_exhaustive]
    Year(i32),
    /// Half-year 1 or 2 (`2025S1`).
    #[non_exhaustive]
    Half(i32, u8),
    /// Quarter 1–4 (`2025Q3`).
    #[non_exhaustive]
    Quarter(i32, u8),
    /// Month 1–12 (`202507`).
    #[non_exhaustive]
    Month(i32, u8),
    /// ISO week of an ISO week-year (`2025W27`).
    #[non_exhaustive]
    Week(i32, u8),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{input}\" is not a period: {reason} (write 2025, 2025S1, 2025Q3, 202507 or 2025W27)")]
pub struct PeriodError {
    pub input: String,
    pub reason: String,
}

impl Period {
    /// The first year a period may name: earlier figures are typing errors, not history.
    pub const FIRST_YEAR: i32 = 1900;
    /// The last year a period may name.
    pub const LAST_YEAR: i32 = 2100;

    /// The calendar year `year`.
    pub fn year_of(year: i32) -> Result<Period, PeriodError> {
        format!("{year:04}").parse()
    }

    /// Quarter `quarter` (1–4) of `year`.
    pub fn quarter_of(year: i32, quarter: u8) -> Result<Period, PeriodError> {
        format!("{year:04}Q{quarter}").parse()
    }

    pub fn periodicity(self) -> Periodicity {
        match self {
            Period::Year(_) => Periodicity::Yearly,
            Period::Half(..) => Periodicity::SixMonthly,
            Period::Quarter(..) => Periodicity::Quarterly,
            Period::Month(..) => Periodicity::Monthly,
            Period::Week(..) => Periodicity::Weekly,
        }
    }

    /// The year the period is counted in (the ISO week-year for weeks).
    pub fn year(self) -> i32 {
        match self {
            Period::Year(y)
            | Period::Half(y, _)
            | Period::Quarter(y, _)
            | Period::Month(y, _)
            | Period::Week(y, _) => y,
        }
    }

    /// First day of the period.
    pub fn start(self) -> NaiveDate {
        match self {
            Period::Year(y) => ymd(y, 1),
            Period::Half(y, h) => ymd(y, (h as u32 - 1) * 6 + 1),
            Period::Quarter(y, q) => ymd(y, (q as u32 - 1) * 3 + 1),
            Period::Month(y, m) => ymd(y, m as u32),
            Period::Week(y, w) => iso_week_monday(y, w).expect("constructed weeks exist"),
        }
    }

    /// Last day of the period (inclusive).
    pub fn end(self) -> NaiveDate {
        let next_start = match self {
            Period::Year(y) => ymd(y + 1, 1),
            Period::Half(y, 1) => ymd(y, 7),
            Period::Half(y, _) => ymd(y + 1, 1),
            Period::Quarter(y, 4) => ymd(y + 1, 1),
            Period::Quarter(y, q) => ymd(y, q as u32 * 3 + 1),
            Period::Month(y, 12) => ymd(y + 1, 1),
            Period::Month(y, m) => ymd(y, m as u32 + 1),
            Period::Week(..) => return self.start() + Days::new(6),
        };
        next_start
            .pred_opt()
            .expect("dates after year 1000 have a predecessor")
    }

    /// True when every day of `other` lies within this period.
    pub fn contains(self, other: Period) -> bool {
        self.start() <= other.start() && other.end() <= self.end()
    }

    /// True when `date` lies within this period.
    pub fn contains_date(self, date: NaiveDate) -> bool {
        self.start() <= date && date <= self.end()
    }

    /// The period of a coarser type this one rolls up into: month → quarter → half-year → year.
    /// A week rolls up by its Thursday (the day that decides its ISO year). Returns `None` when
    /// `to` is finer than this period's own type.
    pub fn roll_up(self, to: Periodicity) -> Option<Period> {
        if to < self.periodicity() {
            return None;
        }
        let anchor = match self {
            Period::Week(..) => self.start() + Days::new(3),
            _ => self.start(),
        };
        Some(to.period_containing(anchor))
    }

    /// The period of the same type that follows this one.
    /// `None` after [`Period::LAST_YEAR`]: no period beyond it can be written or read back.
    pub fn next(self) -> Option<Period> {
        let next = match self.periodicity() {
            Periodicity::Weekly => {
                Periodicity::Weekly.period_containing(self.start() + Days::new(7))
            }
            p => p.period_containing(self.end() + Days::new(1)),
        };
        (next.year() <= Period::LAST_YEAR).then_some(next)
    }

    /// The period of the same type that precedes this one.
    pub fn previous(self) -> Period {
        let day_before = self.start().pred_opt().expect("years start at 1000");
        self.periodicity().period_containing(day_before)
    }
}

fn ymd(y: i32, m: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, 1).expect("month 1-12 of years 1000-10000 exist")
}

fn iso_week_monday(year: i32, week: u8) -> Option<NaiveDate> {
    NaiveDate::from_isoywd_opt(year, week as u32, Weekday::Mon)
}

fn weeks_in(year: i32) -> u8 {
    // 28 December always falls in the last ISO week of its year.
    let last: IsoWeek = NaiveDate::from_ymd_opt(year, 12, 28)
        .expect("28 December exists")
        .iso_week();
    last.week() as u8
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Period::Year(y) => write!(f, "{y}"),
            Period::Half(y, h) => write!(f, "{y}S{h}"),
            Period::Quarter(y, q) => write!(f, "{y}Q{q}"),
            Period::Month(y, m) => write!(f, "{y}{m:02}"),
            Period::Week(y, w) => write!(f, "{y}W{w}"),
        }
    }
}

impl FromStr for Period {
    type Err = PeriodError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let err = |reason: &str| PeriodError {
            input: input.to_string(),
            reason: reason.to_string(),
        };
        let s = input.trim();
        if s.len() < 4 || !s.is_char_boundary(4) {
            return Err(err("it must start with a four-digit year"));
        }
        let (year_part, rest) = s.split_at(4);
        if !year_part.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err("it must start with a four-digit year"));
        }
        let year: i32 = year_part.parse().map_err(|_| err("bad year"))?;
        if !(Period::FIRST_YEAR..=Period::LAST_YEAR).contains(&year) {
            return Err(err(&format!(
                "the year must be between {} and {}",
                Period::FIRST_YEAR,
                Period::LAST_YEAR
            )));
        }
        let number = |digits: &str, what: &str| -> Result<u8, PeriodError> {
            if digits.is_empty() || digits.len() > 2 || !digits.bytes().all(|b| b.is_ascii_digit())
            {
                return Err(err(&format!("the {what} must be a number")));
            }
            digits.parse().map_err(|_| err(&format!("bad {what}")))
        };
        let period = match rest.as_bytes().first() {
            None => Period::Year(year),
            Some(b'S') => match number(&rest[1..], "half-year")? {
                h @ 1..=2 => Period::Half(year, h),
                _ => return Err(err("the half-year must be 1 or 2")),
            },
            Some(b'Q') => match number(&rest[1..], "quarter")? {
                q @ 1..=4 => Period::Quarter(year, q),
                _ => return Err(err("the quarter must be 1 to 4")),
            },
            Some(b'W') => {
                let w = number(&rest[1..], "week")?;
                if w == 0 || w > weeks_in(year) {
                    return Err(err(&format!(
                        "ISO year {year} has weeks 1 to {}",
                        weeks_in(year)
                    )));
                }
                Period::Week(year, w)
            }
            Some(b'0'..=b'9') if rest.len() == 2 => match number(rest, "month")? {
                m @ 1..=12 => Period::Month(year, m),
                _ => return Err(err("the month must be 01 to 12")),
            },
            Some(_) => return Err(err("unknown period type")),
        };
        Ok(period)
    }
}

impl Period {
    /// A number that grows with the first day: `year·372 + (month−1)·31 + (day−1)`. Only weeks
    /// need a calendar to find their first day.
    fn start_key(self) -> i64 {
        let (y, m, d) = match self {
            Period::Year(y) => (y, 1, 1),
            Period::Half(y, h) => (y, (u32::from(h) - 1) * 6 + 1, 1),
            Period::Quarter(y, q) => (y, (u32::from(q) - 1) * 3 + 1, 1),
            Period::Month(y, m) => (y, u32::from(m), 1),
            Period::Week(..) => {
                let s = self.start();
                (s.year(), s.month(), s.day())
            }
        };
        i64::from(y) * 372 + i64::from(m - 1) * 31 + i64::from(d - 1)
    }
}

impl Ord for Period {
    /// Chronological by first day; at the same first day the longer period comes first, so a
    /// year sorts before its first half, quarter and month.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.start_key()
            .cmp(&other.start_key())
            .then_with(|| other.periodicity().cmp(&self.periodicity()))
    }
}

impl PartialOrd for Period {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Serialize for Period {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn p(s: &str) -> Period {
        s.parse().unwrap()
    }
    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn parses_every_dhis2_notation() {
        assert_eq!(p("2025"), Period::Year(2025));
        assert_eq!(p("2025S1"), Period::Half(2025, 1));
        assert_eq!(p("2025Q3"), Period::Quarter(2025, 3));
        assert_eq!(p("202507"), Period::Month(2025, 7));
        assert_eq!(p("2025W27"), Period::Week(2025, 27));
        assert_eq!(p("2025W1"), Period::Week(2025, 1));
    }

    #[test]
    fn bad_strings_are_named_in_the_error() {
        for bad in [
            "", "25", "2025Q5", "2025Q0", "2025S3", "202513", "202500", "2025W54", "2025X1",
            "abcd", "2025-07", "2025Q", "0999", "2021W53", "1899", "2101Q1", "9999",
        ] {
            let e = bad.parse::<Period>().unwrap_err();
            assert_eq!(e.input, bad);
            assert!(e.to_string().contains(&format!("\"{bad}\"")), "{e}");
        }
        // 2020 had 53 ISO weeks, 2021 did not.
        assert_eq!(p("2020W53").start(), d("2020-12-28"));
    }

    #[test]
    fn start_and_end_dates() {
        assert_eq!(
            (p("2025").start(), p("2025").end()),
            (d("2025-01-01"), d("2025-12-31"))
        );
        assert_eq!(p("2025S2").start(), d("2025-07-01"));
        assert_eq!(p("2025S2").end(), d("2025-12-31"));
        assert_eq!(p("2025Q1").end(), d("2025-03-31"));
        assert_eq!(p("202402").end(), d("2024-02-29"));
        assert_eq!(p("2025W27").start(), d("2025-06-30"));
        assert_eq!(p("2025W27").end(), d("2025-07-06"));
        assert_eq!(p("2025W1").start(), d("2024-12-30"));
    }

    #[test]
    fn rolls_up_month_quarter_half_year() {
        let m = p("202508");
        assert_eq!(m.roll_up(Periodicity::Quarterly), Some(p("2025Q3")));
        assert_eq!(m.roll_up(Periodicity::SixMonthly), Some(p("2025S2")));
        assert_eq!(m.roll_up(Periodicity::Yearly), Some(p("2025")));
        assert_eq!(
            p("2025Q2").roll_up(Periodicity::SixMonthly),
            Some(p("2025S1"))
        );
        assert_eq!(p("2025").roll_up(Periodicity::Monthly), None);
        // Week 1 of 2025 starts on 30 December 2024 but belongs to January 2025.
        assert_eq!(p("2025W1").roll_up(Periodicity::Monthly), Some(p("202501")));
        assert!(p("2025").contains(p("2025Q4")));
        assert!(!p("2025Q4").contains(p("2025")));
        assert!(!p("2025S1").contains(p("2025Q3")));
    }

    #[test]
    fn orders_chronologically_with_longer_first() {
        let mut v = [
            p("2025Q2"),
            p("202501"),
            p("2024"),
            p("2025"),
            p("2025S1"),
            p("2025Q1"),
        ];
        v.sort();
        let s: Vec<String> = v.iter().map(|x| x.to_string()).collect();
        assert_eq!(s, ["2024", "2025", "2025S1", "2025Q1", "202501", "2025Q2"]);
    }

    #[test]
    fn next_and_previous() {
        assert_eq!(p("2025Q4").next(), Some(p("2026Q1")));
        assert_eq!(p("202512").next(), Some(p("202601")));
        assert_eq!(p("2020W53").next(), Some(p("2021W1")));
        // Nothing follows the last year a period may have.
        assert_eq!(p("2100Q4").next(), None);
        assert_eq!(p("2100").next(), None);
        assert_eq!(p("2026Q1").previous(), p("2025Q4"));
        assert_eq!(p("2025S1").previous(), p("2024S2"));
    }

    fn any_period() -> impl Strategy<Value = Period> {
        prop_oneof![
            (1900..2100i32).prop_map(Period::Year),
            (1900..2100i32, 1..=2u8).prop_map(|(y, h)| Period::Half(y, h)),
            (1900..2100i32, 1..=4u8).prop_map(|(y, q)| Period::Quarter(y, q)),
            (1900..2100i32, 1..=12u8).prop_map(|(y, m)| Period::Month(y, m)),
            (1900..2099i32, 1..=52u8).prop_map(|(y, w)| Period::Week(y, w)),
        ]
    }

    proptest! {
        #[test]
        fn order_follows_first_days(a in any_period(), b in any_period()) {
            let by_dates = a.start().cmp(&b.start()).then_with(|| b.periodicity().cmp(&a.periodicity()));
            prop_assert_eq!(a.cmp(&b), by_dates);
        }

        #[test]
        fn print_then_parse_is_identity(per in any_period()) {
            prop_assert_eq!(per.to_string().parse::<Period>().unwrap(), per);
        }

        #[test]
        fn a_period_lies_inside_every_period_it_rolls_up_to(per in any_period()) {
            for to in Periodicity::ALL {
                if let Some(up) = per.roll_up(to) {
                    prop_assert_eq!(up.periodicity(), to);
                    if per.periodicity() != Periodicity::Weekly {
                        prop_assert!(up.contains(per));
                    }
                }
            }
            prop_assert!(per.start() <= per.end());
            if let Some(next) = per.next() {
                prop_assert_eq!(next.previous(), per);
            }
        }
    }
}
