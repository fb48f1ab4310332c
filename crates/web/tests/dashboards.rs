//! A province builds its own dashboard from widgets, shares it with the roles it chooses, and
//! another province reuses it through its file.

mod support;

use axum::http::StatusCode;
use support::{demo, Client};

fn widget_form(csrf_free: &[(&str, &str)]) -> Vec<(String, String)> {
    csrf_free
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[tokio::test]
async fn a_province_builds_shares_and_another_reuses_its_dashboard() {
    let app = demo("2025-10-20").await;
    let mut ha_tinh = Client::new(&app);
    ha_tinh.login_demo("ha-tinh").await;
    let list = ha_tinh.get("/dashboards").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("Tạo bảng điều khiển"), "{}", list.body);
    let form = ha_tinh.get("/dashboards/new").await;
    assert!(
        form.body.contains("value=\"Hà Tĩnh\""),
        "the province's own unit is proposed"
    );

    let fields = widget_form(&[
        ("code", "ht-chuyen-doi-so"),
        ("title_vi", "Chuyển đổi số Hà Tĩnh"),
        ("owner", "ha tinh"),
        ("audience", "viewer"),
        ("w0_kind", "chart"),
        ("w0_target", "DTI-RANK"),
        ("w1_kind", "table"),
        ("w1_targets", "HT-T3"),
        ("w1_targets", "HT-T4"),
        ("w2_kind", "tasks"),
        ("w2_view", "open"),
        ("w3_kind", "warnings"),
        ("w4_kind", "text"),
        ("w4_heading", "Ghi chú của Văn phòng"),
        (
            "w4_body",
            "Số liệu quý III gửi trước ngày 15/10.\n\nLiên hệ Sở Khoa học và Công nghệ.",
        ),
        ("w5_kind", "table"),
        ("w6_kind", "tiles"),
        ("w6_target", "HT-T3"),
    ]);
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    // A table without targets is refused, named by its widget, and nothing is kept.
    let refused = ha_tinh.post_form("/dashboards", &pairs).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .body
            .contains("Khối 6: bảng chỉ tiêu cần ít nhất một chỉ tiêu."),
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("Ghi chú của Văn phòng"),
        "what was typed is kept"
    );
    let pairs: Vec<(&str, &str)> = pairs.into_iter().filter(|(k, _)| *k != "w5_kind").collect();
    let saved = ha_tinh.post_form("/dashboards", &pairs).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert!(saved.location.starts_with("/dashboards/ht-chuyen-doi-so"));

    let shown = ha_tinh.get("/dashboards/ht-chuyen-doi-so").await;
    assert_eq!(shown.status, StatusCode::OK);
    for text in [
        "Chuyển đổi số Hà Tĩnh",
        "Xếp hạng DTI cấp tỉnh trong 63 tỉnh, thành phố",
        "Tỷ lệ giao dịch không dùng tiền mặt",
        "Bảng chỉ tiêu",
        "Nhiệm vụ chưa hoàn thành",
        "cảnh báo trong phạm vi đơn vị",
        "Liên hệ Sở Khoa học và Công nghệ.",
        "<svg",
    ] {
        assert!(shown.body.contains(text), "{text}: {}", shown.body);
    }
    // Hà Tĩnh's communes and wards (not its other units) as tiles on a target they report,
    // each a link with its state in words, and how many tiles are in each state.
    let heading = "Các đơn vị trực thuộc theo tình trạng: ";
    assert!(shown.body.contains(heading), "{}", shown.body);
    let tiles = shown
        .body
        .split("<ul class=\"tiles\">")
        .nth(1)
        .and_then(|t| t.split("</ul>").next())
        .expect("the tiles");
    let n = tiles.matches("<li class=").count();
    assert!(n > 20, "the communes and wards of Hà Tĩnh: {n}");
    assert!(!tiles.contains("Ban Thường vụ"), "{tiles}");
    assert_eq!(
        tiles.matches("Xã ").count() + tiles.matches("Phường ").count(),
        n
    );
    assert_eq!(tiles.matches("<a href=\"/units/").count(), n);
    assert_eq!(
        tiles.matches("<small>").count(),
        n,
        "every tile says its state"
    );
    let note = shown
        .body
        .split("Đạt, đúng hướng: ")
        .nth(1)
        .and_then(|t| t.split('<').next())
        .expect("the counts");
    let counted: usize = std::iter::once(note.split(' ').next().unwrap())
        .chain(
            note.split(": ")
                .skip(1)
                .map(|x| x.split(' ').next().unwrap()),
        )
        .map(|x| x.parse::<usize>().unwrap())
        .sum();
    assert_eq!(counted, n, "{note}");

    // Shared with leaders: the leader sees it listed and opens it; another province does not.
    let mut leader = Client::new(&app);
    leader.login_demo("lanh-dao").await;
    assert!(leader
        .get("/dashboards")
        .await
        .body
        .contains("Chuyển đổi số Hà Tĩnh"));
    assert_eq!(
        leader.get("/dashboards/ht-chuyen-doi-so").await.status,
        StatusCode::OK
    );
    // Shown after login: on the overview a leader lands on, on the reporter's home.
    let landing = leader.get("/").await;
    assert!(
        landing.body.contains("/dashboards/ht-chuyen-doi-so"),
        "{}",
        landing.body
    );
    let home = ha_tinh.get("/work").await;
    assert!(
        home.body.contains("/dashboards/ht-chuyen-doi-so"),
        "{}",
        home.body
    );
    assert_eq!(
        leader.get("/dashboards/ht-chuyen-doi-so/edit").await.status,
        StatusCode::FORBIDDEN
    );
    let mut nghe_an = Client::new(&app);
    nghe_an.login_demo("nghe-an").await;
    assert!(!nghe_an
        .get("/dashboards")
        .await
        .body
        .contains("Chuyển đổi số Hà Tĩnh"));
    assert_eq!(
        nghe_an.get("/dashboards/ht-chuyen-doi-so").await.status,
        StatusCode::NOT_FOUND
    );
    let visitor = Client::new(&app).get("/dashboards/ht-chuyen-doi-so").await;
    assert_eq!(visitor.status, StatusCode::UNAUTHORIZED);

    // Nghệ An reuses it: the file opens in the form under its own unit, and is saved anew.
    let file = ha_tinh.get("/dashboards/ht-chuyen-doi-so/export").await;
    assert!(file.kind.starts_with("application/json"), "{}", file.kind);
    assert!(file.body.contains("\"kind\": \"chart\""), "{}", file.body);
    let csrf = nghe_an.csrf.clone();
    let opened = nghe_an
        .post_multipart(
            "/dashboards/import",
            &[("csrf", &csrf)],
            &[("file", "dashboard-ht.json", file.body.as_bytes())],
        )
        .await;
    assert_eq!(opened.status, StatusCode::OK, "{}", opened.body);
    assert!(opened.body.contains("value=\"Nghệ An\""), "{}", opened.body);
    let bad = nghe_an
        .post_multipart(
            "/dashboards/import",
            &[("csrf", &csrf)],
            &[("file", "x.json", b"{not json")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("tệp không phải là bảng điều khiển"),
        "{}",
        bad.body
    );
    let theirs = nghe_an
        .post_form(
            "/dashboards",
            &[
                ("code", "ht-chuyen-doi-so"),
                ("title_vi", "Chuyển đổi số Nghệ An"),
                ("owner", "Nghệ An"),
                ("w0_kind", "warnings"),
            ],
        )
        .await;
    assert_eq!(
        theirs.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the code is Hà Tĩnh's"
    );
    assert!(theirs.body.contains("đã được dùng"), "{}", theirs.body);
    let theirs = nghe_an
        .post_form(
            "/dashboards",
            &[
                ("code", "na-chuyen-doi-so"),
                ("title_vi", "Chuyển đổi số Nghệ An"),
                ("owner", "Nghệ An"),
                ("w0_kind", "warnings"),
            ],
        )
        .await;
    assert_eq!(theirs.status, StatusCode::SEE_OTHER, "{}", theirs.body);
    // A province cannot build another's.
    let not_mine = nghe_an
        .post_form(
            "/dashboards",
            &[
                ("code", "na-for-ht"),
                ("title_vi", "X"),
                ("owner", "Hà Tĩnh"),
                ("w0_kind", "warnings"),
            ],
        )
        .await;
    assert_eq!(not_mine.status, StatusCode::FORBIDDEN);

    // Saving and removing are audited.
    let removed = ha_tinh
        .post_form("/dashboards/ht-chuyen-doi-so/remove", &[])
        .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    let audit = app
        .state
        .store
        .audit_log(Some("dashboard ht-chuyen-doi-so"), 5, 0)
        .await
        .unwrap();
    let actions: Vec<&str> = audit.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["dashboard.remove", "dashboard.save"]);
}
