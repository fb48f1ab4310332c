//! The web application in Debian's headless Chromium, driven over WebDriver: a province
//! reporter enters and submits a value, the standing office approves it, the overview shows
//! it, and the reporter is refused another province. A screenshot of the overview is saved
//! under `target/test-output/`.

mod support;

use std::net::SocketAddr;
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

async fn serve(app: &support::App) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = app.router.clone();
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    addr
}

async fn login(c: &Client, base: &str, user: &str) {
    c.delete_all_cookies().await.unwrap();
    c.goto(&format!("{base}/login?lang=en")).await.unwrap();
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
    c.find(Locator::Id("login-button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
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
    let app = support::demo("2025-10-20").await;
    let addr = serve(&app).await;
    // Browsers treat localhost as a secure origin, so the session's Secure cookie is kept.
    let base = format!("http://localhost:{}", addr.port());
    let driver = driver().await;
    let c = browser(&driver).await;

    login(&c, &base, "ha-tinh").await;
    c.goto(&format!("{base}/units/HA-TINH/entry?period=2025Q3&lang=en"))
        .await
        .unwrap();
    let input = c.find(Locator::Css("input[name^='v_']")).await.unwrap();
    let field = input.attr("name").await.unwrap().unwrap();
    let target = field.trim_start_matches("v_").to_string();
    input.send_keys("64,2").await.unwrap();
    c.find(Locator::Id("submit-values"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let status = c
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Id("entry-status"))
        .await
        .unwrap();
    assert!(status
        .text()
        .await
        .unwrap()
        .contains("submitted for approval"));

    // The reporter is refused another province's entry form.
    c.goto(&format!("{base}/units/NGHE-AN/entry?lang=en"))
        .await
        .unwrap();
    let refused = c.source().await.unwrap();
    assert!(
        refused.contains("403") && refused.contains("may not enter values for NGHE-AN"),
        "{refused}"
    );

    login(&c, &base, "van-phong").await;
    c.goto(&format!("{base}/approvals?lang=en")).await.unwrap();
    let key = format!("{target}|HA-TINH|2025Q3");
    c.find(Locator::Css(&format!("button[data-key='{key}']")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Id("review-status"))
        .await
        .unwrap();

    // The overview is recomputed after the approval; reload until it shows.
    let mut seen = false;
    for _ in 0..50 {
        c.goto(&format!("{base}/?lang=en")).await.unwrap();
        let section = c.find(Locator::Id("recent-approvals")).await.unwrap();
        let text = section.text().await.unwrap();
        if text.contains(&target) && text.contains("64.20") {
            seen = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(seen, "the overview shows the approved value");
    let png = c.screenshot().await.unwrap();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/test-output");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("overview.png");
    std::fs::write(&path, &png).unwrap();
    println!(
        "screenshot of the overview: {} ({} bytes)",
        path.display(),
        png.len()
    );
    assert!(png.starts_with(b"\x89PNG"));
    c.close().await.unwrap();
}
