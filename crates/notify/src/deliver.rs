//! Sending what the outbox holds: e-mail over SMTP, webhooks as signed JSON posts.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sha2::Sha256;
use tiendo_storage::{Channel, Notification, Store};

use crate::NotifyError;

/// How long a claimed notification is reserved for the sender that claimed it.
const LEASE_MINUTES: i64 = 5;
const BATCH: u32 = 200;

/// Where and as whom e-mail is sent: `smtp://[user:password@]host[:port]`. The transport is
/// plain SMTP, as to a relay on the same host or network, which forwards over TLS.
#[derive(Debug, Clone)]
pub struct MailConfig {
    pub host: String,
    pub port: u16,
    pub credentials: Option<(String, String)>,
    pub from: String,
}

impl MailConfig {
    pub fn from_url(url: &str, from: &str) -> Result<MailConfig, NotifyError> {
        let bad = |why: &str| NotifyError::Config(format!("{url}: {why}"));
        let rest = url
            .strip_prefix("smtp://")
            .ok_or_else(|| bad("the SMTP address must start with smtp://"))?;
        let (credentials, host_port) = match rest.rsplit_once('@') {
            Some((auth, hp)) => {
                let (user, password) = auth
                    .split_once(':')
                    .ok_or_else(|| bad("credentials must be user:password"))?;
                (Some((user.to_string(), password.to_string())), hp)
            }
            None => (None, rest),
        };
        let host_port = host_port.trim_end_matches('/');
        let (host, port) = match host_port.rsplit_once(':') {
            Some((h, p)) => (
                h.to_string(),
                p.parse().map_err(|_| bad("the port is not a number"))?,
            ),
            None => (host_port.to_string(), 25),
        };
        if host.is_empty() {
            return Err(bad("no host"));
        }
        from.parse::<Mailbox>()
            .map_err(|e| NotifyError::Config(format!("sender \"{from}\": {e}")))?;
        Ok(MailConfig {
            host,
            port,
            credentials,
            from: from.to_string(),
        })
    }
}

/// The hex HMAC-SHA256 of `body` under `secret`: the `X-Tiendo-Signature: sha256=…` header.
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts keys of any length");
    mac.update(body);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What one run of the sender did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Report {
    pub sent: usize,
    pub failed: usize,
}

pub struct Delivery {
    mail: Option<(AsyncSmtpTransport<Tokio1Executor>, Mailbox)>,
    http: reqwest::Client,
}

impl Delivery {
    /// A sender; without mail settings e-mail notifications wait in the outbox.
    pub fn new(mail: Option<&MailConfig>) -> Result<Delivery, NotifyError> {
        let mail = match mail {
            None => None,
            Some(c) => {
                let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&c.host)
                    .port(c.port)
                    .timeout(Some(Duration::from_secs(20)));
                if let Some((user, password)) = &c.credentials {
                    builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
                }
                let from = c
                    .from
                    .parse()
                    .map_err(|e| NotifyError::Config(format!("sender: {e}")))?;
                Some((builder.build(), from))
            }
        };
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| NotifyError::Config(format!("HTTP client: {e}")))?;
        Ok(Delivery { mail, http })
    }

    /// Sends what is due: immediate notifications one by one, or (with `digest`) one e-mail
    /// per recipient with everything waiting for the digest. Without an SMTP relay only
    /// webhooks are sent; e-mail stays in the outbox untouched.
    pub async fn run(
        &self,
        store: &Store,
        now: DateTime<Utc>,
        digest: bool,
    ) -> Result<Report, NotifyError> {
        let lease = chrono::Duration::minutes(LEASE_MINUTES);
        let mut report = Report::default();
        loop {
            let only = self.mail.is_none().then_some(Channel::Webhook);
            let batch = store
                .claim_notifications(now, digest, only, lease, BATCH)
                .await?;
            if batch.is_empty() {
                return Ok(report);
            }
            if digest {
                self.send_digests(store, now, batch, &mut report).await?;
            } else {
                for n in batch {
                    let outcome = self.send_one(store, &n).await;
                    self.settle(store, now, &[n.id], outcome, &mut report)
                        .await?;
                }
            }
        }
    }

    async fn settle(
        &self,
        store: &Store,
        now: DateTime<Utc>,
        ids: &[i64],
        outcome: Result<(), String>,
        report: &mut Report,
    ) -> Result<(), NotifyError> {
        match outcome {
            Ok(()) => {
                store.mark_sent(ids, now).await?;
                report.sent += ids.len();
            }
            Err(e) => {
                tracing::warn!(ids = ?ids, error = %e, "notification not delivered; will retry");
                for id in ids {
                    store.mark_failed(*id, &e, now).await?;
                }
                report.failed += ids.len();
            }
        }
        Ok(())
    }

    async fn send_digests(
        &self,
        store: &Store,
        now: DateTime<Utc>,
        batch: Vec<Notification>,
        report: &mut Report,
    ) -> Result<(), NotifyError> {
        let mut by_recipient: BTreeMap<String, Vec<Notification>> = BTreeMap::new();
        for n in batch {
            by_recipient.entry(n.recipient.clone()).or_default().push(n);
        }
        for (to, items) in by_recipient {
            let ids: Vec<i64> = items.iter().map(|n| n.id).collect();
            let subject = format!(
                "[tiendo] {} warnings / cảnh báo — {}",
                items.len(),
                now.date_naive()
            );
            let body = items
                .iter()
                .map(|n| format!("• {}\n  {}", n.subject, n.body))
                .collect::<Vec<_>>()
                .join("\n\n");
            let id = format!("digest-{}-{}", ids[0], ids[ids.len() - 1]);
            let outcome = self.mail(&to, &subject, &body, &id).await;
            self.settle(store, now, &ids, outcome, report).await?;
        }
        Ok(())
    }

    async fn send_one(&self, store: &Store, n: &Notification) -> Result<(), String> {
        match n.channel.as_str() {
            "email" => {
                self.mail(&n.recipient, &n.subject, &n.body, &format!("n{}", n.id))
                    .await
            }
            "webhook" => self.post(store, n).await,
            other => Err(format!("unknown channel {other}")),
        }
    }

    async fn mail(&self, to: &str, subject: &str, body: &str, id: &str) -> Result<(), String> {
        let Some((transport, from)) = &self.mail else {
            return Err("no SMTP server is configured".into());
        };
        let to: Mailbox = to.parse().map_err(|e| format!("recipient {to}: {e}"))?;
        let message = Message::builder()
            .from(from.clone())
            .to(to)
            .subject(subject)
            // A stable identity: a copy sent again after a crash is recognisably the same.
            .message_id(Some(format!("<tiendo-{id}@tiendo.invalid>")))
            .header(ContentType::TEXT_PLAIN)
            .body(format!("{body}\n\n— tiendo"))
            .map_err(|e| e.to_string())?;
        transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    async fn post(&self, store: &Store, n: &Notification) -> Result<(), String> {
        let hooks = store.webhooks().await.map_err(|e| e.to_string())?;
        let hook = hooks
            .iter()
            .find(|h| h.url == n.recipient && h.active)
            .ok_or_else(|| format!("webhook {} is no longer active", n.recipient))?;
        let body = serde_json::json!({
            "id": n.id,
            "event": n.event,
            "object": n.object,
            "subject": n.subject,
            "text": n.body,
            "created_at": n.created_at,
        })
        .to_string();
        let res = self
            .http
            .post(&hook.url)
            .header("content-type", "application/json")
            .header("x-tiendo-delivery", n.id.to_string())
            .header("x-tiendo-event", &n.event)
            .header(
                "x-tiendo-signature",
                format!("sha256={}", sign(&hook.secret, body.as_bytes())),
            )
            .body(body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if res.status().is_success() {
            Ok(())
        } else {
            Err(format!("the webhook answered {}", res.status()))
        }
    }
}
