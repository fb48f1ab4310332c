//! Targets (KPIs): what is measured, which way is better, and what must be reached by when.
//!
//! A target's shape is not stored beside its goals; it is read off them, so the two can never
//! disagree.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::codes::code_type;
use crate::documents::{DocumentCode, SectionCode};
use crate::orgs::{OrgCode, OrgKind};
use crate::periods::{Period, Periodicity};

code_type!(
    /// Code of a target, unique across all documents (`T7`, `HT-T2`, `DTI`).
    TargetCode,
    "target code"
);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Family {
    Strategic,
    Operational,
}

/// Which way is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    Increase,
    Decrease,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Comparison {
    #[serde(rename = ">=")]
    AtLeast,
    #[serde(rename = ">")]
    Above,
    #[serde(rename = "<=")]
    AtMost,
    #[serde(rename = "<")]
    Below,
    #[serde(rename = "=")]
    Exactly,
}

impl Comparison {
    pub fn symbol(self) -> &'static str {
        match self {
            Comparison::AtLeast => "≥",
            Comparison::Above => ">",
            Comparison::AtMost => "≤",
            Comparison::Below => "<",
            Comparison::Exactly => "=",
        }
    }

    pub fn holds(self, value: f64, bound: f64) -> bool {
        match self {
            Comparison::AtLeast => value >= bound,
            Comparison::Above => value > bound,
            Comparison::AtMost => value <= bound,
            Comparison::Below => value < bound,
            Comparison::Exactly => value == bound,
        }
    }
}

/// What a goal asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "shape", rename_all = "kebab-case")]
pub enum Requirement {
    /// `≥ 30`, `> 80`, `= 2`.
    Threshold { op: Comparison, value: f64 },
    /// Met inside `[min, max]`, e.g. 8–10 %.
    Range { min: f64, max: f64 },
    /// A rank of `top` or better (lower is better) within `scope`, in the document's
    /// Vietnamese words ("thế giới", "Đông Nam Á"), and in English optionally.
    Rank {
        top: u32,
        scope: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        scope_en: Option<String>,
    },
    /// Growth per year in percent, at least `min` (and at most `max` when a range is given).
    Growth { min: f64, max: Option<f64> },
    /// A whole number of things, at least `min` (and at most `max`).
    Count { min: u64, max: Option<u64> },
    /// A qualitative milestone judged met or not met on evidence, described in the document's
    /// Vietnamese words (and in English, optionally).
    Milestone {
        description: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        description_en: Option<String>,
    },
}

impl Requirement {
    pub fn shape(&self) -> Shape {
        match self {
            Requirement::Threshold { .. } => Shape::Threshold,
            Requirement::Range { .. } => Shape::Range,
            Requirement::Rank { .. } => Shape::Rank,
            Requirement::Growth { .. } => Shape::Growth,
            Requirement::Count { .. } => Shape::Count,
            Requirement::Milestone { .. } => Shape::Milestone,
        }
    }

    /// The direction this requirement implies, where it implies one.
    fn implied_direction(&self) -> Option<Direction> {
        match self {
            Requirement::Threshold {
                op: Comparison::AtLeast | Comparison::Above,
                ..
            }
            | Requirement::Growth { .. } => Some(Direction::Increase),
            Requirement::Threshold {
                op: Comparison::AtMost | Comparison::Below,
                ..
            }
            | Requirement::Rank { .. } => Some(Direction::Decrease),
            _ => None,
        }
    }

    fn check(&self) -> Result<(), String> {
        let finite = |v: f64, what: &str| {
            if v.is_finite() {
                Ok(())
            } else {
                Err(format!("{what} must be a finite number"))
            }
        };
        match self {
            Requirement::Threshold { value, .. } => finite(*value, "the threshold"),
            Requirement::Range { min, max } => {
                finite(*min, "the range minimum")?;
                finite(*max, "the range maximum")?;
                if min > max {
                    return Err(format!("the range {min}–{max} is empty"));
                }
                Ok(())
            }
            Requirement::Rank { top, .. } if *top == 0 => Err("a rank goal needs top ≥ 1".into()),
            Requirement::Growth { min, max } => {
                finite(*min, "the growth rate")?;
                match max {
                    Some(m) if m < min => Err(format!("the growth range {min}–{m} is empty")),
                    _ => Ok(()),
                }
            }
            Requirement::Count { min, max: Some(m) } if m < min => {
                Err(format!("the count range {min}–{m} is empty"))
            }
            Requirement::Milestone { description, .. } if description.trim().is_empty() => {
                Err("a milestone needs a description".into())
            }
            _ => Ok(()),
        }
    }
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Requirement::Threshold { op, value } => write!(f, "{} {value}", op.symbol()),
            Requirement::Range { min, max } => write!(f, "{min}–{max}"),
            Requirement::Rank {
                top,
                scope,
                scope_en,
            } => write!(f, "top {top} {}", scope_en.as_deref().unwrap_or(scope)),
            Requirement::Growth { min, max: None } => write!(f, "+{min}%/year"),
            Requirement::Growth { min, max: Some(m) } => write!(f, "+{min}–{m}%/year"),
            Requirement::Count { min, max: None } => write!(f, "≥ {min}"),
            Requirement::Count { min, max: Some(m) } => write!(f, "{min}–{m}"),
            Requirement::Milestone { description, .. } => f.write_str(description),
        }
    }
}

/// The kind of target, read off its goals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Shape {
    Threshold,
    Range,
    Rank,
    Growth,
    Count,
    Milestone,
    /// Monitored without a goal (index results, context facts).
    Indicator,
}

/// When a goal must be met.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Deadline {
    /// By the end of `year`.
    By { year: i32 },
    /// Every year from `from` (when given) to `until` (when given).
    EveryYear {
        from: Option<i32>,
        until: Option<i32>,
    },
}

impl fmt::Display for Deadline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Deadline::By { year } => write!(f, "{year}"),
            Deadline::EveryYear {
                from: None,
                until: None,
            } => f.write_str("every year"),
            Deadline::EveryYear {
                from: Some(y),
                until: None,
            } => write!(f, "every year from {y}"),
            Deadline::EveryYear {
                from: None,
                until: Some(y),
            } => write!(f, "every year to {y}"),
            Deadline::EveryYear {
                from: Some(a),
                until: Some(b),
            } => {
                write!(f, "every year {a}–{b}")
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Goal {
    pub deadline: Deadline,
    pub requirement: Requirement,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    pub value: f64,
    pub period: Period,
}

/// How values of several units combine into their parent's figure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "kebab-case")]
pub enum Aggregation {
    Sum,
    Mean,
    /// Mean weighted by each unit's value of another target (population, GRDP).
    WeightedMean {
        weight: TargetCode,
    },
    Min,
    Max,
    /// The most recently reported value.
    Latest,
}

/// Who reports a target: units of these kinds, and these named units.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Reporters {
    #[serde(default)]
    pub kinds: Vec<OrgKind>,
    #[serde(default)]
    pub units: Vec<OrgCode>,
    /// The unit that publishes the figures about those units (an index's publisher, a
    /// statistics office): the units do not report them, so none of them owes a report and
    /// their entry forms do not ask for them; the figures arrive by import.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_by: Option<OrgCode>,
}

impl Reporters {
    /// Whether `unit` of `kind` reports the target. An empty list means anyone may.
    pub fn includes(&self, unit: &OrgCode, kind: OrgKind) -> bool {
        (self.kinds.is_empty() && self.units.is_empty())
            || self.kinds.contains(&kind)
            || self.units.contains(unit)
    }

    /// Whether the units themselves report the figures, and so owe them.
    pub fn self_reported(&self) -> bool {
        self.published_by.is_none()
    }

    /// Whether `unit` of `kind` reports the figures itself: its entry form asks for them and it
    /// owes them.
    pub fn reported_by(&self, unit: &OrgCode, kind: OrgKind) -> bool {
        self.self_reported() && self.includes(unit, kind)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Target {
    pub code: TargetCode,
    /// The document that sets it; `None` for indicators kept in the catalogue only.
    pub document: Option<DocumentCode>,
    /// Its target group inside the document.
    pub group: Option<SectionCode>,
    /// Its name in Vietnamese, as the document words it; the English one is a courtesy.
    pub name_vi: String,
    #[serde(default)]
    pub name_en: Option<String>,
    pub family: Family,
    /// Unit of measure, e.g. `% of GDP`.
    pub unit: String,
    pub direction: Direction,
    pub goals: Vec<Goal>,
    pub baseline: Option<Baseline>,
    pub periodicity: Periodicity,
    pub aggregation: Aggregation,
    #[serde(default)]
    pub reporters: Reporters,
    pub source: Option<String>,
    /// The numbers its values may take, when they differ from what its unit of measure allows
    /// (see [`crate::admissibility::Measure`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bounds: Option<crate::admissibility::Bounds>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("target {target}: {reason}")]
pub struct TargetError {
    pub target: TargetCode,
    /// Stable, for the reader's language: `goal-direction`, `goal-shapes`, `invalid-goal`, …
    pub code: &'static str,
    pub reason: String,
}

impl Target {
    /// Checks what the type system cannot: goals agree with the direction and with each other.
    pub fn validate(&self) -> Result<(), TargetError> {
        let fail = |code: &'static str, reason: String| TargetError {
            target: self.code.clone(),
            code,
            reason,
        };
        let mut shape = None;
        for g in &self.goals {
            g.requirement
                .check()
                .map_err(|reason| fail("invalid-goal", reason))?;
            if let Some(d) = g.requirement.implied_direction() {
                if d != self.direction {
                    return Err(fail(
                        "goal-direction",
                        format!(
                            "goal \"{}\" needs direction {:?} but the target says {:?}",
                            g.requirement, d, self.direction
                        ),
                    ));
                }
            }
            match shape {
                None => shape = Some(g.requirement.shape()),
                Some(s) if s != g.requirement.shape() => {
                    return Err(fail(
                        "goal-shapes",
                        "all goals of a target must have the same shape".into(),
                    ))
                }
                _ => {}
            }
        }
        if let Some(b) = &self.baseline {
            if !b.value.is_finite() {
                return Err(fail(
                    "baseline-not-finite",
                    "the baseline must be a finite number".into(),
                ));
            }
        }
        Ok(())
    }

    pub fn shape(&self) -> Shape {
        self.goals
            .first()
            .map_or(Shape::Indicator, |g| g.requirement.shape())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(direction: Direction, goals: Vec<Requirement>) -> Target {
        Target {
            code: "T".parse().unwrap(),
            document: None,
            group: None,
            name_vi: "t".into(),
            name_en: None,
            family: Family::Strategic,
            unit: "%".into(),
            direction,
            goals: goals
                .into_iter()
                .map(|requirement| Goal {
                    deadline: Deadline::By { year: 2030 },
                    requirement,
                })
                .collect(),
            baseline: None,
            periodicity: Periodicity::Yearly,
            aggregation: Aggregation::Mean,
            reporters: Reporters::default(),
            source: None,
            bounds: None,
        }
    }

    #[test]
    fn shape_is_read_off_the_goals() {
        let t = target(
            Direction::Decrease,
            vec![Requirement::Rank {
                top: 3,
                scope: "Đông Nam Á".into(),
                scope_en: Some("South-East Asia".into()),
            }],
        );
        assert_eq!(t.shape(), Shape::Rank);
        assert!(t.validate().is_ok());
        assert_eq!(
            target(Direction::Increase, vec![]).shape(),
            Shape::Indicator
        );
    }

    #[test]
    fn contradictions_are_rejected() {
        let rank_up = target(
            Direction::Increase,
            vec![Requirement::Rank {
                top: 50,
                scope: "thế giới".into(),
                scope_en: None,
            }],
        );
        assert!(rank_up.validate().unwrap_err().reason.contains("Decrease"));
        let empty = target(
            Direction::Increase,
            vec![Requirement::Range {
                min: 18.0,
                max: 16.0,
            }],
        );
        assert!(empty.validate().is_err());
        let mixed = target(
            Direction::Increase,
            vec![
                Requirement::Range { min: 1.0, max: 2.0 },
                Requirement::Count { min: 1, max: None },
            ],
        );
        assert!(mixed.validate().is_err());
    }

    #[test]
    fn requirements_print_as_people_write_them() {
        let r = Requirement::Threshold {
            op: Comparison::AtLeast,
            value: 30.0,
        };
        assert_eq!(r.to_string(), "≥ 30");
        assert_eq!(
            Requirement::Growth {
                min: 16.0,
                max: Some(18.0)
            }
            .to_string(),
            "+16–18%/year"
        );
        assert!(Comparison::Above.holds(80.5, 80.0));
        assert!(!Comparison::Above.holds(80.0, 80.0));
    }
}
