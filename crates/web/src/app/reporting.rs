//! Reporting completeness of a unit and of the units within it: the nation's breakdown lists
//! the provinces, ministries and central agencies; a unit's lists the units directly within
//! it; the lowest rate first. The page and the API both show this.

use std::collections::HashSet;

use tiendo_domain::orgs::{OrgCode, OrgKind, OrgUnit};
use tiendo_evaluation::reporting::Completeness;

use crate::failure::Failure;
use crate::AppState;

/// A unit's reports with those of the units within it.
pub struct Line {
    pub unit: OrgUnit,
    pub reports: Completeness,
    /// Whether units within it owe reports, so it has a breakdown of its own.
    pub has_breakdown: bool,
}

pub struct Breakdown {
    pub unit: Line,
    pub parent: Option<OrgUnit>,
    pub lines: Vec<Line>,
}

/// The breakdown of the unit typed (a name or a code), or of the nation.
pub fn breakdown(state: &AppState, typed: Option<&str>) -> Result<Breakdown, Failure> {
    let o = state.overview();
    let h = &o.snapshot.hierarchy;
    let day = o.day;
    let shown = match typed.filter(|u| !u.trim().is_empty()) {
        Some(typed) => {
            let code = super::tasks::find_unit(state, typed)?;
            h.get(&code)
                .cloned()
                .ok_or_else(|| Failure::not_found("unit_not_found", format!("no unit {code}")))?
        }
        None => h
            .nation()
            .cloned()
            .ok_or_else(|| Failure::internal("the hierarchy has no nation"))?,
    };
    let r = o.reporting();
    // The units with a unit within them that owes reports, found in one pass.
    let with_breakdown: HashSet<&OrgCode> = h
        .as_of(day)
        .filter(|x| r.within.contains_key(&x.code))
        .filter_map(|x| x.parent.as_ref())
        .collect();
    let line = |u: &OrgUnit| Line {
        unit: u.clone(),
        reports: r.within.get(&u.code).copied().unwrap_or_default(),
        has_breakdown: with_breakdown.contains(&u.code),
    };
    let mut lines: Vec<Line> = h
        .as_of(day)
        .filter(|u| u.code != shown.code)
        .filter(|u| {
            if shown.kind == OrgKind::Nation {
                matches!(
                    u.kind,
                    OrgKind::Province | OrgKind::Ministry | OrgKind::CentralAgency
                )
            } else {
                u.parent.as_ref() == Some(&shown.code)
            }
        })
        .filter(|u| r.within.get(&u.code).is_some_and(|c| c.expected > 0))
        .map(line)
        .collect();
    // Lowest rate first (compared as fractions, without rounding), then most owed.
    lines.sort_by(|a, b| {
        let (x, y) = (a.reports, b.reports);
        (x.received * y.expected)
            .cmp(&(y.received * x.expected))
            .then(y.expected.cmp(&x.expected))
            .then_with(|| a.unit.name_vi.cmp(&b.unit.name_vi))
    });
    let parent = shown.parent.as_ref().and_then(|p| h.get(p)).cloned();
    Ok(Breakdown {
        unit: line(&shown),
        parent,
        lines,
    })
}
