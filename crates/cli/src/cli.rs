//! The command line: every command takes `--db` (or `TIENDO_DATABASE_URL`).

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand, ValueEnum};
use tiendo_domain::documents::DocumentCode;
use tiendo_domain::orgs::{OrgCode, OrgKind};
use tiendo_domain::periods::Period;
use tiendo_domain::targets::TargetCode;
use tiendo_domain::values::ValueState;

#[derive(Parser)]
#[command(
    name = "tiendo",
    version,
    about = "Monitor and evaluate how a strategy is carried out: documents, targets, tasks, \
             reported values and progress.",
    after_help = "Start with `tiendo demo` to create a database holding the built-in \
                  Resolution 57-NQ/TW dataset."
)]
pub struct Cli {
    #[command(flatten)]
    pub db: DbArg,
    /// Language of what the commands write for people: vi (Vietnamese, the default) or en
    /// (English).
    #[arg(long, global = true, env = "TIENDO_LANG", value_enum)]
    pub lang: Option<LangArg>,
    /// A configuration file (TOML, see docs/deploy/tiendo.toml): the database, the language and
    /// every `serve` option. An environment variable or an option overrides what it says.
    #[arg(long, global = true, env = "TIENDO_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LangArg {
    Vi,
    En,
}

impl From<LangArg> for tiendo_wording::Lang {
    fn from(l: LangArg) -> Self {
        match l {
            LangArg::Vi => tiendo_wording::Lang::Vi,
            LangArg::En => tiendo_wording::Lang::En,
        }
    }
}

#[derive(Args)]
pub struct DbArg {
    /// Database: a SQLite file path (created on first use) or a postgres:// URL; tiendo.db in
    /// the working directory when neither this, TIENDO_DATABASE_URL nor the configuration
    /// file names one.
    #[arg(long, global = true, env = "TIENDO_DATABASE_URL")]
    pub db: Option<String>,
}

#[derive(Subcommand)]
pub enum Command {
    /// Start a real instance: an empty database (optionally with the built-in administrative
    /// hierarchy) and its first administrator `admin`, whose password is asked for, or read from
    /// TIENDO_ADMIN_PASSWORD when there is no terminal; it is never echoed.
    Init {
        /// Load the built-in administrative hierarchy (provinces before and after 1 July 2025,
        /// communes, central agencies) and nothing else.
        #[arg(long)]
        hierarchy: bool,
    },
    /// Load a strategy folder (units, documents, targets, tasks, rules, dashboards, published
    /// values; the file formats of data/, see examples/strategy): every file is checked with
    /// what the database holds before anything is written, and loading again writes only
    /// what changed.
    Load {
        dir: PathBuf,
        /// Check the folder and say what a load would write, writing nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Write a unit's periodic report (báo cáo tình hình thực hiện) for a period as a Word
    /// document in the administrative layout (Decree 30/2020/NĐ-CP), or as PDF through
    /// LibreOffice when it is installed: tasks by group and status, targets with values and
    /// goals, overdue tasks, warnings, feedback; assessment and proposals left to write.
    Report {
        /// The unit reporting, e.g. HA-TINH; VN for the national report.
        #[arg(long, value_parser = parse_code::<OrgCode>)]
        unit: OrgCode,
        /// The period reported, e.g. 2025Q3 or 2025.
        #[arg(long, value_parser = parse_period)]
        period: Period,
        #[arg(long, value_enum, default_value_t = ReportFormat::Docx)]
        format: ReportFormat,
        /// Where to write it; bao-cao-UNIT-PERIOD.docx (or .pdf) when omitted.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Judge things on this day (YYYY-MM-DD) instead of the period's last day.
        #[arg(long, value_parser = parse_date)]
        at: Option<NaiveDate>,
    },
    /// Copy the database (--db) to FILE while it serves: SQLite through VACUUM INTO, PostgreSQL
    /// through pg_dump (custom format).
    Backup { file: PathBuf },
    /// Move an instance that outgrew its SQLite file to PostgreSQL: every table copied in one
    /// transaction into a PostgreSQL database that holds nothing yet, then each table's rows
    /// counted in both.
    Copy {
        /// The SQLite file (or `sqlite:` URL) to copy.
        #[arg(long)]
        from: String,
        /// The PostgreSQL database (`postgres://…`) to copy into.
        #[arg(long)]
        to: String,
    },
    /// Put a backup made by `tiendo backup` into --db, which must hold nothing yet.
    Restore { file: PathBuf },
    /// User accounts: add, list, disable, enable, reset a password, import a list of officers.
    #[command(subcommand)]
    Users(UsersCommand),
    /// Create a database holding the built-in dataset, or reset one after confirmation.
    Demo {
        /// Replace existing data without asking.
        #[arg(long)]
        yes: bool,
        /// Then serve the web application (as `tiendo serve`).
        #[arg(long)]
        serve: bool,
        /// Address to serve on, with --serve.
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: std::net::SocketAddr,
    },
    /// List organisation units in force on a date.
    Orgs {
        /// The day whose hierarchy to show (YYYY-MM-DD); today when omitted.
        #[arg(long, value_parser = parse_date)]
        at: Option<NaiveDate>,
        /// Only units of this kind.
        #[arg(long, value_parser = parse_kind)]
        kind: Option<OrgKind>,
        /// Only this unit and the units below it.
        #[arg(long, value_parser = parse_code::<OrgCode>)]
        under: Option<OrgCode>,
        #[command(flatten)]
        format: FormatArg,
    },
    /// List documents of the cascade.
    Documents {
        #[command(flatten)]
        format: FormatArg,
    },
    /// List targets (KPIs).
    Targets {
        /// Only the targets of this document, e.g. 57-NQ/TW.
        #[arg(long, value_parser = parse_code::<DocumentCode>)]
        document: Option<DocumentCode>,
        #[command(flatten)]
        format: FormatArg,
    },
    /// List tasks, or import a plan's task appendix (`tiendo tasks import`).
    #[command(args_conflicts_with_subcommands = true)]
    Tasks {
        #[command(subcommand)]
        action: Option<TaskAction>,
        /// Only the tasks of this document.
        #[arg(long, value_parser = parse_code::<DocumentCode>)]
        document: Option<DocumentCode>,
        /// Only tasks this unit leads or coordinates.
        #[arg(long, value_parser = parse_code::<OrgCode>)]
        org: Option<OrgCode>,
        /// What the reader is cleared to see; secret tasks need `secret`.
        #[arg(long, value_enum, default_value_t = ClearanceArg::Internal)]
        clearance: ClearanceArg,
        /// Show each task's status on this day (YYYY-MM-DD).
        #[arg(long, value_parser = parse_date)]
        at: Option<NaiveDate>,
        /// Instead of tasks, counts by status and on-time rates per unit, document or group
        /// (on --at, today when omitted).
        #[arg(long, value_enum)]
        summary: Option<SummaryArg>,
        #[command(flatten)]
        horizon: HorizonArg,
        #[command(flatten)]
        format: FormatArg,
    },
    /// A target's figures up the hierarchy for a period: each unit's own and its subtree's
    /// values combined by the target's aggregation, merged units counting for successors.
    Figures {
        #[arg(long, value_parser = parse_code::<TargetCode>)]
        target: TargetCode,
        #[arg(long, value_parser = parse_period)]
        period: Period,
        /// The boundaries to use (YYYY-MM-DD); today when omitted.
        #[arg(long, value_parser = parse_date)]
        at: Option<NaiveDate>,
        /// Only units of this kind (the country and provinces when omitted).
        #[arg(long, value_parser = parse_kind)]
        kind: Option<OrgKind>,
        #[command(flatten)]
        format: FormatArg,
    },
    /// Measure a series in Open SDG's CSV format (Year,[disaggregations…,]Value) against a target.
    Progress {
        /// The CSV file; its headline rows (disaggregation columns blank) are measured.
        file: PathBuf,
        /// The value to reach by --target-year; without it the growth itself is judged.
        #[arg(long, allow_negative_numbers = true)]
        target: Option<f64>,
        #[arg(long, default_value_t = 2030)]
        target_year: i32,
        /// The first year measured (the next year with data when it has none).
        #[arg(long, default_value_t = 2015)]
        base_year: i32,
        /// Which way is better.
        #[arg(long, value_enum, default_value_t = DirectionArg::Increase)]
        direction: DirectionArg,
        /// A natural limit the series cannot pass (used without a target).
        #[arg(long, allow_negative_numbers = true)]
        limit: Option<f64>,
        /// Open SDG thresholds HIGH,MED,LOW replacing the method's defaults
        /// (0.95,0.6,0 with a target; 0.015,0.005,0 without).
        #[arg(long, value_parser = parse_thresholds, allow_negative_numbers = true)]
        thresholds: Option<tiendo_evaluation::progress::opensdg::Thresholds>,
        #[arg(long, value_enum, default_value_t = MethodArg::Opensdg)]
        method: MethodArg,
        #[arg(long, value_enum, default_value_t = ProgressFormat::Text)]
        format: ProgressFormat,
    },
    /// This week's early warnings: overdue tasks, tasks due soon without progress, missing
    /// reports, targets off track or deteriorating, implausible values.
    Warnings {
        /// Only warnings for this unit and the units below it.
        #[arg(long, value_parser = parse_code::<OrgCode>)]
        org: Option<OrgCode>,
        /// The day to judge (YYYY-MM-DD); today when omitted.
        #[arg(long, value_parser = parse_date)]
        at: Option<NaiveDate>,
        #[command(flatten)]
        horizon: HorizonArg,
        #[command(flatten)]
        format: FormatArg,
    },
    /// Every unit's 100-point score and class (Regulation 366-QĐ/TW classes by default).
    Scores {
        /// The day to judge (YYYY-MM-DD); today when omitted.
        #[arg(long, value_parser = parse_date)]
        at: Option<NaiveDate>,
        /// Only units of this kind.
        #[arg(long, value_parser = parse_kind)]
        kind: Option<OrgKind>,
        /// A rubric file (TOML) instead of the built-in one.
        #[arg(long)]
        rubric: Option<PathBuf>,
        #[command(flatten)]
        horizon: HorizonArg,
        #[command(flatten)]
        format: FormatArg,
    },
    /// Score and rank units on a composite index (a definition file, or pii-like / dti-like).
    Index {
        /// A definition file (TOML), or the name of a built-in one: pii-like, dti-like.
        definition: String,
        /// The period whose values are scored, e.g. 2024.
        #[arg(long, value_parser = parse_period)]
        period: Period,
        /// Restate on the units in force that day: merged units score the mean of their
        /// predecessors' scores (the published practice).
        #[arg(long, value_parser = parse_date)]
        at: Option<NaiveDate>,
        #[command(flatten)]
        format: FormatArg,
    },
    /// Serve the web application: the national overview and its JSON API.
    Serve {
        /// Address to listen on (127.0.0.1:8080 when not configured).
        #[arg(long, env = "TIENDO_ADDR")]
        addr: Option<std::net::SocketAddr>,
        /// The day the figures are judged on (YYYY-MM-DD); today, kept current, when omitted.
        #[arg(long, value_parser = parse_date)]
        at: Option<NaiveDate>,
        /// Recompute the overview this often (with today's date) when --at is not given
        /// (15 minutes when not configured).
        #[arg(long, env = "TIENDO_REFRESH_MINUTES")]
        refresh_minutes: Option<u64>,
        /// Close reporters' entry of a period this many days after it ends; the standing
        /// office reopens it for a unit on /admin/reopen. Entry never closes without it.
        #[arg(long, value_name = "DAYS", env = "TIENDO_ENTRY_CLOSES_AFTER_DAYS")]
        entry_closes_after_days: Option<u32>,
        /// Serve beyond this machine even while demo accounts keep their published password
        /// (`--allow-demo-accounts`, or `=false` to override a configuration file).
        #[arg(
            long,
            env = "TIENDO_ALLOW_DEMO_ACCOUNTS",
            num_args = 0..=1,
            require_equals = true,
            default_missing_value = "true"
        )]
        allow_demo_accounts: Option<bool>,
        /// A streaming replica of the PostgreSQL database (postgres://…) to compute the
        /// overview from, so reading the nation does not load the primary that takes the
        /// writes; the replica's lag shows on /admin/users and in /metrics.
        #[arg(long, value_name = "URL", env = "TIENDO_READ_DATABASE_URL")]
        read_db: Option<String>,
        #[command(flatten)]
        mail: MailArgs,
    },
    /// Fill a database with a synthetic national dataset (34 provinces, 3,321 communes,
    /// 30 central agencies, 300 targets, 24 quarters of values, 20,000 tasks).
    Synth {
        /// The same seed gives the same dataset.
        #[arg(long, default_value_t = 57)]
        seed: u64,
        /// A small dataset (12 targets, 8 quarters, 500 tasks) on the same hierarchy.
        #[arg(long)]
        small: bool,
        /// Replace existing data without asking.
        #[arg(long)]
        yes: bool,
    },
    /// Import or export reported values as CSV (target,org,period,value,comment).
    #[command(subcommand)]
    Values(ValuesCommand),
    /// Measure speed; prints a table of medians beside a baseline measured in the same run.
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Notifications of warnings: send what is due, register webhooks.
    #[command(subcommand)]
    Notify(NotifyCommand),
    /// The audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
}

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Recompute the audit log's hash chain from its first entry: exits 1 and names the first
    /// entry rewritten, removed or unchained when the chain does not hold.
    Verify,
}

/// Where e-mail notifications go out. Without `--smtp` they wait in the outbox.
#[derive(Args, Clone)]
pub struct MailArgs {
    /// SMTP relay, `smtp://[user:password@]host[:port]` (plain SMTP to a relay that forwards
    /// over TLS).
    #[arg(long, env = "TIENDO_SMTP")]
    pub smtp: Option<String>,
    /// The sender of notification e-mail ("tiendo <no-reply@localhost>" when not configured).
    #[arg(long, env = "TIENDO_MAIL_FROM")]
    pub mail_from: Option<String>,
}

impl MailArgs {
    /// No relay: e-mail waits in the outbox (the demo server).
    pub fn none() -> MailArgs {
        MailArgs {
            smtp: None,
            mail_from: None,
        }
    }
}

#[derive(Subcommand)]
pub enum NotifyCommand {
    /// Queue the day's warnings (tasks due soon or overdue, reports missing) for the officers
    /// of each unit and every webhook, then send what is due. Run it with --digest once a day
    /// to send the daily digests.
    Send {
        #[command(flatten)]
        mail: MailArgs,
        /// Send the daily digests instead of the immediate notifications.
        #[arg(long)]
        digest: bool,
        /// The day whose warnings are queued (YYYY-MM-DD); today when omitted.
        #[arg(long, value_parser = parse_date)]
        at: Option<NaiveDate>,
    },
    /// Register a webhook that receives every event as JSON signed with HMAC-SHA256
    /// (`X-Tiendo-Signature: sha256=<hex>`).
    Webhook {
        url: String,
        /// The shared secret (16 characters or more).
        #[arg(long, env = "TIENDO_WEBHOOK_SECRET")]
        secret: String,
    },
}

#[derive(Subcommand)]
pub enum UsersCommand {
    /// Add one account; prints its one-time password.
    Add {
        username: String,
        /// The person's name as colleagues know it.
        #[arg(long)]
        name: String,
        /// admin, standing-office, reporter, viewer, inspector or public.
        #[arg(long)]
        role: String,
        /// The unit a reporter enters data for (code or name).
        #[arg(long)]
        capture: Option<String>,
        /// The unit whose unpublished data the account reads (code or name).
        #[arg(long)]
        view: Option<String>,
    },
    /// List the accounts (CSV gives back the import's columns).
    List {
        #[command(flatten)]
        format: FormatArg,
    },
    /// Stop an account from logging in; its sessions end.
    Disable { username: String },
    /// Let a disabled account log in again.
    Enable { username: String },
    /// Give an account a new one-time password, printed once.
    ResetPassword { username: String },
    /// Give an account new scopes for its role (code or name of each unit).
    SetScope {
        username: String,
        #[arg(long)]
        capture: Option<String>,
        #[arg(long)]
        view: Option<String>,
    },
    /// Add every account of a CSV file (username,display_name,role,capture_scope,view_scope,
    /// email), all or none; prints each new account's one-time password.
    Import { file: PathBuf },
}

#[derive(Subcommand)]
pub enum ValuesCommand {
    /// Import values from a CSV file; one bad row rejects the whole file and nothing is written.
    Import {
        /// CSV with the header target,org,period,value,comment.
        file: PathBuf,
        /// Who is recorded as the author of the values.
        #[arg(long, default_value = "cli")]
        author: String,
        /// The state the values are stored in.
        #[arg(long, value_parser = parse_state, default_value = "submitted")]
        state: ValueState,
    },
    /// Export current values as CSV to standard output.
    Export {
        #[arg(long, value_parser = parse_code::<TargetCode>)]
        target: Option<TargetCode>,
        #[arg(long, value_parser = parse_code::<OrgCode>)]
        org: Option<OrgCode>,
        /// Write to this file instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Import a DHIS2 dataValueSets file (JSON or CSV, codes as identifiers); all or nothing,
    /// counted as DHIS2 counts (imported, updated, ignored).
    ImportDhis2(Dhis2Import),
    /// Export current values as a DHIS2 dataValueSets document.
    ExportDhis2(Dhis2Export),
    /// Import an Open SDG series file as yearly values of one target for one unit.
    ImportOpensdg(OpensdgImport),
    /// Export one unit's yearly series of a target in Open SDG's CSV format.
    ExportOpensdg(OpensdgExport),
}

#[derive(Args)]
pub struct Dhis2Import {
    /// A `dataValueSets` file: JSON, or DHIS2's CSV (`dataelement,period,orgunit,…,value,…`).
    pub file: PathBuf,
    /// DHIS2 codes that differ from tiendo's: `[data_elements]` and `[org_units]` tables of
    /// `"DHIS2 code" = "tiendo code"`.
    #[arg(long)]
    pub mapping: Option<PathBuf>,
    /// Check everything and report the counts, but write nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[arg(long, default_value = "dhis2")]
    pub author: String,
    #[arg(long, value_parser = parse_state, default_value = "submitted")]
    pub state: ValueState,
}

#[derive(Args)]
pub struct Dhis2Export {
    #[arg(long, value_parser = parse_code::<TargetCode>)]
    pub target: Option<TargetCode>,
    #[arg(long, value_parser = parse_code::<OrgCode>)]
    pub org: Option<OrgCode>,
    #[arg(long)]
    pub mapping: Option<PathBuf>,
    /// DHIS2's CSV instead of JSON.
    #[arg(long)]
    pub csv: bool,
}

#[derive(Args)]
pub struct OpensdgExport {
    #[arg(long, value_parser = parse_code::<TargetCode>)]
    pub target: TargetCode,
    #[arg(long, value_parser = parse_code::<OrgCode>)]
    pub org: OrgCode,
}

#[derive(Args)]
pub struct OpensdgImport {
    /// An Open SDG CSV file (`Year`, disaggregation columns, `Value`); its headline series is read.
    pub file: PathBuf,
    #[arg(long, value_parser = parse_code::<TargetCode>)]
    pub target: TargetCode,
    #[arg(long, value_parser = parse_code::<OrgCode>)]
    pub org: OrgCode,
    #[arg(long, default_value = "opensdg")]
    pub author: String,
    #[arg(long, value_parser = parse_state, default_value = "submitted")]
    pub state: ValueState,
}

#[derive(Subcommand)]
pub enum BenchCommand {
    /// CSV import speed beside the engine's own bulk-load rate, on SQLite (and PostgreSQL).
    Import {
        /// Values per run.
        #[arg(long, default_value_t = 1_000_000)]
        rows: usize,
        /// Runs per measurement; the median is reported.
        #[arg(long, default_value_t = 3)]
        runs: usize,
        /// Also measure on this PostgreSQL server (each run works in a schema of its own).
        #[arg(long)]
        postgres: Option<String>,
    },
    /// Evaluation at national scale on the database (fill it with `tiendo synth` first).
    Evaluation {
        /// The day evaluated (the synthetic values run to 2025Q4, due by mid-January).
        #[arg(long, value_parser = parse_date, default_value = "2026-01-31")]
        at: NaiveDate,
        /// Runs per measurement; the median is reported.
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
    /// The web application under load on loopback (fill the database with `tiendo synth`):
    /// readers fetch the overview, reporters submit values through the API.
    Web(tiendo_bench::web::WebBench),
}

#[derive(Args, Clone, Copy)]
pub struct HorizonArg {
    /// A task counts as due soon this many days before its deadline.
    #[arg(long, default_value_t = 14)]
    pub due_soon_days: u64,
}

impl HorizonArg {
    pub fn horizon(self) -> tiendo_evaluation::tasks::Horizon {
        tiendo_evaluation::tasks::Horizon {
            due_soon_days: self.due_soon_days,
        }
    }
}

#[derive(Args)]
pub struct FormatArg {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DirectionArg {
    Increase,
    Decrease,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MethodArg {
    /// Open SDG's compound-growth method (sdg-build's ProgressMeasure).
    Opensdg,
    /// Share of the change achieved against share of the time elapsed.
    Trajectory,
    /// A weighted least-squares line projected to the target year.
    Projection,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProgressFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SummaryArg {
    /// Per unit and role (lead, coordinator).
    Unit,
    Document,
    /// Per task group of each document.
    Group,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ClearanceArg {
    Public,
    Internal,
    Secret,
}

/// A day as given on the command line, within the years a period can be stored for (a day
/// beyond them would evaluate periods that cannot be written or read back).
fn parse_date(s: &str) -> Result<NaiveDate, String> {
    use chrono::Datelike;
    let day: NaiveDate = s
        .parse()
        .map_err(|_| format!("\"{s}\" is not a date; write it as YYYY-MM-DD, e.g. 2025-07-01"))?;
    let years =
        tiendo_domain::periods::Period::FIRST_YEAR..=tiendo_domain::periods::Period::LAST_YEAR;
    if !years.contains(&day.year()) {
        return Err(format!(
            "\"{s}\" is outside the years {} to {} that periods are kept for",
            years.start(),
            years.end()
        ));
    }
    Ok(day)
}

fn parse_thresholds(s: &str) -> Result<tiendo_evaluation::progress::opensdg::Thresholds, String> {
    let parts: Vec<f64> = s
        .split(',')
        .map(|p| p.trim().parse::<f64>().ok().filter(|v| v.is_finite()))
        .collect::<Option<_>>()
        .ok_or_else(|| format!("\"{s}\" is not three numbers HIGH,MED,LOW"))?;
    match parts[..] {
        [high, med, low] if high >= med && med >= low => {
            Ok(tiendo_evaluation::progress::opensdg::Thresholds { high, med, low })
        }
        [_, _, _] => Err(format!(
            "\"{s}\": the thresholds must not increase (HIGH ≥ MED ≥ LOW)"
        )),
        _ => Err(format!("\"{s}\" is not three numbers HIGH,MED,LOW")),
    }
}

fn parse_period(s: &str) -> Result<Period, String> {
    s.parse()
        .map_err(|e: tiendo_domain::periods::PeriodError| e.to_string())
}

fn parse_kind(s: &str) -> Result<OrgKind, String> {
    s.parse()
        .map_err(|e: tiendo_domain::orgs::UnknownOrgKind| e.to_string())
}

fn parse_state(s: &str) -> Result<ValueState, String> {
    s.parse()
        .map_err(|e: tiendo_domain::values::UnknownValueState| e.to_string())
}

fn parse_code<T: std::str::FromStr<Err = tiendo_domain::codes::CodeError>>(
    s: &str,
) -> Result<T, String> {
    s.parse()
        .map_err(|e: tiendo_domain::codes::CodeError| e.to_string())
}

#[derive(Subcommand)]
pub enum TaskAction {
    /// Import a plan's task appendix from a Word document (.docx, its tables) or a workbook
    /// (.xlsx): columns found by their Vietnamese headers, group headings kept as task groups,
    /// agencies matched to units, deadlines read as written. Every task is shown with its
    /// problems first; nothing is written while one remains. Importing a revised appendix
    /// again updates the tasks instead of adding them twice.
    Import {
        file: PathBuf,
        /// The document the appendix belongs to, e.g. 03/NQ-CP.
        #[arg(long, value_parser = parse_code::<DocumentCode>)]
        document: DocumentCode,
        /// Show what would be imported, writing nothing.
        #[arg(long)]
        dry_run: bool,
        /// Map words the import did not recognise: "Thanh tra Chính phủ=CODE" for a unit,
        /// "doanh nghiệp=-" for agencies named collectively. Remembered for later imports.
        #[arg(long = "map", value_name = "WORDS=CODE")]
        maps: Vec<String>,
        /// Resolve merged agencies to their successors on this day (YYYY-MM-DD); today when
        /// omitted.
        #[arg(long, value_parser = parse_date)]
        on: Option<NaiveDate>,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Docx,
    Pdf,
}
