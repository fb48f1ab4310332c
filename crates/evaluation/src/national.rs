//! One pass over everything on a day: every target judged for every unit that reports it,
//! every task's status, and every unit's facts, score and class.

use std::collections::{BTreeMap, HashMap};

use chrono::Datelike;
use rayon::prelude::*;
use tiendo_domain::orgs::OrgCode;
use tiendo_domain::targets::TargetCode;

use crate::scoring::{score_unit, Rubric, UnitFacts, UnitScore};
use crate::targets::{judge, Judgement, Judgements};
use crate::tasks::{summarise, Role, TaskStatus, TaskSummary};
use crate::warnings::{expected_period, Inputs, Settings};

#[derive(Debug, Clone)]
pub struct Evaluation<'a> {
    pub judgements: Judgements<'a>,
    pub tasks: TaskSummary<'a>,
    pub units: BTreeMap<&'a OrgCode, (UnitFacts, UnitScore)>,
}

/// What one target's series of one unit adds to the unit's facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Contribution {
    pub judgement: Option<Judgement>,
    pub owed: bool,
    pub sent: bool,
}

/// A unit's targets judged (with a measure), on track or achieved, reports owed and sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct ReportTally {
    judged: i64,
    on_track: i64,
    owed: i64,
    sent: i64,
}

impl ReportTally {
    /// Adds (`sign` 1) or takes away (`sign` -1) one series' contribution.
    pub fn add(&mut self, c: &Contribution, sign: i64) {
        self.owed += sign * i64::from(c.owed);
        self.sent += sign * i64::from(c.owed && c.sent);
        if let Some(j) = c.judgement.filter(|j| *j != Judgement::NotAvailable) {
            self.judged += sign;
            self.on_track += sign * i64::from(j >= Judgement::OnTrack);
        }
    }

    /// The target and report shares of a unit's facts.
    pub fn into_facts(self, facts: &mut UnitFacts) {
        let share = |part: i64, whole: i64| (whole > 0).then(|| part as f64 / whole as f64);
        facts.targets_on_track = share(self.on_track, self.judged);
        facts.reports_submitted = share(self.sent, self.owed);
    }
}

/// What one pass learns of one target for one reporting unit.
struct Seen<'a> {
    unit: &'a OrgCode,
    judgement: Option<crate::targets::TargetJudgement>,
    /// Whether the unit owed the report of the period last due, and whether it sent it.
    owed: bool,
    sent: bool,
}

/// What one target's series of one reporting unit contributes on `day`: its judgement, and
/// whether the unit owed the report last due and sent it. The base year of a series is its
/// target's baseline year, else its first year.
pub(crate) fn see_series(
    target: &tiendo_domain::targets::Target,
    validity: &tiendo_domain::orgs::Validity,
    series: Option<&tiendo_domain::values::Series>,
    day: chrono::NaiveDate,
    settings: &Settings,
) -> (Option<crate::targets::TargetJudgement>, bool, bool) {
    let year = day.year();
    let series = series.filter(|s| !s.is_empty());
    let (owed, sent) = report_status(target, validity, series, day, settings);
    let judgement = series.map(|series| {
        let base_year = target
            .baseline
            .as_ref()
            .map(|b| b.period.year())
            .or_else(|| series.iter().map(|(p, _)| p.year()).min())
            .unwrap_or(year);
        judge(target, series, year, base_year)
    });
    (judgement, owed, sent)
}

/// Whether a unit in force for `validity` owed the report of `target` last due on `day`, and
/// whether `series` holds it.
pub(crate) fn report_status(
    target: &tiendo_domain::targets::Target,
    validity: &tiendo_domain::orgs::Validity,
    series: Option<&tiendo_domain::values::Series>,
    day: chrono::NaiveDate,
    settings: &Settings,
) -> (bool, bool) {
    let expected = expected_period(target, day, settings.grace_days);
    let owed = validity.overlaps(expected.start(), expected.end());
    let sent = series.is_some_and(|s| s.iter().any(|(p, _)| *p == expected));
    (owed, sent)
}

/// One parallel pass over targets: judge each reporting unit's series, and note whether the
/// report last due was sent.
fn pass<'a>(inputs: &'a Inputs<'_>, settings: &Settings) -> Vec<(&'a TargetCode, Vec<Seen<'a>>)> {
    inputs
        .targets
        .par_iter()
        .map(|target| {
            let by_unit = inputs.series.get(&target.code);
            let seen = inputs
                .reporters
                .get(&target.code)
                .into_iter()
                .flatten()
                .map(|(unit, validity)| {
                    let series = by_unit.and_then(|m| m.get(unit));
                    let (judgement, owed, sent) =
                        see_series(target, validity, series, inputs.day, settings);
                    Seen {
                        unit,
                        judgement,
                        owed,
                        sent,
                    }
                })
                .collect();
            (&target.code, seen)
        })
        .collect()
}

/// Judges every target for every unit that reports it and has values.
pub fn judge_all<'a>(inputs: &'a Inputs<'_>) -> Judgements<'a> {
    into_judgements(pass(inputs, &Settings::default()))
}

fn into_judgements<'a>(seen: Vec<(&'a TargetCode, Vec<Seen<'a>>)>) -> Judgements<'a> {
    Judgements::new(
        seen.into_iter()
            .map(|(t, list)| (t, list.into_iter().map(|s| (s.unit, s.judgement)).collect()))
            .collect(),
    )
}

/// Evaluates every target × reporting unit and every task on `inputs.day`, then scores each
/// unit that leads a task or reports a target.
pub fn evaluate<'a>(
    inputs: &'a Inputs<'_>,
    settings: &Settings,
    rubric: &Rubric,
) -> Evaluation<'a> {
    let day = inputs.day;
    let seen = pass(inputs, settings);
    let mut per_unit: rustc_hash::FxHashMap<&OrgCode, ReportTally> = Default::default();
    for s in seen.iter().flat_map(|(_, list)| list) {
        per_unit.entry(s.unit).or_default().add(
            &Contribution {
                judgement: s.judgement.as_ref().map(|j| j.judgement),
                owed: s.owed,
                sent: s.sent,
            },
            1,
        );
    }
    let judgements = into_judgements(seen);
    let answering = |u| inputs.hierarchy.in_force_for(u, day).map_or(u, |x| &x.code);
    let (statuses, tasks) = summarise(
        inputs.tasks,
        day,
        |t| inputs.last_progress.get(&t.code).is_some_and(|d| *d <= day),
        answering,
        settings.horizon,
    );
    let mut early: HashMap<&OrgCode, usize> = HashMap::new();
    for (task, status) in &statuses {
        let finished_early = matches!(
            (status, task.completed_on, task.deadline),
            (TaskStatus::CompletedOnTime, Some(c), Some(d)) if c < d
        );
        if finished_early {
            *early.entry(answering(&task.lead)).or_default() += 1;
        }
    }
    let mut units = BTreeMap::new();
    let leads = tasks
        .by_unit
        .keys()
        .filter(|(_, role)| *role == Role::Lead)
        .map(|(u, _)| *u);
    for unit in leads.chain(per_unit.keys().copied()) {
        if units.contains_key(&unit) {
            continue;
        }
        let tally = tasks.by_unit.get(&(unit, Role::Lead));
        let mut facts = tally.map_or_else(UnitFacts::default, |t| {
            UnitFacts::from_tasks(t, early.get(unit).copied().unwrap_or(0))
        });
        if let Some(tally) = per_unit.get(unit) {
            tally.into_facts(&mut facts);
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
