//! The authorisation matrix: every route × every role × the caller's own unit and a foreign
//! one. Each case states, from the rules of the roles (not from the code under test), whether
//! the request must be served; a breach is a request served that must be refused, or a
//! refused one that must be served. The test prints the count of cases and of breaches.

mod support;

use axum::http::{Method, StatusCode};
use support::{demo, Client};
use tiendo_domain::values::ValueState;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Who {
    Anonymous,
    Public,
    Viewer,
    Inspector,
    Reporter,
    StandingOffice,
    Admin,
}

const EVERYONE: [Who; 7] = [
    Who::Anonymous,
    Who::Public,
    Who::Viewer,
    Who::Inspector,
    Who::Reporter,
    Who::StandingOffice,
    Who::Admin,
];

fn account(who: Who) -> Option<&'static str> {
    match who {
        Who::Anonymous => None,
        Who::Public => Some("cong-dan"),
        Who::Viewer => Some("lanh-dao"),
        Who::Inspector => Some("thanh-tra"),
        Who::Reporter => Some("nghe-an"),
        Who::StandingOffice => Some("van-phong"),
        Who::Admin => Some("admin"),
    }
}

/// The reporter's own province and a foreign one, with a task each leads.
const OWN: (&str, &str) = ("NGHE-AN", "NA-328-1");
const FOREIGN: (&str, &str) = ("HA-TINH", "HN-KH43-1");

/// What a request sends.
enum Body {
    None,
    Form(Vec<(String, String)>),
    Json(serde_json::Value),
    /// A body of this content type, as API clients send files.
    Raw(&'static str, String),
    /// A form with one (empty) file, as the spreadsheet upload sends it.
    Multipart,
}

struct Case {
    name: &'static str,
    method: Method,
    path: String,
    body: Body,
    allowed: bool,
    /// For reads of values: whether unpublished (draft) values may be in the answer.
    sees_drafts: Option<bool>,
    /// The request's content is refused on purpose (an empty upload, an empty public form): a
    /// 422 shows it passed the access checks and reached the content's own.
    content_checked: bool,
}

fn logged_in(w: Who) -> bool {
    w != Who::Anonymous
}

#[allow(clippy::too_many_lines)]
fn cases(
    who: Who,
    own: bool,
    target: &str,
    (period, form_version): (&str, i64),
    (api_period, api_version): (&str, i64),
) -> Vec<Case> {
    let (unit, task) = if own { OWN } else { FOREIGN };
    let captures = who == Who::StandingOffice || (who == Who::Reporter && own);
    let reviewer = matches!(who, Who::StandingOffice | Who::Reporter);
    let auditor = matches!(who, Who::Admin | Who::Inspector);
    let reads_unpublished = match who {
        Who::Admin | Who::StandingOffice | Who::Inspector | Who::Viewer => true,
        Who::Reporter => own,
        Who::Public | Who::Anonymous => false,
    };
    let get = |name, path: String, allowed| Case {
        name,
        method: Method::GET,
        path,
        body: Body::None,
        allowed,
        sees_drafts: None,
        content_checked: false,
    };
    let form = |name, path: String, fields: &[(&str, &str)], allowed| Case {
        name,
        method: Method::POST,
        path,
        body: Body::Form(
            fields
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        ),
        allowed,
        sees_drafts: None,
        content_checked: false,
    };
    let json = |name, path: &str, v: serde_json::Value, allowed| Case {
        name,
        method: Method::POST,
        path: path.to_string(),
        body: Body::Json(v),
        allowed,
        sees_drafts: None,
        content_checked: false,
    };
    let posted = |name, path: String, body, allowed| Case {
        name,
        method: Method::POST,
        path,
        body,
        allowed,
        sees_drafts: None,
        content_checked: false,
    };
    let field = format!("v_{target}");
    let definer = matches!(who, Who::StandingOffice | Who::Admin);
    // A unit's reporting office defines within its own unit.
    let defines_here = definer || (who == Who::Reporter && own);
    let new_task = format!("MATRIX-{}", rand_suffix());
    let key = format!("{target}|{unit}|{period}|{form_version}");
    let official = !matches!(who, Who::Anonymous | Who::Public);
    // The fixtures' dashboards are shared with leaders (viewers).
    let builds_dashboard = definer || (who == Who::Reporter && own);
    let sees_dashboard = builds_dashboard || who == Who::Viewer;
    // Seeded below: the own case is routed to a department of the reporter's province, the
    // foreign one to another province.
    let (case, assignee) = if own {
        ("FB-000001", "NA-DOST")
    } else {
        ("FB-000002", "HA-TINH")
    };
    let reads_case = reads_unpublished && official;
    let handles = who == Who::StandingOffice || (who == Who::Reporter && own);
    vec![
        get("unit report", format!("/reports/units/{unit}"), true),
        get(
            "approved series",
            format!("/api/v1/series/{target}/{unit}"),
            true,
        ),
        get(
            "open sdg export",
            format!("/api/v1/opensdg/{target}/{unit}"),
            true,
        ),
        get("document report", "/reports/documents/57-NQ/TW".into(), true),
        get("feedback form", "/feedback".into(), true),
        get("feedback inbox", "/feedback/inbox".into(), official),
        get("feedback case", format!("/feedback/{case}"), reads_case),
        form(
            "feedback assign",
            format!("/feedback/{case}/assign"),
            &[("unit", assignee)],
            handles,
        ),
        form(
            "feedback close",
            format!("/feedback/{case}/close"),
            &[("note", "matrix")],
            who == Who::StandingOffice,
        ),
        get("overview", "/".into(), true),
        get("to do", "/work".into(), logged_in(who)),
        get("unit page", format!("/units/{unit}"), true),
        get("documents", "/documents".into(), true),
        get("document", "/documents/57-NQ/TW".into(), true),
        get("target", format!("/targets/{target}"), true),
        get("index", "/indices/pii-like".into(), true),
        get("task board", format!("/tasks?unit={unit}"), true),
        get("task page", format!("/tasks/{task}"), true),
        get("login page", "/login".into(), true),
        get("entry form", format!("/units/{unit}/entry"), captures),
        form(
            "entry submit",
            format!("/units/{unit}/entry"),
            &[("period", "2024"), (&field, "1"), ("action", "draft")],
            captures,
        ),
        get(
            "entry template",
            format!("/units/{unit}/template?period=2024&format=csv"),
            captures,
        ),
        form(
            "upload commit",
            format!("/units/{unit}/upload/commit"),
            &[
                (
                    "payload",
                    &serde_json::json!([{"target": target, "unit": unit, "period": "2024", "value": 0.15, "comment": ""}])
                        .to_string(),
                ),
                ("action", "draft"),
            ],
            captures,
        ),
        get("approval queue", "/approvals".into(), reviewer),
        form(
            "approve",
            "/approvals".into(),
            &[("key", &key), ("decision", "approve")],
            who == Who::StandingOffice,
        ),
        form(
            "task progress",
            format!("/tasks/{task}/progress"),
            &[("percent", "50"), ("narrative", "done")],
            captures,
        ),
        get("account", "/account".into(), logged_in(who)),
        form(
            "api token",
            "/account/tokens".into(),
            &[("name", "matrix")],
            logged_in(who),
        ),
        get("users", "/admin/users".into(), who == Who::Admin),
        get(
            "password form",
            "/account/password".into(),
            logged_in(who),
        ),
        Case {
            content_checked: true,
            ..form(
                "password change",
                "/account/password".into(),
                &[("current", "not it"), ("new", "x"), ("again", "y")],
                logged_in(who),
            )
        },
        form(
            "create user",
            "/admin/users".into(),
            &[
                ("username", &format!("m-{}", rand_suffix())),
                ("display_name", "M"),
                ("password", "long enough pw"),
                ("role", "viewer"),
            ],
            who == Who::Admin,
        ),
        form(
            "deactivate user",
            "/admin/users/lanh-dao/active".into(),
            &[("active", "true")],
            who == Who::Admin,
        ),
        get("audit page", "/admin/audit".into(), auditor),
        get("api overview", "/api/v1/overview".into(), true),
        get("api unit", format!("/api/v1/units/{unit}"), true),
        get("api documents", "/api/v1/documents".into(), true),
        get("api targets", "/api/v1/targets".into(), true),
        get("api tasks", format!("/api/v1/tasks?unit={unit}"), true),
        get("api task", format!("/api/v1/tasks/{task}"), true),
        json(
            "api progress",
            &format!("/api/v1/tasks/{task}/progress"),
            serde_json::json!({"percent": 40, "narrative": "on track"}),
            captures,
        ),
        Case {
            sees_drafts: Some(reads_unpublished),
            ..get(
                "api values",
                format!("/api/v1/values?org={unit}&per_page=500"),
                true,
            )
        },
        json(
            "api enter",
            "/api/v1/values",
            serde_json::json!({"values": [{"target": target, "org": unit, "period": "2024", "value": 0.2}]}),
            captures,
        ),
        get("api approvals", "/api/v1/approvals".into(), reviewer),
        json(
            "api approve",
            "/api/v1/approvals",
            serde_json::json!({"target": target, "org": unit, "period": api_period, "version": api_version, "decision": "return", "reason": "matrix"}),
            who == Who::StandingOffice,
        ),
        get("api audit", "/api/v1/audit".into(), auditor),
        get("api me", "/api/v1/me".into(), logged_in(who)),
        get(
            "define page",
            "/admin/define".into(),
            definer || who == Who::Reporter,
        ),
        get(
            "task appendix page",
            "/admin/tasks/import".into(),
            definer || who == Who::Reporter,
        ),
        Case {
            content_checked: true,
            ..posted(
                "task appendix upload",
                "/admin/tasks/import".into(),
                Body::Multipart,
                definer || who == Who::Reporter,
            )
        },
        form(
            "task appendix preview",
            "/admin/tasks/import/commit".into(),
            &[
                ("document", "57-NQ/TW"),
                ("payload", r#"{"groups":[],"rows":[]}"#),
                ("action", "preview"),
            ],
            definer,
        ),
        get("reopen page", "/admin/reopen".into(), definer),
        form(
            "reopen entry",
            "/admin/reopen".into(),
            &[
                ("unit", unit),
                ("period", "2019"),
                ("last_day", "2025-10-25"),
                ("reason", "matrix"),
            ],
            definer,
        ),
        get(
            "dhis2 export",
            format!("/api/v1/dataValueSets?orgUnit={unit}"),
            true,
        ),
        json(
            "dhis2 import",
            "/api/v1/dataValueSets?dryRun=true",
            serde_json::json!({"dataValues": [{"dataElement": target, "period": "2022", "orgUnit": unit, "value": "0.5"}]}),
            captures,
        ),
        form(
            "assign task",
            "/admin/define/task".into(),
            &[
                ("code", &new_task),
                ("document", "57-NQ/TW"),
                ("title_vi", "Nhiệm vụ kiểm thử"),
                ("lead", unit),
                ("confidentiality", "internal"),
            ],
            definer,
        ),
        json(
            "api assign task",
            "/api/v1/tasks",
            serde_json::json!({"code": format!("{new_task}-API"), "document": "57-NQ/TW", "title_vi": "Nhiệm vụ kiểm thử", "lead": unit, "confidentiality": "internal"}),
            definer,
        ),
        json(
            "api add document",
            "/api/v1/documents",
            serde_json::json!({"code": format!("{new_task}-DOC"), "kind": "plan", "title_vi": "Kế hoạch kiểm thử", "sections": []}),
            definer,
        ),
        form(
            "close task",
            format!("/tasks/{new_task}/close"),
            &[("how", "completed")],
            definer,
        ),
        json(
            "api close task",
            &format!("/api/v1/tasks/{new_task}-API/close"),
            serde_json::json!({"how": "cancelled"}),
            definer,
        ),
        get("api rules", "/api/v1/rules".into(), true),
        get("reporting", format!("/reporting?unit={unit}"), true),
        get("api reporting", format!("/api/v1/reporting?unit={unit}"), true),
        json(
            "api add rule",
            "/api/v1/rules",
            serde_json::json!({"code": format!("{new_task}-R"), "name_vi": "Quy tắc kiểm thử", "left": {"targets": [target]}, "op": "<=", "right": {"constant": 1000000}}),
            definer,
        ),
        json(
            "api withdraw rule",
            &format!("/api/v1/rules/{new_task}-R/withdraw"),
            serde_json::json!({}),
            definer,
        ),
        json(
            "api add unit",
            "/api/v1/units",
            serde_json::json!({"code": format!("{new_task}-UNIT"), "kind": "organisation", "name_vi": "Tổ công tác", "name_en": "Working group", "parent": unit, "source": null}),
            defines_here,
        ),
        json(
            "api end unit",
            &format!("/api/v1/units/{new_task}-UNIT/end"),
            serde_json::json!({"last_day": "2030-12-31"}),
            defines_here,
        ),
        json(
            "api add target",
            "/api/v1/targets",
            serde_json::json!({"code": format!("{new_task}-T"), "document": null, "group": null, "name_vi": "Chỉ tiêu kiểm thử", "family": "operational", "unit": "%", "direction": "increase", "goals": [], "baseline": null, "periodicity": "yearly", "aggregation": {"method": "mean"}, "source": null}),
            definer,
        ),
        posted(
            "api open sdg import",
            format!("/api/v1/opensdg/{target}/{unit}?dryRun=true"),
            Body::Raw("text/csv", "Year,Value\n2024,0.5\n".into()),
            captures,
        ),
        get("dashboards", "/dashboards".into(), true),
        get("liveness", "/healthz".into(), true),
        get("readiness", "/readyz".into(), true),
        // In-process requests carry no address: only an administrator reads the metrics.
        get("metrics", "/metrics".into(), who == Who::Admin),
        get("dashboard", format!("/dashboards/m-{unit}"), sees_dashboard),
        get(
            "dashboard export",
            format!("/dashboards/m-{unit}/export"),
            sees_dashboard,
        ),
        get(
            "dashboard edit",
            format!("/dashboards/m-{unit}/edit"),
            builds_dashboard,
        ),
        get(
            "new dashboard",
            "/dashboards/new".into(),
            definer || who == Who::Reporter,
        ),
        form(
            "save dashboard",
            "/dashboards".into(),
            &[
                ("code", &format!("s-{}", rand_suffix())),
                ("title_vi", "Bảng điều khiển kiểm thử"),
                ("owner", unit),
                ("w0_kind", "warnings"),
            ],
            builds_dashboard,
        ),
        form(
            "remove dashboard",
            format!("/dashboards/rm-{period}-{unit}/remove"),
            &[],
            builds_dashboard,
        ),
        Case {
            content_checked: true,
            ..posted(
                "dashboard import",
                "/dashboards/import".into(),
                Body::Multipart,
                definer || who == Who::Reporter,
            )
        },
        Case {
            content_checked: true,
            ..posted(
                "spreadsheet upload",
                format!("/units/{unit}/upload"),
                Body::Multipart,
                captures,
            )
        },
        get(
            "feedback evidence",
            format!("/feedback/{case}/files/1"),
            handles || matches!(who, Who::Admin | Who::Inspector),
        ),
        // The public form's own token (double submit) is missing: refused, whoever sends it.
        posted(
            "feedback submission without the form's token",
            "/feedback".into(),
            Body::Multipart,
            false,
        ),
        form(
            "login without the form's token",
            "/login".into(),
            &[("username", "admin"), ("password", "wrong")],
            false,
        ),
        Case {
            content_checked: true,
            ..form(
                "revoke token",
                "/account/tokens/revoke".into(),
                &[("id", "no-such-token")],
                logged_in(who),
            )
        },
        form(
            "notification settings",
            "/account/notifications".into(),
            &[("mode", "digest"), ("email", "can-bo@example.vn")],
            logged_in(who),
        ),
        get("open data", "/open-data".into(), true),
        get("open data file", "/open-data/values.csv".into(), true),
        get("stylesheet", "/static/tiendo.css".into(), true),
    ]
    .into_iter()
    // Logging out ends the session: the last request of each caller.
    .chain((!own).then(|| form("logout", "/logout".into(), &[], true)))
    .collect()
}

fn rand_suffix() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    N.fetch_add(1, Ordering::Relaxed).to_string()
}

#[tokio::test]
async fn every_route_for_every_role_on_own_and_foreign_units() {
    let app = demo("2025-10-20").await;
    // A yearly province target both provinces report themselves and have no figure of yet, with values awaiting review (two per
    // role: one approved by form, one returned through the API) and a draft each, so reads of unpublished data can be checked.
    let overview = app.state.overview();
    let target = overview
        .snapshot
        .targets
        .iter()
        .find(|t| {
            // No published figure of either province stands in the way of the writes below.
            let untouched =
                overview.snapshot.series.get(&t.code).is_none_or(|by_unit| {
                    [OWN.0, FOREIGN.0].iter().all(|u| !by_unit.contains_key(*u))
                });
            t.periodicity == tiendo_domain::periods::Periodicity::Yearly
                && untouched
                && t.reporters.self_reported()
                && t.reporters.includes(
                    &OWN.0.parse().unwrap(),
                    tiendo_domain::orgs::OrgKind::Province,
                )
        })
        .expect("a yearly province target")
        .code
        .to_string();
    let entry = |unit: &str, period: String, state| tiendo_storage::Entry {
        value: tiendo_domain::values::NewValue {
            target: target.parse().unwrap(),
            org: unit.parse().unwrap(),
            period: period.parse().unwrap(),
            value: tiendo_domain::values::Number::new(0.3).unwrap(),
            comment: None,
            source: None,
        },
        state,
        author: "seed".into(),
        window: tiendo_domain::admissibility::EntryWindow::never_closes(chrono::NaiveDate::MIN),
    };
    let mut seed = Vec::new();
    for unit in [OWN.0, FOREIGN.0] {
        seed.push(vec![entry(unit, "2023".into(), ValueState::Draft)]);
        for (i, _) in EVERYONE.iter().enumerate() {
            seed.push(vec![entry(
                unit,
                format!("20{}", 10 + i),
                ValueState::Submitted,
            )]);
            seed.push(vec![entry(unit, format!("200{i}"), ValueState::Submitted)]);
        }
    }
    for outcome in app.state.store.enter_values(&seed).await.unwrap() {
        outcome.unwrap();
    }
    for (concern, unit) in [
        (("task", "NA-328-1"), "NA-DOST"),
        (("target", "HT-T1"), "HA-TINH"),
    ] {
        use tiendo_domain::feedback::{Concern, Contact, Kind, Submission};
        let submission = Submission::new(
            Kind::Difficulty,
            Concern::parse(concern.0, concern.1).unwrap(),
            &format!("Khó khăn khi triển khai {} tại địa phương.", concern.1),
            Contact::new("Người gửi", "gui@example.vn", "").unwrap(),
            false,
        )
        .unwrap();
        app.state
            .store
            .receive_feedback(
                &submission,
                Some(&unit.parse().unwrap()),
                &[tiendo_domain::feedback::Evidence::new(
                    "bien-ban.pdf",
                    b"%PDF-1.4\n% matrix evidence\n".to_vec(),
                )
                .unwrap()],
                "x",
                chrono::Utc::now(),
            )
            .await
            .unwrap();
    }

    // A dashboard of each province shared with leaders, and one per role to remove.
    for unit in [OWN.0, FOREIGN.0] {
        let mut codes = vec![format!("m-{unit}")];
        codes.extend((0..EVERYONE.len()).map(|i| format!("rm-20{}-{unit}", 10 + i)));
        for code in codes {
            let d = tiendo_domain::dashboards::Dashboard {
                code: code.parse().unwrap(),
                owner: unit.parse().unwrap(),
                title_vi: "Bảng điều khiển".into(),
                title_en: None,
                audience: tiendo_domain::dashboards::Audience {
                    roles: vec![tiendo_domain::accounts::Role::Viewer],
                    public: false,
                },
                widgets: vec![tiendo_domain::dashboards::Widget::Warnings],
            };
            app.state.store.save_dashboard(&d, "seed").await.unwrap();
        }
    }

    let mut total = 0;
    let mut breaches = Vec::new();
    let mut covered: Vec<(Method, String)> = Vec::new();
    for (i, who) in EVERYONE.iter().enumerate() {
        let mut client = Client::new(&app);
        if let Some(user) = account(*who) {
            client.login_demo(user).await;
        }
        for own in [true, false] {
            // A review names the version it judges, as the queue and the API list it.
            let unit = if own { OWN.0 } else { FOREIGN.0 };
            let (form_period, api_period) = (format!("20{}", 10 + i), format!("200{i}"));
            let form_version = support::current_version(&app, &target, unit, &form_period).await;
            let api_version = support::current_version(&app, &target, unit, &api_period).await;
            for case in cases(
                *who,
                own,
                &target,
                (&form_period, form_version),
                (&api_period, api_version),
            ) {
                total += 1;
                covered.push((case.method.clone(), case.path.clone()));
                // Each request carries the session's CSRF token, as the pages' forms do.
                let csrf = client.csrf.clone();
                let res = match &case.body {
                    Body::None => {
                        client
                            .send(case.method.clone(), &case.path, "", String::new())
                            .await
                    }
                    Body::Form(fields) => {
                        let mut fields: Vec<(&str, &str)> = fields
                            .iter()
                            .map(|(k, v)| (k.as_str(), v.as_str()))
                            .collect();
                        fields.push(("csrf", &csrf));
                        client.post_form(&case.path, &fields).await
                    }
                    Body::Json(v) => client.post_json(&case.path, v.clone()).await,
                    Body::Raw(kind, text) => {
                        client
                            .send(case.method.clone(), &case.path, kind, text.clone())
                            .await
                    }
                    Body::Multipart => {
                        client
                            .post_multipart(
                                &case.path,
                                &[("csrf", &csrf)],
                                &[("file", "empty.csv", &[])],
                            )
                            .await
                    }
                };
                let served = res.status.is_success()
                    || res.status.is_redirection()
                    || (case.content_checked && res.status == StatusCode::UNPROCESSABLE_ENTITY);
                let refused = matches!(
                    res.status,
                    StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
                );
                let ok = if case.allowed { served } else { refused };
                let mut why = format!(
                    "{who:?} {} {} {} → {}",
                    if own { "own" } else { "foreign" },
                    case.name,
                    case.path,
                    res.status
                );
                let leak =
                    case.sees_drafts == Some(false) && res.body.contains("\"state\":\"draft\"");
                let hidden =
                    case.sees_drafts == Some(true) && !res.body.contains("\"state\":\"draft\"");
                if leak {
                    why.push_str(" (unpublished values leaked)");
                }
                if hidden {
                    why.push_str(" (its own unpublished values missing)");
                }
                if !ok || leak || hidden {
                    breaches.push(format!(
                        "{why}: {}",
                        res.body.chars().take(200).collect::<String>()
                    ));
                }
            }
        }
    }
    // Every route of the router's own table is in the matrix.
    let table = tiendo_web::route_table();
    let forgotten: Vec<String> = table
        .iter()
        .filter(|(method, template)| {
            !covered
                .iter()
                .any(|(m, path)| m == method && route_matches(template, path))
        })
        .map(|(m, t)| format!("{m} {t}"))
        .collect();
    assert!(
        forgotten.is_empty(),
        "routes missing from the matrix: {forgotten:#?}"
    );
    println!(
        "authorisation matrix: {} routes, {total} cases (routes × {} roles × own/foreign), {} breaches",
        table.len(),
        EVERYONE.len(),
        breaches.len()
    );
    assert!(total >= 900, "{total}");
    assert!(
        breaches.is_empty(),
        "{} breaches:\n{}",
        breaches.len(),
        breaches.join("\n")
    );
}

/// Whether a concrete path (its query left aside) is served by a route template:
/// `{name}` stands for one segment, `{*name}` for the rest of the path.
fn route_matches(template: &str, path: &str) -> bool {
    let path = path.split('?').next().unwrap_or_default();
    let mut given = path.split('/');
    for part in template.split('/') {
        if part.starts_with("{*") {
            return given.next().is_some_and(|s| !s.is_empty());
        }
        match given.next() {
            Some(s) if part.starts_with('{') && !s.is_empty() => {}
            Some(s) if s == part => {}
            _ => return false,
        }
    }
    given.next().is_none()
}
