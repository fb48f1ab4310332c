//! Who hears of an event: the reporting officers whose capture scope covers the unit it
//! concerns (by e-mail, now or in the day's digest, as each chose) and every active webhook.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use tiendo_domain::accounts::Access;
use tiendo_domain::orgs::{Hierarchy, OrgCode};
use tiendo_storage::{
    Channel, DeliveryMode, NewNotification, NotificationSettings, Store, User, Webhook,
};

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

    fn label(self) -> &'static str {
        match self {
            EventKind::TaskDueSoon => "Task due soon / Nhiệm vụ sắp đến hạn",
            EventKind::TaskOverdue => "Task overdue / Nhiệm vụ quá hạn",
            EventKind::ReportMissing => "Report missing / Chưa báo cáo",
            EventKind::ValueReturned => "Value returned / Số liệu bị trả lại",
            EventKind::FeedbackAssigned => "Feedback assigned / Phản ánh được phân công",
            EventKind::FeedbackOverdue => "Feedback answer overdue / Phản ánh quá hạn trả lời",
        }
    }
}

/// Something a unit's officers should hear of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub kind: EventKind,
    pub unit: OrgCode,
    /// What it concerns, e.g. `task HT-5`, `value HT-T1/HA-TINH/2025`, `feedback FB-000001`.
    pub object: String,
    /// One sentence with the facts.
    pub text: String,
    pub day: NaiveDate,
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
        let subject = format!("[tiendo] {}: {}", e.kind.label(), e.object);
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
                body: e.text.clone(),
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
                body: e.text.clone(),
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
