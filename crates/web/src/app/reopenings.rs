//! Reopening a closed period for a unit's reporters (DHIS2's lock exceptions): the standing
//! office names the unit, the period, the last day and why; storage records it with the audit
//! log. Entry closes the days a deployment states after a period ends
//! (`AppState::with_entry_closing`).

use chrono::NaiveDate;
use tiendo_domain::orgs::OrgCode;
use tiendo_domain::periods::Period;
use tiendo_storage::Reopening;

use super::access;
use crate::auth::Viewer;
use crate::failure::Failure;
use crate::AppState;

/// The longest a reopening lasts, in days: a late report is a matter of days, and a period
/// reopened for good would undo the closing.
pub const MAX_DAYS: i64 = 90;

/// Reopens `period` for `unit`'s reporters until `last_day` (today at the earliest, at most
/// [`MAX_DAYS`] ahead), for `reason`.
pub async fn reopen(
    state: &AppState,
    viewer: &Viewer,
    unit: &OrgCode,
    period: Period,
    last_day: NaiveDate,
    reason: &str,
) -> Result<(), Failure> {
    access::require_definer(viewer)?;
    let today = state.day();
    if last_day < today || (last_day - today).num_days() > MAX_DAYS {
        return Err(Failure::new(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "last_day_out_of_range",
            format!("last_day: a reopening lasts from today to at most {MAX_DAYS} days ahead"),
        ));
    }
    state
        .store
        .reopen_entry(unit, period, last_day, reason, viewer.name())
        .await?;
    Ok(())
}

/// The reopenings recorded, the latest first.
pub async fn list(state: &AppState, viewer: &Viewer) -> Result<Vec<Reopening>, Failure> {
    access::require_definer(viewer)?;
    Ok(state.store.reopenings(200).await?)
}
