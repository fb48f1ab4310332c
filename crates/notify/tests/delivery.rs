//! Delivery against real peers on loopback: a local SMTP sink that records every message, and
//! a webhook receiver that fails its first request. Warnings reach the officers of their unit,
//! by e-mail now or in a daily digest, and every webhook; a retry delivers what failed; nothing
//! is ever delivered twice.

use std::sync::{Arc, Mutex};

use chrono::{Duration, Utc};
use tiendo_domain::accounts::Access;
use tiendo_notify::{enqueue, sign, Delivery, Event, EventKind, MailConfig};
use tiendo_storage::{DeliveryMode, NewUser, NotificationSettings, Store};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// One message as the sink received it.
#[derive(Debug, Clone)]
struct Mail {
    to: Vec<String>,
    data: String,
}

/// A minimal SMTP server: accepts every message and keeps it.
async fn smtp_sink() -> (u16, Arc<Mutex<Vec<Mail>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let inbox = Arc::new(Mutex::new(Vec::new()));
    let kept = inbox.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let kept = kept.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 sink ESMTP\r\n").await.unwrap();
                let mut to = Vec::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    let upper = line.to_uppercase();
                    let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                        b"250-sink\r\n250 8BITMIME\r\n"
                    } else if upper.starts_with("RCPT TO:") {
                        to.push(line[8..].trim().trim_matches(['<', '>']).to_string());
                        b"250 OK\r\n"
                    } else if upper.starts_with("DATA") {
                        write.write_all(b"354 go on\r\n").await.unwrap();
                        let mut data = String::new();
                        while let Ok(Some(l)) = lines.next_line().await {
                            if l == "." {
                                break;
                            }
                            data.push_str(&l);
                            data.push('\n');
                        }
                        kept.lock().unwrap().push(Mail {
                            to: std::mem::take(&mut to),
                            data,
                        });
                        b"250 queued\r\n"
                    } else if upper.starts_with("QUIT") {
                        write.write_all(b"221 bye\r\n").await.unwrap();
                        break;
                    } else {
                        b"250 OK\r\n"
                    };
                    write.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (port, inbox)
}

/// A webhook receiver that answers 500 to its first request and 200 afterwards; keeps the
/// accepted deliveries with their signatures checked.
async fn webhook_receiver(secret: &'static str) -> (u16, Arc<Mutex<Vec<(String, bool)>>>) {
    use axum::http::{HeaderMap, StatusCode};
    let accepted = Arc::new(Mutex::new(Vec::new()));
    let calls = Arc::new(Mutex::new(0));
    let kept = accepted.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: String| {
            let kept = kept.clone();
            let calls = calls.clone();
            async move {
                let mut n = calls.lock().unwrap();
                *n += 1;
                if *n == 1 {
                    return StatusCode::INTERNAL_SERVER_ERROR;
                }
                let given = headers
                    .get("x-tiendo-signature")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string();
                let valid = given == format!("sha256={}", sign(secret, body.as_bytes()));
                let delivery = headers
                    .get("x-tiendo-delivery")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string();
                kept.lock().unwrap().push((delivery, valid));
                StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (port, accepted)
}

async fn reporter(store: &Store, name: &str, unit: &str) {
    store
        .create_user(
            &NewUser {
                username: name.parse().unwrap(),
                display_name: name.into(),
                password_hash: "x".into(),
                access: Access::Reporter {
                    capture: unit.parse().unwrap(),
                    view: unit.parse().unwrap(),
                },
                must_change_password: false,
            },
            "test",
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn warnings_reach_their_officers_and_webhooks_once_with_retries_and_digests() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("t.db").to_str().unwrap())
        .await
        .unwrap();
    store
        .load_dataset(&tiendo_dataset::reference().unwrap())
        .await
        .unwrap();
    let day = "2026-03-02".parse().unwrap();
    let hierarchy = store.snapshot(day).await.unwrap().hierarchy;
    reporter(&store, "ha-tinh", "HA-TINH").await;
    reporter(&store, "nghe-an", "NGHE-AN").await;
    reporter(&store, "silent", "HA-TINH").await;
    for (user, mode) in [
        ("ha-tinh", DeliveryMode::Immediate),
        ("nghe-an", DeliveryMode::Digest),
        ("silent", DeliveryMode::Off),
    ] {
        store
            .set_notification_settings(&NotificationSettings {
                username: user.into(),
                email: format!("{user}@example.vn"),
                mode,
            })
            .await
            .unwrap();
    }
    const SECRET: &str = "a-shared-secret-of-32-characters";
    let (hook_port, hooks) = webhook_receiver(SECRET).await;
    store
        .add_webhook(&format!("http://127.0.0.1:{hook_port}/hook"), SECRET)
        .await
        .unwrap();

    let event = |kind, unit: &str, object: &str| Event {
        kind,
        unit: unit.parse().unwrap(),
        object: object.into(),
        name: tiendo_notify::Names {
            vi: object.into(),
            en: None,
        },
        facts: tiendo_notify::Facts::FeedbackOverdue { due_on: day },
        day,
    };
    let events = [
        event(EventKind::TaskOverdue, "HA-TINH", "task HT-5"),
        event(EventKind::FeedbackAssigned, "HA-TINH", "feedback FB-000001"),
        event(
            EventKind::ReportMissing,
            "NA-DOST",
            "value NA-T1/NA-DOST/2025",
        ),
        event(
            EventKind::ValueReturned,
            "NGHE-AN",
            "value NA-T2/NGHE-AN/2025",
        ),
    ];
    let now = Utc::now();
    // ha-tinh ×2, nghe-an ×2 (digest; NA-DOST is inside Nghệ An), the webhook ×4; silent none.
    assert_eq!(enqueue(&store, &events, &hierarchy, now).await.unwrap(), 8);
    assert_eq!(
        enqueue(&store, &events, &hierarchy, now).await.unwrap(),
        0,
        "found again, stored once"
    );

    let (smtp_port, inbox) = smtp_sink().await;
    let mail = MailConfig::from_url(
        &format!("smtp://127.0.0.1:{smtp_port}"),
        "tiendo <no-reply@tiendo.example>",
    )
    .unwrap();
    let delivery = Delivery::new(Some(&mail)).unwrap();

    let first = delivery.run(&store, now, false).await.unwrap();
    assert_eq!(
        (first.sent, first.failed),
        (5, 1),
        "the webhook's first answer is 500"
    );
    let again = delivery.run(&store, now, false).await.unwrap();
    assert_eq!(
        (again.sent, again.failed),
        (0, 0),
        "the failed one waits for its backoff"
    );
    let retry = delivery
        .run(&store, now + Duration::minutes(2), false)
        .await
        .unwrap();
    assert_eq!((retry.sent, retry.failed), (1, 0));

    let digest = delivery.run(&store, now, true).await.unwrap();
    assert_eq!(digest.sent, 2, "both of nghe-an's warnings");
    let nothing = delivery
        .run(&store, now + Duration::days(1), true)
        .await
        .unwrap();
    assert_eq!(
        nothing.sent
            + delivery
                .run(&store, now + Duration::days(1), false)
                .await
                .unwrap()
                .sent,
        0
    );

    let mails = inbox.lock().unwrap().clone();
    let to = |who: &str| {
        mails
            .iter()
            .filter(|m| m.to == [format!("{who}@example.vn")])
            .count()
    };
    assert_eq!(
        (to("ha-tinh"), to("nghe-an"), to("silent")),
        (2, 1, 0),
        "{mails:#?}"
    );
    let digest_mail = mails
        .iter()
        .find(|m| m.to[0].starts_with("nghe-an"))
        .unwrap();
    assert!(digest_mail.data.contains("NA-DOST") && digest_mail.data.contains("NGHE-AN/2025"));
    assert!(mails
        .iter()
        .all(|m| m.data.contains("Message-ID: <tiendo-")));

    let delivered = hooks.lock().unwrap().clone();
    assert_eq!(delivered.len(), 4, "each event once: {delivered:?}");
    assert!(
        delivered.iter().all(|(_, valid)| *valid),
        "every signature checks"
    );
    let mut ids: Vec<&String> = delivered.iter().map(|(id, _)| id).collect();
    ids.dedup();
    assert_eq!(ids.len(), 4, "no delivery twice");
    assert_eq!(store.notification_counts().await.unwrap(), (0, 8, 0));
}

#[test]
fn mail_settings_are_checked() {
    assert!(MailConfig::from_url("smtp://u:p@mail.example.vn:587", "tiendo@example.vn").is_ok());
    let e = MailConfig::from_url("http://mail", "tiendo@example.vn").unwrap_err();
    assert!(e.to_string().contains("smtp://"));
    assert!(MailConfig::from_url("smtp://mail:x", "a@b.vn").is_err());
    assert!(MailConfig::from_url("smtp://mail", "not an address").is_err());
}
