//! `tiendo serve`: the web application.

use std::net::SocketAddr;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use tiendo_storage::Store;
use tiendo_web::{AppState, Passwords};

use crate::BadInput;

/// Where and how the web application serves.
pub struct Options {
    pub addr: SocketAddr,
    /// The day the figures are judged on; today, kept current, when `None`.
    pub at: Option<NaiveDate>,
    pub refresh_minutes: u64,
    pub entry_closes_after_days: Option<u32>,
    /// Serve beyond loopback even while a demo account keeps the published password.
    pub allow_demo_accounts: bool,
    /// A streaming replica to compute the overview from.
    pub read_db: Option<String>,
}

pub async fn run(
    store: Store,
    url: &str,
    o: Options,
    mail: &crate::cli::MailArgs,
    l: tiendo_wording::Lang,
) -> Result<()> {
    let Options {
        addr,
        at,
        refresh_minutes,
        entry_closes_after_days,
        allow_demo_accounts,
        read_db,
    } = o;
    if store.is_empty().await? {
        return Err(BadInput(l.t_args("cli-serve-empty", &[("url", url.to_string())])).into());
    }
    let demo_users = demo_accounts_present(&store).await?;
    if !addr.ip().is_loopback() && !allow_demo_accounts && demo_password_kept(&store).await? {
        return Err(
            BadInput(l.t_args("cli-demo-password-public", &[("addr", addr.to_string())])).into(),
        );
    }
    let replica = match read_db {
        Some(replica_url) => Some(Store::open_replica(&replica_url).await.with_context(|| {
            format!(
                "opening the read replica {}",
                super::backup::shown(&replica_url)
            )
        })?),
        None => None,
    };
    let state = AppState::load_reading(store, replica, at, Passwords::production())
        .await
        .context("evaluating the database for the web application")?
        .with_entry_closing(entry_closes_after_days);
    let state = if allow_demo_accounts {
        state
    } else {
        state.demo_logins_from_this_machine_only()
    };
    // A fixed day stays fixed; otherwise the overview follows the calendar.
    if at.is_none() && refresh_minutes > 0 {
        state.keep_fresh(std::time::Duration::from_secs(refresh_minutes * 60));
    }
    if let Some(delivery) = super::notify::delivery(mail)? {
        state.deliver_notifications(delivery, std::time::Duration::from_secs(60));
        println!(
            "{}",
            l.t_args(
                "cli-notifications-every-minute",
                &[(
                    "relay",
                    mail.smtp.as_deref().unwrap_or_default().to_string()
                )]
            )
        );
    }
    // Browsers keep the session's Secure cookie over plain HTTP only for `localhost`.
    let site = if addr.ip().is_loopback() {
        format!("http://localhost:{}", addr.port())
    } else {
        format!("http://{addr}")
    };
    println!(
        "{}",
        l.t_args(
            "cli-serving",
            &[("url", url.to_string()), ("site", site.clone())]
        )
    );
    println!("API: {site}/api/v1/docs (OpenAPI: {site}/api/v1/openapi.json)");
    if !demo_users.is_empty() {
        println!(
            "{}",
            l.t_args(
                "cli-demo-accounts-serving",
                &[("password", tiendo_web::DEMO_PASSWORD.to_string())]
            )
        );
        for line in demo_users {
            println!("  {line}");
        }
    }
    println!("Stop with Ctrl-C.");
    tiendo_web::serve(state, addr).await?;
    Ok(())
}

/// Whether an active demo account still opens with the published password.
async fn demo_password_kept(store: &Store) -> Result<bool> {
    let passwords = Passwords::production();
    for a in &tiendo_web::DEMO_ACCOUNTS {
        let Ok(name) = a.username.parse() else {
            continue;
        };
        if let Some((user, hash)) = store.credentials(&name).await? {
            if user.active && passwords.verify(&hash, tiendo_web::DEMO_PASSWORD) {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

/// The demo accounts this database holds, one line each.
async fn demo_accounts_present(store: &Store) -> Result<Vec<String>> {
    let users = store.users().await?;
    Ok(tiendo_web::DEMO_ACCOUNTS
        .iter()
        .filter(|a| users.iter().any(|u| u.username.as_str() == a.username))
        .map(|a| {
            let scope = a
                .capture
                .map(|c| format!(", reports for {c}"))
                .unwrap_or_default();
            format!("{:<10} {}{scope} — {}", a.username, a.role, a.display_name)
        })
        .collect())
}
