//! `tiendo backup FILE` and `tiendo restore FILE`: a consistent copy of the database taken
//! while it serves, and that copy put into a database that holds nothing yet.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result};
use tiendo_storage::{Store, TaskFilter};
use tiendo_wording::Lang;

use crate::BadInput;

pub async fn backup(store: &Store, url: &str, file: &Path, l: Lang) -> Result<()> {
    if file.exists() {
        return Err(BadInput(
            l.t_args("cli-backup-exists", &[("file", file.display().to_string())]),
        )
        .into());
    }
    match Store::sqlite_file(url) {
        Some(_) => store.backup_to(file).await?,
        None => pg(
            "pg_dump",
            &["--format=custom", "--no-owner", "--file"],
            file,
            url,
            l,
        )?,
    }
    println!(
        "{}",
        l.t_args(
            "cli-backup-done",
            &[
                ("file", file.display().to_string()),
                ("contents", contents(store, l).await?),
            ]
        )
    );
    Ok(())
}

pub async fn restore(url: &str, file: &Path, l: Lang) -> Result<()> {
    if !file.is_file() {
        return Err(BadInput(l.t_args(
            "cli-cannot-read",
            &[
                ("file", file.display().to_string()),
                ("reason", l.t("cli-not-a-file")),
            ],
        ))
        .into());
    }
    let not_empty = || BadInput(l.t_args("cli-restore-not-empty", &[("url", shown(url))]));
    match Store::sqlite_file(url) {
        Some(target) => {
            // Nothing is replaced: a file already there may be someone's data.
            if target.exists() {
                return Err(not_empty().into());
            }
            std::fs::copy(file, &target)
                .with_context(|| format!("copying {} to {}", file.display(), target.display()))?;
        }
        None => {
            let store = Store::open(url).await?;
            if !store.is_empty().await? || !store.users().await?.is_empty() {
                return Err(not_empty().into());
            }
            store.close().await;
            // The tables the migrations just made are replaced by the backup's.
            pg(
                "pg_restore",
                &["--clean", "--if-exists", "--no-owner", "--dbname"],
                file,
                url,
                l,
            )?;
        }
    }
    // Opening brings an older backup's schema up to date and proves it is a tiendo database.
    let store = Store::open(url)
        .await
        .with_context(|| format!("{} is not a tiendo backup", file.display()))?;
    println!(
        "{}",
        l.t_args(
            "cli-restore-done",
            &[
                ("url", shown(url)),
                ("contents", contents(&store, l).await?),
            ]
        )
    );
    Ok(())
}

/// `tiendo copy --from SQLITE --to POSTGRES`: every table into an empty PostgreSQL database,
/// then each table's rows counted in both; a difference fails the command.
pub async fn copy(from: &str, to: &str, l: Lang) -> Result<()> {
    let file = Store::sqlite_file(from)
        .filter(|f| f.is_file())
        .ok_or_else(|| BadInput(l.t_args("cli-copy-from", &[("url", from.to_string())])))?;
    if Store::sqlite_file(to).is_some() {
        return Err(BadInput(l.t_args("cli-copy-to", &[("url", shown(to))])).into());
    }
    let source = Store::open(&file.display().to_string()).await?;
    let target = Store::open(to).await?;
    if !target.is_empty().await? || !target.users().await?.is_empty() {
        return Err(BadInput(l.t_args("cli-copy-not-empty", &[("url", shown(to))])).into());
    }
    let tables = source.copy_to(&target).await?;
    crate::output::Listing {
        items: &tables,
        headers: &["table", "source_rows", "target_rows"],
        row: |t: &tiendo_storage::CopiedTable| {
            vec![
                t.table.clone(),
                t.source_rows.to_string(),
                t.target_rows.to_string(),
            ]
        },
    }
    .print(crate::cli::Format::Table, l)?;
    let differ: Vec<&str> = tables
        .iter()
        .filter(|t| t.source_rows != t.target_rows)
        .map(|t| t.table.as_str())
        .collect();
    if !differ.is_empty() {
        anyhow::bail!(l.t_args("cli-copy-differs", &[("tables", differ.join(", "))]));
    }
    let rows: i64 = tables.iter().map(|t| t.target_rows).sum();
    println!(
        "{}",
        l.t_args(
            "cli-copy-done",
            &[
                ("url", shown(to)),
                ("tables", tables.len().to_string()),
                ("rows", rows.to_string()),
            ]
        )
    );
    Ok(())
}

/// A database address as it may be shown: without the password it may carry.
pub(crate) fn shown(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if scheme + 3 < at => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// Runs a PostgreSQL client tool: `tool ARGS… FILE URL` for pg_dump, `tool ARGS… URL FILE`
/// for pg_restore (the flag before the first path names the database or the file).
fn pg(tool: &str, args: &[&str], file: &Path, url: &str, l: Lang) -> Result<()> {
    let mut cmd = Command::new(tool);
    cmd.args(args);
    if tool == "pg_dump" {
        cmd.arg(file).arg(url);
    } else {
        cmd.arg(url).arg(file);
    }
    let out = cmd.output().map_err(|e| {
        BadInput(l.t_args(
            "cli-pg-tool-missing",
            &[("tool", tool.to_string()), ("reason", e.to_string())],
        ))
    })?;
    if !out.status.success() {
        anyhow::bail!(
            "{tool} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

/// What a database holds, in words: units, documents, targets, tasks, accounts.
async fn contents(store: &Store, l: Lang) -> Result<String> {
    let tasks = store
        .tasks(&TaskFilter {
            clearance: tiendo_domain::tasks::Clearance::Secret,
            document: None,
            org: None,
        })
        .await?;
    Ok(l.t_args(
        "cli-contents",
        &[
            ("units", store.hierarchy().await?.units().len().to_string()),
            ("documents", store.documents().await?.len().to_string()),
            ("targets", store.targets(None).await?.len().to_string()),
            ("tasks", tasks.len().to_string()),
            ("users", store.users().await?.len().to_string()),
        ],
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_password_in_an_address_is_not_shown() {
        assert_eq!(
            super::shown("postgres://tiendo:b1mat@db:5432/tiendo"),
            "postgres://tiendo:***@db:5432/tiendo"
        );
        assert_eq!(
            super::shown("postgres://tiendo@db/x"),
            "postgres://tiendo@db/x"
        );
        assert_eq!(super::shown("/var/lib/tiendo.db"), "/var/lib/tiendo.db");
    }
}
