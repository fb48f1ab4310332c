//! The `tiendo` binary as a user runs it: a fresh SQLite file in a temporary directory.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Workspace {
    dir: tempfile::TempDir,
}

impl Workspace {
    fn new() -> Self {
        Workspace {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn db(&self) -> PathBuf {
        self.dir.path().join("tiendo.db")
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_tiendo"))
            .args(args)
            .env("TIENDO_DATABASE_URL", self.db())
            .current_dir(self.dir.path())
            .output()
            .unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "tiendo {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs a command that must fail with exit code 2 (bad input); returns what it said.
    fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert_eq!(out.status.code(), Some(2), "tiendo {args:?}");
        String::from_utf8(out.stderr).unwrap()
    }

    /// A new instance: the administrative hierarchy and its administrator, nothing else.
    fn initialised() -> Self {
        let w = Workspace::new();
        let init = Command::new(env!("CARGO_BIN_EXE_tiendo"))
            .args(["init", "--hierarchy"])
            .env("TIENDO_DATABASE_URL", w.db())
            .env("TIENDO_ADMIN_PASSWORD", "ngày mai trời lại sáng 2026")
            .output()
            .unwrap();
        assert!(init.status.success(), "{init:?}");
        w
    }

    fn demo() -> Self {
        let w = Workspace::new();
        w.ok(&["demo", "--yes"]);
        w
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    }
}

fn json(s: &str) -> serde_json::Value {
    serde_json::from_str(s).unwrap()
}

fn count_values(w: &Workspace) -> usize {
    w.ok(&["values", "export"]).lines().count() - 1
}

#[test]
fn demo_creates_the_database_file_in_the_working_directory_by_default() {
    let w = Workspace::new();
    let out = Command::new(env!("CARGO_BIN_EXE_tiendo"))
        .args(["demo", "--yes"])
        .env_remove("TIENDO_DATABASE_URL")
        .current_dir(w.dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(Path::new(&w.dir.path().join("tiendo.db")).exists());
    let text = String::from_utf8(out.stdout).unwrap();
    // Vietnamese by default.
    assert!(
        text.contains("63 trước ngày 01/07/2025, 34 từ ngày 01/07/2025"),
        "{text}"
    );
}

#[test]
fn demo_refuses_to_replace_data_without_confirmation() {
    let w = Workspace::demo();
    let out = w.run(&["demo"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--yes"));
}

#[test]
fn provinces_before_and_after_the_merger() {
    let w = Workspace::demo();
    let before = json(&w.ok(&[
        "orgs",
        "--kind",
        "province",
        "--at",
        "2025-06-30",
        "--format",
        "json",
    ]));
    let before = before.as_array().unwrap();
    assert_eq!(before.len(), 63);
    let merged: Vec<_> = before.iter().filter(|u| !u["to"].is_null()).collect();
    assert_eq!(merged.len(), 52);
    for u in &merged {
        assert!(u["successor"].is_string(), "{u}");
        assert_eq!(u["successor_from"], "2025-07-01");
    }
    let ha_giang = before.iter().find(|u| u["code"] == "HA-GIANG").unwrap();
    assert_eq!(ha_giang["successor"], "TUYEN-QUANG");
    let after = json(&w.ok(&[
        "orgs",
        "--kind",
        "province",
        "--at",
        "2025-07-01",
        "--format",
        "json",
    ]));
    assert_eq!(after.as_array().unwrap().len(), 34);
    let under = w.ok(&[
        "orgs",
        "--under",
        "HA-TINH",
        "--at",
        "2025-07-01",
        "--format",
        "csv",
    ]);
    assert!(
        under.lines().count() > 40,
        "Hà Tĩnh has its communes below it"
    );
    assert!(under
        .lines()
        .skip(1)
        .all(|l| l.starts_with("HA-TINH") || l.starts_with("HT-")));
}

#[test]
fn resolution_57_targets_as_json() {
    let w = Workspace::demo();
    let targets = json(&w.ok(&["targets", "--document", "57-NQ/TW", "--format", "json"]));
    let targets = targets.as_array().unwrap();
    let codes: Vec<&str> = targets
        .iter()
        .map(|t| t["code"].as_str().unwrap())
        .collect();
    let want: Vec<String> = (1..=17)
        .map(|i| format!("T{i}"))
        .chain((1..=4).map(|i| format!("V{i}")))
        .collect();
    assert_eq!(codes, want);
    let t = |c: &str| targets.iter().find(|t| t["code"] == c).unwrap();
    assert_eq!(t("T7")["shape"], "threshold");
    assert_eq!(t("T7")["goals"][0]["requirement"]["op"], ">=");
    assert_eq!(t("T7")["goals"][0]["requirement"]["value"], 30.0);
    assert_eq!(t("T7")["goals"][0]["deadline"]["year"], 2030);
    assert_eq!(t("T2")["goals"].as_array().unwrap().len(), 2);
    assert_eq!(t("T15")["goals"][0]["requirement"]["max"], 18.0);
    assert_eq!(t("T16")["shape"], "range");
    assert_eq!(t("V1")["goals"][0]["deadline"]["year"], 2045);
    assert_eq!(t("T11")["goals"][0]["deadline"]["kind"], "every-year");
}

#[test]
fn a_bad_row_in_ten_thousand_writes_nothing_and_names_its_line() {
    let w = Workspace::demo();
    let before = count_values(&w);
    let communes: Vec<String> = w
        .ok(&[
            "orgs",
            "--under",
            "HA-TINH",
            "--kind",
            "commune",
            "--at",
            "2025-07-01",
            "--format",
            "csv",
        ])
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().to_string())
        .collect();
    let quarters = (2026..2100).flat_map(|y| (1..=4).map(move |q| format!("{y}Q{q}")));
    let good: Vec<String> = communes
        .iter()
        .flat_map(|c| quarters.clone().map(move |p| (c.clone(), p)))
        .take(10_000)
        .enumerate()
        .map(|(i, (c, p))| format!("HT-T3,{c},{p},{}.5,\n", i % 100))
        .collect();
    assert_eq!(good.len(), 10_000);
    let mut bad = good.clone();
    let mut fields: Vec<&str> = good[6_999].split(',').collect();
    let quarter_five = format!("{}Q5", &fields[2][..4]);
    fields[2] = &quarter_five;
    bad[6_999] = fields.join(",");
    let header = "target,org,period,value,comment\n";
    let csv = format!("{header}{}", bad.concat());
    let file = w.write("values.csv", &csv);
    let out = w.run(&["values", "import", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    // Line 1 is the header, so row 7,000 is line 7,001; the terminal reads Vietnamese.
    assert!(err.contains("dòng 7001, trường `period`"), "{err}");
    assert!(
        err.contains("Q5” không phải là kỳ báo cáo: hãy viết 2025"),
        "{err}"
    );
    assert_eq!(
        err.matches(", dòng ").count(),
        1,
        "only the bad line is named: {err}"
    );
    assert!(err.contains("không có gì được ghi"), "{err}");
    assert_eq!(count_values(&w), before);

    // Fixed, the same file goes in whole.
    let file = w.write("values.csv", &format!("{header}{}", good.concat()));
    let text = w.ok(&["values", "import", file.to_str().unwrap()]);
    assert!(text.contains("10000 giá trị mới"), "{text}");
    assert_eq!(count_values(&w), before + 10_000);
}

#[test]
fn import_refuses_unknown_codes_and_units_out_of_force() {
    let w = Workspace::demo();
    let file = w.write(
        "v.csv",
        "target,org,period,value,comment\nDTI,HA-TINH,2024,0.7,ok\nDTI,HA-GIANG,2026,0.6,\nDTI,NOWHERE,2024,0.5,\n",
    );
    let out = w.run(&["values", "import", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    // Units are named as their officers know them, in the terminal's language.
    assert!(
        err.contains("dòng 3, trường `period`: Đơn vị Hà Giang không hoạt động trong kỳ 2026"),
        "{err}"
    );
    assert!(
        err.contains("dòng 4, trường `org`: Không có đơn vị NOWHERE."),
        "{err}"
    );
    assert!(err.starts_with("Lỗi: "), "{err}");
    let out = w.run(&["--lang", "en", "values", "import", file.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("line 3, field `period`: Unit Ha Giang is not in force during 2026"),
        "{err}"
    );
    let bad_header = w.write("h.csv", "target,unit,period,value\n");
    let out = w.run(&["values", "import", bad_header.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Cột “unit” không thuộc mẫu"));
}

#[test]
fn export_then_import_round_trips() {
    let w = Workspace::demo();
    let exported = w.ok(&["values", "export", "--target", "PII"]);
    assert_eq!(
        exported.lines().next(),
        Some("target,org,period,value,comment")
    );
    assert!(exported.contains("PII,HA-NOI,2023,62.86,"), "{exported}");
    let file = w.write("pii.csv", &exported);
    let text = w.ok(&["values", "import", file.to_str().unwrap()]);
    assert!(
        text.contains("0 giá trị mới, 0 giá trị cập nhật, 24 giá trị không đổi"),
        "{text}"
    );

    // A comment a spreadsheet would run is exported as text and reads back as written.
    let risky = w.write(
        "risky.csv",
        "target,org,period,value,comment\nPII,HA-NOI,2026,60,\"=HYPERLINK(\"\"http://evil.example/\"\")\"\n",
    );
    w.ok(&[
        "values",
        "import",
        risky.to_str().unwrap(),
        "--state",
        "draft",
    ]);
    let exported = w.ok(&["values", "export", "--target", "PII", "--org", "HA-NOI"]);
    assert!(exported.contains("2026,60,\"'=HYPERLINK("), "{exported}");
    let again = w.write("again.csv", &exported);
    let text = w.ok(&[
        "values",
        "import",
        again.to_str().unwrap(),
        "--state",
        "draft",
    ]);
    assert!(
        text.contains("0 giá trị mới, 0 giá trị cập nhật"),
        "unchanged: {text}"
    );
}

#[test]
fn secret_tasks_stay_hidden_and_lists_filter() {
    let w = Workspace::demo();
    let tasks = json(&w.ok(&["tasks", "--org", "MPS-C06", "--format", "json"]));
    let codes: Vec<&str> = tasks
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["code"].as_str().unwrap())
        .collect();
    // C06 leads some of these tasks and coordinates the others.
    assert!(
        codes.contains(&"MPS-MOST-1") && codes.contains(&"MPS-MOST-2"),
        "{codes:?}"
    );
    let public = json(&w.ok(&["tasks", "--clearance", "public", "--format", "json"]));
    assert!(public
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["confidentiality"] == "public"));
    let docs = w.ok(&["documents", "--format", "csv"]);
    assert!(
        docs.contains("03/NQ-CP,action-programme,2025-01-09,GOV,57-NQ/TW"),
        "{docs}"
    );
}

#[test]
fn bad_arguments_exit_with_code_2_and_say_how_to_fix_them() {
    let w = Workspace::demo();
    for args in [
        vec!["orgs", "--at", "30/06/2025"],
        vec!["orgs", "--kind", "county"],
        vec!["orgs", "--under", "ATLANTIS"],
        vec!["targets", "--document", "99-NQ/TW"],
    ] {
        let out = w.run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(!out.stderr.is_empty());
    }
    let out = w.run(&["orgs", "--at", "30/06/2025"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("YYYY-MM-DD"));
    // A day no period can be kept for: serving it would evaluate periods storage cannot write.
    let out = w.run(&["serve", "--at", "2999-01-01"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("1900 to 2100"));
}

#[test]
fn every_command_has_help() {
    let w = Workspace::new();
    for args in [
        vec!["--help"],
        vec!["demo", "--help"],
        vec!["orgs", "--help"],
        vec!["documents", "--help"],
        vec!["targets", "--help"],
        vec!["tasks", "--help"],
        vec!["values", "import", "--help"],
        vec!["values", "export", "--help"],
        vec!["bench", "import", "--help"],
        vec!["progress", "--help"],
        vec!["index", "--help"],
        vec!["warnings", "--help"],
        vec!["scores", "--help"],
        vec!["synth", "--help"],
        vec!["figures", "--help"],
        vec!["bench", "evaluation", "--help"],
    ] {
        let text = w.ok(&args);
        assert!(text.contains("--db"), "{args:?} help names --db");
    }
}

fn progress_json(w: &Workspace, csv: &str, args: &[&str]) -> serde_json::Value {
    let file = w.write("series.csv", csv);
    let mut all = vec!["progress", file.to_str().unwrap(), "--format", "json"];
    all.extend_from_slice(args);
    json(&w.ok(&all))
}

#[test]
fn progress_matches_the_four_open_sdg_reference_cases() {
    let w = Workspace::new();
    let cases: [(&str, &[&str], &str, f64); 4] = [
        (
            "Year,Value\n2015,50\n2020,60\n",
            &["--target", "100", "--target-year", "2030"],
            "moderate_progress",
            1.3232,
        ),
        (
            "Year,Value\n2015,20\n2022,18\n",
            &["--target", "10", "--direction", "decrease"],
            "limited_progress",
            -1.1216,
        ),
        (
            "Year,Value\n2015,100\n2020,110\n",
            &[],
            "substantial_progress",
            4.6224,
        ),
        (
            "Year,Value\n2015,40\n2021,42\n",
            &["--direction", "decrease"],
            "deterioration",
            -3.5206,
        ),
    ];
    for (csv, args, status, score) in cases {
        let r = progress_json(&w, csv, args);
        assert_eq!(r["status"], status, "{csv}");
        let got = r["score"].as_f64().unwrap();
        assert!(
            (got - score).abs() < 5e-5,
            "{csv}: score {got}, expected {score}"
        );
        // The sentence is in Vietnamese by default, numbers written the Vietnamese way.
        let rounded = format!("{score:.2}").replace('.', ",");
        assert!(
            r["explanation"]
                .as_str()
                .unwrap()
                .ends_with(&format!("(điểm {rounded}).")),
            "{r}"
        );
        for field in [
            "base_year",
            "base_value",
            "current_year",
            "current_value",
            "observed_growth",
        ] {
            assert!(!r[field].is_null(), "{field} in {r}");
        }
    }
}

#[test]
fn progress_reads_the_headline_and_offers_three_methods() {
    let w = Workspace::new();
    let csv = "Year,Sex,Units,Value\n2015,,%,50\n2015,female,%,10\n2020,,%,60\n2020,female,%,90\n";
    let r = progress_json(&w, csv, &["--target", "100"]);
    assert_eq!(
        (r["base_value"].as_f64(), r["current_value"].as_f64()),
        (Some(50.0), Some(60.0))
    );
    let t = progress_json(&w, csv, &["--target", "100", "--method", "trajectory"]);
    assert_eq!(t["status"], "at_risk");
    let p = progress_json(&w, csv, &["--target", "70", "--method", "projection"]);
    assert_eq!(p["status"], "on_track");
    let text = w.ok(&[
        "progress",
        w.dir.path().join("series.csv").to_str().unwrap(),
        "--target",
        "100",
    ]);
    assert!(text.starts_with("Từ 50 năm 2015 đến 60 năm 2020"), "{text}");
    assert!(text.contains("Tiến bộ vừa phải"), "{text}");
    let english = w.ok(&[
        "progress",
        w.dir.path().join("series.csv").to_str().unwrap(),
        "--target",
        "100",
        "--lang",
        "en",
    ]);
    assert!(
        english.starts_with("From 50 in 2015 to 60 in 2020"),
        "{english}"
    );
    assert!(english.contains("Moderate progress"), "{english}");
}

#[test]
fn progress_explains_bad_input() {
    let w = Workspace::new();
    let bad = w.write("bad.csv", "Year,Value\n2015,50\n2016,lots\n");
    let out = w.run(&["progress", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("dòng 3, trường `Value`: “lots” không phải là số"));
    let mixed = w.write("mixed.csv", "Year,Units,Value\n2015,%,50\n2015,count,7\n");
    let out = w.run(&["--lang", "en", "progress", mixed.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("several sub-series in “Units”"));
    let ok = w.write("ok.csv", "Year,Value\n2015,50\n2020,60\n");
    let out = w.run(&["progress", ok.to_str().unwrap(), "--method", "projection"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs --target"));
}

#[test]
fn index_scores_ranks_and_restates_after_the_merger() {
    let w = Workspace::demo();
    // WIPO's worked pillars for Hà Giang; Tuyên Quang (before the merger) 10 points higher in
    // every pillar; Hà Tĩnh equal to Hà Giang, so the two share a rank.
    let pillars = [50.0, 30.0, 40.0, 45.0, 35.0, 38.0, 28.0];
    let mut csv = String::from("target,org,period,value,comment\n");
    for (i, v) in pillars.iter().enumerate() {
        let p = i + 1;
        csv.push_str(&format!("PII-P{p},HA-GIANG,2024,{v},\nPII-P{p},TUYEN-QUANG-63,2024,{},\nPII-P{p},HA-TINH,2024,{v},\n", v + 10.0));
    }
    let file = w.write("pillars.csv", &csv);
    w.ok(&["values", "import", file.to_str().unwrap()]);
    let r = json(&w.ok(&["index", "pii-like", "--period", "2024", "--format", "json"]));
    let node = |n: &str, u: &str| r["nodes"][n][u].clone();
    assert_eq!(node("INPUT", "HA-GIANG")["score"], 40.0);
    assert_eq!(node("OUTPUT", "HA-GIANG")["score"], 33.0);
    assert_eq!(node("PII", "HA-GIANG")["score"], 36.5);
    assert!((r["ratios"]["EFFICIENCY"]["HA-GIANG"].as_f64().unwrap() - 0.825).abs() < 1e-12);
    assert_eq!(node("PII", "TUYEN-QUANG-63")["rank"], 1);
    assert_eq!(node("PII", "HA-GIANG")["rank"], 2);
    assert_eq!(node("PII", "HA-TINH")["rank"], 2, "ties share a rank");
    assert!(node("PII", "HA-NOI")["score"].is_null());

    // On the 34-province basis the new Tuyên Quang scores the mean of its predecessors.
    let r = json(&w.ok(&[
        "index",
        "pii-like",
        "--period",
        "2024",
        "--at",
        "2025-07-01",
        "--format",
        "json",
    ]));
    assert_eq!(r["nodes"]["PII"]["TUYEN-QUANG"]["score"], 41.5);
    assert_eq!(r["nodes"]["PII"]["TUYEN-QUANG"]["rank"], 1);
    assert!(r["nodes"]["PII"].get("HA-GIANG").is_none());

    // DTI-like: points per main index; the root is total points / 1,000.
    let points = [
        ("AWARENESS", 80.0),
        ("INSTITUTIONS", 70.0),
        ("INFRASTRUCTURE", 60.0),
        ("HUMAN-RESOURCES", 50.0),
        ("CYBERSECURITY", 90.0),
        ("DIGITAL-GOVERNMENT", 150.0),
        ("DIGITAL-ECONOMY", 100.0),
        ("DIGITAL-SOCIETY", 120.0),
    ];
    let mut csv = String::from("target,org,period,value,comment\n");
    for (t, v) in points {
        csv.push_str(&format!("DTI-{t},HA-TINH,2024,{v},\n"));
    }
    let file = w.write("dti.csv", &csv);
    w.ok(&["values", "import", file.to_str().unwrap()]);
    let r = json(&w.ok(&["index", "dti-like", "--period", "2024", "--format", "json"]));
    let total: f64 = points.iter().map(|(_, v)| v).sum();
    assert!(
        (r["nodes"]["DTI"]["HA-TINH"]["score"].as_f64().unwrap() - total / 1000.0).abs() < 1e-12
    );
    assert!(
        (r["nodes"]["FOUNDATION"]["HA-TINH"]["score"]
            .as_f64()
            .unwrap()
            - 350.0 / 500.0)
            .abs()
            < 1e-12
    );
    let table = w.ok(&["index", "dti-like", "--period", "2024"]);
    assert!(
        table.contains("HA-TINH") && table.contains("0.7200"),
        "{table}"
    );
    let out = w.run(&["index", "dti-like", "--period", "2023"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no province has values"));
}

#[test]
fn warnings_name_unit_object_rule_and_evidence() {
    let w = Workspace::demo();
    let mut csv = String::from("target,org,period,value,comment\n");
    for (p, v) in [
        ("2024Q1", 50),
        ("2024Q2", 52),
        ("2024Q3", 51),
        ("2024Q4", 53),
        ("2025Q1", 52),
        ("2025Q2", 54),
        ("2025Q3", 97),
    ] {
        csv.push_str(&format!("HT-T4,HA-TINH,{p},{v},\n"));
    }
    // An impossible share (104 %) is refused on import with its line and rule, so it can
    // never reach evaluation; a plausible but abnormal jump is imported and warned about.
    let impossible = w.write(
        "ht4-impossible.csv",
        &csv.replace("2025Q3,97,", "2025Q3,104,"),
    );
    let refused = w.fails(&["values", "import", impossible.to_str().unwrap()]);
    assert!(
        refused.contains(
            "dòng 8, trường `value`: 104 không phải là giá trị có thể có của chỉ tiêu Tỷ lệ giao dịch không dùng tiền mặt (HT-T4)"
        ),
        "{refused}"
    );
    let file = w.write("ht4.csv", &csv);
    // Approved figures are the official ones evaluation and its warnings read.
    w.ok(&[
        "values",
        "import",
        file.to_str().unwrap(),
        "--state",
        "approved",
    ]);
    let list = json(&w.ok(&[
        "warnings",
        "--org",
        "HA-TINH",
        "--at",
        "2025-10-20",
        "--format",
        "json",
    ]));
    let list = list.as_array().unwrap();
    assert!(list.iter().all(|x| {
        let u = x["unit"].as_str().unwrap();
        u == "HA-TINH" || u.starts_with("HA-TINH-") || u == "HT-PSC"
    }));
    let find = |rule: &str| {
        list.iter()
            .find(|x| x["rule"] == rule && x["unit"] == "HA-TINH")
            .cloned()
    };
    assert!(find("value-out-of-bounds").is_none());
    // Evidence is given as facts; the table words it in the reader's language.
    let jump = find("abnormal-jump").unwrap();
    assert_eq!(jump["evidence"]["kind"], "jump");
    assert_eq!(jump["evidence"]["median"], 52.0);
    let table = w.ok(&["warnings", "--org", "HA-TINH", "--at", "2025-10-20"]);
    assert!(table.contains("trung vị 52"), "{table}");
    assert!(table.contains("Biến động bất thường"), "{table}");
    // Communes of Hà Tĩnh report HT-T3 quarterly and have not: each is told which quarter.
    let stale = list
        .iter()
        .find(|x| x["rule"] == "stale-report" && x["unit"] == "HA-TINH-X001")
        .expect("a commune that has not reported");
    assert_eq!(stale["subject"]["period"], "2025Q3");
    let out = w.run(&["warnings", "--org", "ATLANTIS"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn scores_class_units_with_a_rubric_from_a_file() {
    let w = Workspace::demo();
    let list = json(&w.ok(&[
        "scores",
        "--at",
        "2025-10-20",
        "--kind",
        "province",
        "--format",
        "json",
    ]));
    let list = list.as_array().unwrap();
    assert_eq!(
        list.len(),
        34,
        "every province in force that day reports something"
    );
    let ht = list.iter().find(|l| l["unit"] == "HA-TINH").unwrap();
    assert!(ht["score"].as_f64().unwrap() > 0.0);
    assert!(["excellent", "good", "completed", "not-completed"]
        .contains(&ht["class"].as_str().unwrap()));
    assert!(ht["explanation"].as_str().unwrap().contains("điểm →"));
    let bad = w.write("rubric.toml", "code = \"X\"\nname = \"x\"\n[[criterion]]\ncode = \"a\"\nname = \"a\"\npoints = 10\nmeasure = \"tasks-on-time\"\n[[class]]\nclass = \"good\"\nmin_score = 70\n");
    let out = w.run(&["scores", "--rubric", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("its last class must have no conditions"));
}

#[test]
fn synth_then_bench_evaluation_runs_end_to_end() {
    let w = Workspace::new();
    let text = w.ok(&["synth", "--small", "--yes"]);
    assert!(text.contains("3395 units"), "{text}");
    let out = w.run(&["synth", "--small"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "refuses to replace data unasked"
    );
    let table = w.ok(&["bench", "evaluation", "--runs", "1"]);
    for row in [
        "evaluate every target × unit",
        "both indices for all provinces",
        "all warnings",
        "one new value written and in the national figure",
        "peak memory",
    ] {
        assert!(table.contains(row), "{row} missing from:\n{table}");
    }
    // A wider horizon finds more tasks due soon.
    let due_soon = |days: &str| -> u64 {
        let rows = json(&w.ok(&[
            "tasks",
            "--summary",
            "document",
            "--at",
            "2026-01-31",
            "--due-soon-days",
            days,
            "--format",
            "json",
        ]));
        let row = rows
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["key"] == "SYN-PROGRAMME")
            .unwrap()
            .clone();
        let counts = row["counts"].as_array().unwrap();
        counts.iter().find(|c| c[0] == "due_soon").unwrap()[1]
            .as_u64()
            .unwrap()
    };
    assert!(due_soon("60") > due_soon("14"));
    // The synthetic dataset feeds every evaluation command.
    let scores = json(&w.ok(&[
        "scores",
        "--kind",
        "province",
        "--at",
        "2026-01-31",
        "--format",
        "json",
    ]));
    assert_eq!(scores.as_array().unwrap().len(), 34);
    let index = json(&w.ok(&["index", "pii-like", "--period", "2025", "--format", "json"]));
    assert!(index["nodes"]["PII"]["HA-NOI"]["rank"].as_u64().is_some());
}

#[test]
fn figures_roll_up_through_the_merger_and_tasks_show_status() {
    let w = Workspace::demo();
    let file = w.write(
        "dti.csv",
        "target,org,period,value,comment\nDTI,HA-GIANG,2024,0.61,\nDTI,TUYEN-QUANG-63,2024,0.65,\n",
    );
    w.ok(&["values", "import", file.to_str().unwrap()]);
    let after = json(&w.ok(&[
        "figures",
        "--target",
        "DTI",
        "--period",
        "2024",
        "--at",
        "2025-07-01",
        "--format",
        "json",
    ]));
    let find = |list: &serde_json::Value, u: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|l| l["unit"] == u)
            .cloned()
    };
    let tq = find(&after, "TUYEN-QUANG").expect("the merged province has a figure");
    assert!((tq["figure"].as_f64().unwrap() - 0.63).abs() < 1e-12);
    assert_eq!(tq["values"], 2);
    assert_eq!(
        find(&after, "VN").unwrap()["figure"],
        0.7955,
        "the country's own published figure stands"
    );
    let before = json(&w.ok(&[
        "figures",
        "--target",
        "DTI",
        "--period",
        "2024",
        "--at",
        "2025-06-30",
        "--format",
        "json",
    ]));
    assert_eq!(find(&before, "HA-GIANG").unwrap()["figure"], 0.61);
    assert!(find(&before, "TUYEN-QUANG").is_none());

    let tasks = json(&w.ok(&[
        "tasks",
        "--document",
        "HN-KH43",
        "--at",
        "2025-03-01",
        "--format",
        "json",
    ]));
    let status = |c: &str| {
        tasks
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["code"] == c)
            .unwrap()["status"]
            .clone()
    };
    assert_eq!(status("HN-KH43-1.1"), "completed_on_time");
    assert_eq!(status("HN-KH43-1"), "not_yet_due");
    let summary = json(&w.ok(&[
        "tasks",
        "--summary",
        "unit",
        "--at",
        "2025-03-01",
        "--format",
        "json",
    ]));
    let c06 = summary
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["key"] == "MPS-C06" && l["role"] == "coordinator")
        .expect("C06 coordinates tasks");
    assert_eq!(c06["total"], 2);
    let out = w.run(&["figures", "--target", "NOPE", "--period", "2024"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn notify_queues_the_days_warnings_once_and_refuses_bad_settings() {
    let w = Workspace::demo();
    let bad = w.run(&[
        "notify",
        "webhook",
        "ftp://hooks.example.vn",
        "--secret",
        "0123456789abcdef",
    ]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("is not an http(s) address"));
    let bad = w.run(&["notify", "send", "--smtp", "mail.example.vn"]);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("smtp://"));
    // An unreachable webhook: queued, tried, left for a retry.
    w.ok(&[
        "notify",
        "webhook",
        "http://127.0.0.1:9/hook",
        "--secret",
        "0123456789abcdef",
    ]);
    let first = w.ok(&["--lang", "en", "notify", "send", "--at", "2026-03-02"]);
    let queued: usize = first
        .split("; ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{first}"));
    assert!(queued > 0, "{first}");
    assert!(first.contains("0 sent"), "{first}");
    let again = w.ok(&["notify", "send", "--at", "2026-03-02"]);
    assert!(again.contains("; 0 thông báo mới được xếp hàng"), "{again}");
}

/// The audit chain holds on a fresh database; rewritten behind tiendo's back with sqlite3 (the
/// guards dropped first), `tiendo audit verify` exits 1 and names the entry.
#[test]
fn audit_verify_names_the_first_rewritten_entry() {
    let w = Workspace::demo();
    let text = w.ok(&["audit", "verify"]);
    assert!(text.contains("Chuỗi nhật ký nguyên vẹn"), "{text}");
    assert!(text.contains("Mã băm cuối của từng nhánh chuỗi"), "{text}");
    assert!(text.contains("Nhánh 1 ("), "{text}");
    let sqlite3 = std::process::Command::new("sqlite3")
        .arg(w.db())
        .arg(
            "DROP TRIGGER audit_log_no_update; \
             UPDATE audit_log SET actor = 'someone else' WHERE id = (SELECT MIN(id) FROM audit_log);",
        )
        .output()
        .expect("sqlite3 is installed (.ci/run installs it)");
    assert!(sqlite3.status.success(), "{sqlite3:?}");
    let out = w.run(&["--lang", "en", "audit", "verify"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("entry 1 no longer matches its hash"), "{err}");
}

#[test]
fn tables_read_in_vietnamese_and_csv_keeps_field_names() {
    let w = Workspace::demo();
    let table = w.ok(&["orgs", "--kind", "province", "--at", "2025-07-01"]);
    assert!(
        table.contains("Tên tiếng Việt") && table.contains("Tên tiếng Anh"),
        "{table}"
    );
    assert!(
        table.contains("Tỉnh, thành phố") && table.contains("Ha Noi"),
        "{table}"
    );
    assert!(table.contains("34 dòng"), "{table}");
    let csv = w.ok(&[
        "orgs",
        "--kind",
        "province",
        "--at",
        "2025-07-01",
        "--format",
        "csv",
    ]);
    assert!(csv.starts_with("code,kind,name_vi,name_en,"), "{csv}");
    assert!(csv.contains(",province,Hà Nội,Ha Noi,"), "{csv}");
    let targets = w.ok(&["targets", "--document", "57-NQ/TW"]);
    assert!(targets.contains("nhóm 3 đứng đầu Đông Nam Á"), "{targets}");
    let english = w.ok(&["--lang", "en", "targets", "--document", "57-NQ/TW"]);
    assert!(english.contains("top 3 South-East Asia"), "{english}");
}

#[test]
fn a_real_instance_starts_empty_with_its_administrator_and_imports_its_officers() {
    let w = Workspace::new();
    let with_password = |password: &str, args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_tiendo"))
            .args(args)
            .env("TIENDO_DATABASE_URL", w.db())
            .env("TIENDO_ADMIN_PASSWORD", password)
            .current_dir(w.dir.path())
            .output()
            .unwrap()
    };
    // No terminal: the password comes from the environment, and must be a real one.
    let weak = with_password("password123", &["init", "--hierarchy"]);
    assert_eq!(weak.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&weak.stderr).contains("Mật khẩu"),
        "{weak:?}"
    );
    let ok = with_password("ngày mai trời lại sáng 2026", &["init", "--hierarchy"]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains("tài khoản quản trị admin"));
    // Once is enough: init refuses a database that holds anything.
    let again = with_password("ngày mai trời lại sáng 2026", &["init"]);
    assert_eq!(again.status.code(), Some(2));

    // One bad line refuses the whole file, each problem on its line; nothing is written.
    let header = "username,display_name,role,capture_scope,view_scope,email\n";
    let bad = w.write(
        "officers.csv",
        &format!(
            "{header}ht-bc,Nguyễn Văn An,reporter,Hà Tĩnh,,an@hatinh.gov.vn\n\
             na-bc,Trần Thị Bình,reporter,Atlantis,,\n\
             van-phong-2,Lê Văn Cường,chief,,,\n\
             ht-bc,Phạm Dũng,viewer,,Hà Tĩnh,\n"
        ),
    );
    let err = w.fails(&["users", "import", bad.to_str().unwrap()]);
    assert!(
        err.contains("dòng 3: Không có đơn vị nào có tên hoặc mã “Atlantis”."),
        "{err}"
    );
    assert!(err.contains("dòng 4: Không có vai trò “chief”"), "{err}");
    assert!(
        err.contains("dòng 5: Tên đăng nhập “ht-bc” xuất hiện hai lần"),
        "{err}"
    );
    let short = w.write("short.csv", &format!("{header}vp,Lê Văn Cường,viewer,,,\n"));
    let err = w.fails(&["users", "import", short.to_str().unwrap()]);
    assert!(
        err.contains("dòng 2: “vp” không phải là tên đăng nhập hợp lệ: dùng từ 3 đến 64"),
        "{err}"
    );
    assert_eq!(
        w.ok(&["users", "list", "--format", "csv"]).lines().count(),
        2
    );

    let good = w.write(
        "officers.csv",
        &format!(
            "{header}ht-bc,Nguyễn Văn An,reporter,Hà Tĩnh,,an@hatinh.gov.vn\n\
             na-bc,Trần Thị Bình,reporter,nghe an,,\n\
             bo-khcn,Lê Văn Cường,reporter,MOST,,\n\
             ht-ld,Phạm Dũng,viewer,,Hà Tĩnh,\n"
        ),
    );
    let out = w.ok(&["users", "import", good.to_str().unwrap()]);
    assert!(out.contains("đã thêm 4 tài khoản"), "{out}");
    assert!(out.contains("Mật khẩu dùng một lần"), "{out}");
    let csv = w.ok(&["users", "list", "--format", "csv"]);
    assert!(csv.starts_with("username,display_name,role,capture_scope,view_scope,email"));
    assert!(
        csv.contains("ht-bc,Nguyễn Văn An,reporter,HA-TINH,HA-TINH,an@hatinh.gov.vn"),
        "{csv}"
    );
    assert!(csv.contains("ht-ld,Phạm Dũng,viewer,,HA-TINH,"), "{csv}");
    // Importing the same file again finds the names taken and adds nothing.
    let err = w.fails(&["users", "import", good.to_str().unwrap()]);
    assert!(err.contains("đã có người dùng"), "{err}");

    // A scope changes by name; the role stays.
    w.ok(&["users", "set-scope", "ht-ld", "--view", "nghe an"]);
    let csv = w.ok(&["users", "list", "--format", "csv"]);
    assert!(csv.contains("ht-ld,Phạm Dũng,viewer,,NGHE-AN,"), "{csv}");
    let bad_mail = w.write(
        "mail.csv",
        &format!("{header}ht-x,Hồ Xuân,viewer,,,không-phải-thư\n"),
    );
    let err = w.fails(&["users", "import", bad_mail.to_str().unwrap()]);
    assert!(
        err.contains("dòng 2: “không-phải-thư” không phải là địa chỉ thư điện tử."),
        "{err}"
    );
    w.ok(&["users", "disable", "na-bc"]);
    w.ok(&["users", "enable", "na-bc"]);
    let reset = w.ok(&["users", "reset-password", "ht-bc"]);
    assert!(reset.contains("ht-bc"), "{reset}");
    let err = w.fails(&["users", "disable", "khong-co"]);
    assert!(err.contains("Không có tài khoản “khong-co”"), "{err}");
}

#[test]
fn serving_beyond_the_machine_refuses_the_published_demo_password() {
    let w = Workspace::demo();
    let err = w.fails(&["serve", "--addr", "0.0.0.0:0", "--at", "2025-10-20"]);
    assert!(err.contains("--allow-demo-accounts"), "{err}");
}

#[test]
fn a_backup_restores_into_an_empty_database_with_everything_in_it() {
    let w = Workspace::demo();
    let file = w.dir.path().join("tiendo-backup.db");
    let out = w.ok(&["backup", file.to_str().unwrap()]);
    assert!(out.contains("Đã sao lưu"), "{out}");
    // Never over an existing file.
    let err = w.fails(&["backup", file.to_str().unwrap()]);
    assert!(err.contains("không ghi đè"), "{err}");
    let restored = w.dir.path().join("restored.db");
    let restored_url = restored.to_str().unwrap();
    let out = w.ok(&["--db", restored_url, "restore", file.to_str().unwrap()]);
    assert!(out.contains("Đã khôi phục"), "{out}");
    // Every listing reads the same from the copy.
    for args in [
        vec!["targets", "--format", "csv"],
        vec!["tasks", "--format", "csv"],
        vec!["users", "list", "--format", "csv"],
        vec!["values", "export"],
    ] {
        let mut on_copy = vec!["--db", restored_url];
        on_copy.extend(&args);
        assert_eq!(w.ok(&args), w.ok(&on_copy), "{args:?}");
    }
    // Restoring again finds the database holding data.
    let err = w.fails(&["--db", restored_url, "restore", file.to_str().unwrap()]);
    assert!(err.contains("đã có dữ liệu"), "{err}");
}

/// A database of its own on the test server, dropped afterwards.
#[cfg(tiendo_pg)]
struct PgDatabase {
    admin: String,
    name: String,
}

#[cfg(tiendo_pg)]
impl PgDatabase {
    fn new(tag: &str) -> PgDatabase {
        let admin = std::env::var("TIENDO_TEST_POSTGRES_URL").unwrap();
        let name = format!("tiendo_cli_{tag}_{}", std::process::id());
        let psql = |sql: &str| {
            let out = Command::new("psql")
                .args([admin.as_str(), "-qc", sql])
                .output()
                .expect("psql");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        psql(&format!("DROP DATABASE IF EXISTS {name}"));
        psql(&format!("CREATE DATABASE {name}"));
        PgDatabase { admin, name }
    }

    fn url(&self) -> String {
        let base = self
            .admin
            .rsplit_once('/')
            .map_or(self.admin.as_str(), |(b, _)| b);
        format!("{base}/{}", self.name)
    }
}

#[cfg(tiendo_pg)]
impl Drop for PgDatabase {
    fn drop(&mut self) {
        let _ = Command::new("psql")
            .args([
                self.admin.as_str(),
                "-qc",
                &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
            ])
            .output();
    }
}

#[test]
#[cfg_attr(
    not(tiendo_pg),
    ignore = "skipped: TIENDO_TEST_POSTGRES_URL is not set"
)]
fn a_postgresql_backup_restores_into_an_empty_database() {
    #[cfg(tiendo_pg)]
    {
        let w = Workspace::new();
        let (source, target) = (PgDatabase::new("src"), PgDatabase::new("dst"));
        let (src, dst) = (source.url(), target.url());
        w.ok(&["--db", &src, "demo", "--yes"]);
        let file = w.dir.path().join("tiendo.pgdump");
        w.ok(&["--db", &src, "backup", file.to_str().unwrap()]);
        let out = w.ok(&["--db", &dst, "restore", file.to_str().unwrap()]);
        assert!(out.contains("189 nhiệm vụ, 7 tài khoản"), "{out}");
        for args in [
            vec!["values", "export"],
            vec!["users", "list", "--format", "csv"],
        ] {
            let on = |db: &str| {
                let mut a = vec!["--db", db];
                a.extend(&args);
                w.ok(&a)
            };
            assert_eq!(on(&src), on(&dst), "{args:?}");
        }
    }
}

/// `tiendo copy`: an instance that outgrew its SQLite file moves to PostgreSQL with every row of
/// every table, its audit chain intact, and reads the same there.
#[test]
#[cfg_attr(
    not(tiendo_pg),
    ignore = "skipped: TIENDO_TEST_POSTGRES_URL is not set"
)]
fn an_instance_moves_from_sqlite_to_postgresql_with_every_row() {
    #[cfg(tiendo_pg)]
    {
        let w = Workspace::demo();
        let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/strategy");
        w.ok(&["load", folder.to_str().unwrap()]);
        let target = PgDatabase::new("copy");
        let dst = target.url();
        let src = w.db().to_str().unwrap().to_string();
        let out = w.ok(&["copy", "--from", &src, "--to", &dst]);
        assert!(out.contains("số dòng từng bảng khớp nhau"), "{out}");
        for table in [
            "org_units",
            "targets",
            "tasks",
            "data_values",
            "audit_log",
            "users",
        ] {
            let line = out
                .lines()
                .find(|l| l.contains(&format!(" {table} ")))
                .unwrap_or_else(|| panic!("{table} in {out}"));
            let counts: Vec<&str> = line
                .split(['│', '┆'])
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .collect();
            assert_eq!(counts[1], counts[2], "{line}");
            assert_ne!(counts[1], "0", "{line}");
        }
        for args in [
            vec!["values", "export"],
            vec!["targets", "--format", "csv"],
            vec!["tasks", "--format", "csv"],
            vec!["documents", "--format", "csv"],
            vec!["users", "list", "--format", "csv"],
            vec!["audit", "verify"],
        ] {
            let on = |db: &str| {
                let mut a = vec!["--db", db];
                a.extend(&args);
                w.ok(&a)
            };
            assert_eq!(on(&src), on(&dst), "{args:?}");
        }
        let err = w.fails(&["copy", "--from", &src, "--to", &dst]);
        assert!(err.contains("đã có dữ liệu"), "{err}");
        let err = w.fails(&["copy", "--from", "khong-co.db", "--to", &dst]);
        assert!(err.contains("không phải là một tệp SQLite"), "{err}");
    }
}

/// Asks `addr` for `path` over plain HTTP; the status line, or `None` when nothing answers.
fn http_status(addr: &str, path: &str) -> Option<String> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut answer = String::new();
    s.read_to_string(&mut answer).ok()?;
    answer.lines().next().map(str::to_string)
}

#[test]
fn the_server_stops_cleanly_on_sigterm_and_logs_in_json_on_request() {
    let w = Workspace::demo();
    let addr = free_address();
    let mut server = Command::new(env!("CARGO_BIN_EXE_tiendo"))
        .args(["serve", "--addr", &addr, "--at", "2025-10-20"])
        .env("TIENDO_DATABASE_URL", w.db())
        .env("TIENDO_LOG", "info")
        .env("TIENDO_LOG_FORMAT", "json")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut ready = None;
    for _ in 0..300 {
        ready = http_status(&addr, "/readyz");
        if ready.is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    if ready.as_deref() != Some("HTTP/1.1 200 OK") {
        let _ = server.kill();
        panic!("the server did not become ready: {ready:?}");
    }
    let term = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let out = server.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "stopped by SIGTERM, not killed: {:?}",
        out.status
    );
    let logs = String::from_utf8_lossy(&out.stderr);
    let stopping = logs
        .lines()
        .find(|l| l.contains("shutting down"))
        .unwrap_or_else(|| panic!("no shutdown line: {logs}"));
    let line: serde_json::Value = serde_json::from_str(stopping).expect("a JSON log line");
    assert_eq!(line["level"], "INFO", "{line}");
}

/// A loopback address no one listens on yet, for a server under test.
fn free_address() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    format!("127.0.0.1:{port}")
}

/// A minimal browser for one person: keeps cookies, follows no redirect.
struct Browser {
    base: String,
    http: reqwest::Client,
    cookies: std::collections::BTreeMap<String, String>,
}

impl Browser {
    fn new(base: String) -> Self {
        Browser {
            base,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: Default::default(),
        }
    }

    fn keep(&mut self, r: &reqwest::Response) {
        for c in r.headers().get_all(reqwest::header::SET_COOKIE) {
            let pair = c.to_str().unwrap().split(';').next().unwrap();
            let (k, v) = pair.split_once('=').unwrap();
            self.cookies.insert(k.to_string(), v.to_string());
        }
    }

    fn cookie(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Sends `request` with the cookies kept; returns the status, where it redirects, the body.
    async fn send(&mut self, request: reqwest::RequestBuilder) -> (u16, String, String) {
        let r = request
            .header(reqwest::header::COOKIE, self.cookie())
            .send()
            .await
            .unwrap();
        self.keep(&r);
        let location = location(&r);
        (r.status().as_u16(), location, r.text().await.unwrap())
    }

    async fn get(&mut self, path: &str) -> (u16, String, String) {
        let request = self.http.get(format!("{}{path}", self.base));
        self.send(request).await
    }

    async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> (u16, String, String) {
        let request = self.http.post(format!("{}{path}", self.base)).form(form);
        self.send(request).await
    }
}

fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get(reqwest::header::LOCATION)
        .map(|l| l.to_str().unwrap().to_string())
        .unwrap_or_default()
}

/// The value of the hidden field `name` in a page's form.
fn hidden(html: &str, name: &str) -> String {
    let at = html
        .find(&format!("name=\"{name}\" value=\""))
        .unwrap_or_else(|| panic!("no field {name} in {html}"));
    let rest = &html[at + name.len() + 15..];
    rest[..rest.find('"').unwrap()].to_string()
}

/// Kills the server when the test ends, passed or not.
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// From an empty database to a working instance, as its operators would do it: the first
/// administrator, one reporting officer for each of the 34 provinces and each ministry, a
/// strategy folder, the server, and a new officer who signs in with the one-time password,
/// must choose their own and then sees their work.
#[test]
fn from_an_empty_database_to_a_new_officer_at_work() {
    let w = Workspace::initialised();

    let mut officers = String::from("username,display_name,role,capture_scope,view_scope,email\n");
    let mut count = 0;
    for kind in ["province", "ministry"] {
        let units = w.ok(&[
            "orgs",
            "--kind",
            kind,
            "--at",
            "2025-07-01",
            "--format",
            "csv",
        ]);
        for row in csv::Reader::from_reader(units.as_bytes()).records() {
            let row = row.unwrap();
            let (code, name) = (&row[0], &row[2]);
            officers.push_str(&format!(
                "bc-{},\"Cán bộ báo cáo {name}\",reporter,{code},,\n",
                code.to_lowercase()
            ));
            count += 1;
        }
    }
    assert_eq!(count, 34 + 15, "34 provinces and 15 ministries in force");
    let file = w.write("officers.csv", &officers);
    let out = w.ok(&["users", "import", file.to_str().unwrap()]);
    assert!(out.contains(&format!("đã thêm {count} tài khoản")), "{out}");
    let password = out
        .lines()
        .find_map(|l| l.trim().strip_prefix("bc-ha-tinh "))
        .expect("a one-time password for bc-ha-tinh")
        .trim()
        .to_string();

    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/strategy");
    let loaded = w.ok(&["load", folder.to_str().unwrap()]);
    assert!(loaded.contains("Chỉ tiêu: 3 mới"), "{loaded}");
    let again = w.ok(&["load", folder.to_str().unwrap()]);
    assert!(
        again.contains("Chỉ tiêu: 0 mới, 0 thay đổi, 3 không đổi"),
        "{again}"
    );

    let addr = free_address();
    let _server = Server(
        Command::new(env!("CARGO_BIN_EXE_tiendo"))
            .args(["serve", "--addr", &addr])
            .env("TIENDO_DATABASE_URL", w.db())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let mut b = Browser::new(format!("http://{addr}"));
        let mut ready = false;
        for _ in 0..300 {
            if let Ok(r) = b.http.get(format!("{}/readyz", b.base)).send().await {
                if r.status().is_success() {
                    ready = true;
                    break;
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(ready, "the server answered /readyz within 30 s");

        let (_, _, form) = b.get("/login").await;
        let token = hidden(&form, "token");
        let (status, to, _) = b
            .post(
                "/login",
                &[
                    ("token", &token),
                    ("username", "bc-ha-tinh"),
                    ("password", &password),
                    ("next", "/"),
                ],
            )
            .await;
        assert_eq!(status, 303, "signed in");
        // Wherever they were going, a new officer first chooses their own password.
        let (status, to, _) = b.get(&to).await;
        assert_eq!((status, to.as_str()), (303, "/account/password"));
        let (_, _, page) = b.get("/account/password").await;
        let csrf = hidden(&page, "csrf");
        let mine = "hà tĩnh báo cáo đúng hạn 2026";
        let (status, to, _) = b
            .post(
                "/account/password",
                &[
                    ("csrf", &csrf),
                    ("current", &password),
                    ("new", mine),
                    ("again", mine),
                ],
            )
            .await;
        assert_eq!(status, 303);
        assert!(to.starts_with("/work"), "{to}");
        let (status, _, work) = b.get(&to).await;
        assert_eq!(status, 200);
        assert!(
            work.contains("Cán bộ báo cáo Hà Tĩnh"),
            "the officer's name is shown"
        );
    });
}

/// The configuration file sets the database, the language and where the server listens; an
/// environment variable overrides it and an option overrides both; a misspelt key is refused
/// at its line.
#[test]
fn a_configuration_file_is_overridden_by_the_environment_and_options() {
    let w = Workspace::demo();
    let addr = free_address();
    let config = w.write(
        "tiendo.toml",
        &format!(
            "database = \"{}\"\nlang = \"en\"\naddr = \"{addr}\"\n",
            w.db().display()
        ),
    );
    let tiendo = |args: &[&str], env: &[(&str, &str)]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_tiendo"));
        c.args(args)
            .env_remove("TIENDO_DATABASE_URL")
            .env_remove("TIENDO_LANG")
            .env("TIENDO_CONFIG", &config)
            .current_dir(std::env::temp_dir());
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().unwrap()
    };
    let text = |o: Output| {
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    };
    // The file's database and language.
    assert!(text(tiendo(&["documents"], &[])).contains(" row(s)"));
    // The environment over the file, the option over the environment.
    assert!(text(tiendo(&["documents"], &[("TIENDO_LANG", "vi")])).contains(" dòng"));
    assert!(text(tiendo(
        &["--lang", "en", "documents"],
        &[("TIENDO_LANG", "vi")]
    ))
    .contains(" row(s)"));

    let _server = Server(
        Command::new(env!("CARGO_BIN_EXE_tiendo"))
            .args(["serve", "--at", "2025-10-20"])
            .env_remove("TIENDO_DATABASE_URL")
            .env("TIENDO_CONFIG", &config)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut answered = None;
    for _ in 0..300 {
        answered = http_status(&addr, "/healthz");
        if answered.is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(
        answered.is_some_and(|s| s.contains("200")),
        "the server listens where the file says"
    );

    std::fs::write(&config, "database = \"x.db\"\nadr = \"127.0.0.1:1\"\n").unwrap();
    let refused = tiendo(&["documents"], &[]);
    assert_eq!(refused.status.code(), Some(2));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("dòng 2: không có tham số “adr” trong tệp cấu hình"),
        "{err}"
    );
}

/// Behind a reverse proxy tiendo listens on loopback, so its refusal to listen beyond it does
/// not stop the published demo password: that password signs in only on the server itself.
#[test]
fn the_demo_password_does_not_sign_in_through_a_proxy() {
    let w = Workspace::demo();
    let addr = free_address();
    let _server = Server(
        Command::new(env!("CARGO_BIN_EXE_tiendo"))
            .args(["serve", "--addr", &addr, "--at", "2025-10-20"])
            .env("TIENDO_DATABASE_URL", w.db())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let mut b = Browser::new(format!("http://{addr}"));
        for _ in 0..300 {
            if b.http
                .get(format!("{}/healthz", b.base))
                .send()
                .await
                .is_ok()
            {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let (_, _, form) = b.get("/login").await;
        let token = hidden(&form, "token");
        let fields = [
            ("token", token.as_str()),
            ("username", "ha-tinh"),
            ("password", "tiendo-demo-2025"),
            ("next", "/"),
        ];
        let proxied = b
            .http
            .post(format!("{}/login", b.base))
            .header("x-forwarded-for", "203.0.113.5")
            .form(&fields);
        let (status, _, page) = b.send(proxied).await;
        assert_eq!(status, 403);
        assert!(
            page.contains("chỉ đăng nhập được trực tiếp trên máy chủ"),
            "{page}"
        );
        let (_, _, form) = b.get("/login").await;
        let token = hidden(&form, "token");
        let (status, _, _) = b
            .post(
                "/login",
                &[
                    ("token", &token),
                    ("username", "ha-tinh"),
                    ("password", "tiendo-demo-2025"),
                    ("next", "/"),
                ],
            )
            .await;
        assert_eq!(status, 303, "on the server itself it still signs in");
    });
}

/// Two servers over one PostgreSQL database behave as one: a value approved on the first shows
/// on the second's public overview without waiting for its next refresh (both judge a fixed
/// day, so neither refreshes on a timer at all); a session and a guesser's failed sign-ins on
/// the first count on the second.
#[test]
#[cfg_attr(
    not(tiendo_pg),
    ignore = "skipped: TIENDO_TEST_POSTGRES_URL is not set"
)]
fn an_approval_on_one_server_shows_on_another() {
    #[cfg(tiendo_pg)]
    {
        let w = Workspace::new();
        let database = PgDatabase::new("two");
        let db = database.url();
        w.ok(&["--db", &db, "demo", "--yes"]);
        let file = w.write(
            "submitted.csv",
            "target,org,period,value,comment\nHT-T1,HA-TINH,2025,45.5,Sở Khoa học và Công nghệ\n",
        );
        w.ok(&[
            "--db",
            &db,
            "values",
            "import",
            file.to_str().unwrap(),
            "--author",
            "ha-tinh",
        ]);
        let serve = |addr: &str| {
            Server(
                Command::new(env!("CARGO_BIN_EXE_tiendo"))
                    .args(["serve", "--addr", addr, "--at", "2025-10-20"])
                    .env("TIENDO_DATABASE_URL", &db)
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::null())
                    .spawn()
                    .unwrap(),
            )
        };
        let (a, b) = (free_address(), free_address());
        let (_first, _second) = (serve(&a), serve(&b));
        tokio::runtime::Runtime::new().unwrap().block_on(async {
            let mut on_a = Browser::new(format!("http://{a}"));
            let on_b = Browser::new(format!("http://{b}"));
            for browser in [&on_a, &on_b] {
                let mut ready = false;
                for _ in 0..600 {
                    let answer = browser
                        .http
                        .get(format!("{}/readyz", browser.base))
                        .send()
                        .await;
                    if answer.is_ok_and(|r| r.status().is_success()) {
                        ready = true;
                        break;
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
                assert!(ready, "{} is ready on PostgreSQL", browser.base);
            }
            let approvals_on_b = || async {
                let overview: serde_json::Value = on_b
                    .http
                    .get(format!("{}/api/v1/overview", on_b.base))
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                overview["recent_approvals"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|x| x["target"] == "HT-T1" && x["unit"] == "HA-TINH")
            };
            assert!(!approvals_on_b().await, "not approved yet");

            let (_, _, form) = on_a.get("/login").await;
            let token = hidden(&form, "token");
            on_a.post(
                "/login",
                &[
                    ("token", &token),
                    ("username", "van-phong"),
                    ("password", "tiendo-demo-2025"),
                    ("next", "/approvals"),
                ],
            )
            .await;
            let (_, _, queue) = on_a.get("/approvals").await;
            let csrf = hidden(&queue, "csrf");
            let at = queue
                .find("value=\"HT-T1|HA-TINH|2025|")
                .expect("the value awaits review");
            let key = queue[at + 7..].split('"').next().unwrap().to_string();
            let (status, _, _) = on_a
                .post(
                    "/approvals",
                    &[("csrf", &csrf), ("key", &key), ("decision", "approve")],
                )
                .await;
            assert!(status < 400, "approved on the first server: {status}");
            let approved = std::time::Instant::now();
            let mut seen = None;
            while approved.elapsed() < std::time::Duration::from_secs(20) {
                if approvals_on_b().await {
                    seen = Some(approved.elapsed());
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            let seen = seen.expect("the second server shows the approval");
            println!("approval on {a} visible on {b} after {seen:?}");

            // A session begun on the first server is good on the second.
            let mut same_person_on_b = Browser::new(on_b.base.clone());
            same_person_on_b.cookies = on_a.cookies.clone();
            let (status, _, page) = same_person_on_b.get("/approvals").await;
            assert_eq!(status, 200, "the session is known to the second server");
            assert!(page.contains("name=\"csrf\""));

            // Someone guessing a password on the first server waits on the second too.
            let mut guesser_on_a = Browser::new(on_a.base.clone());
            for _ in 0..5 {
                let (_, _, form) = guesser_on_a.get("/login").await;
                let token = hidden(&form, "token");
                let (status, _, _) = guesser_on_a
                    .post(
                        "/login",
                        &[
                            ("token", &token),
                            ("username", "thanh-tra"),
                            ("password", "a wrong guess"),
                        ],
                    )
                    .await;
                assert_eq!(status, 401);
            }
            let mut guesser_on_b = Browser::new(on_b.base.clone());
            let (_, _, form) = guesser_on_b.get("/login").await;
            let token = hidden(&form, "token");
            let (status, _, page) = guesser_on_b
                .post(
                    "/login",
                    &[
                        ("token", &token),
                        ("username", "thanh-tra"),
                        ("password", "tiendo-demo-2025"),
                    ],
                )
                .await;
            assert_eq!(status, 429, "the second server holds the guesser back");
            assert!(page.contains("giây"), "{page}");

            // A strategy loaded from the command line reaches both servers' read models.
            let unit = |browser: &Browser| {
                let url = format!("{}/api/v1/units/MAU-UBND", browser.base);
                let http = browser.http.clone();
                async move { http.get(url).send().await.unwrap().status().as_u16() }
            };
            assert_eq!(unit(&on_b).await, 404, "not loaded yet");
            let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/strategy");
            let loaded = Command::new(env!("CARGO_BIN_EXE_tiendo"))
                .args(["--db", &db, "load", folder.to_str().unwrap()])
                .output()
                .unwrap();
            assert!(loaded.status.success(), "{loaded:?}");
            let started = std::time::Instant::now();
            let mut statuses = (0, 0);
            while started.elapsed() < std::time::Duration::from_secs(60) {
                statuses = (unit(&on_a).await, unit(&on_b).await);
                if statuses == (200, 200) {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            assert_eq!(statuses, (200, 200), "both servers know the new unit");
            // Its tasks are on both servers' boards (read from their resident models). At this
            // scale the whole recomputation is quick too: this shows the boards agree, not how
            // soon.
            let board = |browser: &Browser| {
                let url = format!("{}/api/v1/tasks?per_page=500", browser.base);
                let http = browser.http.clone();
                async move { http.get(url).send().await.unwrap().text().await.unwrap() }
            };
            while started.elapsed() < std::time::Duration::from_secs(60)
                && !board(&on_b).await.contains("\"MAU-NV-1\"")
            {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            assert!(board(&on_b).await.contains("\"MAU-NV-1\""), "B's board");
            assert!(board(&on_a).await.contains("\"MAU-NV-1\""), "A's board");
            println!(
                "a loaded strategy on both servers after {:?}",
                started.elapsed()
            );
        });
    }
}

/// A folder whose index reads a target nobody defined is refused whole, in Vietnamese, at the
/// file; a dry run of a good folder writes nothing.
#[test]
fn a_refused_folder_writes_nothing_and_a_dry_run_neither() {
    let w = Workspace::demo();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/strategy");
    let folder = w.dir.path().join("ke-hoach");
    for sub in ["orgs", "targets", "tasks", "values", "indices"] {
        std::fs::create_dir_all(folder.join(sub)).unwrap();
        if let Ok(entries) = std::fs::read_dir(example.join(sub)) {
            for e in entries {
                let e = e.unwrap();
                std::fs::copy(e.path(), folder.join(sub).join(e.file_name())).unwrap();
            }
        }
    }
    std::fs::copy(
        example.join("documents.toml"),
        folder.join("documents.toml"),
    )
    .unwrap();
    let targets = || w.ok(&["targets", "--format", "csv"]);
    let before = targets();
    let dry = w.ok(&["load", "--dry-run", folder.to_str().unwrap()]);
    assert!(
        dry.contains("Chỉ tiêu: 3 mới") && dry.contains("chưa ghi gì"),
        "{dry}"
    );
    assert_eq!(targets(), before, "a dry run writes nothing");
    std::fs::write(
        folder.join("indices/chi-so.toml"),
        tiendo_dataset::builtin_index("pii-like")
            .unwrap()
            .1
            .replace("PII-P1", "KHONG-CO"),
    )
    .unwrap();
    let err = w.fails(&["load", folder.to_str().unwrap()]);
    assert!(
        err.contains("chi-so.toml")
            && err.contains("KHONG-CO, nhưng chỉ tiêu này chưa được khai báo"),
        "{err}"
    );
    assert_eq!(targets(), before, "a refused folder writes nothing");
}

/// A command run without the instance's database is told so, and no empty database is made.
#[test]
fn a_command_without_its_database_says_so_and_makes_none() {
    let w = Workspace::new();
    let err = w.fails(&["targets"]);
    assert!(err.contains("Không có cơ sở dữ liệu"), "{err}");
    assert!(!w.db().exists(), "no empty database was made");
    let err = w.fails(&["--lang", "en", "backup", "copy.db"]);
    assert!(err.contains("There is no database"), "{err}");
}

/// A PostgreSQL database that was never created is named, in Vietnamese, with what to do.
#[test]
#[cfg_attr(
    not(tiendo_pg),
    ignore = "skipped: TIENDO_TEST_POSTGRES_URL is not set"
)]
fn a_postgresql_database_never_created_is_named_with_what_to_do() {
    #[cfg(tiendo_pg)]
    {
        let w = Workspace::new();
        let url = std::env::var("TIENDO_TEST_POSTGRES_URL").unwrap();
        let base = url.rsplit_once('/').map(|(b, _)| b).unwrap().to_string();
        let missing = format!("{base}/tiendo_never_created");
        let out = w.run(&["--db", &missing, "synth", "--yes", "--small"]);
        assert!(!out.status.success());
        let err = String::from_utf8(out.stderr).unwrap();
        // A password in the address is not repeated (the server here trusts any).
        let with_password = missing.replacen("://postgres@", "://postgres:bi-mat@", 1);
        assert_ne!(with_password, missing, "{missing}");
        let out = w.run(&["--db", &with_password, "synth", "--yes", "--small"]);
        let hidden = String::from_utf8(out.stderr).unwrap();
        assert!(
            !hidden.contains("bi-mat") && hidden.contains("postgres:***@"),
            "{hidden}"
        );
        assert!(
            err.contains(&format!("Không mở được cơ sở dữ liệu {missing}"))
                && err.contains("CREATE DATABASE"),
            "{err}"
        );
        // The database's own words once, not once per layer that quotes them.
        assert_eq!(err.matches("does not exist").count(), 1, "{err}");
    }
}

/// A Word document whose one table is the task appendix of 03/NQ-CP as published (the 140
/// tasks of `reference/published/tasks.csv`), with its seven group headings between the tasks.
fn appendix_docx(path: &Path) -> usize {
    use std::io::Write;
    let published =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference/published/tasks.csv");
    let published = if published.exists() {
        published
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/tasks/government-programme.csv")
    };
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let cell = |s: &str| {
        let paragraphs: String = s
            .split('\n')
            .map(|p| {
                format!(
                    "<w:p><w:r><w:t xml:space=\"preserve\">{}</w:t></w:r></w:p>",
                    escape(p)
                )
            })
            .collect();
        format!("<w:tc>{paragraphs}</w:tc>")
    };
    let row = |cells: &[&str]| {
        format!(
            "<w:tr>{}</w:tr>",
            cells.iter().map(|c| cell(c)).collect::<String>()
        )
    };
    let mut rows = vec![row(&[
        "TT",
        "Nội dung nhiệm vụ",
        "Cơ quan chủ trì",
        "Cơ quan phối hợp",
        "Sản phẩm",
        "Thời gian hoàn thành",
    ])];
    let mut group = String::new();
    let mut tasks = 0;
    let mut reader = csv::Reader::from_path(&published).unwrap();
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name);
    // The published file or, without it, the project's own copy of it.
    let (code, title, lead, coordinating, deadline) = match col("code_or_number") {
        Some(c) => (
            c,
            col("title_vi").unwrap(),
            col("lead_agency").unwrap(),
            col("coordinating").unwrap(),
            col("deadline").unwrap(),
        ),
        None => (
            col("code_in_source").unwrap(),
            col("title_vi").unwrap(),
            col("lead_as_given").unwrap(),
            col("coordinators_as_given").unwrap(),
            col("deadline_as_given").unwrap(),
        ),
    };
    let group_col = col("group").unwrap();
    let product = col("product").unwrap();
    for record in reader.records() {
        let r = record.unwrap();
        let Some(number) = r[code].strip_prefix("NQ03/PL2/") else {
            continue;
        };
        if r[group_col] != group && r[group_col].contains(". ") {
            group = r[group_col].to_string();
            rows.push(format!(
                "<w:tr>{}{}</w:tr>",
                "<w:tc><w:tcPr><w:gridSpan w:val=\"6\"/></w:tcPr><w:p><w:r><w:t>".to_string()
                    + &escape(&group)
                    + "</w:t></w:r></w:p></w:tc>",
                ""
            ));
        }
        rows.push(row(&[
            number,
            &r[title],
            &r[lead],
            &r[coordinating],
            &r[product],
            &r[deadline],
        ]));
        tasks += 1;
    }
    let mut out = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    let options = zip::write::SimpleFileOptions::default();
    zip.start_file("[Content_Types].xml", options).unwrap();
    zip.write_all(br#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#).unwrap();
    zip.start_file("_rels/.rels", options).unwrap();
    zip.write_all(br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#).unwrap();
    zip.start_file("word/document.xml", options).unwrap();
    write!(
        zip,
        r#"<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Phụ lục II. NHIỆM VỤ CỤ THỂ</w:t></w:r></w:p><w:tbl>{}</w:tbl></w:body></w:document>"#,
        rows.concat()
    )
    .unwrap();
    zip.finish().unwrap();
    std::fs::write(path, out.into_inner()).unwrap();
    tasks
}

/// The appendix of 03/NQ-CP, as a Word document, becomes the programme's 140 tasks: agencies
/// matched to units (the merged ministries to their successors), deadlines read, the names no
/// unit carries mapped by hand once and remembered; importing it again changes nothing.
#[test]
fn the_government_programmes_appendix_imports_from_word() {
    let w = Workspace::initialised();
    let folder = w.dir.path().join("van-ban");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(
        folder.join("documents.toml"),
        "[[document]]\ncode = \"03/NQ-CP\"\nkind = \"action-programme\"\n\
         title_vi = \"Chương trình hành động của Chính phủ thực hiện Nghị quyết số 57-NQ/TW\"\n\
         issuer = \"GOV\"\nissued_on = \"2025-01-09\"\nsource = \"https://vanban.chinhphu.vn\"\n",
    )
    .unwrap();
    w.ok(&["load", folder.to_str().unwrap()]);
    let docx = w.dir.path().join("phu-luc-II.docx");
    let written = appendix_docx(&docx);
    assert_eq!(written, 140);
    let file = docx.to_str().unwrap();
    let import = |extra: &[&str]| {
        let mut args = vec![
            "tasks",
            "import",
            file,
            "--document",
            "03/NQ-CP",
            "--on",
            "2025-10-20",
        ];
        args.extend_from_slice(extra);
        w.run(&args)
    };

    // First: the names no unit carries are listed, and nothing is written.
    let first = import(&[]);
    assert_eq!(first.status.code(), Some(2));
    let stderr = String::from_utf8(first.stderr).unwrap();
    assert!(stderr.contains("Không xác định được cơ quan"), "{stderr}");
    assert!(
        stderr.contains("Bảng 1, dòng"),
        "each problem names its table and row: {stderr}"
    );
    let unknown: Vec<String> = stderr
        .lines()
        .filter_map(|l| l.trim().strip_prefix("--map \""))
        .map(|l| l.trim_end_matches("=…\"").to_string())
        .collect();
    println!("needed a manual mapping: {unknown:?}");
    assert!(!unknown.is_empty() && unknown.len() < 20, "{unknown:?}");
    let listed = json(&w.ok(&["tasks", "--document", "03/NQ-CP", "--format", "json"]));
    assert_eq!(listed.as_array().map(Vec::len), Some(0), "nothing written");

    // Mapped by hand (each to the Government, or as a group), they import.
    let maps: Vec<String> = unknown
        .iter()
        .flat_map(|u| ["--map".to_string(), format!("{u}=-")])
        .collect();
    let maps: Vec<&str> = maps.iter().map(String::as_str).collect();
    let dry = import(&[&["--dry-run"][..], &maps].concat());
    assert!(
        dry.status.success(),
        "{}",
        String::from_utf8_lossy(&dry.stderr)
    );
    let out = import(&maps);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let summary = stdout.lines().last().unwrap();
    println!("{summary}");
    assert!(
        summary.contains("Đã nhập 140 nhiệm vụ vào văn bản 03/NQ-CP: 140 mới"),
        "{summary}"
    );
    assert!(
        stdout.contains("Bộ Khoa học và Công nghệ (kế thừa Bộ Thông tin và Truyền thông)"),
        "{stdout}"
    );

    let tasks = json(&w.ok(&["tasks", "--document", "03/NQ-CP", "--format", "json"]));
    let tasks = tasks.as_array().unwrap();
    assert_eq!(tasks.len(), 140);
    let first = tasks.iter().find(|t| t["code"] == "03-NQ-CP-1").unwrap();
    assert_eq!(first["lead"], "MOST", "{first}");
    assert_eq!(first["deadline"], "2025-06-30");
    assert_eq!(first["group"], "TG1");

    // Again, without the mappings: they are remembered, and nothing changes.
    let again = import(&[]);
    let stdout = String::from_utf8(again.stdout).unwrap();
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert!(
        stdout.contains("0 mới, 0 thay đổi, 140 không đổi"),
        "{stdout}"
    );
}

/// The text of a Word document's body, each part checked: the package holds its content
/// types and relationships, and every XML part is well-formed.
fn docx_text(bytes: &[u8]) -> String {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let names: Vec<String> = zip.file_names().map(str::to_string).collect();
    for needed in [
        "[Content_Types].xml",
        "_rels/.rels",
        "word/document.xml",
        "word/_rels/document.xml.rels",
    ] {
        assert!(names.iter().any(|n| n == needed), "{needed} in {names:?}");
    }
    let mut body = String::new();
    for name in &names {
        if !(name.ends_with(".xml") || name.ends_with(".rels")) {
            continue;
        }
        let mut xml = String::new();
        zip.by_name(name).unwrap().read_to_string(&mut xml).unwrap();
        let mut reader = quick_xml::Reader::from_str(&xml);
        let mut in_text = false;
        loop {
            match reader.read_event() {
                Ok(quick_xml::events::Event::Eof) => break,
                Ok(quick_xml::events::Event::Start(e)) if e.local_name().as_ref() == b"t" => {
                    in_text = true
                }
                Ok(quick_xml::events::Event::End(e)) if e.local_name().as_ref() == b"t" => {
                    in_text = false
                }
                Ok(quick_xml::events::Event::End(e)) if e.local_name().as_ref() == b"p" => {
                    body.push('\n')
                }
                Ok(quick_xml::events::Event::Text(t)) if in_text && name == "word/document.xml" => {
                    body.push_str(&t.unescape().unwrap())
                }
                Ok(_) => {}
                Err(e) => panic!("{name} is not well-formed: {e}"),
            }
        }
    }
    body
}

/// The quarterly report writes itself from what tiendo holds: the national one counts the
/// programme's tasks by group and names the overdue ones; Hà Tĩnh's is issued by its People's
/// Committee and lists the targets it reports; the parts only a person writes are marked.
#[test]
fn the_periodic_report_is_a_word_document_in_the_administrative_layout() {
    let w = Workspace::demo();
    let national = w.dir.path().join("vn.docx");
    let said = w.ok(&[
        "report",
        "--unit",
        "VN",
        "--period",
        "2025Q3",
        "--out",
        national.to_str().unwrap(),
    ]);
    assert!(said.contains("Đã ghi báo cáo"), "{said}");
    let bytes = std::fs::read(&national).unwrap();
    let pictures = zip::ZipArchive::new(std::io::Cursor::new(&bytes[..]))
        .unwrap()
        .file_names()
        .filter(|n| n.starts_with("word/media/"))
        .count();
    assert!(
        pictures >= 2,
        "the national targets' charts are pictures: {pictures}"
    );
    let text = docx_text(&bytes);
    for expected in [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "BÁO CÁO",
        "Tình hình thực hiện nhiệm vụ, chỉ tiêu Quý III/2025",
        "I. KẾT QUẢ THỰC HIỆN NHIỆM VỤ",
        "II. KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU",
        "III. NHIỆM VỤ QUÁ HẠN",
        "VI. ĐÁNH GIÁ CHUNG",
        "[Cán bộ soạn thảo viết",
        "Nơi nhận:",
        "[TÊN CƠ QUAN BÁO CÁO]",
        "Biểu đồ 1. ",
        "Lộ trình — ",
    ] {
        assert!(text.contains(expected), "{expected:?} in\n{text}");
    }
    let tasks = json(&w.ok(&["tasks", "--format", "json", "--clearance", "internal"]));
    let total = tasks.as_array().unwrap().len();
    assert!(
        text.contains(&format!("Tổng số {total} nhiệm vụ")),
        "{total} tasks in\n{text}"
    );
    assert!(
        !text.contains("Bộ Thông tin và Truyền thông\n"),
        "a merged ministry's overdue tasks are its successor's"
    );

    let province = w.dir.path().join("ht.docx");
    w.ok(&[
        "report",
        "--unit",
        "HA-TINH",
        "--period",
        "2025Q3",
        "--out",
        province.to_str().unwrap(),
    ]);
    let text = docx_text(&std::fs::read(&province).unwrap());
    assert!(text.contains("ỦY BAN NHÂN DÂN\nTỈNH HÀ TĨNH"), "{text}");
    assert!(
        text.contains("Ủy ban nhân dân tỉnh Hà Tĩnh báo cáo"),
        "{text}"
    );
    assert!(text.contains("Hà Tĩnh, ngày "), "{text}");
    assert!(text.contains("Xếp hạng DTI cấp tỉnh"), "{text}");
    let stderr = w.fails(&["report", "--unit", "KHONG-CO", "--period", "2025Q3"]);
    assert!(stderr.contains("Không có đơn vị mã KHONG-CO"), "{stderr}");
}

/// The same reports as PDF, converted on the server by LibreOffice, and their pages as images
/// under target/test-output for a person to look at.
#[test]
#[cfg_attr(
    not(tiendo_soffice),
    ignore = "skipped: TIENDO_TEST_SOFFICE (LibreOffice) is not set"
)]
fn the_periodic_report_renders_as_pdf_pages() {
    #[cfg(tiendo_soffice)]
    {
        let w = Workspace::demo();
        let pages = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/test-output");
        std::fs::create_dir_all(&pages).unwrap();
        for unit in ["VN", "HA-TINH"] {
            let pdf = w.dir.path().join(format!("{unit}.pdf"));
            w.ok(&[
                "report",
                "--unit",
                unit,
                "--period",
                "2025Q3",
                "--format",
                "pdf",
                "--out",
                pdf.to_str().unwrap(),
            ]);
            let bytes = std::fs::read(&pdf).unwrap();
            assert!(bytes.starts_with(b"%PDF"), "{unit}: a PDF");
            let prefix = pages.join(format!("bao-cao-{}", unit.to_lowercase()));
            let rendered = Command::new("pdftoppm")
                .args(["-r", "70", "-png", "-l", "3"])
                .arg(&pdf)
                .arg(&prefix)
                .status();
            match rendered {
                Ok(s) => assert!(s.success(), "pdftoppm on {unit}"),
                Err(e) => println!("page images skipped: pdftoppm not found ({e})"),
            }
        }
    }
}
