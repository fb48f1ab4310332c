//! The web application in Debian's headless Chromium, driven over WebDriver: each role's first
//! minutes in Vietnamese (a reporter lands on what they owe, is refused 150 %, submits; the
//! standing office returns with a reason; the reporter sees it and resubmits; it is approved;
//! the leader sees it), an Excel template round trip, and a reporter refused another province.
//! Screenshots at 1366 and 390 px are saved under `target/test-output/`.

mod support;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};

/// ChromeDriver on a free port, stopped when dropped.
struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn driver() -> Driver {
    let path = std::env::var("TIENDO_TEST_CHROMEDRIVER").expect("TIENDO_TEST_CHROMEDRIVER");
    let port = free_port();
    let child = Command::new(&path)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {path}: {e}"));
    let d = Driver { child, port };
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return d;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not start on port {port}");
}

async fn browser(driver: &Driver) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": std::env::var("TIENDO_TEST_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--disable-extensions", "--no-first-run",
                     "--window-size=1280,1800"]
        }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a Chromium session")
}

/// The demo application judged on `day`, served on loopback, and a Chromium session: the
/// driver must outlive the client.
struct Session {
    app: support::App,
    base: String,
    _driver: Driver,
    c: Client,
}

async fn session(day: &str) -> Session {
    let app = support::demo(day).await;
    let addr = support::listen(&app).await;
    // Browsers treat localhost as a secure origin, so the session's Secure cookie is kept.
    let base = format!("http://localhost:{}", addr.port());
    let driver = driver().await;
    let c = browser(&driver).await;
    Session {
        app,
        base,
        _driver: driver,
        c,
    }
}

async fn click(c: &Client, id: &str) {
    c.find(Locator::Id(id))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

async fn wait_for(c: &Client, id: &str) -> fantoccini::elements::Element {
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("#{id} did not appear: {e}"))
}

async fn text_of(c: &Client, id: &str) -> String {
    c.find(Locator::Id(id)).await.unwrap().text().await.unwrap()
}

/// Saves a screenshot under `target/test-output/` and returns its path and size.
async fn screenshot(c: &Client, name: &str) -> (std::path::PathBuf, usize) {
    let png = c.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"));
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/test-output");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, &png).unwrap();
    (path, png.len())
}

async fn login(c: &Client, base: &str, user: &str) {
    c.delete_all_cookies().await.unwrap();
    c.goto(&format!("{base}/login")).await.unwrap();
    c.find(Locator::Id("username"))
        .await
        .unwrap()
        .send_keys(user)
        .await
        .unwrap();
    c.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(tiendo_web::DEMO_PASSWORD)
        .await
        .unwrap();
    click(c, "login-button").await;
    // Logged in when the page offers to log out.
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("header form[action='/logout']"))
        .await
        .unwrap_or_else(|e| panic!("{user} could not log in: {e}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(tiendo_browser),
    ignore = "skipped: TIENDO_TEST_CHROMEDRIVER is not set"
)]
async fn enter_submit_approve_and_see_the_overview_change_in_chromium() {
    // Every part stays bound to the end: the server's files, the driver.
    let Session {
        app: _app,
        base,
        _driver: _keep,
        c,
    } = session("2025-10-20").await;

    login(&c, &base, "ha-tinh").await;
    c.goto(&format!("{base}/units/HA-TINH/entry?period=2025Q3&lang=en"))
        .await
        .unwrap();
    let input = c.find(Locator::Css("input[name^='v_']")).await.unwrap();
    let field = input.attr("name").await.unwrap().unwrap();
    let target = field.trim_start_matches("v_").to_string();
    input.send_keys("64,2").await.unwrap();
    click(&c, "submit-values").await;
    let status = wait_for(&c, "entry-status").await.text().await.unwrap();
    assert!(status.contains("submitted for approval"), "{status}");

    // The reporter is refused another province's entry form.
    c.goto(&format!("{base}/units/NGHE-AN/entry?lang=en"))
        .await
        .unwrap();
    let refused = c.source().await.unwrap();
    assert!(
        refused.contains("403") && refused.contains("outside your account's data-entry scope"),
        "{refused}"
    );

    login(&c, &base, "van-phong").await;
    c.goto(&format!("{base}/approvals?lang=en")).await.unwrap();
    // The queue names the version it shows: `target|unit|period|version`.
    let key = format!("{target}|HA-TINH|2025Q3|");
    c.find(Locator::Css(&format!("button[data-key^='{key}']")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&c, "review-status").await;

    // The overview is recomputed after the approval; reload until it shows.
    let mut seen = false;
    for _ in 0..50 {
        c.goto(&format!("{base}/?lang=en")).await.unwrap();
        let section = c.find(Locator::Id("recent-approvals")).await.unwrap();
        // The target is shown by name and linked by its code.
        let html = section.html(true).await.unwrap();
        if html.contains(&format!("/targets/{target}")) && html.contains("64.20") {
            seen = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(seen, "the overview shows the approved value");
    let (path, size) = screenshot(&c, "overview.png").await;
    println!(
        "screenshot of the overview: {} ({size} bytes)",
        path.display()
    );
    c.close().await.unwrap();
}

/// Uploads `bytes` as a file through the page's file input and waits for the preview.
async fn upload(c: &Client, dir: &std::path::Path, name: &str, bytes: &[u8]) {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    c.find(Locator::Id("file"))
        .await
        .unwrap()
        .send_keys(path.to_str().unwrap())
        .await
        .unwrap();
    click(c, "upload-button").await;
    // The preview names the file read: the page before it (another preview) had an h1 too.
    let started = std::time::Instant::now();
    loop {
        if let Ok(h1) = c.find(Locator::Css("h1")).await {
            if h1.text().await.is_ok_and(|t| t.contains(name)) {
                return;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the preview of {name} did not appear"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(tiendo_browser),
    ignore = "skipped: TIENDO_TEST_CHROMEDRIVER is not set"
)]
async fn an_excel_template_filled_uploaded_corrected_and_committed_in_chromium() {
    let Session {
        app,
        base,
        _driver: _keep,
        c,
    } = session("2026-03-02").await;
    let files = tempfile::tempdir().unwrap();

    login(&c, &base, "ha-tinh").await;
    c.goto(&format!("{base}/units/HA-TINH/entry?period=2025&lang=en"))
        .await
        .unwrap();
    // The browser downloads the template with its own session, from the page's link.
    let href = c
        .find(Locator::Id("template-xlsx"))
        .await
        .unwrap()
        .prop("href")
        .await
        .unwrap()
        .expect("the template link");
    let bytes = c
        .execute_async(
            "const done = arguments[arguments.length - 1];
             fetch(arguments[0]).then(r => r.arrayBuffer())
               .then(b => done(Array.from(new Uint8Array(b))));",
            vec![serde_json::json!(href)],
        )
        .await
        .unwrap();
    let template: Vec<u8> = serde_json::from_value(bytes).unwrap();
    assert!(template.starts_with(b"PK"), "an XLSX workbook");

    // Filled with a deliberate error in HT-T2's value.
    let wrong = support::fill_xlsx(&template, &[("HT-T1", "45,5"), ("HT-T2", "30 percent")]);
    upload(&c, files.path(), "ha-tinh-2025.xlsx", &wrong).await;
    let problems = text_of(&c, "problem-list").await;
    assert!(
        problems.contains("tiendo 6 G “30 percent” is not a number"),
        "{problems}"
    );
    assert!(
        c.find(Locator::Id("commit-upload")).await.is_err(),
        "no commit while wrong"
    );

    // Corrected and uploaded again from the preview page, then committed.
    let right = support::fill_xlsx(&template, &[("HT-T1", "45,5"), ("HT-T2", "30")]);
    upload(&c, files.path(), "ha-tinh-2025-fixed.xlsx", &right).await;
    let changes = text_of(&c, "change-list").await;
    assert!(
        changes.contains("HT-T1") && changes.contains("45.50"),
        "{changes}"
    );
    assert!(
        changes.contains("HT-T2") && changes.contains("30.00"),
        "{changes}"
    );
    screenshot(&c, "upload-preview.png").await;
    click(&c, "commit-upload").await;
    let status = wait_for(&c, "entry-status").await.text().await.unwrap();
    assert!(status.contains("submitted for approval"), "{status}");
    let stored = app
        .state
        .store
        .values(&tiendo_storage::ValueFilter {
            target: None,
            org: Some("HA-TINH".parse().unwrap()),
        })
        .await
        .unwrap();
    for (target, value) in [("HT-T1", 45.5), ("HT-T2", 30.0)] {
        assert!(
            stored.iter().any(|v| v.target.as_str() == target
                && v.period.to_string() == "2025"
                && v.value.get() == value
                && v.state == tiendo_domain::values::ValueState::Submitted),
            "{target} = {value} stored as submitted"
        );
    }
    c.close().await.unwrap();
}

/// Saves the page at a desktop (1366 px) and a phone (390 px) width.
async fn screenshots(c: &Client, name: &str) {
    for width in [1366u32, 390] {
        c.set_window_size(width, 1400).await.unwrap();
        let (path, size) = screenshot(c, &format!("{name}-{width}.png")).await;
        println!("screenshot: {} ({size} bytes)", path.display());
    }
    c.set_window_size(1280, 1800).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(tiendo_browser),
    ignore = "skipped: TIENDO_TEST_CHROMEDRIVER is not set"
)]
async fn each_roles_first_ten_minutes_in_vietnamese_in_chromium() {
    let Session {
        app,
        base,
        _driver: _keep,
        c,
    } = session("2025-10-20").await;

    // The reporter lands on what they owe, not on the national overview.
    login(&c, &base, "ha-tinh").await;
    let url = c.current_url().await.unwrap();
    assert_eq!(url.path(), "/work", "{url}");
    wait_for(&c, "reports").await;
    screenshots(&c, "work-reporter").await;

    // 150 % is not a possible share: the form says so beside the field, in Vietnamese.
    c.goto(&format!("{base}/units/HA-TINH/entry?period=2025"))
        .await
        .unwrap();
    let input = c.find(Locator::Css("input[name='v_HT-T1']")).await.unwrap();
    input.send_keys("150").await.unwrap();
    click(&c, "submit-values").await;
    wait_for(&c, "entry-error").await;
    let page = c.source().await.unwrap();
    assert!(
        page.contains(
            "150 không phải là giá trị có thể có của chỉ tiêu Đóng góp của năng suất các nhân tố tổng hợp (TFP) vào tăng trưởng kinh tế (HT-T1): giá trị phải từ 0 đến 100."
        ),
        "{page}"
    );
    screenshots(&c, "entry-refused").await;
    // Corrected, with a word for the reviewer, it is submitted.
    let input = c.find(Locator::Css("input[name='v_HT-T1']")).await.unwrap();
    input.clear().await.unwrap();
    input.send_keys("45,5").await.unwrap();
    c.find(Locator::Css("input[name='c_HT-T1']"))
        .await
        .unwrap()
        .send_keys("Theo báo cáo của Sở Khoa học và Công nghệ")
        .await
        .unwrap();
    click(&c, "submit-values").await;
    wait_for(&c, "entry-status").await;

    // The reviewer returns it with a reason; the queue names the version it shows.
    login(&c, &base, "van-phong").await;
    c.goto(&format!("{base}/approvals")).await.unwrap();
    let button = c
        .find(Locator::Css("button[data-key^='HT-T1|HA-TINH|2025|']"))
        .await
        .unwrap();
    let key = button.attr("data-key").await.unwrap().unwrap();
    assert!(
        key.rsplit('|').next().unwrap().parse::<i64>().is_ok(),
        "{key}"
    );
    screenshots(&c, "approvals").await;
    let reason = "Số liệu chưa khớp với báo cáo năm của tỉnh";
    c.find(Locator::Css(&format!("input[form='bulk'][value='{key}']")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.find(Locator::Id("bulk-reason"))
        .await
        .unwrap()
        .send_keys(reason)
        .await
        .unwrap();
    click(&c, "bulk-return").await;
    let done = wait_for(&c, "review-status").await.text().await.unwrap();
    assert!(done.contains("trả lại"), "{done}");

    // The reporter sees the reason on the page they land on, and corrects from there.
    login(&c, &base, "ha-tinh").await;
    let returned = wait_for(&c, "returned").await.text().await.unwrap();
    assert!(returned.contains(reason), "{returned}");
    screenshots(&c, "work-returned").await;
    c.find(Locator::Css("#returned a.action"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let page = c.source().await.unwrap();
    assert!(page.contains(reason), "the entry form shows the reason");
    let input = c.find(Locator::Css("input[name='v_HT-T1']")).await.unwrap();
    input.clear().await.unwrap();
    input.send_keys("46,1").await.unwrap();
    screenshots(&c, "entry-returned").await;
    click(&c, "submit-values").await;
    wait_for(&c, "entry-status").await;

    // The reviewer approves it.
    login(&c, &base, "van-phong").await;
    c.goto(&format!("{base}/approvals")).await.unwrap();
    c.find(Locator::Css("button[data-key^='HT-T1|HA-TINH|2025|']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&c, "review-status").await;

    // The leader sees it on the target's page.
    login(&c, &base, "lanh-dao").await;
    let mut seen = false;
    for _ in 0..50 {
        c.goto(&format!("{base}/targets/HT-T1?unit=HA-TINH"))
            .await
            .unwrap();
        if c.source().await.unwrap().contains("46,1") {
            seen = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(seen, "the leader sees the approved value");
    screenshots(&c, "target-leader").await;
    let stored = app
        .state
        .store
        .values(&tiendo_storage::ValueFilter {
            target: Some("HT-T1".parse().unwrap()),
            org: Some("HA-TINH".parse().unwrap()),
        })
        .await
        .unwrap();
    assert!(stored.iter().any(|v| v.period.to_string() == "2025"
        && v.value.get() == 46.1
        && v.state == tiendo_domain::values::ValueState::Approved));

    // The official's overview lists the week's warnings in Vietnamese.
    login(&c, &base, "van-phong").await;
    c.goto(&format!("{base}/")).await.unwrap();
    let page = c.source().await.unwrap();
    assert!(page.contains("id=\"warnings\"") && page.contains("Chưa nộp báo cáo"));
    screenshots(&c, "overview-official").await;

    // The standing office's quarterly report: the printable page offers it as a Word file.
    c.goto(&format!("{base}/reports/units/HA-TINH"))
        .await
        .unwrap();
    let period = wait_for(&c, "word-period").await;
    assert!(period.text().await.unwrap().contains("Quý III/2025"));
    screenshots(&c, "report-word").await;

    // The published DTI results, year by year.
    c.goto(&format!("{base}/indices/dti-like?year=2022"))
        .await
        .unwrap();
    let table = wait_for(&c, "published-results")
        .await
        .text()
        .await
        .unwrap();
    assert!(table.lines().count() > 60, "{table}");
    screenshots(&c, "index-dti").await;

    // The public: the national overview without signing in, and the form to send feedback.
    c.delete_all_cookies().await.unwrap();
    c.goto(&format!("{base}/")).await.unwrap();
    let page = c.source().await.unwrap();
    assert!(
        page.contains("Đăng nhập"),
        "a visitor is offered to sign in"
    );
    screenshots(&c, "overview-public").await;
    c.goto(&format!("{base}/feedback")).await.unwrap();
    assert!(c.source().await.unwrap().contains("<form"));
    screenshots(&c, "feedback-public").await;
    c.close().await.unwrap();
}

/// Picks the option `value` of the select `id`.
async fn choose(c: &Client, id: &str, value: &str) {
    c.find(Locator::Id(id))
        .await
        .unwrap()
        .select_by_value(value)
        .await
        .unwrap_or_else(|e| panic!("#{id} has no option {value}: {e}"));
}

async fn type_into(c: &Client, id: &str, text: &str) {
    let field = c.find(Locator::Id(id)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(tiendo_browser),
    ignore = "skipped: TIENDO_TEST_CHROMEDRIVER is not set"
)]
async fn a_province_builds_its_own_dashboard_in_chromium() {
    let Session {
        app: _app,
        base,
        _driver: _keep,
        c,
    } = session("2025-10-20").await;
    login(&c, &base, "ha-tinh").await;
    c.goto(&format!("{base}/dashboards")).await.unwrap();
    click(&c, "new-dashboard").await;
    wait_for(&c, "dashboard-form").await;
    type_into(&c, "d-title_vi", "Chỉ đạo điều hành chuyển đổi số Hà Tĩnh").await;
    type_into(&c, "d-code", "ht-chi-dao").await;
    c.find(Locator::Css("input[name='audience'][value='viewer']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    choose(&c, "w0-kind", "chart").await;
    choose(&c, "w0-target", "DTI-RANK").await;
    choose(&c, "w1-kind", "table").await;
    for t in ["HT-T1", "HT-T3", "HT-T4"] {
        choose(&c, "w1-targets", t).await;
    }
    choose(&c, "w2-kind", "warnings").await;
    choose(&c, "w3-kind", "tasks").await;
    choose(&c, "w3-view", "overdue").await;
    choose(&c, "w4-kind", "text").await;
    type_into(&c, "w4-heading", "Việc cần làm trong tuần").await;
    type_into(
        &c,
        "w4-body",
        "Các sở gửi số liệu quý III trước ngày 25/10.",
    )
    .await;
    choose(&c, "w5-kind", "tiles").await;
    choose(&c, "w5-target", "HT-T3").await;
    click(&c, "save-dashboard").await;
    wait_for(&c, "edit-dashboard").await;
    let page = c.source().await.unwrap();
    for text in [
        "Các đơn vị trực thuộc theo tình trạng",
        "Chỉ đạo điều hành chuyển đổi số Hà Tĩnh",
        "Xếp hạng DTI cấp tỉnh trong 63 tỉnh, thành phố",
        "Bảng chỉ tiêu",
        "Nhiệm vụ quá hạn",
        "Các sở gửi số liệu quý III trước ngày 25/10.",
    ] {
        assert!(page.contains(text), "{text} is missing from the dashboard");
    }
    assert!(c
        .current_url()
        .await
        .unwrap()
        .path()
        .ends_with("/dashboards/ht-chi-dao"));
    screenshots(&c, "dashboard-ha-tinh").await;
    // Its sixth block, the units within as tiles, scrolled to.
    let url = c.current_url().await.unwrap();
    for width in [1366u32, 390] {
        c.set_window_size(width, 1400).await.unwrap();
        c.goto(url.as_str()).await.unwrap();
        c.goto(&format!("{url}#w6")).await.unwrap();
        screenshot(&c, &format!("dashboard-ha-tinh-tiles-{width}.png")).await;
    }
    c.set_window_size(1280, 1800).await.unwrap();
    // Its leader finds it on the overview they land on.
    login(&c, &base, "lanh-dao").await;
    c.goto(&format!("{base}/")).await.unwrap();
    c.find(Locator::Css(
        "#dashboards a[href*='/dashboards/ht-chi-dao']",
    ))
    .await
    .expect("the leader's overview links the province's dashboard");
    c.close().await.unwrap();
}

/// A plan's appendix as the standing office receives it in Excel: a group heading, a task and
/// its part, and a task for an agency tiendo has no unit for.
fn appendix_workbook() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Phụ lục").unwrap();
    let rows: [[&str; 6]; 5] = [
        [
            "TT",
            "Nội dung nhiệm vụ",
            "Cơ quan chủ trì",
            "Cơ quan phối hợp",
            "Sản phẩm",
            "Thời hạn",
        ],
        ["I", "HOÀN THIỆN THỂ CHẾ", "", "", "", ""],
        [
            "1",
            "Xây dựng cơ sở dữ liệu về đổi mới sáng tạo",
            "Bộ KH&CN",
            "Bộ TT&TT; các bộ, ngành",
            "Cơ sở dữ liệu",
            "Quý IV/2026",
        ],
        [
            "1.1",
            "Cập nhật dữ liệu của tỉnh",
            "UBND tỉnh Hà Tĩnh",
            "",
            "Báo cáo",
            "Hằng năm",
        ],
        [
            "2",
            "Thẩm tra dự án luật",
            "Quốc hội",
            "Bộ Tư pháp",
            "Báo cáo thẩm tra",
            "Trước 30/6/2026",
        ],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            sheet.write_string(r as u32, c as u16, *cell).unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

/// The standing office imports a plan's appendix: every task previewed with the agency it
/// could not match, maps it once, and writes the tasks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(tiendo_browser),
    ignore = "skipped: TIENDO_TEST_CHROMEDRIVER is not set"
)]
async fn an_appendix_in_excel_becomes_tasks_in_chromium() {
    let Session {
        app,
        base,
        _driver: _keep,
        c,
    } = session("2025-10-20").await;
    login(&c, &base, "van-phong").await;
    c.goto(&format!("{base}/admin/define")).await.unwrap();
    wait_for(&c, "appendix-link").await;
    screenshots(&c, "define-appendix-link").await;
    click(&c, "appendix-link").await;
    choose(&c, "appendix-document", "03/NQ-CP").await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("phu-luc.xlsx");
    std::fs::write(&path, appendix_workbook()).unwrap();
    c.find(Locator::Id("appendix-file"))
        .await
        .unwrap()
        .send_keys(path.to_str().unwrap())
        .await
        .unwrap();
    click(&c, "appendix-preview").await;
    let problems = wait_for(&c, "appendix-problems")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        problems.contains("Không xác định được cơ quan \"Quốc hội\""),
        "{problems}"
    );
    assert!(problems.contains("Phụ lục, dòng 5, cột C"), "{problems}");
    let tasks = text_of(&c, "appendix-tasks").await;
    assert!(tasks.contains("Bộ Khoa học và Công nghệ"), "{tasks}");
    assert!(tasks.contains("hằng năm"), "{tasks}");
    screenshots(&c, "appendix-preview").await;

    choose(&c, "map-1", "-").await;
    click(&c, "appendix-again").await;
    let summary = wait_for(&c, "appendix-summary").await.text().await.unwrap();
    assert!(summary.contains("3 nhiệm vụ: 3 mới"), "{summary}");
    click(&c, "appendix-write").await;
    let done = wait_for(&c, "appendix-done").await.text().await.unwrap();
    assert!(
        done.contains("Đã ghi 3 nhiệm vụ vào văn bản 03/NQ-CP"),
        "{done}"
    );
    screenshots(&c, "appendix-written").await;
    let part = app
        .state
        .store
        .tasks(&tiendo_storage::TaskFilter::all(
            tiendo_domain::tasks::Clearance::Secret,
        ))
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.code.as_str() == "03-NQ-CP-1.1")
        .expect("the part of task 1 is stored");
    assert_eq!(part.parent.as_ref().map(|p| p.as_str()), Some("03-NQ-CP-1"));
    assert_eq!(part.lead.as_str(), "HA-TINH");
    c.close().await.unwrap();
}
