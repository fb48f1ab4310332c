//! `tiendo report --unit U --period P`: the unit's periodic report as a Word document, or as
//! PDF converted by LibreOffice when the machine has it (looked for when asked, never needed
//! otherwise).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::Result;
use chrono::{Local, NaiveDate};
use tiendo_domain::orgs::OrgCode;
use tiendo_domain::periods::Period;
use tiendo_domain::tasks::Clearance;
use tiendo_report::{FeedbackCounts, Scope};
use tiendo_storage::{CaseFilter, Store};
use tiendo_wording::Lang;

use crate::cli::ReportFormat;
use crate::BadInput;

/// How long LibreOffice may take to convert one report.
const CONVERSION: Duration = Duration::from_secs(120);
/// The feedback cases counted for one report, at most.
const CASES: u32 = 100_000;

pub struct Request {
    pub unit: OrgCode,
    pub period: Period,
    pub format: ReportFormat,
    pub out: Option<PathBuf>,
    pub at: Option<NaiveDate>,
}

pub async fn run(store: &Store, r: Request, l: Lang) -> Result<()> {
    let today = Local::now().date_naive();
    let day = r.at.unwrap_or_else(|| r.period.end().min(today));
    let snapshot = store.snapshot(day).await?;
    let Some(unit) = snapshot.hierarchy.get(&r.unit) else {
        return Err(
            BadInput(l.t_args("cli-report-no-unit", &[("unit", r.unit.to_string())])).into(),
        );
    };
    let national = snapshot
        .hierarchy
        .nation()
        .is_some_and(|n| n.code == unit.code);
    let filter = CaseFilter {
        units: (!national).then(|| vec![r.unit.clone()]),
        ..CaseFilter::default()
    };
    let (cases, _) = store.feedback_cases(&filter, CASES, 0).await?;
    let feedback = FeedbackCounts::of(cases.iter().map(|c| (c.state, c.due_on)), day);
    let documents = store.documents().await?;
    let facts = tiendo_report::gather(
        &snapshot,
        &documents,
        &Scope::Unit(r.unit.clone()),
        r.period,
        Clearance::Internal,
        Some(feedback),
    )
    .ok_or_else(|| BadInput(l.t_args("cli-report-no-unit", &[("unit", r.unit.to_string())])))?;
    let bytes = tiendo_report::write(&facts, &snapshot.hierarchy, l, today)?;
    let extension = match r.format {
        ReportFormat::Docx => "docx",
        ReportFormat::Pdf => "pdf",
    };
    let out = r
        .out
        .unwrap_or_else(|| PathBuf::from(format!("bao-cao-{}-{}.{extension}", r.unit, r.period)));
    match r.format {
        ReportFormat::Docx => std::fs::write(&out, bytes)?,
        ReportFormat::Pdf => to_pdf(&bytes, &out, l)?,
    }
    println!(
        "{}",
        l.t_args(
            "cli-report-written",
            &[
                ("file", out.display().to_string()),
                ("tasks", facts.overall.total().to_string()),
                ("targets", facts.targets.len().to_string()),
                ("overdue", facts.overdue.len().to_string()),
            ],
        )
    );
    Ok(())
}

/// The report converted to PDF by LibreOffice in a directory of its own.
fn to_pdf(docx: &[u8], out: &Path, l: Lang) -> Result<()> {
    let work = tempfile::tempdir()?;
    let source = work.path().join("bao-cao.docx");
    std::fs::write(&source, docx)?;
    let spawned = ["soffice", "libreoffice"].iter().find_map(|program| {
        Command::new(program)
            .args([
                "--headless",
                "--norestore",
                "--convert-to",
                "pdf",
                "--outdir",
            ])
            .arg(work.path())
            .arg(&source)
            .env("HOME", work.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .ok()
    });
    let Some(mut child) = spawned else {
        return Err(BadInput(l.t("cli-report-no-libreoffice")).into());
    };
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break Some(status);
        }
        if started.elapsed() > CONVERSION {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let pdf = work.path().join("bao-cao.pdf");
    if !status.is_some_and(|s| s.success()) || !pdf.exists() {
        return Err(BadInput(l.t("cli-report-pdf-failed")).into());
    }
    std::fs::copy(&pdf, out)?;
    Ok(())
}
