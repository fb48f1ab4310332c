//! Composite indices: a tree of nodes whose leaves read one target each, normalised across
//! units, and whose inner nodes aggregate their children with weights (OECD/JRC handbook).
//!
//! A definition is data (a TOML file): tiendo ships a PII-like one built as WIPO builds the
//! Global Innovation Index (input and output sub-indices, overall = their mean, efficiency =
//! output / input) and a DTI-like one in points.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use tiendo_domain::orgs::{OrgCode, OrgKind};
use tiendo_domain::targets::{Direction, TargetCode};

/// How a leaf's raw values become comparable scores in `[0, 1]` (z-scores are unbounded).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "kebab-case")]
pub enum Normalisation {
    /// The values are already scores on the index's scale.
    None,
    /// `(x − min) / (max − min)` across units; all equal gives 0.5.
    MinMax,
    /// `(x − low) / (high − low)`, clamped to `[0, 1]`.
    Goalposts { low: f64, high: f64 },
    /// `x / target` (or `target / x` when lower is better), clamped to `[0, 1]`.
    DistanceToTarget { target: f64 },
    /// `(x − mean) / standard deviation` across units.
    ZScore,
    /// `(n − rank) / (n − 1)`, rank 1 the best; ties share a rank.
    Rank,
    /// Share of the other units with a worse value, ties counting half.
    PercentileRank,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Aggregation {
    Arithmetic,
    Geometric,
    Harmonic,
}

/// What a node does when some of its children have no score for a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Missing {
    /// Aggregate the children that have scores, their weights rescaled.
    Skip,
    /// Count a missing child as 0.
    Zero,
    /// Give the unit no score at this node.
    Exclude,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    pub code: String,
    pub name: String,
    /// Its name in Vietnamese, shown to Vietnamese readers where given.
    #[serde(default)]
    pub name_vi: Option<String>,
    /// `None` for the root.
    #[serde(default)]
    pub parent: Option<String>,
    #[serde(default = "one")]
    pub weight: f64,
    /// For inner nodes.
    #[serde(default)]
    pub aggregation: Option<Aggregation>,
    /// For leaves: the target whose values it reads.
    #[serde(default)]
    pub target: Option<TargetCode>,
    #[serde(default)]
    pub direction: Option<Direction>,
    #[serde(default)]
    pub normalisation: Option<Normalisation>,
}

fn one() -> f64 {
    1.0
}

/// A ratio of two node scores reported beside the tree (WIPO's efficiency ratio).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ratio {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub name_vi: Option<String>,
    pub numerator: String,
    pub denominator: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Definition {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub name_vi: Option<String>,
    /// The kind of unit the index ranks.
    pub units: OrgKind,
    /// Multiplies normalised leaf scores (100 for a 0–100 index, 1 for 0–1).
    #[serde(default = "one")]
    pub scale: f64,
    pub missing: Missing,
    #[serde(rename = "node")]
    pub nodes: Vec<Node>,
    #[serde(default, rename = "ratio")]
    pub ratios: Vec<Ratio>,
    #[serde(default)]
    pub source: Option<String>,
    /// The targets holding the index's results as its publisher announced them (ranks, score,
    /// parts), in the order a results table shows them. Computing the index never reads them:
    /// they are what the computed score is checked against and what readers look for.
    #[serde(default)]
    pub published: Vec<PublishedColumn>,
}

/// One column of an index's published results: the target that holds it and its header.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublishedColumn {
    pub target: String,
    pub label: String,
    pub label_vi: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("index {index}: {reason}")]
pub struct DefinitionError {
    pub index: String,
    pub reason: String,
}

/// A checked definition, ready to compute.
#[derive(Debug, Clone)]
pub struct Index {
    def: Definition,
    root: usize,
    children: Vec<Vec<usize>>,
    /// Nodes with children after them: evaluating in this order sees children first.
    order: Vec<usize>,
}

impl Index {
    pub fn new(def: Definition) -> Result<Index, DefinitionError> {
        let fail = |reason: String| DefinitionError {
            index: def.code.clone(),
            reason,
        };
        let pos: HashMap<&str, usize> = def
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.code.as_str(), i))
            .collect();
        if pos.len() != def.nodes.len() {
            return Err(fail("two nodes share a code".into()));
        }
        let mut children = vec![Vec::new(); def.nodes.len()];
        let mut roots = Vec::new();
        for (i, n) in def.nodes.iter().enumerate() {
            if !(n.weight.is_finite() && n.weight >= 0.0) {
                return Err(fail(format!(
                    "node {}: the weight must be 0 or more",
                    n.code
                )));
            }
            match &n.parent {
                None => roots.push(i),
                Some(p) => {
                    let &pi = pos.get(p.as_str()).ok_or_else(|| {
                        fail(format!(
                            "node {} names parent {p}, which is not a node",
                            n.code
                        ))
                    })?;
                    children[pi].push(i);
                }
            }
        }
        let [root] = roots[..] else {
            return Err(fail(format!(
                "the tree needs exactly one root, found {}",
                roots.len()
            )));
        };
        for (i, n) in def.nodes.iter().enumerate() {
            let leaf = children[i].is_empty();
            match (leaf, &n.target, &n.aggregation) {
                (true, Some(_), _) if n.normalisation.is_some() && n.direction.is_some() => {}
                (true, _, _) => {
                    return Err(fail(format!(
                        "leaf {} needs a target, a direction and a normalisation",
                        n.code
                    )))
                }
                (false, None, Some(_)) => {}
                (false, _, _) => {
                    return Err(fail(format!(
                        "node {} has children, so it needs an aggregation and no target",
                        n.code
                    )))
                }
            }
        }
        // Post-order from the root; a node reached twice or never means a cycle or an orphan.
        let mut order = Vec::with_capacity(def.nodes.len());
        let mut stack = vec![(root, false)];
        let mut seen = vec![false; def.nodes.len()];
        while let Some((i, expanded)) = stack.pop() {
            if expanded {
                order.push(i);
                continue;
            }
            if std::mem::replace(&mut seen[i], true) {
                return Err(fail(format!("node {} is reached twice", def.nodes[i].code)));
            }
            stack.push((i, true));
            stack.extend(children[i].iter().map(|&c| (c, false)));
        }
        if order.len() != def.nodes.len() {
            return Err(fail("some nodes are not connected to the root".into()));
        }
        for r in &def.ratios {
            for c in [&r.numerator, &r.denominator] {
                if !pos.contains_key(c.as_str()) {
                    return Err(fail(format!(
                        "ratio {} names {c}, which is not a node",
                        r.code
                    )));
                }
            }
        }
        Ok(Index {
            def,
            root,
            children,
            order,
        })
    }

    pub fn definition(&self) -> &Definition {
        &self.def
    }

    /// The targets the leaves read.
    pub fn targets(&self) -> impl Iterator<Item = &TargetCode> {
        self.def.nodes.iter().filter_map(|n| n.target.as_ref())
    }

    pub fn root_code(&self) -> &str {
        &self.def.nodes[self.root].code
    }

    /// Scores every unit at every node from `values[target][unit]`, for the units listed.
    pub fn compute(
        &self,
        units: &[OrgCode],
        values: &HashMap<TargetCode, HashMap<OrgCode, f64>>,
    ) -> IndexResult {
        let n = self.def.nodes.len();
        // scores[node][unit index]
        let mut scores: Vec<Vec<Option<f64>>> = vec![vec![None; units.len()]; n];
        for &i in &self.order {
            let node = &self.def.nodes[i];
            if self.children[i].is_empty() {
                let target = node.target.as_ref().expect("checked: leaves have targets");
                let raw: Vec<Option<f64>> = units
                    .iter()
                    .map(|u| values.get(target).and_then(|m| m.get(u)).copied())
                    .collect();
                let normalised = normalise(
                    &raw,
                    node.normalisation.as_ref().expect("checked"),
                    node.direction.expect("checked"),
                );
                let scale = match node.normalisation {
                    Some(Normalisation::None) => 1.0,
                    _ => self.def.scale,
                };
                scores[i] = normalised
                    .into_iter()
                    .map(|v| v.map(|v| v * scale))
                    .collect();
            } else {
                let agg = node.aggregation.expect("checked: inner nodes aggregate");
                scores[i] = (0..units.len())
                    .map(|u| {
                        let parts: Vec<(f64, Option<f64>)> = self.children[i]
                            .iter()
                            .map(|&c| (self.def.nodes[c].weight, scores[c][u]))
                            .collect();
                        aggregate(&parts, agg, self.def.missing)
                    })
                    .collect();
            }
        }
        let mut nodes = BTreeMap::new();
        for (i, node) in self.def.nodes.iter().enumerate() {
            let ranks = competition_ranks(&scores[i]);
            let per_unit: BTreeMap<OrgCode, NodeScore> = units
                .iter()
                .zip(scores[i].iter().zip(ranks))
                .map(|(u, (s, r))| (u.clone(), NodeScore { score: *s, rank: r }))
                .collect();
            nodes.insert(node.code.clone(), per_unit);
        }
        let mut ratios = BTreeMap::new();
        for r in &self.def.ratios {
            let num = &nodes[&r.numerator];
            let den = &nodes[&r.denominator];
            let per_unit: BTreeMap<OrgCode, Option<f64>> = units
                .iter()
                .map(|u| {
                    let v = match (num[u].score, den[u].score) {
                        (Some(a), Some(b)) if b != 0.0 => Some(a / b),
                        _ => None,
                    };
                    (u.clone(), v)
                })
                .collect();
            ratios.insert(r.code.clone(), per_unit);
        }
        IndexResult {
            index: self.def.code.clone(),
            root: self.root_code().to_string(),
            nodes,
            ratios,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct NodeScore {
    pub score: Option<f64>,
    /// 1 is best; units with equal scores share a rank; `None` without a score.
    pub rank: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndexResult {
    pub index: String,
    pub root: String,
    /// node code → unit → score and rank.
    pub nodes: BTreeMap<String, BTreeMap<OrgCode, NodeScore>>,
    /// ratio code → unit → value.
    pub ratios: BTreeMap<String, BTreeMap<OrgCode, Option<f64>>>,
}

/// Restates a result on new boundaries, as published practice does after a merger: a unit
/// that was scored keeps its scores; a unit that was not takes, at every node, the mean of
/// its predecessors' scores (`predecessors[unit]`). Ranks are recomputed among `units`.
pub fn restate(
    result: &IndexResult,
    units: &[OrgCode],
    predecessors: &HashMap<OrgCode, Vec<OrgCode>>,
) -> IndexResult {
    let mean_of = |per_unit: &BTreeMap<OrgCode, Option<f64>>, u: &OrgCode| -> Option<f64> {
        if let Some(own) = per_unit.get(u) {
            return *own;
        }
        let scores: Vec<f64> = predecessors
            .get(u)
            .into_iter()
            .flatten()
            .filter_map(|p| per_unit.get(p).copied().flatten())
            .collect();
        (!scores.is_empty()).then(|| scores.iter().sum::<f64>() / scores.len() as f64)
    };
    let mut nodes = BTreeMap::new();
    for (code, per_unit) in &result.nodes {
        let plain: BTreeMap<OrgCode, Option<f64>> =
            per_unit.iter().map(|(u, s)| (u.clone(), s.score)).collect();
        let scores: Vec<Option<f64>> = units.iter().map(|u| mean_of(&plain, u)).collect();
        let ranks = competition_ranks(&scores);
        let restated = units
            .iter()
            .zip(scores.into_iter().zip(ranks))
            .map(|(u, (score, rank))| (u.clone(), NodeScore { score, rank }))
            .collect();
        nodes.insert(code.clone(), restated);
    }
    let ratios = result
        .ratios
        .iter()
        .map(|(code, per_unit)| {
            let restated = units
                .iter()
                .map(|u| (u.clone(), mean_of(per_unit, u)))
                .collect();
            (code.clone(), restated)
        })
        .collect();
    IndexResult {
        index: result.index.clone(),
        root: result.root.clone(),
        nodes,
        ratios,
    }
}

/// Normalises one indicator's values across units; `None` stays `None`.
pub fn normalise(
    raw: &[Option<f64>],
    how: &Normalisation,
    direction: Direction,
) -> Vec<Option<f64>> {
    let up = direction == Direction::Increase;
    let present: Vec<f64> = raw.iter().flatten().copied().collect();
    if present.is_empty() {
        return vec![None; raw.len()];
    }
    let clamp = |v: f64| v.clamp(0.0, 1.0);
    let map = |f: &dyn Fn(f64) -> f64| raw.iter().map(|v| v.map(f)).collect::<Vec<_>>();
    match how {
        Normalisation::None => raw.to_vec(),
        Normalisation::MinMax => {
            let min = present.iter().copied().fold(f64::INFINITY, f64::min);
            let max = present.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            if max == min {
                return map(&|_| 0.5);
            }
            map(&|x| {
                if up {
                    (x - min) / (max - min)
                } else {
                    (max - x) / (max - min)
                }
            })
        }
        Normalisation::Goalposts { low, high } => {
            let (low, high) = (*low, *high);
            map(&|x| {
                let s = clamp((x - low) / (high - low));
                if up {
                    s
                } else {
                    1.0 - s
                }
            })
        }
        Normalisation::DistanceToTarget { target } => {
            let t = *target;
            map(&|x| {
                let r = if up {
                    x / t
                } else if x == 0.0 {
                    1.0
                } else {
                    t / x
                };
                clamp(if r.is_finite() { r } else { 0.0 })
            })
        }
        Normalisation::ZScore => {
            let n = present.len() as f64;
            let mean = present.iter().sum::<f64>() / n;
            let sd = (present.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt();
            map(&|x| {
                let z = if sd == 0.0 { 0.0 } else { (x - mean) / sd };
                if up {
                    z
                } else {
                    -z
                }
            })
        }
        Normalisation::Rank => {
            let oriented: Vec<Option<f64>> = raw
                .iter()
                .map(|v| v.map(|x| if up { x } else { -x }))
                .collect();
            let ranks = competition_ranks(&oriented);
            let n = present.len();
            ranks
                .into_iter()
                .map(|r| {
                    r.map(|r| {
                        if n == 1 {
                            1.0
                        } else {
                            (n - r) as f64 / (n - 1) as f64
                        }
                    })
                })
                .collect()
        }
        Normalisation::PercentileRank => {
            let n = present.len();
            map(&|x| {
                if n == 1 {
                    return 1.0;
                }
                let worse = present
                    .iter()
                    .filter(|&&y| if up { y < x } else { y > x })
                    .count() as f64;
                let ties = present.iter().filter(|&&y| y == x).count() as f64 - 1.0;
                (worse + 0.5 * ties) / (n - 1) as f64
            })
        }
    }
}

/// Aggregates weighted child scores under the missing-data policy.
pub fn aggregate(parts: &[(f64, Option<f64>)], how: Aggregation, missing: Missing) -> Option<f64> {
    // A unit with nothing reported has no score, whatever the policy for gaps.
    if parts.iter().all(|(_, s)| s.is_none()) {
        return None;
    }
    let mut used: Vec<(f64, f64)> = Vec::with_capacity(parts.len());
    for &(w, s) in parts {
        match (s, missing) {
            (Some(s), _) => used.push((w, s)),
            (None, Missing::Zero) => used.push((w, 0.0)),
            (None, Missing::Skip) => {}
            (None, Missing::Exclude) => return None,
        }
    }
    let total: f64 = used.iter().map(|(w, _)| w).sum();
    if used.is_empty() || total <= 0.0 {
        return None;
    }
    Some(match how {
        Aggregation::Arithmetic => used.iter().map(|(w, s)| w * s).sum::<f64>() / total,
        Aggregation::Geometric => {
            if used.iter().any(|(w, s)| *s <= 0.0 && *w > 0.0) {
                0.0
            } else {
                used.iter()
                    .map(|(w, s)| w / total * s.ln())
                    .sum::<f64>()
                    .exp()
            }
        }
        Aggregation::Harmonic => {
            if used.iter().any(|(w, s)| *s <= 0.0 && *w > 0.0) {
                0.0
            } else {
                total / used.iter().map(|(w, s)| w / s).sum::<f64>()
            }
        }
    })
}

/// Standard competition ranks (1, 2, 2, 4), higher scores first; `None` stays unranked.
pub fn competition_ranks(scores: &[Option<f64>]) -> Vec<Option<usize>> {
    scores
        .iter()
        .map(|s| s.map(|s| 1 + scores.iter().flatten().filter(|&&other| other > s).count()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// WIPO's scheme with the pillars as leaves read directly.
    fn wipo() -> Index {
        let mut nodes = vec![
            node("GII", None, Some(Aggregation::Arithmetic), None),
            node("INPUT", Some("GII"), Some(Aggregation::Arithmetic), None),
            node("OUTPUT", Some("GII"), Some(Aggregation::Arithmetic), None),
        ];
        for p in 1..=5 {
            nodes.push(node(
                &format!("P{p}"),
                Some("INPUT"),
                None,
                Some(&format!("P{p}")),
            ));
        }
        for p in 6..=7 {
            nodes.push(node(
                &format!("P{p}"),
                Some("OUTPUT"),
                None,
                Some(&format!("P{p}")),
            ));
        }
        Index::new(Definition {
            code: "GII".into(),
            name: "GII".into(),
            name_vi: None,
            units: OrgKind::Nation,
            scale: 100.0,
            missing: Missing::Skip,
            nodes,
            ratios: vec![Ratio {
                code: "EFFICIENCY".into(),
                name: "efficiency".into(),
                name_vi: None,
                numerator: "OUTPUT".into(),
                denominator: "INPUT".into(),
            }],
            source: None,
            published: Vec::new(),
        })
        .unwrap()
    }

    fn node(
        code: &str,
        parent: Option<&str>,
        agg: Option<Aggregation>,
        target: Option<&str>,
    ) -> Node {
        Node {
            code: code.into(),
            name: code.into(),
            name_vi: None,
            parent: parent.map(Into::into),
            weight: 1.0,
            aggregation: agg,
            target: target.map(|t| t.parse().unwrap()),
            direction: target.map(|_| Direction::Increase),
            normalisation: target.map(|_| Normalisation::None),
        }
    }

    #[test]
    fn wipo_aggregation() {
        let unit: OrgCode = "VN".parse().unwrap();
        let mut values = HashMap::new();
        for (p, v) in [
            (1, 50.0),
            (2, 30.0),
            (3, 40.0),
            (4, 45.0),
            (5, 35.0),
            (6, 38.0),
            (7, 28.0),
        ] {
            values.insert(
                format!("P{p}").parse().unwrap(),
                HashMap::from([(unit.clone(), v)]),
            );
        }
        let r = wipo().compute(std::slice::from_ref(&unit), &values);
        let score = |n: &str| r.nodes[n][&unit].score.unwrap();
        assert!((score("INPUT") - 40.0).abs() < 1e-12);
        assert!((score("OUTPUT") - 33.0).abs() < 1e-12);
        assert!((score("GII") - 36.5).abs() < 1e-12);
        assert!((r.ratios["EFFICIENCY"][&unit].unwrap() - 0.825).abs() < 1e-12);
        assert_eq!(r.nodes["GII"][&unit].rank, Some(1));
    }

    #[test]
    fn aggregation_methods_and_missing_policies() {
        let parts = [(1.0, Some(4.0)), (1.0, Some(1.0))];
        assert_eq!(
            aggregate(&parts, Aggregation::Arithmetic, Missing::Skip),
            Some(2.5)
        );
        assert_eq!(
            aggregate(&parts, Aggregation::Geometric, Missing::Skip),
            Some(2.0)
        );
        assert_eq!(
            aggregate(&parts, Aggregation::Harmonic, Missing::Skip),
            Some(1.6)
        );
        let weighted = [(3.0, Some(10.0)), (1.0, Some(2.0))];
        assert_eq!(
            aggregate(&weighted, Aggregation::Arithmetic, Missing::Skip),
            Some(8.0)
        );
        let gap = [(1.0, Some(6.0)), (1.0, None)];
        assert_eq!(
            aggregate(&gap, Aggregation::Arithmetic, Missing::Skip),
            Some(6.0)
        );
        assert_eq!(
            aggregate(&gap, Aggregation::Arithmetic, Missing::Zero),
            Some(3.0)
        );
        assert_eq!(
            aggregate(&gap, Aggregation::Arithmetic, Missing::Exclude),
            None
        );
        assert_eq!(
            aggregate(
                &[(1.0, Some(0.0)), (1.0, Some(5.0))],
                Aggregation::Geometric,
                Missing::Skip
            ),
            Some(0.0)
        );
    }

    #[test]
    fn normalisations() {
        let raw = [Some(10.0), Some(20.0), None, Some(30.0)];
        let up = |n: &Normalisation| normalise(&raw, n, Direction::Increase);
        assert_eq!(
            up(&Normalisation::MinMax),
            [Some(0.0), Some(0.5), None, Some(1.0)]
        );
        assert_eq!(
            normalise(&raw, &Normalisation::MinMax, Direction::Decrease),
            [Some(1.0), Some(0.5), None, Some(0.0)]
        );
        assert_eq!(
            up(&Normalisation::Goalposts {
                low: 15.0,
                high: 25.0
            }),
            [Some(0.0), Some(0.5), None, Some(1.0)]
        );
        assert_eq!(
            up(&Normalisation::DistanceToTarget { target: 20.0 }),
            [Some(0.5), Some(1.0), None, Some(1.0)]
        );
        assert_eq!(
            up(&Normalisation::Rank),
            [Some(0.0), Some(0.5), None, Some(1.0)]
        );
        assert_eq!(
            up(&Normalisation::PercentileRank),
            [Some(0.0), Some(0.5), None, Some(1.0)]
        );
        let z = up(&Normalisation::ZScore);
        assert!((z[3].unwrap() - 1.224744871).abs() < 1e-9);
        assert_eq!(
            normalise(
                &[Some(5.0), Some(5.0)],
                &Normalisation::MinMax,
                Direction::Increase
            ),
            [Some(0.5), Some(0.5)]
        );
    }

    #[test]
    fn merged_units_take_the_mean_of_their_predecessors() {
        let code = |s: &str| -> OrgCode { s.parse().unwrap() };
        let mut values = HashMap::new();
        for p in 1..=7 {
            let t: TargetCode = format!("P{p}").parse().unwrap();
            values.insert(
                t,
                HashMap::from([(code("A"), 40.0), (code("B"), 60.0), (code("C"), 55.0)]),
            );
        }
        let before = wipo().compute(&[code("A"), code("B"), code("C")], &values);
        let after = restate(
            &before,
            &[code("AB"), code("C")],
            &HashMap::from([(code("AB"), vec![code("A"), code("B")])]),
        );
        assert_eq!(after.nodes["GII"][&code("AB")].score, Some(50.0));
        assert_eq!(after.nodes["GII"][&code("AB")].rank, Some(2));
        assert_eq!(after.nodes["GII"][&code("C")].rank, Some(1));
        assert_eq!(after.ratios["EFFICIENCY"][&code("AB")], Some(1.0));
    }

    #[test]
    fn ties_share_a_rank() {
        let r = competition_ranks(&[Some(3.0), Some(5.0), Some(3.0), None, Some(1.0)]);
        assert_eq!(r, [Some(2), Some(1), Some(2), None, Some(4)]);
    }

    #[test]
    fn bad_definitions_are_refused() {
        let mut def = wipo().definition().clone();
        def.nodes[4].parent = Some("NOWHERE".into());
        assert!(Index::new(def).unwrap_err().reason.contains("NOWHERE"));
        let mut def = wipo().definition().clone();
        def.nodes[4].normalisation = None;
        assert!(Index::new(def)
            .unwrap_err()
            .reason
            .contains("normalisation"));
        let mut def = wipo().definition().clone();
        def.nodes[1].parent = Some("P1".into());
        assert!(Index::new(def).is_err());
    }

    fn bounded() -> impl Strategy<Value = Normalisation> {
        prop_oneof![
            Just(Normalisation::MinMax),
            Just(Normalisation::Rank),
            Just(Normalisation::PercentileRank),
            (-100.0f64..0.0, 1.0f64..100.0)
                .prop_map(|(low, high)| Normalisation::Goalposts { low, high }),
            (1.0f64..100.0).prop_map(|target| Normalisation::DistanceToTarget { target }),
        ]
    }

    proptest! {
        #[test]
        fn normalised_values_stay_in_their_bounds(
            raw in prop::collection::vec(prop::option::of(-1000.0f64..1000.0), 1..40),
            how in bounded(),
            up in any::<bool>(),
        ) {
            let direction = if up { Direction::Increase } else { Direction::Decrease };
            for v in normalise(&raw, &how, direction).into_iter().flatten() {
                prop_assert!((0.0..=1.0).contains(&v), "{v} from {how:?}");
            }
        }

        #[test]
        fn ranks_are_a_permutation_with_shared_ties(scores in prop::collection::vec(prop::option::of(0u8..20), 0..40)) {
            let scores: Vec<Option<f64>> = scores.into_iter().map(|s| s.map(f64::from)).collect();
            let ranks = competition_ranks(&scores);
            let mut got: Vec<usize> = ranks.iter().flatten().copied().collect();
            got.sort_unstable();
            // Competition ranking: each rank equals 1 + the number of units ranked before it.
            let mut expected = Vec::new();
            for (i, r) in got.iter().enumerate() {
                if i == 0 || *r != got[i - 1] {
                    prop_assert_eq!(*r, i + 1);
                }
                expected.push(*r);
            }
            prop_assert_eq!(got.len(), scores.iter().flatten().count());
            for (s, r) in scores.iter().zip(&ranks) {
                for (t, q) in scores.iter().zip(&ranks) {
                    if let (Some(s), Some(t), Some(r), Some(q)) = (s, t, r, q) {
                        prop_assert_eq!(s == t, r == q);
                        prop_assert_eq!(s > t, r < q);
                    }
                }
            }
        }

        #[test]
        fn arithmetic_means_lie_between_their_parts(parts in prop::collection::vec((0.1f64..10.0, 0.0f64..100.0), 1..10)) {
            let parts: Vec<(f64, Option<f64>)> = parts.into_iter().map(|(w, s)| (w, Some(s))).collect();
            let lo = parts.iter().filter_map(|p| p.1).fold(f64::INFINITY, f64::min);
            let hi = parts.iter().filter_map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
            for how in [Aggregation::Arithmetic, Aggregation::Geometric, Aggregation::Harmonic] {
                let v = aggregate(&parts, how, Missing::Skip).unwrap();
                prop_assert!(v >= lo - 1e-9 && v <= hi + 1e-9, "{how:?} {v} not in [{lo}, {hi}]");
            }
        }
    }
}
