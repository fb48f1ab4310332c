//! Rebuilds when migrations change (they are embedded), and turns on the PostgreSQL half of
//! the conformance suite when a test server is named.
fn main() {
    println!("cargo::rerun-if-changed=migrations");
    println!("cargo::rerun-if-env-changed=TIENDO_TEST_POSTGRES_URL");
    println!("cargo::rustc-check-cfg=cfg(tiendo_pg)");
    if std::env::var("TIENDO_TEST_POSTGRES_URL").is_ok_and(|v| !v.is_empty()) {
        println!("cargo::rustc-cfg=tiendo_pg");
    }
}
