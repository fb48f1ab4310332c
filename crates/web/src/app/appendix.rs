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

/// The document the caller may import an appendix into, or the refusal: checked before a
/// file is read, so nobody else makes the server read one.
pub async fn importable(
    state: &AppState,
    viewer: &Viewer,
    document: &DocumentCode,
) -> Result<Document, Failure> {
    documents(state, viewer)
        .await?
        .into_iter()
        .find(|d| &d.code == document)
        .ok_or_else(|| {
            Failure::not_found(
                "document_not_found",
                format!("no document {document} this account may import tasks into"),
            )
        })
}

/// Reads `appendix` as tasks of `document` with the mappings the caller typed; nothing is
/// written. For a unit's office, a task led or coordinated outside its own units, a stored
/// task it would change that is not its own or that its clearance does not show, and a
/// mapping to a unit outside its own are problems.
pub async fn prepare(
    state: &AppState,
    viewer: &Viewer,
    document: &DocumentCode,
    appendix: &Appendix,
    typed: &[Mapping],
    source: &str,
) -> Result<Prepared, Failure> {
    let scope = scope(viewer)?;
    let doc = importable(state, viewer, document).await?;
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
    let h = &current.hierarchy;
    let name = |u: &tiendo_domain::orgs::OrgCode| {
        h.get(u)
            .map_or_else(|| u.to_string(), |x| x.name_vi.clone())
    };
    if let DefinitionScope::Within(root) = &scope {
        let stored =
            |code: &tiendo_domain::tasks::TaskCode| current.tasks.iter().find(|t| &t.code == code);
        let clearance = viewer.access.clearance();
        for (t, r) in prepared
            .imported
            .tasks
            .iter()
            .zip(&prepared.imported.readings)
        {
            let row = appendix
                .rows
                .iter()
                .find(|x| x.place.row == r.row && x.place.table == r.table);
            let before = stored(&t.code);
            let outside = std::iter::once(&t.lead)
                .chain(&t.coordinators)
                .chain(before.map(|b| &b.lead))
                .chain(before.into_iter().flat_map(|b| &b.coordinators))
                .find(|u| !scope.covers(h, u));
            let hidden = before.is_some_and(|b| !clearance.may_see(b.confidentiality));
            if let Some(outside) = outside.filter(|_| !hidden) {
                let column = row.map_or(0, |x| {
                    if t.lead == *outside {
                        x.columns.lead
                    } else {
                        x.columns.coordinators.unwrap_or(x.columns.lead)
                    }
                });
                prepared.imported.problems.push(
                    Problem::in_sheet(
                        r.table.as_str(),
                        r.row,
                        column_letter(column),
                        format!("{outside} lies outside {root}, the unit this account defines for"),
                    )
                    .coded(
                        "appendix-outside-scope",
                        [("unit", name(outside)), ("root", name(root))],
                    ),
                );
            }
            if hidden {
                prepared.imported.problems.push(
                    Problem::in_sheet(
                        r.table.as_str(),
                        r.row,
                        column_letter(row.map_or(0, |x| x.columns.title)),
                        "a task this account may not change has this content",
                    )
                    .coded("appendix-not-yours", [("number", r.number.clone())]),
                );
            }
        }
        for (words, unit) in typed {
            if let Some(u) = unit.as_ref().filter(|u| !scope.covers(h, u)) {
                prepared.imported.problems.push(
                    Problem::whole(format!("{words} mapped to {u}, outside {root}")).coded(
                        "appendix-map-outside-scope",
                        [
                            ("words", words.clone()),
                            ("unit", name(u)),
                            ("root", name(root)),
                        ],
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
                    appendix_of: Some(prepared.imported.document.code.as_str()),
                },
            )
            .await?;
        state.tasks_changed().await;
    }
    Ok(written)
}
