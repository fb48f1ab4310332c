//! Reporting completeness and timeliness, as DHIS2's reporting rates count them: for each unit,
//! the reports it owes by the day (the latest period of each target it reports whose grace has
//! run out), how many of them are in (an approved value of that period), and how many of those
//! were first submitted by the deadline (the period's end and its grace); and the same summed
//! over every unit within a unit, so a province's rates cover its departments and communes.

use std::collections::HashMap;

use chrono::{Days, NaiveDate};
use tiendo_domain::orgs::{Hierarchy, OrgCode};
use tiendo_domain::targets::TargetCode;

use crate::warnings::{expected_period, Inputs};

/// Reports owed and reports in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Completeness {
    pub expected: usize,
    pub received: usize,
    /// Received reports first submitted by their deadline.
    pub on_time: usize,
}

impl Completeness {
    /// The share of owed reports that are in, from 0 to 1; `None` when none is owed.
    pub fn rate(&self) -> Option<f64> {
        (self.expected > 0).then(|| self.received as f64 / self.expected as f64)
    }

    /// The share of owed reports that came in on time, from 0 to 1; `None` when none is owed.
    pub fn on_time_rate(&self) -> Option<f64> {
        (self.expected > 0).then(|| self.on_time as f64 / self.expected as f64)
    }

    fn add(&mut self, other: Completeness) {
        self.expected += other.expected;
        self.received += other.received;
        self.on_time += other.on_time;
    }
}

/// The day a report of `period` is due: its last day and the grace after it.
pub fn due_on(period: tiendo_domain::periods::Period, grace_days: u64) -> NaiveDate {
    period
        .end()
        .checked_add_days(Days::new(grace_days))
        .unwrap_or(NaiveDate::MAX)
}

/// Each unit's own reports owed by `inputs.day`, those in, and those in on time. A unit owes a
/// period it was in force for, as the stale-report warning says; a unit that owes nothing is
/// absent. `submitted` holds the day each unit first submitted each target's owed period.
pub fn own(
    inputs: &Inputs<'_>,
    grace_days: u64,
    submitted: &HashMap<(TargetCode, OrgCode), NaiveDate>,
) -> HashMap<OrgCode, Completeness> {
    let mut out: HashMap<OrgCode, Completeness> = HashMap::new();
    for t in inputs.targets {
        let Some(reporters) = inputs.reporters.get(&t.code) else {
            continue;
        };
        let expected = expected_period(t, inputs.day, grace_days);
        let due = due_on(expected, grace_days);
        let series = inputs.series.get(&t.code);
        for (unit, validity) in reporters {
            if !validity.overlaps(expected.start(), expected.end()) {
                continue;
            }
            let received = series
                .and_then(|by_unit| by_unit.get(unit))
                .is_some_and(|s| s.iter().any(|(p, _)| *p == expected));
            let in_time = received
                && submitted
                    .get(&(t.code.clone(), unit.clone()))
                    .is_some_and(|d| *d <= due);
            let c = out.entry(unit.clone()).or_default();
            c.expected += 1;
            c.received += usize::from(received);
            c.on_time += usize::from(in_time);
        }
    }
    out
}

/// Each unit's reports with those of every unit within it.
pub fn within(
    h: &Hierarchy,
    own: &HashMap<OrgCode, Completeness>,
) -> HashMap<OrgCode, Completeness> {
    let mut out: HashMap<OrgCode, Completeness> = HashMap::new();
    for (unit, c) in own {
        let mut cur = Some(unit);
        // The hierarchy is a tree; the bound only guards against a cycle in bad data.
        for _ in 0..=h.units().len() {
            let Some(code) = cur else { break };
            out.entry(code.clone()).or_default().add(*c);
            cur = h.get(code).and_then(|u| u.parent.as_ref());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use tiendo_domain::orgs::{OrgKind, OrgUnit};

    fn unit(code: &str, parent: Option<&str>) -> OrgUnit {
        let parent = parent.map(|p| p.parse().unwrap());
        OrgUnit::named(code.parse().unwrap(), OrgKind::Province, code, parent)
    }

    fn c(expected: usize, received: usize) -> Completeness {
        Completeness {
            expected,
            received,
            on_time: received / 2,
        }
    }

    #[test]
    fn a_province_counts_its_communes() {
        let h = Hierarchy::new(
            vec![
                unit("VN", None),
                unit("HT", Some("VN")),
                unit("HT-X1", Some("HT")),
                unit("NA", Some("VN")),
            ],
            vec![],
        )
        .unwrap();
        let own = HashMap::from([
            ("HT".parse().unwrap(), c(4, 3)),
            ("HT-X1".parse().unwrap(), c(2, 0)),
            ("NA".parse().unwrap(), c(4, 4)),
        ]);
        let all = within(&h, &own);
        let get = |u: &str| all[&u.parse::<OrgCode>().unwrap()];
        assert_eq!(get("HT"), c(6, 3));
        assert_eq!(get("HT-X1"), c(2, 0));
        assert_eq!(get("VN"), c(10, 7));
        assert_eq!(get("HT").rate(), Some(0.5));
        assert_eq!(c(0, 0).rate(), None);
    }

    proptest! {
        /// Summed up the hierarchy, the nation holds every report once and no rate leaves 0–1.
        #[test]
        fn the_nation_sums_every_unit_once(counts in proptest::collection::vec((0usize..20, 0usize..20), 1..6)) {
            let mut units = vec![unit("VN", None)];
            let mut own = HashMap::new();
            for (i, (e, r)) in counts.iter().enumerate() {
                let code = format!("P{i}");
                units.push(unit(&code, Some("VN")));
                own.insert(code.parse().unwrap(), c(*e + *r, *r));
            }
            let h = Hierarchy::new(units, vec![]).unwrap();
            let all = within(&h, &own);
            let nation = all[&"VN".parse::<OrgCode>().unwrap()];
            prop_assert_eq!(nation.expected, own.values().map(|c| c.expected).sum::<usize>());
            prop_assert_eq!(nation.received, own.values().map(|c| c.received).sum::<usize>());
            prop_assert_eq!(nation.on_time, own.values().map(|c| c.on_time).sum::<usize>());
            for c in all.values() {
                prop_assert!(c.rate().is_none_or(|r| (0.0..=1.0).contains(&r)));
                prop_assert!(c.on_time_rate().is_none_or(|r| r <= c.rate().unwrap_or(0.0)));
            }
        }
    }
}
