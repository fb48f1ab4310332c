//! Judging one target for one unit from its reported series, for every shape of target.
//!
//! Quantitative goals go through Open SDG's measure (the goal value as its target, the
//! deadline as its target year); ranges aim at their nearest bound; ranks are "lower is
//! better"; growth goals are judged on the series' own compound growth; milestones are met or
//! not on the latest report (1 = met, 0 = not met). Targets without a goal are judged on their
//! growth alone. The sentence explaining a judgement is rendered only when asked for.

use serde::Serialize;
use tiendo_domain::orgs::OrgCode;
use tiendo_domain::periods::Period;
use tiendo_domain::targets::{
    Comparison, Deadline, Direction, Goal, Requirement, Target, TargetCode,
};

use crate::progress::opensdg::{self, Config, SeriesProgress, Status};
use crate::progress::Observation;

/// Judgements of every target for every unit that reports it, in the order of the inputs'
/// targets and of each target's reporters, so a consumer walking the same inputs needs no
/// lookups.
#[derive(Debug, Clone, Default)]
pub struct Judgements<'a> {
    by_target: Vec<TargetRow<'a>>,
}

/// One target's judgements, a slot per reporting unit (empty where it has no values).
pub type TargetRow<'a> = (&'a TargetCode, Vec<(&'a OrgCode, Option<TargetJudgement>)>);

impl<'a> Judgements<'a> {
    /// Judgements aligned with the inputs they came from (one row per target, in order).
    pub fn new(by_target: Vec<TargetRow<'a>>) -> Self {
        Judgements { by_target }
    }

    /// How many series were judged.
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn iter(
        &self,
    ) -> impl Iterator<Item = (&'a TargetCode, &'a OrgCode, &TargetJudgement)> + '_ {
        self.by_target.iter().flat_map(|(t, row)| {
            row.iter()
                .filter_map(move |(u, j)| j.as_ref().map(|j| (*t, *u, j)))
        })
    }

    /// One judgement by codes (a search; walk `iter` for many).
    pub fn get(&self, target: &TargetCode, unit: &OrgCode) -> Option<&TargetJudgement> {
        let (_, row) = self.by_target.iter().find(|(t, _)| *t == target)?;
        row.iter().find(|(u, _)| *u == unit)?.1.as_ref()
    }

    /// The row of the `i`-th target of the inputs.
    pub(crate) fn row(&self, i: usize) -> Option<&[(&'a OrgCode, Option<TargetJudgement>)]> {
        self.by_target.get(i).map(|(_, row)| row.as_slice())
    }
}

/// The judgement shown on dashboards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Judgement {
    NotAvailable,
    Deteriorating,
    OffTrack,
    AtRisk,
    OnTrack,
    Achieved,
}

impl Judgement {
    fn from_status(s: Status) -> Judgement {
        match s {
            Status::TargetAchieved => Judgement::Achieved,
            Status::SubstantialProgress => Judgement::OnTrack,
            Status::ModerateProgress => Judgement::AtRisk,
            Status::LimitedProgress => Judgement::OffTrack,
            Status::Deterioration => Judgement::Deteriorating,
            Status::NotAvailable => Judgement::NotAvailable,
        }
    }
}

/// What a judgement rests on.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "basis", rename_all = "snake_case")]
pub enum Reason {
    NoValue,
    /// Open SDG's measure, towards the goal or (without one) on growth alone.
    Progress(Box<SeriesProgress>),
    /// The latest value against the goal: met or not.
    Checked {
        met: bool,
    },
    /// A count above its range.
    AboveRange,
    /// The series' own compound growth per year, where it can be computed.
    Growth {
        rate: Option<f64>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetJudgement {
    pub judgement: Judgement,
    /// The goal judged (the nearest deadline still open, else the last one).
    pub goal: Option<Goal>,
    pub latest: Option<(Period, f64)>,
    /// Open SDG's score where its measure was used.
    pub score: Option<f64>,
    pub reason: Reason,
}

/// One value per year: the latest period reported in each year.
pub fn yearly(series: &[(Period, f64)]) -> Vec<Observation> {
    let mut sorted: Vec<(Period, f64)> = series
        .iter()
        .copied()
        .filter(|(_, v)| v.is_finite())
        .collect();
    // Chronological order puts each year's last-ending period last.
    sorted.sort_by_key(|(p, _)| *p);
    let mut out: Vec<Observation> = Vec::with_capacity(sorted.len());
    for (p, v) in sorted {
        match out.last_mut() {
            Some(o) if o.year == p.year() => o.value = v,
            _ => out.push(Observation {
                year: p.year(),
                value: v,
            }),
        }
    }
    out
}

/// Judges `target` for one unit from its `series`, as things stand in `year`.
pub fn judge(
    target: &Target,
    series: &[(Period, f64)],
    year: i32,
    base_year: i32,
) -> TargetJudgement {
    let latest = series.iter().copied().max_by_key(|(p, _)| *p);
    let goal = pick_goal(&target.goals, year);
    let mut out = TargetJudgement {
        judgement: Judgement::NotAvailable,
        goal: goal.cloned(),
        latest,
        score: None,
        reason: Reason::NoValue,
    };
    let Some((_, value)) = latest else {
        return out;
    };
    let obs = || yearly(series);
    let Some(goal) = goal else {
        let r = measure(&obs(), None, year, base_year, target.direction);
        out.judgement = Judgement::from_status(r.status);
        out.score = r.score;
        out.reason = Reason::Progress(Box::new(r));
        return out;
    };
    let deadline_year = match goal.deadline {
        Deadline::By { year } => year,
        Deadline::EveryYear { until, .. } => until.unwrap_or(year),
    };
    let every_year = matches!(goal.deadline, Deadline::EveryYear { .. });
    let checked = |out: &mut TargetJudgement, met: bool, otherwise: Judgement| {
        out.judgement = if met { Judgement::Achieved } else { otherwise };
        out.reason = Reason::Checked { met };
    };
    match &goal.requirement {
        Requirement::Threshold { op, value: bound } => {
            let met = op.holds(value, *bound);
            if met || every_year {
                checked(&mut out, met, Judgement::OffTrack);
            } else {
                let direction = match op {
                    Comparison::AtMost | Comparison::Below => Direction::Decrease,
                    Comparison::AtLeast | Comparison::Above => Direction::Increase,
                    Comparison::Exactly => target.direction,
                };
                toward(
                    &mut out,
                    &obs(),
                    *bound,
                    deadline_year,
                    base_year,
                    direction,
                );
            }
        }
        Requirement::Count { min, max } => {
            let (lo, hi) = (*min as f64, max.map(|m| m as f64));
            if value >= lo && hi.is_none_or(|h| value <= h) {
                checked(&mut out, true, Judgement::Achieved);
            } else if hi.is_some_and(|h| value > h) {
                out.judgement = Judgement::OffTrack;
                out.reason = Reason::AboveRange;
            } else {
                toward(
                    &mut out,
                    &obs(),
                    lo,
                    deadline_year,
                    base_year,
                    Direction::Increase,
                );
            }
        }
        Requirement::Range { min, max } => {
            if (*min..=*max).contains(&value) {
                checked(&mut out, true, Judgement::Achieved);
            } else if value < *min {
                toward(
                    &mut out,
                    &obs(),
                    *min,
                    deadline_year,
                    base_year,
                    Direction::Increase,
                );
            } else {
                toward(
                    &mut out,
                    &obs(),
                    *max,
                    deadline_year,
                    base_year,
                    Direction::Decrease,
                );
            }
        }
        Requirement::Rank { top, .. } => {
            if value <= f64::from(*top) {
                checked(&mut out, true, Judgement::Achieved);
            } else {
                toward(
                    &mut out,
                    &obs(),
                    f64::from(*top),
                    deadline_year,
                    base_year,
                    Direction::Decrease,
                );
            }
        }
        Requirement::Growth { min, max } => {
            let obs = obs();
            let rate = obs
                .iter()
                .find(|o| o.year >= base_year)
                .zip(obs.last())
                .filter(|(b, c)| c.year > b.year && b.value > 0.0 && c.value > 0.0)
                .map(|(b, c)| (c.value / b.value).powf(1.0 / f64::from(c.year - b.year)) - 1.0);
            if let Some(g) = rate {
                let r = g * 100.0;
                out.judgement = if r >= *min && max.is_none_or(|m| r <= m) {
                    Judgement::OnTrack
                } else if r >= *min * 0.6 && max.is_none_or(|m| r <= m) {
                    Judgement::AtRisk
                } else if r >= 0.0 {
                    Judgement::OffTrack
                } else {
                    Judgement::Deteriorating
                };
            }
            out.reason = Reason::Growth { rate };
        }
        Requirement::Milestone { .. } => {
            let met = value >= 1.0;
            let otherwise = if year > deadline_year {
                Judgement::OffTrack
            } else {
                Judgement::AtRisk
            };
            checked(&mut out, met, otherwise);
        }
    }
    out
}

/// The goal that matters in `year`: the earliest deadline not yet passed, else the last one.
fn pick_goal(goals: &[Goal], year: i32) -> Option<&Goal> {
    let key = |g: &Goal| match g.deadline {
        Deadline::By { year } => year,
        Deadline::EveryYear { until, .. } => until.unwrap_or(i32::MAX),
    };
    goals
        .iter()
        .filter(|g| key(g) >= year)
        .min_by_key(|g| key(g))
        .or_else(|| goals.iter().max_by_key(|g| key(g)))
}

fn measure(
    obs: &[Observation],
    target: Option<f64>,
    target_year: i32,
    base_year: i32,
    direction: Direction,
) -> SeriesProgress {
    let config = Config {
        target,
        target_year,
        base_year,
        direction,
        limit: None,
        thresholds: None,
    };
    // `yearly` gives each year once, in order.
    opensdg::measure_clean(obs, &config)
}

fn toward(
    out: &mut TargetJudgement,
    obs: &[Observation],
    value: f64,
    deadline_year: i32,
    base_year: i32,
    direction: Direction,
) {
    let r = measure(obs, Some(value), deadline_year, base_year, direction);
    out.judgement = Judgement::from_status(r.status);
    out.score = r.score;
    out.reason = Reason::Progress(Box::new(r));
}

/// How many of `targets` stood at each judgement at each of `days`, each judged on the
/// figures of the periods ended by that day (`series` gives a target's figures for one unit,
/// oldest first or not); a target without figures by then is not available. The base year is
/// the target's baseline year, else its first year, as the overview judges.
pub fn judgements_over_time<'a>(
    targets: &'a [Target],
    series: impl Fn(&Target) -> Option<&'a [(Period, f64)]>,
    days: &[chrono::NaiveDate],
) -> Vec<std::collections::BTreeMap<Judgement, usize>> {
    use chrono::Datelike;
    let mut kept: Vec<(Period, f64)> = Vec::new();
    days.iter()
        .map(|day| {
            let mut counts = std::collections::BTreeMap::new();
            for t in targets {
                kept.clear();
                kept.extend(
                    series(t)
                        .unwrap_or_default()
                        .iter()
                        .filter(|(p, _)| p.end() <= *day)
                        .copied(),
                );
                let year = day.year();
                let judgement = if kept.is_empty() {
                    Judgement::NotAvailable
                } else {
                    let base_year = t
                        .baseline
                        .as_ref()
                        .map(|b| b.period.year())
                        .or_else(|| kept.iter().map(|(p, _)| p.year()).min())
                        .unwrap_or(year);
                    judge(t, &kept, year, base_year).judgement
                };
                *counts.entry(judgement).or_insert(0) += 1;
            }
            counts
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tiendo_domain::periods::Periodicity;
    use tiendo_domain::targets::{Aggregation, Family, Reporters};

    fn target(direction: Direction, requirement: Requirement, deadline: Deadline) -> Target {
        Target {
            code: "T".parse().unwrap(),
            document: None,
            group: None,
            name_vi: "t".into(),
            name_en: None,
            family: Family::Strategic,
            unit: "%".into(),
            direction,
            goals: vec![Goal {
                deadline,
                requirement,
            }],
            baseline: None,
            periodicity: Periodicity::Yearly,
            aggregation: Aggregation::Latest,
            reporters: Reporters::default(),
            source: None,
            bounds: None,
        }
    }

    fn s(points: &[(&str, f64)]) -> Vec<(Period, f64)> {
        points
            .iter()
            .map(|(p, v)| (p.parse().unwrap(), *v))
            .collect()
    }

    const BY_2030: Deadline = Deadline::By { year: 2030 };

    #[test]
    fn thresholds_use_open_sdg_towards_the_goal() {
        let t7 = target(
            Direction::Increase,
            Requirement::Threshold {
                op: Comparison::AtLeast,
                value: 30.0,
            },
            BY_2030,
        );
        let j = judge(&t7, &s(&[("2020", 12.0), ("2024", 18.5)]), 2025, 2020);
        // CAGR 11.4 % a year against 10.1 % required: ratio above 0.95.
        assert_eq!(j.judgement, Judgement::OnTrack, "{j:?}");
        let j = judge(&t7, &s(&[("2020", 12.0), ("2024", 13.0)]), 2025, 2020);
        assert_eq!(j.judgement, Judgement::OffTrack, "{j:?}");
        let j = judge(&t7, &s(&[("2020", 12.0), ("2024", 11.0)]), 2025, 2020);
        assert_eq!(j.judgement, Judgement::Deteriorating);
        let j = judge(&t7, &s(&[("2024", 31.0)]), 2025, 2020);
        assert_eq!(j.judgement, Judgement::Achieved);
        // "Every year" thresholds are met or missed each year.
        let t11 = target(
            Direction::Increase,
            Requirement::Threshold {
                op: Comparison::AtLeast,
                value: 3.0,
            },
            Deadline::EveryYear {
                from: None,
                until: None,
            },
        );
        assert_eq!(
            judge(&t11, &s(&[("2024", 2.9)]), 2025, 2020).judgement,
            Judgement::OffTrack
        );
        assert_eq!(
            judge(&t11, &s(&[("2024", 3.0)]), 2025, 2020).judgement,
            Judgement::Achieved
        );
    }

    #[test]
    fn ranges_ranks_counts_growth_and_milestones() {
        let range = target(
            Direction::Increase,
            Requirement::Range {
                min: 8.0,
                max: 10.0,
            },
            BY_2030,
        );
        assert_eq!(
            judge(&range, &s(&[("2024", 9.0)]), 2025, 2020).judgement,
            Judgement::Achieved
        );
        assert_eq!(
            judge(&range, &s(&[("2024", 10.0)]), 2025, 2020).judgement,
            Judgement::Achieved
        );
        let above = judge(&range, &s(&[("2020", 14.0), ("2024", 13.0)]), 2025, 2020);
        assert_ne!(above.judgement, Judgement::Achieved);
        // Above a range, the measure aims at its nearer end.
        match &above.reason {
            Reason::Progress(p) => assert_eq!(p.target, Some(10.0)),
            other => panic!("{other:?}"),
        }

        let rank = target(
            Direction::Decrease,
            Requirement::Rank {
                top: 50,
                scope: "thế giới".into(),
                scope_en: Some("world".into()),
            },
            BY_2030,
        );
        assert_eq!(
            judge(&rank, &s(&[("2024", 50.0)]), 2025, 2020).judgement,
            Judgement::Achieved
        );
        let climbing = judge(&rank, &s(&[("2020", 86.0), ("2024", 71.0)]), 2025, 2020);
        assert!(climbing.judgement >= Judgement::AtRisk, "{climbing:?}");
        let falling = judge(&rank, &s(&[("2020", 71.0), ("2024", 86.0)]), 2025, 2020);
        assert_eq!(falling.judgement, Judgement::Deteriorating);

        let count = target(
            Direction::Increase,
            Requirement::Count {
                min: 40,
                max: Some(50),
            },
            BY_2030,
        );
        assert_eq!(
            judge(&count, &s(&[("2024", 45.0)]), 2025, 2020).judgement,
            Judgement::Achieved
        );
        assert_eq!(
            judge(&count, &s(&[("2024", 51.0)]), 2025, 2020).judgement,
            Judgement::OffTrack
        );

        let growth = target(
            Direction::Increase,
            Requirement::Growth {
                min: 16.0,
                max: Some(18.0),
            },
            Deadline::EveryYear {
                from: None,
                until: Some(2030),
            },
        );
        let g =
            |end: f64| judge(&growth, &s(&[("2020", 100.0), ("2021", end)]), 2025, 2020).judgement;
        assert_eq!(g(117.0), Judgement::OnTrack);
        assert_eq!(g(110.0), Judgement::AtRisk);
        assert_eq!(g(105.0), Judgement::OffTrack);
        assert_eq!(g(120.0), Judgement::OffTrack, "above the range");
        assert_eq!(g(95.0), Judgement::Deteriorating);
        // Boundaries: on track from 16 %, at risk from 0.6 × 16 = 9.6 %, off track from 0 %.
        assert_eq!(g(116.0 + 1e-6), Judgement::OnTrack);
        assert_eq!(g(116.0 - 1e-6), Judgement::AtRisk);
        assert_eq!(g(109.6 + 1e-6), Judgement::AtRisk);
        assert_eq!(g(109.6 - 1e-6), Judgement::OffTrack);
        assert_eq!(g(118.0), Judgement::OnTrack, "the top of the range");
        assert_eq!(g(118.0 + 1e-6), Judgement::OffTrack);
        assert_eq!(g(100.0), Judgement::OffTrack, "no growth");
        assert_eq!(g(100.0 - 1e-6), Judgement::Deteriorating);

        let milestone = target(
            Direction::Increase,
            Requirement::Milestone {
                description: "5G everywhere".into(),
                description_en: None,
            },
            BY_2030,
        );
        assert_eq!(
            judge(&milestone, &s(&[("2024", 1.0)]), 2025, 2020).judgement,
            Judgement::Achieved
        );
        assert_eq!(
            judge(&milestone, &s(&[("2024", 0.0)]), 2025, 2020).judgement,
            Judgement::AtRisk
        );
        assert_eq!(
            judge(&milestone, &s(&[("2030", 0.0)]), 2031, 2020).judgement,
            Judgement::OffTrack
        );
        assert_eq!(
            judge(&milestone, &[], 2025, 2020).judgement,
            Judgement::NotAvailable
        );
    }

    #[test]
    fn quarterly_reports_count_by_their_latest_quarter_each_year() {
        let y = yearly(&s(&[
            ("2024Q1", 1.0),
            ("2024Q4", 4.0),
            ("2024Q2", 2.0),
            ("2025Q1", 5.0),
        ]));
        assert_eq!(
            y,
            [
                Observation {
                    year: 2024,
                    value: 4.0
                },
                Observation {
                    year: 2025,
                    value: 5.0
                }
            ]
        );
    }

    #[test]
    fn the_nearest_open_deadline_is_judged() {
        let mut t = target(
            Direction::Increase,
            Requirement::Threshold {
                op: Comparison::AtLeast,
                value: 30.0,
            },
            BY_2030,
        );
        t.goals.push(Goal {
            deadline: Deadline::By { year: 2045 },
            requirement: Requirement::Threshold {
                op: Comparison::AtLeast,
                value: 50.0,
            },
        });
        let j = judge(&t, &s(&[("2024", 35.0)]), 2025, 2020);
        assert_eq!(j.judgement, Judgement::Achieved);
        let later = judge(&t, &s(&[("2031", 35.0)]), 2031, 2020);
        assert!(matches!(
            later.goal.unwrap().deadline,
            Deadline::By { year: 2045 }
        ));
    }

    #[test]
    fn targets_are_judged_on_the_figures_each_day_had() {
        let t = target(
            Direction::Increase,
            Requirement::Threshold {
                op: Comparison::AtLeast,
                value: 30.0,
            },
            BY_2030,
        );
        let figures = s(&[("2021", 10.0), ("2024", 31.0)]);
        let day = |d: &str| d.parse::<chrono::NaiveDate>().unwrap();
        let targets = [t];
        let counts = judgements_over_time(
            &targets,
            |_| Some(figures.as_slice()),
            &[day("2021-06-30"), day("2025-03-31")],
        );
        // Before 2021 ended nothing was reported; by 2025 the goal of 30 was reached.
        assert_eq!(counts[0].get(&Judgement::NotAvailable), Some(&1));
        assert_eq!(counts[1].get(&Judgement::Achieved), Some(&1));
        assert_eq!(
            counts.iter().map(|c| c.values().sum::<usize>()).max(),
            Some(1)
        );
    }
}
