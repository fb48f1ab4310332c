//! Administration of the cascade by the standing office (and administrators): new units,
//! units that cease, documents, targets and tasks, and closing tasks. Each form's fields are
//! shaped into the domain type's JSON (the same the API accepts), so the domain's own
//! parsing and checks apply, and a refusal names the field.

use super::guards::Checked;
use crate::app::definitions::{self, Definition};
use crate::auth::Viewer;
use crate::i18n::Lang;
use crate::wording::serde_name;
use std::collections::HashMap;
use tiendo_domain::orgs::OrgKind;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::app::access::require_definer;
use crate::app::tasks::closing;
use crate::chrome::{Chrome, Page};
use crate::failure::Failure;
use crate::pages::{render, render_with};
use crate::AppState;

/// The forms of the page, by name.
pub const FORMS: [&str; 5] = ["unit", "unit-end", "document", "target", "task"];

#[derive(Template)]
#[template(path = "define.html")]
struct DefinePage {
    c: Chrome,
    done: Option<String>,
    errors: HashMap<String, String>,
    typed: HashMap<String, String>,
}

impl DefinePage {
    fn error(&self, form: &str) -> String {
        self.errors.get(form).cloned().unwrap_or_default()
    }

    fn typed(&self, field: &str) -> String {
        self.typed.get(field).cloned().unwrap_or_default()
    }

    /// The kinds of unit a target may be reported by, with their names, for the checkboxes.
    fn reporter_kinds(&self) -> Vec<(String, String)> {
        OrgKind::ALL
            .iter()
            .map(|k| {
                let code = serde_name(k);
                let name = self.c.t(&format!("org-kind-{code}"));
                (code, name)
            })
            .collect()
    }
}

#[derive(Debug, Deserialize)]
pub struct DefineQuery {
    done: Option<String>,
}

pub async fn page(Query(q): Query<DefineQuery>, page: Page) -> Result<Response, Failure> {
    require_definer(&page.viewer)?;
    let done = q
        .done
        .filter(|d| FORMS.contains(&d.as_str()))
        .map(|d| page.l().t(&format!("defined-{d}")));
    Ok(render(&DefinePage {
        c: page.chrome,
        done,
        errors: HashMap::new(),
        typed: HashMap::new(),
    }))
}

/// A comma-separated list as a JSON array of trimmed, non-empty items.
/// The kinds of unit ticked as the target's reporters (`reporter_kind_province`, …).
fn reporter_kinds(f: &HashMap<String, String>) -> Value {
    Value::Array(
        OrgKind::ALL
            .iter()
            .map(serde_name)
            .filter(|k| {
                f.get(&format!("reporter_kind_{k}"))
                    .is_some_and(|v| v == "1")
            })
            .map(Value::String)
            .collect(),
    )
}

fn list(text: &str) -> Value {
    Value::Array(
        text.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| Value::String(s.to_string()))
            .collect(),
    )
}

/// An optional text field as JSON (null when blank).
fn opt(text: Option<&String>) -> Value {
    match text.map(|t| t.trim()).filter(|t| !t.is_empty()) {
        Some(t) => Value::String(t.to_string()),
        None => Value::Null,
    }
}

fn number(field: &str, text: &str) -> Result<Value, String> {
    let t = text.trim().replace(',', ".");
    t.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .map(Value::from)
        .ok_or_else(|| format!("{field}: \"{}\" is not a number", text.trim()))
}

fn year(field: &str, text: &str) -> Result<Value, String> {
    text.trim()
        .parse::<i32>()
        .map(Value::from)
        .map_err(|_| format!("{field}: \"{}\" is not a year", text.trim()))
}

/// Parses the JSON shaped from a form into a domain value; serde's message names the field.
fn parse<T: serde::de::DeserializeOwned>(v: Value) -> Result<T, String> {
    serde_json::from_value(v).map_err(|e| e.to_string())
}

/// Checks and writes one form; returns the message to show beside it when refused.
pub async fn define(
    state: &AppState,
    viewer: &Viewer,
    l: Lang,
    form: &str,
    f: &HashMap<String, String>,
) -> Result<(), String> {
    let get = |k: &str| f.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    // Vietnamese first: the Vietnamese name is required, the English one falls back to it.
    let vietnamese = |field: &str| {
        let text = get(field);
        if text.is_empty() {
            Err(l.t_args(
                "field-required",
                &[("field", l.t(&field.replace('_', "-")))],
            ))
        } else {
            Ok(text)
        }
    };
    // The English name is optional: an empty field means none.
    let english = |field: &str| Some(get(field)).filter(|t| !t.is_empty());
    let actor = viewer.name();
    let stored = |r: Result<(), Failure>| r.map_err(|e| e.message);
    let definition = match form {
        "unit" => {
            let name_vi = vietnamese("name_vi")?;
            let unit = parse(json!({
                "code": get("code"), "kind": get("kind"), "name_vi": name_vi,
                "name_en": english("name_en"), "parent": opt(f.get("parent")),
                "from": opt(f.get("valid_from")), "to": null, "synthetic": false,
                "source": opt(f.get("source")),
            }))?;
            Definition::Unit(unit)
        }
        "unit-end" => {
            let code = parse(Value::String(get("code")))?;
            let day = get("last_day").parse().map_err(|_| {
                format!(
                    "last_day: \"{}\" is not a date (YYYY-MM-DD)",
                    get("last_day")
                )
            })?;
            state
                .store
                .end_unit(&code, day, actor)
                .await
                .map_err(|e| e.to_string())?;
            state.changed();
            return Ok(());
        }
        "document" => {
            let title_vi = vietnamese("title_vi")?;
            let doc = parse(json!({
                "code": get("code"), "kind": get("kind"), "title_vi": title_vi,
                "title_en": english("title_en"), "issuer": opt(f.get("issuer")),
                "issued_on": opt(f.get("issued_on")), "implements": list(&get("implements")),
                "sections": [], "source": opt(f.get("source")),
            }))?;
            Definition::Document(doc)
        }
        "target" => {
            let goals = if get("goal_value").is_empty() {
                json!([])
            } else {
                json!([{
                    "requirement": {"shape": "threshold", "op": get("goal_op"), "value": number("goal_value", &get("goal_value"))?},
                    "deadline": {"kind": "by", "year": year("goal_year", &get("goal_year"))?},
                }])
            };
            let name_vi = vietnamese("name_vi")?;
            let target = parse(json!({
                "code": get("code"), "document": opt(f.get("document")), "group": opt(f.get("group")),
                "name_vi": name_vi, "name_en": english("name_en"), "family": get("family"),
                "unit": get("unit"), "direction": get("direction"), "goals": goals, "baseline": null,
                "periodicity": get("periodicity"), "aggregation": {"method": get("aggregation")},
                "reporters": {"units": list(&get("reporter_units")), "kinds": reporter_kinds(f)},
                "source": opt(f.get("source")),
            }))?;
            Definition::Target(target)
        }
        "task" => {
            let title_vi = vietnamese("title_vi")?;
            let task = parse(json!({
                "code": get("code"), "document": get("document"), "group": opt(f.get("group")),
                "parent": opt(f.get("parent")), "title_vi": title_vi,
                "title_en": english("title_en"), "lead": get("lead"),
                "coordinators": list(&get("coordinators")), "start": opt(f.get("start")),
                "deadline": opt(f.get("deadline")), "completed_on": null,
                "expected_product": opt(f.get("expected_product")), "targets": list(&get("targets")),
                "confidentiality": get("confidentiality"), "source": opt(f.get("source")),
            }))?;
            Definition::Task(task)
        }
        other => return Err(format!("there is no form \"{other}\"")),
    };
    stored(definitions::define(state, viewer, definition).await)
}

pub async fn submit(
    State(state): State<AppState>,
    Path(form): Path<String>,
    page: Page,
    Checked(fields): Checked<HashMap<String, String>>,
) -> Result<Response, Failure> {
    require_definer(&page.viewer)?;
    if !FORMS.contains(&form.as_str()) {
        return Err(Failure::not_found(
            "form_not_found",
            format!("there is no form \"{form}\""),
        ));
    }
    match define(&state, &page.viewer, page.l(), &form, &fields).await {
        Ok(()) => Ok(Redirect::to(&format!(
            "/admin/define?done={form}&lang={}",
            page.l().code()
        ))
        .into_response()),
        Err(message) => {
            let typed = fields
                .into_iter()
                .filter(|(k, _)| k != "csrf")
                .map(|(k, v)| (format!("{form}.{k}"), v))
                .collect();
            let body = DefinePage {
                c: page.chrome,
                done: None,
                errors: HashMap::from([(form, message)]),
                typed,
            };
            Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &body))
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct CloseInput {
    how: String,
}

pub async fn close_task(
    State(state): State<AppState>,
    Path(code): Path<String>,
    page: Page,
    Checked(input): Checked<CloseInput>,
) -> Result<Response, Failure> {
    require_definer(&page.viewer)?;
    let how = closing(&input.how)?;
    let task = code.parse().map_err(|e: tiendo_domain::codes::CodeError| {
        Failure::bad_request("invalid_task", e.to_string())
    })?;
    state
        .store
        .close_task(&task, how, state.day(), page.viewer.name())
        .await?;
    state.changed();
    Ok(Redirect::to(&format!("/tasks/{code}?lang={}", page.l().code())).into_response())
}
