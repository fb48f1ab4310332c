//! The spreadsheet round trip over HTTP: template → filled → uploaded → preview naming the
//! sheet, row and column of a deliberate error, nothing written → fixed → committed whole.

mod support;

use axum::http::StatusCode;
use support::{demo, fill_xlsx, Client};
use tiendo_domain::values::ValueState;
use tiendo_storage::ValueFilter;

async fn ha_tinh_2025(app: &support::App) -> Vec<(String, f64, ValueState)> {
    app.state
        .store
        .values(&ValueFilter {
            target: None,
            org: Some("HA-TINH".parse().unwrap()),
        })
        .await
        .unwrap()
        .into_iter()
        .filter(|v| v.period.to_string() == "2025")
        .map(|v| (v.target.to_string(), v.value.get(), v.state))
        .collect()
}

#[tokio::test]
async fn an_excel_template_round_trips_with_a_preview_and_an_all_or_nothing_commit() {
    let app = demo("2026-03-02").await;
    let mut officer = Client::new(&app);
    officer.login_demo("ha-tinh").await;
    let entry = officer
        .get("/units/HA-TINH/entry?period=2025&lang=en")
        .await;
    assert!(entry.body.contains("template?period=2025&amp;format=xlsx"));
    let template = officer
        .get("/units/HA-TINH/template?period=2025&format=xlsx")
        .await;
    assert_eq!(template.status, StatusCode::OK);
    assert!(template.kind.contains("spreadsheetml"));
    assert!(template.bytes.starts_with(b"PK"));
    let before = ha_tinh_2025(&app).await;

    // HT-T2 typed as words: the preview names its place and nothing is written.
    let filled = fill_xlsx(
        &template.bytes,
        &[
            ("HT-T1", "45,5"),
            ("HT-T2", "about thirty"),
            ("HT-T5", "12"),
        ],
    );
    let res = officer
        .post_multipart(
            "/units/HA-TINH/upload?lang=en",
            &[("csrf", &officer.csrf.clone())],
            &[("file", "ha-tinh-2025.xlsx", &filled)],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(
        res.body.contains("<td>tiendo</td><td class=\"num\">6</td><td>G</td><td>“about thirty” is not a number.</td>"),
        "{}",
        res.body
    );
    assert!(
        !res.body.contains("name=\"payload\""),
        "no commit while problems remain"
    );
    assert_eq!(ha_tinh_2025(&app).await, before, "nothing written");

    // An impossible share is refused with the target's name, its code after it.
    let impossible = fill_xlsx(&template.bytes, &[("HT-T1", "150")]);
    let res = officer
        .post_multipart(
            "/units/HA-TINH/upload",
            &[("csrf", &officer.csrf.clone())],
            &[("file", "ha-tinh-2025.xlsx", &impossible)],
        )
        .await;
    assert!(
        res.body.contains(
            "150 không phải là giá trị có thể có của chỉ tiêu Đóng góp của năng suất các nhân tố tổng hợp (TFP) vào tăng trưởng kinh tế (HT-T1)"
        ),
        "{}",
        res.body
    );

    // Fixed: the preview lists the three changes, the commit writes them all.
    let fixed = fill_xlsx(
        &template.bytes,
        &[("HT-T1", "45,5"), ("HT-T2", "30"), ("HT-T5", "12")],
    );
    let res = officer
        .post_multipart(
            "/units/HA-TINH/upload?lang=en",
            &[("csrf", &officer.csrf.clone())],
            &[("file", "ha-tinh-2025.xlsx", &fixed)],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.body.contains("Changes: 3"), "{}", res.body);
    let payload = support::hidden(&res.body, "payload")
        .expect("a commit form")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    let done = officer
        .post_form(
            "/units/HA-TINH/upload/commit?lang=en",
            &[("payload", &payload), ("action", "submit")],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let after = ha_tinh_2025(&app).await;
    for (target, value) in [("HT-T1", 45.5), ("HT-T2", 30.0), ("HT-T5", 12.0)] {
        assert!(
            after
                .iter()
                .any(|(t, v, s)| t == target && *v == value && *s == ValueState::Submitted),
            "{target} = {value} submitted: {after:?}"
        );
    }
}

#[tokio::test]
async fn csv_templates_and_rows_outside_the_officers_scope() {
    let app = demo("2026-03-02").await;
    let mut officer = Client::new(&app);
    officer.login_demo("ha-tinh").await;
    officer.get("/units/HA-TINH/entry?period=2025").await;
    let template = officer
        .get("/units/HA-TINH/template?period=2025&format=csv")
        .await;
    assert_eq!(template.status, StatusCode::OK);
    let mut lines: Vec<String> = template.body.lines().map(str::to_string).collect();
    // UTF-8 with a byte-order mark, so Excel keeps the Vietnamese names.
    assert!(lines[0].starts_with('\u{feff}'));
    lines[0] = lines[0].trim_start_matches('\u{feff}').to_string();
    // Headers in the reader's language (Vietnamese by default); the reader takes either.
    assert!(
        lines[0].starts_with("Mã chỉ tiêu,Chỉ tiêu,Đơn vị tính,Mã đơn vị,Kỳ báo cáo"),
        "{}",
        lines[0]
    );
    // Fill the first target, and copy it as a row for another province.
    let mut cells: Vec<String> = lines[1].split(',').map(str::to_string).collect();
    let n = cells.len();
    cells[n - 2] = "7".into();
    lines[1] = cells.join(",");
    cells[3] = "NGHE-AN".into();
    lines.push(cells.join(","));
    let csv = lines.join("\n");
    let res = officer
        .post_multipart(
            "/units/HA-TINH/upload?lang=en",
            &[("csrf", &officer.csrf.clone())],
            &[("file", "values.csv", csv.as_bytes())],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(
        res.body
            .contains("<td>D</td><td>ha-tinh may not enter values for Nghe An.</td>"),
        "{}",
        res.body
    );

    // Another province's template is refused outright.
    let foreign = officer
        .get("/units/NGHE-AN/template?period=2025&format=csv")
        .await;
    assert_eq!(foreign.status, StatusCode::FORBIDDEN);
    // A file that is neither.
    let res = officer
        .post_multipart(
            "/units/HA-TINH/upload?lang=en",
            &[("csrf", &officer.csrf.clone())],
            &[("file", "photo.xlsx", &[0xFF, 0xD8, 0xFF, 0xE0, 0x80, 0x81])],
        )
        .await;
    assert!(
        res.body.contains("neither an Excel workbook"),
        "{}",
        res.body
    );
}

/// A 7 KB workbook with one cell at Excel's last row and column once made the server
/// allocate 512 GB and abort. Now it is refused with the cell's place, and the server answers on.
#[tokio::test]
async fn a_workbook_reaching_excels_last_cell_is_refused_and_the_server_answers_on() {
    let app = demo("2026-03-02").await;
    let mut officer = Client::new(&app);
    officer.login_demo("ha-tinh").await;
    let mut book = rust_xlsxwriter::Workbook::new();
    book.add_worksheet()
        .write_number(1_048_575, 16_383, 1.0)
        .unwrap();
    let bomb = book.save_to_buffer().unwrap();
    let res = officer
        .post_multipart(
            "/units/HA-TINH/upload?lang=en",
            &[("csrf", &officer.csrf.clone())],
            &[("file", "bomb.xlsx", &bomb)],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(res.body.contains("XFD"), "{}", res.body);
    assert!(res.body.contains("1048576"), "{}", res.body);
    let home = officer.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
}

/// The upload limit stated in README (4 MB): just under it the file is read (and refused for
/// what it holds); over it the request is refused before it is read.
#[tokio::test]
async fn uploads_are_held_to_their_stated_size() {
    let app = demo("2026-03-02").await;
    let mut officer = Client::new(&app);
    officer.login_demo("ha-tinh").await;
    officer.get("/units/HA-TINH/entry?period=2025").await;
    let limit = 4 * 1024 * 1024;
    for (size, expected) in [
        (limit - 64 * 1024, StatusCode::UNPROCESSABLE_ENTITY),
        (limit + 1, StatusCode::PAYLOAD_TOO_LARGE),
    ] {
        let file = vec![b'x'; size];
        let res = officer
            .post_multipart(
                "/units/HA-TINH/upload",
                &[("csrf", &officer.csrf.clone())],
                &[("file", "big.csv", &file)],
            )
            .await;
        assert_eq!(res.status, expected, "{size} bytes");
    }
}
