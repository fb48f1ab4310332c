//! "Việc cần làm": the page a reporter or the standing office lands on after login, each thing
//! owed one click from where it is done.

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use crate::app::work::{owed, DueReport};
use crate::chrome::{Chrome, Page};
use crate::failure::Failure;
use crate::i18n::Lang;
use crate::pages::{pick, render};
use crate::wording::{self, serde_name};
use crate::AppState;

pub struct ReportLine {
    unit: String,
    period: String,
    due: String,
    /// "late", "due" or "done": how the line is marked.
    css: &'static str,
    standing: String,
    counts: String,
    href: String,
}

pub struct ReturnedLine {
    target: String,
    unit: String,
    period: String,
    reason: String,
    by: String,
    href: String,
}

pub struct TaskLine {
    title: String,
    deadline: String,
    status: String,
    css: &'static str,
    href: String,
}

pub struct CaseLine {
    reference: String,
    unit: String,
    state: String,
    due: String,
    late: bool,
    href: String,
}

#[derive(Template)]
#[template(path = "work.html")]
struct WorkPage {
    c: Chrome,
    today: String,
    reports: Vec<ReportLine>,
    returned: Vec<ReturnedLine>,
    tasks: Vec<TaskLine>,
    to_review: String,
    review_href: String,
    reviews: bool,
    cases: Vec<CaseLine>,
    nothing: bool,
    /// The caller neither reports nor reviews: the page says whom it serves.
    no_duties: bool,
    /// The dashboards the caller may open: their unit's, and those shared with them.
    dashboards: Vec<(String, String)>,
}

/// The counts of a report in words: "3/10 đã duyệt · 2 chờ duyệt · 5 chưa nhập".
fn report_counts(l: Lang, r: &DueReport) -> String {
    let n = |v: usize| l.number(v as f64, 0);
    let mut parts = vec![l.t_args(
        "work-approved-of",
        &[("approved", n(r.approved)), ("expected", n(r.expected))],
    )];
    for (count, key) in [
        (r.submitted, "work-submitted"),
        (r.drafts, "work-drafts"),
        (r.returned, "work-returned"),
        (r.missing(), "work-missing"),
    ] {
        if count > 0 {
            parts.push(l.t_args(key, &[("count", n(count))]));
        }
    }
    parts.join(" · ")
}

pub async fn page(State(state): State<AppState>, page: Page) -> Result<Response, Failure> {
    let work = owed(&state, &page.viewer).await?;
    let l = page.l();
    let day = state.day();
    let o = state.overview();
    let h = &o.snapshot.hierarchy;
    let c = &page.chrome;
    let reports: Vec<ReportLine> = work
        .reports
        .iter()
        .map(|r| {
            let (css, key) = if r.done() {
                ("done", "work-report-done")
            } else if r.due_on < day {
                ("late", "work-report-late")
            } else {
                ("due", "work-report-due")
            };
            ReportLine {
                unit: super::unit_name(l, h, &r.unit),
                period: wording::period(l, r.period),
                due: l.date(r.due_on),
                css,
                standing: l.t(key),
                counts: report_counts(l, r),
                href: c.href(&format!("/units/{}/entry?period={}", r.unit, r.period)),
            }
        })
        .collect();
    let target_name = |code| super::target_name(l, &o.snapshot, code);
    let people = super::people(&state).await?;
    let returned: Vec<ReturnedLine> = work
        .returned
        .iter()
        .map(|v| ReturnedLine {
            target: target_name(&v.target),
            unit: super::unit_name(l, h, &v.org),
            period: wording::period(l, v.period),
            reason: v.comment.clone().unwrap_or_default(),
            by: super::person(&people, &v.author),
            href: c.href(&format!("/units/{}/entry?period={}", v.org, v.period)),
        })
        .collect();
    let tasks: Vec<TaskLine> = work
        .tasks
        .iter()
        .map(|(t, s)| TaskLine {
            title: pick(l, &t.title_vi, t.title_en.as_deref()),
            deadline: t.deadline.map(|d| l.date(d)).unwrap_or_default(),
            status: l.t(&format!("task-{}", serde_name(s))),
            css: if *s == tiendo_evaluation::tasks::TaskStatus::Overdue {
                "late"
            } else {
                "due"
            },
            href: c.href(&format!("/tasks/{}", t.code)),
        })
        .collect();
    let cases: Vec<CaseLine> = work
        .cases
        .iter()
        .map(|k| CaseLine {
            href: c.href(&format!("/feedback/{}", k.reference)),
            reference: k.reference.clone(),
            unit: k
                .unit
                .as_ref()
                .map_or_else(|| l.t("feedback-unrouted"), |u| super::unit_name(l, h, u)),
            state: l.t(&format!("feedback-state-{}", k.state)),
            due: l.date(k.due_on),
            late: k.due_on < day,
        })
        .collect();
    let reviews = matches!(
        page.viewer.access.role(),
        tiendo_domain::accounts::Role::StandingOffice | tiendo_domain::accounts::Role::Reporter
    );
    let nothing = reviews
        && reports.iter().all(|r| r.css == "done")
        && returned.is_empty()
        && tasks.is_empty()
        && work.to_review == 0
        && cases.is_empty();
    let dashboards = super::dashboards::shortcuts(&state, &page).await?;
    let body = WorkPage {
        dashboards,
        today: l.date(day),
        reports,
        returned,
        tasks,
        to_review: l.t_args(
            "work-to-review",
            &[("count", l.number(work.to_review as f64, 0))],
        ),
        review_href: c.href("/approvals"),
        reviews,
        cases,
        nothing,
        no_duties: !reviews,
        c: page.chrome,
    };
    Ok(render(&body))
}
