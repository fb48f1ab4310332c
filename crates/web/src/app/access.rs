//! Who may do what: each operation calls these before it acts, whichever front end (page or
//! API) asked for it.

use tiendo_domain::accounts::Role;
use tiendo_domain::orgs::OrgUnit;

use crate::auth::Viewer;
use crate::failure::Failure;
use crate::AppState;

/// The unit a caller may enter values for, or why not.
pub fn capturable(state: &AppState, viewer: &Viewer, code: &str) -> Result<OrgUnit, Failure> {
    viewer.require_login()?;
    let o = state.overview();
    let h = &o.snapshot.hierarchy;
    let unit = h
        .get(&code.parse().map_err(|e: tiendo_domain::codes::CodeError| {
            Failure::bad_request("invalid_unit", e.to_string())
        })?)
        .ok_or_else(|| {
            Failure::not_found("unit_not_found", format!("no organisation unit {code}"))
        })?;
    if !viewer.access.may_capture(h, &unit.code) {
        return Err(Failure::forbidden(
            "outside_capture_scope",
            format!("{} may not enter values for {}", viewer.name(), unit.code),
        ));
    }
    Ok(unit.clone())
}

/// Only those who review values have a queue.
pub fn require_reviewer(viewer: &Viewer) -> Result<(), Failure> {
    viewer.require_login()?;
    if matches!(viewer.access.role(), Role::StandingOffice | Role::Reporter) {
        Ok(())
    } else {
        Err(Failure::forbidden(
            "reviewers_only",
            "only the standing office and reporters of units with units below them review values",
        ))
    }
}

pub fn require_definer(viewer: &Viewer) -> Result<(), Failure> {
    viewer.require_login()?;
    if viewer.access.may_define() {
        Ok(())
    } else {
        Err(Failure::forbidden(
            "definers_only",
            "only the standing office and administrators define units, documents, targets and tasks",
        ))
    }
}

pub fn require_auditor(viewer: &Viewer) -> Result<(), Failure> {
    viewer.require_login()?;
    if viewer.access.may_audit() {
        Ok(())
    } else {
        Err(Failure::forbidden(
            "auditors_only",
            "only administrators and inspectors read the audit log",
        ))
    }
}
