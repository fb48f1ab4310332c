//! `tiendo demo`: a database holding the built-in dataset.

use std::io::{BufRead, IsTerminal, Write};

use anyhow::{Context, Result};
use chrono::NaiveDate;
use tiendo_domain::orgs::OrgKind;
use tiendo_storage::Store;

use crate::BadInput;

pub async fn run(store: &Store, url: &str, yes: bool, l: tiendo_wording::Lang) -> Result<()> {
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
    let n = |v: usize| v.to_string();
    println!(
        "{}",
        l.t_args("cli-demo-ready", &[("url", url.to_string())])
    );
    println!(
        "  {}",
        l.t_args(
            "cli-demo-provinces",
            &[
                ("before", n(count(OrgKind::Province, "2025-06-30"))),
                ("after", n(count(OrgKind::Province, "2025-07-01"))),
                ("links", n(dataset.hierarchy.successions().len())),
            ]
        )
    );
    println!(
        "  {}",
        l.t_args("cli-demo-communes", &[("count", n(communes))])
    );
    println!(
        "  {}",
        l.t_args(
            "cli-demo-contents",
            &[
                ("documents", n(dataset.documents.len())),
                ("targets", n(dataset.targets.len())),
                ("tasks", n(dataset.tasks.len())),
                ("values", n(dataset.values.len())),
            ]
        )
    );
    println!(
        "  {}",
        l.t_args(
            "cli-demo-accounts",
            &[
                (
                    "accounts",
                    tiendo_web::DEMO_ACCOUNTS.map(|a| a.username).join(", ")
                ),
                ("created", n(accounts)),
                ("password", tiendo_web::DEMO_PASSWORD.to_string()),
            ]
        )
    );
    println!();
    println!("{}", l.t("cli-demo-try"));
    println!("  tiendo serve        ({})", l.t("cli-demo-serve"));
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
