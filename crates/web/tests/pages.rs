//! The web application as a browser and an API client see it, on a demo database.

mod support;

use axum::http::StatusCode;

async fn app() -> (axum::Router, support::App) {
    let app = support::demo("2025-10-20").await;
    (app.router.clone(), app)
}

async fn get(app: &axum::Router, uri: &str) -> (StatusCode, String, String) {
    use axum::body::Body;
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let res = app
        .clone()
        .oneshot(axum::http::Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let kind = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body = res.into_body().collect().await.unwrap().to_bytes();
    (status, kind, String::from_utf8(body.to_vec()).unwrap())
}

#[tokio::test]
async fn the_overview_speaks_vietnamese_by_default_and_english_on_request() {
    let (app, _demo) = app().await;
    let (status, kind, vi) = get(&app, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(kind.starts_with("text/html"), "{kind}");
    assert!(vi.contains(r#"<html lang="vi">"#));
    assert!(vi.contains("Tổng quan toàn quốc"));
    assert!(
        vi.contains("Số liệu đến ngày 20/10/2025"),
        "dates in the Vietnamese form"
    );
    assert!(
        vi.contains("Tuyên Quang") && vi.contains("Hà Tĩnh"),
        "the 34 provinces in force"
    );
    assert!(
        !vi.contains("Hà Giang"),
        "merged provinces are not listed after the merger"
    );
    assert!(
        vi.contains(r#"href="/?lang=en""#),
        "a switch to English on the page"
    );
    assert!(vi.contains("Xanh: từ 70 điểm"), "the colour rule is shown");
    // Tasks by status quarter by quarter, the figures in the chart's description.
    assert!(
        vi.contains("Nhiệm vụ theo tình trạng, cuối mỗi quý"),
        "{vi}"
    );
    assert!(vi.contains("Quý IV/2025: Quá hạn"), "{vi}");
    // The national targets by status quarter by quarter, judged on what each quarter knew.
    assert!(
        vi.contains("Chỉ tiêu quốc gia theo tình trạng, cuối mỗi quý"),
        "{vi}"
    );
    assert!(vi.contains("Quý IV/2025: Đã đạt, đúng tiến độ"), "{vi}");
    // The national targets as small charts, each labelled by its own title.
    assert!(vi.contains("Chỉ tiêu cấp quốc gia"), "{vi}");
    let ids: Vec<&str> = vi
        .split("<title id=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect();
    assert!(ids.len() >= 5, "several national charts: {}", ids.len());
    let unique: std::collections::HashSet<&&str> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "chart ids are unique on the page");
    // Ministries stand beside the provinces, judged on the tasks they lead; a merged
    // ministry's tasks count for its successor, and each figure opens the tasks behind it.
    assert!(vi.contains("Bộ, ngành trung ương"), "{vi}");
    let agencies = vi
        .split("id=\"agencies\"")
        .nth(1)
        .and_then(|rest| rest.split("</table>").next())
        .expect("the ministries' table");
    assert!(agencies.contains("Bộ Khoa học và Công nghệ"), "{agencies}");
    assert!(
        !agencies.contains("Bộ Thông tin và Truyền thông"),
        "merged on 1 March 2025: {agencies}"
    );
    assert!(
        agencies.contains("/tasks?unit=MOST&#38;status=overdue"),
        "{agencies}"
    );

    let (_, _, en) = get(&app, "/?lang=en").await;
    assert!(en.contains(r#"<html lang="en">"#));
    assert!(en.contains("National overview"));
    assert!(en.contains("Figures as of 2025-10-20"));
    assert!(en.contains("Ha Tinh"));
    assert!(en.contains(r#"href="/?lang=vi""#));
}

#[tokio::test]
async fn the_overview_api_returns_the_same_figures_as_json() {
    let (app, _demo) = app().await;
    let (status, kind, body) = get(&app, "/api/v1/overview").await;
    assert_eq!(status, StatusCode::OK);
    assert!(kind.starts_with("application/json"), "{kind}");
    let o: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(o["day"], "2025-10-20");
    assert_eq!(o["provinces"].as_array().unwrap().len(), 34);
    let ht = o["provinces"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["code"] == "HA-TINH")
        .unwrap();
    assert!(["green", "yellow", "red", "grey"].contains(&ht["colour"].as_str().unwrap()));
    assert!(
        o["warnings_by_rule"].as_array().unwrap().is_empty(),
        "warnings are for officials"
    );
    let tasks: u64 = o["tasks_by_status"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["count"].as_u64().unwrap())
        .sum();
    assert_eq!(
        tasks as usize,
        tiendo_dataset::reference().unwrap().tasks.len(),
        "every task of the reference dataset is counted once"
    );
}

#[tokio::test]
async fn an_unknown_language_is_a_clear_client_error() {
    let (app, _demo) = app().await;
    let (status, _, _) = get(&app, "/?lang=fr").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_refresh_swaps_in_a_new_overview() {
    let (app, demo) = app().await;
    let (_, _, before) = get(&app, "/api/v1/overview").await;
    assert!(before.contains(r#""day":"2025-10-20""#));
    assert!(!before.contains("HT-T4"));
    demo.state
        .store
        .import_values(
            &[tiendo_domain::values::NewValue {
                target: "HT-T4".parse().unwrap(),
                org: "HA-TINH".parse().unwrap(),
                period: "2025Q2".parse().unwrap(),
                value: tiendo_domain::values::Number::new(70.0).unwrap(),
                comment: None,
                source: None,
            }],
            "statistics office",
            tiendo_domain::values::ValueState::Approved,
            &|_| {},
        )
        .await
        .unwrap();
    demo.state.refresh().await.unwrap();
    let (_, _, after) = get(&app, "/api/v1/overview").await;
    assert!(
        after.contains(r#""target":"HT-T4""#),
        "the same router serves the new overview: {after}"
    );
}

#[tokio::test]
async fn each_unit_has_a_page_and_a_json_record() {
    let (app, _demo) = app().await;
    let (_, _, overview) = get(&app, "/").await;
    assert!(
        overview.contains(r#"href="/units/HA-TINH?lang=vi""#),
        "the overview links to unit pages"
    );

    let (status, _, vi) = get(&app, "/units/HA-TINH").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        vi.contains("Hà Tĩnh") && vi.contains("điểm →") && vi.contains("chỉ tiêu đạt tiến độ"),
        "score with its reasons"
    );
    assert!(vi.contains("Chủ trì") && vi.contains("Phối hợp"));
    assert!(
        vi.contains(r#"href="/units/VN?lang=vi""#),
        "a link to the unit above"
    );
    let (_, _, en) = get(&app, "/units/MPS-C06?lang=en").await;
    assert!(en.contains("As coordinator"));

    let (status, kind, body) = get(&app, "/api/v1/units/MPS-C06").await;
    assert_eq!(status, StatusCode::OK);
    assert!(kind.starts_with("application/json"));
    let u: serde_json::Value = serde_json::from_str(&body).unwrap();
    let coordinated: u64 = u["coordinates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["count"].as_u64().unwrap())
        .sum();
    let led: u64 = u["leads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["count"].as_u64().unwrap())
        .sum();
    assert_eq!(
        (led, coordinated),
        (4, 2),
        "C06 leads four tasks and coordinates two"
    );

    let (status, kind, body) = get(&app, "/api/v1/units/HA-GIANG").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "merged away before the day");
    assert!(kind.starts_with("application/json"));
    let e: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(e["error"]["code"], "unit_not_found");
    let (status, _, page) = get(&app, "/units/%3Cscript%3E").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        !page.contains("<script>") && page.contains("Không tìm thấy đơn vị này"),
        "what the visitor typed is not echoed: {page}"
    );
}

#[tokio::test]
async fn warnings_are_for_officials_only() {
    let demo = support::demo("2025-10-20").await;
    let mut public = support::Client::new(&demo);
    let page = public.get("/?lang=en").await;
    assert!(!page.body.contains("id=\"warnings\""));
    let api = public.get("/api/v1/overview").await.json();
    assert!(api["top_warnings"].as_array().unwrap().is_empty());
    let mut official = support::Client::new(&demo);
    official.login_demo("lanh-dao").await;
    assert!(official
        .get("/?lang=en")
        .await
        .body
        .contains("id=\"warnings\""));
    let api = official.get("/api/v1/overview").await.json();
    assert!(!api["top_warnings"].as_array().unwrap().is_empty());
    assert!(api["warnings_by_rule"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["rule"] == "stale-report"));
    // Warnings are facts in the API and sentences in the reader's language on the page.
    assert!(api["top_warnings"][0]["evidence"]["kind"].is_string());
    let vi = official.get("/?lang=vi").await.body;
    assert!(vi.contains("Chưa nộp báo cáo"), "{vi}");
    assert!(
        !vi.contains("report missing") && !vi.contains("no value for"),
        "no English warning on the Vietnamese page"
    );
}

#[tokio::test]
async fn printable_reports_show_charts_and_respect_clearance() {
    let app = support::demo("2026-03-02").await;
    let mut public = support::Client::new(&app);
    let unit = public.get("/units/HA-TINH?lang=en").await;
    assert!(unit.body.contains("/reports/units/HA-TINH"));
    let report = public.get("/reports/units/HA-TINH?year=2025&lang=en").await;
    assert_eq!(report.status, axum::http::StatusCode::OK);
    assert!(report.body.contains("Progress report of a unit"));
    assert!(
        report.body.contains("<svg"),
        "charts are drawn on the server"
    );
    assert!(
        !report.body.contains("Feedback cases"),
        "the public sees no feedback counts"
    );
    let css = public.get("/static/tiendo.css").await;
    assert!(css.body.contains("@media print") && css.body.contains("size: A4"));

    let document = public.get("/reports/documents/40-CTr/TU?lang=en").await;
    assert_eq!(document.status, axum::http::StatusCode::OK);
    assert!(document.body.contains("HT-T1"), "{}", document.body);
    let mut officer = support::Client::new(&app);
    officer.login_demo("ha-tinh").await;
    let own = officer.get("/reports/units/HA-TINH?lang=en").await;
    assert!(
        own.body.contains("Feedback cases: 0 in all"),
        "{}",
        own.body
    );
    assert_eq!(
        public.get("/reports/units/NOWHERE").await.status,
        axum::http::StatusCode::NOT_FOUND
    );

    // The periodic report as a Word document, asked for from the report's page.
    let vi = officer.get("/reports/units/HA-TINH").await;
    assert!(
        vi.body.contains("name=\"format\" value=\"docx\""),
        "{}",
        vi.body
    );
    assert!(vi.body.contains("<option value=\"2025Q4\">"), "{}", vi.body);
    let word = officer
        .get("/reports/units/HA-TINH?format=docx&period=2025Q3")
        .await;
    assert_eq!(word.status, axum::http::StatusCode::OK);
    assert_eq!(
        word.kind,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    );
    assert!(word.bytes.starts_with(b"PK"), "a zip package");
    let document = public
        .get("/reports/documents/40-CTr/TU?format=docx&period=2025")
        .await;
    assert_eq!(document.status, axum::http::StatusCode::OK);
    assert_eq!(
        public
            .get("/reports/units/HA-TINH?format=docx&period=2025Q5")
            .await
            .status,
        axum::http::StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn error_pages_are_site_pages_in_the_readers_language() {
    let (router, _app) = app().await;
    // An unknown address in a browser: a page, not the API's JSON.
    let (status, kind, body) = get(&router, "/khong-co-trang-nay").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(kind.starts_with("text/html"), "{kind}");
    assert!(body.contains("<html lang=\"vi\">"), "{body}");
    assert!(body.contains("Không tìm thấy trang"), "{body}");
    assert!(body.contains("Không có trang nào ở địa chỉ này."), "{body}");
    assert!(body.contains("/static/tiendo.css"));
    // A reason without words of its own reads as its status's sentence, not in English.
    let (status, _, body) = get(&router, "/targets/KHONG-CO").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("Không tìm thấy chỉ tiêu này."), "{body}");
    assert!(!body.contains("no target"), "{body}");
    let (_, _, body) = get(&router, "/targets/KHONG-CO?lang=en").await;
    assert!(
        body.contains("<html lang=\"en\">") && body.contains("No such target."),
        "{body}"
    );
    // Logging in is offered where it is needed.
    let (status, _, body) = get(&router, "/approvals").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        body.contains("Cần đăng nhập") && body.contains("href=\"/login?lang=vi\""),
        "{body}"
    );
    // The API keeps its JSON.
    let (status, kind, _) = get(&router, "/api/v1/nothing").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(kind.starts_with("application/json"), "{kind}");
}

#[tokio::test]
async fn pages_forbid_inline_script_framing_and_sniffing() {
    use axum::body::Body;
    use tower::ServiceExt;
    let (router, _app) = app().await;
    for uri in ["/", "/documents", "/khong-co", "/api/v1/overview"] {
        let res = router
            .clone()
            .oneshot(axum::http::Request::get(uri).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let h = res.headers();
        let csp = h.get("content-security-policy").unwrap().to_str().unwrap();
        assert!(
            csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"),
            "{uri}: {csp}"
        );
        assert!(!csp.contains("unsafe-inline"), "{uri}: {csp}");
        assert_eq!(h.get("x-frame-options").unwrap(), "DENY", "{uri}");
        assert_eq!(h.get("x-content-type-options").unwrap(), "nosniff", "{uri}");
        assert_eq!(h.get("referrer-policy").unwrap(), "same-origin", "{uri}");
    }
}

/// A target's figures rank the units on the latest period, best first, with the nation as the
/// reference and the day of the administrative units said.
#[tokio::test]
async fn a_targets_units_are_ranked_on_the_latest_period() {
    let (app, _demo) = app().await;
    let (status, _, page) = get(&app, "/targets/DTI").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("đang hoạt động ngày 20/10/2025"), "{page}");
    let table = page
        .split("id=\"values\"")
        .nth(1)
        .and_then(|rest| rest.split("</table>").next())
        .expect("the values table");
    // Of the 34 provinces, Hà Nội's 0,8241 of 2024 is the highest; Đà Nẵng's 0,8335 was in the
    // table of the 63, before the merger, and does not rank twice.
    let first_ranked = table
        .split("data-label=\"Hạng\">1</td>")
        .nth(1)
        .expect("a first rank");
    assert!(
        first_ranked
            .split("</tr>")
            .next()
            .unwrap()
            .contains("Hà Nội"),
        "{table}"
    );
    // A unit is chosen by typing its name, with or without diacritics.
    let (status, _, hanoi) = get(&app, "/targets/DTI?unit=ha+noi").await;
    assert_eq!(status, StatusCode::OK);
    assert!(hanoi.contains(" · Hà Nội</h2>"), "{hanoi}");
    let (status, _, _) = get(&app, "/targets/DTI?unit=khong+co+tinh+nay").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

/// Reporting completeness: the nation's reports owed and in, each province and ministry with
/// its rate, and a province broken down into the units within it.
#[tokio::test]
async fn reporting_completeness_from_the_nation_down_to_a_province() {
    let (app, _demo) = app().await;
    let (status, _, nation) = get(&app, "/reporting").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        nation.contains("Tình hình nộp báo cáo: Việt Nam"),
        "{nation}"
    );
    assert!(nation.contains("Đã nhận"), "{nation}");
    // The same rates as a map layer of the provinces, each linked to its breakdown.
    assert!(
        nation.contains("Bản đồ tỷ lệ nộp báo cáo") && nation.contains("<svg"),
        "{nation}"
    );
    assert!(
        nation.contains("<a href=\"/reporting?unit=HA-TINH"),
        "{nation}"
    );
    assert!(
        nation.contains("href=\"/reporting?unit=HA-TINH&#38;lang=vi\""),
        "a province opens its own breakdown: {nation}"
    );
    let (status, _, province) = get(&app, "/reporting?unit=ha+tinh").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        province.contains("Tình hình nộp báo cáo: Hà Tĩnh"),
        "{province}"
    );
    assert!(province.contains("← Việt Nam"), "{province}");
    let (status, _, _) = get(&app, "/reporting?unit=khong+co").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // The API gives the same figures: the province's total is the sum of its own reports and
    // those of the units within it, and no line owes nothing.
    let (status, _, json) = get(&app, "/api/v1/reporting?unit=HA-TINH").await;
    assert_eq!(status, StatusCode::OK, "{json}");
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["unit"]["code"], "HA-TINH");
    let within: u64 = json["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["expected"].as_u64().unwrap())
        .sum();
    assert!(within > 0 && within <= json["unit"]["expected"].as_u64().unwrap());
    assert!(json["units"]
        .as_array()
        .unwrap()
        .iter()
        .all(|u| u["expected"].as_u64().unwrap() > 0));
}

/// A unit's targets stand beside the national figure of the same period and its rank among
/// the units of its kind.
#[tokio::test]
async fn a_units_figures_beside_the_nation_and_its_peers() {
    let (app, _demo) = app().await;
    let (status, _, page) = get(&app, "/units/HA-TINH").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Cả nước (cùng kỳ)"), "{page}");
    let kpis = page
        .split("id=\"kpis\"")
        .nth(1)
        .and_then(|rest| rest.split("</table>").next())
        .expect("the targets table");
    // Hà Tĩnh's DTI rank of 2024 among the provinces of the 34-unit table that have one.
    let row = kpis
        .split("<tr>")
        .find(|r| r.contains("DTI-RANK-34"))
        .expect("the DTI rank row");
    assert!(
        row.contains("data-label=\"Hạng trong các đơn vị cùng cấp\">"),
        "{row}"
    );
    let rank = row
        .split("data-label=\"Hạng trong các đơn vị cùng cấp\">")
        .nth(1)
        .and_then(|r| r.split('<').next())
        .unwrap();
    assert!(rank.contains('/'), "{row}");
    // Beside its region: Nghệ An's PII rank of 2024 among the provinces of the North Central
    // and Central Coast region (Resolution 81/2023/QH15), of the 63 then in force, that have
    // one (three were published).
    let (_, _, page) = get(&app, "/units/NGHE-AN").await;
    assert!(
        page.contains(
            "Trong vùng Bắc Trung Bộ và duyên hải miền Trung (theo Nghị quyết 81/2023/QH15)"
        ),
        "{page}"
    );
    // In English, the resolution is named in English too.
    let (_, _, english) = get(&app, "/units/NGHE-AN?lang=en").await;
    assert!(
        english.contains("(as set by Resolution 81/2023/QH15 of the National Assembly)"),
        "{english}"
    );
    assert!(!english.contains("Nghị quyết"), "{english}");
    let pii = page
        .split("<tr>")
        .find(|r| r.contains(">PII-RANK</small>"))
        .expect("the PII rank row");
    let in_region = pii
        .split("data-label=\"Trong vùng (cùng kỳ)\">")
        .nth(1)
        .and_then(|r| r.split('<').next())
        .unwrap();
    assert!(
        in_region.starts_with("hạng ") && in_region.contains("/3 · trung vị "),
        "{pii}"
    );
    // Gia Lai of the 34 (merged from provinces of two regions) has its PII of 2025, a period
    // no region list covers: it is compared within none.
    let (_, _, gia_lai) = get(&app, "/units/GIA-LAI").await;
    assert!(gia_lai.contains(">PII</small>"));
    assert!(!gia_lai.contains("(theo Nghị quyết 81/2023/QH15)"));
    assert!(!gia_lai.contains("trung vị"));
}

/// A document of many tasks lists the first of each group and sends the reader to the task
/// board, filtered to the document, for all of them.
#[tokio::test]
async fn a_long_documents_groups_lead_to_the_board() {
    let demo = support::demo("2025-10-20").await;
    let mut office = support::Client::new(&demo);
    office.login_demo("van-phong").await;
    let res = office
        .post_json(
            "/api/v1/documents",
            serde_json::json!({"code": "KH-DAI", "kind": "plan",
                "title_vi": "Kế hoạch có nhiều nhiệm vụ"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    for i in 1..=53 {
        let res = office
            .post_json(
                "/api/v1/tasks",
                serde_json::json!({"code": format!("KH-DAI-{i}"), "document": "KH-DAI",
                    "title_vi": format!("Nhiệm vụ số {i}"), "lead": "HA-TINH",
                    "confidentiality": "public"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    }
    let page = office.get("/documents/KH-DAI").await.body;
    assert!(page.contains("(53 nhiệm vụ)"), "{page}");
    assert!(page.contains(">KH-DAI-50<") && !page.contains(">KH-DAI-51<"));
    let link = "/tasks?document=KH-DAI&#38;lang=vi";
    assert!(page.contains(link), "{page}");
    assert!(page.contains("Xem mọi nhiệm vụ của văn bản trên Bảng nhiệm vụ"));
    let board = office.get(&link.replace("&#38;", "&")).await.body;
    assert!(board.contains("Nhiệm vụ: 53"), "{board}");
    assert!(
        board.contains("<option value=\"KH-DAI\" selected>"),
        "{board}"
    );
    let api = office
        .get("/api/v1/tasks?document=KH-DAI&per_page=10")
        .await
        .json();
    assert_eq!(api["total"], 53);
    let other = office
        .get("/api/v1/tasks?document=03/NQ-CP&per_page=500")
        .await
        .json();
    assert!(other["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["document"] == "03/NQ-CP"));
}

/// A supervisor's probes: the process lives, and it is ready once the database answers and
/// the read model is loaded.
#[tokio::test]
async fn liveness_and_readiness_probes_answer() {
    let (app, _demo) = app().await;
    let (status, _, body) = get(&app, "/healthz").await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "ok\n"));
    let (status, _, body) = get(&app, "/readyz").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.starts_with("ready: database reachable"), "{body}");
}
