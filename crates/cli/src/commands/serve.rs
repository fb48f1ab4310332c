//! `tiendo serve`: the web application.

use std::net::SocketAddr;

use anyhow::{Context, Result};
use chrono::{Local, NaiveDate};
use tiendo_storage::Store;
use tiendo_web::AppState;

use crate::BadInput;

pub async fn run(
    store: Store,
    url: &str,
    addr: SocketAddr,
    at: Option<NaiveDate>,
    refresh_minutes: u64,
) -> Result<()> {
    if store.is_empty().await? {
        return Err(BadInput(format!(
            "{url} holds no data yet; run `tiendo demo` (or `tiendo synth`) first"
        ))
        .into());
    }
    let day = at.unwrap_or_else(|| Local::now().date_naive());
    let state = AppState::load(store, day)
        .await
        .context("evaluating the database for the web application")?;
    // A fixed day stays fixed; otherwise the overview follows the calendar and new values.
    if at.is_none() && refresh_minutes > 0 {
        state.keep_fresh(std::time::Duration::from_secs(refresh_minutes * 60));
    }
    println!("tiendo is serving {url} at http://{addr}/ (English: http://{addr}/?lang=en)");
    println!("JSON: http://{addr}/api/v1/overview — stop with Ctrl-C");
    tiendo_web::serve(state, addr).await?;
    Ok(())
}
