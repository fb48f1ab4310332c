//! One module per command family.

mod audit;
mod backup;
mod demo;
mod exchange;
mod figures;
mod index;
mod lists;
mod load;
mod notify;
mod progress;
mod report;
mod scores;
mod serve;
mod synth;
mod task_import;
mod task_summary;
mod users;
mod values;
mod warnings;

use anyhow::{Context, Result};
use tiendo_storage::Store;

use crate::cli::{
    AuditCommand, BenchCommand, Cli, Command, NotifyCommand, TaskAction, ValuesCommand,
};

pub async fn run(cli: Cli) -> Result<()> {
    let url = cli
        .db
        .db
        .unwrap_or_else(|| tiendo_storage::DEFAULT_DATABASE.to_string());
    let lang = crate::config::lang(cli.lang);
    match cli.command {
        Command::Bench(BenchCommand::Import {
            rows,
            runs,
            postgres,
        }) => tiendo_bench::import::import(rows, runs, postgres.as_deref()).await,
        Command::Progress {
            file,
            target,
            target_year,
            base_year,
            direction,
            limit,
            thresholds,
            method,
            format,
        } => progress::run(
            &file,
            progress::Options {
                target,
                target_year,
                base_year,
                direction,
                limit,
                thresholds,
                method,
                format,
                lang,
            },
        ),
        Command::Index {
            definition,
            period,
            at,
            format,
        } => {
            index::run(
                &open(&url, lang).await?,
                &definition,
                period,
                at,
                format.format,
                lang,
            )
            .await
        }
        Command::Scores {
            at,
            kind,
            rubric,
            horizon,
            format,
        } => {
            let settings = settings(horizon);
            let store = open(&url, lang).await?;
            scores::run(
                &store,
                at,
                kind,
                rubric.as_deref(),
                &settings,
                format.format,
                lang,
            )
            .await
        }
        Command::Warnings {
            org,
            at,
            horizon,
            format,
        } => {
            warnings::run(
                &open(&url, lang).await?,
                org,
                at,
                &settings(horizon),
                format.format,
                lang,
            )
            .await
        }
        Command::Bench(BenchCommand::Web(settings)) => {
            tiendo_bench::web::run(&open(&url, lang).await?, &url, &settings).await
        }
        Command::Bench(BenchCommand::Evaluation { at, runs }) => {
            tiendo_bench::evaluation::run(&open(&url, lang).await?, at, runs).await
        }
        Command::Serve {
            addr,
            at,
            refresh_minutes,
            entry_closes_after_days,
            allow_demo_accounts,
            read_db,
            mail,
        } => {
            serve::run(
                open(&url, lang).await?,
                &url,
                serve::Options {
                    addr: addr.unwrap_or(crate::config::ADDR),
                    at,
                    refresh_minutes: refresh_minutes.unwrap_or(crate::config::REFRESH_MINUTES),
                    entry_closes_after_days,
                    allow_demo_accounts: allow_demo_accounts.unwrap_or(false),
                    read_db,
                },
                &mail,
                lang,
            )
            .await
        }
        Command::Notify(NotifyCommand::Send { mail, digest, at }) => {
            notify::send(&open(&url, lang).await?, &mail, digest, at, lang).await
        }
        Command::Audit(AuditCommand::Verify) => audit::verify(&open(&url, lang).await?, lang).await,
        Command::Notify(NotifyCommand::Webhook { url: hook, secret }) => {
            notify::add_webhook(&open(&url, lang).await?, &hook, &secret).await
        }
        Command::Synth { seed, small, yes } => {
            synth::run(&create(&url, lang).await?, &url, seed, small, yes).await
        }
        Command::Load { dir, dry_run } => {
            load::run(&open(&url, lang).await?, &dir, dry_run, lang).await
        }
        Command::Report {
            unit,
            period,
            format,
            out,
            at,
        } => {
            let request = report::Request {
                unit,
                period,
                format,
                out,
                at,
            };
            report::run(&open(&url, lang).await?, request, lang).await
        }
        Command::Backup { file } => {
            backup::backup(&open(&url, lang).await?, &url, &file, lang).await
        }
        Command::Copy { from, to } => backup::copy(&from, &to, lang).await,
        Command::Restore { file } => backup::restore(&url, &file, lang).await,
        Command::Init { hierarchy } => {
            users::init(&create(&url, lang).await?, &url, hierarchy, lang).await
        }
        Command::Users(c) => users::run(&open(&url, lang).await?, c, lang).await,
        Command::Demo { yes, serve, addr } => {
            let store = create(&url, lang).await?;
            demo::run(&store, &url, yes, lang).await?;
            if serve {
                serve::run(
                    store,
                    &url,
                    serve::Options {
                        addr,
                        at: None,
                        refresh_minutes: crate::config::REFRESH_MINUTES,
                        entry_closes_after_days: None,
                        // `tiendo demo` is a demonstration by its name.
                        allow_demo_accounts: true,
                        read_db: None,
                    },
                    &crate::cli::MailArgs::none(),
                    lang,
                )
                .await?;
            }
            Ok(())
        }
        Command::Orgs {
            at,
            kind,
            under,
            format,
        } => {
            lists::orgs(
                &open(&url, lang).await?,
                at,
                kind,
                under,
                format.format,
                lang,
            )
            .await
        }
        Command::Documents { format } => {
            lists::documents(&open(&url, lang).await?, format.format, lang).await
        }
        Command::Targets { document, format } => {
            lists::targets(&open(&url, lang).await?, document, format.format, lang).await
        }
        Command::Tasks {
            action:
                Some(TaskAction::Import {
                    file,
                    document,
                    dry_run,
                    maps,
                    on,
                }),
            ..
        } => {
            let request = task_import::Request {
                file: &file,
                document: &document,
                dry_run,
                maps: &maps,
                day: on.unwrap_or_else(|| chrono::Local::now().date_naive()),
            };
            task_import::run(&open(&url, lang).await?, &request, lang).await
        }
        Command::Tasks {
            action: None,
            document,
            org,
            clearance,
            at,
            summary,
            horizon,
            format,
        } => {
            let store = open(&url, lang).await?;
            let query = lists::TaskQuery {
                document,
                org,
                clearance,
                at,
                horizon: horizon.horizon(),
            };
            match summary {
                None => lists::tasks(&store, query, format.format, lang).await,
                Some(by) => task_summary::run(&store, query, by, format.format, lang).await,
            }
        }
        Command::Figures {
            target,
            period,
            at,
            kind,
            format,
        } => {
            figures::run(
                &open(&url, lang).await?,
                target,
                period,
                at,
                kind,
                format.format,
                lang,
            )
            .await
        }
        Command::Values(ValuesCommand::Import {
            file,
            author,
            state,
        }) => values::import(&open(&url, lang).await?, &file, &author, state, lang).await,
        Command::Values(ValuesCommand::Export {
            target,
            org,
            output,
        }) => values::export(&open(&url, lang).await?, target, org, output.as_deref()).await,
        Command::Values(ValuesCommand::ImportDhis2(a)) => {
            exchange::import_dhis2(&open(&url, lang).await?, &a, lang).await
        }
        Command::Values(ValuesCommand::ExportDhis2(a)) => {
            exchange::export_dhis2(&open(&url, lang).await?, &a, lang).await
        }
        Command::Values(ValuesCommand::ImportOpensdg(a)) => {
            exchange::import_opensdg(&open(&url, lang).await?, &a, lang).await
        }
        Command::Values(ValuesCommand::ExportOpensdg(a)) => {
            exchange::export_opensdg(&open(&url, lang).await?, &a, lang).await
        }
    }
}

fn settings(horizon: crate::cli::HorizonArg) -> tiendo_evaluation::warnings::Settings {
    tiendo_evaluation::warnings::Settings {
        horizon: horizon.horizon(),
        ..Default::default()
    }
}

/// The database of an instance that exists: a SQLite file that is not there is refused rather
/// than made empty, so a command run without the instance's configuration says so instead of
/// working on a new, empty `tiendo.db`.
async fn open(url: &str, l: tiendo_wording::Lang) -> Result<Store> {
    if let Some(file) = Store::sqlite_file(url) {
        if !file.exists() {
            return Err(crate::BadInput(
                l.t_args("cli-no-database", &[("url", file.display().to_string())]),
            )
            .into());
        }
    }
    create(url, l).await
}

/// The database at `url`, a SQLite file made when it is not there (`init`, `demo`, `synth`).
async fn create(url: &str, l: tiendo_wording::Lang) -> Result<Store> {
    Store::open(url).await.with_context(|| {
        l.t_args(
            "cli-cannot-open",
            &[("url", tiendo_storage::without_password(url))],
        )
    })
}
