//! One rule for every value, one write path, reviews that name their version: each test is a
//! way a value used to slip through one path while another refused it.

mod support;

use axum::http::{Method, StatusCode};
use support::{current_version, demo, review_key, Client};

async fn logged_in(app: &support::App, user: &str) -> Client {
    let mut c = Client::new(app);
    c.login_demo(user).await;
    c
}

/// Nghệ An does not report Hà Tĩnh's target HT-T1: the API's entry and the DHIS2 import
/// refuse it alike, with the same rule.
#[tokio::test]
async fn a_target_the_unit_does_not_report_is_refused_on_every_path() {
    let app = demo("2025-10-20").await;
    let mut nghe_an = logged_in(&app, "nghe-an").await;
    let entry = nghe_an
        .post_json(
            "/api/v1/values",
            serde_json::json!({"values": [{"target": "HT-T1", "org": "NGHE-AN", "period": "2025", "value": 5.0}]}),
        )
        .await;
    assert_eq!(
        entry.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        entry.body
    );
    assert_eq!(entry.json()["error"]["code"], "not_a_reporter");
    for dry_run in ["true", "false"] {
        let import = nghe_an
            .post_json(
                &format!("/api/v1/dataValueSets?dryRun={dry_run}"),
                serde_json::json!({"dataValues": [{"dataElement": "HT-T1", "period": "2025", "orgUnit": "NGHE-AN", "value": "5"}]}),
            )
            .await;
        assert_eq!(import.status, StatusCode::CONFLICT, "{}", import.body);
        assert!(
            import.body.contains("does not report target HT-T1"),
            "{}",
            import.body
        );
    }
    // Quảng Bình ended on 2025-06-30: no value for 2027, whoever enters it.
    let mut office = logged_in(&app, "van-phong").await;
    let ended = office
        .post_json(
            "/api/v1/values",
            serde_json::json!({"values": [{"target": "DTI", "org": "QUANG-BINH", "period": "2027", "value": 0.5}]}),
        )
        .await;
    assert_eq!(
        ended.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        ended.body
    );
    assert_eq!(ended.json()["error"]["code"], "unit_not_in_force");
}

/// DTI is yearly: a month or a quarter is refused by DHIS2 JSON and CSV imports as by entry.
#[tokio::test]
async fn a_period_of_the_wrong_kind_is_refused_by_imports() {
    let app = demo("2025-10-20").await;
    let mut office = logged_in(&app, "van-phong").await;
    for period in ["202507", "2025Q3"] {
        let json = office
            .post_json(
                "/api/v1/dataValueSets",
                serde_json::json!({"dataValues": [{"dataElement": "DTI", "period": period, "orgUnit": "HA-TINH", "value": "0.5"}]}),
            )
            .await;
        assert_eq!(json.status, StatusCode::CONFLICT, "{period}: {}", json.body);
        assert_eq!(
            json.json()["conflicts"][0]["object"],
            "dataValues[1].period"
        );
        let csv = office
            .send(
                Method::POST,
                "/api/v1/dataValueSets",
                "text/csv",
                format!("dataelement,period,orgunit,value\nDTI,{period},HA-TINH,0.5\n"),
            )
            .await;
        assert_eq!(csv.status, StatusCode::CONFLICT, "{period}: {}", csv.body);
        assert!(csv.body.contains("is reported yearly"), "{}", csv.body);
    }
    let ok = office
        .post_json(
            "/api/v1/dataValueSets",
            serde_json::json!({"dataValues": [{"dataElement": "DTI", "period": "2025", "orgUnit": "HA-TINH", "value": "0.5"}]}),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
}

/// An Open SDG year outside 1900–2100 is refused with its line; nothing is stored, and every
/// page and API that lists values keeps answering.
#[tokio::test]
async fn an_impossible_year_is_refused_and_nothing_breaks() {
    let app = demo("2025-10-20").await;
    let mut officer = logged_in(&app, "ha-tinh").await;
    let bad = officer
        .send(
            Method::POST,
            "/api/v1/opensdg/HT-T1/HA-TINH",
            "text/csv",
            "Year,Value\n2024,31\n0999,30\n",
        )
        .await;
    assert_eq!(bad.status, StatusCode::CONFLICT, "{}", bad.body);
    assert_eq!(bad.json()["conflicts"][0]["object"], "lines[3].Year");
    for path in [
        "/api/v1/values?org=HA-TINH",
        "/api/v1/dataValueSets?orgUnit=HA-TINH",
        "/open-data/values.csv",
        "/units/HA-TINH/entry",
    ] {
        assert_eq!(officer.get(path).await.status, StatusCode::OK, "{path}");
    }
}

/// Impossible numbers are refused where they are entered, with the rule in the reader's
/// language beside the field.
#[tokio::test]
async fn impossible_numbers_are_refused_beside_their_field() {
    let app = demo("2025-10-20").await;
    let mut officer = logged_in(&app, "ha-tinh").await;
    let page = officer
        .post_form(
            "/units/HA-TINH/entry",
            &[("period", "2025"), ("v_HT-T1", "150"), ("action", "submit")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body.contains(
            "150 không phải là giá trị có thể có của chỉ tiêu Đóng góp của năng suất các nhân tố tổng hợp (TFP) vào tăng trưởng kinh tế (HT-T1): giá trị phải từ 0 đến 100."
        ),
        "{}",
        page.body
    );
    let api = officer
        .post_json(
            "/api/v1/values",
            serde_json::json!({"values": [{"target": "DTI", "org": "HA-TINH", "period": "2025", "value": 1.7}], "submit": true}),
        )
        .await;
    assert_eq!(api.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(api.json()["error"]["code"], "out_of_bounds");
}

/// Four eyes: Hà Tĩnh's officer enters a value for one of its communes and may not approve or
/// return it, through the queue or the API; the standing office may.
#[tokio::test]
async fn nobody_approves_a_value_they_entered() {
    let app = demo("2025-10-20").await;
    let mut officer = logged_in(&app, "ha-tinh").await;
    let sent = officer
        .post_json(
            "/api/v1/values",
            serde_json::json!({"values": [{"target": "HT-T3", "org": "HA-TINH-X001", "period": "2025Q3", "value": 40.0}], "submit": true}),
        )
        .await;
    assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.body);
    let key = review_key(&app, "HT-T3", "HA-TINH-X001", "2025Q3").await;
    let queue = officer.get("/approvals").await;
    assert!(
        !queue.body.contains(&key),
        "their own value is not in their queue"
    );
    let form = officer
        .post_form("/approvals", &[("key", &key), ("decision", "approve")])
        .await;
    assert_eq!(
        form.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        form.body
    );
    assert!(
        form.body
            .contains("Bạn là người nhập giá trị này nên không thể tự phê duyệt"),
        "the queue says why, in Vietnamese: {}",
        form.body
    );
    let version = current_version(&app, "HT-T3", "HA-TINH-X001", "2025Q3").await;
    let api = officer
        .post_json(
            "/api/v1/approvals",
            serde_json::json!({"target": "HT-T3", "org": "HA-TINH-X001", "period": "2025Q3", "version": version, "decision": "return", "reason": "self"}),
        )
        .await;
    assert_eq!(api.status, StatusCode::FORBIDDEN, "{}", api.body);
    assert_eq!(api.json()["error"]["code"], "own_value");
    let mut office = logged_in(&app, "van-phong").await;
    let approved = office
        .post_json(
            "/api/v1/approvals",
            serde_json::json!({"target": "HT-T3", "org": "HA-TINH-X001", "period": "2025Q3", "version": version, "decision": "approve"}),
        )
        .await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);
    assert_eq!(approved.json()["state"], "approved");
}

/// An import does not replace a value awaiting review: DHIS2's summary counts it as ignored
/// with a conflict naming it, and the reviewer approves the number they saw. A review of a
/// version that is no longer current is a conflict.
#[tokio::test]
async fn imports_leave_values_under_review_alone_and_reviews_name_their_version() {
    let app = demo("2025-10-20").await;
    let mut officer = logged_in(&app, "ha-tinh").await;
    let sent = officer
        .post_form(
            "/units/HA-TINH/entry",
            &[("period", "2025"), ("v_HT-T1", "45"), ("action", "submit")],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let mut office = logged_in(&app, "van-phong").await;
    let queue = office.get("/approvals").await;
    let seen = review_key(&app, "HT-T1", "HA-TINH", "2025").await;
    assert!(queue.body.contains(&seen), "{}", queue.body);
    let import = officer
        .post_json(
            "/api/v1/dataValueSets",
            serde_json::json!({"dataValues": [
                {"dataElement": "HT-T1", "period": "2025", "orgUnit": "HA-TINH", "value": "46"},
                {"dataElement": "HT-T1", "period": "2024", "orgUnit": "HA-TINH", "value": "44"}
            ]}),
        )
        .await;
    assert_eq!(import.status, StatusCode::OK, "{}", import.body);
    let summary = import.json();
    assert_eq!(summary["status"], "WARNING");
    assert_eq!(summary["importCount"]["ignored"], 1, "{}", import.body);
    assert_eq!(summary["conflicts"][0]["object"], "dataValues[1].value");
    assert!(import.body.contains("awaiting approval"), "{}", import.body);

    // The reviewer returns it, the reporter corrects it, and an approval of the version the
    // reviewer first saw is refused.
    let returned = office
        .post_form(
            "/approvals",
            &[
                ("key", &seen),
                ("decision", "return"),
                ("reason", "Thiếu nguồn"),
            ],
        )
        .await;
    assert_eq!(returned.status, StatusCode::SEE_OTHER, "{}", returned.body);
    officer
        .post_form(
            "/units/HA-TINH/entry",
            &[("period", "2025"), ("v_HT-T1", "47"), ("action", "submit")],
        )
        .await;
    let stale = office
        .post_form("/approvals", &[("key", &seen), ("decision", "approve")])
        .await;
    assert_eq!(
        stale.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        stale.body
    );
    assert!(
        stale
            .body
            .contains("Giá trị này đã thay đổi sau khi được hiển thị cho bạn"),
        "{}",
        stale.body
    );
    let fresh = review_key(&app, "HT-T1", "HA-TINH", "2025").await;
    let done = office
        .post_form("/approvals", &[("key", &fresh), ("decision", "approve")])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let history = app
        .state
        .store
        .value_history(
            &"HT-T1".parse().unwrap(),
            &"HA-TINH".parse().unwrap(),
            "2025".parse().unwrap(),
        )
        .await
        .unwrap();
    let last = history.last().unwrap();
    assert_eq!(
        (last.value.get(), last.author.as_str()),
        (47.0, "van-phong")
    );
}

/// An approval shows on the public overview API at once, applied to the overview in memory;
/// what it shows equals the overview recomputed from the database.
#[tokio::test]
async fn an_approval_is_applied_to_the_overview_as_a_recomputation_would_show_it() {
    let app = demo("2025-10-20").await;
    let mut officer = logged_in(&app, "ha-tinh").await;
    let mut office = logged_in(&app, "van-phong").await;
    for (target, value) in [("HT-T1", "44"), ("HT-T2", "12,5"), ("HT-T5", "80")] {
        let sent = officer
            .post_form(
                "/units/HA-TINH/entry",
                &[
                    ("period", "2025"),
                    (&format!("v_{target}"), value),
                    ("action", "submit"),
                ],
            )
            .await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
        let key = review_key(&app, target, "HA-TINH", "2025").await;
        let done = office
            .post_form("/approvals", &[("key", &key), ("decision", "approve")])
            .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        let started = std::time::Instant::now();
        loop {
            let shown = Client::new(&app).get("/api/v1/overview").await.json();
            let listed = shown["recent_approvals"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["target"] == target && a["unit"] == "HA-TINH" && a["period"] == "2025");
            if listed {
                break;
            }
            assert!(
                started.elapsed() < std::time::Duration::from_secs(5),
                "{target} is not on the overview"
            );
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        // The unit's public series shows the approved figure from the same moment.
        let series = Client::new(&app)
            .get(&format!("/api/v1/series/{target}/HA-TINH"))
            .await
            .json();
        let figure: f64 = value.replace(',', ".").parse().unwrap();
        assert!(
            series["values"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["period"] == "2025" && p["value"] == figure),
            "{series}"
        );
    }
    let applied = app.state.overview();
    let recomputed = tiendo_web::Overview::compute(&app.state.store, applied.day)
        .await
        .unwrap();
    // Everything an official sees, the week's warnings included, equals a recomputation.
    let shown = |o: &tiendo_web::Overview| serde_json::to_value(o).unwrap();
    assert_eq!(shown(&applied), shown(&recomputed));
}

/// A target page explains its judgement from the judgement's facts, in the reader's language.
#[tokio::test]
async fn target_judgements_are_explained_in_the_readers_language() {
    let app = demo("2025-10-20").await;
    let mut officer = logged_in(&app, "ha-tinh").await;
    let mut office = logged_in(&app, "van-phong").await;
    for (period, value) in [("2023", "30"), ("2024", "36")] {
        officer
            .post_form(
                "/units/HA-TINH/entry",
                &[("period", period), ("v_HT-T1", value), ("action", "submit")],
            )
            .await;
        let key = review_key(&app, "HT-T1", "HA-TINH", period).await;
        let done = office
            .post_form("/approvals", &[("key", &key), ("decision", "approve")])
            .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    }
    // Approvals reach the pages through the read model within milliseconds.
    let mut vi = String::new();
    for _ in 0..200 {
        vi = Client::new(&app)
            .get("/targets/HT-T1?unit=HA-TINH")
            .await
            .body;
        if vi.contains("đến 36 năm 2024") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(vi.contains("Từ 30 năm 2023 đến 36 năm 2024"), "{vi}");
    let en = Client::new(&app)
        .get("/targets/HT-T1?unit=HA-TINH&lang=en")
        .await
        .body;
    assert!(en.contains("From 30 in 2023 to 36 in 2024"), "{en}");
    assert!(
        !vi.contains("From 30 in 2023"),
        "no English sentence on the Vietnamese page"
    );
}
