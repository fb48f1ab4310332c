//! A plan's task appendix imported through the web: the standing office for any document, a
//! unit's office for its own documents and units. Reading and checking happen in
//! `tiendo_dataset::appendix`, the same as `tiendo tasks import`; this layer checks who may
//! import what and writes the result through the one write path.

use tiendo_dataset::agencies::Mapping;
use tiendo_dataset::appendix::{self, Prepared};
use tiendo_domain::accounts::DefinitionScope;
use tiendo_domain::documents::{Document, DocumentCode};
use tiendo_domain::problems::Problem;
use tiendo_exchange::appendix::Appendix;
use tiendo_exchange::sheet::column_letter;
use tiendo_storage::LoadBy;

use crate::auth::Viewer;
use crate::failure::Failure;
use crate::AppState;

/// The caller's definition scope, or the refusal of one who defines nothing.
fn scope(viewer: &Viewer) -> Result<DefinitionScope, Failure> {
    viewer.require_login()?;
    viewer.access.definition_scope().ok_or_else(|| {
        Failure::forbidden(
            "definers_only",
            "only the standing office, administrators and units' reporting offices import tasks",
        )
    })
}

/// The documents the caller may import an appendix into: every document for the standing
/// office, those issued within its unit for a unit's office.
pub async fn documents(state: &AppState, viewer: &Viewer) -> Result<Vec<Document>, Failure> {
    let scope = scope(viewer)?;
    let h = state.store.hierarchy().await?;
    Ok(state
        .store
        .documents()
        .await?
        .into_iter()
        .filter(|d| {
            scope == DefinitionScope::Everywhere
                || d.issuer.as_ref().is_some_and(|i| scope.covers(&h, i))
        })
        .collect())
}

/// Reads `appendix` as tasks of `document` with the mappings the caller typed; nothing is
/// written. A task led or coordinated outside a unit office's own units is a problem.
pub async fn prepare(
    state: &AppState,
    viewer: &Viewer,
    document: &DocumentCode,
    appendix: &Appendix,
    typed: &[Mapping],
    source: &str,
) -> Result<Prepared, Failure> {
    let scope = scope(viewer)?;
    let Some(doc) = documents(state, viewer)
        .await?
        .into_iter()
        .find(|d| &d.code == document)
    else {
        return Err(Failure::not_found(
            "document_not_found",
            format!("no document {document} this account may import tasks into"),
        ));
    };
    let current = state.store.definitions().await?;
    let remembered = state.store.agency_mappings().await?;
    let mut prepared = appendix::prepare(
        &current,
        appendix,
        &doc,
        &remembered,
        typed,
        state.day(),
        source,
    )
    .map_err(|e| Failure::bad_request("appendix_refused", e.to_string()))?;
    if let DefinitionScope::Within(root) = &scope {
        let h = &current.hierarchy;
        for (t, r) in prepared
            .imported
            .tasks
            .iter()
            .zip(&prepared.imported.readings)
        {
            if let Some(outside) = std::iter::once(&t.lead)
                .chain(&t.coordinators)
                .find(|u| !scope.covers(h, u))
            {
                let column = appendix
                    .rows
                    .iter()
                    .find(|x| x.place.row == r.row && x.place.table == r.table)
                    .map_or(0, |x| x.columns.lead);
                prepared.imported.problems.push(
                    Problem::in_sheet(
                        r.table.as_str(),
                        r.row,
                        column_letter(column),
                        format!("{outside} lies outside {root}, the unit this account defines for"),
                    )
                    .coded(
                        "appendix-outside-scope",
                        [("unit", outside.to_string()), ("root", root.to_string())],
                    ),
                );
            }
        }
        if !prepared.imported.problems.is_empty() {
            prepared.plan = None;
        }
    }
    Ok(prepared)
}

/// Writes a prepared appendix, audited under the caller's name; the number of tasks written.
pub async fn write(
    state: &AppState,
    viewer: &Viewer,
    prepared: &Prepared,
    source: &str,
) -> Result<usize, Failure> {
    scope(viewer)?;
    let Some(plan) = &prepared.plan else {
        return Err(Failure::bad_request(
            "appendix_refused",
            "the appendix has problems; nothing was written",
        ));
    };
    let written = plan.tasks.written().count();
    if !plan.changes_no_definition() {
        state
            .store
            .write_plan(
                plan,
                &LoadBy {
                    actor: viewer.name(),
                    origin: Some(source),
                },
            )
            .await?;
        state.changed();
    }
    Ok(written)
}
