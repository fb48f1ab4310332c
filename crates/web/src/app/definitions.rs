//! The standing office's definitions: units, documents, targets, tasks and validation rules
//! added one at a time, units that cease, tasks closed and rules withdrawn. The form page and
//! the API shape their own input into a `Definition` and call `define`.

use chrono::NaiveDate;
use tiendo_domain::accounts::DefinitionScope;
use tiendo_domain::documents::{Document, DocumentCode};
use tiendo_domain::orgs::{OrgCode, OrgUnit};
use tiendo_domain::targets::Target;
use tiendo_domain::tasks::{Task, TaskCode};
use tiendo_domain::validation::ValidationRule;
use tiendo_storage::TaskClosing;

use super::access;
use crate::auth::Viewer;
use crate::failure::Failure;
use crate::AppState;

/// Something the standing office defines.
pub enum Definition {
    Unit(OrgUnit),
    Document(Document),
    Target(Target),
    Task(Task),
    Rule(ValidationRule),
}

/// The caller's definition scope, or the refusal of one who defines nothing.
fn scope(viewer: &Viewer) -> Result<DefinitionScope, Failure> {
    viewer.require_login()?;
    viewer.access.definition_scope().ok_or_else(|| {
        Failure::forbidden(
            "definers_only",
            "only the standing office, administrators and units' reporting offices define",
        )
    })
}

/// A definition reaching beyond a unit's own scope.
fn outside(scope: &DefinitionScope, what: &str) -> Failure {
    let unit = match scope {
        DefinitionScope::Within(u) => u.to_string(),
        DefinitionScope::Everywhere => String::new(),
    };
    Failure::forbidden(
        "outside_definition_scope",
        format!("{what} lies outside unit {unit}, the scope this account defines in"),
    )
}

/// Whether `d` stays within `scope`: a unit's office defines its own documents, the targets
/// and tasks of those documents for the units within it, and units placed within it;
/// validation rules between the nation's targets stay with the standing office.
async fn check_scope(
    state: &AppState,
    scope: &DefinitionScope,
    d: &Definition,
) -> Result<(), Failure> {
    if *scope == DefinitionScope::Everywhere {
        return Ok(());
    }
    // Read from the database: a unit defined a moment ago may not be in the overview yet.
    let h = &state.store.hierarchy().await?;
    let covers = |u: &OrgCode| scope.covers(h, u);
    let documents = state.store.documents().await?;
    let own_document = |code: &DocumentCode| {
        documents
            .iter()
            .find(|doc| &doc.code == code)
            .and_then(|doc| doc.issuer.as_ref())
            .is_some_and(covers)
    };
    match d {
        Definition::Unit(u) => {
            if !u.parent.as_ref().is_some_and(covers) {
                return Err(outside(scope, "the new unit's parent"));
            }
        }
        Definition::Document(doc) => {
            if !doc.issuer.as_ref().is_some_and(covers) {
                return Err(outside(scope, "the document's issuer"));
            }
        }
        Definition::Target(t) => {
            if !t.document.as_ref().is_some_and(own_document) {
                return Err(outside(scope, "the target's document"));
            }
            let r = &t.reporters;
            if !r.kinds.is_empty()
                || r.units.is_empty()
                || !r.units.iter().all(covers)
                || !r.published_by.as_ref().is_none_or(covers)
            {
                return Err(outside(scope, "a unit reporting the target"));
            }
        }
        Definition::Task(t) => {
            if !own_document(&t.document) {
                return Err(outside(scope, "the task's document"));
            }
            if !std::iter::once(&t.lead).chain(&t.coordinators).all(covers) {
                return Err(outside(scope, "a unit of the task"));
            }
        }
        Definition::Rule(_) => return Err(outside(scope, "a validation rule")),
    }
    Ok(())
}

/// Checks that the caller defines, and within their scope; writes the definition (audited
/// under their name) and has the overview recomputed.
pub async fn define(state: &AppState, viewer: &Viewer, d: Definition) -> Result<(), Failure> {
    let scope = scope(viewer)?;
    check_scope(state, &scope, &d).await?;
    let actor = viewer.name();
    let store = &state.store;
    match &d {
        Definition::Unit(u) => store.add_unit(u, actor).await,
        Definition::Document(doc) => store.add_document(doc, actor).await,
        Definition::Target(t) => store.add_target(t, actor).await,
        Definition::Task(t) => store.add_task(t, actor).await,
        Definition::Rule(r) => store.add_validation_rule(r, actor).await,
    }?;
    if matches!(d, Definition::Rule(_)) {
        state.rules_changed();
    }
    if matches!(d, Definition::Task(_)) {
        state.tasks_changed().await;
    } else {
        state.changed();
    }
    Ok(())
}

/// Records the last day of a unit that ceases.
pub async fn end_unit(
    state: &AppState,
    viewer: &Viewer,
    unit: &OrgCode,
    last_day: NaiveDate,
) -> Result<(), Failure> {
    let scope = scope(viewer)?;
    if !scope.covers(&state.store.hierarchy().await?, unit) {
        return Err(outside(&scope, "the unit"));
    }
    state.store.end_unit(unit, last_day, viewer.name()).await?;
    state.changed();
    Ok(())
}

/// Withdraws a validation rule: values are no longer checked against it.
pub async fn withdraw_rule(state: &AppState, viewer: &Viewer, code: &str) -> Result<(), Failure> {
    access::require_definer(viewer)?;
    state
        .store
        .withdraw_validation_rule(code, viewer.name())
        .await?;
    state.rules_changed();
    Ok(())
}

/// Records a task completed or withdrawn on `day`.
pub async fn close_task(
    state: &AppState,
    viewer: &Viewer,
    task: &TaskCode,
    how: TaskClosing,
    day: NaiveDate,
) -> Result<(), Failure> {
    let scope = scope(viewer)?;
    if let DefinitionScope::Within(unit) = &scope {
        // The tasks concerning the unit, read from the database as they stand.
        let mine = state
            .store
            .tasks(&tiendo_storage::TaskFilter {
                clearance: tiendo_domain::tasks::Clearance::Secret,
                document: None,
                org: Some(unit.clone()),
            })
            .await?;
        let h = state.store.hierarchy().await?;
        let lead = mine.iter().find(|t| &t.code == task).map(|t| &t.lead);
        if !lead.is_some_and(|l| scope.covers(&h, l)) {
            return Err(outside(&scope, "the task's lead"));
        }
    }
    state
        .store
        .close_task(task, how, day, viewer.name())
        .await?;
    state.tasks_changed().await;
    Ok(())
}
