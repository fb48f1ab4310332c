//! Turns on the command line's PostgreSQL tests when a test server is named (CI always names
//! one); without it they are reported as ignored, with the reason, never as passed.
fn main() {
    println!("cargo::rerun-if-env-changed=TIENDO_TEST_POSTGRES_URL");
    println!("cargo::rustc-check-cfg=cfg(tiendo_pg)");
    if std::env::var("TIENDO_TEST_POSTGRES_URL").is_ok_and(|v| !v.is_empty()) {
        println!("cargo::rustc-cfg=tiendo_pg");
    }
}
