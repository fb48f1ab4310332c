//! The notification outbox and its settings. Producing is idempotent (a unique key per event,
//! recipient and day); sending claims rows with a lease, and a row is marked sent only once.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::{on_pool, Result, Store, StoreError};

/// Attempts before a notification is given up and left for an administrator to read.
pub const MAX_ATTEMPTS: i64 = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Channel {
    Email,
    Webhook,
}

impl Channel {
    fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Webhook => "webhook",
        }
    }
}

/// How a user wants to hear of warnings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeliveryMode {
    /// One e-mail per event, as it happens.
    Immediate,
    /// One e-mail a day with every event of the day.
    Digest,
    Off,
}

impl DeliveryMode {
    pub const ALL: [DeliveryMode; 3] = [
        DeliveryMode::Immediate,
        DeliveryMode::Digest,
        DeliveryMode::Off,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryMode::Immediate => "immediate",
            DeliveryMode::Digest => "digest",
            DeliveryMode::Off => "off",
        }
    }
}

impl std::str::FromStr for DeliveryMode {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<DeliveryMode> {
        DeliveryMode::ALL
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| {
                StoreError::Invalid(format!("mode: \"{s}\" is not immediate, digest or off"))
            })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotificationSettings {
    pub username: String,
    pub email: String,
    pub mode: DeliveryMode,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Webhook {
    pub id: i64,
    pub url: String,
    #[serde(skip)]
    pub secret: String,
    pub active: bool,
}

/// A notification to store; `dedupe_key` makes storing it twice a no-op.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNotification {
    pub dedupe_key: String,
    pub channel: Channel,
    pub recipient: String,
    pub event: String,
    pub object: String,
    pub subject: String,
    pub body: String,
    pub digest: bool,
}

/// A stored notification claimed for sending.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Notification {
    pub id: i64,
    pub channel: String,
    pub recipient: String,
    pub event: String,
    pub object: String,
    pub subject: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub attempts: i64,
}

/// Waiting time before attempt `n + 1` after `n` failures: 1, 2, 4 … minutes, at most 4 hours.
pub fn backoff(failures: i64) -> Duration {
    Duration::minutes((1_i64 << failures.clamp(0, 8)).min(240))
}

impl Store {
    /// Stores notifications whose key is new; returns how many were new.
    pub async fn enqueue_notifications(
        &self,
        items: &[NewNotification],
        now: DateTime<Utc>,
    ) -> Result<u64> {
        let mut added = 0;
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.begin_write()).await?;
            for n in items {
                added += sqlx::query(
                    "INSERT INTO notifications (dedupe_key, channel, recipient, event, object, \
                     subject, body, digest, created_at, next_attempt_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) \
                     ON CONFLICT (dedupe_key) DO NOTHING",
                )
                .bind(&n.dedupe_key)
                .bind(n.channel.as_str())
                .bind(&n.recipient)
                .bind(&n.event)
                .bind(&n.object)
                .bind(&n.subject)
                .bind(&n.body)
                .bind(n.digest)
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            }
            tx.commit().await?;
        });
        Ok(added)
    }

    /// Claims up to `limit` due notifications (digest ones or the others, of one channel or
    /// all) for `lease`: no other sender takes them until the lease ends.
    pub async fn claim_notifications(
        &self,
        now: DateTime<Utc>,
        digest: bool,
        only: Option<Channel>,
        lease: Duration,
        limit: u32,
    ) -> Result<Vec<Notification>> {
        let free = "sent_at IS NULL AND failed_at IS NULL \
                    AND (claimed_until IS NULL OR claimed_until < $1)";
        let sql = format!(
            "UPDATE notifications SET claimed_until = $2 \
             WHERE id IN (SELECT id FROM notifications WHERE {free} AND next_attempt_at <= $1 \
                          AND digest = $3 AND ($4 IS NULL OR channel = $4) \
                          ORDER BY id LIMIT {limit}) \
             AND {free} \
             RETURNING id, channel, recipient, event, object, subject, body, created_at, attempts"
        );
        let mut rows: Vec<Notification> = on_pool!(self, pool => {
            sqlx::query_as(&sql)
                .bind(now)
                .bind(now + lease)
                .bind(digest)
                .bind(only.map(Channel::as_str))
                .fetch_all(pool)
                .await?
        });
        rows.sort_by_key(|n| n.id);
        Ok(rows)
    }

    /// Marks notifications sent; returns how many were still unsent (a row is sent once).
    pub async fn mark_sent(&self, ids: &[i64], now: DateTime<Utc>) -> Result<u64> {
        let mut changed = 0;
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.begin_write()).await?;
            for id in ids {
                changed += sqlx::query(
                    "UPDATE notifications SET sent_at = $2, claimed_until = NULL \
                     WHERE id = $1 AND sent_at IS NULL",
                )
                .bind(id)
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            }
            tx.commit().await?;
        });
        Ok(changed)
    }

    /// Records a failed attempt: tried again after [`backoff`], given up after
    /// [`MAX_ATTEMPTS`].
    pub async fn mark_failed(&self, id: i64, error: &str, now: DateTime<Utc>) -> Result<()> {
        let before: i64 = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT attempts FROM notifications WHERE id = $1")
                .bind(id)
                .fetch_one(pool)
                .await?
        });
        let attempts = before + 1;
        let failed_at = (attempts >= MAX_ATTEMPTS).then_some(now);
        on_pool!(self, pool => {
            sqlx::query(
                "UPDATE notifications SET attempts = $2, next_attempt_at = $3, last_error = $4, \
                 failed_at = $5, claimed_until = NULL WHERE id = $1 AND sent_at IS NULL",
            )
            .bind(id)
            .bind(attempts)
            .bind(now + backoff(attempts - 1))
            .bind(error)
            .bind(failed_at)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Counts of the outbox: (waiting, sent, given up).
    pub async fn notification_counts(&self) -> Result<(i64, i64, i64)> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT COALESCE(SUM(CASE WHEN sent_at IS NULL AND failed_at IS NULL THEN 1 ELSE 0 END), 0), \
                 COALESCE(SUM(CASE WHEN sent_at IS NOT NULL THEN 1 ELSE 0 END), 0), \
                 COALESCE(SUM(CASE WHEN failed_at IS NOT NULL THEN 1 ELSE 0 END), 0) FROM notifications",
            )
            .fetch_one(pool)
            .await?
        }))
    }

    pub async fn set_notification_settings(&self, settings: &NotificationSettings) -> Result<()> {
        // An address is needed only to deliver; whatever is stored is a valid one or nothing.
        let email = match settings.email.trim() {
            "" if settings.mode == DeliveryMode::Off => String::new(),
            typed => typed
                .parse::<tiendo_domain::email::Email>()
                .map_err(|e| StoreError::Invalid(format!("email: {e}")))?
                .to_string(),
        };
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO notification_settings (username, email, mode) VALUES ($1, $2, $3) \
                 ON CONFLICT (username) DO UPDATE SET email = excluded.email, mode = excluded.mode",
            )
            .bind(&settings.username)
            .bind(email)
            .bind(settings.mode.as_str())
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    pub async fn notification_settings(&self) -> Result<Vec<NotificationSettings>> {
        let rows: Vec<(String, String, String)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT username, email, mode FROM notification_settings ORDER BY username")
                .fetch_all(pool)
                .await?
        });
        rows.into_iter()
            .map(|(username, email, mode)| {
                Ok(NotificationSettings {
                    username,
                    email,
                    mode: mode.parse()?,
                })
            })
            .collect()
    }

    pub async fn add_webhook(&self, url: &str, secret: &str) -> Result<i64> {
        let url = url.trim();
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(StoreError::Invalid(format!(
                "url: \"{url}\" is not an http(s) address"
            )));
        }
        if secret.len() < 16 {
            return Err(StoreError::Invalid(
                "secret: use at least 16 characters to sign webhooks".into(),
            ));
        }
        Ok(on_pool!(self, pool => {
            sqlx::query_scalar(
                "INSERT INTO webhooks (url, secret, active, created_at) VALUES ($1, $2, TRUE, $3) \
                 RETURNING id",
            )
            .bind(url)
            .bind(secret)
            .bind(Utc::now())
            .fetch_one(pool)
            .await?
        }))
    }

    pub async fn webhooks(&self) -> Result<Vec<Webhook>> {
        let rows: Vec<(i64, String, String, bool)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT id, url, secret, active FROM webhooks ORDER BY id")
                .fetch_all(pool)
                .await?
        });
        Ok(rows
            .into_iter()
            .map(|(id, url, secret, active)| Webhook {
                id,
                url,
                secret,
                active,
            })
            .collect())
    }
}
