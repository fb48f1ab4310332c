//! The facts of a unit's periodic report, gathered from the day's snapshot: tasks by group
//! and status, the targets it reports with their values and judgements, the overdue tasks,
//! the warnings by rule. No I/O and no sentences: the writer words them.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use tiendo_domain::documents::{Document, DocumentCode, SectionCode};
use tiendo_domain::orgs::OrgCode;
use tiendo_domain::periods::Period;
use tiendo_domain::snapshot::Snapshot;
use tiendo_domain::targets::Target;
use tiendo_domain::tasks::{Clearance, Task};
use tiendo_evaluation::national::judge_all;
use tiendo_evaluation::targets::{judge, TargetJudgement};
use tiendo_evaluation::tasks::{task_status, Horizon, Tally, TaskStatus};
use tiendo_evaluation::warnings::{warnings, Inputs, Rule, Settings};

/// The tasks of one group of one document, counted by status on the report's day.
#[derive(Debug, Clone)]
pub struct GroupTally {
    pub document: DocumentCode,
    pub group: Option<SectionCode>,
    pub tally: Tally,
    /// The lead units of its overdue tasks, each once.
    pub overdue_leads: Vec<OrgCode>,
}

/// One target the unit reports: its last value by the period's end and the one before.
#[derive(Debug, Clone)]
pub struct TargetLine {
    pub target: Target,
    pub value: Option<(Period, f64)>,
    pub previous: Option<(Period, f64)>,
    pub judgement: TargetJudgement,
    /// The values known by the period's end, oldest first, and the year judged from.
    pub series: Vec<(Period, f64)>,
    pub base_year: i32,
}

/// A task past its deadline and not completed on the report's day.
#[derive(Debug, Clone)]
pub struct OverdueTask {
    pub task: Task,
    pub days: i64,
}

/// Feedback of the public to the unit, counted by the caller, who holds the cases.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FeedbackCounts {
    pub total: u64,
    pub answered: u64,
    pub waiting: u64,
    pub overdue: u64,
}

impl FeedbackCounts {
    /// Counts cases given as their state and answer deadline, on `day`.
    pub fn of(
        cases: impl IntoIterator<Item = (tiendo_domain::feedback::State, NaiveDate)>,
        day: NaiveDate,
    ) -> FeedbackCounts {
        use tiendo_domain::feedback::{timeliness, Timeliness};
        let mut c = FeedbackCounts::default();
        for (state, due) in cases {
            c.total += 1;
            if state.awaits_answer() {
                c.waiting += 1;
            } else {
                c.answered += 1;
            }
            if timeliness(state, due, day) == Some(Timeliness::Overdue) {
                c.overdue += 1;
            }
        }
        c
    }
}

/// What a report covers: a unit's tasks and targets, or one document's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Unit(OrgCode),
    Document(DocumentCode),
}

/// Everything a periodic report states.
#[derive(Debug, Clone)]
pub struct ReportFacts {
    /// The unit that reports: the unit itself, or the document's issuer (the nation when it
    /// has none).
    pub unit: OrgCode,
    /// The document reported on, for a document's report.
    pub document: Option<DocumentCode>,
    pub period: Period,
    /// The day things are judged on: the period's last day, or an earlier one asked for.
    pub day: NaiveDate,
    pub documents: Vec<Document>,
    pub groups: Vec<GroupTally>,
    pub overall: Tally,
    pub targets: Vec<TargetLine>,
    pub overdue: Vec<OverdueTask>,
    pub warnings: Vec<(Rule, usize)>,
    pub feedback: Option<FeedbackCounts>,
}

/// Whether `task` is `unit`'s to report on: it leads or coordinates it, itself or through a
/// unit within it; the nation's report holds every task.
fn concerns(s: &Snapshot, unit: &OrgCode, task: &Task) -> bool {
    s.hierarchy.nation().is_some_and(|n| &n.code == unit)
        || s.hierarchy.is_within(&task.lead, unit)
        || task
            .coordinators
            .iter()
            .any(|c| s.hierarchy.is_within(c, unit))
}

/// The facts of the report on `scope` for `period`, from `snapshot` (taken on the report's
/// day), showing only tasks the reader's `clearance` allows; `None` when the scope's unit or
/// document is unknown.
pub fn gather(
    snapshot: &Snapshot,
    documents: &[Document],
    scope: &Scope,
    period: Period,
    clearance: Clearance,
    feedback: Option<FeedbackCounts>,
) -> Option<ReportFacts> {
    let day = snapshot.day;
    let nation = snapshot.hierarchy.nation().map(|n| n.code.clone());
    let (unit, document) = match scope {
        Scope::Unit(u) => (snapshot.hierarchy.get(u)?.code.clone(), None),
        Scope::Document(d) => {
            let doc = documents.iter().find(|x| &x.code == d)?;
            (doc.issuer.clone().or(nation)?, Some(d.clone()))
        }
    };
    let unit = &unit;
    let in_scope = |t: &Task| match &document {
        Some(d) => &t.document == d,
        None => concerns(snapshot, unit, t),
    };
    let tasks: Vec<&Task> = snapshot
        .tasks
        .iter()
        .filter(|t| clearance.may_see(t.confidentiality))
        .filter(|t| in_scope(t))
        .filter(|t| t.start.is_none_or(|s| s <= day))
        .collect();
    let mut groups: BTreeMap<(DocumentCode, Option<SectionCode>), GroupTally> = BTreeMap::new();
    let mut overall = Tally::default();
    let mut overdue = Vec::new();
    for t in &tasks {
        let progressed = snapshot
            .last_progress
            .get(&t.code)
            .is_some_and(|d| *d <= day);
        let status = task_status(t, day, progressed, Horizon::default());
        overall.add(status);
        let g = groups
            .entry((t.document.clone(), t.group.clone()))
            .or_insert_with(|| GroupTally {
                document: t.document.clone(),
                group: t.group.clone(),
                tally: Tally::default(),
                overdue_leads: Vec::new(),
            });
        g.tally.add(status);
        if status == TaskStatus::Overdue {
            // A task of a unit merged away is answered for by its successor.
            let mut task = (*t).clone();
            if let Some(now) = snapshot.hierarchy.in_force_for(&t.lead, day) {
                task.lead = now.code.clone();
            }
            if !g.overdue_leads.contains(&task.lead) {
                g.overdue_leads.push(task.lead.clone());
            }
            let days = t.deadline.map_or(0, |d| (day - d).num_days());
            overdue.push(OverdueTask { task, days });
        }
    }
    overdue.sort_by_key(|o| std::cmp::Reverse(o.days));

    let mut targets = Vec::new();
    for t in snapshot.targets.iter() {
        let by_unit = snapshot.series.get(&t.code);
        let series = match &document {
            None => by_unit.and_then(|m| m.get(unit)),
            // A document's target is shown for its issuer, or the unit with the longest series.
            Some(d) if t.document.as_ref() == Some(d) => {
                by_unit.and_then(|m| m.get(unit).or_else(|| m.values().max_by_key(|s| s.len())))
            }
            Some(_) => None,
        };
        let Some(series) = series else {
            continue;
        };
        let mut known: Vec<(Period, f64)> = series
            .iter()
            .copied()
            .filter(|(p, _)| p.end() <= period.end())
            .collect();
        known.sort_by_key(|(p, _)| *p);
        let value = known.last().copied();
        let previous = known.len().checked_sub(2).map(|i| known[i]);
        let base_year = t
            .baseline
            .as_ref()
            .map(|b| b.period.year())
            .or_else(|| known.first().map(|(p, _)| p.year()))
            .unwrap_or(period.year());
        targets.push(TargetLine {
            target: t.clone(),
            value,
            previous,
            judgement: judge(t, &known, period.year(), base_year),
            series: known,
            base_year,
        });
    }

    // Warnings about tasks the reader may see, and for a document's report only those about
    // its own tasks and targets.
    let visible: Vec<Task> = snapshot
        .tasks
        .iter()
        .filter(|t| clearance.may_see(t.confidentiality))
        .cloned()
        .collect();
    let inputs = Inputs {
        tasks: &visible,
        ..Inputs::from(snapshot)
    };
    let judgements = judge_all(&inputs);
    let reported: Vec<&tiendo_domain::targets::TargetCode> =
        targets.iter().map(|t| &t.target.code).collect();
    let about_scope = |w: &tiendo_evaluation::warnings::Warning| {
        use tiendo_evaluation::warnings::Subject;
        match (&document, &w.subject) {
            (None, _) => snapshot.hierarchy.is_within(&w.unit, unit),
            (Some(_), Subject::Task { task }) => tasks.iter().any(|t| &t.code == task),
            (Some(_), Subject::Target { target } | Subject::Value { target, .. }) => {
                reported.contains(&target)
            }
        }
    };
    let mut by_rule: BTreeMap<Rule, usize> = BTreeMap::new();
    for w in warnings(&inputs, &Settings::default(), &judgements) {
        if about_scope(&w) {
            *by_rule.entry(w.rule).or_default() += 1;
        }
    }
    let used: Vec<&DocumentCode> = groups.keys().map(|(d, _)| d).collect();
    Some(ReportFacts {
        unit: unit.clone(),
        document,
        period,
        day,
        documents: documents
            .iter()
            .filter(|d| used.contains(&&d.code))
            .cloned()
            .collect(),
        groups: groups.into_values().collect(),
        overall,
        targets,
        overdue,
        warnings: by_rule.into_iter().collect(),
        feedback,
    })
}
