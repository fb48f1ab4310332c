//! One pass over everything on a day: every target judged for every unit that reports it,
//! every task's status, and every unit's facts, score and class.

use std::collections::{BTreeMap, HashMap};

use chrono::Datelike;
use serde::Serialize;
use tiendo_domain::orgs::OrgCode;
use tiendo_domain::targets::TargetCode;

use crate::scoring::{score_unit, Rubric, UnitFacts, UnitScore};
use crate::targets::{judge, Judgement, TargetJudgement};
use crate::tasks::{summarise, Role, TaskStatus, TaskSummary};
use crate::warnings::{expected_period, Inputs, Settings};

#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    pub judgements: HashMap<(TargetCode, OrgCode), TargetJudgement>,
    pub tasks: TaskSummary,
    pub units: BTreeMap<OrgCode, (UnitFacts, UnitScore)>,
}

/// Evaluates every target × reporting unit and every task on `inputs.day`, then scores each
/// unit that leads a task or reports a target.
pub fn evaluate(inputs: &Inputs<'_>, settings: &Settings, rubric: &Rubric) -> Evaluation {
    let day = inputs.day;
    let no_values = Vec::new();
    let mut judgements = HashMap::new();
    // Per unit: (targets judged, on track or achieved, reports expected, reports present).
    let mut per_unit: HashMap<OrgCode, (usize, usize, usize, usize)> = HashMap::new();
    for target in inputs.targets {
        let expected = expected_period(target, day, settings.grace_days);
        for (unit, validity) in inputs.reporters.get(&target.code).into_iter().flatten() {
            let series = inputs
                .series
                .get(&target.code)
                .and_then(|by_unit| by_unit.get(unit))
                .unwrap_or(&no_values);
            let counts = per_unit.entry(unit.clone()).or_default();
            if validity.overlaps(expected.start(), expected.end()) {
                counts.2 += 1;
                if series.iter().any(|(p, _)| *p == expected) {
                    counts.3 += 1;
                }
            }
            if series.is_empty() {
                continue;
            }
            let base_year = target
                .baseline
                .as_ref()
                .map(|b| b.period.year())
                .or_else(|| series.iter().map(|(p, _)| p.year()).min())
                .unwrap_or(day.year());
            let j = judge(target, series, day.year(), base_year);
            if j.judgement != Judgement::NotAvailable {
                counts.0 += 1;
                if j.judgement >= Judgement::OnTrack {
                    counts.1 += 1;
                }
            }
            judgements.insert((target.code.clone(), unit.clone()), j);
        }
    }
    let (statuses, tasks) = summarise(
        inputs.tasks,
        day,
        |t| inputs.last_progress.get(&t.code).is_some_and(|d| *d <= day),
        settings.horizon,
    );
    let mut early: HashMap<&OrgCode, usize> = HashMap::new();
    for (task, status) in &statuses {
        let finished_early = matches!(
            (status, task.completed_on, task.deadline),
            (TaskStatus::CompletedOnTime, Some(c), Some(d)) if c < d
        );
        if finished_early {
            *early.entry(&task.lead).or_default() += 1;
        }
    }
    let share = |part: usize, whole: usize| (whole > 0).then(|| part as f64 / whole as f64);
    let mut units = BTreeMap::new();
    let leads = tasks
        .by_unit
        .iter()
        .filter(|((_, role), _)| *role == Role::Lead)
        .map(|((u, _), tally)| (u.clone(), Some(tally)));
    let reporters = per_unit.keys().map(|u| (u.clone(), None));
    for (unit, tally) in leads.chain(reporters) {
        if units.contains_key(&unit) {
            continue;
        }
        let tally = tally.or_else(|| tasks.by_unit.get(&(unit.clone(), Role::Lead)));
        let mut facts = tally.map_or_else(UnitFacts::default, |t| {
            UnitFacts::from_tasks(t, early.get(&unit).copied().unwrap_or(0))
        });
        if let Some(&(judged, on_track, expected, present)) = per_unit.get(&unit) {
            facts.targets_on_track = share(on_track, judged);
            facts.reports_submitted = share(present, expected);
        }
        let score = score_unit(rubric, &facts);
        units.insert(unit, (facts, score));
    }
    Evaluation {
        judgements,
        tasks,
        units,
    }
}
