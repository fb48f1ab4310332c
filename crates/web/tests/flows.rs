//! What reporters, supervisors, administrators and machine clients do, through the router as
//! a browser or an API client would: entry, approval, refusals, tokens, documentation.

mod support;

use std::time::Duration;

use axum::http::StatusCode;
use support::{demo, Client};

/// The first value field of an entry form.
fn first_field(body: &str) -> String {
    let start = body.find("name=\"v_").expect("a value field") + "name=\"".len();
    body[start..start + body[start..].find('"').unwrap()].to_string()
}

#[tokio::test]
async fn a_reporter_submits_a_supervisor_approves_and_the_overview_shows_it() {
    let app = demo("2025-10-20").await;
    let mut reporter = Client::new(&app);
    reporter.login_demo("ha-tinh").await;
    let form = reporter
        .get("/units/HA-TINH/entry?period=2025Q3&lang=en")
        .await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let field = first_field(&form.body);
    let target = field.trim_start_matches("v_").to_string();
    let audit_before = app.state.store.audit_count().await.unwrap();

    // A typing error is shown beside its field and nothing is written.
    let bad = reporter
        .post_form(
            "/units/HA-TINH/entry?lang=en",
            &[
                ("period", "2025Q3"),
                (&field, "12..5"),
                ("action", "submit"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("“12..5” is not a number"), "{}", bad.body);
    assert!(bad.body.contains("aria-invalid=\"true\""));
    assert_eq!(app.state.store.audit_count().await.unwrap(), audit_before);

    // A decimal comma is accepted; the value is submitted.
    let ok = reporter
        .post_form(
            "/units/HA-TINH/entry?lang=en",
            &[
                ("period", "2025Q3"),
                (&field, "77,5"),
                ("action", "submit"),
                ("source", "Sở KH&CN"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let after = reporter.get(&ok.location).await;
    assert!(
        after.body.contains("submitted for approval"),
        "{}",
        after.body
    );
    // Not official yet.
    assert!(app
        .state
        .overview()
        .recent_approvals
        .iter()
        .all(|a| a.target.as_str() != target));

    // The reporter cannot approve its own unit's value.
    let own = reporter
        .post_form(
            "/approvals",
            &[
                (
                    "key",
                    &support::review_key(&app, &target, "HA-TINH", "2025Q3").await,
                ),
                ("decision", "approve"),
            ],
        )
        .await;
    assert_eq!(own.status, StatusCode::FORBIDDEN);

    // The public's page, rendered once and served again to the next visitor.
    let mut visitor = Client::new(&app);
    let before = visitor.get("/?lang=en").await;
    assert!(!before.body.contains("77.50"), "{}", before.body);
    assert_eq!(visitor.get("/?lang=en").await.body, before.body);

    let mut supervisor = Client::new(&app);
    supervisor.login_demo("van-phong").await;
    // A signed-in official is never served the public's page.
    let own_page = supervisor.get("/?lang=en").await;
    assert!(
        own_page.body.contains("action=\"/logout\""),
        "{}",
        own_page.body
    );
    assert!(!before.body.contains("action=\"/logout\""));
    let queue = supervisor.get("/approvals?lang=en").await;
    let key = support::review_key(&app, &target, "HA-TINH", "2025Q3").await;
    assert!(queue.body.contains(&key), "{}", queue.body);
    // The reviewer sees what the value is: the target's name with its code, the unit's name,
    // the unit of measure, the earlier period, and a return needs a reason.
    assert!(
        queue.body.contains(&format!("({target})")),
        "{}",
        queue.body
    );
    assert!(
        queue.body.contains("Hà Tĩnh") || queue.body.contains("Ha Tinh"),
        "{}",
        queue.body
    );
    assert!(queue.body.contains("Previous period"), "{}", queue.body);
    assert!(
        queue.body.contains("name=\"reason\" size=\"18\" required"),
        "{}",
        queue.body
    );
    let done = supervisor
        .post_form(
            "/approvals?lang=en",
            &[("key", &key), ("decision", "approve")],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);

    // The overview is recomputed in the background after an approval.
    let mut shown = false;
    for _ in 0..100 {
        if app
            .state
            .overview()
            .recent_approvals
            .iter()
            .any(|a| a.target.as_str() == target)
        {
            shown = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(shown, "the overview lists the approved value");
    // The page kept for the public gives way to the overview that shows the approval.
    let page = visitor.get("/?lang=en").await;
    // Listed by name, linked by code.
    assert!(
        page.body.contains(&format!("/targets/{target}?lang=en\">")) && page.body.contains("77.50"),
        "{}",
        page.body
    );
    // The approver by the name the account goes by, not its user name.
    assert!(
        page.body.contains("Văn phòng Ban Chỉ đạo</td>"),
        "{}",
        page.body
    );

    // Approval locked it: the reporter can no longer change it.
    let locked = reporter
        .post_form(
            "/units/HA-TINH/entry?lang=en",
            &[("period", "2025Q3"), (&field, "80"), ("action", "submit")],
        )
        .await;
    assert_eq!(locked.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        locked.body.contains("approved and locked"),
        "{}",
        locked.body
    );

    let log = app
        .state
        .store
        .audit_log(Some(&format!("value {target}/HA-TINH/2025Q3")), 10, 0)
        .await
        .unwrap();
    let who: Vec<(&str, &str)> = log
        .iter()
        .map(|e| (e.action.as_str(), e.actor.as_str()))
        .collect();
    assert_eq!(
        who,
        [("value.approve", "van-phong"), ("value.submit", "ha-tinh")]
    );
}

#[tokio::test]
async fn a_returned_value_carries_a_reason_and_can_be_corrected() {
    let app = demo("2025-10-20").await;
    let mut reporter = Client::new(&app);
    reporter.login_demo("ha-tinh").await;
    let field = first_field(
        &reporter
            .get("/units/HA-TINH/entry?period=2025Q3")
            .await
            .body,
    );
    let target = field.trim_start_matches("v_").to_string();
    reporter
        .post_form(
            "/units/HA-TINH/entry",
            &[("period", "2025Q3"), (&field, "10"), ("action", "submit")],
        )
        .await;
    let mut supervisor = Client::new(&app);
    supervisor.login_demo("van-phong").await;
    supervisor.get("/approvals").await;
    let key = support::review_key(&app, &target, "HA-TINH", "2025Q3").await;
    let no_reason = supervisor
        .post_form(
            "/approvals?lang=en",
            &[("key", &key), ("decision", "return")],
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        no_reason.body.contains("A return needs its reason"),
        "{}",
        no_reason.body
    );
    let returned = supervisor
        .post_form(
            "/approvals",
            &[
                ("key", &key),
                ("decision", "return"),
                ("reason", "Thiếu nguồn số liệu"),
            ],
        )
        .await;
    assert_eq!(returned.status, StatusCode::SEE_OTHER);
    let form = reporter
        .get("/units/HA-TINH/entry?period=2025Q3&lang=en")
        .await;
    assert!(form.body.contains("Returned"), "{}", form.body);
    let fixed = reporter
        .post_form(
            "/units/HA-TINH/entry",
            &[("period", "2025Q3"), (&field, "11"), ("action", "submit")],
        )
        .await;
    assert_eq!(fixed.status, StatusCode::SEE_OTHER, "{}", fixed.body);
}

#[tokio::test]
async fn a_closed_period_refuses_entry_until_the_office_reopens_it_for_the_unit() {
    // 2025Q3 ended on 30 September; with 15 days, entry closed after 15 October.
    let app = support::demo_closing("2025-10-20", 15).await;
    let mut reporter = Client::new(&app);
    reporter.login_demo("ha-tinh").await;
    let form = reporter.get("/units/HA-TINH/entry?period=2025Q3").await;
    assert!(
        form.body
            .contains("Kỳ này đã khóa nhập số liệu sau ngày 15/10/2025"),
        "{}",
        form.body
    );
    let field = first_field(&form.body);
    let refused = reporter
        .post_form(
            "/units/HA-TINH/entry",
            &[("period", "2025Q3"), (&field, "10"), ("action", "submit")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .body
            .contains("Kỳ Quý III/2025 đã khóa nhập số liệu sau ngày 15/10/2025"),
        "{}",
        refused.body
    );
    // The reporter cannot reopen; the standing office can, with a reason, by the unit's name.
    assert_eq!(
        reporter.get("/admin/reopen").await.status,
        StatusCode::FORBIDDEN
    );
    let mut office = Client::new(&app);
    office.login_demo("van-phong").await;
    let page = office.get("/admin/reopen").await;
    assert!(
        page.body.contains("15 ngày sau khi kỳ kết thúc"),
        "{}",
        page.body
    );
    let no_reason = office
        .post_form(
            "/admin/reopen",
            &[
                ("unit", "ha tinh"),
                ("period", "2025Q3"),
                ("last_day", "2025-10-27"),
                ("reason", ""),
            ],
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        no_reason.body.contains("Lý do: chưa nhập."),
        "{}",
        no_reason.body
    );
    let too_long = office
        .post_form(
            "/admin/reopen",
            &[
                ("unit", "ha tinh"),
                ("period", "2025Q3"),
                ("last_day", "2026-10-27"),
                ("reason", "Sở gửi muộn"),
            ],
        )
        .await;
    assert_eq!(too_long.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        too_long.body.contains("tối đa 90 ngày"),
        "{}",
        too_long.body
    );
    let reopened = office
        .post_form(
            "/admin/reopen",
            &[
                ("unit", "ha tinh"),
                ("period", "2025Q3"),
                ("last_day", "2025-10-27"),
                ("reason", "Sở Tài chính gửi bổ sung số liệu quý III"),
            ],
        )
        .await;
    assert_eq!(reopened.status, StatusCode::SEE_OTHER, "{}", reopened.body);
    let listed = office.get("/admin/reopen").await;
    assert!(
        listed.body.contains("Hà Tĩnh")
            && listed
                .body
                .contains("Sở Tài chính gửi bổ sung số liệu quý III"),
        "{}",
        listed.body
    );
    let form = reporter.get("/units/HA-TINH/entry?period=2025Q3").await;
    assert!(
        form.body.contains("đến hết ngày 27/10/2025"),
        "{}",
        form.body
    );
    let accepted = reporter
        .post_form(
            "/units/HA-TINH/entry",
            &[("period", "2025Q3"), (&field, "10"), ("action", "submit")],
        )
        .await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.body);
    // Another province's period stays closed.
    let mut nghe_an = Client::new(&app);
    nghe_an.login_demo("nghe-an").await;
    let form = nghe_an.get("/units/NGHE-AN/entry?period=2025Q3").await;
    assert!(form.body.contains("đã khóa nhập số liệu"), "{}", form.body);
    let audit = app
        .state
        .store
        .audit_log(Some("entry HA-TINH"), 5, 0)
        .await
        .unwrap();
    assert_eq!(audit[0].action, "entry.reopen");
    assert_eq!(audit[0].actor, "van-phong");
}

#[tokio::test]
async fn a_reporter_can_neither_write_nor_read_another_provinces_unpublished_data() {
    let app = demo("2025-10-20").await;
    let mut nghe_an = Client::new(&app);
    nghe_an.login_demo("nghe-an").await;
    let form = nghe_an.get("/units/NGHE-AN/entry?period=2025").await;
    assert_eq!(form.status, StatusCode::OK);
    let field = first_field(&form.body);
    let target = field.trim_start_matches("v_").to_string();
    let saved = nghe_an
        .post_form(
            "/units/NGHE-AN/entry",
            &[("period", "2025"), (&field, "0,42"), ("action", "draft")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);

    let mut ha_tinh = Client::new(&app);
    ha_tinh.login_demo("ha-tinh").await;
    assert_eq!(
        ha_tinh.get("/units/NGHE-AN/entry").await.status,
        StatusCode::FORBIDDEN
    );
    let post = ha_tinh
        .post_form(
            "/units/NGHE-AN/entry",
            &[("period", "2025"), (&field, "1"), ("action", "submit")],
        )
        .await;
    assert_eq!(post.status, StatusCode::FORBIDDEN);
    let api = ha_tinh
        .post_json(
            "/api/v1/values",
            serde_json::json!({"values": [{"target": target, "org": "NGHE-AN", "period": "2025", "value": 1.0}], "submit": true}),
        )
        .await;
    assert_eq!(api.status, StatusCode::FORBIDDEN);
    assert_eq!(api.json()["error"]["code"], "outside_capture_scope");
    let read = ha_tinh.get("/api/v1/values?org=NGHE-AN&per_page=500").await;
    assert_eq!(read.status, StatusCode::OK);
    assert!(
        read.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|v| v["state"] == "approved"),
        "only published values of another province"
    );
    let own = nghe_an.get("/api/v1/values?org=NGHE-AN&per_page=500").await;
    assert!(own.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|v| v["state"] == "draft"));
    // The draft is untouched.
    let history = app
        .state
        .store
        .value_history(
            &target.parse().unwrap(),
            &"NGHE-AN".parse().unwrap(),
            "2025".parse().unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].value.get(), 0.42);
}

#[tokio::test]
async fn forms_without_the_csrf_token_are_refused() {
    let app = demo("2025-10-20").await;
    let mut c = Client::new(&app);
    c.login_demo("ha-tinh").await;
    let res = c
        .post_form(
            "/units/HA-TINH/entry",
            &[("csrf", "forged"), ("period", "2025"), ("action", "draft")],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(
        res.body.contains("Phiên làm việc của biểu mẫu đã hết hạn"),
        "{}",
        res.body
    );
    // The API from a browser session needs the token in a header.
    c.csrf = String::new();
    let res = c
        .post_json("/api/v1/values", serde_json::json!({"values": []}))
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(res.json()["error"]["code"], "csrf_failed");
    // A login form posted without its own token is refused too.
    let mut fresh = Client::new(&app);
    let res = fresh
        .post_form(
            "/login",
            &[
                ("username", "ha-tinh"),
                ("password", tiendo_web::DEMO_PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn repeated_failed_logins_are_throttled() {
    let app = demo("2025-10-20").await;
    let mut c = Client::new(&app);
    for _ in 0..5 {
        assert_eq!(
            c.login("ha-tinh", "wrong password").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let res = c.login("ha-tinh", tiendo_web::DEMO_PASSWORD).await;
    assert_eq!(
        res.status,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits"
    );
    // Other users are not affected.
    let mut other = Client::new(&app);
    other.login_demo("nghe-an").await;
    // An unknown user name fails like a wrong password.
    assert_eq!(
        Client::new(&app).login("nobody", "whatever12").await.status,
        StatusCode::UNAUTHORIZED
    );
}

/// Whoever names an account from their own address slows only themselves: the owner, from
/// another address, logs in; an address failing for many accounts is held back as a whole.
#[tokio::test]
async fn an_outsider_cannot_lock_someone_elses_account() {
    let app = demo("2025-10-20").await;
    let mut attacker = Client::new(&app);
    attacker.addr = Some("203.0.113.66:40000".parse().unwrap());
    let mut refused = 0;
    for _ in 0..12 {
        match attacker.login("ha-tinh", "guess guess guess").await.status {
            StatusCode::UNAUTHORIZED => {}
            StatusCode::TOO_MANY_REQUESTS => refused += 1,
            other => panic!("{other}"),
        }
    }
    assert!(
        refused >= 6,
        "the attacker waits after 5 failures: {refused}"
    );
    let waiting = attacker.login("ha-tinh", "guess guess guess").await;
    assert!(waiting.body.contains("giây") || waiting.body.contains("seconds"));

    let mut owner = Client::new(&app);
    owner.addr = Some("198.51.100.7:50000".parse().unwrap());
    let res = owner.login("ha-tinh", tiendo_web::DEMO_PASSWORD).await;
    assert_eq!(
        res.status,
        StatusCode::SEE_OTHER,
        "the owner is not locked out"
    );

    // One address trying many accounts is held back for all of them.
    let mut sprayer = Client::new(&app);
    sprayer.addr = Some("203.0.113.99:40000".parse().unwrap());
    for i in 0..50 {
        sprayer
            .login(&format!("user-{i}"), "guess guess guess")
            .await;
    }
    assert_eq!(
        sprayer
            .login("nghe-an", tiendo_web::DEMO_PASSWORD)
            .await
            .status,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn machine_clients_write_with_api_tokens() {
    let app = demo("2025-10-20").await;
    let mut c = Client::new(&app);
    c.login_demo("ha-tinh").await;
    let page = c
        .post_form("/account/tokens", &[("name", "statistics upload")])
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let start = page.body.find("id=\"new-token\">").unwrap() + "id=\"new-token\">".len();
    let token = page.body[start..start + 64].to_string();

    let mut machine = Client::new(&app);
    machine.bearer = Some(token);
    let me = machine.get("/api/v1/me").await;
    assert_eq!(me.json()["username"], "ha-tinh");
    let form = c.get("/units/HA-TINH/entry?period=2025Q3").await;
    let target = first_field(&form.body).trim_start_matches("v_").to_string();
    let res = machine
        .post_json(
            "/api/v1/values",
            serde_json::json!({"values": [{"target": target, "org": "HA-TINH", "period": "2025Q3", "value": 5.5}], "submit": true}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    assert_eq!(res.json()["written"], 1);
    // A wrong period kind names the field.
    let res = machine
        .post_json(
            "/api/v1/values",
            serde_json::json!({"values": [{"target": target, "org": "HA-TINH", "period": "2025W3", "value": 5.5}]}),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.json()["error"]["message"]
        .as_str()
        .unwrap()
        .starts_with("values[0].period"));

    // Revoked on the account page, the token stops working at once.
    let account = c.get("/account").await;
    let id = support::hidden(&account.body, "id").expect("the token is listed");
    let revoked = c.post_form("/account/tokens/revoke", &[("id", &id)]).await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER);
    assert_eq!(
        machine.get("/api/v1/me").await.status,
        StatusCode::UNAUTHORIZED
    );

    let mut forged = Client::new(&app);
    forged.bearer = Some("0".repeat(64));
    let res = forged.get("/api/v1/me").await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert_eq!(res.json()["error"]["code"], "unauthorized");
}

#[tokio::test]
async fn every_api_route_is_in_the_openapi_document() {
    let app = demo("2025-10-20").await;
    let doc = Client::new(&app).get("/api/v1/openapi.json").await;
    assert_eq!(doc.status, StatusCode::OK);
    let doc = doc.json();
    let mut checked = 0;
    for (method, path, _) in tiendo_web::api::table() {
        let entry = &doc["paths"][path][method.as_str().to_lowercase()];
        assert!(entry.is_object(), "{method} {path} has no OpenAPI entry");
        assert!(
            entry["summary"].as_str().is_some_and(|s| !s.is_empty()),
            "{method} {path} has no summary"
        );
        // Writes take typed bodies, never an untyped object.
        if let Some(schema) =
            entry["requestBody"]["content"]["application/json"]["schema"].as_object()
        {
            assert!(
                schema.contains_key("$ref"),
                "{method} {path} takes an untyped body: {schema:?}"
            );
        }
        // Answers are typed too: a schema of their own, never a bare object.
        for (status, response) in entry["responses"].as_object().unwrap() {
            for (kind, content) in response["content"].as_object().into_iter().flatten() {
                if kind != "application/json" {
                    continue;
                }
                let schema = &content["schema"];
                assert!(
                    schema.get("$ref").is_some() || schema.get("properties").is_some(),
                    "{method} {path} answers {status} {kind} untyped: {schema}"
                );
            }
        }
        checked += 1;
    }
    assert!(checked >= 13);
    let ui = Client::new(&app).get("/api/v1/docs/").await;
    assert_eq!(ui.status, StatusCode::OK);
    assert!(
        ui.body.contains("swagger"),
        "the UI is served from the binary"
    );
    let missing = Client::new(&app).get("/api/v1/nothing").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.json()["error"]["code"], "route_not_found");
}

#[tokio::test]
async fn lists_are_paginated() {
    let app = demo("2025-10-20").await;
    let mut c = Client::new(&app);
    let first = c.get("/api/v1/targets?per_page=5").await.json();
    let second = c.get("/api/v1/targets?per_page=5&page=2").await.json();
    assert_eq!(first["items"].as_array().unwrap().len(), 5);
    assert_eq!(first["total"], second["total"]);
    assert_ne!(first["items"][0]["code"], second["items"][0]["code"]);
    let tasks = c.get("/api/v1/tasks?status=overdue").await;
    assert_eq!(tasks.status, StatusCode::OK);
    assert!(tasks.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["status"] == "overdue"));
    let bad = c.get("/api/v1/tasks?status=late").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.json()["error"]["code"], "invalid_status");
}

#[tokio::test]
async fn administrators_create_accounts_and_the_audit_log_shows_it() {
    let app = demo("2025-10-20").await;
    let mut admin = Client::new(&app);
    admin.login_demo("admin").await;
    admin.get("/admin/users").await;
    let bad = admin
        .post_form(
            "/admin/users?lang=en",
            &[
                ("username", "xa-ky-anh"),
                ("display_name", "Xã Kỳ Anh"),
                ("password", "short"),
                ("role", "reporter"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("at least 12 characters") && bad.body.contains("needs a capture scope"),
        "{}",
        bad.body
    );
    let ok = admin
        .post_form(
            "/admin/users?lang=en",
            &[
                ("username", "xa-ky-anh"),
                ("display_name", "Xã Kỳ Anh"),
                ("password", "mật khẩu đủ dài"),
                ("role", "reporter"),
                // The unit by its name, without diacritics.
                ("capture", "ha tinh"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    // The scope is listed by the unit's name; refusals are worded and name what is wrong.
    let listed = admin.get("/admin/users").await.body;
    assert!(listed.contains("\">Hà Tĩnh</td>"), "{listed}");
    for (capture, said) in [
        (
            "Atlantis",
            "Phạm vi nhập liệu: không có đơn vị nào có tên hoặc mã “Atlantis”.",
        ),
        ("HA-TINH", "Tên đăng nhập “xa-ky-anh” đã có người dùng"),
    ] {
        let refused = admin
            .post_form(
                "/admin/users",
                &[
                    ("username", "xa-ky-anh"),
                    ("display_name", "Xã Kỳ Anh"),
                    ("password", "mật khẩu đủ dài"),
                    ("role", "reporter"),
                    ("capture", capture),
                ],
            )
            .await;
        assert!(refused.body.contains(said), "{}", refused.body);
    }
    // An administrator cannot lock themselves out.
    let own = admin
        .post_form("/admin/users/admin/active", &[("active", "false")])
        .await;
    assert_eq!(own.status, StatusCode::CONFLICT);
    assert!(
        own.body.contains("Không thể tự khóa tài khoản"),
        "{}",
        own.body
    );
    assert!(admin
        .get("/admin/users")
        .await
        .body
        .contains("Tài khoản của bạn"));
    // Ten spaces, or the user name inside, are refused, in Vietnamese by default.
    for (password, refusal) in [
        ("          ", "Mật khẩu không được chỉ gồm dấu cách."),
        (
            "xa-ky-anh-2026-01",
            "Mật khẩu không được chứa tên đăng nhập.",
        ),
    ] {
        let refused = admin
            .post_form(
                "/admin/users",
                &[
                    ("username", "xa-ky-anh-2"),
                    ("display_name", "Xã Kỳ Anh"),
                    ("password", password),
                    ("role", "reporter"),
                    ("capture", "HA-TINH"),
                ],
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.body.contains(refusal), "{}", refused.body);
    }
    let mut new_user = Client::new(&app);
    assert_eq!(
        new_user.login("xa-ky-anh", "mật khẩu đủ dài").await.status,
        StatusCode::SEE_OTHER
    );
    // The administrator chose that password: the officer chooses their own before anything.
    let elsewhere = new_user.get("/tasks").await;
    assert_eq!(elsewhere.status, StatusCode::SEE_OTHER);
    assert_eq!(elsewhere.location, "/account/password");
    let form = new_user.get("/account/password").await;
    assert!(
        form.body
            .contains("Mật khẩu của tài khoản này do người khác đặt"),
        "{}",
        form.body
    );
    let same = new_user
        .post_form(
            "/account/password",
            &[
                ("current", "mật khẩu đủ dài"),
                ("new", "mật khẩu đủ dài"),
                ("again", "mật khẩu đủ dài"),
            ],
        )
        .await;
    assert_eq!(same.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(same
        .body
        .contains("Mật khẩu mới phải khác mật khẩu hiện tại."));
    let changed = new_user
        .post_form(
            "/account/password",
            &[
                ("current", "mật khẩu đủ dài"),
                ("new", "sông Lam xanh mãi năm 2026"),
                ("again", "sông Lam xanh mãi năm 2026"),
            ],
        )
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.body);
    assert_eq!(new_user.get("/tasks").await.status, StatusCode::OK);

    let mut inspector = Client::new(&app);
    inspector.login_demo("thanh-tra").await;
    let audit = inspector.get("/admin/audit?lang=en").await;
    assert_eq!(audit.status, StatusCode::OK);
    // The action and the kind of object are worded; the account's name is shown as recorded.
    assert!(audit.body.contains("Account created") && audit.body.contains("account xa-ky-anh"));
    let vi = inspector.get("/admin/audit?lang=vi").await.body;
    assert!(vi.contains("Tạo tài khoản") && vi.contains("tài khoản xa-ky-anh"));
    // Each lane's head is shown to note down; verifying walks the whole log.
    assert!(vi.contains("Mã băm cuối của từng nhánh chuỗi"), "{vi}");
    assert!(vi.contains("Nhánh 1 ("), "{vi}");
    let verified = inspector.get("/admin/audit?verify=true&lang=vi").await.body;
    assert!(verified.contains("Chuỗi nhật ký nguyên vẹn"), "{verified}");
    assert!(
        !audit.body.contains("argon2"),
        "no password hash in the log"
    );
    let mut reporter = Client::new(&app);
    reporter.login_demo("ha-tinh").await;
    assert_eq!(
        reporter.get("/admin/audit").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        reporter.get("/admin/users").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn catalogue_pages_show_the_cascade_charts_and_tasks() {
    let app = demo("2025-10-20").await;
    let mut c = Client::new(&app);
    let doc = c.get("/documents/57-NQ/TW?lang=en").await;
    assert_eq!(doc.status, StatusCode::OK);
    assert!(
        doc.body.contains("Implemented by") && doc.body.contains("/targets/T2"),
        "{}",
        doc.body
    );
    let target = c.get("/targets/DTI?lang=en").await;
    assert_eq!(target.status, StatusCode::OK);
    assert!(target.body.contains("<svg") && target.body.contains("Values by unit"));
    let board = c.get("/tasks?lang=en&unit=MPS-C06").await;
    assert_eq!(board.status, StatusCode::OK);
    assert!(
        board.body.contains("Tasks: 6"),
        "C06 leads four and coordinates two"
    );
    let index = c.get("/indices/dti-like").await;
    assert_eq!(index.status, StatusCode::OK);
    assert_eq!(
        c.get("/indices/nothing").await.status,
        StatusCode::NOT_FOUND
    );
    let unit = c.get("/units/VN?lang=en").await;
    assert!(unit.body.contains("Indicators"));
}

#[tokio::test]
async fn progress_is_reported_within_the_capture_scope() {
    let app = demo("2025-10-20").await;
    let tasks = app
        .state
        .store
        .tasks(&tiendo_storage::TaskFilter::all(
            tiendo_domain::tasks::Clearance::Internal,
        ))
        .await
        .unwrap();
    let task = &tasks[0];
    // The standing office reports for any unit; a province reporter only for its own.
    let mut c = Client::new(&app);
    c.login_demo("van-phong").await;
    let page = c.get(&format!("/tasks/{}?lang=en", task.code)).await;
    assert!(page.body.contains("Report progress"));
    let bad = c
        .post_form(
            &format!("/tasks/{}/progress?lang=en", task.code),
            &[("percent", "150"), ("narrative", "")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("describe what was done"));
    let ok = c
        .post_form(
            &format!("/tasks/{}/progress", task.code),
            &[("percent", "60"), ("narrative", "Đã ban hành kế hoạch")],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    let page = c.get(&ok.location).await;
    assert!(page.body.contains("Đã ban hành kế hoạch"));
    let mut reporter = Client::new(&app);
    reporter.login_demo("ha-tinh").await;
    let page = reporter.get(&format!("/tasks/{}?lang=en", task.code)).await;
    assert!(
        !page.body.contains("Report progress"),
        "no form outside the scope"
    );
    let foreign = reporter
        .post_form(
            &format!("/tasks/{}/progress", task.code),
            &[("percent", "60"), ("narrative", "x")],
        )
        .await;
    assert_eq!(foreign.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_standing_office_defines_and_assigns() {
    let app = demo("2025-10-20").await;
    let mut office = Client::new(&app);
    office.login_demo("van-phong").await;
    let page = office.get("/admin/define?lang=en").await;
    assert_eq!(page.status, StatusCode::OK);
    // A lead unit that does not exist is refused, naming it, and what was typed stays.
    let bad = office
        .post_form(
            "/admin/define/task?lang=en",
            &[
                ("code", "HT-KH-1"),
                ("document", "57-NQ/TW"),
                ("title_vi", "Số hóa hồ sơ cấp xã"),
                ("title_en", "Digitise commune records"),
                ("lead", "ATLANTIS"),
                ("deadline", "2026-06-30"),
                ("confidentiality", "internal"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body
            .contains("Lead: no unit has the name or code “ATLANTIS”."),
        "{}",
        bad.body
    );
    assert!(bad.body.contains("Digitise commune records"));
    let ok = office
        .post_form(
            "/admin/define/task?lang=en",
            &[
                ("code", "HT-KH-1"),
                ("document", "57-NQ/TW"),
                ("title_vi", "Số hóa hồ sơ cấp xã"),
                // Units by name, with or without diacritics; the code works too.
                ("lead", "Hà Tĩnh"),
                ("coordinators", "nghe an\nQUANG-TRI"),
                ("deadline", "2026-06-30"),
                ("confidentiality", "internal"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    // A target with a goal, reported by provinces.
    let target = office
        .post_form(
            "/admin/define/target?lang=en",
            &[
                ("code", "HT-NEW"),
                ("document", "57-NQ/TW"),
                // The section chosen carries its document.
                ("group", "57-NQ/TW|TG5"),
                ("name_vi", "Tỷ lệ dịch vụ công trực tuyến"),
                ("unit", "%"),
                ("family", "operational"),
                ("direction", "increase"),
                ("periodicity", "yearly"),
                ("aggregation", "mean"),
                ("goal_op", ">="),
                ("goal_value", "80"),
                ("goal_year", "2030"),
                ("reporter_kind_province", "1"),
            ],
        )
        .await;
    assert_eq!(target.status, StatusCode::SEE_OTHER, "{}", target.body);
    let unknown = office
        .post_form(
            "/admin/define/document?lang=en",
            &[("code", "X"), ("kind", "memo"), ("title_vi", "x")],
        )
        .await;
    assert!(
        unknown.body.contains("Form: the form could not be read"),
        "{}",
        unknown.body
    );
    // The Vietnamese title is the one required, named in the reader's language.
    let untitled = office
        .post_form(
            "/admin/define/document",
            &[("code", "X"), ("kind", "plan"), ("title_en", "x")],
        )
        .await;
    assert_eq!(untitled.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        untitled.body.contains("Tiêu đề tiếng Việt: chưa nhập."),
        "{}",
        untitled.body
    );
    // Every refusal is worded in Vietnamese and names its field: a code taken, a unit that
    // does not exist, a deadline before the start, a goal against the target's direction.
    let task = |code: &'static str, lead: &'static str, start: &'static str| {
        vec![
            ("code", code),
            ("document", "57-NQ/TW"),
            ("title_vi", "Số hóa hồ sơ"),
            ("lead", lead),
            ("start", start),
            ("deadline", "2026-06-30"),
            ("confidentiality", "internal"),
        ]
    };
    for (fields, said) in [
        (
            task("HT-KH-1", "HA-TINH", ""),
            "Mã: mã “HT-KH-1” đã được dùng; hãy chọn mã khác.",
        ),
        (
            task("HT KH", "HA-TINH", ""),
            "Mã: mã không được chứa dấu cách.",
        ),
        (
            task("HT-KH-2", "Atlantis", ""),
            "Chủ trì: không có đơn vị nào có tên hoặc mã “Atlantis”.",
        ),
        (
            task("HT-KH-2", "HA-TINH", "2026-07-01"),
            "Thời hạn: thời hạn hoàn thành trước ngày bắt đầu.",
        ),
    ] {
        let r = office.post_form("/admin/define/task", &fields).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains(said), "{said}: {}", r.body);
    }
    let backwards = office
        .post_form(
            "/admin/define/target",
            &[
                ("code", "HT-NEW-2"),
                ("name_vi", "Tỷ lệ hồ sơ giấy"),
                ("unit", "%"),
                ("family", "operational"),
                ("direction", "increase"),
                ("periodicity", "yearly"),
                ("aggregation", "mean"),
                ("goal_op", "<="),
                ("goal_value", "10"),
                ("goal_year", "2030"),
            ],
        )
        .await
        .body;
    assert!(
        backwards.contains("Mục tiêu: mục tiêu không phù hợp với xu hướng"),
        "{backwards}"
    );

    // The reporter of the lead unit sees the task and may report on it.
    let mut reporter = Client::new(&app);
    reporter.login_demo("ha-tinh").await;
    let task = reporter.get("/tasks/HT-KH-1?lang=en").await;
    assert_eq!(task.status, StatusCode::OK);
    assert!(task.body.contains("Report progress"));
    // The new target appears once the overview is recomputed.
    let mut seen = false;
    for _ in 0..100 {
        if app.state.overview().snapshot.targets.iter().any(|t| {
            t.code.as_str() == "HT-NEW" && t.group.as_ref().is_some_and(|g| g.as_str() == "TG5")
        }) {
            seen = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(seen);
    assert_eq!(reporter.get("/targets/HT-NEW").await.status, StatusCode::OK);
    // Withdrawn by the standing office, once.
    office.get("/tasks/HT-KH-1").await;
    let closed = office
        .post_form("/tasks/HT-KH-1/close", &[("how", "cancelled")])
        .await;
    assert_eq!(closed.status, StatusCode::SEE_OTHER);
    let again = office
        .post_json(
            "/api/v1/tasks/HT-KH-1/close",
            serde_json::json!({"how": "completed"}),
        )
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("already closed"));
    let actions: Vec<String> = app
        .state
        .store
        .audit_log(Some("task HT-KH-1"), 10, 0)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(actions, ["task.cancel", "task.create"]);
}

#[tokio::test]
async fn dhis2_data_value_sets_are_imported_whole_with_counts_and_a_dry_run() {
    let app = demo("2025-10-20").await;
    let mut c = Client::new(&app);
    c.login_demo("ha-tinh").await;
    let form = c.get("/units/HA-TINH/entry?period=2025Q3").await;
    let target = first_field(&form.body).trim_start_matches("v_").to_string();
    let set = serde_json::json!({"dataSet": "NQ57", "orgUnit": "HA-TINH", "dataValues": [
        {"dataElement": target, "period": "2025Q3", "value": "12.5"},
        {"dataElement": target, "period": "2025Q4", "value": 13},
    ]});
    let dry = c
        .post_json("/api/v1/dataValueSets?dryRun=true", set.clone())
        .await;
    assert_eq!(dry.status, StatusCode::OK, "{}", dry.body);
    assert_eq!(dry.json()["importCount"]["imported"], 2);
    assert_eq!(dry.json()["dryRun"], true);
    assert!(app
        .state
        .store
        .value_history(
            &target.parse().unwrap(),
            &"HA-TINH".parse().unwrap(),
            "2025Q3".parse().unwrap()
        )
        .await
        .unwrap()
        .is_empty());
    let done = c
        .post_json("/api/v1/dataValueSets", set.clone())
        .await
        .json();
    assert_eq!(
        (
            done["status"].as_str(),
            done["importCount"]["imported"].as_u64()
        ),
        (Some("SUCCESS"), Some(2))
    );
    let again = c.post_json("/api/v1/dataValueSets", set).await.json();
    assert_eq!(
        again["importCount"]["ignored"], 2,
        "identical values are ignored"
    );
    let bad = c
        .post_json(
            "/api/v1/dataValueSets",
            serde_json::json!({"dataValues": [
                {"dataElement": target, "period": "2025Q3", "orgUnit": "HA-TINH", "value": "1"},
                {"dataElement": target, "period": "2025Q9", "orgUnit": "HA-TINH", "value": "1"},
            ]}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::CONFLICT);
    assert_eq!(bad.json()["conflicts"][0]["object"], "dataValues[2].period");
    let export = c
        .get(&format!(
            "/api/v1/dataValueSets?dataElement={target}&orgUnit=HA-TINH"
        ))
        .await
        .json();
    assert_eq!(export["dataValues"].as_array().unwrap().len(), 2);
    let audit = app.state.store.audit_log(None, 1, 0).await.unwrap();
    assert_eq!(
        (audit[0].action.as_str(), audit[0].actor.as_str()),
        ("values.import", "ha-tinh")
    );
}

#[tokio::test]
async fn officers_choose_how_they_hear_of_warnings_and_a_returned_value_is_queued() {
    let app = support::demo("2025-10-20").await;
    let mut officer = support::Client::new(&app);
    officer.login_demo("ha-tinh").await;
    let bad = officer
        .post_form(
            "/account/notifications",
            &[("email", "nope"), ("mode", "immediate")],
        )
        .await;
    assert_eq!(bad.status, axum::http::StatusCode::UNPROCESSABLE_ENTITY);
    let ok = officer
        .post_form(
            "/account/notifications",
            &[("email", "ha-tinh@example.vn"), ("mode", "immediate")],
        )
        .await;
    assert_eq!(ok.status, axum::http::StatusCode::SEE_OTHER);
    let page = officer.get("/account").await;
    assert!(page.body.contains("value=\"ha-tinh@example.vn\""));

    // Hà Tĩnh submits, the standing office returns it: Hà Tĩnh's officer is told.
    let target = app
        .state
        .overview()
        .snapshot
        .targets
        .iter()
        .find(|t| {
            t.periodicity == tiendo_domain::periods::Periodicity::Yearly
                && t.reporters.includes(
                    &"HA-TINH".parse().unwrap(),
                    tiendo_domain::orgs::OrgKind::Province,
                )
        })
        .unwrap()
        .code
        .to_string();
    officer.get("/units/HA-TINH/entry?period=2024").await;
    let field = format!("v_{target}");
    let sent = officer
        .post_form(
            "/units/HA-TINH/entry",
            &[("period", "2024"), (&field, "0,3"), ("action", "submit")],
        )
        .await;
    assert_eq!(
        sent.status,
        axum::http::StatusCode::SEE_OTHER,
        "{}",
        sent.body
    );
    let mut office = support::Client::new(&app);
    office.login_demo("van-phong").await;
    office.get("/approvals").await;
    let key = support::review_key(&app, &target, "HA-TINH", "2024").await;
    let returned = office
        .post_form(
            "/approvals",
            &[
                ("key", &key),
                ("decision", "return"),
                ("reason", "source missing"),
            ],
        )
        .await;
    assert!(returned.status.is_redirection(), "{}", returned.body);
    // The day's warnings may be queued meanwhile by a background refresh: count the returns.
    let queued = app
        .state
        .store
        .claim_notifications(
            chrono::Utc::now(),
            false,
            None,
            chrono::Duration::minutes(1),
            1000,
        )
        .await
        .unwrap();
    let returns: Vec<_> = queued
        .iter()
        .filter(|n| n.event == "value-returned")
        .collect();
    assert_eq!(
        returns.len(),
        1,
        "one e-mail queued for ha-tinh: {queued:#?}"
    );
    let mail = returns[0];
    assert_eq!(mail.recipient, "ha-tinh@example.vn");
    assert!(
        mail.subject.starts_with("[tiendo] Số liệu bị trả lại: "),
        "{}",
        mail.subject
    );
    assert!(mail.body.contains("Lý do: source missing"), "{}", mail.body);
    assert!(mail.body.contains("— English —"), "{}", mail.body);

    // The reporter sees the reason on the page they land on and beside the value, until
    // resubmitting.
    let home = officer.get("/work").await;
    assert!(
        home.body.contains("Số liệu bị trả lại cần chỉnh sửa"),
        "{}",
        home.body
    );
    assert!(home.body.contains("source missing"), "{}", home.body);
    assert!(
        home.body.contains("/units/HA-TINH/entry?period=2024"),
        "{}",
        home.body
    );
    let entry = officer.get("/units/HA-TINH/entry?period=2024").await;
    assert!(
        entry
            .body
            .contains("Lý do trả lại: source missing (người trả lại: Văn phòng Ban Chỉ đạo)"),
        "{}",
        entry.body
    );
    let again = officer
        .post_form(
            "/units/HA-TINH/entry",
            &[("period", "2024"), (&field, "0,35"), ("action", "submit")],
        )
        .await;
    assert_eq!(
        again.status,
        axum::http::StatusCode::SEE_OTHER,
        "{}",
        again.body
    );
    let home = officer.get("/work").await;
    assert!(!home.body.contains("source missing"), "{}", home.body);
}

#[tokio::test]
async fn open_sdg_series_are_imported_and_exported_through_the_api() {
    use axum::http::{Method, StatusCode};
    let app = support::demo("2026-03-02").await;
    let mut officer = support::Client::new(&app);
    officer.login_demo("ha-tinh").await;
    let csv = "Year,Units,Value\n2023,%,31.5\n2024,%,33\n";
    let dry = officer
        .send(
            Method::POST,
            "/api/v1/opensdg/HT-T1/HA-TINH?dryRun=true",
            "text/csv",
            csv,
        )
        .await;
    assert_eq!(dry.status, StatusCode::OK, "{}", dry.body);
    assert_eq!(dry.json()["importCount"]["imported"], 2, "{}", dry.body);
    let done = officer
        .send(
            Method::POST,
            "/api/v1/opensdg/HT-T1/HA-TINH",
            "text/csv",
            csv,
        )
        .await;
    assert_eq!(done.json()["status"], "SUCCESS", "{}", done.body);
    let bad = officer
        .send(
            Method::POST,
            "/api/v1/opensdg/HT-T1/HA-TINH",
            "text/csv",
            "Year,Value\n2023,1\n2024,many\n",
        )
        .await;
    assert_eq!(bad.status, StatusCode::CONFLICT);
    assert_eq!(
        bad.json()["conflicts"][0]["object"],
        "lines[3].Value",
        "{}",
        bad.body
    );
    let foreign = officer
        .send(
            Method::POST,
            "/api/v1/opensdg/HT-T1/NGHE-AN",
            "text/csv",
            csv,
        )
        .await;
    assert_eq!(foreign.status, StatusCode::FORBIDDEN);
    let export = officer.get("/api/v1/opensdg/HT-T1/HA-TINH").await;
    assert!(
        export.body.starts_with("Year,Units,Value"),
        "{}",
        export.body
    );
}

#[tokio::test]
async fn definitions_through_the_api_are_vietnamese_first_and_refusals_name_the_field() {
    let app = support::demo("2025-10-20").await;
    let mut office = support::Client::new(&app);
    office.login_demo("van-phong").await;
    office.get("/admin/define").await;
    // A Vietnamese name alone is enough; the English one falls back to it.
    let added = office
        .post_json(
            "/api/v1/targets",
            serde_json::json!({
                "code": "HT-API-1", "name_vi": "Tỷ lệ hồ sơ trực tuyến", "family": "operational",
                "unit": "%", "direction": "increase", "periodicity": "yearly",
                "aggregation": {"method": "mean"}, "source": "javascript:alert(1)"
            }),
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    app.state.refresh().await.unwrap();
    let page = office.get("/targets/HT-API-1").await;
    assert!(
        page.body.contains("Tỷ lệ hồ sơ trực tuyến"),
        "{}",
        page.body
    );
    // Only http(s) sources become links: a script address stays text for every visitor.
    assert!(!page.body.contains("href=\"javascript:"), "{}", page.body);
    assert!(page.body.contains("javascript:alert(1)"), "{}", page.body);
    // An unknown enumeration names its field; so does a field the API does not know.
    for (body, field) in [
        (
            serde_json::json!({"code": "HT-API-2", "name_vi": "X", "family": "operational",
                "unit": "%", "direction": "upwards", "periodicity": "yearly",
                "aggregation": {"method": "mean"}}),
            "direction",
        ),
        (
            serde_json::json!({"code": "HT-API-3", "kind": "province", "name_vi": "Y",
                "synthetic": true}),
            "synthetic",
        ),
    ] {
        let uri = if field == "synthetic" {
            "/api/v1/units"
        } else {
            "/api/v1/targets"
        };
        let refused = office.post_json(uri, body).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        let error = refused.json();
        assert_eq!(error["error"]["code"], "invalid_body");
        assert!(
            error["error"]["message"].as_str().unwrap().contains(field),
            "{error}"
        );
    }
}

#[tokio::test]
async fn an_unusual_change_goes_to_review_only_explained_and_is_flagged_there() {
    let app = demo("2025-10-20").await;
    let mut reporter = Client::new(&app);
    reporter.login_demo("ha-tinh").await;
    // Hà Tĩnh's published area in 2024 is 5,990.7 km²; four times that is a typing error
    // more often than a fact.
    let unexplained = reporter
        .post_form(
            "/units/HA-TINH/entry",
            &[
                ("period", "2025"),
                ("v_AREA", "23962,8"),
                ("action", "submit"),
            ],
        )
        .await;
    assert_eq!(unexplained.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        unexplained
            .body
            .contains("Thay đổi bất thường so với kỳ trước (5.990,70 → 23.962,80)"),
        "{}",
        unexplained.body
    );
    assert!(
        app.state
            .store
            .values(&tiendo_storage::ValueFilter {
                target: Some("AREA".parse().unwrap()),
                org: Some("HA-TINH".parse().unwrap()),
            })
            .await
            .unwrap()
            .iter()
            .all(|v| v.period.to_string() != "2025"),
        "nothing was written"
    );
    // Explained, it goes to review, and the reviewer sees the flag beside the comment.
    let explained = reporter
        .post_form(
            "/units/HA-TINH/entry",
            &[
                ("period", "2025"),
                ("v_AREA", "23962,8"),
                ("c_AREA", "Sáp nhập tỉnh theo Nghị quyết của Quốc hội"),
                ("action", "submit"),
            ],
        )
        .await;
    assert_eq!(
        explained.status,
        StatusCode::SEE_OTHER,
        "{}",
        explained.body
    );
    let mut office = Client::new(&app);
    office.login_demo("van-phong").await;
    let queue = office.get("/approvals").await;
    assert!(
        queue
            .body
            .contains("Thay đổi bất thường: 5.990,70 → 23.962,80")
            && queue
                .body
                .contains("Sáp nhập tỉnh theo Nghị quyết của Quốc hội"),
        "{}",
        queue.body
    );
}

#[tokio::test]
async fn a_qualitative_target_takes_reached_or_not_with_its_evidence() {
    let app = demo("2025-10-20").await;
    let mut reporter = Client::new(&app);
    reporter.login_demo("ha-tinh").await;
    let form = reporter.get("/units/HA-TINH/entry?period=2025").await;
    assert!(
        form.body.contains("<select id=\"v_HT-T8\"") && form.body.contains("Đã đạt"),
        "a milestone is chosen, not typed"
    );
    let bare = reporter
        .post_form(
            "/units/HA-TINH/entry",
            &[("period", "2025"), ("v_HT-T8", "1"), ("action", "submit")],
        )
        .await;
    assert_eq!(bare.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bare.body.contains("Chỉ tiêu định tính"), "{}", bare.body);
    let impossible = reporter
        .post_form(
            "/units/HA-TINH/entry",
            &[
                ("period", "2025"),
                ("v_HT-T8", "7"),
                ("c_HT-T8", "Đã phủ sóng"),
                ("action", "submit"),
            ],
        )
        .await;
    assert_eq!(impossible.status, StatusCode::UNPROCESSABLE_ENTITY);
    let done = reporter
        .post_form(
            "/units/HA-TINH/entry",
            &[
                ("period", "2025"),
                ("v_HT-T8", "1"),
                (
                    "c_HT-T8",
                    "Mạng 5G phủ sóng 100% xã, phường theo báo cáo của nhà mạng",
                ),
                ("action", "submit"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let stored = app
        .state
        .store
        .values(&tiendo_storage::ValueFilter {
            target: Some("HT-T8".parse().unwrap()),
            org: Some("HA-TINH".parse().unwrap()),
        })
        .await
        .unwrap();
    assert!(stored.iter().any(|v| v.period.to_string() == "2025"
        && v.value.get() == 1.0
        && v.comment.as_deref().is_some_and(|c| c.contains("5G"))));
    let again = reporter.get("/units/HA-TINH/entry?period=2025").await;
    assert!(
        again.body.contains("Đã đạt <small>(Đã gửi)</small>"),
        "{}",
        again.body
    );
}

#[tokio::test]
async fn shares_that_add_up_to_more_than_the_whole_are_refused_beside_each_field() {
    let app = demo("2025-10-20").await;
    let mut reporter = Client::new(&app);
    reporter.login_demo("ha-tinh").await;
    let shares = |industry: &'static str, services: &'static str, agriculture: &'static str| {
        vec![
            ("period", "2025"),
            ("v_GRDP-INDUSTRY", industry),
            ("v_GRDP-SERVICES", services),
            ("v_GRDP-AGRICULTURE", agriculture),
            ("action", "submit"),
        ]
    };
    // With an impossible share elsewhere on the form: every problem shows in one answer.
    let mut with_impossible = shares("45", "45", "15");
    with_impossible.push(("v_HT-T1", "150"));
    let over = reporter
        .post_form("/units/HA-TINH/entry", &with_impossible)
        .await;
    assert_eq!(over.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        over.body
            .contains("150 không phải là giá trị có thể có của chỉ tiêu Đóng góp của năng suất các nhân tố tổng hợp (TFP) vào tăng trưởng kinh tế (HT-T1)"),
        "{}",
        over.body
    );
    for field in ["GRDP-INDUSTRY", "GRDP-SERVICES", "GRDP-AGRICULTURE"] {
        let error = format!("id=\"v_{field}-error\" class=\"error\">Không khớp với quy tắc kiểm tra: Tỷ trọng công nghiệp");
        assert!(over.body.contains(&error), "{field}: {}", over.body);
    }
    assert!(over.body.contains("theo số liệu nhập là 105, so với 100"));
    // A draft may hold them while the reporter checks the figures.
    let draft = reporter
        .post_form(
            "/units/HA-TINH/entry",
            &[
                ("period", "2025"),
                ("v_GRDP-INDUSTRY", "45"),
                ("action", "draft"),
            ],
        )
        .await;
    assert_eq!(draft.status, StatusCode::SEE_OTHER, "{}", draft.body);
    let fine = reporter
        .post_form("/units/HA-TINH/entry", &shares("42", "44", "13,5"))
        .await;
    assert_eq!(fine.status, StatusCode::SEE_OTHER, "{}", fine.body);
}

#[tokio::test]
async fn the_standing_office_adds_a_validation_rule_and_withdraws_it() {
    let app = demo("2025-10-20").await;
    let mut office = Client::new(&app);
    office.login_demo("van-phong").await;
    let page = office.get("/admin/define").await;
    // The shipped rule is listed by its name, with its targets' names.
    assert!(page.body.contains("Quy tắc kiểm tra"), "{}", page.body);
    assert!(page.body.contains("GRDP-SECTOR-SHARES"));
    let added = office
        .post_form(
            "/admin/define/rule",
            &[
                ("code", "HT-INDUSTRY-CAP"),
                (
                    "name_vi",
                    "Tỷ trọng công nghiệp và xây dựng không vượt quá 40% GRDP",
                ),
                ("left", "GRDP-INDUSTRY"),
                ("op", "<="),
                ("constant", "40"),
                ("source", "Thử nghiệm của văn phòng"),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let listed = office.get("/admin/define?done=rule").await;
    assert!(listed.body.contains("Đã thêm quy tắc kiểm tra."));
    assert!(listed.body.contains("không vượt quá 40% GRDP"));
    let again = office
        .post_form(
            "/admin/define/rule",
            &[
                ("code", "HT-INDUSTRY-CAP"),
                ("name_vi", "x"),
                ("left", "GRDP-INDUSTRY"),
                ("op", "<="),
            ],
        )
        .await;
    assert!(
        again.body.contains("Mã: mã “HT-INDUSTRY-CAP” đã được dùng"),
        "{}",
        again.body
    );
    let sideless = office
        .post_form(
            "/admin/define/rule",
            &[("code", "R2"), ("name_vi", "x"), ("op", "<=")],
        )
        .await;
    assert!(
        sideless
            .body
            .contains("Vế trái: tổng các chỉ tiêu: chưa nhập."),
        "{}",
        sideless.body
    );

    // A reporter's submission that breaks it is refused with its name beside the field.
    let mut reporter = Client::new(&app);
    reporter.login_demo("ha-tinh").await;
    let industry = |v: &'static str| {
        vec![
            ("period", "2025"),
            ("v_GRDP-INDUSTRY", v),
            ("v_GRDP-SERVICES", "40"),
            ("v_GRDP-AGRICULTURE", "10"),
            ("action", "submit"),
        ]
    };
    let refused = reporter
        .post_form("/units/HA-TINH/entry", &industry("45"))
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .body
            .contains("Tỷ trọng công nghiệp và xây dựng không vượt quá 40% GRDP"),
        "{}",
        refused.body
    );
    // Withdrawn, it refuses nothing more, from the next submission on (the rules the
    // refusal just read are not used again after a change).
    let withdrawn = office
        .post_form(
            "/admin/define/rule-withdraw",
            &[("code", "HT-INDUSTRY-CAP")],
        )
        .await;
    assert_eq!(
        withdrawn.status,
        StatusCode::SEE_OTHER,
        "{}",
        withdrawn.body
    );
    let fine = reporter
        .post_form("/units/HA-TINH/entry", &industry("45"))
        .await;
    assert_eq!(fine.status, StatusCode::SEE_OTHER, "{}", fine.body);
    // A reporter may not define rules.
    let forbidden = reporter
        .post_form(
            "/admin/define/rule",
            &[
                ("code", "R3"),
                ("name_vi", "x"),
                ("left", "GRDP-INDUSTRY"),
                ("op", "<="),
            ],
        )
        .await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn validation_rules_through_the_api() {
    let app = demo("2025-10-20").await;
    let mut office = Client::new(&app);
    office.login_demo("van-phong").await;
    office.get("/admin/define").await;
    let rule = serde_json::json!({
        "code": "INDUSTRY-CAP", "name_vi": "Tỷ trọng công nghiệp không vượt quá 40% GRDP",
        "left": {"targets": ["GRDP-INDUSTRY"]}, "op": "<=", "right": {"constant": 40}
    });
    let added = office.post_json("/api/v1/rules", rule.clone()).await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    let again = office.post_json("/api/v1/rules", rule).await;
    assert_eq!(
        again.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        again.body
    );
    let unknown = office
        .post_json(
            "/api/v1/rules",
            serde_json::json!({"code": "X", "name_vi": "x", "left": {"targets": ["NO-SUCH"]}, "op": "<=", "right": {}}),
        )
        .await;
    assert!(unknown.body.contains("NO-SUCH"), "{}", unknown.body);
    // Anyone may read the rules in force.
    let listed = Client::new(&app).get("/api/v1/rules").await;
    assert!(listed.body.contains("INDUSTRY-CAP") && listed.body.contains("GRDP-SECTOR-SHARES"));
    // What is listed can be sent back as it is (here under a new code).
    let rules: serde_json::Value = serde_json::from_str(&listed.body).unwrap();
    let mut copy = rules["rules"][0].clone();
    copy["code"] = serde_json::json!("COPY");
    let copied = office.post_json("/api/v1/rules", copy).await;
    assert_eq!(copied.status, StatusCode::CREATED, "{}", copied.body);
    let mut reporter = Client::new(&app);
    reporter.login_demo("ha-tinh").await;
    reporter.get("/work").await;
    let forbidden = reporter
        .post_json("/api/v1/rules/INDUSTRY-CAP/withdraw", serde_json::json!({}))
        .await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    let withdrawn = office
        .post_json("/api/v1/rules/INDUSTRY-CAP/withdraw", serde_json::json!({}))
        .await;
    assert_eq!(
        withdrawn.status,
        StatusCode::NO_CONTENT,
        "{}",
        withdrawn.body
    );
    let listed = Client::new(&app).get("/api/v1/rules").await;
    assert!(!listed.body.contains("INDUSTRY-CAP"));
}

#[tokio::test]
async fn a_provinces_tasks_include_its_departments_and_are_found_without_diacritics() {
    let app = demo("2025-10-20").await;
    let mut office = Client::new(&app);
    office.login_demo("van-phong").await;
    // NA-328-1 is led by Nghệ An's Department of Science and Technology.
    let board = office.get("/tasks?unit=nghe+an").await;
    assert_eq!(board.status, StatusCode::OK, "{}", board.body);
    assert!(board.body.contains("/tasks/NA-328-1"), "{}", board.body);
    assert!(
        board.body.contains("value=\"Nghệ An\""),
        "the filter shows the name"
    );
    // A task led by a ministry merged since is shown with the ministry that carries it now.
    let merged = office.get("/tasks?unit=MIC").await;
    assert!(
        merged
            .body
            .contains("Bộ Thông tin và Truyền thông (nay là Bộ Khoa học và Công nghệ)"),
        "{}",
        merged.body
    );
    let unknown = office.get("/tasks?unit=khong+co+tinh+nay").await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert!(unknown
        .body
        .contains("Không có đơn vị nào có mã hoặc tên như vậy"));
}

#[tokio::test]
async fn the_overview_looks_back_to_a_day_with_its_own_provinces_on_the_map() {
    let app = demo("2025-10-20").await;
    let mut visitor = Client::new(&app);
    let today = visitor.get("/").await;
    assert_eq!(today.body.matches("<path d=").count(), 34);
    let before = visitor.get("/?at=2025-06-30").await;
    assert_eq!(before.status, StatusCode::OK, "{}", before.body);
    assert!(before.body.contains("30/06/2025"), "the day shown");
    // The 63 provinces in force then; one merged since links to the province it is part of now.
    assert_eq!(before.body.matches("<path d=").count(), 63);
    assert!(
        before
            .body
            .contains("<title>Hải Dương (nay là Hải Phòng): "),
        "{}",
        before.body
    );
    assert!(
        !before.body.contains("/units/HAI-PHONG-63"),
        "no link to a page that does not exist"
    );
    let wrong = visitor.get("/?at=30-06-2025").await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert!(wrong.body.contains("Ngày không hợp lệ"));
}

#[tokio::test]
async fn a_provinces_office_defines_its_own_programme_within_its_scope() {
    let app = demo("2025-10-20").await;
    let mut ha_tinh = Client::new(&app);
    ha_tinh.login_demo("ha-tinh").await;
    let page = ha_tinh.get("/admin/define").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Bạn khai báo trong phạm vi Hà Tĩnh"),
        "{}",
        page.body
    );
    // A department of its own, then its own plan, a target and a task of that plan.
    let unit = ha_tinh
        .post_form(
            "/admin/define/unit",
            &[
                ("code", "HT-SO-KHCN"),
                ("kind", "department"),
                ("name_vi", "Sở Khoa học và Công nghệ Hà Tĩnh"),
                ("parent", "Hà Tĩnh"),
            ],
        )
        .await;
    assert_eq!(unit.status, StatusCode::SEE_OTHER, "{}", unit.body);
    let plan = ha_tinh
        .post_form(
            "/admin/define/document",
            &[
                ("code", "125/KH-UBND"),
                ("kind", "plan"),
                ("title_vi", "Kế hoạch chuyển đổi số tỉnh Hà Tĩnh năm 2026"),
                ("issuer", "Hà Tĩnh"),
            ],
        )
        .await;
    assert_eq!(plan.status, StatusCode::SEE_OTHER, "{}", plan.body);
    let target = ha_tinh
        .post_form(
            "/admin/define/target",
            &[
                ("code", "HT-KH125-1"),
                ("document", "125/KH-UBND"),
                ("name_vi", "Tỷ lệ hồ sơ giải quyết trực tuyến toàn trình"),
                ("unit", "%"),
                ("family", "operational"),
                ("direction", "increase"),
                ("periodicity", "yearly"),
                ("aggregation", "mean"),
                ("goal_op", ">="),
                ("goal_value", "60"),
                ("goal_year", "2026"),
                ("reporter_units", "Hà Tĩnh"),
            ],
        )
        .await;
    assert_eq!(target.status, StatusCode::SEE_OTHER, "{}", target.body);
    let task = |lead: &'static str, document: &'static str, code: &'static str| {
        vec![
            ("code", code),
            ("document", document),
            ("title_vi", "Số hóa hồ sơ thủ tục hành chính"),
            ("lead", lead),
            ("deadline", "2026-06-30"),
            ("confidentiality", "internal"),
        ]
    };
    let ok = ha_tinh
        .post_form(
            "/admin/define/task",
            &task(
                "Sở Khoa học và Công nghệ Hà Tĩnh",
                "125/KH-UBND",
                "HT-KH125-NV1",
            ),
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    // Outside its scope: another province's lead, the Government's programme, a rule.
    for fields in [
        task("Nghệ An", "125/KH-UBND", "HT-KH125-NV2"),
        task("Hà Tĩnh", "03/NQ-CP", "HT-KH125-NV3"),
    ] {
        let refused = ha_tinh.post_form("/admin/define/task", &fields).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert!(
            refused
                .body
                .contains("vượt ra ngoài phạm vi đơn vị của bạn"),
            "{}",
            refused.body
        );
    }
    let gov = ha_tinh
        .post_form(
            "/admin/define/document",
            &[
                ("code", "99/NQ-CP"),
                ("kind", "plan"),
                ("title_vi", "X"),
                ("issuer", "GOV"),
            ],
        )
        .await;
    assert_eq!(gov.status, StatusCode::FORBIDDEN);
    // What it defined is there, and its dashboards can read it.
    let t = app.state.store.targets(None).await.unwrap();
    assert!(t.iter().any(|t| t.code.as_str() == "HT-KH125-1"));
    // Leaders and the public define nothing.
    let mut leader = Client::new(&app);
    leader.login_demo("lanh-dao").await;
    assert_eq!(
        leader.get("/admin/define").await.status,
        StatusCode::FORBIDDEN
    );
}

/// A report first submitted by its deadline counts as received on time once approved; the
/// reporting page and its API say so. The day is chosen from the calendar so the deadline
/// (15 January) always lies ahead of the submission made now.
#[tokio::test]
async fn a_report_submitted_by_its_deadline_counts_as_on_time() {
    use chrono::Datelike;
    let year = chrono::Utc::now().year();
    let app = demo(&format!("{}-01-20", year + 1)).await;
    let period = year.to_string();
    let line = |json: &serde_json::Value| {
        (
            json["unit"]["received"].as_u64().unwrap(),
            json["unit"]["on_time"].as_u64().unwrap(),
        )
    };
    let mut reader = Client::new(&app);
    let before: serde_json::Value =
        serde_json::from_str(&reader.get("/api/v1/reporting?unit=HA-TINH").await.body).unwrap();
    let mut reporter = Client::new(&app);
    reporter.login_demo("ha-tinh").await;
    let sent = reporter
        .post_form(
            "/units/HA-TINH/entry",
            &[
                ("period", period.as_str()),
                ("v_HT-T1", "35"),
                ("c_HT-T1", "Số liệu Cục Thống kê tỉnh"),
                ("action", "submit"),
            ],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let mut office = Client::new(&app);
    office.login_demo("van-phong").await;
    let key = support::review_key(&app, "HT-T1", "HA-TINH", &period).await;
    let approved = office
        .post_form("/approvals", &[("key", &key), ("decision", "approve")])
        .await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.body);
    // The approval reaches the read model on its own task.
    let mut after = before.clone();
    for _ in 0..50 {
        after =
            serde_json::from_str(&reader.get("/api/v1/reporting?unit=HA-TINH").await.body).unwrap();
        if line(&after).0 > line(&before).0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(line(&after).0, line(&before).0 + 1, "{after}");
    assert_eq!(line(&after).1, line(&before).1 + 1, "on time: {after}");
    let page = reader.get("/reporting?unit=HA-TINH").await;
    assert!(page.body.contains("Đúng hạn"), "{}", page.body);
    // The same figures as an open-data table.
    let csv = reader.get("/open-data/reporting.csv").await.body;
    assert!(
        csv.contains("day,unit,name_vi,kind,parent,expected,received,on_time"),
        "{csv}"
    );
    let (received, on_time) = line(&after);
    assert!(
        csv.lines()
            .any(|l| l.contains(",HA-TINH,Hà Tĩnh,province,VN,")
                && l.ends_with(&format!(",{received},{on_time}"))),
        "{csv}"
    );
}
