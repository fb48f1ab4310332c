//! The tasks of the Government's action programme (03/NQ-CP Appendix II, and the 71/NQ-CP tasks
//! its 24/5/2025 report lists), read from the table as published: agencies as named, deadlines
//! as written. tiendo reads the accountable unit and the due day from those words and keeps the
//! words beside them.

use chrono::NaiveDate;
use tiendo_domain::documents::Document;
use tiendo_domain::orgs::Hierarchy;
use tiendo_domain::tasks::{AsPublished, Confidentiality, Percent, ProgressUpdate, Task};

use crate::agencies::Agencies;
use crate::deadlines;
use crate::files;
use crate::load::{read_csv, DatasetError};

/// The status the programme's report gives a task that is done.
const DONE: &str = "Hoàn thành";

/// The programme's tasks and the completions its report states.
pub(crate) fn read(
    h: &Hierarchy,
    documents: &[Document],
) -> Result<(Vec<Task>, Vec<ProgressUpdate>), DatasetError> {
    let names = Agencies::read(h, &[])?;
    let mut progress = Vec::new();
    let tasks = read_csv(&files::PROGRAMME_TASKS, |row| {
        let document = row.parse("document")?;
        let issuer = documents
            .iter()
            .find(|d| d.code == document)
            .and_then(|d| d.issuer.clone())
            .ok_or_else(|| {
                row.error(
                    "document",
                    format!("document {document} has no issuer in data/documents.toml"),
                )
            })?;
        let lead_words = row.opt("lead_as_given");
        let coordinator_words = row.opt("coordinators_as_given");
        let mut leads = lead_words.map(|w| names.units(w)).unwrap_or_default();
        // A task the table gives to a collective ("các bộ, ngành, địa phương") is held by the
        // programme's issuer, which answers for its own programme.
        let lead = if leads.is_empty() {
            issuer
        } else {
            leads.remove(0)
        };
        let mut coordinators = leads;
        for c in coordinator_words
            .map(|w| names.units(w))
            .unwrap_or_default()
        {
            if c != lead && !coordinators.contains(&c) {
                coordinators.push(c);
            }
        }
        // Kept in code order, as storage gives them back; the order named is in the words.
        coordinators.sort();
        let deadline_words = row.opt("deadline_as_given");
        let deadline = match deadline_words {
            None => None,
            Some(w) => match deadlines::read(w) {
                Some(d) => d.day(),
                None => {
                    return Err(row.error(
                        "deadline_as_given",
                        format!("\"{w}\" is not a deadline plans use (e.g. 6/2025, Tháng 5/2025, Quý II/2025, 2025, 2025-2030, Thường xuyên)"),
                    ))
                }
            },
        };
        let code = row.parse("code")?;
        let status_on: Option<NaiveDate> = row.parse_opt("status_on")?;
        let completed_on = match (status_on, row.opt("status")) {
            (Some(on), Some(DONE)) => {
                progress.push(ProgressUpdate {
                    task: code,
                    reported_on: on,
                    percent_complete: Percent::new(100)
                        .map_err(|e| row.error("status", e.to_string()))?,
                    narrative: match row.opt("status_note") {
                        Some(note) => {
                            format!("Báo cáo ngày {}: {DONE}. {note}", on.format("%d/%m/%Y"))
                        }
                        None => format!("Báo cáo ngày {}: {DONE}.", on.format("%d/%m/%Y")),
                    },
                    difficulties: None,
                    recommendations: None,
                    evidence: row
                        .opt("status_source")
                        .map(str::to_string)
                        .into_iter()
                        .collect(),
                    author: "Báo cáo ngày 24/5/2025 kèm Công văn 402-CV/VPĐU (dự thảo)".into(),
                    recorded_at: None,
                });
                Some(on)
            }
            _ => None,
        };
        Ok(Task {
            code: row.parse("code")?,
            document,
            group: row.parse_opt("group")?,
            parent: None,
            title_vi: row.parse("title_vi")?,
            title_en: None,
            lead,
            coordinators,
            start: None,
            deadline,
            as_published: AsPublished {
                lead_as_given: lead_words.map(str::to_string),
                coordinators_as_given: coordinator_words.map(str::to_string),
                deadline_as_given: deadline_words.map(str::to_string),
            },
            completed_on,
            cancelled_on: None,
            expected_product: row.opt("product").map(str::to_string),
            targets: Vec::new(),
            confidentiality: Confidentiality::Public,
            source: Some(row.parse("source")?),
        })
    })?;
    Ok((tasks, progress))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_programme_holds_its_140_tasks_and_the_37_of_the_may_report() {
        let d = crate::reference().unwrap();
        let of = |doc: &str| {
            d.tasks
                .iter()
                .filter(|t| t.document.as_str() == doc)
                .count()
        };
        assert_eq!(of("03/NQ-CP"), 140);
        assert_eq!(of("71/NQ-CP"), 37);
        let t = |code: &str| d.tasks.iter().find(|t| t.code.as_str() == code).unwrap();
        // Appendix II, task 1: led by the Ministry of Information and Communications, due 6/2025.
        let first = t("NQ03-PL2-1");
        assert_eq!(first.lead.as_str(), "MIC");
        assert_eq!(first.deadline, Some("2025-06-30".parse().unwrap()));
        assert_eq!(
            first.as_published.deadline_as_given.as_deref(),
            Some("6/2025")
        );
        // A task for "các bộ, ngành, địa phương" is the Government's own.
        let collective = d
            .tasks
            .iter()
            .find(|t| t.as_published.lead_as_given.as_deref() == Some("Các bộ, ngành, địa phương"))
            .unwrap();
        assert_eq!(collective.lead.as_str(), "GOV");
        // "Thường xuyên" has no due day.
        assert!(d
            .tasks
            .iter()
            .filter(|t| t.as_published.deadline_as_given.as_deref() == Some("Thường xuyên"))
            .all(|t| t.deadline.is_none()));
        let done = d
            .tasks
            .iter()
            .filter(|t| t.document.as_str() == "71/NQ-CP" && t.completed_on.is_some())
            .count();
        assert_eq!(done, 21, "the report's appendix marks 21 tasks done");
        assert_eq!(d.progress.len(), 21);
    }
}
