//! Turns on the browser tests when a ChromeDriver is named (CI installs Debian's chromium and
//! chromium-driver and sets the variable); without it they are reported as ignored, with the
//! reason, never as passed.
fn main() {
    // The attack suite runs on PostgreSQL too when a test server is named.
    println!("cargo::rerun-if-env-changed=TIENDO_TEST_POSTGRES_URL");
    println!("cargo::rustc-check-cfg=cfg(tiendo_pg)");
    if std::env::var("TIENDO_TEST_POSTGRES_URL").is_ok_and(|v| !v.is_empty()) {
        println!("cargo::rustc-cfg=tiendo_pg");
    }
    println!("cargo::rerun-if-env-changed=TIENDO_TEST_CHROMEDRIVER");
    println!("cargo::rustc-check-cfg=cfg(tiendo_browser)");
    if std::env::var("TIENDO_TEST_CHROMEDRIVER").is_ok_and(|v| !v.is_empty()) {
        println!("cargo::rustc-cfg=tiendo_browser");
    }
}
