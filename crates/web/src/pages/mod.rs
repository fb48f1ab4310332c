//! Server-rendered pages. Each handler reads the caller (a [`Page`]), checks what it may see
//! or do, and renders an askama template inside the shared layout.

mod account;
mod admin;
mod catalogue;
pub(crate) mod dashboards;
mod define;
mod entry;
mod feedback;
mod guards;
mod home;
mod indices;
pub(crate) mod open_data;
mod password;
mod pickers;
mod reopen;
mod report;
mod reporting;
mod task_import;
mod tasks;
mod upload;
mod work;

use askama::Template;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, Method, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post, MethodRouter};
use axum::Router;

use crate::failure::Failure;
use crate::AppState;

pub use open_data::TABLES as OPEN_DATA_TABLES;

/// The addresses whose public page is kept between requests: the overview in either
/// language.
pub(crate) const KEPT: [&str; 3] = ["/", "/?lang=vi", "/?lang=en"];

/// Every page route: method, path, handler. The router is built from this list, and the
/// authorisation matrix test walks it, so no route goes unchecked. `api::table` holds the JSON
/// ones.
pub fn table() -> Vec<(Method, &'static str, MethodRouter<AppState>)> {
    let upload_limit = DefaultBodyLimit::max(upload::MAX_UPLOAD_BYTES);
    let feedback_limit = DefaultBodyLimit::max(feedback::MAX_FORM_BYTES);
    let appendix_limit = DefaultBodyLimit::max(task_import::MAX_APPENDIX_BYTES + 16 * 1024);
    // A dashboard file and the form around it.
    let dashboard_limit = DefaultBodyLimit::max(tiendo_domain::dashboards::MAX_FILE + 16 * 1024);
    vec![
        (Method::GET, "/", get(home::overview)),
        (Method::GET, "/work", get(work::page)),
        (Method::GET, "/units/{code}", get(home::unit)),
        (Method::GET, "/units/{code}/entry", get(entry::form)),
        (Method::POST, "/units/{code}/entry", post(entry::submit)),
        (Method::GET, "/units/{code}/template", get(upload::template)),
        (
            Method::POST,
            "/units/{code}/upload",
            post(upload::upload).layer(upload_limit),
        ),
        (
            Method::POST,
            "/units/{code}/upload/commit",
            post(upload::commit),
        ),
        (Method::GET, "/approvals", get(entry::queue)),
        (Method::POST, "/approvals", post(entry::review)),
        (Method::GET, "/documents", get(catalogue::documents)),
        (Method::GET, "/documents/{*code}", get(catalogue::document)),
        (Method::GET, "/targets/{code}", get(catalogue::target)),
        (Method::GET, "/indices/{name}", get(indices::index)),
        (Method::GET, "/reporting", get(reporting::page)),
        (Method::GET, "/dashboards", get(dashboards::list)),
        (Method::POST, "/dashboards", post(dashboards::save)),
        (Method::GET, "/dashboards/new", get(dashboards::new)),
        (
            Method::POST,
            "/dashboards/import",
            post(dashboards::import).layer(dashboard_limit),
        ),
        (Method::GET, "/dashboards/{code}", get(dashboards::show)),
        (
            Method::GET,
            "/dashboards/{code}/edit",
            get(dashboards::edit),
        ),
        (
            Method::GET,
            "/dashboards/{code}/export",
            get(dashboards::export),
        ),
        (
            Method::POST,
            "/dashboards/{code}/remove",
            post(dashboards::remove),
        ),
        (Method::GET, "/tasks", get(tasks::board)),
        (Method::GET, "/tasks/{code}", get(tasks::task)),
        (
            Method::POST,
            "/tasks/{code}/progress",
            post(tasks::add_progress),
        ),
        (
            Method::POST,
            "/tasks/{code}/close",
            post(define::close_task),
        ),
        (Method::GET, "/login", get(account::login_form)),
        (Method::POST, "/login", post(account::login)),
        (Method::POST, "/logout", post(account::logout)),
        (Method::GET, "/account", get(account::account)),
        (Method::GET, "/account/password", get(password::form)),
        (Method::POST, "/account/password", post(password::change)),
        (Method::POST, "/account/tokens", post(account::create_token)),
        (
            Method::POST,
            "/account/tokens/revoke",
            post(account::revoke_token),
        ),
        (
            Method::POST,
            "/account/notifications",
            post(account::notifications),
        ),
        (Method::GET, "/admin/users", get(admin::users)),
        (Method::POST, "/admin/users", post(admin::create_user)),
        (
            Method::POST,
            "/admin/users/{name}/active",
            post(admin::set_active),
        ),
        (Method::GET, "/admin/audit", get(admin::audit)),
        (Method::GET, "/admin/define", get(define::page)),
        (Method::GET, "/admin/tasks/import", get(task_import::page)),
        (
            Method::POST,
            "/admin/tasks/import",
            post(task_import::upload).layer(appendix_limit),
        ),
        (
            Method::POST,
            "/admin/tasks/import/commit",
            post(task_import::commit),
        ),
        (Method::GET, "/admin/reopen", get(reopen::page)),
        (Method::POST, "/admin/reopen", post(reopen::submit)),
        (Method::POST, "/admin/define/{form}", post(define::submit)),
        (Method::GET, "/feedback", get(feedback::form)),
        (
            Method::POST,
            "/feedback",
            post(feedback::submit).layer(feedback_limit),
        ),
        (Method::GET, "/feedback/inbox", get(feedback::inbox)),
        (Method::GET, "/feedback/{reference}", get(feedback::case)),
        (
            Method::POST,
            "/feedback/{reference}/{step}",
            post(feedback::step),
        ),
        (
            Method::GET,
            "/feedback/{reference}/files/{position}",
            get(feedback::file),
        ),
        (Method::GET, "/reports/units/{code}", get(report::unit)),
        (
            Method::GET,
            "/reports/documents/{*code}",
            get(report::document),
        ),
        (Method::GET, "/open-data", get(open_data::index)),
        (Method::GET, "/open-data/{file}", get(open_data::download)),
        (Method::GET, "/static/tiendo.css", get(stylesheet)),
        (Method::GET, "/healthz", get(healthz)),
        (Method::GET, "/readyz", get(readyz)),
        (Method::GET, "/metrics", get(metrics)),
    ]
}

pub fn routes() -> Router<AppState> {
    table()
        .into_iter()
        .fold(Router::new(), |router, (_, path, handler)| {
            router.route(path, handler)
        })
}

/// The server's metrics for the monitoring system (OpenMetrics text): to a scraper on this
/// machine that does not come through the reverse proxy, or to an administrator.
async fn metrics(
    State(state): State<AppState>,
    viewer: crate::auth::Viewer,
    request: axum::extract::Request,
) -> Response {
    let (parts, _) = request.into_parts();
    let local = account::from_this_machine(&parts);
    if !local && viewer.access != tiendo_domain::accounts::Access::Admin {
        return Failure::forbidden(
            "metrics_for_monitoring",
            "the metrics are read from the server itself or by an administrator",
        )
        .into_response();
    }
    match state.metrics_text().await {
        Ok(text) => (
            [
                (
                    header::CONTENT_TYPE,
                    "application/openmetrics-text; version=1.0.0; charset=utf-8",
                ),
                (header::CACHE_CONTROL, "no-store"),
            ],
            text,
        )
            .into_response(),
        Err(e) => Failure::internal(e.to_string()).into_response(),
    }
}

/// The process answers (for a supervisor's liveness probe).
async fn healthz() -> Response {
    ([(header::CACHE_CONTROL, "no-store")], "ok\n").into_response()
}

/// The database answers and the read model is loaded (for a load balancer's readiness probe):
/// 200, or 503 saying which is not.
async fn readyz(State(state): State<AppState>) -> Response {
    let no_store = [(header::CACHE_CONTROL, "no-store")];
    match state.store.ping().await {
        Ok(()) => {
            let day = state.overview().day;
            (
                no_store,
                format!("ready: database reachable, read model of {day}\n"),
            )
                .into_response()
        }
        Err(e) => {
            tracing::warn!(error = %e, "readiness: the database does not answer");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                no_store,
                "not ready: the database does not answer\n",
            )
                .into_response()
        }
    }
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
    match rendered(page) {
        Ok(html) => (status, Html(html)).into_response(),
        Err(f) => f.into_response(),
    }
}

/// The page's HTML.
pub fn rendered(page: &impl Template) -> Result<String, Failure> {
    page.render()
        .map_err(|e| Failure::internal(format!("a page failed to render: {e}")))
}

pub use crate::wording::pick;

/// A unit as a reader knows it: its name in the page's language, its code where the
/// hierarchy does not know it.
pub fn unit_name(
    l: crate::i18n::Lang,
    h: &tiendo_domain::orgs::Hierarchy,
    code: &tiendo_domain::orgs::OrgCode,
) -> String {
    match h.get(code) {
        Some(u) => pick(l, &u.name_vi, Some(&u.name_en)),
        None => code.to_string(),
    }
}

/// A target as a reader knows it: its name in the page's language, its code where the catalogue
/// does not know it.
pub fn target_name(
    l: crate::i18n::Lang,
    snapshot: &tiendo_domain::snapshot::Snapshot,
    code: &tiendo_domain::targets::TargetCode,
) -> String {
    snapshot
        .targets
        .iter()
        .find(|t| &t.code == code)
        .map_or_else(
            || code.to_string(),
            |t| pick(l, &t.name_vi, t.name_en.as_deref()),
        )
}

/// Targets and units named in a sentence as the page's reader knows them: a target by its name
/// with its code after it, a unit by its name.
pub fn named(
    l: crate::i18n::Lang,
    snapshot: &tiendo_domain::snapshot::Snapshot,
) -> crate::wording::Catalogue<'_> {
    crate::wording::Catalogue {
        l,
        targets: &snapshot.targets,
        hierarchy: &snapshot.hierarchy,
    }
}

/// A unit's name, with the last day it was in force when it ceased: before and after the 2025
/// reorganisation two units may share a name ("Đà Nẵng (đến 30/06/2025)").
pub fn unit_name_dated(
    l: crate::i18n::Lang,
    h: &tiendo_domain::orgs::Hierarchy,
    code: &tiendo_domain::orgs::OrgCode,
) -> String {
    match h.get(code).and_then(|u| u.validity.to()) {
        Some(until) => l.t_args(
            "unit-until",
            &[("name", unit_name(l, h, code)), ("until", l.date(until))],
        ),
        None => unit_name(l, h, code),
    }
}

/// A unit as a link: its page when it has one, else the page of the unit that succeeded it
/// ("Bộ Thông tin và Truyền thông (nay là Bộ Khoa học và Công nghệ)"), else no link (an empty
/// address) so no page links to a missing one.
pub fn unit_link(
    l: crate::i18n::Lang,
    chrome: &crate::chrome::Chrome,
    o: &crate::overview::Overview,
    code: &tiendo_domain::orgs::OrgCode,
) -> (String, String) {
    let h = &o.snapshot.hierarchy;
    let name = unit_name(l, h, code);
    if o.units.contains_key(code) {
        return (chrome.href(&format!("/units/{code}")), name);
    }
    match h
        .in_force_for(code, o.day)
        .filter(|s| s.code != *code && o.units.contains_key(&s.code))
    {
        // A province that kept its name through a merger is simply that province now.
        Some(successor) if pick(l, &successor.name_vi, Some(&successor.name_en)) == name => {
            (chrome.href(&format!("/units/{}", successor.code)), name)
        }
        Some(successor) => (
            chrome.href(&format!("/units/{}", successor.code)),
            l.t_args(
                "unit-now",
                &[
                    ("name", name),
                    (
                        "successor",
                        pick(l, &successor.name_vi, Some(&successor.name_en)),
                    ),
                ],
            ),
        ),
        None => (String::new(), name),
    }
}

/// People by the name they go by: a user name (`van-phong`) shows as the account's display name
/// ("Văn phòng Ban Chỉ đạo"); a name no account has shows as written.
pub async fn people(
    state: &crate::AppState,
) -> Result<std::collections::HashMap<String, String>, crate::failure::Failure> {
    Ok(state
        .store
        .users()
        .await?
        .into_iter()
        .map(|u| (u.username.to_string(), u.display_name))
        .collect())
}

/// The display names of the few people named on a page (the approvers of the latest values),
/// read one account at a time rather than every account.
pub async fn some_people(
    state: &crate::AppState,
    names: &[String],
) -> Result<std::collections::HashMap<String, String>, crate::failure::Failure> {
    let mut found = std::collections::HashMap::new();
    for name in names {
        if found.contains_key(name) {
            continue;
        }
        let Ok(username) = name.parse::<tiendo_domain::accounts::Username>() else {
            continue;
        };
        if let Some(u) = state.store.user(&username).await? {
            found.insert(name.clone(), u.display_name);
        }
    }
    Ok(found)
}

pub fn person(people: &std::collections::HashMap<String, String>, name: &str) -> String {
    people
        .get(name)
        .cloned()
        .unwrap_or_else(|| name.to_string())
}
