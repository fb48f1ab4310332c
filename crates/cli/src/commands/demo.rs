//! `tiendo demo`: a database holding the built-in dataset.

use std::io::{BufRead, IsTerminal, Write};

use anyhow::{Context, Result};
use chrono::NaiveDate;
use tiendo_domain::orgs::OrgKind;
use tiendo_storage::Store;

use crate::BadInput;

pub async fn run(store: &Store, url: &str, yes: bool) -> Result<()> {
    let dataset = tiendo_dataset::reference().context("the built-in dataset is invalid")?;
    if !store.is_empty().await? {
        if !yes && !confirm(url)? {
            return Err(BadInput(format!(
                "{url} already holds data and was left unchanged; run `tiendo demo --yes` to replace it"
            ))
            .into());
        }
        store.reset().await?;
    }
    store.load_dataset(&dataset).await?;
    let accounts = tiendo_web::ensure_demo_accounts(store, &tiendo_web::Passwords::production())
        .await
        .map_err(|f| anyhow::anyhow!(f.message))?;

    let day = |s: &str| s.parse::<NaiveDate>().expect("literal date");
    let count = |kind, d| dataset.units_of_kind(kind, day(d)).count();
    let communes = [OrgKind::Commune, OrgKind::Ward, OrgKind::SpecialZone]
        .into_iter()
        .map(|k| count(k, "2025-07-01"))
        .sum::<usize>();
    println!("Demo database ready: {url}");
    println!(
        "  provinces: {} before 2025-07-01, {} from 2025-07-01 ({} successor links)",
        count(OrgKind::Province, "2025-06-30"),
        count(OrgKind::Province, "2025-07-01"),
        dataset.hierarchy.successions().len()
    );
    println!("  commune-level units: {communes} (synthetic names)");
    println!(
        "  documents: {}, targets: {}, tasks: {}, published values: {}",
        dataset.documents.len(),
        dataset.targets.len(),
        dataset.tasks.len(),
        dataset.values.len()
    );
    println!(
        "  demo accounts: {} (created now: {accounts}), password \"{}\"",
        tiendo_web::DEMO_ACCOUNTS.map(|a| a.username).join(", "),
        tiendo_web::DEMO_PASSWORD
    );
    println!();
    println!("Try:");
    println!("  tiendo serve        (the web application at http://localhost:8080/)");
    println!("  tiendo orgs --kind province --at 2025-06-30");
    println!("  tiendo targets --document 57-NQ/TW");
    println!("  tiendo tasks --document MPS-MOST-2024");
    println!("  tiendo values export --target DTI");
    Ok(())
}

fn confirm(url: &str) -> Result<bool> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Ok(false);
    }
    print!("{url} already holds data. Delete it and load the demo dataset? [y/N] ");
    std::io::stdout().flush()?;
    let mut answer = String::new();
    stdin.lock().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "Yes"))
}
