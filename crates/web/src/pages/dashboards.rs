//! Dashboards a unit builds (`/dashboards`): the list of those the reader may see, each shown
//! with its figures read today, a form to build or change one from widgets without scripts,
//! and the dashboard as a file to export and import.

use super::guards::Checked;
use std::collections::HashMap;

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use tiendo_domain::accounts::Role;
use tiendo_domain::dashboards::{
    may_build, Audience, Dashboard, DashboardCode, DashboardError, TaskView, Widget, MAX_TEXT,
};
use tiendo_domain::orgs::OrgCode;
use tiendo_domain::targets::{Target, TargetCode};

use crate::app::dashboards as app;
use crate::app::tasks::{filtered, BoardQuery};
use crate::chrome::{Chrome, Page};
use crate::failure::Failure;
use crate::i18n::Lang;
use crate::pages::pickers::{self, FieldError};
use crate::pages::{pick, render, render_with};
use crate::wording::{self, serde_name};
use crate::AppState;

/// Widget slots on the form: a dashboard holds up to this many built in one go.
const SLOTS: usize = 8;
/// Rows a list widget shows before it links to the whole list.
const ROWS: usize = 10;
/// The widget kinds, as the form names them.
const KINDS: [&str; 8] = [
    "chart", "table", "tasks", "ranking", "warnings", "map", "tiles", "text",
];
const VIEWS: [TaskView; 4] = [
    TaskView::Open,
    TaskView::Overdue,
    TaskView::DueSoon,
    TaskView::All,
];

type Fields = HashMap<String, Vec<String>>;

/// One cell of a widget's table.
pub struct Cell {
    text: String,
    href: Option<String>,
    css: &'static str,
}

fn cell(text: impl Into<String>) -> Cell {
    Cell {
        text: text.into(),
        href: None,
        css: "",
    }
}

/// A widget as shown: its heading, a note, a chart or map drawn on the server, paragraphs, a
/// table, and a link to everything behind it.
#[derive(Default)]
pub struct Block {
    title: String,
    note: String,
    note_css: &'static str,
    svg: String,
    paragraphs: Vec<String>,
    headers: Vec<String>,
    rows: Vec<Vec<Cell>>,
    more: Option<(String, String)>,
    /// Units as coloured tiles, each with its status in words.
    tiles: Vec<Tile>,
    wide: bool,
}

/// A unit in a tiles widget.
pub struct Tile {
    name: String,
    href: String,
    status: String,
    css: &'static str,
}

/// A dashboard in the list.
pub struct Line {
    title: String,
    unit: String,
    href: String,
    widgets: usize,
    shared: String,
}

#[derive(Template)]
#[template(path = "dashboards.html")]
struct ListPage {
    c: Chrome,
    lines: Vec<Line>,
    may_build: bool,
    error: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct ViewPage {
    c: Chrome,
    title: String,
    unit: String,
    unit_href: String,
    as_of: String,
    blocks: Vec<Block>,
    edit: Option<String>,
    export: String,
    remove: Option<String>,
}

/// A choice of a select.
pub struct Choice {
    value: String,
    label: String,
}

#[derive(Template)]
#[template(path = "dashboard_form.html")]
struct FormPage {
    c: Chrome,
    heading: String,
    typed: Fields,
    error: String,
    slots: Vec<usize>,
    kinds: Vec<Choice>,
    views: Vec<Choice>,
    targets: Vec<Choice>,
    documents: Vec<Choice>,
    roles: Vec<Choice>,
    unit_names: Vec<String>,
    max_text: usize,
}

impl FormPage {
    fn typed(&self, field: &str) -> String {
        self.typed
            .get(field)
            .and_then(|v| v.first())
            .cloned()
            .unwrap_or_default()
    }

    fn chosen(&self, field: &str, value: &str) -> bool {
        self.typed
            .get(field)
            .is_some_and(|v| v.iter().any(|x| x == value))
    }

    fn slot(&self, i: &usize, field: &str) -> String {
        format!("w{i}_{field}")
    }
}

fn audience_text(l: Lang, a: &Audience) -> String {
    if a.public {
        return l.t("dashboard-public");
    }
    let roles: Vec<String> = a.roles.iter().map(|r| l.t(&format!("role-{r}"))).collect();
    if roles.is_empty() {
        l.t("dashboard-builders-only")
    } else {
        roles.join(", ")
    }
}

pub async fn list(State(state): State<AppState>, page: Page) -> Result<Response, Failure> {
    list_page(&state, page, String::new(), StatusCode::OK).await
}

async fn list_page(
    state: &AppState,
    page: Page,
    error: String,
    status: StatusCode,
) -> Result<Response, Failure> {
    let l = page.l();
    let o = state.overview();
    let h = &o.snapshot.hierarchy;
    let lines = app::visible(state, &page.viewer)
        .await?
        .into_iter()
        .map(|d| Line {
            title: pick(l, &d.title_vi, d.title_en.as_deref()),
            unit: super::unit_name(l, h, &d.owner),
            href: page.chrome.href(&format!("/dashboards/{}", d.code)),
            widgets: d.widgets.len(),
            shared: audience_text(l, &d.audience),
        })
        .collect();
    let may = page.viewer.user.is_some() && builder_home(state, &page).is_some();
    Ok(render_with(
        status,
        &ListPage {
            lines,
            may_build: may,
            error,
            c: page.chrome,
        },
    ))
}

/// The unit a builder's dashboards are for by default: a reporting office's own, the nation
/// for the standing office and administrators; `None` for those who build none.
fn builder_home(state: &AppState, page: &Page) -> Option<OrgCode> {
    use tiendo_domain::accounts::Access;
    match &page.viewer.access {
        Access::Admin | Access::StandingOffice => state
            .overview()
            .snapshot
            .hierarchy
            .nation()
            .map(|n| n.code.clone()),
        Access::Reporter { capture, .. } => Some(capture.clone()),
        _ => None,
    }
}

pub async fn show(
    State(state): State<AppState>,
    Path(code): Path<String>,
    page: Page,
) -> Result<Response, Failure> {
    let d = app::get(&state, &page.viewer, &code).await?;
    let l = page.l();
    let o = state.overview();
    let mut blocks = Vec::new();
    for w in &d.widgets {
        blocks.push(block(&state, &page, &d.owner, w).await?);
    }
    let changes = app::may_change(&state, &page.viewer, &d);
    let body = ViewPage {
        title: pick(l, &d.title_vi, d.title_en.as_deref()),
        unit: super::unit_name(l, &o.snapshot.hierarchy, &d.owner),
        unit_href: page.chrome.href(&format!("/units/{}", d.owner)),
        as_of: l.date(o.day),
        blocks,
        edit: changes.then(|| page.chrome.href(&format!("/dashboards/{}/edit", d.code))),
        export: format!("/dashboards/{}/export", d.code),
        remove: changes.then(|| format!("/dashboards/{}/remove?lang={}", d.code, l.code())),
        c: page.chrome,
    };
    Ok(render(&body))
}

fn target_of<'a>(o: &'a crate::overview::Overview, code: &TargetCode) -> Option<&'a Target> {
    o.snapshot.targets.iter().find(|t| &t.code == code)
}

fn series(
    o: &crate::overview::Overview,
    t: &TargetCode,
    u: &OrgCode,
) -> Vec<(tiendo_domain::periods::Period, f64)> {
    let mut s: Vec<_> = o
        .snapshot
        .series
        .get(t)
        .and_then(|by| by.get(u))
        .cloned()
        .unwrap_or_default();
    s.sort_by_key(|(p, _)| *p);
    s
}

/// One widget with today's figures.
async fn block(
    state: &AppState,
    page: &Page,
    owner: &OrgCode,
    w: &Widget,
) -> Result<Block, Failure> {
    let l = page.l();
    let o = state.overview();
    let h = &o.snapshot.hierarchy;
    let year = chrono::Datelike::year(&o.day);
    let name = |t: &TargetCode| super::target_name(l, &o.snapshot, t);
    let gone = |t: &TargetCode| Block {
        title: t.to_string(),
        note: l.t("dashboard-target-gone"),
        note_css: "muted",
        ..Block::default()
    };
    Ok(match w {
        Widget::Chart { target } => {
            let Some(t) = target_of(&o, target) else {
                return Ok(gone(target));
            };
            let s = series(&o, target, owner);
            let j = super::catalogue::judged_chart(l, t, owner, &s, year);
            Block {
                title: name(target),
                note: format!("{}: {}", j.status, j.explanation),
                note_css: j.css,
                // Without figures a chart is an empty frame: the note says there are none.
                svg: if s.is_empty() { String::new() } else { j.chart },
                more: Some((
                    page.chrome.href(&format!("/targets/{target}?unit={owner}")),
                    l.t("dashboard-open-target"),
                )),
                ..Block::default()
            }
        }
        Widget::Table { targets } => {
            let mut rows = Vec::new();
            for code in targets {
                let Some(t) = target_of(&o, code) else {
                    continue;
                };
                let s = series(&o, code, owner);
                let j = super::catalogue::judged_chart(l, t, owner, &s, year);
                let latest = s.last().map_or_else(
                    || l.t("no-data"),
                    |(p, v)| format!("{} ({})", l.number(*v, 2), wording::period(l, *p)),
                );
                let goals = wording::goals(l, &t.goals);
                rows.push(vec![
                    Cell {
                        text: name(code),
                        href: Some(page.chrome.href(&format!("/targets/{code}?unit={owner}"))),
                        css: "",
                    },
                    cell(latest),
                    cell(goals),
                    Cell {
                        text: j.status,
                        href: None,
                        css: j.css,
                    },
                ]);
            }
            Block {
                title: l.t("dashboard-kind-table"),
                headers: ["target", "dashboard-latest", "goal", "status"]
                    .iter()
                    .map(|k| l.t(k))
                    .collect(),
                rows,
                wide: true,
                ..Block::default()
            }
        }
        Widget::Tasks { view, document } => {
            let status = match view {
                TaskView::Overdue => Some("overdue".to_string()),
                TaskView::DueSoon => Some("due-soon".to_string()),
                _ => None,
            };
            let q = BoardQuery {
                status: status.clone(),
                unit: Some(owner.to_string()),
                group: None,
                document: document.as_ref().map(|d| d.to_string()),
                due_before: None,
                page: None,
            };
            let open = |s: tiendo_evaluation::tasks::TaskStatus| {
                use tiendo_evaluation::tasks::TaskStatus as S;
                !matches!(s, S::CompletedOnTime | S::CompletedLate | S::Cancelled)
            };
            let tasks: Vec<_> = filtered(state, page.viewer.access.clearance(), &q)
                .await?
                .into_iter()
                .filter(|(_, s)| *view != TaskView::Open || open(*s))
                .collect();
            let count = tasks.len();
            let rows = tasks
                .iter()
                .take(ROWS)
                .map(|(t, s)| {
                    let (href, lead) = super::unit_link(l, &page.chrome, &o, &t.lead);
                    vec![
                        Cell {
                            text: pick(l, &t.title_vi, t.title_en.as_deref()),
                            href: Some(page.chrome.href(&format!("/tasks/{}", t.code))),
                            css: "",
                        },
                        Cell {
                            text: lead,
                            href: Some(href),
                            css: "",
                        },
                        cell(t.deadline.map(|d| l.date(d)).unwrap_or_default()),
                        Cell {
                            text: wording::task_status(l, *s),
                            href: None,
                            css: super::tasks::status_css(*s),
                        },
                    ]
                })
                .collect();
            let mut board = format!("/tasks?unit={owner}");
            if let Some(s) = status {
                board.push_str(&format!("&status={s}"));
            }
            Block {
                title: l.t(&format!("dashboard-view-{}", serde_name(view))),
                note: l.t_args("dashboard-tasks-count", &[("count", count.to_string())]),
                note_css: "muted",
                headers: ["task", "lead", "deadline", "status"]
                    .iter()
                    .map(|k| l.t(k))
                    .collect(),
                rows,
                more: Some((page.chrome.href(&board), l.t("dashboard-all-tasks"))),
                wide: true,
                ..Block::default()
            }
        }
        Widget::Ranking { target } => {
            let Some(t) = target_of(&o, target) else {
                return Ok(gone(target));
            };
            let within: Vec<&tiendo_domain::orgs::OrgUnit> = h
                .as_of(o.day)
                .filter(|u| u.parent.as_ref() == Some(owner))
                .collect();
            let figures: Vec<(tiendo_domain::periods::Period, f64)> = within
                .iter()
                .filter_map(|u| series(&o, target, &u.code).last().copied())
                .collect();
            let ranks = tiendo_evaluation::ranking::ranks(&figures, t.direction);
            let mut ranked: Vec<(
                usize,
                &tiendo_domain::orgs::OrgUnit,
                (tiendo_domain::periods::Period, f64),
            )> = Vec::new();
            let mut i = 0;
            for u in &within {
                if let Some(f) = series(&o, target, &u.code).last().copied() {
                    if let Some(Some(r)) = ranks.get(i) {
                        ranked.push((*r, u, f));
                    }
                    i += 1;
                }
            }
            ranked.sort_by_key(|(r, ..)| *r);
            let rows = ranked
                .iter()
                .map(|(r, u, (p, v))| {
                    let (href, unit) = super::unit_link(l, &page.chrome, &o, &u.code);
                    vec![
                        cell(r.to_string()),
                        Cell {
                            text: unit,
                            href: Some(href),
                            css: "",
                        },
                        cell(format!("{} ({})", l.number(*v, 2), wording::period(l, *p))),
                    ]
                })
                .collect::<Vec<_>>();
            Block {
                title: l.t_args("dashboard-ranking-of", &[("target", name(target))]),
                note: if rows.is_empty() {
                    l.t("dashboard-ranking-none")
                } else {
                    l.t_args("dashboard-ranking-rule", &[("day", l.date(o.day))])
                },
                note_css: "muted",
                headers: ["rank", "unit", "dashboard-latest"]
                    .iter()
                    .map(|k| l.t(k))
                    .collect(),
                rows,
                ..Block::default()
            }
        }
        Widget::Warnings => {
            if !page.viewer.access.is_official() {
                return Ok(Block {
                    title: l.t("dashboard-kind-warnings"),
                    note: l.t("dashboard-warnings-officials"),
                    note_css: "muted",
                    ..Block::default()
                });
            }
            let groups: Vec<_> = o
                .warnings_by_unit(0)
                .into_iter()
                .filter(|g| h.is_within(&g.unit, owner))
                .collect();
            let mut by_rule: std::collections::BTreeMap<_, usize> = Default::default();
            for g in &groups {
                for (r, n) in &g.by_rule {
                    *by_rule.entry(*r).or_default() += n;
                }
            }
            let total: usize = groups.iter().map(|g| g.total).sum();
            let mut rows: Vec<Vec<Cell>> = by_rule
                .iter()
                .map(|(r, n)| vec![cell(wording::rule(l, *r)), cell(l.number(*n as f64, 0))])
                .collect();
            for g in groups.iter().take(5) {
                let (href, unit) = super::unit_link(l, &page.chrome, &o, &g.unit);
                rows.push(vec![
                    Cell {
                        text: unit,
                        href: Some(href),
                        css: "",
                    },
                    cell(l.number(g.total as f64, 0)),
                ]);
            }
            Block {
                title: l.t("dashboard-kind-warnings"),
                note: l.t_args("dashboard-warnings-count", &[("count", total.to_string())]),
                note_css: if total > 0 { "red" } else { "green" },
                headers: vec![l.t("dashboard-rule-or-unit"), l.t("dashboard-count")],
                rows,
                more: Some((
                    page.chrome.href("/#warnings"),
                    l.t("dashboard-all-warnings"),
                )),
                ..Block::default()
            }
        }
        Widget::Map { target } => {
            let Some(t) = target_of(&o, target) else {
                return Ok(gone(target));
            };
            Block {
                title: l.t_args("dashboard-map-of", &[("target", name(target))]),
                svg: status_map(l, page, &o, t, year),
                ..Block::default()
            }
        }
        Widget::Tiles { target } => {
            let Some(t) = target_of(&o, target) else {
                return Ok(gone(target));
            };
            // The units within that the target is about: a commune's target shows the
            // communes and wards, not the province's party bodies.
            let tiles: Vec<Tile> = h
                .as_of(o.day)
                .filter(|u| u.parent.as_ref() == Some(owner))
                .filter(|u| t.reporters.includes(&u.code, u.kind))
                .map(|u| {
                    let s = series(&o, target, &u.code);
                    let (href, name) = super::unit_link(l, &page.chrome, &o, &u.code);
                    if s.is_empty() {
                        return Tile {
                            name,
                            href,
                            status: l.t("dashboard-map-no-data"),
                            css: "grey",
                        };
                    }
                    let j = super::catalogue::verdict(l, t, &s, year);
                    Tile {
                        name,
                        href,
                        status: j.status,
                        css: j.css,
                    }
                })
                .collect();
            // How many tiles of each colour, in the legend's order and words.
            let counted: Vec<String> = [
                ("green", "dashboard-map-on-track"),
                ("yellow", "dashboard-map-at-risk"),
                ("red", "dashboard-map-off-track"),
                ("grey", "dashboard-tiles-grey"),
            ]
            .iter()
            .map(|(css, key)| {
                let n = tiles.iter().filter(|x| x.css == *css).count();
                format!("{}: {}", l.t(key), l.number(n as f64, 0))
            })
            .collect();
            Block {
                title: l.t_args("dashboard-tiles-of", &[("target", name(target))]),
                note: if tiles.is_empty() {
                    l.t("dashboard-tiles-none")
                } else {
                    counted.join(" · ")
                },
                note_css: "muted",
                tiles,
                wide: true,
                ..Block::default()
            }
        }
        Widget::Text { heading, body } => Block {
            title: heading.clone(),
            paragraphs: body
                .replace("\r\n", "\n")
                .split("\n\n")
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_string)
                .collect(),
            ..Block::default()
        },
    })
}

/// The provinces of the day coloured by their status on `t`, grey without figures.
fn status_map(
    l: Lang,
    page: &Page,
    o: &crate::overview::Overview,
    t: &Target,
    year: i32,
) -> String {
    use crate::overview::Colour;
    let Ok(shapes) = crate::map::outlines(o.day) else {
        return String::new();
    };
    let legend = crate::map::legend(
        l,
        &[
            (Colour::Green.fill(), "dashboard-map-on-track"),
            (Colour::Yellow.fill(), "dashboard-map-at-risk"),
            (Colour::Red.fill(), "dashboard-map-off-track"),
            (Colour::Grey.fill(), "dashboard-map-no-data"),
        ],
    );
    crate::map::choropleth(
        l,
        &super::target_name(l, &o.snapshot, &t.code),
        shapes,
        |code| {
            let s = series(o, &t.code, code);
            let j = super::catalogue::verdict(l, t, &s, year);
            let colour = match j.css {
                "green" => Colour::Green,
                "yellow" => Colour::Yellow,
                "red" => Colour::Red,
                _ => Colour::Grey,
            };
            let (href, name) = super::unit_link(l, &page.chrome, o, code);
            crate::map::Area {
                fill: colour.fill(),
                title: format!("{name}: {}", j.status),
                href,
            }
        },
        &legend,
    )
}

/// The form's choices, and what was typed.
fn form_page(
    state: &AppState,
    page: Page,
    heading: String,
    typed: Fields,
    error: String,
) -> FormPage {
    let l = page.l();
    let o = state.overview();
    let choice = |value: String, label: String| Choice { value, label };
    FormPage {
        heading,
        typed,
        error,
        slots: (0..SLOTS).collect(),
        kinds: KINDS
            .iter()
            .map(|k| choice(k.to_string(), l.t(&format!("dashboard-kind-{k}"))))
            .collect(),
        views: VIEWS
            .iter()
            .map(|v| {
                choice(
                    serde_name(v),
                    l.t(&format!("dashboard-view-{}", serde_name(v))),
                )
            })
            .collect(),
        targets: o
            .snapshot
            .targets
            .iter()
            .map(|t| {
                choice(
                    t.code.to_string(),
                    format!("{} ({})", pick(l, &t.name_vi, t.name_en.as_deref()), t.code),
                )
            })
            .collect(),
        documents: Vec::new(),
        roles: Role::ALL
            .iter()
            .filter(|r| !matches!(r, Role::Public))
            .map(|r| choice(r.as_str().to_string(), l.t(&format!("role-{r}"))))
            .collect(),
        unit_names: pickers::suggested_units(l, &o.snapshot.hierarchy, o.day),
        max_text: MAX_TEXT,
        c: page.chrome,
    }
}

async fn with_documents(state: &AppState, l: Lang, mut f: FormPage) -> Result<FormPage, Failure> {
    f.documents = state
        .store
        .documents()
        .await?
        .into_iter()
        .map(|d| Choice {
            value: d.code.to_string(),
            label: format!(
                "{} — {}",
                d.code,
                pick(l, &d.title_vi, d.title_en.as_deref())
            ),
        })
        .collect();
    Ok(f)
}

pub async fn new(State(state): State<AppState>, page: Page) -> Result<Response, Failure> {
    page.viewer.require_login()?;
    let Some(home) = builder_home(&state, &page) else {
        return Err(Failure::forbidden(
            "not_dashboard_builder",
            "only units' offices build dashboards",
        ));
    };
    let l = page.l();
    let o = state.overview();
    let owner = super::unit_name(l, &o.snapshot.hierarchy, &home);
    let typed = Fields::from([("owner".to_string(), vec![owner])]);
    let f = form_page(&state, page, l.t("dashboard-new"), typed, String::new());
    Ok(render(&with_documents(&state, l, f).await?))
}

pub async fn edit(
    State(state): State<AppState>,
    Path(code): Path<String>,
    page: Page,
) -> Result<Response, Failure> {
    let d = app::get(&state, &page.viewer, &code).await?;
    if !app::may_change(&state, &page.viewer, &d) {
        return Err(Failure::forbidden(
            "not_dashboard_builder",
            "only the unit's office changes its dashboards",
        ));
    }
    let l = page.l();
    let typed = fields_of(l, &state, &d);
    let f = form_page(&state, page, l.t("dashboard-edit"), typed, String::new());
    Ok(render(&with_documents(&state, l, f).await?))
}

/// A dashboard as the form shows it.
fn fields_of(l: Lang, state: &AppState, d: &Dashboard) -> Fields {
    let o = state.overview();
    let mut f = Fields::new();
    let mut put = |k: String, v: String| f.entry(k).or_default().push(v);
    put("code".into(), d.code.to_string());
    put("original".into(), d.code.to_string());
    put("title_vi".into(), d.title_vi.clone());
    put("title_en".into(), d.title_en.clone().unwrap_or_default());
    put(
        "owner".into(),
        super::unit_name(l, &o.snapshot.hierarchy, &d.owner),
    );
    for r in &d.audience.roles {
        put("audience".into(), r.as_str().to_string());
    }
    if d.audience.public {
        put("public".into(), "1".into());
    }
    for (i, w) in d.widgets.iter().enumerate() {
        let k = |f: &str| format!("w{i}_{f}");
        match w {
            Widget::Chart { target }
            | Widget::Ranking { target }
            | Widget::Map { target }
            | Widget::Tiles { target } => {
                put(k("target"), target.to_string());
            }
            Widget::Table { targets } => {
                for t in targets {
                    put(k("targets"), t.to_string());
                }
            }
            Widget::Tasks { view, document } => {
                put(k("view"), serde_name(view));
                put(
                    k("document"),
                    document
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_default(),
                );
            }
            Widget::Warnings => {}
            Widget::Text { heading, body } => {
                put(k("heading"), heading.clone());
                put(k("body"), body.clone());
            }
        }
        put(k("kind"), widget_kind(w).to_string());
    }
    f
}

fn widget_kind(w: &Widget) -> &'static str {
    match w {
        Widget::Chart { .. } => "chart",
        Widget::Table { .. } => "table",
        Widget::Tasks { .. } => "tasks",
        Widget::Ranking { .. } => "ranking",
        Widget::Warnings => "warnings",
        Widget::Map { .. } => "map",
        Widget::Tiles { .. } => "tiles",
        Widget::Text { .. } => "text",
    }
}

/// The dashboard the form describes, or the first thing wrong with it, worded.
fn read(state: &AppState, l: Lang, f: &Fields) -> Result<Dashboard, String> {
    let get = |k: &str| {
        f.get(k)
            .and_then(|v| v.first())
            .map(|s| s.trim())
            .unwrap_or_default()
    };
    let all = |k: &str| -> Vec<&str> {
        f.get(k)
            .map(|v| {
                v.iter()
                    .map(|s| s.trim())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    };
    let o = state.overview();
    let code: DashboardCode =
        pickers::code("dashboard-code", get("code")).map_err(|e| e.worded(l))?;
    let owner = pickers::unit(&o.snapshot.hierarchy, o.day, "unit", get("owner"))
        .map_err(|e| e.worded(l))?;
    let target = |i: usize, t: &str| -> Result<TargetCode, String> {
        let slot = |key: &str| {
            l.t_args(
                "dashboard-widget-n",
                &[("n", (i + 1).to_string()), ("what", l.t(key))],
            )
        };
        let code: TargetCode = t
            .parse()
            .map_err(|_| format!("{}: {}", slot("target"), l.t("dashboard-pick-target")))?;
        if target_of(&o, &code).is_none() {
            return Err(format!(
                "{}: {}",
                slot("target"),
                l.t_args("pick-no-target", &[("typed", t.to_string())])
            ));
        }
        Ok(code)
    };
    let mut widgets = Vec::new();
    for i in 0..SLOTS {
        let k = |f: &str| format!("w{i}_{f}");
        let w = match get(&k("kind")) {
            "" => continue,
            "chart" => Widget::Chart {
                target: target(i, get(&k("target")))?,
            },
            "ranking" => Widget::Ranking {
                target: target(i, get(&k("target")))?,
            },
            "map" => Widget::Map {
                target: target(i, get(&k("target")))?,
            },
            "tiles" => Widget::Tiles {
                target: target(i, get(&k("target")))?,
            },
            "table" => Widget::Table {
                targets: all(&k("targets"))
                    .into_iter()
                    .map(|t| target(i, t))
                    .collect::<Result<_, _>>()?,
            },
            "tasks" => Widget::Tasks {
                view: VIEWS
                    .into_iter()
                    .find(|v| serde_name(v) == get(&k("view")))
                    .unwrap_or(TaskView::Open),
                document: match get(&k("document")) {
                    "" => None,
                    d => Some(pickers::code("document", d).map_err(|e| e.worded(l))?),
                },
            },
            "warnings" => Widget::Warnings,
            "text" => Widget::Text {
                heading: get(&k("heading")).to_string(),
                // Browsers send a text area's line breaks as CRLF; the file keeps LF.
                body: f
                    .get(&k("body"))
                    .and_then(|v| v.first())
                    .map(|b| b.replace("\r\n", "\n"))
                    .unwrap_or_default(),
            },
            other => {
                return Err(FieldError::new(
                    "dashboard-kind",
                    "dashboard-unknown-kind",
                    [("kind", other.to_string())],
                )
                .worded(l))
            }
        };
        widgets.push(w);
    }
    let d = Dashboard {
        code,
        owner,
        title_vi: get("title_vi").to_string(),
        title_en: Some(get("title_en").to_string()).filter(|t| !t.is_empty()),
        audience: Audience {
            roles: all("audience")
                .into_iter()
                .filter_map(|r| Role::ALL.into_iter().find(|x| x.as_str() == r))
                .filter(|r| *r != Role::Public)
                .collect(),
            public: !get("public").is_empty(),
        },
        widgets,
    };
    d.validate().map_err(|e| refused(l, &e))?;
    Ok(d)
}

/// A dashboard the domain refused, in words.
fn refused(l: Lang, e: &DashboardError) -> String {
    let text = l.t(e.code);
    match e.widget {
        Some(n) => format!(
            "{}: {text}",
            l.t_args("dashboard-widget", &[("n", n.to_string())])
        ),
        None => text,
    }
}

pub async fn save(
    State(state): State<AppState>,
    page: Page,
    Checked(sent): Checked<Vec<(String, String)>>,
) -> Result<Response, Failure> {
    page.viewer.require_login()?;
    let l = page.l();
    let mut fields = Fields::new();
    for (k, v) in sent.into_iter().filter(|(k, _)| k != "csrf") {
        fields.entry(k).or_default().push(v);
    }
    let original = fields
        .get("original")
        .and_then(|v| v.first())
        .cloned()
        .unwrap_or_default();
    let error = match read(&state, l, &fields) {
        Err(e) => e,
        Ok(d) => {
            if original != d.code.as_str() && state.store.dashboard(&d.code).await?.is_some() {
                l.t_args("dashboard-code-taken", &[("code", d.code.to_string())])
            } else {
                match app::save(&state, &page.viewer, &d).await {
                    Ok(()) => {
                        if !original.is_empty() && original != d.code.as_str() {
                            app::remove(&state, &page.viewer, &original).await?;
                        }
                        return Ok(Redirect::to(&format!(
                            "/dashboards/{}?lang={}",
                            d.code,
                            l.code()
                        ))
                        .into_response());
                    }
                    Err(f) if f.status == StatusCode::CONFLICT => {
                        l.t_args("dashboard-code-taken", &[("code", d.code.to_string())])
                    }
                    Err(f) => return Err(f),
                }
            }
        }
    };
    let heading = if original.is_empty() {
        l.t("dashboard-new")
    } else {
        l.t("dashboard-edit")
    };
    let f = form_page(&state, page, heading, fields, error);
    Ok(render_with(
        StatusCode::UNPROCESSABLE_ENTITY,
        &with_documents(&state, l, f).await?,
    ))
}

/// The dashboard as a file (JSON) another unit can import.
pub async fn export(
    State(state): State<AppState>,
    Path(code): Path<String>,
    page: Page,
) -> Result<Response, Failure> {
    let d = app::get(&state, &page.viewer, &code).await?;
    let name = format!(
        "dashboard-{}.json",
        d.code
            .as_str()
            .replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_")
    );
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/json; charset=utf-8".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        d.to_file(),
    )
        .into_response())
}

/// Reads a dashboard file and opens it in the form, to check, adapt (its unit, its code) and
/// save; nothing is written before that.
pub async fn import(
    State(state): State<AppState>,
    page: Page,
    multipart: Multipart,
) -> Result<Response, Failure> {
    let file = super::guards::checked_file(&page.viewer, multipart)
        .await?
        .map(|(_, bytes)| bytes)
        .unwrap_or_default();
    page.viewer.require_login()?;
    let l = page.l();
    if builder_home(&state, &page).is_none() {
        return Err(Failure::forbidden(
            "not_dashboard_builder",
            "only units' offices build dashboards",
        ));
    }
    match Dashboard::from_file(&file) {
        Err(e) => {
            let error = format!("{}: {}", l.t("dashboard-file"), refused(l, &e));
            list_page(&state, page, error, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Ok(d) => {
            let mut typed = fields_of(l, &state, &d);
            // An imported dashboard is a new one: the builder's unit and a code of their own.
            typed.remove("original");
            if let Some(home) = builder_home(&state, &page) {
                let o = state.overview();
                let h = &o.snapshot.hierarchy;
                if !may_build(&page.viewer.access, h, &d.owner) {
                    typed.insert("owner".into(), vec![super::unit_name(l, h, &home)]);
                }
            }
            let f = form_page(
                &state,
                page,
                l.t("dashboard-imported"),
                typed,
                String::new(),
            );
            Ok(render(&with_documents(&state, l, f).await?))
        }
    }
}

pub async fn remove(
    State(state): State<AppState>,
    Path(code): Path<String>,
    page: Page,
    Checked(_): Checked<Vec<(String, String)>>,
) -> Result<Response, Failure> {
    app::remove(&state, &page.viewer, &code).await?;
    Ok(Redirect::to(&format!("/dashboards?lang={}", page.l().code())).into_response())
}

/// The dashboards a signed-in reader may open, as (title, link), for the pages they land on
/// after login; none for visitors, who find the public ones under `/dashboards`.
pub async fn shortcuts(state: &AppState, page: &Page) -> Result<Vec<(String, String)>, Failure> {
    if page.viewer.user.is_none() {
        return Ok(Vec::new());
    }
    let l = page.l();
    Ok(app::visible(state, &page.viewer)
        .await?
        .into_iter()
        .map(|d| {
            (
                pick(l, &d.title_vi, d.title_en.as_deref()),
                page.chrome.href(&format!("/dashboards/{}", d.code)),
            )
        })
        .collect())
}
