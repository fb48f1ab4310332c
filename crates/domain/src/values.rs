//! Reported values of targets: (target, unit, period) → number, with their review state.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::orgs::OrgCode;
use crate::periods::Period;
use crate::targets::TargetCode;

/// One unit's reported values of one target, by period.
pub type Series = Vec<(Period, f64)>;

/// One target's series, by unit. Shared: a copy of the nation's series that changes one value
/// copies one target's map, not every target's.
pub type TargetSeries = std::sync::Arc<HashMap<OrgCode, Series>>;

/// Current series of every target and unit: target → unit → series.
pub type SeriesMap = HashMap<TargetCode, TargetSeries>;

/// Where a value stands in review. A value is entered as a draft, submitted, then approved
/// (locked) or returned to its reporter with a reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ValueState {
    Draft,
    Submitted,
    Approved,
    Returned,
}

impl ValueState {
    pub const ALL: [ValueState; 4] = [
        ValueState::Draft,
        ValueState::Submitted,
        ValueState::Approved,
        ValueState::Returned,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ValueState::Draft => "draft",
            ValueState::Submitted => "submitted",
            ValueState::Approved => "approved",
            ValueState::Returned => "returned",
        }
    }

    /// Whether a value in this state may move to `next`. Approved values are locked.
    pub fn may_become(self, next: ValueState) -> bool {
        use ValueState::*;
        matches!(
            (self, next),
            (Draft, Draft | Submitted)
                | (Returned, Draft | Submitted)
                | (Submitted, Approved | Returned)
        )
    }
}

impl fmt::Display for ValueState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown value state \"{0}\" (expected draft, submitted, approved or returned)")]
pub struct UnknownValueState(pub String);

impl FromStr for ValueState {
    type Err = UnknownValueState;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ValueState::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| UnknownValueState(s.to_string()))
    }
}

/// A finite number; NaN and infinities cannot be reported.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize)]
#[serde(transparent)]
pub struct Number(f64);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{0}\" is not a number")]
pub struct NumberError(pub String);

impl Number {
    pub fn new(v: f64) -> Option<Number> {
        v.is_finite().then_some(Number(v))
    }

    pub fn get(self) -> f64 {
        self.0
    }
}

impl FromStr for Number {
    type Err = NumberError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.trim()
            .parse::<f64>()
            .ok()
            .and_then(Number::new)
            .ok_or_else(|| NumberError(s.to_string()))
    }
}

impl<'de> Deserialize<'de> for Number {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = f64::deserialize(d)?;
        Number::new(v).ok_or_else(|| serde::de::Error::custom("not a finite number"))
    }
}

/// A value as entered, before storage stamps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewValue {
    pub target: TargetCode,
    pub org: OrgCode,
    pub period: Period,
    pub value: Number,
    pub comment: Option<String>,
    /// Where the figure comes from (a URL, a report, a file).
    pub source: Option<String>,
}

/// One stored version of a value. Versions are only added, never changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataValue {
    /// Identifies this version: a review names the version it judges, so a value that changed
    /// after the reviewer saw it is not approved unseen.
    pub version: i64,
    pub target: TargetCode,
    pub org: OrgCode,
    pub period: Period,
    pub value: Number,
    pub comment: Option<String>,
    pub source: Option<String>,
    pub author: String,
    pub recorded_at: DateTime<Utc>,
    pub state: ValueState,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn approved_values_are_locked() {
        for next in ValueState::ALL {
            assert!(!ValueState::Approved.may_become(next));
        }
        assert!(ValueState::Submitted.may_become(ValueState::Returned));
        assert!(ValueState::Returned.may_become(ValueState::Submitted));
        assert!(!ValueState::Draft.may_become(ValueState::Approved));
    }

    #[test]
    fn numbers_are_finite() {
        assert_eq!("12.5".parse::<Number>().unwrap().get(), 12.5);
        assert!("NaN".parse::<Number>().is_err());
        assert!("inf".parse::<Number>().is_err());
        assert!("12,5".parse::<Number>().is_err());
    }
}
