//! Where each task stands on a given day, and how units, documents and task groups do.

use std::collections::HashMap;

use chrono::{Days, NaiveDate};
use serde::Serialize;
use tiendo_domain::documents::{DocumentCode, SectionCode};
use tiendo_domain::orgs::OrgCode;
use tiendo_domain::tasks::Task;

/// A task's status on a day, as official reporting names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    NotYetDue,
    DueSoon,
    InProgress,
    Overdue,
    CompletedOnTime,
    CompletedLate,
    Cancelled,
}

impl TaskStatus {
    pub const ALL: [TaskStatus; 7] = [
        TaskStatus::NotYetDue,
        TaskStatus::DueSoon,
        TaskStatus::InProgress,
        TaskStatus::Overdue,
        TaskStatus::CompletedOnTime,
        TaskStatus::CompletedLate,
        TaskStatus::Cancelled,
    ];
}

/// How far ahead "due soon" looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Horizon {
    pub due_soon_days: u64,
}

impl Default for Horizon {
    fn default() -> Self {
        Horizon { due_soon_days: 14 }
    }
}

/// The tasks by status on each of `days` (quarter ends, say), as the tasks are defined now: a
/// task counts from its start, or from the first day when it has none; `last_progress` is the
/// day of its latest progress report. The overview draws the quarters from this.
pub fn tallies_over_time<'a>(
    tasks: impl IntoIterator<Item = &'a Task> + Clone,
    days: &[NaiveDate],
    last_progress: impl Fn(&Task) -> Option<NaiveDate>,
    horizon: Horizon,
) -> Vec<Tally> {
    days.iter()
        .map(|&day| {
            let mut tally = Tally::default();
            for t in tasks.clone() {
                if t.start.is_some_and(|s| s > day) {
                    continue;
                }
                let progressed = last_progress(t).is_some_and(|d| d <= day);
                tally.add(task_status(t, day, progressed, horizon));
            }
            tally
        })
        .collect()
}

/// The status of `task` on `day`. `has_progress` says whether any progress was reported by
/// then. Order of the rules: cancelled, completed (on time or late), overdue, due soon,
/// in progress (started or reported on), not yet due.
pub fn task_status(
    task: &Task,
    day: NaiveDate,
    has_progress: bool,
    horizon: Horizon,
) -> TaskStatus {
    if task.cancelled_on.is_some_and(|c| c <= day) {
        return TaskStatus::Cancelled;
    }
    if let Some(done) = task.completed_on.filter(|c| *c <= day) {
        return match task.deadline {
            Some(d) if done > d => TaskStatus::CompletedLate,
            _ => TaskStatus::CompletedOnTime,
        };
    }
    if let Some(deadline) = task.deadline {
        if deadline < day {
            return TaskStatus::Overdue;
        }
        if deadline <= day + Days::new(horizon.due_soon_days) {
            return TaskStatus::DueSoon;
        }
    }
    let started = task.start.is_some_and(|s| s <= day);
    if started || has_progress {
        TaskStatus::InProgress
    } else {
        TaskStatus::NotYetDue
    }
}

/// Counts of tasks by status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    counts: [usize; TaskStatus::ALL.len()],
}

impl Tally {
    pub fn add(&mut self, s: TaskStatus) {
        self.counts[s as usize] += 1;
    }

    pub fn count(&self, s: TaskStatus) -> usize {
        self.counts[s as usize]
    }

    pub fn total(&self) -> usize {
        self.counts.iter().sum()
    }

    /// Tasks completed on time as a share of those that fell due by the day (completed, or
    /// with a passed deadline); `None` while none has fallen due.
    pub fn on_time_rate(&self) -> Option<f64> {
        let on_time = self.count(TaskStatus::CompletedOnTime);
        let fell_due =
            on_time + self.count(TaskStatus::CompletedLate) + self.count(TaskStatus::Overdue);
        (fell_due > 0).then(|| on_time as f64 / fell_due as f64)
    }
}

/// A unit's part in a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Lead,
    Coordinator,
}

/// Tallies by unit and role, by document and by task group, keyed by the tasks' own codes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskSummary<'a> {
    pub by_unit: HashMap<(&'a OrgCode, Role), Tally>,
    pub by_document: HashMap<&'a DocumentCode, Tally>,
    pub by_group: HashMap<(&'a DocumentCode, &'a SectionCode), Tally>,
    pub overall: Tally,
}

/// Statuses of `tasks` on `day` and their tallies. `has_progress(task)` says whether progress
/// was reported on it by then; `answering(unit)` is the unit that answers for a task's unit on
/// the day (its successor when it was merged away, as a ministry merged on 1 March 2025), under
/// which the task is tallied.
pub fn summarise<'a>(
    tasks: impl IntoIterator<Item = &'a Task>,
    day: NaiveDate,
    has_progress: impl Fn(&Task) -> bool,
    answering: impl Fn(&'a OrgCode) -> &'a OrgCode,
    horizon: Horizon,
) -> (Vec<(&'a Task, TaskStatus)>, TaskSummary<'a>) {
    let mut summary = TaskSummary::default();
    let mut statuses = Vec::new();
    for task in tasks {
        let s = task_status(task, day, has_progress(task), horizon);
        summary.overall.add(s);
        summary
            .by_document
            .entry(&task.document)
            .or_default()
            .add(s);
        if let Some(g) = &task.group {
            summary
                .by_group
                .entry((&task.document, g))
                .or_default()
                .add(s);
        }
        summary
            .by_unit
            .entry((answering(&task.lead), Role::Lead))
            .or_default()
            .add(s);
        for c in &task.coordinators {
            summary
                .by_unit
                .entry((answering(c), Role::Coordinator))
                .or_default()
                .add(s);
        }
        statuses.push((task, s));
    }
    (statuses, summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tiendo_domain::tasks::Confidentiality;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn statuses_over_time_follow_deadlines_and_completions() {
        let tasks = [
            task(Some("2025-01-01"), Some("2025-06-30"), Some("2025-09-15")),
            task(Some("2025-08-01"), Some("2026-06-30"), None),
        ];
        let days: Vec<NaiveDate> = ["2025-03-31", "2025-09-30", "2025-12-31"]
            .iter()
            .map(|d| d.parse().unwrap())
            .collect();
        let t = tallies_over_time(&tasks, &days, |_| None, Horizon::default());
        // March: the first under way, the second not started yet.
        assert_eq!(t[0].count(TaskStatus::InProgress), 1);
        assert_eq!(t[0].total(), 1);
        // September: the first done late, the second started.
        assert_eq!(t[1].count(TaskStatus::CompletedLate), 1);
        assert_eq!(t[1].count(TaskStatus::InProgress), 1);
        assert_eq!(t[2].total(), 2);
    }

    fn task(start: Option<&str>, deadline: Option<&str>, done: Option<&str>) -> Task {
        Task {
            code: "T".parse().unwrap(),
            document: "03/NQ-CP".parse().unwrap(),
            group: Some("TG2".parse().unwrap()),
            parent: None,
            title_vi: "t".into(),
            title_en: None,
            lead: "MOST".parse().unwrap(),
            coordinators: vec!["MPS".parse().unwrap()],
            start: start.map(d),
            deadline: deadline.map(d),
            as_published: Default::default(),
            completed_on: done.map(d),
            cancelled_on: None,
            expected_product: None,
            targets: vec![],
            confidentiality: Confidentiality::Public,
            source: None,
        }
    }

    #[test]
    fn status_at_every_boundary() {
        let h = Horizon::default();
        let t = task(Some("2025-03-01"), Some("2025-06-30"), None);
        let on = |day: &str| task_status(&t, d(day), false, h);
        assert_eq!(on("2025-02-28"), TaskStatus::NotYetDue);
        assert_eq!(on("2025-03-01"), TaskStatus::InProgress);
        assert_eq!(on("2025-06-15"), TaskStatus::InProgress);
        assert_eq!(
            on("2025-06-16"),
            TaskStatus::DueSoon,
            "14 days before the deadline"
        );
        assert_eq!(
            on("2025-06-30"),
            TaskStatus::DueSoon,
            "the deadline day itself"
        );
        assert_eq!(on("2025-07-01"), TaskStatus::Overdue);
        // Progress reported before the start counts as in progress.
        assert_eq!(
            task_status(&t, d("2025-02-01"), true, h),
            TaskStatus::InProgress
        );

        let done_on_time = task(None, Some("2025-06-30"), Some("2025-06-30"));
        assert_eq!(
            task_status(&done_on_time, d("2025-07-15"), false, h),
            TaskStatus::CompletedOnTime
        );
        // Before its completion day the task was still open.
        assert_eq!(
            task_status(&done_on_time, d("2025-06-29"), false, h),
            TaskStatus::DueSoon
        );
        let late = task(None, Some("2025-06-30"), Some("2025-07-01"));
        assert_eq!(
            task_status(&late, d("2025-07-01"), false, h),
            TaskStatus::CompletedLate
        );
        assert_eq!(
            task_status(&late, d("2025-06-30"), false, h),
            TaskStatus::DueSoon
        );
        let no_deadline = task(None, None, Some("2025-07-01"));
        assert_eq!(
            task_status(&no_deadline, d("2025-07-02"), false, h),
            TaskStatus::CompletedOnTime
        );
        let mut cancelled = task(None, Some("2025-06-30"), None);
        cancelled.cancelled_on = Some(d("2025-05-01"));
        assert_eq!(
            task_status(&cancelled, d("2025-08-01"), false, h),
            TaskStatus::Cancelled
        );
        assert_eq!(
            task_status(&cancelled, d("2025-04-30"), false, h),
            TaskStatus::NotYetDue
        );
    }

    #[test]
    fn tallies_count_coordinating_roles_and_on_time_rates() {
        // The 31 July 2025 example: 12 completed late and 21 not completed among 33 late tasks.
        let mut tasks = Vec::new();
        for _ in 0..12 {
            tasks.push(task(None, Some("2025-06-30"), Some("2025-07-15")));
        }
        for _ in 0..21 {
            tasks.push(task(None, Some("2025-06-30"), None));
        }
        for _ in 0..67 {
            tasks.push(task(None, Some("2025-06-30"), Some("2025-06-20")));
        }
        let (statuses, s) = summarise(
            &tasks,
            d("2025-07-31"),
            |_| false,
            |u| u,
            Horizon::default(),
        );
        assert_eq!(statuses.len(), 100);
        assert_eq!(s.overall.count(TaskStatus::CompletedLate), 12);
        assert_eq!(s.overall.count(TaskStatus::Overdue), 21);
        assert_eq!(s.overall.on_time_rate(), Some(0.67));
        let most: OrgCode = "MOST".parse().unwrap();
        let mps: OrgCode = "MPS".parse().unwrap();
        assert_eq!(s.by_unit[&(&most, Role::Lead)].total(), 100);
        assert_eq!(
            s.by_unit[&(&mps, Role::Coordinator)].count(TaskStatus::Overdue),
            21
        );
        let doc: DocumentCode = "03/NQ-CP".parse().unwrap();
        let group: SectionCode = "TG2".parse().unwrap();
        assert_eq!(s.by_group[&(&doc, &group)].total(), 100);
        assert_eq!(s.by_document[&doc].on_time_rate(), Some(0.67));
        let (_, none_due) = summarise(
            &tasks[..0],
            d("2025-07-31"),
            |_| false,
            |u| u,
            Horizon::default(),
        );
        assert_eq!(none_due.overall.on_time_rate(), None);
    }
}
