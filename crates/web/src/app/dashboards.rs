//! Dashboards units build: saved, listed for whoever may see them, removed, exported and
//! imported as files. Who builds and who sees is the domain's rule
//! (`dashboards::may_build`, `Dashboard::shown_to`); the figures are read when one is shown.

use tiendo_domain::dashboards::{may_build, Dashboard, DashboardCode};

use crate::auth::Viewer;
use crate::failure::Failure;
use crate::AppState;

fn not_yours() -> Failure {
    Failure::forbidden(
        "not_dashboard_builder",
        "only the standing office, administrators and a unit's reporting office build its dashboards",
    )
}

/// Saves `d` (new, or replacing the dashboard of its code) when the caller may build
/// dashboards for its unit — and for the unit of the one it replaces.
pub async fn save(state: &AppState, viewer: &Viewer, d: &Dashboard) -> Result<(), Failure> {
    viewer.require_login()?;
    let o = state.overview();
    let h = &o.snapshot.hierarchy;
    if !may_build(&viewer.access, h, &d.owner) {
        return Err(not_yours());
    }
    if let Some(before) = state.store.dashboard(&d.code).await? {
        if !may_build(&viewer.access, h, &before.owner) {
            return Err(Failure::conflict(
                "dashboard_code_taken",
                format!("code: another unit's dashboard is called {}", d.code),
            ));
        }
    }
    state.store.save_dashboard(d, viewer.name()).await?;
    Ok(())
}

/// The dashboards the caller may see, by code.
pub async fn visible(state: &AppState, viewer: &Viewer) -> Result<Vec<Dashboard>, Failure> {
    let o = state.overview();
    let h = &o.snapshot.hierarchy;
    Ok(state
        .store
        .dashboards()
        .await?
        .into_iter()
        .filter(|d| d.shown_to(&viewer.access, h))
        .collect())
}

/// The dashboard `code` if the caller may see it; one they may not see is not found, so its
/// existence does not leak.
pub async fn get(state: &AppState, viewer: &Viewer, code: &str) -> Result<Dashboard, Failure> {
    let missing = || Failure::not_found("no_dashboard", format!("no dashboard {code}"));
    let code: DashboardCode = code.parse().map_err(|_| missing())?;
    let d = state.store.dashboard(&code).await?.ok_or_else(missing)?;
    let o = state.overview();
    if d.shown_to(&viewer.access, &o.snapshot.hierarchy) {
        Ok(d)
    } else if viewer.user.is_none() {
        Err(Failure::login_required())
    } else {
        Err(missing())
    }
}

/// Whether the caller may change the dashboard.
pub fn may_change(state: &AppState, viewer: &Viewer, d: &Dashboard) -> bool {
    viewer.user.is_some()
        && may_build(
            &viewer.access,
            &state.overview().snapshot.hierarchy,
            &d.owner,
        )
}

/// Removes the dashboard `code`.
pub async fn remove(state: &AppState, viewer: &Viewer, code: &str) -> Result<(), Failure> {
    let d = get(state, viewer, code).await?;
    if !may_change(state, viewer, &d) {
        return Err(not_yours());
    }
    state.store.remove_dashboard(&d.code, viewer.name()).await?;
    Ok(())
}
