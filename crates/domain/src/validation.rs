//! Validation rules between targets, as DHIS2 has them: for one unit and one period, the sum of
//! some targets' values compared with the sum of others' (and a constant) — a part no larger than
//! its whole, shares of one total adding up to at most 100 %. A rule applies only when every
//! value it names is there; a broken rule refuses the values that break it, next to their fields.

use serde::{Deserialize, Serialize};

use crate::targets::{Comparison, TargetCode};

/// One side of a rule: the sum of the named targets' values and a constant.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Side {
    #[serde(default)]
    pub targets: Vec<TargetCode>,
    #[serde(default)]
    pub constant: f64,
}

impl Side {
    /// The side's value, `None` while one of its targets has no value.
    fn value(&self, value_of: &impl Fn(&TargetCode) -> Option<f64>) -> Option<f64> {
        self.targets
            .iter()
            .try_fold(self.constant, |sum, t| value_of(t).map(|v| sum + v))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidationRule {
    pub code: String,
    /// What the rule says, in Vietnamese; shown beside the values that break it.
    pub name_vi: String,
    #[serde(default)]
    pub name_en: Option<String>,
    pub left: Side,
    pub op: Comparison,
    pub right: Side,
    /// Rounding the rule forgives (published shares rarely add up to the last decimal).
    #[serde(default)]
    pub tolerance: f64,
    /// Where the rule comes from.
    #[serde(default)]
    pub source: Option<String>,
}

/// A rule that one unit's values of one period break.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Violation {
    pub rule: String,
    pub left: f64,
    pub right: f64,
}

impl Violation {
    /// The refusal a value breaking `rule` receives.
    pub fn refusal(&self, rule: &ValidationRule) -> crate::admissibility::Refusal {
        crate::admissibility::Refusal::BreaksRule {
            rule_code: self.rule.clone(),
            name_vi: rule.name_vi.clone(),
            name_en: rule.name_en.clone(),
            left: self.left,
            right: self.right,
        }
    }
}

impl ValidationRule {
    /// The targets whose values the rule reads.
    pub fn targets(&self) -> impl Iterator<Item = &TargetCode> {
        self.left.targets.iter().chain(&self.right.targets)
    }

    /// Checks one unit's values of one period; `None` when the rule holds or does not apply
    /// yet (a value it names is missing).
    pub fn check(&self, value_of: impl Fn(&TargetCode) -> Option<f64>) -> Option<Violation> {
        let left = self.left.value(&value_of)?;
        let right = self.right.value(&value_of)?;
        let holds = match self.op {
            Comparison::AtLeast | Comparison::Above => self.op.holds(left + self.tolerance, right),
            Comparison::AtMost | Comparison::Below => self.op.holds(left - self.tolerance, right),
            Comparison::Exactly => (left - right).abs() <= self.tolerance,
        };
        (!holds).then(|| Violation {
            rule: self.code.clone(),
            left,
            right,
        })
    }

    /// A rule that names no target on its left cannot be broken by any value.
    pub fn validate(&self) -> Result<(), String> {
        crate::codes::check_code("rule code", &self.code).map_err(|e| e.to_string())?;
        if self.left.targets.is_empty() {
            return Err(format!("rule {}: its left side names no target", self.code));
        }
        if self.name_vi.trim().is_empty() {
            return Err(format!("rule {}: it needs a Vietnamese name", self.code));
        }
        if !(self.tolerance.is_finite() && self.tolerance >= 0.0) {
            return Err(format!(
                "rule {}: the tolerance must be a number from 0",
                self.code
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    fn shares_of_grdp() -> ValidationRule {
        ValidationRule {
            code: "GRDP-SHARES".into(),
            name_vi: "Tổng tỷ trọng các khu vực không vượt quá 100% GRDP".into(),
            name_en: None,
            left: Side {
                targets: ["GRDP-INDUSTRY", "GRDP-SERVICES", "GRDP-AGRICULTURE"]
                    .iter()
                    .map(|c| c.parse().unwrap())
                    .collect(),
                constant: 0.0,
            },
            op: Comparison::AtMost,
            right: Side {
                targets: vec![],
                constant: 100.0,
            },
            tolerance: 0.1,
            source: None,
        }
    }

    fn values(pairs: &[(&str, f64)]) -> HashMap<TargetCode, f64> {
        pairs
            .iter()
            .map(|(c, v)| (c.parse().unwrap(), *v))
            .collect()
    }

    #[test]
    fn shares_above_the_whole_break_the_rule() {
        let rule = shares_of_grdp();
        let v = values(&[
            ("GRDP-INDUSTRY", 41.9),
            ("GRDP-SERVICES", 39.0),
            ("GRDP-AGRICULTURE", 25.0),
        ]);
        let broken = rule.check(|t| v.get(t).copied()).unwrap();
        assert!((broken.left - 105.9).abs() < 1e-9 && broken.right == 100.0);
        let v = values(&[
            ("GRDP-INDUSTRY", 41.9),
            ("GRDP-SERVICES", 39.0),
            ("GRDP-AGRICULTURE", 19.15),
        ]);
        assert!(
            rule.check(|t| v.get(t).copied()).is_none(),
            "within rounding"
        );
    }

    #[test]
    fn a_rule_waits_for_every_value_it_names() {
        let v = values(&[("GRDP-INDUSTRY", 99.0), ("GRDP-SERVICES", 99.0)]);
        assert!(shares_of_grdp().check(|t| v.get(t).copied()).is_none());
    }

    proptest! {
        #[test]
        fn a_rule_and_its_mirror_agree(a in 0.0f64..1e6, b in 0.0f64..1e6) {
            let t: TargetCode = "A".parse().unwrap();
            let u: TargetCode = "B".parse().unwrap();
            let rule = |left: &TargetCode, op, right: &TargetCode| ValidationRule {
                code: "R".into(),
                name_vi: "R".into(),
                name_en: None,
                left: Side { targets: vec![left.clone()], constant: 0.0 },
                op,
                right: Side { targets: vec![right.clone()], constant: 0.0 },
                tolerance: 0.0,
                source: None,
            };
            let v = |c: &TargetCode| Some(if *c == t { a } else { b });
            let at_most = rule(&t, Comparison::AtMost, &u).check(v).is_none();
            let at_least = rule(&u, Comparison::AtLeast, &t).check(v).is_none();
            prop_assert_eq!(at_most, at_least);
            prop_assert_eq!(at_most, a <= b);
        }
    }
}
