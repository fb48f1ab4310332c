//! Who hears of an event: the reporting officers whose capture scope covers the unit it
//! concerns (by e-mail, now or in the day's digest, as each chose) and every active webhook.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use tiendo_domain::accounts::Access;
use tiendo_domain::orgs::{Hierarchy, OrgCode};
use tiendo_domain::periods::Period;
use tiendo_evaluation::warnings::Evidence;
use tiendo_storage::{
    Channel, DeliveryMode, NewNotification, NotificationSettings, Store, User, Webhook,
};
use tiendo_wording::Lang;

use crate::NotifyError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EventKind {
    TaskDueSoon,
    TaskOverdue,
    ReportMissing,
    ValueReturned,
    FeedbackAssigned,
    FeedbackOverdue,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::TaskDueSoon => "task-due-soon",
            EventKind::TaskOverdue => "task-overdue",
            EventKind::ReportMissing => "report-missing",
            EventKind::ValueReturned => "value-returned",
            EventKind::FeedbackAssigned => "feedback-assigned",
            EventKind::FeedbackOverdue => "feedback-overdue",
        }
    }
}

/// Something a unit's officers should hear of.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub kind: EventKind,
    pub unit: OrgCode,
    /// What it concerns, as a stable key: `task HT-5`, `value HT-T1/HA-TINH/2025`,
    /// `feedback FB-000001`.
    pub object: String,
    /// What it concerns, as a reader knows it: a name, with its code where it has one.
    pub name: Names,
    pub facts: Facts,
    pub day: NaiveDate,
}

/// A name in both languages; English falls back to Vietnamese.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    pub vi: String,
    pub en: Option<String>,
}

impl Names {
    /// The name in `l`.
    pub fn get(&self, l: Lang) -> &str {
        match l {
            Lang::En => self.en.as_deref().unwrap_or(&self.vi),
            Lang::Vi => &self.vi,
        }
    }
}

/// The facts of an event; the message is worded when it is queued, in Vietnamese with an
/// English copy below, since officers' mailboxes have no language setting.
#[derive(Debug, Clone, PartialEq)]
pub enum Facts {
    /// A warning of the day's evaluation.
    Warning(Evidence),
    /// A reviewer returned a value with a reason.
    Returned {
        period: Period,
        by: String,
        reason: String,
    },
    FeedbackAssigned {
        by: String,
        due_on: NaiveDate,
    },
    FeedbackOverdue {
        due_on: NaiveDate,
    },
}

impl Event {
    /// The e-mail subject in `l`.
    fn subject(&self, l: Lang) -> String {
        l.t_args(
            "mail-subject",
            &[
                ("kind", l.t(&format!("event-{}", self.kind.as_str()))),
                ("name", self.name.get(l).to_string()),
            ],
        )
    }

    /// One paragraph with the facts in `l`.
    fn text(&self, l: Lang) -> String {
        let name = self.name.get(l).to_string();
        match &self.facts {
            Facts::Warning(evidence) => format!("{name}: {}", tiendo_wording::warning(l, evidence)),
            Facts::Returned { period, by, reason } => l.t_args(
                "mail-returned",
                &[
                    ("name", name),
                    ("period", period.to_string()),
                    ("by", by.clone()),
                    ("reason", reason.clone()),
                ],
            ),
            Facts::FeedbackAssigned { by, due_on } => l.t_args(
                "mail-feedback-assigned",
                &[("name", name), ("by", by.clone()), ("due", l.date(*due_on))],
            ),
            Facts::FeedbackOverdue { due_on } => l.t_args(
                "mail-feedback-overdue",
                &[("name", name), ("due", l.date(*due_on))],
            ),
        }
    }

    /// The message body: Vietnamese first, then English.
    pub fn body(&self) -> String {
        format!(
            "{}\n\n— English —\n{}",
            self.text(Lang::Vi),
            self.text(Lang::En)
        )
    }
}

/// The notifications for `events`. Pure: the same inputs give the same keys.
pub fn plan(
    events: &[Event],
    users: &[User],
    settings: &[NotificationSettings],
    webhooks: &[Webhook],
    hierarchy: &Hierarchy,
) -> Vec<NewNotification> {
    let mut out = Vec::new();
    for e in events {
        let subject = e.subject(Lang::Vi);
        let body = e.body();
        let key = |to: &str| format!("{}|{}|{}|{to}", e.kind.as_str(), e.object, e.day);
        let officers = users.iter().filter(|u| {
            u.active
                && matches!(u.access, Access::Reporter { .. })
                && u.access.may_capture(hierarchy, &e.unit)
        });
        for user in officers {
            let Some(s) = settings
                .iter()
                .find(|s| s.username == user.username.as_str())
            else {
                continue;
            };
            if s.mode == DeliveryMode::Off {
                continue;
            }
            out.push(NewNotification {
                dedupe_key: key(&format!("email:{}", user.username)),
                channel: Channel::Email,
                recipient: s.email.clone(),
                event: e.kind.as_str().into(),
                object: e.object.clone(),
                subject: subject.clone(),
                body: body.clone(),
                digest: s.mode == DeliveryMode::Digest,
            });
        }
        for hook in webhooks.iter().filter(|w| w.active) {
            out.push(NewNotification {
                dedupe_key: key(&format!("webhook:{}", hook.id)),
                channel: Channel::Webhook,
                recipient: hook.url.clone(),
                event: e.kind.as_str().into(),
                object: e.object.clone(),
                subject: subject.clone(),
                body: body.clone(),
                digest: false,
            });
        }
    }
    out
}

/// Plans `events` against the stored accounts, settings and webhooks and stores what is new;
/// returns how many notifications were new.
pub async fn enqueue(
    store: &Store,
    events: &[Event],
    hierarchy: &Hierarchy,
    now: DateTime<Utc>,
) -> Result<u64, NotifyError> {
    if events.is_empty() {
        return Ok(0);
    }
    let users = store.users().await?;
    let settings = store.notification_settings().await?;
    let webhooks = store.webhooks().await?;
    let planned = plan(events, &users, &settings, &webhooks, hierarchy);
    Ok(store.enqueue_notifications(&planned, now).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_returned_value_is_told_in_vietnamese_with_an_english_copy() {
        let e = Event {
            kind: EventKind::ValueReturned,
            unit: "HA-TINH".parse().unwrap(),
            object: "value HT-T1/HA-TINH/2025".into(),
            name: Names {
                vi: "Tỷ lệ dịch vụ công trực tuyến toàn trình (HT-T1)".into(),
                en: Some("Share of full-process online public services (HT-T1)".into()),
            },
            facts: Facts::Returned {
                period: "2025".parse().unwrap(),
                by: "office".into(),
                reason: "Thiếu nguồn số liệu".into(),
            },
            day: "2025-10-20".parse().unwrap(),
        };
        assert_eq!(
            e.subject(Lang::Vi),
            "[tiendo] Số liệu bị trả lại: Tỷ lệ dịch vụ công trực tuyến toàn trình (HT-T1)"
        );
        let body = e.body();
        let (vi, en) = body.split_once("— English —").expect("an English copy");
        assert!(
            vi.contains("kỳ 2025 đã bị office trả lại. Lý do: Thiếu nguồn số liệu."),
            "{vi}"
        );
        assert!(
            en.contains("Share of full-process online public services"),
            "{en}"
        );
        assert!(en.contains("Reason: Thiếu nguồn số liệu"), "{en}");
    }
}
