//! The architecture's invariants (ARCHITECTURE.md), checked on the source tree so that a change
//! that breaks one fails the suite instead of waiting for a reviewer to notice.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every `.rs` file below `dir`, with its text.
fn sources(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                out.push((path, text));
            }
        }
    }
    assert!(!out.is_empty(), "no sources below {}", dir.display());
    out
}

/// The lines of `text` that are code, not comments.
fn code_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.starts_with("//"))
}

fn crates() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root().join("crates"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn only_storage_speaks_sql() {
    let mut offenders = Vec::new();
    for name in crates() {
        let manifest =
            std::fs::read_to_string(root().join("crates").join(&name).join("Cargo.toml")).unwrap();
        for driver in ["sqlx", "rusqlite", "postgres"] {
            let depends = manifest.lines().any(|l| {
                l.trim_start().starts_with(&format!("{driver}."))
                    || l.trim_start().starts_with(&format!("{driver} "))
            });
            if depends && name != "storage" {
                offenders.push(format!("crates/{name} depends on {driver}"));
            }
        }
    }
    assert!(offenders.is_empty(), "{offenders:#?}");
}

#[test]
fn evaluation_reads_no_clock() {
    let mut offenders = Vec::new();
    for (path, text) in sources(&root().join("crates/evaluation/src")) {
        for (n, line) in code_lines(&text) {
            for clock in ["now()", "Instant", "SystemTime", "Local::", "Utc::now"] {
                if line.contains(clock) {
                    offenders.push(format!("{}:{n}: {line}", path.display()));
                }
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "evaluation must take the day as an argument: {offenders:#?}"
    );
}

#[test]
fn evaluation_returns_facts_not_sentences() {
    let mut offenders = Vec::new();
    for (path, text) in sources(&root().join("crates/evaluation/src")) {
        // Unit tests may print what they compare.
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        for (n, line) in code_lines(code) {
            for sentence in ["explanation", "fn label(", "fmt::Display for", "fn explain"] {
                if line.contains(sentence) {
                    offenders.push(format!("{}:{n}: {line}", path.display()));
                }
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "evaluation returns facts; tiendo-wording words them in the reader's language: \
         {offenders:#?}"
    );
}

#[test]
fn benchmarks_live_in_their_own_crate() {
    let mut offenders = Vec::new();
    for name in crates().into_iter().filter(|n| n != "bench") {
        for (path, text) in sources(&root().join("crates").join(&name).join("src")) {
            let file = path.file_name().unwrap().to_string_lossy().into_owned();
            // Storage keeps the baseline loader it measures against, compiled only for
            // the benchmarks (its SQL may not leave storage).
            let gated = text.contains("#[cfg(feature = \"bench\")]\nmod bench;");
            if file.starts_with("bench") && name != "storage" {
                offenders.push(path.display().to_string());
            }
            if name == "storage" && file == "lib.rs" && !gated {
                offenders.push(format!(
                    "{}: `mod bench` outside the bench feature",
                    path.display()
                ));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "benchmark code belongs in crates/bench: {offenders:#?}"
    );
}

#[test]
fn routes_declare_their_csrf_check_in_the_signature() {
    // The guards check the token (a multipart upload's through `guards::checked_file`).
    let allowed = ["api/guards.rs", "pages/guards.rs", "auth.rs"];
    let mut offenders = Vec::new();
    for (path, text) in sources(&root().join("crates/web/src")) {
        let name = path.display().to_string();
        if allowed.iter().any(|a| name.ends_with(a)) {
            continue;
        }
        for (n, line) in code_lines(&text) {
            if line.contains("check_csrf(") {
                offenders.push(format!("{name}:{n}: {line}"));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "take `Writer`/`Definer` (API) or `Checked<T>` (pages) instead: {offenders:#?}"
    );
}

#[test]
fn the_domain_does_no_io() {
    let manifest = std::fs::read_to_string(root().join("crates/domain/Cargo.toml")).unwrap();
    let deps = manifest
        .split("[dev-dependencies]")
        .next()
        .unwrap_or_default();
    for io in ["tokio", "sqlx", "reqwest", "rusqlite", "lettre"] {
        assert!(!deps.contains(io), "tiendo-domain depends on {io}");
    }
    let mut offenders = Vec::new();
    for (path, text) in sources(&root().join("crates/domain/src")) {
        for (n, line) in code_lines(&text) {
            for io in ["std::fs", "File::", "std::net", "std::env", "std::process"] {
                if line.contains(io) {
                    offenders.push(format!("{}:{n}: {line}", path.display()));
                }
            }
        }
    }
    assert!(offenders.is_empty(), "{offenders:#?}");
}

#[test]
fn pages_and_the_api_never_import_each_other() {
    let web = root().join("crates/web/src");
    let mut offenders = Vec::new();
    let mut check = |dir_or_file: PathBuf, forbidden: [&str; 2]| {
        let files = if dir_or_file.is_dir() {
            sources(&dir_or_file)
        } else {
            let text = std::fs::read_to_string(&dir_or_file).unwrap();
            vec![(dir_or_file, text)]
        };
        for (path, text) in files {
            for (n, line) in code_lines(&text) {
                if forbidden.iter().any(|f| line.contains(f)) {
                    offenders.push(format!("{}:{n}: {line}", path.display()));
                }
            }
        }
    };
    check(web.join("pages"), ["crate::api", "super::api"]);
    check(web.join("api"), ["crate::pages", "super::pages"]);
    check(web.join("app"), ["crate::pages", "crate::api"]);
    assert!(
        offenders.is_empty(),
        "pages and api share operations through crate::app: {offenders:#?}"
    );
}

#[test]
fn values_are_written_through_the_one_rule() {
    // The domain's admissibility rule is the only place a value's acceptability is decided:
    // the storage paths that write values call it.
    let storage = root().join("crates/storage/src");
    for file in ["values.rs", "entry.rs"] {
        let text = std::fs::read_to_string(storage.join(file)).unwrap();
        assert!(
            text.contains("admissibility::"),
            "crates/storage/src/{file} writes values without the admissibility rule"
        );
    }
    // No other crate writes values: every write goes through these two.
    let mut offenders = Vec::new();
    for name in crates().into_iter().filter(|c| c != "storage") {
        for (path, text) in sources(&root().join("crates").join(&name).join("src")) {
            if text.contains("INSERT INTO data_values") {
                offenders.push(path.display().to_string());
            }
        }
    }
    assert!(offenders.is_empty(), "{offenders:#?}");
}

/// A refused row reads the same from every reader and import: one problem-at-a-place type,
/// `tiendo_domain::problems::Problem`, and no other.
#[test]
fn problems_at_a_place_have_one_type() {
    let mut offenders = Vec::new();
    for name in crates() {
        for (path, text) in sources(&root().join("crates").join(&name)) {
            for (n, line) in code_lines(&text) {
                let item = line
                    .trim_start_matches("pub(crate) ")
                    .trim_start_matches("pub ");
                let declares = ["struct ", "enum "].iter().any(|kind| {
                    item.strip_prefix(kind)
                        .and_then(|rest| rest.split(|c: char| !c.is_alphanumeric()).next())
                        .is_some_and(|ty| ty.ends_with("Problem") || ty == "ProblemLine")
                });
                let the_one =
                    path.ends_with("domain/src/problems.rs") && line.contains("struct Problem");
                if declares && !the_one {
                    offenders.push(format!("{}:{n}: {line}", path.display()));
                }
            }
        }
    }
    assert!(offenders.is_empty(), "{offenders:#?}");
}
