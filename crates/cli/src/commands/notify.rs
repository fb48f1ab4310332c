//! `tiendo notify`: queue the day's warnings and send due notifications; register webhooks.

use anyhow::{Context, Result};
use chrono::NaiveDate;
use tiendo_notify::{Delivery, MailConfig};
use tiendo_storage::Store;

use crate::cli::MailArgs;
use crate::BadInput;

/// A sender for the mail settings, or none when no SMTP relay is given.
pub fn delivery(mail: &MailArgs) -> Result<Option<Delivery>> {
    let Some(url) = &mail.smtp else {
        return Ok(None);
    };
    let from = mail
        .mail_from
        .as_deref()
        .unwrap_or(crate::config::MAIL_FROM);
    let config = MailConfig::from_url(url, from).map_err(|e| BadInput(e.to_string()))?;
    Ok(Some(Delivery::new(Some(&config))?))
}

pub async fn send(
    store: &Store,
    mail: &MailArgs,
    digest: bool,
    at: Option<NaiveDate>,
    l: tiendo_wording::Lang,
) -> Result<()> {
    let day = at.unwrap_or_else(|| chrono::Local::now().date_naive());
    let overview = tiendo_web::Overview::compute(store, day)
        .await
        .context("evaluating the database for the day's warnings")?;
    let now = chrono::Utc::now();
    let alerts = overview.alerts();
    let queued = tiendo_notify::enqueue(store, &alerts, &overview.snapshot.hierarchy, now).await?;
    println!(
        "{}",
        l.t_args(
            "cli-notify-queued",
            &[
                ("warnings", alerts.len().to_string()),
                ("day", l.date(day)),
                ("queued", queued.to_string()),
            ]
        )
    );
    let Some(delivery) = delivery(mail)? else {
        // Webhooks need no mail relay.
        let report = Delivery::new(None)?.run(store, now, false).await?;
        println!(
            "{}",
            l.t_args(
                "cli-notify-no-smtp",
                &[
                    ("sent", report.sent.to_string()),
                    ("failed", report.failed.to_string())
                ]
            )
        );
        return Ok(());
    };
    let report = delivery.run(store, now, digest).await?;
    let (waiting, sent, given_up) = store.notification_counts().await?;
    println!(
        "{}",
        l.t_args(
            "cli-notify-sent",
            &[
                ("sent", report.sent.to_string()),
                ("failed", report.failed.to_string()),
                ("waiting", waiting.to_string()),
                ("all_sent", sent.to_string()),
                ("given_up", given_up.to_string()),
            ]
        )
    );
    Ok(())
}

pub async fn add_webhook(store: &Store, url: &str, secret: &str) -> Result<()> {
    let id = store
        .add_webhook(url, secret)
        .await
        .map_err(|e| BadInput(e.to_string()))?;
    println!("webhook {id} registered: {url}");
    Ok(())
}
