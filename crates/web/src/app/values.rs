//! Values: entry (the form, the API, spreadsheet uploads), imports (DHIS2, Open SDG), the
//! review queue and reviews. Each operation checks the caller's scope here; whether a value
//! may be written at all is the domain's admissibility rule, applied where it is written.

use std::collections::{HashMap, HashSet};

use axum::http::StatusCode;
use tiendo_domain::admissibility::Refusal;
use tiendo_domain::orgs::OrgCode;
use tiendo_domain::periods::Period;
use tiendo_domain::targets::TargetCode;
use tiendo_domain::validation::ValidationRule;
use tiendo_domain::values::{DataValue, NewValue, ValueState};
use tiendo_storage::{Entry, ImportSummary, StoreError};

use crate::auth::Viewer;
use crate::failure::Failure;
use crate::AppState;

/// What became of an entry request: every value written, or the refused ones with their
/// position in the request and the rule each broke (nothing written).
pub type Entered = Result<usize, Vec<(usize, Refusal)>>;

/// Enters `values` for the caller as drafts or submissions, all or none. Every value must lie
/// in the caller's capture scope (`what[N].org` names the first that does not).
pub async fn enter(
    state: &AppState,
    viewer: &Viewer,
    values: Vec<NewValue>,
    next: ValueState,
    what: &str,
) -> Result<Entered, Failure> {
    viewer.require_login()?;
    if values.is_empty() || values.len() > tiendo_storage::MAX_REQUEST {
        return Err(Failure::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
            format!("send 1 to {} values", tiendo_storage::MAX_REQUEST),
        ));
    }
    check_capture(state, viewer, &values, what, "org")?;
    if next == ValueState::Submitted {
        let broken = broken_rules(state, &values).await?;
        if !broken.is_empty() {
            return Ok(Err(broken));
        }
    }
    let written = values.len();
    let window = state.entry_window();
    let entries = values
        .into_iter()
        .map(|value| Entry {
            value,
            state: next,
            author: viewer.name().to_string(),
            window,
        })
        .collect();
    let outcome = state
        .writer
        .enter(entries)
        .await
        .map_err(|e| Failure::internal(e.to_string()))?;
    Ok(outcome.map(|()| written))
}

/// The values of a request that break a validation rule together with what their unit already
/// holds for the period, each with its position in the request.
pub async fn broken_rules(
    state: &AppState,
    values: &[NewValue],
) -> Result<Vec<(usize, Refusal)>, Failure> {
    let rules = state.validation_rules().await?;
    let mut broken = Vec::new();
    let mut seen: HashSet<(&OrgCode, Period)> = HashSet::new();
    for v in values {
        if !seen.insert((&v.org, v.period)) {
            continue;
        }
        let sent: Vec<(usize, &NewValue)> = values
            .iter()
            .enumerate()
            .filter(|(_, x)| x.org == v.org && x.period == v.period)
            .collect();
        let applies: Vec<&ValidationRule> = rules
            .iter()
            .filter(|r| {
                r.targets()
                    .any(|t| sent.iter().any(|(_, x)| &x.target == t))
            })
            .collect();
        if applies.is_empty() {
            continue;
        }
        let held: HashMap<TargetCode, f64> = state
            .store
            .values(&tiendo_storage::ValueFilter {
                target: None,
                org: Some(v.org.clone()),
            })
            .await?
            .into_iter()
            .filter(|x| x.period == v.period)
            .map(|x| (x.target, x.value.get()))
            .collect();
        let value_of = |t: &TargetCode| {
            sent.iter()
                .find(|(_, x)| &x.target == t)
                .map(|(_, x)| x.value.get())
                .or_else(|| held.get(t).copied())
        };
        for rule in applies {
            if let Some(violation) = rule.check(value_of) {
                for (i, x) in &sent {
                    if rule.targets().any(|t| *t == x.target) {
                        broken.push((*i, violation.refusal(rule)));
                    }
                }
            }
        }
    }
    Ok(broken)
}

/// Refuses the request when a value lies outside the caller's capture scope.
fn check_capture(
    state: &AppState,
    viewer: &Viewer,
    values: &[NewValue],
    what: &str,
    org_field: &str,
) -> Result<(), Failure> {
    let o = state.overview();
    let h = &o.snapshot.hierarchy;
    match values
        .iter()
        .enumerate()
        .find(|(_, v)| !viewer.access.may_capture(h, &v.org))
    {
        Some((i, v)) => Err(Failure::forbidden(
            "outside_capture_scope",
            format!(
                "{what}[{i}].{org_field}: {} may not enter values for {}",
                viewer.name(),
                v.org
            ),
        )),
        None => Ok(()),
    }
}

/// Imports values submitted for approval as a whole after checking the caller may capture
/// every one, or only checks and counts them with `dry_run`. Rows whose value is approved or
/// awaiting review are not written (counted as ignored, each with a conflict).
pub async fn import(
    state: &AppState,
    viewer: &Viewer,
    values: &[NewValue],
    dry_run: bool,
    what: &str,
    org_field: &str,
) -> Result<Result<ImportSummary, Vec<tiendo_domain::problems::Problem>>, Failure> {
    viewer.require_login()?;
    check_capture(state, viewer, values, what, org_field)?;
    let result = if dry_run {
        state
            .store
            .check_values(values, ValueState::Submitted)
            .await
    } else {
        state
            .store
            .import_values(values, viewer.name(), ValueState::Submitted, &|_| {})
            .await
    };
    match result {
        Ok(summary) => Ok(Ok(summary)),
        Err(StoreError::Rejected(list)) => Ok(Err(list)),
        Err(e) => Err(e.into()),
    }
}

/// How many submitted values the queue reads at most.
const QUEUE_LIMIT: u32 = 5000;

/// Submitted values the caller may review, oldest first: within the approval scope and not
/// written by the caller (four eyes).
pub async fn reviewable(state: &AppState, viewer: &Viewer) -> Result<Vec<DataValue>, Failure> {
    crate::app::access::require_reviewer(viewer)?;
    let o = state.overview();
    let h = &o.snapshot.hierarchy;
    Ok(state
        .store
        .submitted_values(QUEUE_LIMIT)
        .await?
        .into_iter()
        .filter(|v| viewer.access.may_approve(h, &v.org) && v.author != viewer.name())
        .collect())
}

/// Values the caller owes a correction for: returned by a reviewer, within the caller's
/// capture scope, newest first. Empty for anyone who does not capture values.
pub async fn returned_to(state: &AppState, viewer: &Viewer) -> Result<Vec<DataValue>, Failure> {
    // Only reporters capture values; everyone else reads the overview without this query.
    if !matches!(
        viewer.access,
        tiendo_domain::accounts::Access::Reporter { .. }
    ) {
        return Ok(Vec::new());
    }
    let o = state.overview();
    let h = &o.snapshot.hierarchy;
    Ok(state
        .store
        .returned_values(QUEUE_LIMIT)
        .await?
        .into_iter()
        .filter(|v| viewer.access.may_capture(h, &v.org))
        .collect())
}

/// A reviewer's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Return,
}

impl std::str::FromStr for Decision {
    type Err = Failure;
    fn from_str(s: &str) -> Result<Decision, Failure> {
        match s {
            "approve" => Ok(Decision::Approve),
            "return" => Ok(Decision::Return),
            other => Err(Failure::bad_request(
                "invalid_decision",
                format!("unknown decision \"{other}\": use approve or return"),
            )),
        }
    }
}

/// One value's version as a review names it.
#[derive(Debug, Clone)]
pub struct Reviewed {
    pub target: TargetCode,
    pub org: OrgCode,
    pub period: Period,
    /// The version the reviewer saw; a newer one makes the review a conflict (409).
    pub version: i64,
}

/// Parses the queue's key of a version: `target|unit|period|version`.
pub fn parse_key(key: &str) -> Result<Reviewed, Failure> {
    let bad = || {
        Failure::bad_request(
            "invalid_key",
            format!("\"{key}\" does not name a version of a value"),
        )
    };
    let mut parts = key.split('|');
    let (Some(t), Some(o), Some(p), Some(v), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return Err(bad());
    };
    Ok(Reviewed {
        target: t.parse().map_err(|_| bad())?,
        org: o.parse().map_err(|_| bad())?,
        period: p.parse().map_err(|_| bad())?,
        version: v.parse().map_err(|_| bad())?,
    })
}

/// The queue's key of a version, which [`parse_key`] reads back.
pub fn key_of(v: &DataValue) -> String {
    format!("{}|{}|{}|{}", v.target, v.org, v.period, v.version)
}

/// Approves or returns one version of a value: within the caller's approval scope, with a
/// reason when returning, never the caller's own value, and only while that version is current.
pub async fn review(
    state: &AppState,
    viewer: &Viewer,
    what: Reviewed,
    decision: Decision,
    reason: &str,
) -> Result<DataValue, Failure> {
    viewer.require_login()?;
    let o = state.overview();
    if !viewer.access.may_approve(&o.snapshot.hierarchy, &what.org) {
        return Err(Failure::forbidden(
            "outside_approval_scope",
            format!("{} may not review values of {}", viewer.name(), what.org),
        ));
    }
    let reason = reason.trim();
    if decision == Decision::Return && reason.is_empty() {
        return Err(Failure::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "reason_required",
            "give the reporter a reason when returning a value",
        ));
    }
    let next = match decision {
        Decision::Approve => ValueState::Approved,
        Decision::Return => ValueState::Returned,
    };
    let Reviewed {
        target,
        org,
        period,
        version,
    } = what;
    let returned = (decision == Decision::Return).then(|| tiendo_notify::Event {
        kind: tiendo_notify::EventKind::ValueReturned,
        unit: org.clone(),
        object: format!("value {target}/{org}/{period}"),
        name: crate::overview::target_names(&o.snapshot, &target),
        facts: tiendo_notify::Facts::Returned {
            period,
            by: viewer.name().to_string(),
            reason: reason.to_string(),
        },
        day: state.day(),
    });
    let value = state
        .writer
        .review(tiendo_storage::StateChange {
            target,
            org,
            period,
            version,
            next,
            author: viewer.name().to_string(),
            comment: Some(reason.to_string()).filter(|r| !r.is_empty()),
        })
        .await
        .map_err(|e| Failure::internal(e.to_string()))??;
    if let Some(event) = returned {
        state.notify(&[event]).await;
    }
    Ok(value)
}
