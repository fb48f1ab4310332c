//! What an official owes, gathered for the page they land on after login: the reports due from
//! their unit, the values returned to them with the reviewer's reason, their unit's tasks due
//! and overdue, the values waiting for their review and the citizens' requests in their care.

use std::collections::HashMap;

use chrono::{Days, NaiveDate};
use tiendo_domain::accounts::Access;
use tiendo_domain::feedback::State as CaseState;
use tiendo_domain::orgs::OrgCode;
use tiendo_domain::periods::{Period, Periodicity};
use tiendo_domain::tasks::Task;
use tiendo_domain::values::{DataValue, ValueState};
use tiendo_evaluation::tasks::{task_status, Horizon, TaskStatus};
use tiendo_storage::{CaseFilter, ValueFilter};

use crate::auth::Viewer;
use crate::failure::Failure;
use crate::AppState;

/// One period's report of a unit: how many of the targets it reports are in which state.
#[derive(Debug, Clone, PartialEq)]
pub struct DueReport {
    pub unit: OrgCode,
    pub period: Period,
    /// The last day the report is expected: the period's end and the grace days after it.
    pub due_on: NaiveDate,
    pub expected: usize,
    pub approved: usize,
    pub submitted: usize,
    pub drafts: usize,
    pub returned: usize,
}

impl DueReport {
    /// Targets with nothing entered yet.
    pub fn missing(&self) -> usize {
        self.expected
            .saturating_sub(self.approved + self.submitted + self.drafts + self.returned)
    }

    /// Everything is with a reviewer or approved: nothing is left for the reporter.
    pub fn done(&self) -> bool {
        self.missing() == 0 && self.drafts == 0 && self.returned == 0
    }
}

/// An open citizens' request routed to a unit in the official's care.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenCase {
    pub reference: String,
    pub unit: Option<OrgCode>,
    pub state: CaseState,
    pub due_on: NaiveDate,
}

#[derive(Debug, Clone, Default)]
pub struct Work {
    pub reports: Vec<DueReport>,
    pub returned: Vec<DataValue>,
    /// Overdue first, then due soon, each by deadline.
    pub tasks: Vec<(Task, TaskStatus)>,
    /// How many values wait for this official's review.
    pub to_review: usize,
    pub cases: Vec<OpenCase>,
}

/// How many open requests the page lists at most; the inbox holds the rest.
const SHOWN_CASES: u32 = 20;

/// The reports of `unit` expected around `day`: the period of each periodicity that ended
/// last (due within the grace days or already late) and the one before it while unfinished.
fn due_reports(
    state: &AppState,
    unit: &OrgCode,
    values: &[DataValue],
    day: NaiveDate,
    grace_days: u64,
) -> Vec<DueReport> {
    let o = state.overview();
    let h = &o.snapshot.hierarchy;
    let Some(u) = h.get(unit) else {
        return Vec::new();
    };
    let mut reports = Vec::new();
    for periodicity in Periodicity::ALL {
        let targets: Vec<_> = o
            .snapshot
            .targets
            .iter()
            .filter(|t| t.periodicity == periodicity && t.reporters.reported_by(&u.code, u.kind))
            .map(|t| &t.code)
            .collect();
        if targets.is_empty() {
            continue;
        }
        let last = periodicity.period_containing(day).previous();
        for period in [last, last.previous()] {
            if !u.validity.overlaps(period.start(), period.end()) {
                continue;
            }
            let states: HashMap<_, ValueState> = values
                .iter()
                .filter(|v| v.period == period)
                .map(|v| (&v.target, v.state))
                .collect();
            let count = |s: ValueState| {
                targets
                    .iter()
                    .filter(|t| states.get(**t) == Some(&s))
                    .count()
            };
            let report = DueReport {
                unit: unit.clone(),
                period,
                due_on: period
                    .end()
                    .checked_add_days(Days::new(grace_days))
                    .unwrap_or(period.end()),
                expected: targets.len(),
                approved: count(ValueState::Approved),
                submitted: count(ValueState::Submitted),
                drafts: count(ValueState::Draft),
                returned: count(ValueState::Returned),
            };
            // The latest period is always listed; an earlier one only while something is owed.
            if period == last || !report.done() {
                reports.push(report);
            }
        }
    }
    reports.sort_by_key(|r| r.due_on);
    reports
}

/// What `viewer` owes today. Empty for those who neither report nor review.
pub async fn owed(state: &AppState, viewer: &Viewer) -> Result<Work, Failure> {
    viewer.require_login()?;
    let day = state.day();
    let grace_days = tiendo_evaluation::warnings::Settings::default().grace_days;
    let mut work = Work::default();
    if let Some(unit) = viewer.access.capture_scope() {
        let values = state
            .store
            .values(&ValueFilter {
                target: None,
                org: Some(unit.clone()),
            })
            .await?;
        work.reports = due_reports(state, unit, &values, day, grace_days);
        work.returned = crate::app::values::returned_to(state, viewer).await?;
        let o = state.overview();
        let progress = &o.snapshot.last_progress;
        // The tasks the unit leads or coordinates, from the resident model.
        let mut tasks: Vec<(Task, TaskStatus)> =
            crate::app::tasks::readable(state, viewer.access.clearance())
                .await?
                .of_unit(unit)
                .cloned()
                .map(|t| {
                    let has = progress.get(&t.code).is_some_and(|d| *d <= day);
                    let s = task_status(&t, day, has, Horizon::default());
                    (t, s)
                })
                .filter(|(_, s)| matches!(s, TaskStatus::Overdue | TaskStatus::DueSoon))
                .collect();
        tasks.sort_by_key(|(t, s)| (*s != TaskStatus::Overdue, t.deadline));
        work.tasks = tasks;
    }
    if matches!(
        viewer.access,
        Access::StandingOffice | Access::Reporter { .. }
    ) {
        work.to_review = crate::app::values::reviewable(state, viewer).await?.len();
    }
    if matches!(
        viewer.access,
        Access::StandingOffice | Access::Reporter { .. }
    ) {
        let o = state.overview();
        let units = match &viewer.access {
            Access::Reporter { capture, .. } => Some(
                o.snapshot
                    .hierarchy
                    .units()
                    .iter()
                    .filter(|u| o.snapshot.hierarchy.is_within(&u.code, capture))
                    .map(|u| u.code.clone())
                    .collect(),
            ),
            _ => None,
        };
        for wanted in [CaseState::Received, CaseState::Assigned] {
            let filter = CaseFilter {
                units: units.clone(),
                state: Some(wanted),
                published_only: false,
                overdue_on: None,
            };
            let (cases, _) = state.store.feedback_cases(&filter, SHOWN_CASES, 0).await?;
            work.cases.extend(cases.into_iter().map(|c| OpenCase {
                reference: c.reference.to_string(),
                unit: c.unit,
                state: c.state,
                due_on: c.due_on,
            }));
        }
        work.cases.sort_by_key(|c| c.due_on);
    }
    Ok(work)
}
