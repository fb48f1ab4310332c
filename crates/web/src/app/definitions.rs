//! The standing office's definitions: units, documents, targets, tasks and validation rules
//! added one at a time, units that cease, tasks closed and rules withdrawn. The form page and
//! the API shape their own input into a `Definition` and call `define`.

use chrono::NaiveDate;
use tiendo_domain::documents::Document;
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

/// Checks that the caller defines, writes the definition (audited under their name) and has
/// the overview recomputed.
pub async fn define(state: &AppState, viewer: &Viewer, d: Definition) -> Result<(), Failure> {
    access::require_definer(viewer)?;
    let actor = viewer.name();
    let store = &state.store;
    match &d {
        Definition::Unit(u) => store.add_unit(u, actor).await,
        Definition::Document(doc) => store.add_document(doc, actor).await,
        Definition::Target(t) => store.add_target(t, actor).await,
        Definition::Task(t) => store.add_task(t, actor).await,
        Definition::Rule(r) => store.add_validation_rule(r, actor).await,
    }?;
    state.changed();
    Ok(())
}

/// Records the last day of a unit that ceases.
pub async fn end_unit(
    state: &AppState,
    viewer: &Viewer,
    unit: &OrgCode,
    last_day: NaiveDate,
) -> Result<(), Failure> {
    access::require_definer(viewer)?;
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
    access::require_definer(viewer)?;
    state
        .store
        .close_task(task, how, day, viewer.name())
        .await?;
    state.changed();
    Ok(())
}
