//! The feedback channel end to end: a citizen writes through the public form, the case reaches
//! the responsible unit, is answered and published, and nothing personal is shown publicly.

mod support;

use axum::http::StatusCode;
use support::{demo, hidden, Client};

const DAY: &str = "2026-03-02";
const TEXT: &str = "Doanh nghiệp nhỏ ở Hà Tĩnh chưa biết cách tiếp cận quỹ hỗ trợ năng suất; \
                    đề nghị tổ chức hướng dẫn tại các khu công nghiệp.";
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

/// The form's fields for a submission about target HT-T1 (reported by Hà Tĩnh alone).
fn fields<'a>(token: &'a str, text: &'a str, email: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("token", token),
        ("website", ""),
        ("kind", "recommendation"),
        ("concern_type", "target"),
        ("concern_code", "HT-T1"),
        ("text", text),
        ("name", "Phạm Thị Dung"),
        ("email", email),
        ("phone", ""),
        ("consent", "yes"),
    ]
}

async fn token(client: &mut Client) -> String {
    let form = client.get("/feedback?concerns=target:HT-T1").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        form.cache.contains("no-store"),
        "the form sets a cookie: {}",
        form.cache
    );
    hidden(&form.body, "token").expect("the form carries a token")
}

#[tokio::test]
async fn a_submission_reaches_its_unit_is_answered_and_published() {
    let app = demo(DAY).await;
    let mut citizen = Client::new(&app);
    let t = token(&mut citizen).await;
    let sent = citizen
        .post_multipart(
            "/feedback",
            &fields(&t, TEXT, "dung@example.vn"),
            &[("evidence", "../../bien-ban.pdf", PDF)],
        )
        .await;
    assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.body);
    assert!(sent.body.contains("FB-000001"), "{}", sent.body);
    let tracking = sent
        .body
        .split("<code id=\"tracking\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .expect("the tracking code is shown")
        .to_string();
    // A code a person can read out and type: twelve characters in groups of four.
    assert_eq!(tracking.len(), 14, "{tracking}");
    assert_eq!(tracking.matches('-').count(), 2, "{tracking}");

    // The same words again are recognised, and the sender is told the first reference.
    let t = token(&mut citizen).await;
    let again = citizen
        .post_multipart(
            "/feedback",
            &fields(&t, &TEXT.to_uppercase(), "khac@example.vn"),
            &[],
        )
        .await;
    assert_eq!(again.status, StatusCode::OK);
    assert!(again.body.contains("FB-000001") && !again.body.contains("FB-000002"));

    // Before it is answered the case is not public, but its sender can follow it.
    let mut stranger = Client::new(&app);
    assert_eq!(
        stranger.get("/feedback/FB-000001").await.status,
        StatusCode::NOT_FOUND
    );
    let followed = stranger
        .get(&format!("/feedback/FB-000001?code={tracking}"))
        .await;
    assert_eq!(followed.status, StatusCode::OK);
    assert_eq!(
        followed.cache, "private, no-store",
        "the sender's page is not cached"
    );
    // Typed by hand in lower case with spaces, it still opens the case.
    let typed = tracking.to_lowercase().replace('-', "+");
    let by_hand = stranger
        .get(&format!("/feedback/FB-000001?code={typed}"))
        .await;
    assert!(by_hand.body.contains("Hà Tĩnh"), "{}", by_hand.body);
    assert_eq!(
        stranger
            .get("/feedback/FB-000001?code=0000-0000-0000")
            .await
            .status,
        StatusCode::NOT_FOUND,
        "a wrong code shows nothing"
    );
    assert!(followed.body.contains("Hà Tĩnh"), "the unit by its name");
    assert!(
        !followed.body.contains("dung@example.vn"),
        "no contact on the sender's page"
    );

    // Another province neither lists nor opens it.
    let mut nghe_an = Client::new(&app);
    nghe_an.login_demo("nghe-an").await;
    assert!(!nghe_an
        .get("/feedback/inbox")
        .await
        .body
        .contains("FB-000001"));
    assert_eq!(
        nghe_an.get("/feedback/FB-000001").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        nghe_an.get("/feedback/FB-000001/files/1").await.status,
        StatusCode::NOT_FOUND
    );

    // Hà Tĩnh's officer finds it routed to the province, with the sender's contact and file.
    let mut ha_tinh = Client::new(&app);
    ha_tinh.login_demo("ha-tinh").await;
    let inbox = ha_tinh.get("/feedback/inbox").await;
    assert!(inbox.body.contains("FB-000001"), "{}", inbox.body);
    let case = ha_tinh.get("/feedback/FB-000001").await;
    assert!(case.body.contains("dung@example.vn"));
    assert!(
        case.body.contains("bien-ban.pdf"),
        "the name keeps no directories"
    );
    let file = ha_tinh.get("/feedback/FB-000001/files/1").await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(file.kind, "application/pdf");
    assert!(file.body.starts_with("%PDF-1.4"));

    // Answering before taking the case is refused; take it, then answer and publish.
    let early = ha_tinh
        .post_form(
            "/feedback/FB-000001/answer",
            &[("answer", "Sở sẽ tổ chức hướng dẫn."), ("publish", "yes")],
        )
        .await;
    assert_eq!(early.status, StatusCode::FORBIDDEN);
    let assigned = ha_tinh
        .post_form("/feedback/FB-000001/assign", &[("unit", "HA-TINH")])
        .await;
    assert_eq!(assigned.status, StatusCode::SEE_OTHER, "{}", assigned.body);
    ha_tinh.get("/feedback/FB-000001").await;
    let answer =
        "Sở Khoa học và Công nghệ sẽ tổ chức hướng dẫn tại ba khu công nghiệp trong quý II.";
    let answered = ha_tinh
        .post_form(
            "/feedback/FB-000001/answer",
            &[("answer", answer), ("publish", "yes")],
        )
        .await;
    assert_eq!(answered.status, StatusCode::SEE_OTHER, "{}", answered.body);

    // The public reads the question and the answer, without the sender's name or address.
    let mut public = Client::new(&app);
    let listing = public.get("/feedback").await;
    assert!(
        listing.body.contains(answer),
        "published on the feedback page"
    );
    let page = public.get("/feedback/FB-000001").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(answer));
    for private in [
        "dung@example.vn",
        "Phạm Thị Dung",
        "bien-ban.pdf",
        "ha-tinh",
    ] {
        assert!(
            !listing.body.contains(private),
            "{private} leaked on /feedback"
        );
        assert!(
            !page.body.contains(private),
            "{private} leaked on the case page"
        );
    }
    assert_eq!(
        public.get("/feedback/FB-000001/files/1").await.status,
        StatusCode::UNAUTHORIZED
    );
    let open = public.get("/open-data/feedback.csv").await;
    assert!(open.body.contains("FB-000001") && open.body.contains(answer));
    assert!(!open.body.contains("dung@example.vn") && !open.body.contains("Phạm Thị Dung"));

    // The standing office closes it; every step is in the audit log.
    let mut office = Client::new(&app);
    office.login_demo("van-phong").await;
    office.get("/feedback/FB-000001").await;
    let closed = office
        .post_form("/feedback/FB-000001/close", &[("note", "")])
        .await;
    assert_eq!(closed.status, StatusCode::SEE_OTHER, "{}", closed.body);
    let actions: Vec<String> = app
        .state
        .store
        .audit_log(Some("feedback"), 10, 0)
        .await
        .unwrap()
        .into_iter()
        .map(|e| format!("{} {}", e.actor, e.action))
        .collect();
    assert_eq!(
        actions,
        [
            "van-phong feedback.close",
            "ha-tinh feedback.answer",
            "ha-tinh feedback.assign",
            "public feedback.receive"
        ]
    );
}

#[tokio::test]
async fn bad_submissions_are_refused_with_reasons_and_nothing_is_stored() {
    let app = demo(DAY).await;
    let mut citizen = Client::new(&app);

    // Every problem at once, beside its field.
    let t = token(&mut citizen).await;
    let mut bad = fields(&t, "ngắn", "");
    bad.retain(|(k, _)| *k != "concern_code");
    bad.push(("concern_code", "NO-SUCH"));
    let res = citizen
        .post_multipart(
            "/feedback",
            &bad,
            &[("evidence", "virus.pdf", b"MZ\x90\x00payload")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    // In the reader's language (Vietnamese unless asked otherwise).
    for message in [
        "Không tìm thấy nhiệm vụ, chỉ tiêu hoặc văn bản công khai nào có tên hoặc mã &#34;NO-SUCH&#34;",
        "Ghi địa chỉ thư điện tử hoặc số điện thoại để nhận được trả lời.",
        "virus.pdf: chỉ nhận tệp PDF, PNG hoặc JPEG.",
    ] {
        assert!(res.body.contains(message), "{message} in {}", res.body);
    }

    // Feedback about a task goes to the task's lead unit.
    let t = token(&mut citizen).await;
    let mut internal = fields(&t, TEXT, "a@example.vn");
    internal.retain(|(k, _)| !k.starts_with("concern"));
    internal.extend([("concern_type", "task"), ("concern_code", "NA-328-2")]);
    let res = citizen.post_multipart("/feedback", &internal, &[]).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let case = app
        .state
        .store
        .feedback_case("FB-000001".parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(case.unit.unwrap().as_str(), "NA-DOST");

    // A stale form, a robot filling the hidden field.
    let stale = citizen
        .post_multipart("/feedback", &fields("forged", TEXT, "b@example.vn"), &[])
        .await;
    assert_eq!(stale.status, StatusCode::FORBIDDEN);
    let t = token(&mut citizen).await;
    let mut robot = fields(
        &t,
        "Một nội dung khác hẳn về năng suất lao động.",
        "c@example.vn",
    );
    robot.retain(|(k, _)| *k != "website");
    robot.push(("website", "http://spam.example"));
    assert_eq!(
        citizen
            .post_multipart("/feedback", &robot, &[])
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    // One sender may not flood the channel: three a day.
    for n in 0..3 {
        let t = token(&mut citizen).await;
        let text = format!("Kiến nghị số {n} về chuyển đổi số trong trường học của tỉnh.");
        let res = citizen
            .post_multipart("/feedback", &fields(&t, &text, "flood@example.vn"), &[])
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    }
    let t = token(&mut citizen).await;
    let res = citizen
        .post_multipart(
            "/feedback",
            &fields(
                &t,
                "Kiến nghị thứ tư về chuyển đổi số trong trường học.",
                "flood@example.vn",
            ),
            &[],
        )
        .await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);

    // Only the accepted ones were stored: one about NA-328-2 and three from the flood.
    let (_, total) = app
        .state
        .store
        .feedback_cases(&tiendo_storage::CaseFilter::default(), 10, 0)
        .await
        .unwrap();
    assert_eq!(total, 4);
}

#[tokio::test]
async fn an_unanswered_case_past_its_deadline_is_flagged_and_its_unit_is_told() {
    use tiendo_domain::feedback::{Concern, Contact, Kind, Submission};
    let app = demo(DAY).await;
    app.state
        .store
        .set_notification_settings(&tiendo_storage::NotificationSettings {
            username: "ha-tinh".into(),
            email: "ha-tinh@example.vn".into(),
            mode: tiendo_storage::DeliveryMode::Immediate,
        })
        .await
        .unwrap();
    // The day's warnings are queued in the background when a server first evaluates the day;
    // wait until the outbox stops growing.
    let evaluate_the_day = || async {
        let _state = tiendo_web::AppState::load(
            app.state.store.clone(),
            Some(DAY.parse().unwrap()),
            tiendo_web::Passwords::cheap(),
        )
        .await
        .unwrap();
        let mut last = u64::MAX;
        for _ in 0..50 {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            let now = app.state.store.notification_counts().await.unwrap().0 as u64;
            if now == last {
                break;
            }
            last = now;
        }
    };
    evaluate_the_day().await;
    let submission = Submission::new(
        Kind::Difficulty,
        Concern::parse("target", "HT-T1").unwrap(),
        TEXT,
        Contact::new("Phạm Thị Dung", "dung@example.vn", "").unwrap(),
        false,
    )
    .unwrap();
    // Received twenty days before the day the application judges: five days overdue.
    let received = "2026-02-10T08:00:00Z".parse().unwrap();
    app.state
        .store
        .receive_feedback(
            &submission,
            Some(&"HA-TINH".parse().unwrap()),
            &[],
            "x",
            received,
        )
        .await
        .unwrap();
    let mut officer = Client::new(&app);
    officer.login_demo("ha-tinh").await;
    let inbox = officer.get("/feedback/inbox?lang=en").await;
    assert!(
        inbox.body.contains("Cases past their answer deadline: 1"),
        "{}",
        inbox.body
    );
    assert!(inbox.body.contains("st-overdue"));

    let before = app.state.store.notification_counts().await.unwrap().0;
    evaluate_the_day().await;
    let after = app.state.store.notification_counts().await.unwrap().0;
    assert_eq!(after, before + 1, "ha-tinh is told of FB-000001");
}
