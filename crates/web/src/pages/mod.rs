//! Server-rendered pages. Each handler reads the caller (a [`Page`]), checks what it may see
//! or do, and renders an askama template inside the shared layout.

mod account;
mod admin;
mod catalogue;
mod define;
mod entry;
mod feedback;
mod home;
mod open_data;
mod report;
mod tasks;
mod upload;

use askama::Template;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use crate::failure::Failure;
use crate::AppState;

pub use open_data::TABLES as OPEN_DATA_TABLES;

/// Every page route. `api::routes` holds the JSON ones.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home::overview))
        .route("/units/{code}", get(home::unit))
        .route("/units/{code}/entry", get(entry::form).post(entry::submit))
        .route("/units/{code}/template", get(upload::template))
        .route(
            "/units/{code}/upload",
            post(upload::upload).layer(axum::extract::DefaultBodyLimit::max(
                upload::MAX_UPLOAD_BYTES,
            )),
        )
        .route("/units/{code}/upload/commit", post(upload::commit))
        .route("/approvals", get(entry::queue).post(entry::review))
        .route("/documents", get(catalogue::documents))
        .route("/documents/{*code}", get(catalogue::document))
        .route("/targets/{code}", get(catalogue::target))
        .route("/indices/{name}", get(catalogue::index))
        .route("/tasks", get(tasks::board))
        .route("/tasks/{code}", get(tasks::task))
        .route("/tasks/{code}/progress", post(tasks::add_progress))
        .route("/login", get(account::login_form).post(account::login))
        .route("/logout", post(account::logout))
        .route("/account", get(account::account))
        .route("/account/tokens", post(account::create_token))
        .route("/account/tokens/revoke", post(account::revoke_token))
        .route("/account/notifications", post(account::notifications))
        .route("/admin/users", get(admin::users).post(admin::create_user))
        .route("/admin/users/{name}/active", post(admin::set_active))
        .route("/admin/audit", get(admin::audit))
        .route("/admin/define", get(define::page))
        .route("/admin/define/{form}", post(define::submit))
        .route("/tasks/{code}/close", post(define::close_task))
        .route(
            "/feedback",
            get(feedback::form)
                .post(feedback::submit)
                .layer(axum::extract::DefaultBodyLimit::max(
                    feedback::MAX_FORM_BYTES,
                )),
        )
        .route("/feedback/inbox", get(feedback::inbox))
        .route("/feedback/{reference}", get(feedback::case))
        .route("/feedback/{reference}/{step}", post(feedback::step))
        .route(
            "/feedback/{reference}/files/{position}",
            get(feedback::file),
        )
        .route("/reports/units/{code}", get(report::unit))
        .route("/reports/documents/{*code}", get(report::document))
        .route("/open-data", get(open_data::index))
        .route("/open-data/{file}", get(open_data::download))
        .route("/static/tiendo.css", get(stylesheet))
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/tiendo.css"),
    )
        .into_response()
}

/// A page as HTML, or a 500 that is logged.
pub fn render(page: &impl Template) -> Response {
    render_with(StatusCode::OK, page)
}

pub fn render_with(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => Failure::internal(format!("a page failed to render: {e}")).into_response(),
    }
}

/// A name in the page's language.
pub fn pick(l: crate::i18n::Lang, vi: Option<&str>, en: &str) -> String {
    match (l, vi) {
        (crate::i18n::Lang::Vi, Some(vi)) => vi.to_string(),
        _ => en.to_string(),
    }
}
