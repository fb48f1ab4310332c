//! Figures of every unit up the hierarchy, kept current as values arrive.
//!
//! A value counts for the unit that carries its reporter's responsibilities on the chosen day
//! (the reporter itself, or its successor after a merger) and for that unit's ancestors. Each
//! target's aggregation decides how values combine: sum, mean, weighted mean (by another
//! target's value for the same unit and period), min, max, or latest (the most recent report).
//! Applying one value touches only the accumulators of its ancestors, so national figures stay
//! current without recomputing everything.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use rustc_hash::FxHashMap;
use tiendo_domain::orgs::{Hierarchy, OrgCode};
use tiendo_domain::periods::Period;
use tiendo_domain::targets::{Aggregation, Target, TargetCode};

/// An f64 ordered by `total_cmp`, for the min/max multisets.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Ordered(f64);
impl Eq for Ordered {}
impl PartialOrd for Ordered {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Ordered {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// What one node knows of the values below it for one target and period; each aggregation
/// keeps only what it needs.
#[derive(Debug, Clone)]
enum Acc {
    /// Sum and mean.
    Sum { count: u32, sum: f64 },
    Weighted {
        count: u32,
        weighted: f64,
        weights: f64,
    },
    /// Min and max: a multiset of the values.
    Ordered(BTreeMap<Ordered, u32>),
    /// Latest: arrival sequence → value.
    Arrivals(BTreeMap<u64, f64>),
}

impl Acc {
    fn new(how: &Aggregation) -> Acc {
        match how {
            Aggregation::Sum | Aggregation::Mean => Acc::Sum { count: 0, sum: 0.0 },
            Aggregation::WeightedMean { .. } => Acc::Weighted {
                count: 0,
                weighted: 0.0,
                weights: 0.0,
            },
            Aggregation::Min | Aggregation::Max => Acc::Ordered(BTreeMap::new()),
            Aggregation::Latest => Acc::Arrivals(BTreeMap::new()),
        }
    }

    /// Adds (`sign` 1) or removes (`sign` −1) one leaf's contribution.
    fn add(&mut self, leaf: &Leaf, sign: f64) {
        let v = leaf.value;
        match self {
            Acc::Sum { count, sum } => {
                *count = count.wrapping_add_signed(sign as i32);
                *sum += sign * v;
            }
            Acc::Weighted {
                count,
                weighted,
                weights,
            } => {
                *count = count.wrapping_add_signed(sign as i32);
                if let Some(w) = leaf.weight {
                    *weighted += sign * v * w;
                    *weights += sign * w;
                }
            }
            Acc::Ordered(values) => {
                if sign > 0.0 {
                    *values.entry(Ordered(v)).or_default() += 1;
                } else if let Some(n) = values.get_mut(&Ordered(v)) {
                    *n -= 1;
                    if *n == 0 {
                        values.remove(&Ordered(v));
                    }
                }
            }
            Acc::Arrivals(arrivals) => {
                if sign > 0.0 {
                    arrivals.insert(leaf.seq, v);
                } else {
                    arrivals.remove(&leaf.seq);
                }
            }
        }
    }

    fn count(&self) -> usize {
        match self {
            Acc::Sum { count, .. } | Acc::Weighted { count, .. } => *count as usize,
            Acc::Ordered(values) => values.values().map(|n| *n as usize).sum(),
            Acc::Arrivals(arrivals) => arrivals.len(),
        }
    }

    fn figure(&self, how: &Aggregation) -> Option<f64> {
        match (self, how) {
            (Acc::Sum { count: 0, .. } | Acc::Weighted { count: 0, .. }, _) => None,
            (Acc::Sum { sum, .. }, Aggregation::Sum) => Some(*sum),
            (Acc::Sum { count, sum }, _) => Some(sum / f64::from(*count)),
            (
                Acc::Weighted {
                    weighted, weights, ..
                },
                _,
            ) => (*weights > 0.0).then(|| weighted / weights),
            (Acc::Ordered(values), Aggregation::Min) => values.keys().next().map(|o| o.0),
            (Acc::Ordered(values), _) => values.keys().next_back().map(|o| o.0),
            (Acc::Arrivals(arrivals), _) => arrivals.values().next_back().copied(),
        }
    }
}

/// A leaf value as applied, so it can be taken back out when it changes.
#[derive(Debug, Clone, Copy)]
struct Leaf {
    value: f64,
    weight: Option<f64>,
    seq: u64,
}

/// Roll-ups of every target, for the hierarchy in force on one day.
#[derive(Debug, Clone)]
pub struct Rollups {
    day: NaiveDate,
    /// Unit → its own number and the chain its values count for: its unit in force on `day`,
    /// then that unit's ancestors.
    chains: HashMap<OrgCode, (u32, Vec<u32>)>,
    node_index: HashMap<OrgCode, u32>,
    targets: HashMap<TargetCode, (u32, Aggregation)>,
    /// Weight target → the targets weighted by it.
    weighted_by: HashMap<TargetCode, Vec<TargetCode>>,
    leaves: FxHashMap<(u32, u32, Period), Leaf>,
    accs: FxHashMap<(u32, u32, Period), Acc>,
    seq: u64,
}

impl Rollups {
    pub fn new(h: &Hierarchy, day: NaiveDate, targets: &[Target]) -> Rollups {
        let mut node_index: HashMap<OrgCode, u32> = HashMap::new();
        let mut intern = |c: &OrgCode| -> u32 {
            let next = node_index.len() as u32;
            *node_index.entry(c.clone()).or_insert(next)
        };
        let mut chains = HashMap::new();
        for (number, u) in h.units().iter().enumerate() {
            let Some(in_force) = h.in_force_for(&u.code, day) else {
                continue;
            };
            let mut chain = vec![intern(&in_force.code)];
            let mut cur = in_force.parent.as_ref();
            while let Some(p) = cur {
                chain.push(intern(p));
                cur = h.get(p).and_then(|x| x.parent.as_ref());
            }
            chains.insert(u.code.clone(), (number as u32, chain));
        }
        let mut weighted_by: HashMap<TargetCode, Vec<TargetCode>> = HashMap::new();
        for t in targets {
            if let Aggregation::WeightedMean { weight } = &t.aggregation {
                weighted_by
                    .entry(weight.clone())
                    .or_default()
                    .push(t.code.clone());
            }
        }
        Rollups {
            day,
            chains,
            node_index,
            targets: targets
                .iter()
                .enumerate()
                .map(|(i, t)| (t.code.clone(), (i as u32, t.aggregation.clone())))
                .collect(),
            weighted_by,
            leaves: FxHashMap::default(),
            accs: FxHashMap::default(),
            seq: 0,
        }
    }

    pub fn day(&self) -> NaiveDate {
        self.day
    }

    /// Records the current value of `target` for `unit` and `period` (new or changed) and
    /// updates every figure above it. Returns false when the target or unit is unknown.
    pub fn apply(
        &mut self,
        target: &TargetCode,
        unit: &OrgCode,
        period: Period,
        value: f64,
    ) -> bool {
        let Some((t, how)) = self.targets.get(target).cloned() else {
            return false;
        };
        if !self.chains.contains_key(unit) {
            return false;
        }
        let weight = match &how {
            Aggregation::WeightedMean { weight } => self.weight_of(weight, unit, period),
            _ => None,
        };
        self.place((t, &how), unit, period, Some(value), weight);
        // Values weighted by this one for the same unit and period take the new weight.
        if let Some(dependants) = self.weighted_by.get(target).cloned() {
            for d in dependants {
                let Some((dt, dhow)) = self.targets.get(&d).cloned() else {
                    continue;
                };
                let u = self.chains[unit].0;
                if let Some(leaf) = self.leaves.get(&(dt, u, period)).copied() {
                    self.place((dt, &dhow), unit, period, Some(leaf.value), Some(value));
                }
            }
        }
        true
    }

    fn weight_of(&self, weight: &TargetCode, unit: &OrgCode, period: Period) -> Option<f64> {
        let (w, _) = self.targets.get(weight)?;
        let (u, _) = self.chains.get(unit)?;
        self.leaves.get(&(*w, *u, period)).map(|l| l.value)
    }

    fn place(
        &mut self,
        (t, how): (u32, &Aggregation),
        unit: &OrgCode,
        period: Period,
        value: Option<f64>,
        weight: Option<f64>,
    ) {
        let (u, chain) = &self.chains[unit];
        let key = (t, *u, period);
        if let Some(old) = self.leaves.remove(&key) {
            for &n in chain {
                if let Some(acc) = self.accs.get_mut(&(t, n, period)) {
                    acc.add(&old, -1.0);
                }
            }
        }
        if let Some(v) = value {
            self.seq += 1;
            let leaf = Leaf {
                value: v,
                weight,
                seq: self.seq,
            };
            for &n in chain {
                self.accs
                    .entry((t, n, period))
                    .or_insert_with(|| Acc::new(how))
                    .add(&leaf, 1.0);
            }
            self.leaves.insert(key, leaf);
        }
    }

    /// The figure of `node` for `target` and `period`: the value the unit reported itself
    /// when it did (its official figure), else its subtree's values combined by the target's
    /// aggregation.
    pub fn figure(&self, target: &TargetCode, node: &OrgCode, period: Period) -> Option<f64> {
        let (t, how) = self.targets.get(target)?;
        if let Some((u, _)) = self.chains.get(node) {
            if let Some(own) = self.leaves.get(&(*t, *u, period)) {
                return Some(own.value);
            }
        }
        let n = self.node_index.get(node)?;
        self.accs.get(&(*t, *n, period))?.figure(how)
    }

    /// How many values are below `node` for `target` and `period`.
    pub fn count(&self, target: &TargetCode, node: &OrgCode, period: Period) -> usize {
        let Some((t, _)) = self.targets.get(target) else {
            return 0;
        };
        let Some(n) = self.node_index.get(node) else {
            return 0;
        };
        self.accs.get(&(*t, *n, period)).map_or(0, Acc::count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use tiendo_domain::orgs::{OrgKind, OrgUnit, Succession, Validity};
    use tiendo_domain::periods::Periodicity;
    use tiendo_domain::targets::{Direction, Family, Reporters};

    fn unit(code: &str, parent: Option<&str>, to: Option<&str>, from: Option<&str>) -> OrgUnit {
        OrgUnit {
            code: code.parse().unwrap(),
            kind: OrgKind::Province,
            name_vi: code.into(),
            name_en: code.into(),
            parent: parent.map(|p| p.parse().unwrap()),
            validity: Validity::new(
                from.map(|d| d.parse().unwrap()),
                to.map(|d| d.parse().unwrap()),
            )
            .unwrap(),
            synthetic: false,
            source: None,
        }
    }

    fn hierarchy() -> Hierarchy {
        let units = vec![
            unit("VN", None, None, None),
            unit("OLD", Some("VN"), Some("2025-06-30"), None),
            unit("KEEP", Some("VN"), None, None),
            unit("NEW", Some("VN"), None, Some("2025-07-01")),
            unit("OLD-C1", Some("OLD"), Some("2025-06-30"), None),
            unit("KEEP-C1", Some("KEEP"), None, None),
            unit("KEEP-C2", Some("KEEP"), None, None),
        ];
        let s = Succession {
            predecessor: "OLD".parse().unwrap(),
            successor: "NEW".parse().unwrap(),
            effective: "2025-07-01".parse().unwrap(),
            source: None,
        };
        let s2 = Succession {
            predecessor: "OLD-C1".parse().unwrap(),
            successor: "NEW".parse().unwrap(),
            effective: "2025-07-01".parse().unwrap(),
            source: None,
        };
        Hierarchy::new(units, vec![s, s2]).unwrap()
    }

    fn target(code: &str, aggregation: Aggregation) -> Target {
        Target {
            code: code.parse().unwrap(),
            document: None,
            group: None,
            name_vi: code.into(),
            name_en: None,
            family: Family::Operational,
            unit: "x".into(),
            direction: Direction::Increase,
            goals: vec![],
            baseline: None,
            periodicity: Periodicity::Yearly,
            aggregation,
            reporters: Reporters::default(),
            source: None,
            bounds: None,
        }
    }

    fn c<T: std::str::FromStr>(s: &str) -> T
    where
        T::Err: std::fmt::Debug,
    {
        s.parse().unwrap()
    }

    #[test]
    fn aggregations_up_the_tree_and_through_successions() {
        let targets = [
            target("SUM", Aggregation::Sum),
            target("MEAN", Aggregation::Mean),
            target("MIN", Aggregation::Min),
            target("LATEST", Aggregation::Latest),
            target("POP", Aggregation::Sum),
            target("RATE", Aggregation::WeightedMean { weight: c("POP") }),
        ];
        let p: Period = c("2024");
        let after = Rollups::new(&hierarchy(), c("2025-07-01"), &targets);
        let before = Rollups::new(&hierarchy(), c("2025-06-30"), &targets);
        for mut r in [before, after] {
            for (u, v) in [("OLD-C1", 10.0), ("KEEP-C1", 20.0), ("KEEP-C2", 60.0)] {
                for t in ["SUM", "MEAN", "MIN", "LATEST"] {
                    assert!(r.apply(&c(t), &c(u), p, v));
                }
            }
            let vn: OrgCode = c("VN");
            assert_eq!(r.figure(&c("SUM"), &vn, p), Some(90.0));
            assert_eq!(r.figure(&c("MEAN"), &vn, p), Some(30.0));
            assert_eq!(r.figure(&c("MIN"), &vn, p), Some(10.0));
            assert_eq!(r.figure(&c("LATEST"), &vn, p), Some(60.0));
            assert_eq!(r.figure(&c("SUM"), &c("KEEP"), p), Some(80.0));
            // On the new boundaries the merged commune's value counts for its successor.
            if r.day() >= c("2025-07-01") {
                assert_eq!(r.figure(&c("SUM"), &c("NEW"), p), Some(10.0));
                assert_eq!(r.figure(&c("SUM"), &c("OLD"), p), None);
            } else {
                assert_eq!(r.figure(&c("SUM"), &c("OLD"), p), Some(10.0));
            }
            // A changed value replaces the old one everywhere above it.
            r.apply(&c("SUM"), &c("KEEP-C2"), p, 61.0);
            r.apply(&c("MIN"), &c("OLD-C1"), p, 70.0);
            assert_eq!(r.figure(&c("SUM"), &vn, p), Some(91.0));
            assert_eq!(r.figure(&c("MIN"), &vn, p), Some(20.0));
            assert_eq!(r.count(&c("SUM"), &vn, p), 3);
            // Weighted mean: weights may arrive before or after the values they weigh.
            r.apply(&c("POP"), &c("KEEP-C1"), p, 1.0);
            r.apply(&c("RATE"), &c("KEEP-C1"), p, 10.0);
            r.apply(&c("RATE"), &c("KEEP-C2"), p, 40.0);
            r.apply(&c("POP"), &c("KEEP-C2"), p, 3.0);
            assert_eq!(r.figure(&c("RATE"), &c("KEEP"), p), Some(32.5));
            assert!(!r.apply(&c("NOPE"), &vn, p, 1.0));
            // A unit's own report is its figure; the units below still count above it.
            r.apply(&c("SUM"), &c("KEEP"), p, 75.0);
            assert_eq!(r.figure(&c("SUM"), &c("KEEP"), p), Some(75.0));
            r.apply(&c("MEAN"), &vn, p, 99.0);
            assert_eq!(r.figure(&c("MEAN"), &vn, p), Some(99.0));
            assert_eq!(r.figure(&c("MEAN"), &c("KEEP"), p), Some(40.0));
        }
    }

    proptest! {
        /// Applying values one by one, with changes, always gives what a fresh sum would.
        #[test]
        fn incremental_figures_equal_a_recomputation(updates in prop::collection::vec((0usize..3, -100i32..100), 1..60)) {
            let targets = [target("SUM", Aggregation::Sum), target("MAX", Aggregation::Max)];
            let mut r = Rollups::new(&hierarchy(), c("2025-07-01"), &targets);
            let units = ["OLD-C1", "KEEP-C1", "KEEP-C2"];
            let mut current = [None; 3];
            let p: Period = c("2025");
            for (u, v) in updates {
                let v = f64::from(v);
                r.apply(&c("SUM"), &c(units[u]), p, v);
                r.apply(&c("MAX"), &c(units[u]), p, v);
                current[u] = Some(v);
            }
            let present: Vec<f64> = current.iter().flatten().copied().collect();
            prop_assert_eq!(r.figure(&c("SUM"), &c("VN"), p), Some(present.iter().sum::<f64>()));
            prop_assert_eq!(r.figure(&c("MAX"), &c("VN"), p), present.iter().copied().reduce(f64::max));
        }
    }
}
