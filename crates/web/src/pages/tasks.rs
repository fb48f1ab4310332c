//! The task board with its filters, a task's page with its progress history, and the
//! progress update form.

use super::guards::Checked;
use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tiendo_domain::tasks::{ProgressUpdate, Task};
use tiendo_evaluation::tasks::{task_status, Horizon, TaskStatus};

use crate::app::tasks::{check_progress, filtered, BoardQuery};
use crate::chrome::{Chrome, Page};
use crate::failure::Failure;
use crate::pages::{pick, render, render_with};
use crate::wording::serde_name;
use crate::AppState;

/// Tasks per page of the board.
pub const PAGE_SIZE: usize = 50;

pub struct TaskRow {
    code: String,
    href: String,
    title: String,
    /// Its page (empty when it has none) and its name, with its successor's if it merged.
    lead: (String, String),
    deadline: String,
    status: String,
    css: &'static str,
}

#[derive(Template)]
#[template(path = "tasks.html")]
struct BoardPage {
    c: Chrome,
    statuses: Vec<(String, String, bool)>,
    /// The unit filter as its name, and the names offered while typing.
    unit: String,
    unit_names: Vec<String>,
    /// Documents that set tasks: code, title, chosen.
    documents: Vec<(String, String, bool)>,
    /// Task groups by their heading in the plan: code, heading, chosen.
    groups: Vec<(String, String, bool)>,
    due_before: String,
    rows: Vec<TaskRow>,
    total: usize,
    prev: Option<String>,
    next: Option<String>,
    page_label: String,
}

pub fn status_css(s: TaskStatus) -> &'static str {
    match s {
        TaskStatus::Overdue => "red",
        TaskStatus::DueSoon | TaskStatus::CompletedLate => "yellow",
        TaskStatus::CompletedOnTime => "green",
        _ => "grey",
    }
}

pub async fn board(
    State(state): State<AppState>,
    Query(q): Query<BoardQuery>,
    page: Page,
) -> Result<Response, Failure> {
    let l = page.l();
    let o = state.overview();
    let h = &o.snapshot.hierarchy;
    let all = filtered(&state, page.viewer.access.clearance(), &q).await?;
    let total = all.len();
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    let current = q.page.unwrap_or(1).clamp(1, pages);
    let rows = all
        .iter()
        .skip((current - 1) * PAGE_SIZE)
        .take(PAGE_SIZE)
        .map(|(t, s)| TaskRow {
            code: t.code.to_string(),
            href: page.chrome.href(&format!("/tasks/{}", t.code)),
            title: pick(l, &t.title_vi, t.title_en.as_deref()),
            lead: super::unit_link(l, &page.chrome, &o, &t.lead),
            deadline: t.deadline.map(|d| l.date(d)).unwrap_or_default(),
            status: l.t(&format!("task-{}", serde_name(s))),
            css: status_css(*s),
        })
        .collect();
    let link = |p: usize| {
        let mut parts = vec![format!("page={p}"), format!("lang={}", l.code())];
        for (k, v) in [
            ("status", &q.status),
            ("unit", &q.unit),
            ("document", &q.document),
            ("group", &q.group),
            ("due_before", &q.due_before),
        ] {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                parts.push(format!("{k}={}", urlencode(v)));
            }
        }
        format!("/tasks?{}", parts.join("&"))
    };
    let selected = q.status.clone().unwrap_or_default();
    let unit = match q.unit.as_deref().filter(|u| !u.trim().is_empty()) {
        Some(typed) => {
            let code = crate::app::tasks::find_unit(&state, typed)?;
            super::unit_name(l, h, &code)
        }
        None => String::new(),
    };
    // Offered while typing: the units that lead tasks (a commune is found by typing its name).
    let day = state.day();
    let unit_names = h
        .as_of(day)
        .filter(|u| {
            matches!(
                u.kind,
                tiendo_domain::orgs::OrgKind::Province
                    | tiendo_domain::orgs::OrgKind::Ministry
                    | tiendo_domain::orgs::OrgKind::CentralAgency
            )
        })
        .map(|u| pick(l, &u.name_vi, Some(&u.name_en)))
        .collect();
    let documents = state.store.documents().await?;
    let chosen_group = q.group.clone().unwrap_or_default();
    let chosen_document = q.document.as_deref().map(str::trim).unwrap_or_default();
    let mut groups: Vec<(String, String, bool)> = Vec::new();
    // With a document chosen, only its groups are offered.
    for d in documents
        .iter()
        .filter(|d| chosen_document.is_empty() || d.code.as_str() == chosen_document)
    {
        for s in d
            .sections
            .iter()
            .filter(|s| s.kind == tiendo_domain::documents::SectionKind::TaskGroup)
        {
            let code = s.code.to_string();
            if groups.iter().any(|(c, _, _)| *c == code) {
                continue;
            }
            groups.push((
                code.clone(),
                format!(
                    "{} ({})",
                    pick(l, &s.title_vi, s.title_en.as_deref()),
                    d.code
                ),
                code == chosen_group,
            ));
        }
    }
    // The documents that set tasks the reader may see, in the order they are defined.
    let readable = crate::app::tasks::readable(&state, page.viewer.access.clearance()).await?;
    let setting: std::collections::HashSet<&str> =
        readable.iter().map(|t| t.document.as_str()).collect();
    let documents = documents
        .iter()
        .filter(|d| setting.contains(d.code.as_str()))
        .map(|d| {
            (
                d.code.to_string(),
                format!(
                    "{} — {}",
                    d.code,
                    pick(l, &d.title_vi, d.title_en.as_deref())
                ),
                d.code.as_str() == chosen_document,
            )
        })
        .collect();
    Ok(render(&BoardPage {
        unit,
        unit_names,
        documents,
        groups,
        statuses: TaskStatus::ALL
            .iter()
            .map(|s| {
                let name = serde_name(s);
                let chosen = name == selected;
                (name, l.t(&format!("task-{}", serde_name(s))), chosen)
            })
            .collect(),
        due_before: q.due_before.clone().unwrap_or_default(),
        rows,
        total,
        prev: (current > 1).then(|| link(current - 1)),
        next: (current < pages).then(|| link(current + 1)),
        page_label: format!("{current} / {pages}"),
        c: page.chrome,
    }))
}

pub(super) fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub struct ProgressRow {
    day: String,
    percent: u8,
    narrative: String,
    difficulties: String,
    author: String,
}

#[derive(Default)]
pub struct ProgressForm {
    percent: String,
    narrative: String,
    difficulties: String,
    recommendations: String,
    errors: HashMap<&'static str, String>,
}

impl ProgressForm {
    fn error(&self, field: &str) -> String {
        self.errors.get(field).cloned().unwrap_or_default()
    }
}

#[derive(Template)]
#[template(path = "task.html")]
struct TaskPage {
    c: Chrome,
    code: String,
    title: String,
    document: (String, String),
    lead: (String, String),
    coordinators: Vec<(String, String)>,
    deadline: String,
    /// The plan's own words for its agencies and deadline, where it gave them.
    as_published: Vec<(String, String)>,
    status: String,
    css: &'static str,
    product: String,
    confidentiality: String,
    history: Vec<ProgressRow>,
    form: Option<ProgressForm>,
    action: String,
    saved: bool,
    /// Where the standing office closes the task, while it is open.
    close: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct TaskQuery {
    #[serde(default)]
    saved: Option<String>,
}

/// A task the caller may see, or 404 (a hidden task is not revealed by a 403).
async fn visible_task(state: &AppState, page: &Page, code: &str) -> Result<Task, Failure> {
    crate::app::tasks::visible(state, page.viewer.access.clearance(), code).await
}

async fn task_page(
    state: &AppState,
    page: Page,
    task: Task,
    form: Option<ProgressForm>,
    saved: bool,
) -> Result<TaskPage, Failure> {
    let l = page.l();
    let history = state
        .store
        .progress(&task.code)
        .await?
        .into_iter()
        .rev()
        .map(|u| ProgressRow {
            day: l.date(u.reported_on),
            percent: u.percent_complete.get(),
            narrative: u.narrative,
            difficulties: u.difficulties.unwrap_or_default(),
            author: u.author,
        })
        .collect::<Vec<_>>();
    let day = state.day();
    let status = task_status(&task, day, !history.is_empty(), Horizon::default());
    let o = state.overview();
    let may_update = page
        .viewer
        .access
        .may_capture(&o.snapshot.hierarchy, &task.lead);
    let overview = state.overview();
    let unit_link =
        |u: &tiendo_domain::orgs::OrgCode| super::unit_link(l, &page.chrome, &overview, u);
    Ok(TaskPage {
        code: task.code.to_string(),
        title: pick(l, &task.title_vi, task.title_en.as_deref()),
        document: (
            page.chrome.href(&format!("/documents/{}", task.document)),
            state
                .store
                .documents()
                .await?
                .into_iter()
                .find(|d| d.code == task.document)
                .map_or_else(
                    || task.document.to_string(),
                    |d| {
                        format!(
                            "{} ({})",
                            pick(l, &d.title_vi, d.title_en.as_deref()),
                            d.code
                        )
                    },
                ),
        ),
        lead: unit_link(&task.lead),
        coordinators: task.coordinators.iter().map(unit_link).collect(),
        deadline: task
            .deadline
            .map_or_else(|| l.t("no-deadline"), |d| l.date(d)),
        as_published: [
            ("lead-as-given", &task.as_published.lead_as_given),
            (
                "coordinators-as-given",
                &task.as_published.coordinators_as_given,
            ),
            ("deadline-as-given", &task.as_published.deadline_as_given),
        ]
        .into_iter()
        .filter_map(|(key, words)| words.clone().map(|w| (l.t(key), w)))
        .collect(),
        status: l.t(&format!("task-{}", serde_name(&status))),
        css: status_css(status),
        product: task.expected_product.clone().unwrap_or_default(),
        confidentiality: l.t(&format!("conf-{}", task.confidentiality)),
        history,
        form: if may_update {
            Some(form.unwrap_or_default())
        } else {
            None
        },
        action: format!("/tasks/{}/progress?lang={}", task.code, l.code()),
        close: (page.viewer.access.may_define()
            && task.completed_on.is_none()
            && task.cancelled_on.is_none())
        .then(|| format!("/tasks/{}/close?lang={}", task.code, l.code())),
        saved,
        c: page.chrome,
    })
}

pub async fn task(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<TaskQuery>,
    page: Page,
) -> Result<Response, Failure> {
    let task = visible_task(&state, &page, &code).await?;
    let body = task_page(&state, page, task, None, q.saved.is_some()).await?;
    Ok(render(&body))
}

#[derive(Debug, Deserialize)]
pub struct ProgressInput {
    #[serde(default)]
    percent: String,
    #[serde(default)]
    narrative: String,
    #[serde(default)]
    difficulties: String,
    #[serde(default)]
    recommendations: String,
}

pub async fn add_progress(
    State(state): State<AppState>,
    Path(code): Path<String>,
    page: Page,
    Checked(input): Checked<ProgressInput>,
) -> Result<Response, Failure> {
    page.viewer.require_login()?;
    let task = visible_task(&state, &page, &code).await?;
    let o = state.overview();
    if !page
        .viewer
        .access
        .may_capture(&o.snapshot.hierarchy, &task.lead)
    {
        return Err(Failure::forbidden(
            "outside_capture_scope",
            format!(
                "{} may not report progress for {}",
                page.viewer.name(),
                task.lead
            ),
        ));
    }
    let l = page.l();
    match check_progress(&input.percent, &input.narrative) {
        Err(errors) => {
            let form = ProgressForm {
                percent: input.percent,
                narrative: input.narrative,
                difficulties: input.difficulties,
                recommendations: input.recommendations,
                errors,
            };
            let body = task_page(&state, page, task, Some(form), false).await?;
            Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &body))
        }
        Ok(percent) => {
            let update = ProgressUpdate {
                task: task.code.clone(),
                reported_on: state.day(),
                percent_complete: percent,
                narrative: input.narrative.trim().to_string(),
                difficulties: Some(input.difficulties.trim().to_string()).filter(|s| !s.is_empty()),
                recommendations: Some(input.recommendations.trim().to_string())
                    .filter(|s| !s.is_empty()),
                evidence: Vec::new(),
                author: page.viewer.name().to_string(),
                recorded_at: None,
            };
            state.store.add_progress(&update).await?;
            Ok(
                Redirect::to(&format!("/tasks/{}?saved=1&lang={}", task.code, l.code()))
                    .into_response(),
            )
        }
    }
}
