//! The API's own output types. Every read answers one of these, built here from the domain,
//! storage and overview values, so the JSON contract and its OpenAPI schema stay put while
//! those change. Closed enumerations travel as their stable names (`on_track`, `overdue`,
//! `stale-report`); nested definitions that have shapes of their own (goals, aggregation,
//! bounds, a score's facts, a warning's evidence) travel as the objects the input side takes.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use tiendo_domain::documents::Document;
use tiendo_domain::targets::Target;
use tiendo_domain::tasks::{ProgressUpdate, Task};

use crate::overview::{
    ApprovedLine, IndexRanking, Overview, ProvinceLine, UnitSummary, WarningLine,
};
use crate::wording::serde_name;

/// How many items stand at one status.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusCount {
    /// A judgement (`on_track`, `off_track`, …) or a task status (`overdue`, …).
    pub status: String,
    pub count: usize,
}

/// How many warnings one rule raised.
#[derive(Debug, Serialize, ToSchema)]
pub struct RuleCount {
    /// `overdue-task`, `stale-report`, `value-out-of-bounds`, …
    pub rule: String,
    pub count: usize,
}

fn counts<S: Serialize>(list: &[(S, usize)]) -> Vec<StatusCount> {
    list.iter()
        .map(|(s, n)| StatusCount {
            status: serde_name(s),
            count: *n,
        })
        .collect()
}

/// A class's stable name, or `no_data` when nothing could be scored.
fn class_code(score: Option<f64>, class: &tiendo_evaluation::scoring::Class) -> String {
    match score {
        None => "no_data".into(),
        Some(_) => serde_name(class),
    }
}

/// A value that has just become official.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApprovalOut {
    pub target: String,
    pub unit: String,
    pub period: String,
    pub value: f64,
    pub approved_by: String,
    pub approved_at: DateTime<Utc>,
}

impl From<&ApprovedLine> for ApprovalOut {
    fn from(a: &ApprovedLine) -> ApprovalOut {
        ApprovalOut {
            target: a.target.to_string(),
            unit: a.unit.to_string(),
            period: a.period.to_string(),
            value: a.value,
            approved_by: a.approved_by.clone(),
            approved_at: a.approved_at,
        }
    }
}

/// A province's overall standing.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProvinceOut {
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    /// Out of 100; absent without evidence.
    pub score: Option<f64>,
    /// excellent, good, completed, not_completed; no_data when nothing could be scored
    pub class: String,
    /// green, yellow, red, grey
    pub colour: String,
}

impl From<&ProvinceLine> for ProvinceOut {
    fn from(p: &ProvinceLine) -> ProvinceOut {
        ProvinceOut {
            code: p.code.to_string(),
            name_vi: p.name_vi.clone(),
            name_en: p.name_en.clone(),
            score: p.score,
            class: class_code(p.score, &p.class),
            colour: p.colour.css().to_string(),
        }
    }
}

/// One of the week's warnings.
#[derive(Debug, Serialize, ToSchema)]
pub struct WarningOut {
    /// high, medium, low
    pub severity: String,
    pub rule: String,
    pub unit: String,
    /// The task, target or value it concerns.
    pub object: String,
    /// The facts behind it, tagged by `kind`: `overdue {deadline, days}`, `missing {period}`,
    /// `out_of_bounds {value, period, bounds}`, `judged {judgement, latest}`, …
    #[schema(value_type = Object)]
    pub evidence: serde_json::Value,
}

impl From<&WarningLine> for WarningOut {
    fn from(w: &WarningLine) -> WarningOut {
        WarningOut {
            severity: serde_name(&w.severity),
            rule: serde_name(&w.rule),
            unit: w.unit.to_string(),
            object: w.object.clone(),
            evidence: serde_json::to_value(&w.evidence).unwrap_or_default(),
        }
    }
}

/// A unit's place in a composite index.
#[derive(Debug, Serialize, ToSchema)]
pub struct RankOut {
    pub rank: usize,
    pub unit: String,
    pub name_vi: String,
    pub name_en: String,
    pub score: f64,
}

/// A composite index's ranking for one period.
#[derive(Debug, Serialize, ToSchema)]
pub struct IndexRankingOut {
    pub index: String,
    pub period: String,
    pub rows: Vec<RankOut>,
}

impl From<&IndexRanking> for IndexRankingOut {
    fn from(r: &IndexRanking) -> IndexRankingOut {
        IndexRankingOut {
            index: r.index.clone(),
            period: r.period.to_string(),
            rows: r
                .rows
                .iter()
                .map(|l| RankOut {
                    rank: l.rank,
                    unit: l.unit.to_string(),
                    name_vi: l.name_vi.clone(),
                    name_en: l.name_en.clone(),
                    score: l.score,
                })
                .collect(),
        }
    }
}

/// The national overview.
#[derive(Debug, Serialize, ToSchema)]
pub struct OverviewOut {
    pub day: NaiveDate,
    /// The latest approvals, newest first.
    pub recent_approvals: Vec<ApprovalOut>,
    pub targets_by_status: Vec<StatusCount>,
    pub tasks_by_status: Vec<StatusCount>,
    pub provinces: Vec<ProvinceOut>,
    /// Empty for the public: warnings name internal tasks and unpublished reports.
    pub warnings_by_rule: Vec<RuleCount>,
    /// The most severe warnings first, at most 20; empty for the public.
    pub top_warnings: Vec<WarningOut>,
    pub index: Option<IndexRankingOut>,
}

impl OverviewOut {
    /// The overview as `official` readers or the public receive it.
    pub fn of(o: &Overview, official: bool) -> OverviewOut {
        OverviewOut {
            day: o.day,
            recent_approvals: o.recent_approvals.iter().map(ApprovalOut::from).collect(),
            targets_by_status: counts(&o.targets_by_status),
            tasks_by_status: counts(if official {
                &o.tasks_by_status
            } else {
                &o.public_tasks_by_status
            }),
            provinces: o.provinces.iter().map(ProvinceOut::from).collect(),
            warnings_by_rule: if official {
                o.warnings_by_rule
                    .iter()
                    .map(|(r, n)| RuleCount {
                        rule: serde_name(r),
                        count: *n,
                    })
                    .collect()
            } else {
                Vec::new()
            },
            top_warnings: if official {
                o.top_warnings.iter().map(WarningOut::from).collect()
            } else {
                Vec::new()
            },
            index: o.index.as_ref().map(IndexRankingOut::from),
        }
    }
}

/// A unit's score and tasks.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitOut {
    pub code: String,
    /// national, ministry, agency, province, department, commune
    pub kind: String,
    pub name_vi: String,
    pub name_en: String,
    pub parent: Option<String>,
    pub score: Option<f64>,
    pub class: String,
    pub colour: String,
    /// The facts the score rests on: tasks and reports owed, done and late.
    #[schema(value_type = Object)]
    pub facts: serde_json::Value,
    /// Tasks it leads, by status.
    pub leads: Vec<StatusCount>,
    /// Tasks it coordinates, by status.
    pub coordinates: Vec<StatusCount>,
    /// Whether its score also counts tasks the reader may not see.
    pub score_counts_non_public_tasks: bool,
}

impl UnitOut {
    /// The unit as a reader of `clearance` may see it: task counts of public tasks only for
    /// the public.
    pub fn of(u: &UnitSummary, clearance: tiendo_domain::tasks::Clearance) -> UnitOut {
        let (leads, coordinates) = u.tasks_for(clearance);
        UnitOut {
            code: u.code.to_string(),
            kind: serde_name(&u.kind),
            name_vi: u.name_vi.clone(),
            name_en: u.name_en.clone(),
            parent: u.parent.as_ref().map(ToString::to_string),
            score: u.score,
            class: class_code(u.score, &u.class),
            colour: u.colour.css().to_string(),
            facts: serde_json::to_value(u.facts).unwrap_or_default(),
            leads: counts(leads),
            coordinates: counts(coordinates),
            score_counts_non_public_tasks: u.has_non_public_tasks,
        }
    }
}

/// A part of a document: a task group, a chapter.
#[derive(Debug, Serialize, ToSchema)]
pub struct SectionOut {
    pub code: String,
    pub kind: String,
    pub title_vi: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title_en: Option<String>,
}

/// A document of the cascade.
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentOut {
    pub code: String,
    /// resolution, action-programme, plan, decision, …
    pub kind: String,
    pub title_vi: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title_en: Option<String>,
    pub issuer: Option<String>,
    pub issued_on: Option<NaiveDate>,
    /// The documents it carries out.
    pub implements: Vec<String>,
    pub sections: Vec<SectionOut>,
    pub structure_note: Option<String>,
    pub source: Option<String>,
}

impl From<Document> for DocumentOut {
    fn from(d: Document) -> DocumentOut {
        DocumentOut {
            code: d.code.to_string(),
            kind: serde_name(&d.kind),
            title_vi: d.title_vi,
            title_en: d.title_en,
            issuer: d.issuer.map(|c| c.to_string()),
            issued_on: d.issued_on,
            implements: d.implements.iter().map(ToString::to_string).collect(),
            sections: d
                .sections
                .into_iter()
                .map(|s| SectionOut {
                    code: s.code.to_string(),
                    kind: serde_name(&s.kind),
                    title_vi: s.title_vi,
                    title_en: s.title_en,
                })
                .collect(),
            structure_note: d.structure_note,
            source: d.source,
        }
    }
}

/// A target's starting point.
#[derive(Debug, Serialize, ToSchema)]
pub struct BaselineOut {
    pub value: f64,
    pub period: String,
}

/// Who reports a target: units of these kinds and these named units (everyone when both
/// are empty).
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportersOut {
    pub kinds: Vec<String>,
    pub units: Vec<String>,
    /// The unit that publishes the figures; the units themselves owe no report.
    pub published_by: Option<String>,
}

/// A target (KPI).
#[derive(Debug, Serialize, ToSchema)]
pub struct TargetOut {
    pub code: String,
    pub document: Option<String>,
    pub group: Option<String>,
    pub name_vi: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_en: Option<String>,
    /// strategic, operational
    pub family: String,
    /// Unit of measure.
    pub unit: String,
    /// increase or decrease
    pub direction: String,
    /// `{deadline: {kind: by, year}, requirement: {shape: threshold, op, value}}`, … as
    /// `POST /api/v1/targets` takes them.
    #[schema(value_type = Vec<Object>)]
    pub goals: Vec<serde_json::Value>,
    pub baseline: Option<BaselineOut>,
    /// yearly, half-yearly, quarterly, monthly
    pub periodicity: String,
    /// `{method: sum | mean | weighted-mean (with weight) | min | max | latest}`
    #[schema(value_type = Object)]
    pub aggregation: serde_json::Value,
    pub reporters: ReportersOut,
    pub source: Option<String>,
    /// `{min, max, whole}` where the target declares them.
    #[schema(value_type = Option<Object>)]
    pub bounds: Option<serde_json::Value>,
}

impl From<&Target> for TargetOut {
    fn from(t: &Target) -> TargetOut {
        TargetOut {
            code: t.code.to_string(),
            document: t.document.as_ref().map(ToString::to_string),
            group: t.group.as_ref().map(ToString::to_string),
            name_vi: t.name_vi.clone(),
            name_en: t.name_en.clone(),
            family: serde_name(&t.family),
            unit: t.unit.clone(),
            direction: serde_name(&t.direction),
            goals: t
                .goals
                .iter()
                .map(|g| serde_json::to_value(g).unwrap_or_default())
                .collect(),
            baseline: t.baseline.as_ref().map(|b| BaselineOut {
                value: b.value,
                period: b.period.to_string(),
            }),
            periodicity: serde_name(&t.periodicity),
            aggregation: serde_json::to_value(&t.aggregation).unwrap_or_default(),
            reporters: ReportersOut {
                kinds: t.reporters.kinds.iter().map(serde_name).collect(),
                units: t.reporters.units.iter().map(ToString::to_string).collect(),
                published_by: t.reporters.published_by.as_ref().map(ToString::to_string),
            },
            source: t.source.clone(),
            bounds: t
                .bounds
                .as_ref()
                .map(|b| serde_json::to_value(b).unwrap_or_default()),
        }
    }
}

/// A task as assigned.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskFields {
    pub code: String,
    pub document: String,
    pub group: Option<String>,
    pub parent: Option<String>,
    pub title_vi: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title_en: Option<String>,
    /// The lead unit.
    pub lead: String,
    pub coordinators: Vec<String>,
    pub start: Option<NaiveDate>,
    pub deadline: Option<NaiveDate>,
    pub completed_on: Option<NaiveDate>,
    pub cancelled_on: Option<NaiveDate>,
    pub expected_product: Option<String>,
    /// Targets the task serves.
    pub targets: Vec<String>,
    /// public, internal, secret
    pub confidentiality: String,
    pub source: Option<String>,
}

impl From<Task> for TaskFields {
    fn from(t: Task) -> TaskFields {
        TaskFields {
            code: t.code.to_string(),
            document: t.document.to_string(),
            group: t.group.map(|g| g.to_string()),
            parent: t.parent.map(|p| p.to_string()),
            title_vi: t.title_vi,
            title_en: t.title_en,
            lead: t.lead.to_string(),
            coordinators: t.coordinators.iter().map(ToString::to_string).collect(),
            start: t.start,
            deadline: t.deadline,
            completed_on: t.completed_on,
            cancelled_on: t.cancelled_on,
            expected_product: t.expected_product,
            targets: t.targets.iter().map(ToString::to_string).collect(),
            confidentiality: serde_name(&t.confidentiality),
            source: t.source,
        }
    }
}

/// A task with its status on the day.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskOut {
    #[serde(flatten)]
    pub task: TaskFields,
    /// not_yet_due, due_soon, in_progress, overdue, completed_on_time, completed_late,
    /// cancelled
    pub status: String,
}

/// One report on a task's progress.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgressOut {
    pub reported_on: NaiveDate,
    /// 0 to 100
    pub percent_complete: u8,
    pub narrative: String,
    pub difficulties: Option<String>,
    pub recommendations: Option<String>,
    pub evidence: Vec<String>,
    pub author: String,
    pub recorded_at: Option<DateTime<Utc>>,
}

impl From<ProgressUpdate> for ProgressOut {
    fn from(p: ProgressUpdate) -> ProgressOut {
        ProgressOut {
            reported_on: p.reported_on,
            percent_complete: p.percent_complete.get(),
            narrative: p.narrative,
            difficulties: p.difficulties,
            recommendations: p.recommendations,
            evidence: p.evidence,
            author: p.author,
            recorded_at: p.recorded_at,
        }
    }
}

/// A task and its progress history, oldest report first.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskDetailOut {
    #[serde(flatten)]
    pub task: TaskFields,
    pub progress: Vec<ProgressOut>,
}

/// An entry of the audit log.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditOut {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// The user name of whoever wrote, or the command that did.
    pub actor: String,
    /// `value.enter`, `value.approve`, `user.create`, …
    pub action: String,
    /// `value HT-01/HA-TINH/2025`, `user ha-tinh`, …
    pub object: String,
    #[schema(value_type = Option<Object>)]
    pub before: Option<serde_json::Value>,
    #[schema(value_type = Option<Object>)]
    pub after: Option<serde_json::Value>,
}

impl From<tiendo_storage::AuditEntry> for AuditOut {
    fn from(e: tiendo_storage::AuditEntry) -> AuditOut {
        AuditOut {
            id: e.id,
            at: e.at,
            actor: e.actor,
            action: e.action,
            object: e.object,
            before: e.before,
            after: e.after,
        }
    }
}

/// The caller's account.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountOut {
    pub username: String,
    pub display_name: String,
    /// admin, standing-office, reporter, viewer, inspector
    pub role: String,
    /// The unit a reporter enters data for.
    pub capture_scope: Option<String>,
    /// The units whose unpublished data it may read; every unit when absent.
    pub view_scope: Option<String>,
    pub active: bool,
}

impl From<&tiendo_storage::User> for AccountOut {
    fn from(u: &tiendo_storage::User) -> AccountOut {
        AccountOut {
            username: u.username.to_string(),
            display_name: u.display_name.clone(),
            role: serde_name(&u.access.role()),
            capture_scope: u.access.capture_scope().map(ToString::to_string),
            view_scope: u.access.view_scope().map(ToString::to_string),
            active: u.active,
        }
    }
}
