//! The evaluated state kept in memory and brought up to date value by value. When a value is
//! approved only its series is judged again, its warnings derived again and its unit scored
//! again, instead of the nation: the result always equals a whole evaluation of the new inputs
//! (property-tested).

use std::collections::{BTreeMap, HashMap};

use tiendo_domain::orgs::OrgCode;
use tiendo_domain::targets::TargetCode;

use crate::national::{report_status, see_series, Contribution, Evaluation, ReportTally};
use crate::scoring::{score_unit, Rubric, UnitFacts, UnitScore};
use crate::targets::Judgement;
use crate::warnings::{
    series_warnings, task_warnings, Inputs, Rule, Settings, Severity, Subject, Warning,
};

/// Where a warning stands in the list: most severe first, then by rule, unit and subject (the
/// order of `warnings::warnings`). No two warnings share one.
type WarningKey = (Severity, Rule, OrgCode, Subject);

fn key(w: &Warning) -> WarningKey {
    (w.severity, w.rule, w.unit.clone(), w.subject.clone())
}

/// Every series' judgement and report status, every unit's facts and score, the count of
/// series by judgement, and the day's warnings, as of one day.
#[derive(Debug, Clone)]
pub struct Standing {
    settings: Settings,
    rubric: Rubric,
    // The large maps are persistent (imbl): the resident model copies the standing for each
    // batch of approvals, and a copy then shares everything the batch leaves as it was
    // instead of duplicating a million series at national scale.
    contributions: imbl::HashMap<(TargetCode, OrgCode), Contribution>,
    tallies: imbl::HashMap<OrgCode, ReportTally>,
    units: imbl::OrdMap<OrgCode, (UnitFacts, UnitScore)>,
    by_judgement: BTreeMap<Judgement, usize>,
    warnings: imbl::OrdMap<WarningKey, Warning>,
    /// The keys of each series' warnings, to take them out when the series changes.
    series_warnings: imbl::HashMap<(TargetCode, OrgCode), Vec<WarningKey>>,
    by_rule: BTreeMap<Rule, usize>,
}

impl Standing {
    /// The standing of a whole evaluation of `inputs`.
    pub fn new(
        inputs: &Inputs<'_>,
        evaluation: &Evaluation<'_>,
        settings: &Settings,
        rubric: &Rubric,
    ) -> Standing {
        let mut contributions = imbl::HashMap::new();
        let mut tallies: imbl::HashMap<OrgCode, ReportTally> = imbl::HashMap::new();
        let mut by_judgement: BTreeMap<Judgement, usize> = BTreeMap::new();
        let mut standing_warnings = Vec::new();
        task_warnings(inputs, settings, &mut standing_warnings);
        let mut keyed: HashMap<(TargetCode, OrgCode), Vec<Warning>> = HashMap::new();
        for (i, target) in inputs.targets.iter().enumerate() {
            let reporters = inputs.reporters.get(&target.code).into_iter().flatten();
            let row = evaluation.judgements.row(i).unwrap_or_default();
            let by_unit = inputs.series.get(&target.code);
            for ((unit, validity), (_, judged)) in reporters.zip(row) {
                let series = by_unit.and_then(|m| m.get(unit)).filter(|s| !s.is_empty());
                let (owed, sent) = report_status(target, validity, series, inputs.day, settings);
                let c = Contribution {
                    judgement: judged.as_ref().map(|j| j.judgement),
                    owed,
                    sent,
                };
                if let Some(j) = c.judgement {
                    *by_judgement.entry(j).or_default() += 1;
                }
                let list =
                    series_warnings(inputs, settings, target, unit, validity, judged.as_ref());
                if !list.is_empty() {
                    keyed.insert((target.code.clone(), unit.clone()), list);
                }
                tallies.entry(unit.clone()).or_default().add(&c, 1);
                contributions.insert((target.code.clone(), unit.clone()), c);
            }
        }
        let units = evaluation
            .units
            .iter()
            .map(|(u, (facts, score))| ((*u).clone(), (*facts, score.clone())))
            .collect();
        let mut standing = Standing {
            settings: *settings,
            rubric: rubric.clone(),
            contributions,
            tallies,
            units,
            by_judgement,
            warnings: imbl::OrdMap::new(),
            series_warnings: imbl::HashMap::new(),
            by_rule: BTreeMap::new(),
        };
        for w in standing_warnings {
            standing.add_warning(w);
        }
        for (series, list) in keyed {
            standing.set_series_warnings(series, list);
        }
        standing
    }

    fn add_warning(&mut self, w: Warning) -> WarningKey {
        *self.by_rule.entry(w.rule).or_default() += 1;
        let k = key(&w);
        self.warnings.insert(k.clone(), w);
        k
    }

    /// Replaces the warnings of one series by `list`.
    fn set_series_warnings(&mut self, series: (TargetCode, OrgCode), list: Vec<Warning>) {
        for k in self.series_warnings.remove(&series).unwrap_or_default() {
            if let Some(w) = self.warnings.remove(&k) {
                if let Some(n) = self.by_rule.get_mut(&w.rule) {
                    *n = n.saturating_sub(1);
                }
            }
        }
        self.by_rule.retain(|_, n| *n > 0);
        if !list.is_empty() {
            let keys = list.into_iter().map(|w| self.add_warning(w)).collect();
            self.series_warnings.insert(series, keys);
        }
    }

    /// Judges `target`'s series of `unit` again from `inputs` (which hold its new value) and
    /// scores the unit again. Returns false when the unit does not report the target.
    pub fn apply(&mut self, inputs: &Inputs<'_>, target: &TargetCode, unit: &OrgCode) -> bool {
        let Some(definition) = inputs.targets.iter().find(|t| &t.code == target) else {
            return false;
        };
        let Some((_, validity)) = inputs
            .reporters
            .get(target)
            .into_iter()
            .flatten()
            .find(|(u, _)| u == unit)
        else {
            return false;
        };
        let series = inputs.series.get(target).and_then(|m| m.get(unit));
        let (judged, owed, sent) =
            see_series(definition, validity, series, inputs.day, &self.settings);
        let list = series_warnings(
            inputs,
            &self.settings,
            definition,
            unit,
            validity,
            judged.as_ref(),
        );
        self.set_series_warnings((target.clone(), unit.clone()), list);
        let now = Contribution {
            judgement: judged.map(|j| j.judgement),
            owed,
            sent,
        };
        let key = (target.clone(), unit.clone());
        let before = self.contributions.insert(key, now).unwrap_or_default();
        if let Some(j) = before.judgement {
            if let Some(n) = self.by_judgement.get_mut(&j) {
                *n = n.saturating_sub(1);
            }
        }
        if let Some(j) = now.judgement {
            *self.by_judgement.entry(j).or_default() += 1;
        }
        self.by_judgement.retain(|_, n| *n > 0);
        let tally = self.tallies.entry(unit.clone()).or_default();
        tally.add(&before, -1);
        tally.add(&now, 1);
        let tally = *tally;
        let (facts, score) = self.units.entry(unit.clone()).or_insert_with(|| {
            (
                UnitFacts::default(),
                score_unit(&self.rubric, &UnitFacts::default()),
            )
        });
        tally.into_facts(facts);
        *score = score_unit(&self.rubric, facts);
        true
    }

    /// A unit's facts and score; `None` for a unit that neither leads a task nor reports.
    pub fn unit(&self, unit: &OrgCode) -> Option<&(UnitFacts, UnitScore)> {
        self.units.get(unit)
    }

    /// The day's warnings, most severe first (as `warnings::warnings` lists them).
    pub fn warnings(&self) -> impl Iterator<Item = &Warning> + '_ {
        self.warnings.values()
    }

    /// How many warnings each rule raised.
    pub fn warnings_by_rule(&self) -> impl Iterator<Item = (Rule, usize)> + '_ {
        self.by_rule.iter().map(|(r, n)| (*r, *n))
    }

    /// How many series stand at each judgement.
    pub fn by_judgement(&self) -> impl Iterator<Item = (Judgement, usize)> + '_ {
        self.by_judgement.iter().map(|(j, n)| (*j, *n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::national::evaluate;
    use proptest::prelude::*;
    use tiendo_domain::snapshot::Snapshot;

    fn rubric() -> Rubric {
        toml::from_str(tiendo_dataset::default_rubric().1).unwrap()
    }

    fn snapshot(day: &str) -> Snapshot {
        let d = tiendo_dataset::reference().unwrap();
        let mut series = tiendo_domain::values::SeriesMap::new();
        for v in &d.values {
            std::sync::Arc::make_mut(series.entry(v.target.clone()).or_default())
                .entry(v.org.clone())
                .or_default()
                .push((v.period, v.value.get()));
        }
        for by_unit in series.values_mut() {
            for s in std::sync::Arc::make_mut(by_unit).values_mut() {
                s.sort_by_key(|(p, _)| *p);
            }
        }
        Snapshot::new(
            day.parse().unwrap(),
            d.hierarchy,
            d.tasks,
            HashMap::new(),
            d.targets,
            series,
        )
    }

    fn same(a: &Standing, b: &Standing) -> Result<(), TestCaseError> {
        prop_assert_eq!(&a.by_judgement, &b.by_judgement);
        prop_assert_eq!(
            a.warnings().collect::<Vec<_>>(),
            b.warnings().collect::<Vec<_>>()
        );
        prop_assert_eq!(&a.by_rule, &b.by_rule);
        prop_assert_eq!(&a.contributions, &b.contributions);
        prop_assert_eq!(a.units.len(), b.units.len());
        for (u, (facts, score)) in &a.units {
            let (f2, s2) = &b.units[u];
            prop_assert_eq!(facts, f2, "{}", u);
            prop_assert_eq!(
                score.score.map(|s| (s * 1e9).round()),
                s2.score.map(|s| (s * 1e9).round()),
                "{}",
                u
            );
            prop_assert_eq!(score.class, s2.class, "{}", u);
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        /// Approving values one by one and applying each equals evaluating the nation again.
        #[test]
        fn applied_values_equal_a_whole_evaluation(picks in prop::collection::vec((0usize..10_000, 0usize..10_000, 0.0f64..100.0), 1..6)) {
            let settings = Settings::default();
            let rubric = rubric();
            let mut snap = snapshot("2025-10-20");
            let mut standing = {
                let inputs = Inputs::from(&snap);
                let evaluation = evaluate(&inputs, &settings, &rubric);
                Standing::new(&inputs, &evaluation, &settings, &rubric)
            };
            for (t, u, value) in picks {
                let target = snap.targets[t % snap.targets.len()].clone();
                let Some(reporters) = snap.reporters.get(&target.code).filter(|r| !r.is_empty()) else { continue };
                let unit = reporters[u % reporters.len()].0.clone();
                let period = target.periodicity.period_containing(snap.day).previous();
                let series = std::sync::Arc::make_mut(snap.series.entry(target.code.clone()).or_default()).entry(unit.clone()).or_default();
                series.retain(|(p, _)| *p != period);
                series.push((period, value));
                series.sort_by_key(|(p, _)| *p);
                let inputs = Inputs::from(&snap);
                prop_assert!(standing.apply(&inputs, &target.code, &unit));
            }
            let inputs = Inputs::from(&snap);
            let evaluation = evaluate(&inputs, &settings, &rubric);
            let whole = Standing::new(&inputs, &evaluation, &settings, &rubric);
            // The standing's warnings are the day's warnings, listed in the same order.
            let listed = crate::warnings::warnings(&inputs, &settings, &evaluation.judgements);
            prop_assert_eq!(whole.warnings().cloned().collect::<Vec<_>>(), listed);
            same(&standing, &whole)?;
        }
    }
}
