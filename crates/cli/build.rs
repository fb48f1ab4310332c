//! Turns on the command line's PostgreSQL tests when a test server is named (CI always names
//! one), and its PDF tests when LibreOffice is named; without them they are reported as
//! ignored, with the reason, never as passed.
fn main() {
    println!("cargo::rerun-if-env-changed=TIENDO_TEST_POSTGRES_URL");
    println!("cargo::rerun-if-env-changed=TIENDO_TEST_SOFFICE");
    println!("cargo::rustc-check-cfg=cfg(tiendo_pg)");
    println!("cargo::rustc-check-cfg=cfg(tiendo_soffice)");
    if std::env::var("TIENDO_TEST_POSTGRES_URL").is_ok_and(|v| !v.is_empty()) {
        println!("cargo::rustc-cfg=tiendo_pg");
    }
    if std::env::var("TIENDO_TEST_SOFFICE").is_ok_and(|v| !v.is_empty()) {
        println!("cargo::rustc-cfg=tiendo_soffice");
    }
}
