//! The periodic report as a Word document in the layout of Decree 30/2020/NĐ-CP: the issuing
//! body and the national motto side by side, the number and the place and date, the title,
//! numbered sections worded from the facts, and the parts only a person can write (the
//! assessment, the proposals, the number, the signature) left as marked placeholders.

use std::io::Cursor;

use chrono::{Datelike, NaiveDate};
use docx_rs::{
    AlignmentType, Docx, LineSpacing, PageMargin, Paragraph, Run, RunFonts, Table, TableCell,
    TableRow, WidthType,
};
use tiendo_domain::orgs::Hierarchy;
use tiendo_evaluation::tasks::{Tally, TaskStatus};
use tiendo_wording::{pick, Lang};

use crate::facts::ReportFacts;

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("the Word document cannot be packed: {0}")]
    Pack(String),
}

/// Half-points: 13 pt for the text, as the decree asks (13–14 pt).
const TEXT: usize = 26;
const SMALL: usize = 24;
const TITLE: usize = 28;
/// The width of the text on A4 with the decree's margins, in twentieths of a point.
const WIDTH: usize = 9355;

fn run(text: impl Into<String>) -> Run {
    Run::new().add_text(text).size(TEXT)
}

fn para(text: impl Into<String>) -> Paragraph {
    Paragraph::new()
        .add_run(run(text))
        .align(AlignmentType::Both)
        .indent(
            None,
            Some(docx_rs::SpecialIndentType::FirstLine(567)),
            None,
            None,
        )
        .line_spacing(LineSpacing::new().before(60).after(60))
}

fn centred(r: Run) -> Paragraph {
    Paragraph::new().add_run(r).align(AlignmentType::Center)
}

fn heading(text: impl Into<String>) -> Paragraph {
    Paragraph::new()
        .add_run(run(text).bold())
        .line_spacing(LineSpacing::new().before(120).after(60))
        .keep_next(true)
}

/// A part the officer writes: highlighted so it is not sent as it is.
fn placeholder(text: impl Into<String>) -> Paragraph {
    Paragraph::new()
        .add_run(run(text).italic().highlight("yellow"))
        .indent(
            None,
            Some(docx_rs::SpecialIndentType::FirstLine(567)),
            None,
            None,
        )
}

fn cell(text: &str, width: usize, bold: bool) -> TableCell {
    let mut r = Run::new().add_text(text).size(SMALL);
    if bold {
        r = r.bold();
    }
    TableCell::new()
        .add_paragraph(Paragraph::new().add_run(r))
        .width(width, WidthType::Dxa)
}

/// A bordered table: a header row in bold, then the rows.
fn grid(widths: &[usize], header: &[String], rows: &[Vec<String>]) -> Table {
    let row = |cells: &[String], bold: bool| {
        TableRow::new(
            cells
                .iter()
                .zip(widths)
                .map(|(c, w)| cell(c, *w, bold))
                .collect(),
        )
    };
    let mut all = vec![row(header, true)];
    all.extend(rows.iter().map(|r| row(r, false)));
    Table::new(all)
        .set_grid(widths.to_vec())
        .width(WIDTH, WidthType::Dxa)
}

/// The cities under the central government (thành phố trực thuộc trung ương), by the names
/// the hierarchy gives them: Resolution 202/2025/QH15 keeps these six among the 34 provinces.
const CITIES: [&str; 6] = [
    "Hà Nội",
    "TP Hồ Chí Minh",
    "Hải Phòng",
    "Đà Nẵng",
    "Cần Thơ",
    "Huế",
];

/// Who issues the report, as the heading's lines and as named in a sentence: a province's
/// People's Committee, a ministry by its name; for the nation the officer fills it in.
fn issuer(
    l: Lang,
    unit: &tiendo_domain::orgs::OrgUnit,
    national: bool,
) -> (Vec<String>, String, bool) {
    use tiendo_domain::orgs::OrgKind;
    if national {
        let blank = l.t("report-docx-issuer-hint");
        return (vec![blank.clone()], blank, true);
    }
    let name = pick(l, &unit.name_vi, Some(&unit.name_en));
    if unit.kind == OrgKind::Province {
        let bare = match l {
            Lang::Vi => unit.name_vi.trim_start_matches("TP ").to_string(),
            Lang::En => unit.name_en.clone(),
        };
        let key = if CITIES.contains(&unit.name_vi.as_str()) {
            "report-docx-city"
        } else {
            "report-docx-province"
        };
        let place = l.t_args(key, &[("name", bare)]);
        let committee = l.t("report-docx-committee");
        let sentence = format!("{committee} {}", place);
        return (
            vec![committee.to_uppercase(), place.to_uppercase()],
            sentence,
            false,
        );
    }
    (vec![name.to_uppercase()], name, false)
}

/// The issuing body and the motto, the number and the place and date, side by side without
/// borders.
fn masthead(l: Lang, issuer: &[String], blank: bool, place: &str, issued_on: NaiveDate) -> Table {
    let mut left = TableCell::new();
    for (i, line) in issuer.iter().enumerate() {
        let mut r = run(line.clone());
        if i + 1 == issuer.len() {
            r = r.bold();
        }
        if blank {
            r = r.highlight("yellow");
        }
        left = left.add_paragraph(centred(r));
    }
    let left = left
        .add_paragraph(centred(run(l.t("report-docx-number"))))
        .width(3600, WidthType::Dxa);
    let right = TableCell::new()
        .add_paragraph(centred(run(l.t("report-docx-nation")).bold()))
        .add_paragraph(centred(
            run(l.t("report-docx-motto")).bold().underline("single"),
        ))
        .add_paragraph(centred(
            run(l.t_args(
                "report-docx-place-date",
                &[
                    ("place", place.to_string()),
                    ("day", issued_on.day().to_string()),
                    ("month", issued_on.month().to_string()),
                    ("year", issued_on.year().to_string()),
                ],
            ))
            .italic(),
        ))
        .width(5755, WidthType::Dxa);
    Table::without_borders(vec![TableRow::new(vec![left, right])])
        .set_grid(vec![3600, 5755])
        .width(WIDTH, WidthType::Dxa)
}

fn count(t: &Tally, s: TaskStatus) -> String {
    t.count(s).to_string()
}

/// The charts shown, at most: a report is read, not leafed through.
const CHARTS: usize = 12;
/// A chart's width on the page: 15 cm in EMU.
const CHART_WIDTH: u32 = 5_400_000;

/// The charts of the targets with figures, each a picture with its caption and course.
fn charts(mut doc: Docx, facts: &ReportFacts, l: Lang, subject: &str) -> Docx {
    let drawn: Vec<_> = facts
        .targets
        .iter()
        // A single figure is in the table already: a chart shows a course.
        .filter(|t| tiendo_evaluation::targets::yearly(&t.series).len() > 1)
        .take(CHARTS)
        .collect();
    if drawn.is_empty() {
        return doc;
    }
    doc = doc.add_paragraph(para(l.t("report-docx-charts")));
    for (i, t) in drawn.into_iter().enumerate() {
        let chart = crate::charts::target(l, &t.target, subject, &t.series, t.base_year);
        let Some((png, w, h)) = crate::picture::png(&chart.svg, 2.0) else {
            continue;
        };
        let height = (u64::from(CHART_WIDTH) * u64::from(h) / u64::from(w.max(1))) as u32;
        let picture = docx_rs::Pic::new_with_dimensions(png, w, h).size(CHART_WIDTH, height);
        doc = doc
            .add_paragraph(centred(Run::new().add_image(picture)).keep_next(true))
            .add_paragraph(centred(
                Run::new()
                    .add_text(l.t_args(
                        "report-docx-chart-caption",
                        &[
                            ("n", (i + 1).to_string()),
                            (
                                "target",
                                pick(l, &t.target.name_vi, t.target.name_en.as_deref()),
                            ),
                        ],
                    ))
                    .italic()
                    .size(SMALL),
            ));
        for line in chart.course {
            doc = doc.add_paragraph(para(line));
        }
    }
    doc
}

/// The periodic report as the bytes of a .docx file, in `l`, issued on `issued_on`.
pub fn write(
    facts: &ReportFacts,
    hierarchy: &Hierarchy,
    l: Lang,
    issued_on: NaiveDate,
) -> Result<Vec<u8>, ReportError> {
    let unit_name = |c: &tiendo_domain::orgs::OrgCode| {
        hierarchy
            .get(c)
            .map(|u| pick(l, &u.name_vi, Some(&u.name_en)))
            .unwrap_or_else(|| c.to_string())
    };
    let national = hierarchy.nation().is_some_and(|n| n.code == facts.unit);
    let (heading_lines, subject, blank) = match hierarchy.get(&facts.unit) {
        Some(u) => issuer(l, u, national),
        None => (vec![facts.unit.to_string()], facts.unit.to_string(), false),
    };
    let place = hierarchy
        .get(&facts.unit)
        .filter(|u| u.kind == tiendo_domain::orgs::OrgKind::Province)
        .map(|u| pick(l, &u.name_vi, Some(&u.name_en)))
        .unwrap_or_else(|| l.t("report-docx-capital"));
    let period = tiendo_wording::period(l, facts.period);
    let mut doc = Docx::new()
        .page_size(11906, 16838)
        .page_margin(
            PageMargin::new()
                .top(1134)
                .bottom(1134)
                .left(1701)
                .right(850),
        )
        .default_fonts(
            RunFonts::new()
                .ascii("Times New Roman")
                .hi_ansi("Times New Roman")
                .cs("Times New Roman")
                .east_asia("Times New Roman"),
        )
        .default_size(TEXT)
        .add_table(masthead(l, &heading_lines, blank, &place, issued_on))
        .add_paragraph(Paragraph::new())
        .add_paragraph(centred(run(l.t("report-docx-kind")).bold().size(TITLE)))
        .add_paragraph(centred(
            run(match &facts.document {
                None => l.t_args("report-docx-title", &[("period", period.clone())]),
                Some(d) => l.t_args(
                    "report-docx-title-document",
                    &[("period", period.clone()), ("document", d.to_string())],
                ),
            })
            .bold(),
        ))
        .add_paragraph(Paragraph::new())
        .add_paragraph(para(l.t_args(
            "report-docx-opening",
            &[
                ("unit", subject.clone()),
                ("day", l.date(facts.day)),
                ("period", period.clone()),
            ],
        )));

    // I. Tasks by group.
    let o = &facts.overall;
    doc = doc
        .add_paragraph(heading(l.t("report-docx-tasks")))
        .add_paragraph(para(
            l.t_args(
                "report-docx-tasks-summary",
                &[
                    ("total", o.total().to_string()),
                    ("on_time", count(o, TaskStatus::CompletedOnTime)),
                    ("late", count(o, TaskStatus::CompletedLate)),
                    (
                        "in_progress",
                        (o.count(TaskStatus::InProgress)
                            + o.count(TaskStatus::DueSoon)
                            + o.count(TaskStatus::NotYetDue))
                        .to_string(),
                    ),
                    ("overdue", count(o, TaskStatus::Overdue)),
                ],
            ),
        ))
        .add_paragraph(para(match o.on_time_rate() {
            Some(r) => l.t_args("report-docx-rate", &[("rate", l.number(r * 100.0, 1))]),
            None => l.t("report-docx-no-rate"),
        }));
    if !facts.groups.is_empty() {
        let rows: Vec<Vec<String>> = facts
            .groups
            .iter()
            .map(|g| {
                let document = facts.documents.iter().find(|d| d.code == g.document);
                let group = g
                    .group
                    .as_ref()
                    .and_then(|s| document.and_then(|d| d.section(s)))
                    .map(|s| pick(l, &s.title_vi, s.title_en.as_deref()))
                    .unwrap_or_else(|| l.t("report-docx-no-group"));
                let t = &g.tally;
                vec![
                    format!("{} — {group}", g.document),
                    t.total().to_string(),
                    count(t, TaskStatus::CompletedOnTime),
                    count(t, TaskStatus::CompletedLate),
                    (t.count(TaskStatus::InProgress)
                        + t.count(TaskStatus::DueSoon)
                        + t.count(TaskStatus::NotYetDue))
                    .to_string(),
                    count(t, TaskStatus::Overdue),
                    g.overdue_leads
                        .iter()
                        .map(&unit_name)
                        .collect::<Vec<_>>()
                        .join("; "),
                ]
            })
            .collect();
        let header = [
            "report-docx-col-group",
            "report-docx-col-total",
            "report-docx-col-on-time",
            "report-docx-col-late",
            "report-docx-col-in-progress",
            "report-docx-col-overdue",
            "report-docx-col-overdue-leads",
        ]
        .map(|k| l.t(k));
        doc = doc.add_table(grid(
            &[2900, 800, 900, 900, 1100, 900, 1855],
            &header,
            &rows,
        ));
    }

    // II. Targets.
    doc = doc.add_paragraph(heading(l.t("report-docx-targets")));
    if facts.targets.is_empty() {
        doc = doc.add_paragraph(para(l.t("report-docx-no-targets")));
    } else {
        let figure = |v: Option<(tiendo_domain::periods::Period, f64)>, measure: &str| {
            v.map(|(p, x)| {
                format!(
                    "{} {} ({})",
                    tiendo_wording::figure(l, x),
                    tiendo_wording::measure(l, measure),
                    tiendo_wording::period(l, p)
                )
            })
            .unwrap_or_else(|| l.t("no-data"))
        };
        let rows: Vec<Vec<String>> = facts
            .targets
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let change = match (t.value, t.previous) {
                    (Some((_, now)), Some((p, before))) => l.t_args(
                        "report-docx-change",
                        &[
                            (
                                "change",
                                format!(
                                    "{}{}",
                                    if now >= before { "+" } else { "" },
                                    tiendo_wording::figure(l, now - before)
                                ),
                            ),
                            ("period", tiendo_wording::period(l, p)),
                        ],
                    ),
                    _ => "—".to_string(),
                };
                vec![
                    (i + 1).to_string(),
                    pick(l, &t.target.name_vi, t.target.name_en.as_deref()),
                    figure(t.value, &t.target.unit),
                    Some(tiendo_wording::goals(l, &t.target.goals))
                        .filter(|g| !g.is_empty())
                        .unwrap_or_else(|| "—".into()),
                    tiendo_wording::judgement_name(l, t.judgement.judgement),
                    change,
                ]
            })
            .collect();
        let header = [
            "report-docx-col-no",
            "report-docx-col-target",
            "report-docx-col-value",
            "report-docx-col-goal",
            "report-docx-col-status",
            "report-docx-col-change",
        ]
        .map(|k| l.t(k));
        doc = doc.add_table(grid(&[600, 2855, 1700, 1700, 1200, 1300], &header, &rows));
        doc = charts(doc, facts, l, &subject);
    }

    // III. Overdue tasks.
    doc = doc.add_paragraph(heading(l.t("report-docx-overdue")));
    if facts.overdue.is_empty() {
        doc = doc.add_paragraph(para(l.t("report-docx-no-overdue")));
    } else {
        let rows: Vec<Vec<String>> = facts
            .overdue
            .iter()
            .enumerate()
            .map(|(i, o)| {
                vec![
                    (i + 1).to_string(),
                    pick(l, &o.task.title_vi, o.task.title_en.as_deref()),
                    unit_name(&o.task.lead),
                    o.task.deadline.map(|d| l.date(d)).unwrap_or_default(),
                    o.days.to_string(),
                ]
            })
            .collect();
        let header = [
            "report-docx-col-no",
            "report-docx-col-task",
            "report-docx-col-lead",
            "report-docx-col-deadline",
            "report-docx-col-days",
        ]
        .map(|k| l.t(k));
        doc = doc.add_table(grid(&[600, 4155, 2100, 1500, 1000], &header, &rows));
    }

    // IV. Warnings.
    doc = doc.add_paragraph(heading(l.t("report-docx-warnings")));
    if facts.warnings.is_empty() {
        doc = doc.add_paragraph(para(l.t("report-docx-no-warnings")));
    }
    for (rule, n) in &facts.warnings {
        doc = doc.add_paragraph(para(format!("- {}: {n}", tiendo_wording::rule(l, *rule))));
    }

    // V. Feedback.
    doc = doc.add_paragraph(heading(l.t("report-docx-feedback")));
    doc = doc.add_paragraph(match &facts.feedback {
        Some(f) => para(l.t_args(
            "report-docx-feedback-counts",
            &[
                ("total", f.total.to_string()),
                ("answered", f.answered.to_string()),
                ("waiting", f.waiting.to_string()),
                ("overdue", f.overdue.to_string()),
            ],
        )),
        None => para(l.t("report-docx-no-feedback")),
    });

    // VI–VII. What only a person can write.
    doc = doc
        .add_paragraph(heading(l.t("report-docx-assessment")))
        .add_paragraph(placeholder(l.t("report-docx-assessment-hint")))
        .add_paragraph(heading(l.t("report-docx-proposals")))
        .add_paragraph(placeholder(l.t("report-docx-proposals-hint")))
        .add_paragraph(Paragraph::new());

    let recipients = TableCell::new()
        .add_paragraph(
            Paragraph::new().add_run(
                Run::new()
                    .add_text(l.t("report-docx-recipients"))
                    .bold()
                    .italic()
                    .size(SMALL),
            ),
        )
        .add_paragraph(
            Paragraph::new().add_run(
                Run::new()
                    .add_text(l.t("report-docx-recipients-hint"))
                    .size(22)
                    .highlight("yellow"),
            ),
        )
        .add_paragraph(
            Paragraph::new().add_run(Run::new().add_text(l.t("report-docx-archive")).size(22)),
        )
        .width(4300, WidthType::Dxa);
    // Who signs: for a People's Committee its chair on its behalf, for a ministry its
    // minister; otherwise the officer writes the title in.
    let kind = hierarchy.get(&facts.unit).map(|u| u.kind);
    let signer: Vec<Run> = match kind {
        Some(tiendo_domain::orgs::OrgKind::Province) if !national => vec![
            run(l.t("report-docx-signer-committee")).bold(),
            run(l.t("report-docx-signer-chair")).bold(),
        ],
        Some(tiendo_domain::orgs::OrgKind::Ministry) => {
            vec![run(l.t("report-docx-signer-minister")).bold()]
        }
        _ => vec![run(l.t("report-docx-signer")).bold().highlight("yellow")],
    };
    let mut signature = TableCell::new();
    for line in signer {
        signature = signature.add_paragraph(centred(line));
    }
    let signature = signature
        .add_paragraph(centred(
            run(l.t("report-docx-signature"))
                .italic()
                .highlight("yellow"),
        ))
        .width(5055, WidthType::Dxa);
    doc = doc.add_table(
        Table::without_borders(vec![TableRow::new(vec![recipients, signature])])
            .set_grid(vec![4300, 5055])
            .width(WIDTH, WidthType::Dxa),
    );

    let mut out = Cursor::new(Vec::new());
    doc.build()
        .pack(&mut out)
        .map_err(|e| ReportError::Pack(e.to_string()))?;
    Ok(out.into_inner())
}
