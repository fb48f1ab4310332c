//! Operations on tasks shared by the pages and the API: the filtered board, checking a
//! progress report, closing.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDate;
use serde::Deserialize;
use tiendo_domain::tasks::{Clearance, Percent, Task};
use tiendo_evaluation::tasks::{task_status, Horizon, TaskStatus};
use tiendo_storage::{TaskClosing, TaskFilter};

use crate::failure::Failure;
use crate::wording::serde_name;
use crate::AppState;

#[derive(Debug, Deserialize, Default)]
pub struct BoardQuery {
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub unit: Option<String>,
    #[serde(default)]
    pub group: Option<String>,
    /// Tasks of one document (its code).
    #[serde(default)]
    pub document: Option<String>,
    #[serde(default)]
    pub due_before: Option<String>,
    #[serde(default)]
    pub page: Option<usize>,
}

/// The unit someone typed: its code, or its name with or without diacritics. The unit in force
/// today wins over a former one of the same name.
pub fn find_unit(state: &AppState, typed: &str) -> Result<tiendo_domain::orgs::OrgCode, Failure> {
    let o = state.overview();
    o.snapshot
        .hierarchy
        .search(typed, state.day())
        .first()
        .map(|u| u.code.clone())
        .ok_or_else(|| {
            Failure::bad_request(
                "unknown_unit",
                format!("no unit has the code or name \"{}\"", typed.trim()),
            )
        })
}

/// The tasks the caller may see that pass the filters, with their status, in definition order.
pub async fn filtered(
    state: &AppState,
    clearance: tiendo_domain::tasks::Clearance,
    q: &BoardQuery,
) -> Result<Vec<(Task, TaskStatus)>, Failure> {
    let unit = q
        .unit
        .as_deref()
        .filter(|u| !u.trim().is_empty())
        .map(|u| find_unit(state, u))
        .transpose()?;
    let status: Option<TaskStatus> = match q.status.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(
            TaskStatus::ALL
                .into_iter()
                .find(|x| serde_name(x) == s)
                .ok_or_else(|| {
                    Failure::bad_request("invalid_status", format!("unknown task status \"{s}\""))
                })?,
        ),
    };
    let due_before: Option<NaiveDate> = q
        .due_before
        .as_deref()
        .filter(|d| !d.is_empty())
        .map(|d| {
            d.parse().map_err(|_| {
                Failure::bad_request(
                    "invalid_date",
                    format!("\"{d}\" is not a date (expected YYYY-MM-DD)"),
                )
            })
        })
        .transpose()?;
    let document = q
        .document
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty());
    let o = state.overview();
    let readable = readable(state, clearance).await?;
    let tasks = readable.iter();
    let h = &o.snapshot.hierarchy;
    let progress = &o.snapshot.last_progress;
    let day = state.day();
    // A unit's tasks are those it, its departments or its communes lead or coordinate, and
    // those of the units it succeeded (a merged ministry's tasks are its successor's).
    let concerns = |t: &Task| {
        unit.as_ref().is_none_or(|u| {
            std::iter::once(&t.lead).chain(&t.coordinators).any(|x| {
                let answering = h.in_force_for(x, day).map_or(x, |a| &a.code);
                h.is_within(x, u) || h.is_within(answering, u)
            })
        })
    };
    Ok(tasks
        .filter(|t| concerns(t))
        .map(|t| {
            let has = progress.get(&t.code).is_some_and(|d| *d <= day);
            (t, task_status(t, day, has, Horizon::default()))
        })
        .filter(|(t, s)| {
            status.is_none_or(|x| x == *s)
                && q.group
                    .as_deref()
                    .filter(|g| !g.is_empty())
                    .is_none_or(|g| t.group.as_ref().is_some_and(|tg| tg.as_str() == g))
                && due_before.is_none_or(|d| t.deadline.is_some_and(|dl| dl <= d))
                && document.is_none_or(|d| t.document.as_str() == d)
        })
        .map(|(t, s)| (t.clone(), s))
        .collect())
}

/// The tasks a reader may see, in definition order.
pub struct Readable {
    tasks: Arc<Vec<Task>>,
    clearance: Clearance,
}

impl Readable {
    pub fn iter(&self) -> impl Iterator<Item = &Task> {
        self.tasks
            .iter()
            .filter(|t| self.clearance.may_see(t.confidentiality))
    }

    /// Those `unit` itself leads or coordinates (not the units within it).
    pub fn of_unit<'a>(
        &'a self,
        unit: &'a tiendo_domain::orgs::OrgCode,
    ) -> impl Iterator<Item = &'a Task> {
        self.iter()
            .filter(move |t| &t.lead == unit || t.coordinators.contains(unit))
    }
}

/// Every task a reader of `clearance` may see. The resident model holds every task an official
/// may see, so this reads no rows; only a reader cleared for secret tasks, which it leaves
/// out, reads them from storage.
pub async fn readable(state: &AppState, clearance: Clearance) -> Result<Readable, Failure> {
    let tasks = match clearance {
        Clearance::Secret => Arc::new(state.store.tasks(&TaskFilter::all(clearance)).await?),
        _ => state.overview().snapshot.tasks.clone(),
    };
    Ok(Readable { tasks, clearance })
}

/// The task of `code` when a reader of `clearance` may see it, else 404 (a hidden task is not
/// revealed by a 403).
pub async fn visible(state: &AppState, clearance: Clearance, code: &str) -> Result<Task, Failure> {
    let missing = || Failure::not_found("task_not_found", format!("no task {code}"));
    let code: tiendo_domain::tasks::TaskCode = code.parse().map_err(|_| missing())?;
    state
        .store
        .task(&code, clearance)
        .await?
        .ok_or_else(missing)
}

/// Checks a progress report; the errors are keyed by field.
pub fn check_progress(
    percent: &str,
    narrative: &str,
) -> Result<Percent, HashMap<&'static str, String>> {
    let mut errors = HashMap::new();
    let percent = match percent.trim().parse::<i64>() {
        Ok(p) => Percent::new(p).map_err(|e| e.to_string()),
        Err(_) => Err(format!(
            "\"{}\" is not a whole number from 0 to 100",
            percent.trim()
        )),
    };
    if let Err(e) = &percent {
        errors.insert("percent", e.clone());
    }
    if narrative.trim().is_empty() {
        errors.insert(
            "narrative",
            "describe what was done in the period".to_string(),
        );
    }
    match percent {
        Ok(p) if errors.is_empty() => Ok(p),
        _ => Err(errors),
    }
}

/// Parses how a task is closed.
pub fn closing(how: &str) -> Result<TaskClosing, Failure> {
    match how {
        "completed" => Ok(TaskClosing::Completed),
        "cancelled" => Ok(TaskClosing::Cancelled),
        other => Err(Failure::bad_request(
            "invalid_closing",
            format!("unknown closing \"{other}\": use completed or cancelled"),
        )),
    }
}
