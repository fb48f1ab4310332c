//! The configuration file (`--config FILE` or `TIENDO_CONFIG`): the database, the language and
//! every `serve` option, in TOML. What it says holds where neither an option nor an environment
//! variable (which clap reads) says otherwise: option > environment > file > default.

use std::net::SocketAddr;
use std::path::Path;

use serde::Deserialize;
use tiendo_wording::Lang;

use crate::cli::{Cli, Command, LangArg};
use crate::BadInput;

/// Where the server listens when nothing else says.
pub const ADDR: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 8080);
/// How often the overview is recomputed, in minutes, when nothing else says.
pub const REFRESH_MINUTES: u64 = 15;
/// The sender of notification e-mail when nothing else says.
pub const MAIL_FROM: &str = "tiendo <no-reply@localhost>";
/// A configuration file is a page of settings; anything larger is not one.
const MAX_BYTES: u64 = 64 * 1024;

/// The keys of a configuration file, as [`Config`] names them.
const KEYS: [&str; 9] = [
    "database",
    "read_database",
    "lang",
    "addr",
    "refresh_minutes",
    "entry_closes_after_days",
    "allow_demo_accounts",
    "smtp",
    "mail_from",
];

/// What a configuration file may say; any other key is refused, so a misspelt one is found.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    database: Option<String>,
    read_database: Option<String>,
    lang: Option<LangArg>,
    addr: Option<SocketAddr>,
    refresh_minutes: Option<u64>,
    entry_closes_after_days: Option<u32>,
    allow_demo_accounts: Option<bool>,
    smtp: Option<String>,
    mail_from: Option<String>,
}

/// The reader's language: as asked, else Vietnamese.
pub fn lang(asked: Option<LangArg>) -> Lang {
    asked.map_or(Lang::Vi, Into::into)
}

fn read(path: &Path, l: Lang) -> Result<Config, BadInput> {
    let shown = path.display().to_string();
    let cannot = |reason: String| {
        BadInput(l.t_args(
            "cli-cannot-read",
            &[("file", shown.clone()), ("reason", reason)],
        ))
    };
    let size = std::fs::metadata(path)
        .map_err(|e| cannot(e.to_string()))?
        .len();
    if size > MAX_BYTES {
        return Err(cannot(l.t_args(
            "cli-config-too-large",
            &[("limit", (MAX_BYTES / 1024).to_string())],
        )));
    }
    let text = std::fs::read_to_string(path).map_err(|e| cannot(e.to_string()))?;
    toml::from_str(&text).map_err(|e| {
        let line = e
            .span()
            .map_or(0, |s| text[..s.start].matches('\n').count() + 1);
        // The mistake an operator makes most, a misspelt key, in their language.
        let reason = match e
            .message()
            .strip_prefix("unknown field `")
            .and_then(|rest| rest.split('`').next())
        {
            Some(key) => l.t_args(
                "cli-config-unknown-key",
                &[("key", key.to_string()), ("keys", KEYS.join(", "))],
            ),
            None => e.message().to_string(),
        };
        BadInput(l.t_args(
            "cli-config-invalid",
            &[
                ("file", shown.clone()),
                ("line", line.to_string()),
                ("reason", reason),
            ],
        ))
    })
}

/// Fills what the command line and the environment left unsaid from the configuration file.
pub fn apply(cli: &mut Cli) -> Result<(), BadInput> {
    let Some(path) = cli.config.clone() else {
        return Ok(());
    };
    let config = read(&path, lang(cli.lang))?;
    cli.lang = cli.lang.or(config.lang);
    cli.db.db = cli.db.db.take().or(config.database);
    match &mut cli.command {
        Command::Serve {
            addr,
            refresh_minutes,
            entry_closes_after_days,
            allow_demo_accounts,
            read_db,
            mail,
            ..
        } => {
            *read_db = read_db.take().or(config.read_database);
            *addr = addr.or(config.addr);
            *refresh_minutes = refresh_minutes.or(config.refresh_minutes);
            *entry_closes_after_days = entry_closes_after_days.or(config.entry_closes_after_days);
            *allow_demo_accounts = allow_demo_accounts.or(config.allow_demo_accounts);
            mail.smtp = mail.smtp.take().or(config.smtp);
            mail.mail_from = mail.mail_from.take().or(config.mail_from);
        }
        Command::Notify(crate::cli::NotifyCommand::Send { mail, .. }) => {
            mail.smtp = mail.smtp.take().or(config.smtp);
            mail.mail_from = mail.mail_from.take().or(config.mail_from);
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_named_to_the_operator_is_one_the_file_takes() {
        let text = KEYS
            .iter()
            .map(|k| match *k {
                "addr" => format!("{k} = \"127.0.0.1:1\""),
                "lang" => format!("{k} = \"en\""),
                "refresh_minutes" | "entry_closes_after_days" => format!("{k} = 1"),
                "allow_demo_accounts" => format!("{k} = false"),
                _ => format!("{k} = \"x\""),
            })
            .collect::<Vec<_>>()
            .join("\n");
        let config: Config = toml::from_str(&text).unwrap();
        assert_eq!(config.refresh_minutes, Some(1));
    }
}
