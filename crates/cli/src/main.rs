//! `tiendo`: monitor and evaluate how a strategy is carried out.

mod cli;
mod commands;
mod config;
mod opensdg_csv;
mod output;
mod refused;

use std::process::ExitCode;

use clap::Parser;

/// Bad input from the user (a file, an argument, an answer): exits with code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadInput(pub String);

fn main() -> ExitCode {
    let mut cli = cli::Cli::parse();
    if let Err(e) = config::apply(&mut cli) {
        eprintln!("{}: {e}", config::lang(cli.lang).t("cli-error"));
        return ExitCode::from(2);
    }
    let filter = tracing_subscriber::EnvFilter::try_from_env("TIENDO_LOG").unwrap_or_else(
        |_| // sqlx reports every statement over one second as a warning; a bulk import is meant to
        // take longer, so only its errors are shown unless TIENDO_LOG asks for more.
        tracing_subscriber::EnvFilter::new("warn,sqlx::query=error"),
    );
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // TIENDO_LOG_FORMAT=json: one JSON object per line, for a log collector.
    if std::env::var("TIENDO_LOG_FORMAT").is_ok_and(|f| f == "json") {
        logs.json().init();
    } else {
        logs.init();
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let lang = config::lang(cli.lang);
    match runtime.block_on(commands::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        // A reader that stops early (`tiendo … | head`) is not an error.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{}: {}", lang.t("cli-error"), said(&e));
            if is_bad_input(&e) {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

/// The error and its causes, each said once: a library error that quotes its cause in its
/// own message (sqlx's, the storage layer's) would otherwise repeat it down the chain.
fn said(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        // Only a cause the message before quotes as its source (`…: {source}`) is already
        // said: a short cause that merely appears inside an earlier message is its own.
        if out == text || out.ends_with(&format!(": {text}")) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || c.downcast_ref::<csv::Error>().is_some_and(|e| {
                matches!(e.kind(), csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::BrokenPipe)
            })
    })
}

fn is_bad_input(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.is::<BadInput>()
            || c.downcast_ref::<tiendo_storage::StoreError>()
                .is_some_and(|e| e.kind() != tiendo_storage::ErrorKind::Internal)
    })
}

#[cfg(test)]
mod tests {
    use super::said;

    #[test]
    fn each_cause_is_said_once_and_none_is_dropped() {
        let quoted = anyhow::anyhow!("database \"x\" does not exist")
            .context("error returned from database: database \"x\" does not exist")
            .context("cannot open the database x: error returned from database: database \"x\" does not exist")
            .context("Không mở được cơ sở dữ liệu x");
        assert_eq!(
            said(&quoted),
            "Không mở được cơ sở dữ liệu x: cannot open the database x: error returned from \
             database: database \"x\" does not exist"
        );
        let short = anyhow::anyhow!("invalid").context("the date is invalid");
        assert_eq!(said(&short), "the date is invalid: invalid");
    }
}
