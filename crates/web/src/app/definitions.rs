//! The standing office's definitions: units, documents, targets and tasks added one at a time.
//! The form page and the API shape their own input into a `Definition` and call `define`.

use tiendo_domain::documents::Document;
use tiendo_domain::orgs::OrgUnit;
use tiendo_domain::targets::Target;
use tiendo_domain::tasks::Task;

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
    }?;
    state.changed();
    Ok(())
}
