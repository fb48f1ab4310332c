//! The JSON API under `/api/v1`: the same reads and writes as the pages, for machine clients
//! (API tokens) and scripts. Every route is listed once in [`table`], which both builds the
//! router and is checked against the OpenAPI document, so no route goes undocumented.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, MethodRouter};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tiendo_domain::values::{NewValue, ValueState};
use tiendo_storage::ValueFilter;
use utoipa::{IntoParams, OpenApi, ToSchema};
use utoipa_swagger_ui::SwaggerUi;

mod guards;
mod out;
mod wire;

use guards::{Definer, Writer};
use out::{
    AccountOut, AuditOut, DocumentOut, OverviewOut, ProgressOut, TargetOut, TaskDetailOut,
    TaskFields, TaskOut, UnitOut,
};
use wire::{DocumentIn, RuleWire, TargetIn, TaskIn, UnitIn};

use crate::app::definitions::{self, Definition};
use crate::app::{access, tasks as task_ops, values as value_ops};
use crate::auth::Viewer;
use crate::failure::{ApiFailure, Failure};
use crate::wording::serde_name;
use crate::AppState;

type ApiResult<T> = Result<Json<T>, ApiFailure>;

/// A page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub page: usize,
    pub per_page: usize,
    pub total: usize,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct Paging {
    /// 1-based page number (default 1).
    pub page: Option<usize>,
    /// Items per page, 1 to 500 (default 100).
    pub per_page: Option<usize>,
}

impl Paging {
    fn cut<T>(&self, all: Vec<T>) -> Paged<T> {
        let per_page = self.per_page.unwrap_or(100).clamp(1, 500);
        let page = self.page.unwrap_or(1).max(1);
        let total = all.len();
        let items = all
            .into_iter()
            .skip((page - 1) * per_page)
            .take(per_page)
            .collect();
        Paged {
            items,
            page,
            per_page,
            total,
        }
    }
}

/// The error body of every failed request.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable, for clients to match: `unit_not_found`, `outside_capture_scope`, …
    pub code: String,
    pub message: String,
}

/// The largest dataValueSets body accepted, in bytes.
const IMPORT_LIMIT: usize = 64 * 1024 * 1024;

/// Every API route: method, path, handler.
pub fn table() -> Vec<(Method, &'static str, MethodRouter<AppState>)> {
    vec![
        (Method::GET, "/api/v1/overview", get(overview)),
        (Method::GET, "/api/v1/units/{code}", get(unit)),
        (Method::GET, "/api/v1/documents", get(documents)),
        (Method::GET, "/api/v1/targets", get(targets)),
        (Method::GET, "/api/v1/tasks", get(tasks)),
        (Method::GET, "/api/v1/tasks/{code}", get(task)),
        (
            Method::POST,
            "/api/v1/tasks/{code}/progress",
            post(add_progress),
        ),
        (Method::GET, "/api/v1/values", get(values)),
        (Method::POST, "/api/v1/values", post(enter_values)),
        (Method::GET, "/api/v1/approvals", get(approvals)),
        (Method::POST, "/api/v1/approvals", post(review)),
        (Method::GET, "/api/v1/audit", get(audit)),
        (Method::GET, "/api/v1/me", get(me)),
        (Method::POST, "/api/v1/units", post(add_unit)),
        (Method::POST, "/api/v1/units/{code}/end", post(end_unit)),
        (Method::POST, "/api/v1/documents", post(add_document)),
        (Method::POST, "/api/v1/targets", post(add_target)),
        (Method::POST, "/api/v1/tasks", post(add_task)),
        (Method::POST, "/api/v1/tasks/{code}/close", post(close_task)),
        (Method::GET, "/api/v1/rules", get(rules)),
        (Method::GET, "/api/v1/reporting", get(reporting)),
        (Method::POST, "/api/v1/rules", post(add_rule)),
        (
            Method::POST,
            "/api/v1/rules/{code}/withdraw",
            post(withdraw_rule),
        ),
        (
            Method::GET,
            "/api/v1/dataValueSets",
            get(export_data_value_sets),
        ),
        (
            Method::POST,
            "/api/v1/dataValueSets",
            // A national file of 100,000 values is about 12 MB of JSON.
            post(import_data_value_sets).layer(axum::extract::DefaultBodyLimit::max(IMPORT_LIMIT)),
        ),
        (Method::GET, "/api/v1/series/{target}/{org}", get(series)),
        (
            Method::GET,
            "/api/v1/opensdg/{target}/{org}",
            get(export_opensdg),
        ),
        (
            Method::POST,
            "/api/v1/opensdg/{target}/{org}",
            post(import_opensdg),
        ),
    ]
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "tiendo API",
        description = "Monitoring and evaluating a strategy: targets, tasks, values, approvals. Authenticate with `Authorization: Bearer <token>` (tokens are issued on the account page) or a browser session with the `X-CSRF-Token` header on writes."
    ),
    paths(
        overview,
        unit,
        documents,
        targets,
        tasks,
        task,
        add_progress,
        values,
        enter_values,
        approvals,
        review,
        audit,
        me,
        add_unit,
        end_unit,
        add_document,
        add_target,
        add_task,
        close_task,
        rules,
        reporting,
        add_rule,
        withdraw_rule,
        export_data_value_sets,
        import_data_value_sets,
        series,
        export_opensdg,
        import_opensdg
    ),
    components(schemas(
        ErrorBody,
        ErrorDetail,
        ValueInput,
        EntryRequest,
        EntryResult,
        ReviewRequest,
        ProgressRequest,
        ValueOut,
        SeriesOut,
        SeriesPoint,
        EndUnit,
        CloseTask,
        UnitIn,
        tiendo_exchange::dhis2::DataValueSet,
        tiendo_exchange::dhis2::RawValue,
        DocumentIn,
        TargetIn,
        TaskIn,
        RuleWire,
        RulesOut,
        ReportingOut,
        ReportingLine,
        ImportSummaryOut,
        ImportCount,
        OverviewOut,
        out::StatusCount,
        out::RuleCount,
        out::ApprovalOut,
        out::ProvinceOut,
        out::WarningOut,
        out::RankOut,
        out::IndexRankingOut,
        UnitOut,
        DocumentOut,
        out::SectionOut,
        TargetOut,
        out::BaselineOut,
        out::ReportersOut,
        TaskFields,
        TaskOut,
        ProgressOut,
        TaskDetailOut,
        AuditOut,
        AccountOut
    ))
)]
pub struct ApiDoc;

pub fn routes() -> Router<AppState> {
    let mut router = Router::new();
    for (_, path, handler) in table() {
        router = router.route(path, handler);
    }
    router
        .merge(SwaggerUi::new("/api/v1/docs").url("/api/v1/openapi.json", ApiDoc::openapi()))
        .fallback(|| async {
            Failure::not_found("route_not_found", "no such page or API route").as_json()
        })
}

#[utoipa::path(get, path = "/api/v1/overview", summary = "The national overview", tag = "dashboards",
    responses((status = 200, description = "The national overview: targets and tasks by status, provinces' colours, ranking, latest approvals; the week's warnings for officials only", body = OverviewOut)))]
async fn overview(State(state): State<AppState>, viewer: Viewer) -> Result<Response, ApiFailure> {
    // The public's answer and the officials' are each the same for every reader until the
    // overview changes, and are polled thousands of times a second on deadline day.
    let official = viewer.access.is_official();
    let address = KEPT[usize::from(official)];
    let o = state.overview();
    let body = match state.kept_api.get(address, &o) {
        Some(body) => body,
        None => {
            let body = serde_json::to_vec(&OverviewOut::of(&o, official))
                .map_err(|e| ApiFailure(Failure::internal(e.to_string())))?;
            let body = axum::body::Bytes::from(body);
            state.kept_api.keep(address, &o, body.clone());
            body
        }
    };
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response())
}

/// The addresses under which the overview API's answers are kept between requests: the
/// public's and the officials'.
pub(crate) const KEPT: [&str; 2] = ["overview, public", "overview, official"];

#[utoipa::path(get, path = "/api/v1/units/{code}", summary = "One unit's score, class and tasks", tag = "dashboards",
    params(("code" = String, Path, description = "Unit code")),
    responses((status = 200, description = "A unit's score, class and tasks by status", body = UnitOut),
              (status = 404, description = "No such unit in force", body = ErrorBody)))]
async fn unit(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(code): Path<String>,
) -> ApiResult<UnitOut> {
    let o = state.overview();
    match o.units.get(code.as_str()) {
        Some(u) => Ok(Json(UnitOut::of(u, viewer.access.clearance()))),
        None => Err(ApiFailure(Failure::not_found(
            "unit_not_found",
            format!("no organisation unit {code} is in force on {}", o.day),
        ))),
    }
}

#[utoipa::path(get, path = "/api/v1/documents", summary = "Documents of the cascade", tag = "catalogue", params(Paging),
    responses((status = 200, description = "Documents of the cascade", body = Paged<DocumentOut>)))]
async fn documents(
    State(state): State<AppState>,
    Query(p): Query<Paging>,
) -> ApiResult<Paged<DocumentOut>> {
    let all = state.store.documents().await?;
    Ok(Json(
        p.cut(all.into_iter().map(DocumentOut::from).collect()),
    ))
}

#[utoipa::path(get, path = "/api/v1/targets", summary = "Targets (KPIs)", tag = "catalogue", params(Paging),
    responses((status = 200, description = "Targets with goals, baselines and reporters", body = Paged<TargetOut>)))]
async fn targets(
    State(state): State<AppState>,
    Query(p): Query<Paging>,
) -> ApiResult<Paged<TargetOut>> {
    let o = state.overview();
    Ok(Json(p.cut(
        o.snapshot.targets.iter().map(TargetOut::from).collect(),
    )))
}

#[derive(Debug, Deserialize, IntoParams)]
struct TaskParams {
    /// not_yet_due, due_soon, in_progress, overdue, completed_on_time, completed_late, cancelled
    status: Option<String>,
    /// Tasks this unit leads or coordinates.
    unit: Option<String>,
    group: Option<String>,
    /// Tasks of this document (its code, e.g. 03/NQ-CP).
    document: Option<String>,
    /// YYYY-MM-DD
    due_before: Option<String>,
    page: Option<usize>,
    per_page: Option<usize>,
}

#[utoipa::path(get, path = "/api/v1/tasks", summary = "Tasks, filtered", tag = "tasks", params(TaskParams),
    responses((status = 200, description = "Tasks the caller may see, with their status", body = Paged<TaskOut>),
              (status = 400, description = "A filter is invalid", body = ErrorBody)))]
async fn tasks(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<TaskParams>,
) -> ApiResult<Paged<TaskOut>> {
    let board = task_ops::BoardQuery {
        status: q.status,
        unit: q.unit,
        group: q.group,
        document: q.document,
        due_before: q.due_before,
        page: None,
    };
    let all = task_ops::filtered(&state, viewer.access.clearance(), &board).await?;
    let out = all
        .into_iter()
        .map(|(task, s)| TaskOut {
            task: TaskFields::from(task),
            status: serde_name(&s),
        })
        .collect();
    Ok(Json(
        Paging {
            page: q.page,
            per_page: q.per_page,
        }
        .cut(out),
    ))
}

#[utoipa::path(get, path = "/api/v1/tasks/{code}", summary = "One task and its progress history", tag = "tasks",
    params(("code" = String, Path, description = "Task code")),
    responses((status = 200, description = "A task and its progress history", body = TaskDetailOut),
              (status = 404, description = "No such task, or not visible to the caller", body = ErrorBody)))]
async fn task(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(code): Path<String>,
) -> ApiResult<TaskDetailOut> {
    let task = visible_task(&state, &viewer, &code).await?;
    let progress = state.store.progress(&task.code).await?;
    Ok(Json(TaskDetailOut {
        task: TaskFields::from(task),
        progress: progress.into_iter().map(ProgressOut::from).collect(),
    }))
}

async fn visible_task(
    state: &AppState,
    viewer: &Viewer,
    code: &str,
) -> Result<tiendo_domain::tasks::Task, Failure> {
    task_ops::visible(state, viewer.access.clearance(), code).await
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ProgressRequest {
    /// 0 to 100
    pub percent: i64,
    pub narrative: String,
    pub difficulties: Option<String>,
    pub recommendations: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/tasks/{code}/progress", summary = "Report a task's progress", tag = "tasks",
    params(("code" = String, Path, description = "Task code")),
    request_body = ProgressRequest,
    responses((status = 201, description = "Recorded"),
              (status = 403, description = "Outside the caller's capture scope", body = ErrorBody),
              (status = 422, description = "Invalid report", body = ErrorBody)))]
async fn add_progress(
    State(state): State<AppState>,
    Writer(viewer): Writer,
    Path(code): Path<String>,
    Json(body): Json<ProgressRequest>,
) -> Result<StatusCode, ApiFailure> {
    let task = visible_task(&state, &viewer, &code).await?;
    if !viewer
        .access
        .may_capture(&state.overview().snapshot.hierarchy, &task.lead)
    {
        return Err(ApiFailure(Failure::forbidden(
            "outside_capture_scope",
            format!(
                "{} may not report progress for {}",
                viewer.name(),
                task.lead
            ),
        )));
    }
    let percent =
        task_ops::check_progress(&body.percent.to_string(), &body.narrative).map_err(|errors| {
            let mut list: Vec<String> = errors
                .into_iter()
                .map(|(f, m)| format!("{f}: {m}"))
                .collect();
            list.sort();
            Failure::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_progress",
                list.join("; "),
            )
        })?;
    state
        .store
        .add_progress(&tiendo_domain::tasks::ProgressUpdate {
            task: task.code,
            reported_on: state.day(),
            percent_complete: percent,
            narrative: body.narrative.trim().to_string(),
            difficulties: body.difficulties,
            recommendations: body.recommendations,
            evidence: Vec::new(),
            author: viewer.name().to_string(),
            recorded_at: None,
        })
        .await?;
    Ok(StatusCode::CREATED)
}

#[derive(Debug, Deserialize, IntoParams)]
struct ValueParams {
    /// A target's code; this or `org` is required (every published value: /open-data/values.csv).
    target: Option<String>,
    /// A unit's code; this or `target` is required.
    org: Option<String>,
    page: Option<usize>,
    per_page: Option<usize>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ValueOut {
    /// This version's id: a review names the version it judges.
    pub version: i64,
    pub target: String,
    pub org: String,
    pub period: String,
    pub value: f64,
    /// draft, submitted, approved or returned
    pub state: String,
    pub comment: Option<String>,
    pub author: String,
    pub recorded_at: String,
}

impl From<tiendo_domain::values::DataValue> for ValueOut {
    fn from(v: tiendo_domain::values::DataValue) -> ValueOut {
        ValueOut {
            version: v.version,
            target: v.target.to_string(),
            org: v.org.to_string(),
            period: v.period.to_string(),
            value: v.value.get(),
            state: v.state.to_string(),
            comment: v.comment,
            author: v.author,
            recorded_at: v.recorded_at.to_rfc3339(),
        }
    }
}

/// Values are read by a target or by a unit: a listing of the nation's millions of values
/// would read them all for every request (the published ones are one file in open data).
fn named_target_or_unit(filter: &ValueFilter, target: &str, unit: &str) -> Result<(), ApiFailure> {
    if filter.target.is_none() && filter.org.is_none() {
        return Err(ApiFailure(Failure::bad_request(
            "filter_required",
            format!(
                "name a target ({target}=…) or a unit ({unit}=…); every published value is in \
                 /open-data/values.csv"
            ),
        )));
    }
    Ok(())
}

#[utoipa::path(get, path = "/api/v1/values", summary = "Current values, paged", tag = "values", params(ValueParams),
    responses((status = 200, description = "Current values: approved ones for everyone, unpublished ones only within the caller's view scope", body = Paged<ValueOut>),
              (status = 400, description = "Neither a target nor a unit is named, or a code is malformed", body = ErrorBody)))]
async fn values(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<ValueParams>,
) -> ApiResult<Paged<ValueOut>> {
    let parse_err = |e: tiendo_domain::codes::CodeError| {
        ApiFailure(Failure::bad_request("invalid_code", e.to_string()))
    };
    let filter = ValueFilter {
        target: q
            .target
            .as_deref()
            .map(str::parse)
            .transpose()
            .map_err(parse_err)?,
        org: q
            .org
            .as_deref()
            .map(str::parse)
            .transpose()
            .map_err(parse_err)?,
    };
    named_target_or_unit(&filter, "target", "org")?;
    let o = state.overview();
    let h = &o.snapshot.hierarchy;
    // Unpublished values only within the caller's view scope: every unit, or the units below
    // the scope's root.
    let everything = h.units().iter().all(|u| viewer.access.may_view(h, &u.code));
    let within: Vec<tiendo_domain::orgs::OrgCode> = if everything {
        Vec::new()
    } else {
        h.units()
            .iter()
            .filter(|u| viewer.access.may_view(h, &u.code))
            .map(|u| u.code.clone())
            .collect()
    };
    let unpublished = if everything {
        tiendo_storage::Unpublished::All
    } else {
        tiendo_storage::Unpublished::Within(&within)
    };
    let per_page = q.per_page.unwrap_or(100).clamp(1, 500);
    let page = q.page.unwrap_or(1).max(1);
    let (items, total) = state
        .store
        .values_page(
            &filter,
            unpublished,
            ((page - 1) as u64).saturating_mul(per_page as u64),
            per_page as u64,
        )
        .await?;
    Ok(Json(Paged {
        items: items.into_iter().map(ValueOut::from).collect(),
        page,
        per_page,
        total: total as usize,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ValueInput {
    pub target: String,
    pub org: String,
    /// DHIS2 period: 2025, 2025Q3, 202507, 2025W12, 2025S1
    pub period: String,
    pub value: f64,
    pub comment: Option<String>,
    pub source: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct EntryRequest {
    pub values: Vec<ValueInput>,
    /// Submit for approval (true) or keep as drafts (false, the default).
    #[serde(default)]
    pub submit: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EntryResult {
    pub written: usize,
}

#[utoipa::path(post, path = "/api/v1/values", summary = "Enter values (draft or submitted)", tag = "values", request_body = EntryRequest,
    responses((status = 201, description = "Every value written", body = EntryResult),
              (status = 403, description = "A value lies outside the caller's capture scope; nothing written", body = ErrorBody),
              (status = 422, description = "A value is invalid, locked or awaiting review; nothing written", body = ErrorBody)))]
async fn enter_values(
    State(state): State<AppState>,
    Writer(viewer): Writer,
    Json(body): Json<EntryRequest>,
) -> Result<(StatusCode, Json<EntryResult>), ApiFailure> {
    let next = if body.submit {
        ValueState::Submitted
    } else {
        ValueState::Draft
    };
    let mut values = Vec::with_capacity(body.values.len());
    for (i, v) in body.values.into_iter().enumerate() {
        let invalid = |field: &str, m: String| {
            ApiFailure(Failure::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_value",
                format!("values[{i}].{field}: {m}"),
            ))
        };
        values.push(NewValue {
            target: v
                .target
                .parse()
                .map_err(|e: tiendo_domain::codes::CodeError| invalid("target", e.to_string()))?,
            org: v
                .org
                .parse()
                .map_err(|e: tiendo_domain::codes::CodeError| invalid("org", e.to_string()))?,
            period: v
                .period
                .parse()
                .map_err(|e: tiendo_domain::periods::PeriodError| {
                    invalid("period", e.to_string())
                })?,
            value: tiendo_domain::values::Number::new(v.value)
                .ok_or_else(|| invalid("value", "not a finite number".into()))?,
            comment: v.comment,
            source: v.source,
        });
    }
    match value_ops::enter(&state, &viewer, values, next, "values").await? {
        Ok(written) => Ok((StatusCode::CREATED, Json(EntryResult { written }))),
        Err(refused) => {
            // The first refusal's rule is the error's code; the message names every one.
            let code = refused.first().map_or("refused", |(_, r)| r.code());
            let text: Vec<String> = refused
                .iter()
                .map(|(i, r)| format!("values[{i}].{}: {r}", r.field()))
                .collect();
            Err(ApiFailure(Failure::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                code,
                text.join("; "),
            )))
        }
    }
}

#[utoipa::path(get, path = "/api/v1/approvals", summary = "The caller's review queue", tag = "values", params(Paging),
    responses((status = 200, description = "Submitted values the caller may approve or return, oldest first", body = Paged<ValueOut>)))]
async fn approvals(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(p): Query<Paging>,
) -> ApiResult<Paged<ValueOut>> {
    let out = value_ops::reviewable(&state, &viewer)
        .await?
        .into_iter()
        .map(ValueOut::from)
        .collect();
    Ok(Json(p.cut(out)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReviewRequest {
    pub target: String,
    pub org: String,
    pub period: String,
    /// The version judged, as listed by `GET /api/v1/approvals` (`version`); a newer one
    /// answers 409.
    pub version: i64,
    /// approve or return
    pub decision: String,
    /// Required when returning.
    pub reason: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/approvals", summary = "Approve or return one version of a value", tag = "values", request_body = ReviewRequest,
    responses((status = 200, description = "The value's new version", body = ValueOut),
              (status = 403, description = "Outside the caller's approval scope", body = ErrorBody),
              (status = 409, description = "The value is not awaiting review", body = ErrorBody)))]
async fn review(
    State(state): State<AppState>,
    Writer(viewer): Writer,
    Json(body): Json<ReviewRequest>,
) -> ApiResult<ValueOut> {
    let bad = |field: &str, e: String| {
        ApiFailure(Failure::bad_request("invalid_key", format!("{field}: {e}")))
    };
    let what = value_ops::Reviewed {
        target: body
            .target
            .parse()
            .map_err(|e: tiendo_domain::codes::CodeError| bad("target", e.to_string()))?,
        org: body
            .org
            .parse()
            .map_err(|e: tiendo_domain::codes::CodeError| bad("org", e.to_string()))?,
        period: body
            .period
            .parse()
            .map_err(|e: tiendo_domain::periods::PeriodError| bad("period", e.to_string()))?,
        version: body.version,
    };
    let decision: value_ops::Decision = body.decision.parse()?;
    let v = value_ops::review(
        &state,
        &viewer,
        what,
        decision,
        body.reason.as_deref().unwrap_or(""),
    )
    .await?;
    Ok(Json(ValueOut::from(v)))
}

#[utoipa::path(get, path = "/api/v1/audit", summary = "The audit log", tag = "administration", params(Paging),
    responses((status = 200, description = "Audit entries, newest first", body = Paged<AuditOut>),
              (status = 403, description = "Only administrators and inspectors", body = ErrorBody)))]
async fn audit(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(p): Query<Paging>,
) -> ApiResult<Paged<AuditOut>> {
    access::require_auditor(&viewer)?;
    let per_page = p.per_page.unwrap_or(100).clamp(1, 500);
    let page = p.page.unwrap_or(1).max(1);
    let items = state
        .store
        .audit_log(None, per_page as u32, ((page - 1) * per_page) as u32)
        .await?;
    let total = state.store.audit_count().await? as usize;
    Ok(Json(Paged {
        items: items.into_iter().map(AuditOut::from).collect(),
        page,
        per_page,
        total,
    }))
}

#[utoipa::path(get, path = "/api/v1/me", summary = "The caller's account", tag = "administration",
    responses((status = 200, description = "The caller's account and scopes", body = AccountOut),
              (status = 401, description = "Not logged in", body = ErrorBody)))]
async fn me(viewer: Viewer) -> ApiResult<AccountOut> {
    Ok(Json(AccountOut::from(viewer.require_login()?)))
}

/// A JSON body of a wire type; a body that does not fit is refused with the field named
/// (axum reads it with `serde_path_to_error`), as JSON like every API error.
struct Body<T>(T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> axum::extract::FromRequest<S> for Body<T> {
    type Rejection = ApiFailure;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Body<T>, ApiFailure> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(t)) => Ok(Body(t)),
            Err(e) => Err(ApiFailure(Failure::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_body",
                e.body_text(),
            ))),
        }
    }
}

/// Writes a definition through the application layer.
async fn create(
    state: &AppState,
    viewer: &Viewer,
    definition: Result<Definition, Failure>,
) -> Result<StatusCode, ApiFailure> {
    definitions::define(state, viewer, definition?).await?;
    Ok(StatusCode::CREATED)
}

/// Parses a code given in the path or the query; the message names the parameter.
fn parse_code<T: std::str::FromStr>(field: &str, text: &str) -> Result<T, ApiFailure>
where
    T::Err: std::fmt::Display,
{
    text.parse().map_err(|e: T::Err| {
        ApiFailure(Failure::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_code",
            format!("{field}: {e}"),
        ))
    })
}

#[utoipa::path(post, path = "/api/v1/units", summary = "Add an organisation unit", tag = "definitions",
    request_body = UnitIn,
    responses((status = 201, description = "Added"),
              (status = 403, description = "Outside the caller's definition scope (the standing office and administrators define anywhere, a unit's reporting office within its unit)", body = ErrorBody),
              (status = 422, description = "Invalid; the message names the field", body = ErrorBody)))]
async fn add_unit(
    State(state): State<AppState>,
    Definer(viewer): Definer,
    Body(body): Body<UnitIn>,
) -> Result<StatusCode, ApiFailure> {
    create(&state, &viewer, Definition::try_from(body)).await
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct EndUnit {
    /// The last day the unit is in force (YYYY-MM-DD).
    pub last_day: chrono::NaiveDate,
}

#[utoipa::path(post, path = "/api/v1/units/{code}/end", summary = "End an organisation unit", tag = "definitions",
    params(("code" = String, Path, description = "Unit code")), request_body = EndUnit,
    responses((status = 204, description = "Recorded"),
              (status = 403, description = "Outside the caller's definition scope (the standing office and administrators define anywhere, a unit's reporting office within its unit)", body = ErrorBody),
              (status = 422, description = "Invalid", body = ErrorBody)))]
async fn end_unit(
    State(state): State<AppState>,
    Definer(viewer): Definer,
    Path(code): Path<String>,
    Json(body): Json<EndUnit>,
) -> Result<StatusCode, ApiFailure> {
    let code = parse_code("code", &code)?;
    definitions::end_unit(&state, &viewer, &code, body.last_day).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/documents", summary = "Add a document", tag = "definitions",
    request_body = DocumentIn,
    responses((status = 201, description = "Added"),
              (status = 403, description = "Outside the caller's definition scope (the standing office and administrators define anywhere, a unit's reporting office within its unit)", body = ErrorBody),
              (status = 422, description = "Invalid; the message names the field", body = ErrorBody)))]
async fn add_document(
    State(state): State<AppState>,
    Definer(viewer): Definer,
    Body(body): Body<DocumentIn>,
) -> Result<StatusCode, ApiFailure> {
    create(&state, &viewer, Ok(body.into())).await
}

#[utoipa::path(get, path = "/api/v1/rules", summary = "Validation rules in force", tag = "catalogue",
    responses((status = 200, description = "The rules a submission is checked against", body = RulesOut)))]
async fn rules(State(state): State<AppState>) -> ApiResult<RulesOut> {
    let rules = state
        .store
        .validation_rules()
        .await
        .map_err(Failure::from)?;
    Ok(Json(RulesOut { rules }))
}

/// The validation rules in force.
#[derive(Serialize, ToSchema)]
struct RulesOut {
    /// The domain's rule serialises to the shape `RuleWire` reads, so what is listed can be sent
    /// back (`flows::validation_rules_through_the_api`).
    #[schema(value_type = Vec<RuleWire>)]
    rules: Vec<tiendo_domain::validation::ValidationRule>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ReportingParams {
    /// The unit to break down, by code or name; the nation when absent.
    unit: Option<String>,
}

/// One unit's reports owed by today and received (approved), with the units within it.
#[derive(Serialize, ToSchema)]
struct ReportingLine {
    code: String,
    name_vi: String,
    name_en: String,
    expected: usize,
    received: usize,
    /// received / expected, from 0 to 1; null when nothing is owed.
    rate: Option<f64>,
    /// Received reports first submitted by their deadline (the period's end and its grace).
    on_time: usize,
    /// on_time / expected, from 0 to 1; null when nothing is owed.
    on_time_rate: Option<f64>,
}

/// A unit's reporting completeness and that of each unit within it, lowest rate first.
#[derive(Serialize, ToSchema)]
struct ReportingOut {
    day: chrono::NaiveDate,
    unit: ReportingLine,
    units: Vec<ReportingLine>,
}

impl From<&crate::app::reporting::Line> for ReportingLine {
    fn from(x: &crate::app::reporting::Line) -> ReportingLine {
        ReportingLine {
            code: x.unit.code.to_string(),
            name_vi: x.unit.name_vi.clone(),
            name_en: x.unit.name_en.clone(),
            expected: x.reports.expected,
            received: x.reports.received,
            rate: x.reports.rate(),
            on_time: x.reports.on_time,
            on_time_rate: x.reports.on_time_rate(),
        }
    }
}

#[utoipa::path(get, path = "/api/v1/reporting", summary = "Reporting completeness", tag = "dashboards",
    params(ReportingParams),
    responses((status = 200, description = "Reports owed by today and received, for a unit and the units within it", body = ReportingOut),
              (status = 400, description = "No unit has that code or name", body = ErrorBody)))]
async fn reporting(
    State(state): State<AppState>,
    Query(p): Query<ReportingParams>,
) -> ApiResult<ReportingOut> {
    let b = crate::app::reporting::breakdown(&state, p.unit.as_deref())?;
    Ok(Json(ReportingOut {
        day: state.day(),
        unit: (&b.unit).into(),
        units: b.lines.iter().map(ReportingLine::from).collect(),
    }))
}

#[utoipa::path(post, path = "/api/v1/rules", summary = "Add a validation rule", tag = "definitions",
    request_body = RuleWire,
    responses((status = 201, description = "Added"),
              (status = 403, description = "Outside the caller's definition scope (the standing office and administrators define anywhere, a unit's reporting office within its unit)", body = ErrorBody),
              (status = 422, description = "Invalid; the message names the field", body = ErrorBody)))]
async fn add_rule(
    State(state): State<AppState>,
    Definer(viewer): Definer,
    Body(body): Body<RuleWire>,
) -> Result<StatusCode, ApiFailure> {
    create(&state, &viewer, Ok(body.into())).await
}

#[utoipa::path(post, path = "/api/v1/rules/{code}/withdraw", summary = "Withdraw a validation rule", tag = "definitions",
    params(("code" = String, Path, description = "Rule code")),
    responses((status = 204, description = "Withdrawn: values are no longer checked against it"),
              (status = 403, description = "Outside the caller's definition scope (the standing office and administrators define anywhere, a unit's reporting office within its unit)", body = ErrorBody),
              (status = 422, description = "No rule of that code is in force", body = ErrorBody)))]
async fn withdraw_rule(
    State(state): State<AppState>,
    Definer(viewer): Definer,
    Path(code): Path<String>,
) -> Result<StatusCode, ApiFailure> {
    definitions::withdraw_rule(&state, &viewer, &code).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/targets", summary = "Add a target", tag = "definitions",
    request_body = TargetIn,
    responses((status = 201, description = "Added"),
              (status = 403, description = "Outside the caller's definition scope (the standing office and administrators define anywhere, a unit's reporting office within its unit)", body = ErrorBody),
              (status = 422, description = "Invalid; the message names the field", body = ErrorBody)))]
async fn add_target(
    State(state): State<AppState>,
    Definer(viewer): Definer,
    Body(body): Body<TargetIn>,
) -> Result<StatusCode, ApiFailure> {
    create(&state, &viewer, Ok(body.into())).await
}

#[utoipa::path(post, path = "/api/v1/tasks", summary = "Assign a task", tag = "definitions",
    request_body = TaskIn,
    responses((status = 201, description = "Assigned"),
              (status = 403, description = "Outside the caller's definition scope (the standing office and administrators define anywhere, a unit's reporting office within its unit)", body = ErrorBody),
              (status = 422, description = "Invalid; the message names the field", body = ErrorBody)))]
async fn add_task(
    State(state): State<AppState>,
    Definer(viewer): Definer,
    Body(body): Body<TaskIn>,
) -> Result<StatusCode, ApiFailure> {
    create(&state, &viewer, Ok(body.into())).await
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CloseTask {
    /// completed or cancelled
    pub how: String,
    /// The day it happened; the server's day when omitted.
    pub day: Option<chrono::NaiveDate>,
}

#[utoipa::path(post, path = "/api/v1/tasks/{code}/close", summary = "Close a task", tag = "definitions",
    params(("code" = String, Path, description = "Task code")), request_body = CloseTask,
    responses((status = 204, description = "Closed"),
              (status = 403, description = "Outside the caller's definition scope (the standing office and administrators define anywhere, a unit's reporting office within its unit)", body = ErrorBody),
              (status = 422, description = "Unknown or already closed", body = ErrorBody)))]
async fn close_task(
    State(state): State<AppState>,
    Definer(viewer): Definer,
    Path(code): Path<String>,
    Json(body): Json<CloseTask>,
) -> Result<StatusCode, ApiFailure> {
    let how = task_ops::closing(&body.how)?;
    let code = parse_code("code", &code)?;
    let day = body.day.unwrap_or_else(|| state.day());
    definitions::close_task(&state, &viewer, &code, how, day).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct DataValueSetParams {
    /// Check and count only; nothing is written.
    #[serde(default, rename = "dryRun")]
    dry_run: bool,
    /// Export: only this data element (target code); this or orgUnit is required.
    #[serde(rename = "dataElement")]
    data_element: Option<String>,
    /// Export: only this org unit (unit code); this or dataElement is required.
    #[serde(rename = "orgUnit")]
    org_unit: Option<String>,
}

/// An import's outcome as DHIS2 reports it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ImportSummaryOut {
    /// SUCCESS, WARNING (some rows ignored, each a conflict) or ERROR (nothing written)
    pub status: String,
    pub dry_run: bool,
    pub import_count: ImportCount,
    /// One entry per refused value: `{object, value}` as DHIS2 writes conflicts.
    pub conflicts: Vec<serde_json::Value>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportCount {
    pub imported: usize,
    pub updated: usize,
    pub ignored: usize,
    pub deleted: usize,
}

#[utoipa::path(get, path = "/api/v1/dataValueSets", summary = "Export values as DHIS2 dataValueSets", tag = "exchange", params(DataValueSetParams),
    responses((status = 200, description = "Current approved values (and unpublished ones within the caller's view scope) as a DHIS2 dataValueSets document, codes as identifiers", body = tiendo_exchange::dhis2::DataValueSet),
              (status = 400, description = "Neither dataElement nor orgUnit is named, or a code is malformed", body = ErrorBody)))]
async fn export_data_value_sets(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<DataValueSetParams>,
) -> Result<Response, ApiFailure> {
    let filter = ValueFilter {
        target: q
            .data_element
            .as_deref()
            .map(|t| parse_code("dataElement", t))
            .transpose()?,
        org: q
            .org_unit
            .as_deref()
            .map(|o| parse_code("orgUnit", o))
            .transpose()?,
    };
    named_target_or_unit(&filter, "dataElement", "orgUnit")?;
    let o = state.overview();
    let h = &o.snapshot.hierarchy;
    let values: Vec<_> = state
        .store
        .values(&filter)
        .await?
        .into_iter()
        .filter(|v| v.state == ValueState::Approved || viewer.access.may_view(h, &v.org))
        .collect();
    let set =
        tiendo_exchange::dhis2::from_values(&values, &tiendo_exchange::dhis2::Mapping::default());
    Ok(Json(set).into_response())
}

#[utoipa::path(post, path = "/api/v1/dataValueSets", summary = "Import DHIS2 dataValueSets", tag = "exchange", params(DataValueSetParams),
    request_body(content = tiendo_exchange::dhis2::DataValueSet, description = "A DHIS2 dataValueSets document (JSON, or DHIS2's CSV with Content-Type text/csv); data elements are target codes, org units unit codes"),
    responses((status = 200, description = "Imported (or checked, with dryRun) as a whole", body = ImportSummaryOut),
              (status = 403, description = "A value lies outside the caller's capture scope; nothing written", body = ErrorBody),
              (status = 409, description = "Refused as a whole; the conflicts name each value", body = ImportSummaryOut)))]
async fn import_data_value_sets(
    State(state): State<AppState>,
    Writer(viewer): Writer,
    headers: HeaderMap,
    Query(q): Query<DataValueSetParams>,
    body: String,
) -> Result<Response, ApiFailure> {
    use tiendo_exchange::dhis2;
    let csv = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/csv") || v.starts_with("application/csv"));
    let conflicts =
        |list: Vec<tiendo_exchange::Problem>| conflict_summary(q.dry_run, "dataValues", list);
    let set = if csv {
        dhis2::parse_csv(&body)
    } else {
        dhis2::parse_json(&body).map_err(|p| vec![p])
    };
    let set = match set {
        Ok(s) => s,
        Err(list) => return Ok(conflicts(list)),
    };
    let values = match dhis2::to_values(&set, &dhis2::Mapping::default()) {
        Ok(v) => v,
        Err(list) => return Ok(conflicts(list)),
    };
    import_checked(&state, &viewer, &values, q.dry_run, "dataValues", "orgUnit").await
}

/// Imports values through the application's import (`what[N].field` names a refused one)
/// and answers DHIS2's import summary: SUCCESS, WARNING when rows were ignored because their
/// value is approved or awaiting review (each a conflict), ERROR (409) when refused as a whole.
async fn import_checked(
    state: &AppState,
    viewer: &Viewer,
    values: &[tiendo_domain::values::NewValue],
    dry_run: bool,
    what: &str,
    org_field: &str,
) -> Result<Response, ApiFailure> {
    let conflicts = |list: Vec<tiendo_exchange::Problem>| conflict_summary(dry_run, what, list);
    match value_ops::import(state, viewer, values, dry_run, what, org_field).await? {
        Ok(s) => Ok(Json(ImportSummaryOut {
            status: if s.conflicts.is_empty() {
                "SUCCESS"
            } else {
                "WARNING"
            }
            .into(),
            dry_run,
            import_count: ImportCount {
                imported: s.imported,
                updated: s.updated,
                ignored: s.ignored,
                deleted: 0,
            },
            conflicts: conflict_list(what, &s.conflicts),
        })
        .into_response()),
        Err(list) => Ok(conflicts(list)),
    }
}

/// DHIS2's conflicts: `{object: "what[N].field", value: message}`.
fn conflict_list(what: &str, list: &[tiendo_exchange::Problem]) -> Vec<serde_json::Value> {
    list.iter()
        .map(|p| serde_json::json!({"object": format!("{what}[{}].{}", p.row, p.field), "value": p.message}))
        .collect()
}

/// A refused import in DHIS2's summary form: every conflict named `what[N].field`.
fn conflict_summary(dry_run: bool, what: &str, list: Vec<tiendo_exchange::Problem>) -> Response {
    let summary = ImportSummaryOut {
        status: "ERROR".into(),
        dry_run,
        import_count: ImportCount {
            imported: 0,
            updated: 0,
            ignored: 0,
            deleted: 0,
        },
        conflicts: conflict_list(what, &list),
    };
    (StatusCode::CONFLICT, Json(summary)).into_response()
}

/// A unit's approved figures of one target, as the dashboards hold them.
#[derive(Debug, Serialize, ToSchema)]
pub struct SeriesOut {
    pub target: String,
    pub org: String,
    /// The target's unit of measure.
    pub unit_of_measure: String,
    /// Oldest first, one figure a period.
    pub values: Vec<SeriesPoint>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SeriesPoint {
    pub period: String,
    pub value: f64,
}

/// One unit's approved figures of a target, oldest first.
type Figures = Vec<(tiendo_domain::periods::Period, f64)>;

/// A target and the approved series of one unit for it, as the resident model holds them.
fn approved_series<'o>(
    o: &'o crate::Overview,
    target: &str,
    org: &str,
) -> Result<(&'o tiendo_domain::targets::Target, Option<&'o Figures>), ApiFailure> {
    let t = o
        .snapshot
        .targets
        .iter()
        .find(|t| t.code.as_str() == target)
        .ok_or_else(|| {
            ApiFailure(Failure::not_found(
                "target_not_found",
                format!("no target {target}"),
            ))
        })?;
    let series = o.snapshot.series.get(&t.code).and_then(|m| m.get(org));
    Ok((t, series))
}

#[utoipa::path(get, path = "/api/v1/series/{target}/{org}", summary = "A unit's approved series of a target", tag = "dashboards",
    params(("target" = String, Path, description = "Target code"), ("org" = String, Path, description = "Unit code")),
    responses((status = 200, description = "Every approved figure of the unit for the target, oldest first, as the dashboards show them (an approval appears here as soon as the server has applied it)", body = SeriesOut),
              (status = 404, description = "No such target", body = ErrorBody)))]
async fn series(
    State(state): State<AppState>,
    Path((target, org)): Path<(String, String)>,
) -> ApiResult<SeriesOut> {
    let o = state.overview();
    let (t, series) = approved_series(&o, &target, &org)?;
    let values = series
        .map(|s| {
            s.iter()
                .map(|(p, v)| SeriesPoint {
                    period: p.to_string(),
                    value: *v,
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(Json(SeriesOut {
        target: t.code.to_string(),
        org,
        unit_of_measure: t.unit.clone(),
        values,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct OpenSdgParams {
    /// Check and count only; nothing is written.
    #[serde(default, rename = "dryRun")]
    dry_run: bool,
}

#[utoipa::path(get, path = "/api/v1/opensdg/{target}/{org}", summary = "Export a series for Open SDG", tag = "exchange",
    params(("target" = String, Path, description = "Target code"), ("org" = String, Path, description = "Unit code")),
    responses((status = 200, description = "The unit's yearly approved series of the target in Open SDG's CSV format (Year,Units,Value)", content_type = "text/csv")))]
async fn export_opensdg(
    State(state): State<AppState>,
    Path((target, org)): Path<(String, String)>,
) -> Result<Response, ApiFailure> {
    let o = state.overview();
    let (t, series) = approved_series(&o, &target, &org)?;
    let series: Vec<(i32, f64)> = series
        .map(|s| {
            s.iter()
                .filter(|(p, _)| p.periodicity() == tiendo_domain::periods::Periodicity::Yearly)
                .map(|(p, v)| (p.year(), *v))
                .collect()
        })
        .unwrap_or_default();
    Ok((
        [(axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8")],
        tiendo_exchange::opensdg::write(&t.unit, &series),
    )
        .into_response())
}

#[utoipa::path(post, path = "/api/v1/opensdg/{target}/{org}", summary = "Import an Open SDG series", tag = "exchange",
    params(("target" = String, Path, description = "Target code"), ("org" = String, Path, description = "Unit code"), OpenSdgParams),
    request_body(content = String, description = "An Open SDG series file (Year, optional disaggregations, Value); the headline rows become yearly values, submitted for approval", content_type = "text/csv"),
    responses((status = 200, description = "Imported (or checked, with dryRun) as a whole", body = ImportSummaryOut),
              (status = 403, description = "The unit lies outside the caller's capture scope", body = ErrorBody),
              (status = 409, description = "Refused as a whole; the conflicts name each line", body = ImportSummaryOut)))]
async fn import_opensdg(
    State(state): State<AppState>,
    Writer(viewer): Writer,
    Path((target, org)): Path<(String, String)>,
    Query(q): Query<OpenSdgParams>,
    body: String,
) -> Result<Response, ApiFailure> {
    let target: tiendo_domain::targets::TargetCode = parse_code("target", &target)?;
    let org: tiendo_domain::orgs::OrgCode = parse_code("org", &org)?;
    let series = match tiendo_exchange::opensdg::read(&body) {
        Ok(s) => s,
        Err(p) => return Ok(conflict_summary(q.dry_run, "lines", vec![p])),
    };
    let mut values = Vec::with_capacity(series.len());
    for (year, value) in series {
        values.push(tiendo_domain::values::NewValue {
            target: target.clone(),
            org: org.clone(),
            period: tiendo_domain::periods::Period::year_of(year)
                .map_err(|e| ApiFailure(Failure::bad_request("invalid_period", e.to_string())))?,
            value: tiendo_domain::values::Number::new(value).ok_or_else(|| {
                ApiFailure(Failure::bad_request(
                    "invalid_value",
                    format!("{value} is not finite"),
                ))
            })?,
            comment: None,
            source: Some("Open SDG file".into()),
        });
    }
    import_checked(&state, &viewer, &values, q.dry_run, "values", "org").await
}
