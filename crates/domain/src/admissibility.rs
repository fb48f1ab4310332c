//! The one rule for "may this value be written": every path that writes a value (the entry
//! form, the API, spreadsheet uploads, DHIS2 and Open SDG imports, CSV imports, dataset loads)
//! asks [`admit`], so a value refused on one path is refused on all of them.
//!
//! A refusal is a fact with a stable code ([`Refusal::code`]) and the field at fault
//! ([`Refusal::field`]); the reader's language is applied where it is shown.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::orgs::{Hierarchy, OrgCode, OrgKind, OrgUnit, Validity};
use crate::periods::{Period, Periodicity};
use crate::targets::{Target, TargetCode};
use crate::values::{NewValue, Number, ValueState};

/// The numbers a target's values may take. A bound left out is open.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Bounds {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// Only whole numbers (ranks, counts of things).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub whole: bool,
}

impl Bounds {
    const fn new(min: Option<f64>, max: Option<f64>, whole: bool) -> Bounds {
        Bounds { min, max, whole }
    }

    pub fn holds(&self, v: f64) -> bool {
        self.min.is_none_or(|m| v >= m)
            && self.max.is_none_or(|m| v <= m)
            && (!self.whole || v.fract() == 0.0)
    }
}

/// What kind of quantity a unit of measure is, read off the target's unit of measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Measure {
    /// A share of a whole, in per cent (`%`, `% of GDP`): 0–100.
    Share,
    /// A rate of change (`growth %/year`): any number.
    Change,
    /// A normalised index (`0-1`): 0–1.
    Fraction,
    /// A score out of 100 (`score 0-100`): 0–100.
    Score,
    /// A place in a ranking: a whole number from 1.
    Rank,
    /// A quantity of things or money (`enterprises`, `km²`, `trillion VND`, `points`): from 0.
    Amount,
    /// A milestone reached or not (`qualitative`): 1 when reached, 0 when not, with the
    /// evidence in words beside it.
    Qualitative,
    /// Anything else: no bound beyond what the target declares.
    Other,
}

impl Measure {
    pub fn of(unit_of_measure: &str) -> Measure {
        let u = unit_of_measure.trim().to_lowercase();
        let amounts = [
            "organisations",
            "enterprises",
            "stations",
            "people",
            "objects",
            "agencies",
            "km²",
            "trillion vnd",
            "per 10,000 people",
            "points",
            "index",
        ];
        if u.contains("growth") || u.contains("change") {
            Measure::Change
        } else if u == "0-1" {
            Measure::Fraction
        } else if u.starts_with('%') {
            Measure::Share
        } else if u.starts_with("score 0-100") {
            Measure::Score
        } else if u == "rank" {
            Measure::Rank
        } else if u == "qualitative" {
            Measure::Qualitative
        } else if amounts.contains(&u.as_str()) {
            Measure::Amount
        } else {
            Measure::Other
        }
    }

    /// The numbers a quantity of this kind can take at all.
    pub fn bounds(self) -> Bounds {
        match self {
            Measure::Share | Measure::Score => Bounds::new(Some(0.0), Some(100.0), false),
            Measure::Fraction => Bounds::new(Some(0.0), Some(1.0), false),
            Measure::Rank => Bounds::new(Some(1.0), None, true),
            Measure::Qualitative => Bounds::new(Some(0.0), Some(1.0), true),
            Measure::Amount => Bounds::new(Some(0.0), None, false),
            Measure::Change | Measure::Other => Bounds::default(),
        }
    }
}

impl Target {
    /// The bounds a value of this target must keep: those the target declares, else those
    /// of its unit of measure.
    pub fn value_bounds(&self) -> Bounds {
        self.bounds
            .unwrap_or_else(|| Measure::of(&self.unit).bounds())
    }
}

/// What the rule needs to know of the reporting unit.
#[derive(Debug, Clone, Copy)]
pub struct Reporter<'a> {
    pub code: &'a OrgCode,
    pub kind: OrgKind,
    pub validity: Validity,
    /// The unit succeeded others and may hold figures restated on its own boundaries for
    /// periods before it began (the DTI 2024 results on the 34-province basis).
    pub successor: bool,
}

impl<'a> Reporter<'a> {
    /// `unit` as the hierarchy knows it.
    pub fn of(hierarchy: &Hierarchy, unit: &'a OrgUnit) -> Reporter<'a> {
        Reporter {
            code: &unit.code,
            kind: unit.kind,
            validity: unit.validity,
            successor: hierarchy
                .successions()
                .iter()
                .any(|s| s.successor == unit.code),
        }
    }
}

/// Why a value may not be written. Each variant is one rule, with the facts that broke it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Refusal {
    UnknownTarget {
        target: TargetCode,
    },
    UnknownUnit {
        unit: OrgCode,
    },
    NotAReporter {
        unit: OrgCode,
        kind: OrgKind,
        target: TargetCode,
    },
    UnitNotInForce {
        unit: OrgCode,
        period: Period,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    },
    WrongPeriodicity {
        target: TargetCode,
        expected: Periodicity,
        period: Period,
    },
    OutOfBounds {
        target: TargetCode,
        value: f64,
        bounds: Bounds,
    },
    /// The value is approved: it is official and can no longer change.
    Locked,
    /// The value awaits review: it can change again once it is returned.
    AwaitingReview,
    /// A reporter saves a draft or submits; anything else is a reviewer's step.
    NotAnEntryState {
        state: ValueState,
    },
    /// The same key twice in one request or file.
    Twice {
        first_row: usize,
    },
    /// A comment or source holds a control character (a NUL byte, an escape) that no person
    /// typed and that databases and spreadsheets mishandle.
    ControlCharacter {
        field: &'static str,
    },
    /// A comment or source longer than anyone writes beside a number.
    TooLong {
        field: &'static str,
        max: usize,
    },
    /// With the unit's other values of the period, the value breaks a validation rule
    /// between targets ([`crate::validation`]).
    /// Entry for the period closed after its last day, and the standing office has not
    /// reopened it for the unit.
    PeriodClosed {
        period: Period,
        last_day: NaiveDate,
    },
    BreaksRule {
        /// The rule's code (the enum's tag is already called `rule`).
        rule_code: String,
        name_vi: String,
        name_en: Option<String>,
        left: f64,
        right: f64,
    },
}

/// The longest comment a value may carry, in characters.
pub const MAX_COMMENT: usize = 2_000;
/// The longest source a value may name, in characters.
pub const MAX_SOURCE: usize = 1_000;

impl Refusal {
    /// A stable code for clients and translations.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::UnknownTarget { .. } => "unknown_target",
            Refusal::UnknownUnit { .. } => "unknown_unit",
            Refusal::NotAReporter { .. } => "not_a_reporter",
            Refusal::UnitNotInForce { .. } => "unit_not_in_force",
            Refusal::WrongPeriodicity { .. } => "wrong_periodicity",
            Refusal::OutOfBounds { .. } => "out_of_bounds",
            Refusal::Locked => "value_locked",
            Refusal::AwaitingReview => "awaiting_review",
            Refusal::NotAnEntryState { .. } => "not_an_entry_state",
            Refusal::Twice { .. } => "duplicate_key",
            Refusal::ControlCharacter { .. } => "control_character",
            Refusal::TooLong { .. } => "too_long",
            Refusal::BreaksRule { .. } => "breaks_rule",
            Refusal::PeriodClosed { .. } => "period_closed",
        }
    }

    /// The field at fault, as forms, files and the API name it.
    pub fn field(&self) -> &'static str {
        match self {
            Refusal::UnknownTarget { .. } => "target",
            Refusal::UnknownUnit { .. } | Refusal::NotAReporter { .. } => "org",
            Refusal::UnitNotInForce { .. }
            | Refusal::WrongPeriodicity { .. }
            | Refusal::Twice { .. }
            | Refusal::PeriodClosed { .. } => "period",
            Refusal::OutOfBounds { .. }
            | Refusal::Locked
            | Refusal::AwaitingReview
            | Refusal::BreaksRule { .. } => "value",
            Refusal::NotAnEntryState { .. } => "state",
            Refusal::ControlCharacter { field } | Refusal::TooLong { field, .. } => field,
        }
    }

    /// True when the refusal is about the value's review state rather than the value itself:
    /// imports skip such rows (counted as ignored, with a conflict) instead of failing.
    pub fn is_review_state(&self) -> bool {
        matches!(self, Refusal::Locked | Refusal::AwaitingReview)
    }
}

fn bound_text(b: &Bounds) -> String {
    let n = |v: f64| format!("{v}");
    let range = match (b.min, b.max) {
        (Some(lo), Some(hi)) => format!("from {} to {}", n(lo), n(hi)),
        (Some(lo), None) => format!("at least {}", n(lo)),
        (None, Some(hi)) => format!("at most {}", n(hi)),
        (None, None) => "any number".to_string(),
    };
    if b.whole {
        format!("a whole number {range}")
    } else {
        range
    }
}

/// English, for logs, the CLI and API clients; pages render the facts in the reader's language.
impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::UnknownTarget { target } => write!(f, "target {target} does not exist"),
            Refusal::UnknownUnit { unit } => write!(f, "organisation unit {unit} does not exist"),
            Refusal::NotAReporter { unit, kind, target } => {
                write!(f, "unit {unit} ({kind}) does not report target {target}")
            }
            Refusal::UnitNotInForce {
                unit,
                period,
                from,
                to,
            } => {
                let when = match (from, to) {
                    (_, Some(to)) if *to < period.start() => format!("it ceased on {to}"),
                    (Some(from), _) => format!("it exists from {from}"),
                    _ => "it is not in force then".to_string(),
                };
                write!(f, "unit {unit} cannot report for {period}: {when}")
            }
            Refusal::WrongPeriodicity {
                target,
                expected,
                period,
            } => write!(f, "{target} is reported {expected}, not for {period}"),
            Refusal::OutOfBounds {
                target,
                value,
                bounds,
            } => write!(
                f,
                "{value} is not a possible value of {target}: it must be {}",
                bound_text(bounds)
            ),
            Refusal::Locked => f.write_str("this value is approved and locked"),
            Refusal::PeriodClosed { period, last_day } => write!(
                f,
                "entry for {period} closed after {last_day}; the standing office can reopen it"
            ),
            Refusal::AwaitingReview => f.write_str(
                "this value is awaiting approval; it can change again once it is returned",
            ),
            Refusal::NotAnEntryState { state } => {
                write!(f, "a reporter saves a draft or submits, not \"{state}\"")
            }
            Refusal::BreaksRule {
                rule_code,
                name_vi,
                name_en,
                left,
                right,
            } => write!(
                f,
                "the values break rule {rule_code} ({}): {left} against {right}",
                name_en.as_deref().unwrap_or(name_vi)
            ),
            Refusal::Twice { first_row } => write!(
                f,
                "the same target, unit and period appear twice (first in row {})",
                first_row + 1
            ),
            Refusal::ControlCharacter { field } => {
                write!(f, "the {field} holds a control character; remove it")
            }
            Refusal::TooLong { field, max } => {
                write!(f, "the {field} is longer than {max} characters")
            }
        }
    }
}

/// Whether `value` of `target` for `unit` and `period` may be written over the key's current
/// state (`None` when it has no value yet). The rules, in the order they are checked: the unit
/// reports the target, the unit is in force during the period (or restates it as a successor),
/// the period has the target's periodicity, the number lies within the target's bounds, and the
/// current version is neither approved nor awaiting review.
pub fn admit(
    target: &Target,
    unit: Reporter<'_>,
    period: Period,
    value: Number,
    current: Option<ValueState>,
) -> Result<(), Refusal> {
    if !target.reporters.includes(unit.code, unit.kind) {
        return Err(Refusal::NotAReporter {
            unit: unit.code.clone(),
            kind: unit.kind,
            target: target.code.clone(),
        });
    }
    let restated = unit.successor && unit.validity.from().is_some_and(|from| period.end() < from);
    if !restated && !unit.validity.overlaps(period.start(), period.end()) {
        return Err(Refusal::UnitNotInForce {
            unit: unit.code.clone(),
            period,
            from: unit.validity.from(),
            to: unit.validity.to(),
        });
    }
    if period.periodicity() != target.periodicity {
        return Err(Refusal::WrongPeriodicity {
            target: target.code.clone(),
            expected: target.periodicity,
            period,
        });
    }
    let bounds = target.value_bounds();
    if !bounds.holds(value.get()) {
        return Err(Refusal::OutOfBounds {
            target: target.code.clone(),
            value: value.get(),
            bounds,
        });
    }
    may_replace(current)
}

/// The last rule of [`admit`], on its own for imports that first check every row and then
/// compare with the current values: a value approved or awaiting review does not change.
pub fn may_replace(current: Option<ValueState>) -> Result<(), Refusal> {
    match current {
        Some(ValueState::Approved) => Err(Refusal::Locked),
        Some(ValueState::Submitted) => Err(Refusal::AwaitingReview),
        _ => Ok(()),
    }
}

/// Whether a value's comment and source are text a person wrote: no control characters other
/// than line breaks and tabs, and no longer than [`MAX_COMMENT`] and [`MAX_SOURCE`].
pub fn admit_text(value: &NewValue) -> Result<(), Refusal> {
    let bad = |t: &Option<String>| {
        t.as_deref().is_some_and(|t| {
            t.chars()
                .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        })
    };
    let long =
        |t: &Option<String>, max: usize| t.as_deref().is_some_and(|t| t.chars().count() > max);
    if bad(&value.comment) {
        return Err(Refusal::ControlCharacter { field: "comment" });
    }
    if bad(&value.source) {
        return Err(Refusal::ControlCharacter { field: "source" });
    }
    if long(&value.comment, MAX_COMMENT) {
        return Err(Refusal::TooLong {
            field: "comment",
            max: MAX_COMMENT,
        });
    }
    if long(&value.source, MAX_SOURCE) {
        return Err(Refusal::TooLong {
            field: "source",
            max: MAX_SOURCE,
        });
    }
    Ok(())
}

/// A reporter's entry: [`admit`], and the entry saves a draft or submits.
pub fn admit_entry(
    target: &Target,
    unit: Reporter<'_>,
    period: Period,
    value: Number,
    next: ValueState,
    current: Option<ValueState>,
) -> Result<(), Refusal> {
    if !matches!(next, ValueState::Draft | ValueState::Submitted) {
        return Err(Refusal::NotAnEntryState { state: next });
    }
    admit(target, unit, period, value, current)
}

/// How long reporters may enter a period's values after it ends, as of the day an entry is
/// made (DHIS2's expiry days): a deployment states the number of days, or entry never closes.
/// The standing office reopens a closed period for a named unit until a day it chooses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryWindow {
    pub today: NaiveDate,
    pub closes_after_days: Option<u32>,
}

impl EntryWindow {
    /// Entry that never closes, as of `today`.
    pub fn never_closes(today: NaiveDate) -> EntryWindow {
        EntryWindow {
            today,
            closes_after_days: None,
        }
    }

    /// The last day reporters may enter values for `period`; `None` when entry never closes.
    pub fn last_day(&self, period: Period) -> Option<NaiveDate> {
        self.closes_after_days.map(|days| {
            period
                .end()
                .checked_add_days(chrono::Days::new(u64::from(days)))
                .unwrap_or(NaiveDate::MAX)
        })
    }

    /// Whether an entry for `period` is made in time: before its last day has passed, or while
    /// a reopening for the unit (`reopened_until`, its last day) lasts.
    pub fn admits(&self, period: Period, reopened_until: Option<NaiveDate>) -> Result<(), Refusal> {
        match self.last_day(period) {
            Some(last_day)
                if self.today > last_day && reopened_until.is_none_or(|d| self.today > d) =>
            {
                Err(Refusal::PeriodClosed { period, last_day })
            }
            _ => Ok(()),
        }
    }
}

/// Why a review may not happen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReviewRefusal {
    /// Four eyes: whoever wrote a value does not approve or return it.
    #[error("{reviewer} wrote this value and cannot review it; another reviewer must")]
    OwnValue { reviewer: String },
    /// The value changed after the reviewer saw it.
    #[error(
        "this value changed after it was shown (version {seen}, now {current}); look at it again"
    )]
    Stale { seen: i64, current: i64 },
    #[error("this value is {from} and cannot become {to}")]
    Transition { from: ValueState, to: ValueState },
}

impl ReviewRefusal {
    pub fn code(&self) -> &'static str {
        match self {
            ReviewRefusal::OwnValue { .. } => "own_value",
            ReviewRefusal::Stale { .. } => "stale_version",
            ReviewRefusal::Transition { .. } => "invalid_transition",
        }
    }
}

/// Whether `reviewer` may move the version `seen` to `next`, the key's current version being
/// `current` (its id), in `state`, written by `author`.
pub fn admit_review(
    reviewer: &str,
    seen: i64,
    next: ValueState,
    current: i64,
    state: ValueState,
    author: &str,
) -> Result<(), ReviewRefusal> {
    if seen != current {
        return Err(ReviewRefusal::Stale { seen, current });
    }
    if !state.may_become(next) {
        return Err(ReviewRefusal::Transition {
            from: state,
            to: next,
        });
    }
    if matches!(next, ValueState::Approved | ValueState::Returned) && author == reviewer {
        return Err(ReviewRefusal::OwnValue {
            reviewer: reviewer.to_string(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::targets::{Aggregation, Direction, Family, Reporters};
    use proptest::prelude::*;

    fn target(unit: &str, periodicity: Periodicity, reporters: Reporters) -> Target {
        Target {
            code: "T".parse().unwrap(),
            document: None,
            group: None,
            name_vi: "t".into(),
            name_en: None,
            family: Family::Operational,
            unit: unit.into(),
            direction: Direction::Increase,
            goals: vec![],
            baseline: None,
            periodicity,
            aggregation: Aggregation::Sum,
            reporters,
            source: None,
            bounds: None,
        }
    }

    fn province(code: &OrgCode, validity: Validity) -> Reporter<'_> {
        Reporter {
            code,
            kind: OrgKind::Province,
            validity,
            successor: false,
        }
    }

    fn n(v: f64) -> Number {
        Number::new(v).unwrap()
    }

    fn p(s: &str) -> Period {
        s.parse().unwrap()
    }

    #[test]
    fn measures_are_read_off_units_of_measure() {
        assert_eq!(Measure::of("% of GDP"), Measure::Share);
        assert_eq!(Measure::of("growth %/year"), Measure::Change);
        assert_eq!(Measure::of("0-1"), Measure::Fraction);
        assert_eq!(Measure::of("rank"), Measure::Rank);
        assert_eq!(Measure::of("enterprises"), Measure::Amount);
        assert_eq!(Measure::of("°C"), Measure::Other);
    }

    #[test]
    fn impossible_numbers_are_refused_by_their_unit_of_measure() {
        let ht: OrgCode = "HA-TINH".parse().unwrap();
        let unit = province(&ht, Validity::always());
        let yearly = |u: &str| target(u, Periodicity::Yearly, Reporters::default());
        let refused = |u: &str, v: f64| {
            admit(&yearly(u), unit, p("2025"), n(v), None)
                .err()
                .map(|r| r.code())
        };
        assert_eq!(refused("%", 150.0), Some("out_of_bounds"));
        assert_eq!(refused("% of GRDP", -5.0), Some("out_of_bounds"));
        assert_eq!(refused("0-1", 1.7), Some("out_of_bounds"));
        assert_eq!(refused("rank", 0.0), Some("out_of_bounds"));
        assert_eq!(refused("rank", 2.5), Some("out_of_bounds"));
        assert_eq!(refused("rank", 3.0), None);
        assert_eq!(refused("growth %/year", -5.0), None);
        assert_eq!(refused("%", 100.0), None);
        // A target may declare its own bounds.
        let mut t = yearly("%");
        t.bounds = Some(Bounds {
            min: Some(0.0),
            max: Some(300.0),
            whole: false,
        });
        assert!(admit(&t, unit, p("2025"), n(150.0), None).is_ok());
    }

    #[test]
    fn the_unit_must_report_the_target_while_in_force_and_by_its_periodicity() {
        let ht: OrgCode = "HA-TINH".parse().unwrap();
        let na: OrgCode = "NGHE-AN".parse().unwrap();
        let only_ht = Reporters {
            kinds: vec![],
            units: vec![ht.clone()],
            published_by: None,
        };
        let t = target("%", Periodicity::Yearly, only_ht);
        let refusal = admit(
            &t,
            province(&na, Validity::always()),
            p("2025"),
            n(5.0),
            None,
        );
        assert_eq!(refusal.unwrap_err().code(), "not_a_reporter");
        let ended = Validity::new(None, Some("2025-06-30".parse().unwrap())).unwrap();
        let r = admit(&t, province(&ht, ended), p("2027"), n(5.0), None).unwrap_err();
        assert_eq!((r.code(), r.field()), ("unit_not_in_force", "period"));
        let r = admit(
            &t,
            province(&ht, Validity::always()),
            p("202507"),
            n(5.0),
            None,
        );
        assert_eq!(r.unwrap_err().code(), "wrong_periodicity");
        let r = admit(
            &t,
            province(&ht, Validity::always()),
            p("2025Q3"),
            n(5.0),
            None,
        );
        assert_eq!(r.unwrap_err().code(), "wrong_periodicity");
    }

    #[test]
    fn values_awaiting_review_or_approved_do_not_change() {
        let ht: OrgCode = "HA-TINH".parse().unwrap();
        let t = target("%", Periodicity::Yearly, Reporters::default());
        let u = province(&ht, Validity::always());
        let at = |s| admit(&t, u, p("2025"), n(5.0), s);
        assert_eq!(at(Some(ValueState::Approved)), Err(Refusal::Locked));
        assert_eq!(
            at(Some(ValueState::Submitted)),
            Err(Refusal::AwaitingReview)
        );
        assert!(at(Some(ValueState::Returned)).is_ok());
        assert!(at(Some(ValueState::Draft)).is_ok());
        assert!(at(None).is_ok());
        let r = admit_entry(&t, u, p("2025"), n(5.0), ValueState::Approved, None);
        assert_eq!(r.unwrap_err().code(), "not_an_entry_state");
    }

    #[test]
    fn comments_hold_no_control_characters() {
        let mut v = NewValue {
            target: "T".parse().unwrap(),
            org: "HA-TINH".parse().unwrap(),
            period: p("2025"),
            value: n(1.0),
            comment: Some("Số liệu của Sở\nđã kiểm tra".into()),
            source: None,
        };
        assert!(admit_text(&v).is_ok());
        v.comment = Some("x\u{0}y".into());
        assert_eq!(admit_text(&v).unwrap_err().field(), "comment");
        v.comment = None;
        v.source = Some("\u{1b}[31m".into());
        assert_eq!(admit_text(&v).unwrap_err().code(), "control_character");
        // A 1.5 MB comment is no comment: the limit is in characters, Vietnamese ones too.
        v.source = None;
        v.comment = Some("ệ".repeat(MAX_COMMENT));
        assert!(admit_text(&v).is_ok());
        v.comment = Some("x".repeat(1_500_000));
        let r = admit_text(&v).unwrap_err();
        assert_eq!((r.code(), r.field()), ("too_long", "comment"));
    }

    #[test]
    fn nobody_reviews_their_own_value_or_a_version_they_did_not_see() {
        use ValueState::*;
        let r = admit_review("ha-tinh", 7, Approved, 7, Submitted, "ha-tinh");
        assert_eq!(r.unwrap_err().code(), "own_value");
        let r = admit_review("ha-tinh", 7, Returned, 7, Submitted, "ha-tinh");
        assert_eq!(r.unwrap_err().code(), "own_value");
        let r = admit_review("van-phong", 6, Approved, 7, Submitted, "ha-tinh");
        assert_eq!(r.unwrap_err().code(), "stale_version");
        let r = admit_review("van-phong", 7, Approved, 7, Approved, "ha-tinh");
        assert_eq!(r.unwrap_err().code(), "invalid_transition");
        assert!(admit_review("van-phong", 7, Approved, 7, Submitted, "ha-tinh").is_ok());
    }

    proptest! {
        /// Whatever the number, a value within its bounds is admitted and one outside refused,
        /// and the refusal names the value field.
        #[test]
        fn bounds_decide_exactly(v in -1.0e6f64..1.0e6, unit in prop::sample::select(vec!["%", "0-1", "rank", "enterprises", "growth %/year"])) {
            let ht: OrgCode = "HA-TINH".parse().unwrap();
            let t = target(unit, Periodicity::Yearly, Reporters::default());
            let r = admit(&t, province(&ht, Validity::always()), p("2025"), n(v), None);
            prop_assert_eq!(r.is_ok(), t.value_bounds().holds(v));
            if let Err(e) = r {
                prop_assert_eq!(e.field(), "value");
            }
        }
    }

    #[test]
    fn entry_closes_the_stated_days_after_the_period_and_reopens_for_a_unit() {
        let day = |d: &str| d.parse::<NaiveDate>().unwrap();
        let q3 = p("2025Q3");
        let window = EntryWindow {
            today: day("2025-10-31"),
            closes_after_days: Some(31),
        };
        assert_eq!(window.last_day(q3), Some(day("2025-10-31")));
        assert_eq!(window.admits(q3, None), Ok(()));
        let late = EntryWindow {
            today: day("2025-11-01"),
            ..window
        };
        assert_eq!(
            late.admits(q3, None),
            Err(Refusal::PeriodClosed {
                period: q3,
                last_day: day("2025-10-31")
            })
        );
        assert_eq!(late.admits(q3, Some(day("2025-11-07"))), Ok(()));
        assert!(late.admits(q3, Some(day("2025-10-31"))).is_err());
        assert_eq!(
            EntryWindow::never_closes(day("2099-01-01")).admits(q3, None),
            Ok(())
        );
    }
}
