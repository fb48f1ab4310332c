//! What an API route needs of its caller, declared in its signature: `Writer` for any write
//! (logged in; the `X-CSRF-Token` header when a browser session, not a token, authenticates),
//! `Definer` for the standing office's definitions. A handler that takes one cannot forget the
//! check, and the authorisation matrix test walks every route.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::app::access;
use crate::auth::Viewer;
use crate::failure::Failure;
use crate::AppState;

/// A logged-in caller whose write carries the session's CSRF token (or an API token).
pub struct Writer(pub Viewer);

impl FromRequestParts<AppState> for Writer {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Writer, Failure> {
        let viewer = Viewer::from_request_parts(parts, state).await?;
        let given = parts
            .headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok());
        viewer.check_csrf(given).map_err(Failure::as_json)?;
        viewer.require_login().map_err(Failure::as_json)?;
        Ok(Writer(viewer))
    }
}

/// A `Writer` who defines: the standing office and administrators anywhere, a unit's
/// reporting office within its unit (the operation checks the scope).
pub struct Definer(pub Viewer);

impl FromRequestParts<AppState> for Definer {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Definer, Failure> {
        let Writer(viewer) = Writer::from_request_parts(parts, state).await?;
        if viewer.access.definition_scope().is_none() {
            access::require_definer(&viewer).map_err(Failure::as_json)?;
        }
        Ok(Definer(viewer))
    }
}
