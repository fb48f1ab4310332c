//! Early warnings: what needs attention on a day, each naming the unit, the object, the rule
//! and the evidence.

use std::collections::HashMap;

use chrono::{Days, NaiveDate};
use serde::Serialize;
use tiendo_domain::admissibility::Bounds;
use tiendo_domain::orgs::{OrgCode, Validity};
use tiendo_domain::periods::Period;
use tiendo_domain::targets::{Target, TargetCode};
use tiendo_domain::tasks::{Task, TaskCode};
use tiendo_domain::values::SeriesMap;

use crate::targets::{Judgement, Judgements, TargetJudgement};
use crate::tasks::{task_status, Horizon, TaskStatus};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    OverdueTask,
    DueSoonWithoutProgress,
    StaleReport,
    TargetDeteriorating,
    TargetOffTrack,
    ValueOutOfBounds,
    AbnormalJump,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    High,
    Medium,
    Low,
}

/// What a warning is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Subject {
    Task { task: TaskCode },
    Target { target: TargetCode },
    Value { target: TargetCode, period: Period },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Warning {
    pub severity: Severity,
    pub rule: Rule,
    pub unit: OrgCode,
    pub subject: Subject,
    pub evidence: Evidence,
}

/// The facts behind a warning; its sentence is rendered in the reader's language when shown.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Evidence {
    Overdue {
        deadline: NaiveDate,
        days: i64,
        last_progress: Option<NaiveDate>,
    },
    DueSoon {
        deadline: NaiveDate,
        days_left: i64,
        /// The last update and how many days ago it was.
        last_progress: Option<(NaiveDate, i64)>,
    },
    Missing {
        period: Period,
        grace_days: u64,
    },
    OutOfBounds {
        value: f64,
        period: Period,
        bounds: Bounds,
    },
    Jump {
        value: f64,
        period: Period,
        median: f64,
        history: usize,
        z: f64,
    },
    Judged {
        judgement: Judgement,
        latest: Option<(Period, f64)>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Settings {
    pub horizon: Horizon,
    /// A task due soon needs a progress update within this many days.
    pub quiet_days: u64,
    /// Days after a period ends before its report counts as missing.
    pub grace_days: u64,
    /// Robust z-score (Iglewicz–Hoaglin) above which a value is an abnormal jump.
    pub jump_z: f64,
    /// Earlier reports needed before jumps are judged.
    pub min_history: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            horizon: Horizon::default(),
            quiet_days: 30,
            grace_days: 15,
            jump_z: 3.5,
            min_history: 4,
        }
    }
}

/// Everything the rules read, fetched by the caller.
pub struct Inputs<'a> {
    pub day: NaiveDate,
    /// The units, to know who answers for a unit merged away.
    pub hierarchy: &'a tiendo_domain::orgs::Hierarchy,
    pub tasks: &'a [Task],
    /// The latest progress update of each task that has one.
    pub last_progress: &'a HashMap<TaskCode, NaiveDate>,
    pub targets: &'a [Target],
    /// Reported values per target and unit.
    pub series: &'a SeriesMap,
    /// The units expected to report each target, with the days each is in force.
    pub reporters: &'a HashMap<TargetCode, Vec<(OrgCode, Validity)>>,
}

impl<'a> From<&'a tiendo_domain::snapshot::Snapshot> for Inputs<'a> {
    fn from(s: &'a tiendo_domain::snapshot::Snapshot) -> Self {
        Inputs {
            day: s.day,
            hierarchy: &s.hierarchy,
            tasks: &s.tasks,
            last_progress: &s.last_progress,
            targets: &s.targets,
            series: &s.series,
            reporters: &s.reporters,
        }
    }
}

/// All warnings on `inputs.day`, most severe first. `judgements` are the day's judgements of
/// every target for every reporting unit (see `national::evaluate`).
pub fn warnings(
    inputs: &Inputs<'_>,
    settings: &Settings,
    judgements: &Judgements<'_>,
) -> Vec<Warning> {
    use rayon::prelude::*;
    let mut out = Vec::new();
    task_warnings(inputs, settings, &mut out);
    let per_target: Vec<Vec<Warning>> = inputs
        .targets
        .par_iter()
        .enumerate()
        .map(|(i, target)| {
            let mut list = Vec::new();
            report_warnings(inputs, settings, target, judgements.row(i), &mut list);
            list
        })
        .collect();
    out.extend(per_target.into_iter().flatten());
    out.sort_unstable_by(|a, b| {
        (a.severity, a.rule, &a.unit, &a.subject).cmp(&(b.severity, b.rule, &b.unit, &b.subject))
    });
    out
}

pub(crate) fn task_warnings(inputs: &Inputs<'_>, settings: &Settings, out: &mut Vec<Warning>) {
    let day = inputs.day;
    for task in inputs.tasks {
        let last = inputs.last_progress.get(&task.code).filter(|d| **d <= day);
        let subject = || Subject::Task {
            task: task.code.clone(),
        };
        match task_status(task, day, last.is_some(), settings.horizon) {
            TaskStatus::Overdue => {
                let deadline = task.deadline.expect("overdue tasks have a deadline");
                out.push(Warning {
                    severity: Severity::High,
                    rule: Rule::OverdueTask,
                    unit: task.lead.clone(),
                    subject: subject(),
                    evidence: Evidence::Overdue {
                        deadline,
                        days: (day - deadline).num_days(),
                        last_progress: last.copied(),
                    },
                });
            }
            TaskStatus::DueSoon => {
                let quiet_since = day.checked_sub_days(Days::new(settings.quiet_days));
                let stale = match (last, quiet_since) {
                    (None, _) => true,
                    (Some(d), Some(q)) => *d < q,
                    (Some(_), None) => false,
                };
                if stale {
                    let deadline = task.deadline.expect("tasks due soon have a deadline");
                    out.push(Warning {
                        severity: Severity::Medium,
                        rule: Rule::DueSoonWithoutProgress,
                        unit: task.lead.clone(),
                        subject: subject(),
                        evidence: Evidence::DueSoon {
                            deadline,
                            days_left: (deadline - day).num_days(),
                            last_progress: last.map(|d| (*d, (day - *d).num_days())),
                        },
                    });
                }
            }
            _ => {}
        }
    }
}

/// `judged` is this target's row of the day's judgements, aligned with its reporters.
fn report_warnings(
    inputs: &Inputs<'_>,
    settings: &Settings,
    target: &Target,
    judged: Option<&[(&OrgCode, Option<TargetJudgement>)]>,
    out: &mut Vec<Warning>,
) {
    let Some(reporters) = inputs.reporters.get(&target.code) else {
        return;
    };
    for (k, (unit, validity)) in reporters.iter().enumerate() {
        let j = judged
            .and_then(|row| row.get(k))
            .filter(|(u, _)| *u == unit)
            .and_then(|(_, j)| j.as_ref());
        out.extend(series_warnings(inputs, settings, target, unit, validity, j));
    }
}

/// The warnings about one unit's series of `target` — a missing report, a value out of
/// bounds, an abnormal jump, a judgement off track or deteriorating — given the series'
/// judgement on the day. The resident read model calls it for the one series a new value
/// changes.
pub fn series_warnings(
    inputs: &Inputs<'_>,
    settings: &Settings,
    target: &Target,
    unit: &OrgCode,
    validity: &Validity,
    judged: Option<&TargetJudgement>,
) -> Vec<Warning> {
    let mut out = Vec::new();
    let expected = expected_period(target, inputs.day, settings.grace_days);
    // The same bounds the admissibility rule applies: a value stored before a target
    // declared them is still flagged.
    let bounds = target.value_bounds();
    let series: &[(Period, f64)] = inputs
        .series
        .get(&target.code)
        .and_then(|by_unit| by_unit.get(unit))
        .map_or(&[], |s| s.as_slice());
    // A unit owes the reports of periods it was in force for, and no others.
    let in_force = validity.overlaps(expected.start(), expected.end());
    if in_force && !series.iter().any(|(p, _)| *p == expected) {
        out.push(Warning {
            severity: Severity::Medium,
            rule: Rule::StaleReport,
            unit: unit.clone(),
            subject: Subject::Value {
                target: target.code.clone(),
                period: expected,
            },
            evidence: Evidence::Missing {
                period: expected,
                grace_days: settings.grace_days,
            },
        });
    }
    let Some(&(latest_period, latest)) = series.iter().max_by_key(|(p, _)| *p) else {
        return out;
    };
    if !bounds.holds(latest) {
        out.push(Warning {
            severity: Severity::High,
            rule: Rule::ValueOutOfBounds,
            unit: unit.clone(),
            subject: Subject::Value {
                target: target.code.clone(),
                period: latest_period,
            },
            evidence: Evidence::OutOfBounds {
                value: latest,
                period: latest_period,
                bounds,
            },
        });
    }
    let mut scratch = Vec::new();
    if let Some(evidence) = jump(series, latest_period, latest, settings, &mut scratch) {
        out.push(Warning {
            severity: Severity::Medium,
            rule: Rule::AbnormalJump,
            unit: unit.clone(),
            subject: Subject::Value {
                target: target.code.clone(),
                period: latest_period,
            },
            evidence,
        });
    }
    let Some(j) = judged else {
        return out;
    };
    let rule = match j.judgement {
        Judgement::Deteriorating => Rule::TargetDeteriorating,
        Judgement::OffTrack => Rule::TargetOffTrack,
        _ => return out,
    };
    out.push(Warning {
        severity: if rule == Rule::TargetDeteriorating {
            Severity::High
        } else {
            Severity::Low
        },
        rule,
        unit: unit.clone(),
        subject: Subject::Target {
            target: target.code.clone(),
        },
        evidence: Evidence::Judged {
            judgement: j.judgement,
            latest: j.latest,
        },
    });
    out
}

/// The latest period of `target` whose report is due by `day`: the one before the period
/// containing `day − grace_days`.
pub fn expected_period(target: &Target, day: NaiveDate, grace_days: u64) -> Period {
    let due_by = day.checked_sub_days(Days::new(grace_days)).unwrap_or(day);
    target.periodicity.period_containing(due_by).previous()
}

/// The latest value against the unit's own earlier reports, by the modified z-score
/// `0.6745 (x − median) / MAD`.
fn jump(
    series: &[(Period, f64)],
    latest_period: Period,
    latest: f64,
    s: &Settings,
    scratch: &mut Vec<f64>,
) -> Option<Evidence> {
    scratch.clear();
    scratch.extend(
        series
            .iter()
            .filter(|(p, _)| *p != latest_period)
            .map(|(_, v)| *v),
    );
    let history = scratch.len();
    if history < s.min_history {
        return None;
    }
    // Medians by selection, in place: this runs for every series on every evaluation.
    let median = |v: &mut [f64]| {
        let n = v.len();
        let (_, &mut upper, _) = v.select_nth_unstable_by(n / 2, f64::total_cmp);
        if n % 2 == 1 {
            upper
        } else {
            let lower = v[..n / 2].iter().copied().fold(f64::NEG_INFINITY, f64::max);
            (lower + upper) / 2.0
        }
    };
    let m = median(scratch);
    for v in scratch.iter_mut() {
        *v = (*v - m).abs();
    }
    let mad = median(scratch);
    if mad == 0.0 {
        return None;
    }
    let z = 0.6745 * (latest - m) / mad;
    (z.abs() > s.jump_z).then_some(Evidence::Jump {
        value: latest,
        period: latest_period,
        median: m,
        history,
        z,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tiendo_domain::periods::Periodicity;
    use tiendo_domain::targets::{
        Aggregation, Comparison, Deadline, Direction, Family, Goal, Reporters, Requirement,
    };
    use tiendo_domain::tasks::Confidentiality;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn task(code: &str, deadline: &str) -> Task {
        Task {
            code: code.parse().unwrap(),
            document: "03/NQ-CP".parse().unwrap(),
            group: None,
            parent: None,
            title_vi: code.into(),
            title_en: None,
            lead: "MOST".parse().unwrap(),
            coordinators: vec![],
            start: Some(d("2025-01-01")),
            deadline: Some(d(deadline)),
            as_published: Default::default(),
            completed_on: None,
            cancelled_on: None,
            expected_product: None,
            targets: vec![],
            confidentiality: Confidentiality::Public,
            source: None,
        }
    }

    fn target() -> Target {
        Target {
            code: "HT-T4".parse().unwrap(),
            document: None,
            group: None,
            name_vi: "Non-cash transactions".into(),
            name_en: None,
            family: Family::Operational,
            unit: "%".into(),
            direction: Direction::Increase,
            goals: vec![Goal {
                deadline: Deadline::By { year: 2030 },
                requirement: Requirement::Threshold {
                    op: Comparison::Above,
                    value: 80.0,
                },
            }],
            baseline: None,
            periodicity: Periodicity::Quarterly,
            aggregation: Aggregation::Mean,
            reporters: Reporters::default(),
            source: None,
            bounds: None,
        }
    }

    fn run(
        tasks: &[Task],
        progress: &[(&str, &str)],
        series: &[(&str, &str, f64)],
        day: &str,
    ) -> Vec<Seen> {
        let last_progress = progress
            .iter()
            .map(|(t, d_)| (t.parse().unwrap(), d(d_)))
            .collect();
        let targets = [target()];
        let t = &targets[0];
        let mut by_key = SeriesMap::new();
        for (org, p, v) in series {
            std::sync::Arc::make_mut(by_key.entry(t.code.clone()).or_default())
                .entry(org.parse().unwrap())
                .or_default()
                .push((p.parse().unwrap(), *v));
        }
        let reporters = HashMap::from([(
            t.code.clone(),
            vec![
                ("HA-TINH".parse().unwrap(), Validity::always()),
                (
                    "HA-GIANG".parse().unwrap(),
                    Validity::new(None, Some(d("2025-06-30"))).unwrap(),
                ),
                (
                    "AN-GIANG".parse().unwrap(),
                    Validity::new(Some(d("2025-07-01")), None).unwrap(),
                ),
            ],
        )]);
        let year = chrono::Datelike::year(&d(day));
        let row = reporters[&t.code]
            .iter()
            .map(|(unit, _)| {
                let judgement = by_key.get(&t.code).and_then(|m| m.get(unit)).map(|series| {
                    let base = series.iter().map(|(p, _)| p.year()).min().unwrap();
                    crate::targets::judge(t, series, year, base)
                });
                (unit, judgement)
            })
            .collect();
        let judgements = Judgements::new(vec![(&t.code, row)]);
        let hierarchy = tiendo_domain::orgs::Hierarchy::new(Vec::new(), Vec::new()).unwrap();
        let inputs = Inputs {
            day: d(day),
            hierarchy: &hierarchy,
            tasks,
            last_progress: &last_progress,
            targets: &targets,
            series: &by_key,
            reporters: &reporters,
        };
        warnings(&inputs, &Settings::default(), &judgements)
            .into_iter()
            .map(|w| Seen {
                severity: w.severity,
                rule: w.rule,
                unit: w.unit,
                subject: w.subject,
                evidence: w.evidence,
            })
            .collect()
    }

    /// A warning as a reader sees it, before it is worded.
    #[derive(Debug)]
    struct Seen {
        severity: Severity,
        rule: Rule,
        unit: OrgCode,
        subject: Subject,
        evidence: Evidence,
    }

    fn rules(w: &[Seen]) -> Vec<(Rule, String)> {
        w.iter().map(|w| (w.rule, w.unit.to_string())).collect()
    }

    #[test]
    fn task_rules() {
        let tasks = [
            task("LATE", "2025-06-30"),
            task("SOON", "2025-07-20"),
            task("BUSY", "2025-07-25"),
            task("LATER", "2025-12-31"),
        ];
        let w = run(
            &tasks,
            &[("BUSY", "2025-07-01"), ("SOON", "2025-05-01")],
            &[],
            "2025-07-15",
        );
        let tasks_only: Vec<_> = w
            .iter()
            .filter(|w| matches!(w.subject, Subject::Task { .. }))
            .collect();
        assert_eq!(tasks_only.len(), 2, "{tasks_only:#?}");
        assert_eq!(tasks_only[0].rule, Rule::OverdueTask);
        assert_eq!(
            tasks_only[0].evidence,
            Evidence::Overdue {
                deadline: d("2025-06-30"),
                days: 15,
                last_progress: None
            }
        );
        assert_eq!(tasks_only[1].rule, Rule::DueSoonWithoutProgress);
        assert_eq!(
            tasks_only[1].subject,
            Subject::Task {
                task: "SOON".parse().unwrap()
            }
        );
        assert_eq!(
            tasks_only[1].evidence,
            Evidence::DueSoon {
                deadline: d("2025-07-20"),
                days_left: 5,
                last_progress: Some((d("2025-05-01"), 75))
            }
        );
    }

    #[test]
    fn stale_reports_skip_units_that_ceased() {
        // On 2025-10-20 the 2025Q3 report (due 15 days after 30 September) is missing.
        let w = run(&[], &[], &[("HA-TINH", "2025Q2", 60.0)], "2025-10-20");
        let stale: Vec<_> = w.iter().filter(|w| w.rule == Rule::StaleReport).collect();
        assert_eq!(
            stale.len(),
            2,
            "Hà Giang ceased on 2025-06-30 and owes nothing for 2025Q3"
        );
        assert_eq!(stale[0].unit.as_str(), "AN-GIANG");
        assert_eq!(
            stale[0].subject,
            Subject::Value {
                target: "HT-T4".parse().unwrap(),
                period: "2025Q3".parse().unwrap()
            }
        );
        // Within the grace period 2025Q2 is still the one expected: Hà Tĩnh sent it, Hà Giang,
        // in force until 30 June, still owes it.
        let w = run(&[], &[], &[("HA-TINH", "2025Q2", 60.0)], "2025-10-10");
        let stale: Vec<_> = w.iter().filter(|w| w.rule == Rule::StaleReport).collect();
        assert_eq!(
            stale.len(),
            1,
            "An Giang began on 2025-07-01 and owes nothing for 2025Q2: {w:#?}"
        );
        assert_eq!(stale[0].unit.as_str(), "HA-GIANG");
        assert_eq!(
            stale[0].subject,
            Subject::Value {
                target: "HT-T4".parse().unwrap(),
                period: "2025Q2".parse().unwrap()
            }
        );
    }

    #[test]
    fn value_rules() {
        let mut series: Vec<(&str, &str, f64)> =
            ["2024Q1", "2024Q2", "2024Q3", "2024Q4", "2025Q1", "2025Q2"]
                .iter()
                .zip([50.0, 52.0, 51.0, 53.0, 52.0, 54.0])
                .map(|(p, v)| ("HA-TINH", *p, v))
                .collect();
        series.push(("HA-TINH", "2025Q3", 104.0));
        let w = run(&[], &[], &series, "2025-10-20");
        let r = rules(&w);
        assert!(
            r.contains(&(Rule::ValueOutOfBounds, "HA-TINH".into())),
            "{r:?}"
        );
        assert!(r.contains(&(Rule::AbnormalJump, "HA-TINH".into())), "{r:?}");
        let oob = w.iter().find(|w| w.rule == Rule::ValueOutOfBounds).unwrap();
        assert_eq!(
            oob.evidence,
            Evidence::OutOfBounds {
                value: 104.0,
                period: "2025Q3".parse().unwrap(),
                bounds: tiendo_domain::admissibility::Measure::Share.bounds(),
            }
        );
        assert_eq!(oob.severity, Severity::High);
        // A falling series is flagged as deteriorating.
        let falling: Vec<(&str, &str, f64)> = vec![
            ("HA-TINH", "2023Q4", 60.0),
            ("HA-TINH", "2024Q4", 55.0),
            ("HA-TINH", "2025Q3", 50.0),
        ];
        let w = run(&[], &[], &falling, "2025-10-20");
        assert!(
            rules(&w).contains(&(Rule::TargetDeteriorating, "HA-TINH".into())),
            "{w:#?}"
        );
        // A steady series raises nothing; only An Giang's missing 2025Q3 report remains.
        let steady: Vec<(&str, &str, f64)> = vec![
            ("HA-TINH", "2023Q4", 60.0),
            ("HA-TINH", "2024Q4", 70.0),
            ("HA-TINH", "2025Q3", 79.0),
        ];
        let w = run(&[], &[], &steady, "2025-10-20");
        assert_eq!(
            rules(&w),
            [(Rule::StaleReport, "AN-GIANG".to_string())],
            "{w:#?}"
        );
    }
}
