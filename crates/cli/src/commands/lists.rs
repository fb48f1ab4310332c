//! The listing commands: orgs, documents, targets, tasks.

use anyhow::Result;
use chrono::{Local, NaiveDate};
use serde::Serialize;
use tiendo_domain::documents::{Document, DocumentCode};
use tiendo_domain::orgs::{OrgCode, OrgKind, OrgUnit};
use tiendo_domain::targets::{Goal, Shape, Target};
use tiendo_domain::tasks::{Clearance, Task};
use tiendo_evaluation::tasks::{task_status, Horizon, TaskStatus};
use tiendo_storage::{Store, TaskFilter};

use crate::cli::{ClearanceArg, Format};
use crate::output::{join, opt, Listing};
use tiendo_wording::Lang;

use crate::BadInput;

#[derive(Serialize)]
struct OrgLine {
    #[serde(flatten)]
    unit: OrgUnit,
    /// The unit it merged into, when it ceased.
    successor: Option<OrgCode>,
    successor_from: Option<NaiveDate>,
}

pub async fn orgs(
    store: &Store,
    at: Option<NaiveDate>,
    kind: Option<OrgKind>,
    under: Option<OrgCode>,
    format: Format,
    lang: Lang,
) -> Result<()> {
    let h = store.hierarchy().await?;
    if let Some(u) = &under {
        if h.get(u).is_none() {
            return Err(BadInput(format!("--under {u}: no such organisation unit")).into());
        }
    }
    let day = at.unwrap_or_else(|| Local::now().date_naive());
    let human = format == Format::Table;
    let lines: Vec<OrgLine> = h
        .as_of(day)
        .filter(|u| kind.is_none_or(|k| u.kind == k))
        .filter(|u| under.as_ref().is_none_or(|a| h.is_within(&u.code, a)))
        .map(|u| {
            let s = h.successor_of(&u.code);
            OrgLine {
                unit: u.clone(),
                successor: s.map(|s| s.successor.clone()),
                successor_from: s.map(|s| s.effective),
            }
        })
        .collect();
    Listing {
        items: &lines,
        headers: &[
            "code",
            "kind",
            "name_vi",
            "name_en",
            "parent",
            "valid_from",
            "valid_to",
            "successor",
            "successor_from",
            "synthetic",
        ],
        row: |l: &OrgLine| {
            vec![
                l.unit.code.to_string(),
                if human {
                    lang.t(&format!("org-kind-{}", l.unit.kind))
                } else {
                    l.unit.kind.to_string()
                },
                l.unit.name_vi.clone(),
                l.unit.name_en.clone(),
                opt(&l.unit.parent),
                opt(&l.unit.validity.from()),
                opt(&l.unit.validity.to()),
                opt(&l.successor),
                opt(&l.successor_from),
                match (l.unit.synthetic, human) {
                    (false, _) => String::new(),
                    (true, true) => lang.t("yes"),
                    (true, false) => "yes".to_string(),
                },
            ]
        },
    }
    .print(format, lang)
}

pub async fn documents(store: &Store, format: Format, lang: Lang) -> Result<()> {
    let docs = store.documents().await?;
    let human = format == Format::Table;
    Listing {
        items: &docs,
        headers: &[
            "code",
            "kind",
            "issued_on",
            "issuer",
            "implements",
            "title_vi",
        ],
        row: |d: &Document| {
            vec![
                d.code.to_string(),
                if human {
                    lang.t(&format!("doc-kind-{}", d.kind))
                } else {
                    d.kind.to_string()
                },
                opt(&d.issued_on),
                opt(&d.issuer),
                join(&d.implements),
                d.title_vi.clone(),
            ]
        },
    }
    .print(format, lang)
}

#[derive(Serialize)]
struct TargetLine {
    #[serde(flatten)]
    target: Target,
    shape: Shape,
}

/// The goals for a program (English, stable) or, `human`, in the reader's language.
fn goals_text(goals: &[Goal], human: Option<Lang>) -> String {
    match human {
        Some(l) => tiendo_wording::goals(l, goals),
        None => goals
            .iter()
            .map(|g| {
                format!("{} by {}", g.requirement, g.deadline)
                    .replace("by every year", "every year")
            })
            .collect::<Vec<_>>()
            .join("; "),
    }
}

pub async fn targets(
    store: &Store,
    document: Option<DocumentCode>,
    format: Format,
    lang: Lang,
) -> Result<()> {
    if let Some(d) = &document {
        if !store.documents().await?.iter().any(|x| &x.code == d) {
            return Err(BadInput(format!(
                "--document {d}: no such document (see `tiendo documents`)"
            ))
            .into());
        }
    }
    let lines: Vec<TargetLine> = store
        .targets(document.as_ref())
        .await?
        .into_iter()
        .map(|t| TargetLine {
            shape: t.shape(),
            target: t,
        })
        .collect();
    let human = (format == Format::Table).then_some(lang);
    Listing {
        items: &lines,
        headers: &[
            "code",
            "document",
            "name_vi",
            "unit",
            "shape",
            "goals",
            "direction",
        ],
        row: |l: &TargetLine| {
            let t = &l.target;
            vec![
                t.code.to_string(),
                opt(&t.document),
                t.name_vi.clone(),
                t.unit.clone(),
                match human {
                    Some(h) => h.t(&format!("shape-{}", tiendo_wording::serde_name(&l.shape))),
                    None => format!("{:?}", l.shape).to_lowercase(),
                },
                goals_text(&t.goals, human),
                match human {
                    Some(h) => h.t(&format!(
                        "direction-{}",
                        tiendo_wording::serde_name(&t.direction)
                    )),
                    None => format!("{:?}", t.direction).to_lowercase(),
                },
            ]
        },
    }
    .print(format, lang)
}

/// Which tasks to read, as whom, and on which day.
pub struct TaskQuery {
    pub document: Option<DocumentCode>,
    pub org: Option<OrgCode>,
    pub clearance: ClearanceArg,
    pub at: Option<NaiveDate>,
    pub horizon: Horizon,
}

impl TaskQuery {
    pub async fn fetch(self, store: &Store) -> Result<Vec<Task>> {
        let clearance = match self.clearance {
            ClearanceArg::Public => Clearance::Public,
            ClearanceArg::Internal => Clearance::Internal,
            ClearanceArg::Secret => Clearance::Secret,
        };
        Ok(store
            .tasks(&TaskFilter {
                clearance,
                document: self.document,
                org: self.org,
            })
            .await?)
    }
}

#[derive(Serialize)]
struct TaskLine {
    #[serde(flatten)]
    task: Task,
    /// The status on the --at day, when one was given.
    status: Option<TaskStatus>,
}

pub async fn tasks(store: &Store, query: TaskQuery, format: Format, lang: Lang) -> Result<()> {
    let (at, horizon) = (query.at, query.horizon);
    let tasks = query.fetch(store).await?;
    let last = store.last_progress_dates().await?;
    let lines: Vec<TaskLine> = tasks
        .into_iter()
        .map(|task| TaskLine {
            status: at.map(|day| {
                let reported = last.get(&task.code).is_some_and(|d| *d <= day);
                task_status(&task, day, reported, horizon)
            }),
            task,
        })
        .collect();
    Listing {
        items: &lines,
        headers: &[
            "code",
            "document",
            "group",
            "parent",
            "lead",
            "coordinators",
            "start",
            "deadline",
            "completed_on",
            "status",
            "confidentiality",
            "title_vi",
        ],
        row: |l: &TaskLine| {
            let t = &l.task;
            vec![
                t.code.to_string(),
                t.document.to_string(),
                opt(&t.group),
                opt(&t.parent),
                t.lead.to_string(),
                join(&t.coordinators),
                opt(&t.start),
                opt(&t.deadline),
                opt(&t.completed_on),
                l.status
                    .map(|s| tiendo_wording::task_status(lang, s))
                    .unwrap_or_default(),
                if format == Format::Table {
                    lang.t(&format!("conf-{}", t.confidentiality))
                } else {
                    t.confidentiality.to_string()
                },
                t.title_vi.clone(),
            ]
        },
    }
    .print(format, lang)
}
