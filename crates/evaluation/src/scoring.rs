//! Scoring a unit out of 100 with a rubric, and classing it.
//!
//! The rubric is data: criteria with points and the share each one measures, and classes with
//! the conditions a unit must meet (score, share of tasks on time, share exceeding
//! requirements, share done, share behind schedule).

use serde::{Deserialize, Serialize};

use crate::tasks::{Tally, TaskStatus};

/// What a criterion measures, as a share from 0 to 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Measure {
    /// Tasks that fell due, completed on time.
    TasksOnTime,
    /// Completed tasks finished before their deadline.
    TasksExceeding,
    /// Judged targets achieved or on track.
    TargetsOnTrack,
    /// Reports submitted for the last period due.
    ReportsSubmitted,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Criterion {
    pub code: String,
    pub name: String,
    pub points: f64,
    pub measure: Measure,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Class {
    Excellent,
    Good,
    Completed,
    NotCompleted,
}

/// A class and what it takes; absent conditions always hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassRule {
    pub class: Class,
    #[serde(default)]
    pub min_score: Option<f64>,
    #[serde(default)]
    pub min_on_time: Option<f64>,
    #[serde(default)]
    pub min_exceeding: Option<f64>,
    #[serde(default)]
    pub min_done: Option<f64>,
    #[serde(default)]
    pub max_behind: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rubric {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(rename = "criterion")]
    pub criteria: Vec<Criterion>,
    #[serde(rename = "class")]
    pub classes: Vec<ClassRule>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("rubric {rubric}: {reason}")]
pub struct RubricError {
    pub rubric: String,
    pub reason: String,
}

impl Rubric {
    pub fn validate(&self) -> Result<(), RubricError> {
        let fail = |reason: &str| {
            Err(RubricError {
                rubric: self.code.clone(),
                reason: reason.into(),
            })
        };
        if self.criteria.is_empty()
            || self
                .criteria
                .iter()
                .any(|c| !c.points.is_finite() || c.points <= 0.0)
        {
            return fail("it needs criteria, each worth more than 0 points");
        }
        match self.classes.last() {
            Some(last) if *last == ClassRule::unconditional(last.class) => Ok(()),
            _ => fail("its last class must have no conditions, so every unit gets a class"),
        }
    }
}

impl ClassRule {
    fn unconditional(class: Class) -> ClassRule {
        ClassRule {
            class,
            min_score: None,
            min_on_time: None,
            min_exceeding: None,
            min_done: None,
            max_behind: None,
        }
    }
}

/// What is known about a unit; `None` where there is nothing to measure.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct UnitFacts {
    pub on_time: Option<f64>,
    pub exceeding: Option<f64>,
    pub done: Option<f64>,
    pub behind: Option<f64>,
    pub targets_on_track: Option<f64>,
    pub reports_submitted: Option<f64>,
}

impl UnitFacts {
    /// The task shares of a unit's tally (usually of the tasks it leads).
    /// `completed_early` counts its completed tasks finished before their deadline.
    pub fn from_tasks(tally: &Tally, completed_early: usize) -> UnitFacts {
        let n = |s| tally.count(s);
        let completed = n(TaskStatus::CompletedOnTime) + n(TaskStatus::CompletedLate);
        let fell_due = completed + n(TaskStatus::Overdue);
        let share = |part: usize, whole: usize| (whole > 0).then(|| part as f64 / whole as f64);
        UnitFacts {
            on_time: tally.on_time_rate(),
            exceeding: share(completed_early, completed),
            done: share(completed, fell_due),
            behind: share(
                n(TaskStatus::CompletedLate) + n(TaskStatus::Overdue),
                fell_due,
            ),
            ..UnitFacts::default()
        }
    }

    fn measure(&self, m: Measure) -> Option<f64> {
        match m {
            Measure::TasksOnTime => self.on_time,
            Measure::TasksExceeding => self.exceeding,
            Measure::TargetsOnTrack => self.targets_on_track,
            Measure::ReportsSubmitted => self.reports_submitted,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CriterionScore {
    pub code: String,
    pub share: Option<f64>,
    pub points: f64,
    pub awarded: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitScore {
    /// Out of 100; `None` when no criterion could be measured, or when the unit has sent
    /// nothing and has no task or target to judge (no data is not a score of 0).
    pub score: Option<f64>,
    pub class: Class,
    pub criteria: Vec<CriterionScore>,
    /// The share of the rubric's points the score rests on, 0 to 1.
    pub coverage: f64,
}

/// Below this coverage a score is provisional: it rests on less than half of the rubric.
pub const PROVISIONAL_BELOW: f64 = 0.5;

impl UnitScore {
    /// A score resting on too little evidence to be more than provisional.
    pub fn provisional(&self) -> bool {
        self.score.is_some() && self.coverage < PROVISIONAL_BELOW
    }
}

/// Scores and classes a unit. A class condition with nothing to measure holds (a unit with no
/// task due has none late). A unit whose only fact is that it sent none of its reports has no
/// data: it gets no score (its missing reports are warnings, not a score of 0).
pub fn score_unit(rubric: &Rubric, facts: &UnitFacts) -> UnitScore {
    let silent = facts.on_time.is_none()
        && facts.exceeding.is_none()
        && facts.targets_on_track.is_none()
        && facts.reports_submitted.is_none_or(|s| s == 0.0);
    let facts = &if silent { UnitFacts::default() } else { *facts };
    let criteria: Vec<CriterionScore> = rubric
        .criteria
        .iter()
        .map(|c| {
            let share = facts.measure(c.measure).map(|s| s.clamp(0.0, 1.0));
            CriterionScore {
                code: c.code.clone(),
                share,
                points: c.points,
                awarded: share.map(|s| s * c.points),
            }
        })
        .collect();
    let available: f64 = criteria
        .iter()
        .filter(|c| c.share.is_some())
        .map(|c| c.points)
        .sum();
    let total: f64 = criteria.iter().map(|c| c.points).sum();
    let coverage = if total > 0.0 { available / total } else { 0.0 };
    let score = (available > 0.0)
        .then(|| 100.0 * criteria.iter().filter_map(|c| c.awarded).sum::<f64>() / available);
    let at_least = |v: Option<f64>, min: Option<f64>| match (v, min) {
        (_, None) | (None, Some(_)) => true,
        (Some(v), Some(m)) => v >= m - 1e-12,
    };
    let at_most = |v: Option<f64>, max: Option<f64>| match (v, max) {
        (_, None) | (None, Some(_)) => true,
        (Some(v), Some(m)) => v <= m + 1e-12,
    };
    // A validated rubric ends with an unconditional class; one that was not falls back to
    // "not completed" rather than failing.
    let class = rubric
        .classes
        .iter()
        .find(|r| {
            r.min_score.is_none_or(|m| score.is_some_and(|s| s >= m))
                && at_least(facts.on_time, r.min_on_time)
                && at_least(facts.exceeding, r.min_exceeding)
                && at_least(facts.done, r.min_done)
                && at_most(facts.behind, r.max_behind)
        })
        .map_or(Class::NotCompleted, |r| r.class);
    UnitScore {
        score,
        class,
        criteria,
        coverage,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rubric() -> Rubric {
        let r: Rubric =
            toml::from_str(include_str!("../../../data/rubrics/366-qd-tw.toml")).unwrap();
        r.validate().unwrap();
        r
    }

    fn facts(
        on_time: f64,
        exceeding: f64,
        done: f64,
        behind: f64,
        targets: f64,
        reports: f64,
    ) -> UnitFacts {
        UnitFacts {
            on_time: Some(on_time),
            exceeding: Some(exceeding),
            done: Some(done),
            behind: Some(behind),
            targets_on_track: Some(targets),
            reports_submitted: Some(reports),
        }
    }

    #[test]
    fn classes_at_their_boundaries() {
        let r = rubric();
        let class = |f: UnitFacts| score_unit(&r, &f).class;
        // 50 + 30·0.8 + 20·0.8 = 90 points, all on time, 30 % early: excellent.
        assert_eq!(class(facts(1.0, 0.3, 1.0, 0.0, 0.8, 0.8)), Class::Excellent);
        assert_eq!(
            class(facts(1.0, 0.29, 1.0, 0.0, 0.8, 0.8)),
            Class::Good,
            "too few exceeding"
        );
        // 89.5 points: good.
        assert_eq!(class(facts(1.0, 0.5, 1.0, 0.0, 0.8, 0.775)), Class::Good);
        // 70 points exactly, all on time: good.
        assert_eq!(class(facts(1.0, 0.0, 1.0, 0.0, 0.4, 0.4)), Class::Good);
        // One task late: not good, whatever the points; completed while ≤ 20 % behind.
        assert_eq!(class(facts(0.8, 0.0, 1.0, 0.2, 1.0, 1.0)), Class::Completed);
        assert_eq!(
            class(facts(0.79, 0.0, 1.0, 0.21, 1.0, 1.0)),
            Class::NotCompleted
        );
        // All done but under 50 points.
        assert_eq!(
            class(facts(0.8, 0.0, 1.0, 0.2, 0.0, 0.0)),
            Class::NotCompleted
        );
        // An overdue task: not everything is done.
        assert_eq!(
            class(facts(0.9, 0.0, 0.9, 0.1, 1.0, 1.0)),
            Class::NotCompleted
        );
    }

    #[test]
    fn missing_measures_rescale_the_points() {
        let r = rubric();
        let s = score_unit(
            &r,
            &UnitFacts {
                targets_on_track: Some(0.5),
                reports_submitted: Some(1.0),
                ..UnitFacts::default()
            },
        );
        // (30·0.5 + 20·1) / 50 · 100 = 70; no task fell due, so no task condition fails.
        assert_eq!(s.score, Some(70.0));
        assert_eq!(s.class, Class::Good);
        assert_eq!(score_unit(&r, &UnitFacts::default()).score, None);
        assert_eq!(
            score_unit(&r, &UnitFacts::default()).class,
            Class::NotCompleted
        );
    }

    #[test]
    fn a_unit_that_sent_nothing_has_no_data_not_a_score_of_zero() {
        let r = rubric();
        let silent = score_unit(
            &r,
            &UnitFacts {
                reports_submitted: Some(0.0),
                ..UnitFacts::default()
            },
        );
        assert_eq!(silent.score, None);
        assert_eq!(silent.coverage, 0.0);
        // One report of five sent is evidence, but of a fifth of the rubric: provisional.
        let thin = score_unit(
            &r,
            &UnitFacts {
                reports_submitted: Some(0.2),
                ..UnitFacts::default()
            },
        );
        assert_eq!(thin.score, Some(20.0));
        assert!((thin.coverage - 0.2).abs() < 1e-12 && thin.provisional());
        let whole = score_unit(&r, &facts(1.0, 0.3, 1.0, 0.0, 0.8, 0.8));
        assert!((whole.coverage - 1.0).abs() < 1e-12 && !whole.provisional());
    }

    #[test]
    fn facts_from_a_task_tally() {
        let mut tally = Tally::default();
        let tasks = [
            (TaskStatus::CompletedOnTime, 6),
            (TaskStatus::CompletedLate, 2),
            (TaskStatus::Overdue, 2),
            (TaskStatus::InProgress, 5),
        ];
        for (s, n) in tasks {
            for _ in 0..n {
                tally.add(s);
            }
        }
        assert_eq!(tally.on_time_rate(), Some(0.6));
        let f = UnitFacts::from_tasks(&tally, 3);
        assert_eq!(f.done, Some(0.8));
        assert_eq!(f.behind, Some(0.4));
        assert_eq!(f.exceeding, Some(3.0 / 8.0));
    }

    #[test]
    fn rubrics_without_a_catch_all_class_are_refused() {
        let mut r = rubric();
        r.classes.pop();
        assert!(r.validate().is_err());
        // Used anyway, such a rubric classes an unmatched unit "not completed".
        assert_eq!(
            score_unit(&r, &facts(0.5, 0.0, 0.5, 0.5, 0.0, 0.0)).class,
            Class::NotCompleted
        );
    }
}
