//! Administration of the cascade by the standing office (and administrators): new units,
//! units that cease, documents, targets, tasks and validation rules, and closing tasks. An
//! officer picks documents and targets from lists by their names and types units and parent
//! tasks by name (or code); each form is shaped into the domain type's JSON (the same the API
//! accepts), so the domain's own parsing and checks apply, and a refusal names the field in
//! the reader's language.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::{json, Value};
use tiendo_domain::documents::{Document, DocumentCode};
use tiendo_domain::orgs::{OrgCode, OrgKind};
use tiendo_domain::snapshot::Snapshot;
use tiendo_domain::targets::TargetCode;
use tiendo_domain::tasks::TaskCode;
use tiendo_domain::validation::{Side, ValidationRule};
use tiendo_storage::Defined;

use super::guards::Checked;
use super::pickers::{self, FieldError};
use crate::app::access::require_definer;
use crate::app::definitions::{self, Definition};
use crate::app::tasks::closing;
use crate::auth::Viewer;
use crate::chrome::{Chrome, Page};
use crate::failure::Failure;
use crate::i18n::Lang;
use crate::pages::{pick, render, render_with};
use crate::wording::{figure, serde_name};
use crate::AppState;

/// The forms of the page, by name.
pub const FORMS: [&str; 7] = [
    "unit",
    "unit-end",
    "document",
    "target",
    "task",
    "rule",
    "rule-withdraw",
];

/// A form as sent: each field with every value it was given (a list sends several).
type Fields = HashMap<String, Vec<String>>;

/// A choice of a list: its value and its label.
pub struct Choice {
    pub value: String,
    pub label: String,
}

/// A group of choices under a heading (a document's targets or sections).
pub struct ChoiceGroup {
    pub label: String,
    pub choices: Vec<Choice>,
}

/// A rule in force as the page lists it.
pub struct RuleLine {
    pub code: String,
    pub name: String,
    pub formula: String,
    pub source: String,
}

#[derive(Template)]
#[template(path = "define.html")]
struct DefinePage {
    c: Chrome,
    done: Option<String>,
    errors: HashMap<String, String>,
    typed: Fields,
    documents: Vec<Choice>,
    sections: Vec<ChoiceGroup>,
    targets: Vec<ChoiceGroup>,
    /// Names for the unit fields' suggestions: central agencies, ministries and provinces.
    unit_names: Vec<String>,
    measures: Vec<String>,
    rules: Vec<RuleLine>,
    /// For a unit's reporting office: what it defines, within which unit.
    scope_note: Option<String>,
}

impl DefinePage {
    fn error(&self, form: &str) -> String {
        self.errors.get(form).cloned().unwrap_or_default()
    }

    fn typed(&self, field: &str) -> String {
        self.typed
            .get(field)
            .and_then(|v| v.first())
            .cloned()
            .unwrap_or_default()
    }

    /// True when `value` was chosen in `field` ("form.field") of the form sent back; `default`
    /// when the field was not sent.
    fn chosen(&self, field: &str, value: &str, default: &bool) -> bool {
        match self.typed.get(field) {
            Some(v) => v.iter().any(|x| x == value),
            None => *default,
        }
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

pub async fn page(
    State(state): State<AppState>,
    Query(q): Query<DefineQuery>,
    page: Page,
) -> Result<Response, Failure> {
    require_any_scope(&page)?;
    let done = q
        .done
        .filter(|d| FORMS.contains(&d.as_str()))
        .map(|d| page.l().t(&format!("defined-{d}")));
    let note = scope_note(&state, &page);
    let mut body = shown(&state, page.chrome, done, HashMap::new(), Fields::new()).await?;
    body.scope_note = note;
    Ok(render(&body))
}

/// The page with its lists read from the catalogue.
async fn shown(
    state: &AppState,
    c: Chrome,
    done: Option<String>,
    errors: HashMap<String, String>,
    typed: Fields,
) -> Result<DefinePage, Failure> {
    let l = c.l;
    let documents = state.store.documents().await?;
    let rules = state.store.validation_rules().await?;
    let o = state.overview();
    let s = &o.snapshot;
    let named = |d: &Document| {
        format!(
            "{} ({})",
            pick(l, &d.title_vi, d.title_en.as_deref()),
            d.code
        )
    };
    let mut targets: Vec<ChoiceGroup> = documents
        .iter()
        .map(|d| ChoiceGroup {
            label: named(d),
            choices: target_choices(l, s, Some(&d.code)),
        })
        .collect();
    targets.push(ChoiceGroup {
        label: l.t("define-no-document"),
        choices: target_choices(l, s, None),
    });
    targets.retain(|g| !g.choices.is_empty());
    let sections = documents
        .iter()
        .filter(|d| !d.sections.is_empty())
        .map(|d| ChoiceGroup {
            label: named(d),
            choices: d
                .sections
                .iter()
                .map(|x| Choice {
                    value: format!("{}|{}", d.code, x.code),
                    label: format!("{} {}", x.code, pick(l, &x.title_vi, x.title_en.as_deref())),
                })
                .collect(),
        })
        .collect();
    let unit_names = pickers::suggested_units(l, &s.hierarchy, state.day());
    let mut measures: Vec<String> = s.targets.iter().map(|t| t.unit.clone()).collect();
    measures.sort();
    measures.dedup();
    let rules = rules
        .iter()
        .map(|r| RuleLine {
            code: r.code.clone(),
            name: pick(l, &r.name_vi, r.name_en.as_deref()),
            formula: formula(l, s, r),
            source: r.source.clone().unwrap_or_default(),
        })
        .collect();
    Ok(DefinePage {
        c,
        done,
        errors,
        typed,
        documents: documents
            .iter()
            .map(|d| Choice {
                value: d.code.to_string(),
                label: named(d),
            })
            .collect(),
        sections,
        targets,
        unit_names,
        measures,
        rules,
        scope_note: None,
    })
}

/// The note that tells a unit's office where it defines.
fn scope_note(state: &AppState, page: &Page) -> Option<String> {
    match page.viewer.access.definition_scope() {
        Some(tiendo_domain::accounts::DefinitionScope::Within(unit)) => {
            let l = page.l();
            let name = super::unit_name(l, &state.overview().snapshot.hierarchy, &unit);
            Some(l.t_args("define-scope-within", &[("unit", name)]))
        }
        _ => None,
    }
}

/// The targets of one document (or of none), by name.
fn target_choices(l: Lang, s: &Snapshot, document: Option<&DocumentCode>) -> Vec<Choice> {
    s.targets
        .iter()
        .filter(|t| t.document.as_ref() == document)
        .map(|t| Choice {
            value: t.code.to_string(),
            label: pick(l, &t.name_vi, t.name_en.as_deref()),
        })
        .collect()
}

/// A rule as a sentence of names: "Tỷ trọng công nghiệp + Tỷ trọng dịch vụ ≤ 100 (sai số 0,15)".
fn formula(l: Lang, s: &Snapshot, r: &ValidationRule) -> String {
    let side = |side: &Side| {
        let mut parts: Vec<String> = side
            .targets
            .iter()
            .map(|t| super::target_name(l, s, t))
            .collect();
        if side.constant != 0.0 || parts.is_empty() {
            parts.push(figure(l, side.constant));
        }
        parts.join(" + ")
    };
    let mut text = format!("{} {} {}", side(&r.left), r.op.symbol(), side(&r.right));
    if r.tolerance > 0.0 {
        text.push_str(&l.t_args("vrule-tolerance", &[("tolerance", figure(l, r.tolerance))]));
    }
    text
}

/// The kinds of unit ticked as the target's reporters (`reporter_kind_province`, …).
fn reporter_kinds(f: &Fields) -> Value {
    Value::Array(
        OrgKind::ALL
            .iter()
            .map(serde_name)
            .filter(|k| {
                f.get(&format!("reporter_kind_{k}"))
                    .is_some_and(|v| v.iter().any(|v| v == "1"))
            })
            .map(Value::String)
            .collect(),
    )
}

/// An optional text as JSON (null when blank).
fn opt(text: String) -> Value {
    let t = text.trim();
    if t.is_empty() {
        Value::Null
    } else {
        Value::String(t.to_string())
    }
}

/// A number typed the Vietnamese way or the international way.
fn number(label: &'static str, text: &str) -> Result<f64, FieldError> {
    super::entry::parse_number(text)
        .map(|n| n.get())
        .map_err(|_| {
            FieldError::new(
                label,
                "pick-not-a-number",
                [("typed", text.trim().to_string())],
            )
        })
}

fn year(label: &'static str, text: &str) -> Result<i32, FieldError> {
    text.trim()
        .parse::<i32>()
        .ok()
        .filter(|y| (1900..=2200).contains(y))
        .ok_or_else(|| {
            FieldError::new(
                label,
                "pick-not-a-year",
                [("typed", text.trim().to_string())],
            )
        })
}

/// Parses the JSON shaped from a form into a domain value. The form's fields are chosen from
/// lists or checked above, so what fails here was tampered with.
fn parse<T: serde::de::DeserializeOwned>(v: Value) -> Result<T, FieldError> {
    serde_json::from_value(v).map_err(|_| FieldError::new("define-form", "define-unreadable", []))
}

/// Refuses a code already taken by a thing of the same kind.
async fn new_code(state: &AppState, kind: Defined, code: &str) -> Result<(), FieldError> {
    match state.store.is_defined(kind, code).await {
        Ok(false) => Ok(()),
        Ok(true) => Err(FieldError::new(
            "code",
            "define-code-taken",
            [("code", code.to_string())],
        )),
        Err(_) => Err(FieldError::new("define-form", "define-not-saved", [])),
    }
}

/// Checks and writes one form; returns the refusal to show beside it.
pub async fn define(
    state: &AppState,
    viewer: &Viewer,
    form: &str,
    f: &Fields,
) -> Result<(), FieldError> {
    let get = |k: &str| {
        f.get(k)
            .and_then(|v| v.first())
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    let all = |k: &str| f.get(k).cloned().unwrap_or_default();
    // Vietnamese first: the Vietnamese name is required, the English one is optional.
    let vietnamese = |field: &str, label: &'static str| {
        let text = get(field);
        if text.is_empty() {
            Err(FieldError::new(label, "define-required", []))
        } else {
            Ok(text)
        }
    };
    let english = |field: &str| Some(get(field)).filter(|t| !t.is_empty());
    let o = state.overview();
    let s = &o.snapshot;
    // Units as the database holds them: one defined a moment ago may not be in the overview.
    let stored = state.store.hierarchy().await.map_err(|e| {
        tracing::warn!(error = %e, "the hierarchy could not be read");
        FieldError::new("define-form", "define-not-saved", [])
    })?;
    let h = &stored;
    let day = state.day();
    let unit_or_none = |field: &str, label: &'static str| -> Result<Option<OrgCode>, FieldError> {
        let typed = get(field);
        if typed.is_empty() {
            Ok(None)
        } else {
            pickers::unit(h, day, label, &typed).map(Some)
        }
    };
    let documents = state
        .store
        .documents()
        .await
        .map_err(|_| FieldError::new("define-form", "define-not-saved", []))?;
    let document = |label: &'static str, code: &str| -> Result<DocumentCode, FieldError> {
        documents
            .iter()
            .find(|d| d.code.as_str() == code)
            .map(|d| d.code.clone())
            .ok_or_else(|| {
                FieldError::new(label, "pick-no-document", [("typed", code.to_string())])
            })
    };
    let target_list = |field: &str, label: &'static str| -> Result<Vec<TargetCode>, FieldError> {
        all(field)
            .iter()
            .map(|c| {
                s.targets
                    .iter()
                    .find(|t| t.code.as_str() == c)
                    .map(|t| t.code.clone())
                    .ok_or_else(|| FieldError::new(label, "pick-no-target", [("typed", c.clone())]))
            })
            .collect()
    };
    let definition = match form {
        "unit" => {
            let code: OrgCode = pickers::code("code", &get("code"))?;
            new_code(state, Defined::Unit, code.as_str()).await?;
            let name_vi = vietnamese("name_vi", "name-vi")?;
            let parent = pickers::unit(h, day, "parent-unit", &get("parent"))?;
            let from = pickers::day("valid-from", &get("valid_from"))?;
            Definition::Unit(parse(json!({
                "code": code, "kind": get("kind"), "name_vi": name_vi,
                "name_en": english("name_en").unwrap_or_else(|| name_vi.clone()),
                "parent": parent, "from": from, "to": null, "synthetic": false,
                "source": opt(get("source")),
            }))?)
        }
        "unit-end" => {
            let code = pickers::unit(h, day, "unit", &get("unit"))?;
            let last = pickers::day("last-day", &get("last_day"))?
                .ok_or_else(|| FieldError::new("last-day", "define-required", []))?;
            return written(definitions::end_unit(state, viewer, &code, last).await);
        }
        "document" => {
            let code: DocumentCode = pickers::code("code", &get("code"))?;
            new_code(state, Defined::Document, code.as_str()).await?;
            let title_vi = vietnamese("title_vi", "title-vi")?;
            let implements = all("implements")
                .iter()
                .map(|c| document("implements", c))
                .collect::<Result<Vec<_>, _>>()?;
            Definition::Document(parse(json!({
                "code": code, "kind": get("kind"), "title_vi": title_vi,
                "title_en": english("title_en"), "issuer": unit_or_none("issuer", "issuer")?,
                "issued_on": pickers::day("issued", &get("issued_on"))?, "implements": implements,
                "sections": [], "source": opt(get("source")),
            }))?)
        }
        "target" => {
            let code: TargetCode = pickers::code("code", &get("code"))?;
            new_code(state, Defined::Target, code.as_str()).await?;
            let name_vi = vietnamese("name_vi", "name-vi")?;
            let measure = vietnamese("unit", "unit-of-measure")?;
            // A group is chosen as "document|section", so it always belongs to its document.
            let (doc, group) = match get("group").split_once('|') {
                Some((d, g)) => (Some(document("document", d)?), Some(g.to_string())),
                None => (
                    Some(get("document"))
                        .filter(|d| !d.is_empty())
                        .map(|d| document("document", &d))
                        .transpose()?,
                    None,
                ),
            };
            let goals = if get("goal_value").is_empty() {
                json!([])
            } else {
                json!([{
                    "requirement": {"shape": "threshold", "op": get("goal_op"), "value": number("goal", &get("goal_value"))?},
                    "deadline": {"kind": "by", "year": year("by-year", &get("goal_year"))?},
                }])
            };
            let reporter_units = pickers::units(h, day, "reporter-units", &get("reporter_units"))?;
            let target: tiendo_domain::targets::Target = parse(json!({
                "code": code, "document": doc, "group": group,
                "name_vi": name_vi, "name_en": english("name_en"), "family": get("family"),
                "unit": measure, "direction": get("direction"), "goals": goals, "baseline": null,
                "periodicity": get("periodicity"), "aggregation": {"method": get("aggregation")},
                "reporters": {"units": reporter_units, "kinds": reporter_kinds(f)},
                "source": opt(get("source")),
            }))?;
            target
                .validate()
                .map_err(|e| FieldError::new("goal", format!("target-error-{}", e.code), []))?;
            Definition::Target(target)
        }
        "task" => {
            let code: TaskCode = pickers::code("code", &get("code"))?;
            new_code(state, Defined::Task, code.as_str()).await?;
            let title_vi = vietnamese("title_vi", "title-vi")?;
            // The group is chosen as "document|section", so it always belongs to the document.
            let (doc, group) = match get("group").split_once('|') {
                Some((d, g)) => (document("document", d)?, Some(g.to_string())),
                None => (document("document", &get("document"))?, None),
            };
            let parent = Some(get("parent"))
                .filter(|p| !p.is_empty())
                .map(|p| pickers::task(&s.tasks, "parent-task", &p))
                .transpose()?;
            let task: tiendo_domain::tasks::Task = parse(json!({
                "code": code, "document": doc, "group": group,
                "parent": parent, "title_vi": title_vi,
                "title_en": english("title_en"),
                "lead": pickers::unit(h, day, "lead", &get("lead"))?,
                "coordinators": pickers::units(h, day, "coordinators", &get("coordinators"))?,
                "start": pickers::day("start", &get("start"))?,
                "deadline": pickers::day("deadline", &get("deadline"))?, "completed_on": null,
                "expected_product": opt(get("expected_product")),
                "targets": target_list("targets", "targets")?,
                "confidentiality": get("confidentiality"), "source": opt(get("source")),
            }))?;
            task.validate().map_err(|e| {
                let label = match e.code {
                    "deadline-before-start" => "deadline",
                    "lead-coordinates" => "coordinators",
                    "own-parent" => "parent-task",
                    _ => "define-task",
                };
                FieldError::new(label, format!("task-error-{}", e.code), [])
            })?;
            Definition::Task(task)
        }
        "rule" => {
            let code = get("code");
            // A rule's code follows the rules of every code (no spaces, at most 64 characters).
            pickers::code::<TargetCode>("code", &code)?;
            new_code(state, Defined::Rule, &code).await?;
            let name_vi = vietnamese("name_vi", "name-vi")?;
            let left = target_list("left", "vrule-left")?;
            if left.is_empty() {
                return Err(FieldError::new("vrule-left", "define-required", []));
            }
            let constant = match get("constant").as_str() {
                "" => 0.0,
                c => number("vrule-constant", c)?,
            };
            let tolerance = match get("tolerance").as_str() {
                "" => 0.0,
                t => number("vrule-tolerance-label", t)?,
            };
            if tolerance < 0.0 {
                return Err(FieldError::new(
                    "vrule-tolerance-label",
                    "vrule-tolerance-negative",
                    [],
                ));
            }
            let rule: ValidationRule = parse(json!({
                "code": code, "name_vi": name_vi, "name_en": english("name_en"),
                "left": {"targets": left}, "op": get("op"),
                "right": {"targets": target_list("right", "vrule-right")?, "constant": constant},
                "tolerance": tolerance, "source": opt(get("source")),
            }))?;
            Definition::Rule(rule)
        }
        "rule-withdraw" => {
            return written(definitions::withdraw_rule(state, viewer, &get("code")).await);
        }
        _ => return Err(FieldError::new("define-form", "define-unreadable", [])),
    };
    written(definitions::define(state, viewer, definition).await)
}

/// What the store answered, as the page shows it: a refusal the checks above did not foresee
/// (a race with another officer) is said in general words and its detail logged.
fn written(r: Result<(), Failure>) -> Result<(), FieldError> {
    r.map_err(|e| {
        tracing::info!(code = e.code, message = %e.message, "definition refused");
        if e.code == "outside_definition_scope" {
            FieldError::new("define-form", "define-outside-scope", [])
        } else {
            FieldError::new("define-form", "define-not-saved", [])
        }
    })
}

/// Lets in whoever defines anywhere or within their unit.
fn require_any_scope(page: &Page) -> Result<(), Failure> {
    if page.viewer.access.definition_scope().is_some() {
        Ok(())
    } else {
        require_definer(&page.viewer)
    }
}

pub async fn submit(
    State(state): State<AppState>,
    Path(form): Path<String>,
    page: Page,
    Checked(sent): Checked<Vec<(String, String)>>,
) -> Result<Response, Failure> {
    require_any_scope(&page)?;
    if !FORMS.contains(&form.as_str()) {
        return Err(Failure::not_found(
            "form_not_found",
            format!("there is no form \"{form}\""),
        ));
    }
    let mut fields = Fields::new();
    for (k, v) in sent.into_iter().filter(|(k, _)| k != "csrf") {
        fields.entry(k).or_default().push(v);
    }
    match define(&state, &page.viewer, &form, &fields).await {
        Ok(()) => Ok(Redirect::to(&format!(
            "/admin/define?done={form}&lang={}#defined",
            page.l().code()
        ))
        .into_response()),
        Err(refused) => {
            let message = refused.worded(page.l());
            let typed = fields
                .into_iter()
                .map(|(k, v)| (format!("{form}.{k}"), v))
                .collect();
            let note = scope_note(&state, &page);
            let mut body = shown(
                &state,
                page.chrome,
                None,
                HashMap::from([(form, message)]),
                typed,
            )
            .await?;
            body.scope_note = note;
            // Beyond the caller's scope is a refusal of access, shown on the form all the same.
            let status = if refused.key == "define-outside-scope" {
                StatusCode::FORBIDDEN
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            Ok(render_with(status, &body))
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
    require_any_scope(&page)?;
    let how = closing(&input.how)?;
    let task = code.parse().map_err(|e: tiendo_domain::codes::CodeError| {
        Failure::bad_request("invalid_task", e.to_string())
    })?;
    definitions::close_task(&state, &page.viewer, &task, how, state.day()).await?;
    Ok(Redirect::to(&format!("/tasks/{code}?lang={}", page.l().code())).into_response())
}
