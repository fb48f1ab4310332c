//! Handlers: the overview page and its JSON.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Json, Response};
use serde::Deserialize;

use crate::i18n::Lang;
use crate::AppState;

#[derive(Debug, Deserialize, Default)]
pub struct LangQuery {
    #[serde(default)]
    lang: Lang,
}

/// One row of a two-column count table.
struct Count {
    label: String,
    count: String,
}

struct Province {
    name: String,
    code: String,
    href: String,
    score: String,
    class: String,
    colour: String,
    css: &'static str,
}

struct WarningRow {
    rule: String,
    unit: String,
    object: String,
    evidence: String,
}

struct Rank {
    rank: usize,
    name: String,
    score: String,
}

#[derive(Template)]
#[template(path = "overview.html")]
struct OverviewPage {
    lang: &'static str,
    other_lang: &'static str,
    t: Labels,
    as_of: String,
    targets: Vec<Count>,
    tasks: Vec<Count>,
    provinces: Vec<Province>,
    warning_counts: Vec<Count>,
    warnings: Vec<WarningRow>,
    ranking_title: Option<String>,
    ranking: Vec<Rank>,
}

/// The page's fixed texts in its language.
struct Labels {
    app_name: String,
    title: String,
    as_of: String,
    switch_language: String,
    targets_by_status: String,
    tasks_by_status: String,
    provinces: String,
    province_rule: String,
    warnings: String,
    index_ranking: String,
    rank: String,
    unit: String,
    score: String,
    class: String,
    status: String,
    count: String,
    rule: String,
    object: String,
    evidence: String,
    no_data: String,
}

impl Labels {
    fn new(l: Lang) -> Labels {
        Labels {
            app_name: l.t("app-name"),
            title: l.t("overview-title"),
            as_of: l.t("as-of"),
            switch_language: l.t("switch-language"),
            targets_by_status: l.t("targets-by-status"),
            tasks_by_status: l.t("tasks-by-status"),
            provinces: l.t("provinces"),
            province_rule: l.t("province-rule"),
            warnings: l.t("warnings-this-week"),
            index_ranking: l.t("index-ranking"),
            rank: l.t("rank"),
            unit: l.t("unit"),
            score: l.t("score"),
            class: l.t("class"),
            status: l.t("status"),
            count: l.t("count"),
            rule: l.t("rule"),
            object: l.t("object"),
            evidence: l.t("evidence"),
            no_data: l.t("no-data"),
        }
    }
}

fn serde_name<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

pub async fn overview(State(state): State<AppState>, Query(q): Query<LangQuery>) -> Response {
    let l = q.lang;
    let o = state.overview();
    let name = |vi: &str, en: &str| match l {
        Lang::Vi => vi.to_string(),
        Lang::En => en.to_string(),
    };
    let page = OverviewPage {
        lang: l.code(),
        other_lang: l.other().code(),
        t: Labels::new(l),
        as_of: l.date(o.day),
        targets: o
            .targets_by_status
            .iter()
            .map(|(j, n)| Count {
                label: l.t(&format!("judgement-{}", serde_name(j))),
                count: l.number(*n as f64, 0),
            })
            .collect(),
        tasks: o
            .tasks_by_status
            .iter()
            .map(|(s, n)| Count {
                label: l.t(&format!("task-{}", serde_name(s))),
                count: l.number(*n as f64, 0),
            })
            .collect(),
        provinces: o
            .provinces
            .iter()
            .map(|p| Province {
                name: name(&p.name_vi, &p.name_en),
                code: p.code.to_string(),
                href: format!("/units/{}?lang={}", p.code, l.code()),
                score: p.score.map_or_else(|| l.t("no-data"), |s| l.number(s, 1)),
                class: l.t(&format!("class-{}", serde_name(&p.class))),
                colour: l.t(&format!("colour-{}", serde_name(&p.colour))),
                css: p.colour.css(),
            })
            .collect(),
        warning_counts: o
            .warnings_by_rule
            .iter()
            .map(|(r, n)| Count {
                label: r.label().to_string(),
                count: l.number(*n as f64, 0),
            })
            .collect(),
        warnings: o
            .top_warnings
            .iter()
            .map(|w| WarningRow {
                rule: w.rule.label().to_string(),
                unit: w.unit.to_string(),
                object: w.object.clone(),
                evidence: w.evidence.clone(),
            })
            .collect(),
        ranking_title: o
            .index
            .as_ref()
            .map(|i| format!("{} — {}", i.index, i.period)),
        ranking: o
            .index
            .iter()
            .flat_map(|i| &i.rows)
            .map(|r| Rank {
                rank: r.rank,
                name: name(&r.name_vi, &r.name_en),
                score: l.number(r.score, 2),
            })
            .collect(),
    };
    render(&page)
}

pub async fn overview_json(State(state): State<AppState>) -> Json<std::sync::Arc<crate::Overview>> {
    Json(state.overview())
}

#[derive(Template)]
#[template(path = "unit.html")]
struct UnitPage {
    lang: &'static str,
    other_lang: &'static str,
    code: String,
    name: String,
    as_of: String,
    t: Labels,
    back: String,
    switch: String,
    score: String,
    class: String,
    colour: String,
    css: &'static str,
    explanation: String,
    parent: Option<(String, String)>,
    tasks: Vec<(String, String, String)>,
    lead_label: String,
    coordinator_label: String,
    parent_label: String,
}

/// A JSON error with a stable code, as every `/api/v1` error is.
fn api_error(status: StatusCode, code: &str, message: String) -> Response {
    (
        status,
        Json(serde_json::json!({ "error": { "code": code, "message": message } })),
    )
        .into_response()
}

pub async fn unit(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<LangQuery>,
) -> Response {
    let l = q.lang;
    let o = state.overview();
    let Some(u) = o.units.get(code.as_str()) else {
        return (StatusCode::NOT_FOUND, Html(format!("<!doctype html><html lang=\"{}\"><title>404</title><p>{}: {}</p><p><a href=\"/?lang={}\">{}</a></p></html>", l.code(), l.t("unit-not-found"), html_escape(&code), l.code(), l.t("overview-title")))).into_response();
    };
    let name = |vi: &str, en: &str| match l {
        Lang::Vi => vi.to_string(),
        Lang::En => en.to_string(),
    };
    let parent = u.parent.as_ref().and_then(|p| o.units.get(p)).map(|p| {
        (
            format!("/units/{}?lang={}", p.code, l.code()),
            name(&p.name_vi, &p.name_en),
        )
    });
    let page = UnitPage {
        lang: l.code(),
        other_lang: l.other().code(),
        code: u.code.to_string(),
        name: name(&u.name_vi, &u.name_en),
        as_of: l.date(o.day),
        back: format!("/?lang={}", l.code()),
        switch: format!("/units/{}?lang={}", u.code, l.other().code()),
        score: u.score.map_or_else(|| l.t("no-data"), |s| l.number(s, 1)),
        class: l.t(&format!("class-{}", serde_name(&u.class))),
        colour: l.t(&format!("colour-{}", serde_name(&u.colour))),
        css: u.colour.css(),
        explanation: u.explanation.clone(),
        parent,
        tasks: u
            .leads
            .iter()
            .zip(&u.coordinates)
            .map(|((s, lead), (_, coord))| {
                (
                    l.t(&format!("task-{}", serde_name(s))),
                    l.number(*lead as f64, 0),
                    l.number(*coord as f64, 0),
                )
            })
            .collect(),
        lead_label: l.t("as-lead"),
        coordinator_label: l.t("as-coordinator"),
        parent_label: l.t("parent-unit"),
        t: Labels::new(l),
    };
    render(&page)
}

pub async fn unit_json(State(state): State<AppState>, Path(code): Path<String>) -> Response {
    let o = state.overview();
    match o.units.get(code.as_str()) {
        Some(u) => Json(u.clone()).into_response(),
        None => api_error(
            StatusCode::NOT_FOUND,
            "unit_not_found",
            format!("no organisation unit {code} is in force on {}", o.day),
        ),
    }
}

/// A page as HTML, or a 500 that is logged.
fn render(page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "a page failed to render");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the page could not be rendered",
            )
                .into_response()
        }
    }
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
