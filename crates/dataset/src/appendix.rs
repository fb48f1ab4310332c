//! A plan's task appendix made into the tasks of one document: agencies read as units (a
//! merged ministry as its successor on the day of the import), deadlines read as due days or
//! recurrences, group headings as the document's task groups, numbers 1.1 as parts of task 1.
//! The plan's own words stay beside what tiendo read from them. A task already stored for the
//! document under the same code or the same content is updated rather than added again.

use chrono::NaiveDate;
use tiendo_domain::documents::{Document, Section, SectionCode, SectionKind};
use tiendo_domain::orgs::{Hierarchy, OrgCode};
use tiendo_domain::problems::Problem;
use tiendo_domain::search::fold;
use tiendo_domain::tasks::{AsPublished, Confidentiality, Task, TaskCode};
use tiendo_exchange::appendix::{Appendix, Row};
use tiendo_exchange::sheet::column_letter;

use crate::agencies::{Agencies, Mapping, Named};
use crate::deadlines::{self, Deadline};
use crate::strategy::{self, Folder, Plan};
use crate::{Dataset, DatasetError};

/// What was read from one task row, for the preview.
#[derive(Debug, Clone)]
pub struct Reading {
    pub table: String,
    pub row: usize,
    pub number: String,
    pub code: TaskCode,
    /// Whether a stored task of the document is updated.
    pub stored: bool,
    /// The lead unit named, when it is no longer in force and its successor leads.
    pub lead_succeeded: Option<OrgCode>,
    pub deadline: Option<Deadline>,
    /// Agencies named collectively.
    pub groups: Vec<String>,
    /// Whether the lead was a unit the appendix named (not the issuer holding a task given
    /// to agencies collectively).
    pub lead_named: bool,
    /// Whether the lead cell names no unit tiendo knows but words it cannot read: the task
    /// waits for them to be mapped.
    pub lead_unknown: bool,
}

/// The appendix as tasks of a document.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The document with the appendix's group headings among its task groups.
    pub document: Document,
    pub tasks: Vec<Task>,
    pub readings: Vec<Reading>,
    /// Names that matched no unit nor group, each once, as first written.
    pub unknown: Vec<String>,
    /// Everything that keeps the appendix from being written, at its table, row and column.
    pub problems: Vec<Problem>,
}

/// An appendix read against the database: its tasks with their problems and, when it has
/// none, the plan that writes it.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub imported: Imported,
    pub plan: Option<Plan>,
}

/// Reads `appendix` as tasks of `document` against `current` (what the database holds), with
/// the agency names mapped before (`remembered`) and now (`typed`, remembered when written).
/// Agencies are resolved on `day`; `source` names the file.
pub fn prepare(
    current: &Dataset,
    appendix: &Appendix,
    document: &Document,
    remembered: &[Mapping],
    typed: &[Mapping],
    day: NaiveDate,
    source: &str,
) -> Result<Prepared, DatasetError> {
    let stored: Vec<Task> = current
        .tasks
        .iter()
        .filter(|t| t.document == document.code)
        .cloned()
        .collect();
    let read = |mapped: &[Mapping]| -> Result<Imported, DatasetError> {
        let agencies = Agencies::read(&current.hierarchy, mapped)?;
        Ok(tasks(
            appendix,
            document,
            &stored,
            &current.hierarchy,
            &agencies,
            day,
            source,
        ))
    };
    let mut imported = read(remembered)?;
    // Only names this appendix left unknown are mapped (and remembered); what was typed wins
    // over what was remembered.
    let typed: Vec<Mapping> = typed
        .iter()
        .filter(|(w, _)| imported.unknown.iter().any(|u| fold(u) == fold(w)))
        .cloned()
        .collect();
    if !typed.is_empty() {
        let mapped: Vec<Mapping> = typed.iter().chain(remembered).cloned().collect();
        imported = read(&mapped)?;
    }
    let plan = if imported.problems.is_empty() {
        let folder = Folder::of_tasks(
            source.to_string(),
            vec![imported.document.clone()],
            imported.tasks.clone(),
        );
        let mut plan = strategy::plan(current, folder)?;
        plan.agency_mappings = typed;
        Some(plan)
    } else {
        None
    };
    Ok(Prepared { imported, plan })
}

/// The arabic number of a roman numeral (I–XXXIX is all a plan uses).
fn roman(numeral: &str) -> Option<u32> {
    let mut total = 0u32;
    let mut last = 0u32;
    for c in numeral.chars().rev() {
        let v = match c {
            'I' => 1,
            'V' => 5,
            'X' => 10,
            'L' => 50,
            _ => return None,
        };
        if v < last {
            total = total.checked_sub(v)?;
        } else {
            total += v;
            last = v;
        }
    }
    (total > 0).then_some(total)
}

/// The task-group code of a heading numeral: `II` → `TG2`, as documents number them.
fn section_code(numeral: &str) -> Option<SectionCode> {
    format!("TG{}", roman(numeral)?).parse().ok()
}

/// The code a new task of `document` gets: the document's number, then the task's.
fn new_code(document: &Document, group: Option<&str>, number: &str) -> Option<TaskCode> {
    let prefix: String = document
        .code
        .as_str()
        .chars()
        .map(|c| if c == '/' { '-' } else { c })
        .collect();
    match group {
        Some(g) => format!("{prefix}-{g}-{number}"),
        None => format!("{prefix}-{number}"),
    }
    .parse()
    .ok()
}

fn problem<const N: usize>(
    row: &Row,
    column: usize,
    code: &'static str,
    args: [(&'static str, String); N],
    message: String,
) -> Problem {
    Problem::in_sheet(
        row.place.table.as_str(),
        row.place.row,
        column_letter(column),
        message,
    )
    .coded(code, args)
}

/// Makes `appendix` the tasks of `document`. `stored` are the document's tasks already held;
/// `day` is the day agencies are resolved on (a unit merged before it gives way to its
/// successor); `source` names the file for each task's provenance.
pub fn tasks(
    appendix: &Appendix,
    document: &Document,
    stored: &[Task],
    hierarchy: &Hierarchy,
    agencies: &Agencies,
    day: NaiveDate,
    source: &str,
) -> Imported {
    let mut document = document.clone();
    let mut problems = Vec::new();
    let mut unknown: Vec<String> = Vec::new();
    for g in &appendix.groups {
        let Some(code) = section_code(&g.numeral) else {
            continue;
        };
        let section = Section {
            code: code.clone(),
            kind: SectionKind::TaskGroup,
            title_vi: g.title.clone(),
            title_en: None,
        };
        match document.sections.iter_mut().find(|s| s.code == code) {
            // A heading that says the same in other capitals changes nothing; a new wording
            // replaces the old, whose English no longer matches it.
            Some(s) if !g.title.is_empty() && fold(&s.title_vi) != fold(&g.title) => {
                s.title_vi = g.title.clone();
                s.title_en = None;
            }
            Some(_) => {}
            None if g.title.is_empty() => {}
            None => document.sections.push(section),
        }
    }
    // Numbers restart in each group in some plans, and in each table in others: then the
    // group, and the table ("B2" for the second), become part of the code.
    let unique = |key: &dyn Fn(&Row) -> String| {
        let mut seen = std::collections::HashSet::new();
        appendix.rows.iter().all(|r| seen.insert(key(r)))
    };
    let by_group = !unique(&|r| r.number.clone());
    let by_table = by_group && !unique(&|r| format!("{:?} {}", r.group, r.number));
    let mut tables: Vec<&str> = Vec::new();
    for r in &appendix.rows {
        if !tables.contains(&r.place.table.as_str()) {
            tables.push(&r.place.table);
        }
    }
    let part_of = |row: &Row| -> Option<String> {
        let table = tables
            .iter()
            .position(|t| *t == row.place.table)
            .unwrap_or(0)
            + 1;
        match (by_table, by_group, row.group.as_deref()) {
            (true, _, Some(g)) => Some(format!("B{table}-{g}")),
            (true, _, None) => Some(format!("B{table}")),
            (false, true, g) => g.map(str::to_string),
            (false, false, _) => None,
        }
    };
    let mut tasks: Vec<Task> = Vec::new();
    let mut readings = Vec::new();
    let mut numbered: std::collections::HashMap<(Option<String>, &str), TaskCode> =
        std::collections::HashMap::new();
    let mut claimed: std::collections::HashSet<TaskCode> = std::collections::HashSet::new();
    // The stored tasks by code and by folded content, looked up once per row.
    let by_code: std::collections::HashMap<&str, &Task> =
        stored.iter().map(|t| (t.code.as_str(), t)).collect();
    let mut by_title: std::collections::HashMap<String, Vec<&Task>> =
        std::collections::HashMap::new();
    for t in stored {
        by_title.entry(fold(&t.title_vi)).or_default().push(t);
    }
    for row in &appendix.rows {
        let part = part_of(row);
        let group = part.as_deref();
        let title_key = fold(&row.title);
        // A stored task is updated by one row at most: by the same code, else by the same
        // content when one unclaimed task has it.
        let own_code = new_code(&document, group, &row.number);
        let unclaimed = |t: &&Task| !claimed.contains(&t.code);
        let before = own_code
            .as_ref()
            .and_then(|c| by_code.get(c.as_str()))
            .copied()
            .filter(unclaimed)
            .or_else(|| {
                let mut same = by_title
                    .get(&title_key)
                    .into_iter()
                    .flatten()
                    .copied()
                    .filter(unclaimed);
                match (same.next(), same.next()) {
                    (Some(one), None) => Some(one),
                    _ => None,
                }
            });
        if let Some(t) = before {
            claimed.insert(t.code.clone());
        }
        let Some(code) = before
            .map(|t| t.code.clone())
            .or_else(|| new_code(&document, group, &row.number))
        else {
            problems.push(problem(
                row,
                row.columns.number.unwrap_or(0),
                "appendix-code",
                [("number", row.number.clone())],
                format!("task {} makes no valid code", row.number),
            ));
            continue;
        };
        if tasks.iter().any(|t| t.code == code) {
            problems.push(problem(
                row,
                row.columns.number.unwrap_or(0),
                "appendix-twice",
                [("number", row.number.clone())],
                format!("task {} appears twice", row.number),
            ));
            continue;
        }
        // The units a cell names, and whether it holds words no unit or group matched.
        let mut read_units = |cell: &str, column: usize, groups: &mut Vec<String>| {
            let mut units = Vec::new();
            let mut unread = false;
            for named in agencies.read_cell(cell) {
                match named {
                    Named::Unit(u) => units.push(u),
                    Named::Group(g) => groups.push(g),
                    Named::Unknown(words) => {
                        let p = problem(
                            row,
                            column,
                            "appendix-unknown-agency",
                            [("name", words.clone())],
                            format!("\"{words}\" is no unit tiendo knows; map it to a unit or to a group"),
                        );
                        if !unknown.iter().any(|w| fold(w) == fold(&words)) {
                            unknown.push(words);
                        }
                        problems.push(p);
                        unread = true;
                    }
                }
            }
            (units, unread)
        };
        let mut groups = Vec::new();
        let (leads, lead_unread) = read_units(&row.lead, row.columns.lead, &mut groups);
        let lead_unknown = leads.is_empty() && lead_unread;
        let named_coordinators = row
            .columns
            .coordinators
            .map(|c| read_units(&row.coordinators, c, &mut groups).0)
            .unwrap_or_default();
        // A task given to agencies collectively is held by the document's issuer.
        let (first, more) = match leads.split_first() {
            Some((first, more)) => (Some(first.clone()), more.to_vec()),
            None => (document.issuer.clone(), Vec::new()),
        };
        let Some(named_lead) = first else {
            problems.push(problem(
                row,
                row.columns.lead,
                "appendix-no-lead",
                [("number", row.number.clone())],
                format!(
                    "task {} names no lead unit and the document has no issuer to hold it",
                    row.number
                ),
            ));
            continue;
        };
        let in_force = |u: &OrgCode| hierarchy.in_force_for(u, day).map(|x| x.code.clone());
        let Some(lead) = in_force(&named_lead) else {
            problems.push(problem(
                row,
                row.columns.lead,
                "appendix-unit-gone",
                [
                    ("unit", named_lead.to_string()),
                    ("day", day.format("%d/%m/%Y").to_string()),
                ],
                format!("{named_lead} is not in force on {day} and has no successor"),
            ));
            continue;
        };
        let mut coordinators: Vec<OrgCode> = Vec::new();
        for named in more.iter().chain(&named_coordinators) {
            match in_force(named) {
                Some(c) => coordinators.push(c),
                None => problems.push(problem(
                    row,
                    row.columns.coordinators.unwrap_or(row.columns.lead),
                    "appendix-unit-gone",
                    [
                        (
                            "unit",
                            hierarchy
                                .get(named)
                                .map_or_else(|| named.to_string(), |u| u.name_vi.clone()),
                        ),
                        ("day", day.format("%d/%m/%Y").to_string()),
                    ],
                    format!("{named} is not in force on {day} and has no successor"),
                )),
            }
        }
        coordinators.retain(|c| *c != lead);
        coordinators.sort();
        coordinators.dedup();
        let deadline = if row.deadline.is_empty() {
            None
        } else {
            match deadlines::read(&row.deadline) {
                Some(d) => Some(d),
                None => {
                    let p = problem(
                        row,
                        row.columns.deadline.unwrap_or(0),
                        "appendix-deadline",
                        [("text", row.deadline.clone())],
                        format!("\"{}\" is not a deadline plans use (6/2025, Quý II/2025, Năm 2025, Trước 30/6/2025, Thường xuyên, Hằng năm)", row.deadline),
                    );
                    problems.push(p);
                    continue;
                }
            }
        };
        let parent = row
            .parent
            .as_ref()
            .and_then(|p| numbered.get(&(part.clone(), p.as_str())))
            .cloned();
        numbered.insert((part.clone(), row.number.as_str()), code.clone());
        let words = |s: &str| (!s.is_empty()).then(|| s.to_string());
        tasks.push(Task {
            code: code.clone(),
            document: document.code.clone(),
            group: row.group.as_deref().and_then(section_code),
            parent,
            title_vi: row.title.clone(),
            title_en: before.and_then(|t| t.title_en.clone()),
            lead: lead.clone(),
            coordinators,
            start: before.and_then(|t| t.start),
            deadline: deadline.and_then(Deadline::day),
            as_published: AsPublished {
                lead_as_given: words(&row.lead),
                coordinators_as_given: words(&row.coordinators),
                deadline_as_given: words(&row.deadline),
            },
            completed_on: before.and_then(|t| t.completed_on),
            cancelled_on: before.and_then(|t| t.cancelled_on),
            expected_product: words(&row.product),
            targets: before.map(|t| t.targets.clone()).unwrap_or_default(),
            confidentiality: before.map_or(Confidentiality::Public, |t| t.confidentiality),
            source: before.and_then(|t| t.source.clone()).or_else(|| {
                Some(format!(
                    "{source}, {}, dòng {}",
                    row.place.table, row.place.row
                ))
            }),
        });
        readings.push(Reading {
            table: row.place.table.clone(),
            row: row.place.row,
            number: row.number.clone(),
            code,
            stored: before.is_some(),
            lead_succeeded: (lead != named_lead).then_some(named_lead),
            deadline,
            groups,
            lead_named: !leads.is_empty(),
            lead_unknown,
        });
    }
    Imported {
        document,
        tasks,
        readings,
        unknown,
        problems,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tiendo_exchange::appendix::{Columns, Place};

    fn row(number: &str, lead: &str, coordinators: &str, deadline: &str) -> Row {
        Row {
            place: Place {
                table: "Bảng 1".into(),
                row: 3,
            },
            number: number.into(),
            parent: number.rsplit_once('.').map(|(p, _)| p.to_string()),
            group: Some("II".into()),
            title: format!("Nhiệm vụ {number}"),
            lead: lead.into(),
            coordinators: coordinators.into(),
            product: String::new(),
            deadline: deadline.into(),
            columns: Columns {
                number: Some(0),
                title: 1,
                lead: 2,
                coordinators: Some(3),
                product: None,
                deadline: Some(4),
            },
        }
    }

    /// `appendix` read as tasks of 03/NQ-CP on 20/10/2025, with the built-in hierarchy.
    fn into_the_programme(appendix: &Appendix) -> Imported {
        let d = crate::reference().unwrap();
        let agencies = Agencies::read(&d.hierarchy, &[]).unwrap();
        let document = d
            .documents
            .iter()
            .find(|x| x.code.as_str() == "03/NQ-CP")
            .unwrap();
        let day = "2025-10-20".parse().unwrap();
        tasks(
            appendix,
            document,
            &[],
            &d.hierarchy,
            &agencies,
            day,
            "pl.docx",
        )
    }

    /// Two tables that each number their tasks from 1 keep them apart by table.
    #[test]
    fn tables_numbered_alike_are_told_apart() {
        let in_table = |table: &str, number: &str| Row {
            place: Place {
                table: table.into(),
                row: 2,
            },
            group: None,
            title: format!("Nhiệm vụ {number} của {table}"),
            ..row(number, "Bộ Y tế", "", "2026")
        };
        let appendix = Appendix {
            groups: vec![],
            rows: vec![
                in_table("Bảng 1", "1"),
                in_table("Bảng 1", "2"),
                in_table("Bảng 2", "1"),
                in_table("Bảng 2", "2"),
            ],
        };
        let got = into_the_programme(&appendix);
        assert!(got.problems.is_empty(), "{:?}", got.problems);
        let codes: Vec<&str> = got.tasks.iter().map(|t| t.code.as_str()).collect();
        assert_eq!(
            codes,
            [
                "03-NQ-CP-B1-1",
                "03-NQ-CP-B1-2",
                "03-NQ-CP-B2-1",
                "03-NQ-CP-B2-2"
            ]
        );
    }

    #[test]
    fn rows_become_tasks_with_successors_groups_and_problems_named() {
        let appendix = Appendix {
            groups: vec![],
            rows: vec![
                row("1", "Bộ TT&TT", "các bộ, ngành", "Trước 30/6/2025"),
                row("1.1", "", "Bộ Tài chính", "Hằng năm"),
                row("2", "Thanh tra Chính phủ", "", "sớm"),
            ],
        };
        let got = into_the_programme(&appendix);
        assert_eq!(got.tasks.len(), 2);
        let first = &got.tasks[0];
        assert_eq!(first.code.as_str(), "03-NQ-CP-1");
        assert_eq!(
            first.lead.as_str(),
            "MOST",
            "the merged ministry's successor leads"
        );
        assert_eq!(
            got.readings[0].lead_succeeded.as_ref().map(|c| c.as_str()),
            Some("MIC")
        );
        assert_eq!(first.deadline, Some("2025-06-30".parse().unwrap()));
        assert_eq!(first.group.as_ref().map(|g| g.as_str()), Some("TG2"));
        assert_eq!(got.readings[0].groups, ["các bộ", "ngành"]);
        let part = &got.tasks[1];
        assert_eq!(part.parent.as_ref(), Some(&first.code));
        assert_eq!(
            part.lead.as_str(),
            "GOV",
            "no lead named: the issuer holds it"
        );
        assert_eq!(got.readings[1].deadline, Some(Deadline::Yearly));
        let codes: Vec<_> = got
            .problems
            .iter()
            .map(|p| (p.code, p.field.as_str()))
            .collect();
        assert_eq!(
            codes,
            [("appendix-unknown-agency", "C"), ("appendix-deadline", "E")]
        );
        assert_eq!(got.unknown[0], "Thanh tra Chính phủ");
    }
}
