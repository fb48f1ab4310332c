//! The public portal: what anyone may read without logging in, and the proof that nothing
//! internal or secret reaches it.

mod support;

use axum::http::StatusCode;
use support::{demo, Client};
use tiendo_domain::tasks::{Clearance, Confidentiality};
use tiendo_domain::values::{NewValue, Number, ValueState};
use tiendo_storage::{Entry, TaskFilter};

/// Marks that must never appear in anything the public can fetch.
const INTERNAL_TASK: &str = "INTERNAL-TASK-7731";
const SECRET_TASK: &str = "SECRET-TASK-4412";
const DRAFT_VALUE: &str = "4242.17";
const SUBMITTED_VALUE: &str = "5353.29";

#[tokio::test]
async fn the_public_portal_never_shows_internal_or_secret_items() {
    let app = demo("2025-10-20").await;
    let store = &app.state.store;
    // An internal and a secret task, and a draft and a submitted value.
    let base = store
        .tasks(&TaskFilter::all(Clearance::Secret))
        .await
        .unwrap()[0]
        .clone();
    for (code, level, title) in [
        (
            INTERNAL_TASK,
            Confidentiality::Internal,
            "Internal coordination note",
        ),
        (
            SECRET_TASK,
            Confidentiality::Secret,
            "Secret security review",
        ),
    ] {
        let mut t = base.clone();
        t.code = code.parse().unwrap();
        t.parent = None;
        t.title_vi = title.into();
        t.title_en = Some(title.into());
        t.confidentiality = level;
        store.add_task(&t, "office").await.unwrap();
    }
    let value = |period: &str, v: f64, state| Entry {
        value: NewValue {
            target: "GRDP".parse().unwrap(),
            org: "HA-TINH".parse().unwrap(),
            period: period.parse().unwrap(),
            value: Number::new(v).unwrap(),
            comment: None,
            source: None,
        },
        state,
        author: "ha-tinh".into(),
        window: tiendo_domain::admissibility::EntryWindow::never_closes(chrono::NaiveDate::MIN),
    };
    for outcome in store
        .enter_values(&[
            vec![value("2021", 4242.17, ValueState::Draft)],
            vec![value("2022", 5353.29, ValueState::Submitted)],
        ])
        .await
        .unwrap()
    {
        outcome.unwrap();
    }
    app.state.refresh().await.unwrap();

    // Everything the public can reach: every page linked from the navigation, every document,
    // target, unit and task page linked from them, every open-data file and the public API.
    let mut public = Client::new(&app);
    let mut queue: Vec<String> = vec![
        "/".into(),
        "/?lang=en".into(),
        "/documents".into(),
        "/tasks".into(),
        "/tasks?status=in_progress".into(),
        "/indices/pii-like".into(),
        "/indices/dti-like".into(),
        "/open-data".into(),
        "/api/v1/overview".into(),
        "/api/v1/documents".into(),
        "/api/v1/targets?per_page=500".into(),
        "/api/v1/tasks?per_page=500".into(),
        "/api/v1/values?target=GRDP&per_page=500".into(),
        "/api/v1/values?org=HA-TINH&per_page=500".into(),
        "/api/v1/dataValueSets?orgUnit=HA-TINH".into(),
        format!("/tasks/{INTERNAL_TASK}"),
        format!("/tasks/{SECRET_TASK}"),
        format!("/api/v1/tasks/{SECRET_TASK}"),
        "/targets/DTI?unit=HA-TINH".into(),
        "/targets/GRDP?unit=HA-TINH".into(),
        "/units/HA-TINH".into(),
    ];
    for t in tiendo_web::open_data_tables() {
        queue.push(format!("/open-data/{t}.csv"));
        queue.push(format!("/open-data/{t}.json"));
    }
    let mut seen = std::collections::HashSet::new();
    let mut fetched = 0;
    while let Some(path) = queue.pop() {
        if !seen.insert(path.clone()) || seen.len() > 400 {
            continue;
        }
        let res = public.get(&path).await;
        fetched += 1;
        for mark in [
            INTERNAL_TASK,
            SECRET_TASK,
            DRAFT_VALUE,
            SUBMITTED_VALUE,
            "Secret security review",
            "Internal coordination note",
        ] {
            assert!(!res.body.contains(mark), "{path} shows {mark}");
        }
        if res.status == StatusCode::OK {
            assert!(
                res.kind.starts_with("text/html")
                    || res.kind.starts_with("application/json")
                    || res.kind.starts_with("text/csv"),
                "{path}: {}",
                res.kind
            );
        }
        // Follow the site's own links.
        let mut rest = res.body.as_str();
        while let Some(i) = rest.find("href=\"/") {
            rest = &rest[i + 6..];
            let end = rest.find('"').unwrap_or(0);
            let link = rest[..end].replace("&amp;", "&");
            if !link.starts_with("/api/v1/docs") && !link.starts_with("/static/") {
                queue.push(link);
            }
        }
    }
    println!("public portal: {fetched} pages and files fetched without logging in (crawl capped at 400), no internal or secret item in any");
    assert!(fetched >= 60, "{fetched}");

    // The hidden tasks exist for officials.
    let mut office = Client::new(&app);
    office.login_demo("van-phong").await;
    assert!(office
        .get(&format!("/tasks/{SECRET_TASK}"))
        .await
        .body
        .contains("Secret security review"));
    let mut inspector = Client::new(&app);
    inspector.login_demo("thanh-tra").await;
    assert_eq!(
        inspector.get(&format!("/tasks/{SECRET_TASK}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(inspector
        .get(&format!("/tasks/{INTERNAL_TASK}"))
        .await
        .body
        .contains("Internal coordination note"));

    // Public figures count only public tasks; officials count all of them. A unit whose
    // score counts hidden tasks says so to the public, without naming them.
    let total = |o: &serde_json::Value, field: &str| -> u64 {
        o[field]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["count"].as_u64().unwrap())
            .sum()
    };
    let all = store
        .tasks(&TaskFilter::all(Clearance::Secret))
        .await
        .unwrap();
    let public_tasks = all
        .iter()
        .filter(|t| t.confidentiality == Confidentiality::Public)
        .count() as u64;
    let seen = public.get("/api/v1/overview").await.json();
    assert_eq!(total(&seen, "tasks_by_status"), public_tasks);
    // Officials' figures count internal tasks too; secret ones stay out of every figure.
    let not_secret = all
        .iter()
        .filter(|t| t.confidentiality != Confidentiality::Secret)
        .count() as u64;
    let seen = office.get("/api/v1/overview").await.json();
    assert_eq!(total(&seen, "tasks_by_status"), not_secret);
    let lead = base.lead.to_string();
    let unit = public.get(&format!("/api/v1/units/{lead}")).await.json();
    let shown = total(&unit, "leads");
    let unit_official = office.get(&format!("/api/v1/units/{lead}")).await.json();
    assert_eq!(
        total(&unit_official, "leads"),
        shown + 1,
        "the internal task (the secret one is in no figure)"
    );
    assert_eq!(unit["score_counts_non_public_tasks"], true);
    let page = public.get(&format!("/units/{lead}?lang=vi")).await.body;
    assert!(page.contains("không công khai"), "{page}");
    assert!(!office
        .get(&format!("/units/{lead}?lang=vi"))
        .await
        .body
        .contains("id=\"non-public-note\""));
}

#[tokio::test]
async fn open_data_files_carry_their_licence_and_can_be_cached() {
    let app = demo("2025-10-20").await;
    let mut public = Client::new(&app);
    let csv = public.get("/open-data/values.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.kind.starts_with("text/csv"));
    // Excel reads it as UTF-8 and its first row is the header; the licence is a Link header.
    assert!(csv.body.starts_with('\u{feff}'), "a byte-order mark");
    let mut lines = csv.body.trim_start_matches('\u{feff}').lines();
    assert_eq!(
        lines.next().unwrap(),
        "target,org,period,value,comment,source"
    );
    assert!(csv.body.contains("DTI,HA-NOI,2024,0.8241"));
    // The API lists values by target or by unit; the whole nation is this file.
    for nation in ["/api/v1/values?per_page=500", "/api/v1/dataValueSets"] {
        let refused = public.get(nation).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{nation}");
        assert!(
            refused.body.contains("/open-data/values.csv"),
            "{}",
            refused.body
        );
    }
    // The JSON file holds the same rows, written as they are read like the CSV.
    let values = public.get("/open-data/values.json").await.json();
    assert_eq!(values["columns"][0], "target");
    assert_eq!(
        values["rows"].as_array().unwrap().len(),
        csv.body.trim_end().lines().count() - 1
    );
    assert!(values["rows"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r[0] == "DTI" && r[1] == "HA-NOI" && r[2] == "2024"));
    let json = public.get("/open-data/documents.json").await.json();
    assert!(json["licence"].as_str().unwrap().contains("CC BY 4.0"));
    assert!(json["rows"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r[0] == "57-NQ/TW"));
    assert_eq!(csv.cache, "public, max-age=300");
    let page = public.get("/documents").await;
    assert_eq!(
        (page.status, page.cache.as_str()),
        (StatusCode::OK, "public, max-age=60")
    );
    assert_eq!(
        public.get("/login").await.cache,
        "private, no-store",
        "it carries a token"
    );
    let mut official = Client::new(&app);
    official.login_demo("lanh-dao").await;
    assert_eq!(official.get("/documents").await.cache, "private, no-store");
    assert_eq!(
        public.get("/open-data/secrets.csv").await.status,
        StatusCode::NOT_FOUND
    );
}

/// Two files of every value are written at once; a third reader is told to come back, in
/// Vietnamese, and gets the file once one of the others is done.
#[tokio::test]
async fn a_third_file_of_every_value_waits_for_one_of_two_to_finish() {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let app = demo("2025-10-20").await;
    let open = || {
        app.router.clone().oneshot(
            axum::http::Request::get("/open-data/values.csv")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
    };
    // Two downloads begun and not read: each holds its permit while the reader is slow.
    let first = open().await.unwrap();
    let second = open().await.unwrap();
    assert_eq!(
        (first.status(), second.status()),
        (StatusCode::OK, StatusCode::OK)
    );
    let refused = open().await.unwrap();
    assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
    let wait = refused.headers()[axum::http::header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(wait, "30");
    let text = String::from_utf8(
        refused
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec(),
    )
    .unwrap();
    // The words say what the server does: two files at once, and the wait it asks for.
    assert!(
        text.contains("đang xuất 2 tệp")
            && text.contains(&format!("Đề nghị tải lại sau khoảng {wait} giây")),
        "{text}"
    );
    // One reader reads its file to the end; the next reader is served.
    let whole = first.into_body().collect().await.unwrap().to_bytes();
    assert!(whole.starts_with("\u{feff}target,org".as_bytes()));
    let mut served = false;
    for _ in 0..100 {
        if open().await.unwrap().status() == StatusCode::OK {
            served = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(served, "a permit comes back when a file is done");
    drop(second);
}
