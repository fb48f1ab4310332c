//! `tiendo serve`: the web application.

use std::net::SocketAddr;

use anyhow::{Context, Result};
use chrono::{Local, NaiveDate};
use tiendo_storage::Store;
use tiendo_web::AppState;

use crate::BadInput;

pub async fn run(store: Store, url: &str, addr: SocketAddr, at: Option<NaiveDate>) -> Result<()> {
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
    println!("tiendo is serving {url} at http://{addr}/ (English: http://{addr}/?lang=en)");
    println!("JSON: http://{addr}/api/v1/overview — stop with Ctrl-C");
    tiendo_web::serve(state, addr).await?;
    Ok(())
}
