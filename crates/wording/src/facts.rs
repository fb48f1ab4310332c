//! Facts in the reader's language: refusals of the admissibility rule and of reviews, scores,
//! warnings, judgements and their measures, goals and deadlines.

use tiendo_domain::admissibility::{Bounds, Refusal};
use tiendo_domain::orgs::OrgCode;
use tiendo_domain::periods::{Period, Periodicity};
use tiendo_domain::targets::TargetCode;

use crate::i18n::Lang;

/// A unit-like enum's serde name, the key of its message.
pub fn serde_name<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

/// A problem found in what someone sent, in the reader's language: a refusal of the
/// admissibility rule, or the message named after its code with its arguments; the English
/// sentence it carries where no message has that name.
pub fn problem(l: Lang, p: &tiendo_domain::problems::Problem) -> String {
    problem_named(l, p, &Codes)
}

/// A problem, naming the targets and units of a refusal as `names` does.
pub fn problem_named(l: Lang, p: &tiendo_domain::problems::Problem, names: &dyn Names) -> String {
    if let Some(r) = &p.refusal {
        return refusal_named(l, r, names);
    }
    let args: Vec<(&str, String)> = p.args.iter().map(|(k, v)| (*k, v.clone())).collect();
    l.try_t_args(&format!("problem-{}", p.code), &args)
        .unwrap_or_else(|| p.message.clone())
}

/// The audit chain's state after a verification: whole with how many entries were checked, or
/// the first break (`reason` is `unchained`, `relinked`, `rewritten` or `truncated`, at
/// `entry`), and how many early entries predate the chain.
pub fn audit_chain(
    l: Lang,
    checked: u64,
    before_chain: u64,
    broken: Option<(Option<i64>, &str)>,
) -> String {
    let mut text = match broken {
        None => l.t_args("audit-chain-whole", &[("checked", checked.to_string())]),
        Some((entry, reason)) => l.t_args(
            &format!("audit-chain-broken-{reason}"),
            &[("entry", entry.map(|e| e.to_string()).unwrap_or_default())],
        ),
    };
    if before_chain > 0 {
        text.push(' ');
        text.push_str(&l.t_args("audit-chain-before", &[("count", before_chain.to_string())]));
    }
    text
}

/// One lane of the audit chain, as its head records it: its number and its entries.
pub fn audit_lane(l: Lang, lane: i64, length: u64) -> String {
    l.t_args(
        "audit-chain-lane",
        &[("lane", lane.to_string()), ("length", length.to_string())],
    )
}

/// How targets and units are named in a sentence: by code where nothing more is known (the
/// command line), by name where the reader's page knows the catalogue.
pub trait Names {
    fn target(&self, code: &TargetCode) -> String;
    fn unit(&self, code: &OrgCode) -> String;
}

/// Names things by their codes.
pub struct Codes;

impl Names for Codes {
    fn target(&self, code: &TargetCode) -> String {
        code.to_string()
    }
    fn unit(&self, code: &OrgCode) -> String {
        code.to_string()
    }
}

/// A name in the reader's language: the English one where the reader reads English and there
/// is one, else the Vietnamese one, which every named thing has.
pub fn pick(l: Lang, vi: &str, en: Option<&str>) -> String {
    match (l, en) {
        (Lang::En, Some(en)) if !en.trim().is_empty() => en.to_string(),
        _ => vi.to_string(),
    }
}

/// Names targets and units from a catalogue: a target by its name with its code after it, a
/// unit by its name; the code where the catalogue does not know the thing.
pub struct Catalogue<'a> {
    pub l: Lang,
    pub targets: &'a [tiendo_domain::targets::Target],
    pub hierarchy: &'a tiendo_domain::orgs::Hierarchy,
}

impl Names for Catalogue<'_> {
    fn target(&self, code: &TargetCode) -> String {
        match self.targets.iter().find(|t| &t.code == code) {
            Some(t) => format!(
                "{} ({code})",
                pick(self.l, &t.name_vi, t.name_en.as_deref())
            ),
            None => code.to_string(),
        }
    }

    fn unit(&self, code: &OrgCode) -> String {
        match self.hierarchy.get(code) {
            Some(u) => pick(self.l, &u.name_vi, Some(&u.name_en)),
            None => code.to_string(),
        }
    }
}

/// Where a problem is, in the reader's language: "trang tính tiendo, dòng 6, cột G",
/// "dòng 3, trường `value`", or the input as a whole.
pub fn place(l: Lang, p: &tiendo_domain::problems::Problem) -> String {
    let mut parts = Vec::new();
    if let Some(sheet) = &p.sheet {
        // A Word document's tables are named as tables already ("Bảng 2"), not as sheets.
        if sheet.starts_with("Bảng ") || sheet.starts_with("Table ") {
            parts.push(sheet.clone());
        } else {
            parts.push(l.t_args("place-sheet", &[("sheet", sheet.clone())]));
        }
    }
    if p.row > 0 {
        parts.push(l.t_args("place-row", &[("row", p.row.to_string())]));
    }
    if !p.field.is_empty() {
        let key = if p.sheet.is_some() {
            "place-column"
        } else {
            "place-field"
        };
        parts.push(l.t_args(key, &[("field", p.field.clone())]));
    }
    if parts.is_empty() {
        l.t("place-whole")
    } else {
        parts.join(", ")
    }
}

/// A problem with its place, for a list of problems in a file: "dòng 3, trường `period`: …".
pub fn problem_placed(l: Lang, p: &tiendo_domain::problems::Problem, names: &dyn Names) -> String {
    format!("{}: {}", place(l, p), problem_named(l, p, names))
}

/// Why a value may not be written, as a sentence for the reader, naming things by code.
pub fn refusal(l: Lang, r: &Refusal) -> String {
    refusal_named(l, r, &Codes)
}

/// Why a value may not be written, naming targets and units as `names` does.
pub fn refusal_named(l: Lang, r: &Refusal, names: &dyn Names) -> String {
    let key = format!("refusal-{}", r.code());
    let args: Vec<(&str, String)> = match r {
        Refusal::UnknownTarget { target } => vec![("target", target.to_string())],
        Refusal::UnknownUnit { unit } => vec![("unit", unit.to_string())],
        Refusal::NotAReporter { unit, target, .. } => {
            vec![("unit", names.unit(unit)), ("target", names.target(target))]
        }
        Refusal::UnitNotInForce {
            unit,
            period,
            from,
            to,
        } => vec![
            ("unit", names.unit(unit)),
            ("period", period.to_string()),
            ("validity", validity(l, *from, *to)),
        ],
        Refusal::WrongPeriodicity {
            target,
            expected,
            period,
        } => vec![
            ("target", names.target(target)),
            ("expected", periodicity(l, *expected)),
            ("period", period.to_string()),
        ],
        Refusal::OutOfBounds {
            target,
            value,
            bounds,
        } => vec![
            ("value", l.number(*value, decimals(*value))),
            ("target", names.target(target)),
            ("range", range(l, bounds)),
        ],
        Refusal::Twice { first_row } => vec![("row", (first_row + 1).to_string())],
        Refusal::ControlCharacter { field } => vec![("field", l.t(field))],
        Refusal::TooLong { field, max } => {
            vec![("field", l.t(field)), ("max", l.number(*max as f64, 0))]
        }
        Refusal::BreaksRule {
            name_vi,
            name_en,
            left,
            right,
            ..
        } => vec![
            (
                "name",
                match (l, name_en) {
                    (Lang::En, Some(en)) => en.clone(),
                    _ => name_vi.clone(),
                },
            ),
            ("left", l.number(*left, decimals(*left))),
            ("right", l.number(*right, decimals(*right))),
        ],
        Refusal::PeriodClosed {
            period: p,
            last_day,
        } => vec![("period", period(l, *p)), ("last_day", l.date(*last_day))],
        Refusal::Locked | Refusal::AwaitingReview | Refusal::NotAnEntryState { .. } => vec![],
    };
    l.t_args(&key, &args)
}

/// A unit's score and the facts behind it, in one sentence.
pub fn score(
    l: Lang,
    score: Option<f64>,
    class: tiendo_evaluation::scoring::Class,
    facts: &tiendo_evaluation::scoring::UnitFacts,
) -> String {
    // Without evidence there is no score and no class: "no data", never "not completed".
    if score.is_none() {
        return l.t("score-no-data");
    }
    let pct = |v: Option<f64>| {
        v.map_or_else(
            || "–".to_string(),
            |v| format!("{}%", l.number(v * 100.0, 0)),
        )
    };
    l.t_args(
        "score-explained",
        &[
            (
                "score",
                score.map_or_else(|| l.t("score-none"), |s| l.number(s, 1)),
            ),
            ("class", l.t(&format!("class-{}", serde_name(&class)))),
            ("on_time", pct(facts.on_time)),
            ("exceeding", pct(facts.exceeding)),
            ("done", pct(facts.done)),
            ("behind", pct(facts.behind)),
            ("on_track", pct(facts.targets_on_track)),
            ("reports", pct(facts.reports_submitted)),
        ],
    )
}

/// A unit's class as shown: its name, or "no data yet" when nothing could be scored (a unit
/// without evidence is not a unit that failed).
pub fn class_name(l: Lang, score: Option<f64>, class: tiendo_evaluation::scoring::Class) -> String {
    match score {
        None => l.t("class-no-data"),
        Some(_) => l.t(&format!("class-{}", serde_name(&class))),
    }
}

/// The evidence of a warning, in one sentence.
pub fn warning(l: Lang, facts: &tiendo_evaluation::warnings::Evidence) -> String {
    use tiendo_evaluation::warnings::Evidence as F;
    let n = |v: f64| l.number(v, decimals(v));
    match facts {
        F::Overdue {
            deadline,
            days,
            last_progress,
        } => l.t_args(
            "warning-overdue",
            &[
                ("deadline", l.date(*deadline)),
                ("days", days.to_string()),
                (
                    "progress",
                    last_progress.map_or_else(
                        || l.t("warning-progress-never"),
                        |d| l.t_args("warning-progress-last", &[("date", l.date(d))]),
                    ),
                ),
            ],
        ),
        F::DueSoon {
            deadline,
            days_left,
            last_progress,
        } => l.t_args(
            "warning-due-soon",
            &[
                ("deadline", l.date(*deadline)),
                ("days", days_left.to_string()),
                (
                    "progress",
                    last_progress.map_or_else(
                        || l.t("warning-progress-never"),
                        |(d, ago)| {
                            l.t_args(
                                "warning-progress-ago",
                                &[("date", l.date(d)), ("days", ago.to_string())],
                            )
                        },
                    ),
                ),
            ],
        ),
        F::Missing { period, grace_days } => l.t_args(
            "warning-missing",
            &[
                ("period", period.to_string()),
                ("end", l.date(period.end())),
                ("grace", grace_days.to_string()),
            ],
        ),
        F::OutOfBounds {
            value,
            period,
            bounds,
        } => l.t_args(
            "warning-out-of-bounds",
            &[
                ("value", n(*value)),
                ("period", period.to_string()),
                ("range", range(l, bounds)),
            ],
        ),
        F::Jump {
            value,
            period,
            median,
            history,
            z,
        } => l.t_args(
            "warning-jump",
            &[
                ("value", n(*value)),
                ("period", period.to_string()),
                ("median", n(*median)),
                ("history", history.to_string()),
                ("z", l.number(*z, 1)),
            ],
        ),
        F::Judged { judgement, latest } => {
            let judgement = l.t(&format!("judgement-{}", serde_name(judgement)));
            match latest {
                Some((period, value)) => l.t_args(
                    "warning-judged",
                    &[
                        ("judgement", judgement),
                        ("value", n(*value)),
                        ("period", period.to_string()),
                    ],
                ),
                None => l.t_args("warning-judged-none", &[("judgement", judgement)]),
            }
        }
    }
}

/// A target's judgement for one unit and the numbers behind it, in one sentence.
pub fn judgement(l: Lang, j: &tiendo_evaluation::targets::TargetJudgement) -> String {
    use tiendo_evaluation::targets::Reason;
    let n = |v: f64| l.number(v, decimals(v));
    let Some((period, value)) = j.latest.filter(|_| j.reason != Reason::NoValue) else {
        return l.t("explain-no-value");
    };
    let goal = j.goal.as_ref();
    let requirement = goal
        .map(|g| requirement(l, &g.requirement))
        .unwrap_or_default();
    let (value, period) = (n(value), period.to_string());
    match &j.reason {
        Reason::NoValue => l.t("explain-no-value"),
        Reason::Progress(p) => series_progress(l, p),
        Reason::Checked { met } => {
            let key = match goal.map(|g| &g.requirement) {
                Some(tiendo_domain::targets::Requirement::Milestone { .. }) if *met => {
                    "explain-milestone-met"
                }
                Some(tiendo_domain::targets::Requirement::Milestone { .. }) => {
                    "explain-milestone-not-met"
                }
                _ if *met => "explain-checked-met",
                _ => "explain-checked-not-met",
            };
            l.t_args(
                key,
                &[
                    ("value", value),
                    ("period", period),
                    ("goal", requirement),
                    (
                        "deadline",
                        goal.map(|g| deadline(l, &g.deadline)).unwrap_or_default(),
                    ),
                ],
            )
        }
        Reason::AboveRange => l.t_args(
            "explain-above-range",
            &[("value", value), ("period", period), ("goal", requirement)],
        ),
        Reason::Growth { rate: None } => l.t("explain-growth-unknown"),
        Reason::Growth { rate: Some(g) } => l.t_args(
            "explain-growth",
            &[("rate", percent(l, *g)), ("goal", requirement)],
        ),
    }
}

/// Open SDG's progress measure of a series: from where to where, and how fast against what
/// is needed.
pub fn series_progress(
    l: Lang,
    p: &tiendo_evaluation::progress::opensdg::SeriesProgress,
) -> String {
    let n = |v: f64| l.number(v, decimals(v));
    let (Some(by), Some(bv), Some(cy), Some(cv)) =
        (p.base_year, p.base_value, p.current_year, p.current_value)
    else {
        return with_caveats(l, l.t("explain-progress-unknown"), &p.caveats);
    };
    let from = l.t_args(
        "explain-progress-from",
        &[
            ("base", n(bv)),
            ("base_year", by.to_string()),
            ("current", n(cv)),
            ("current_year", cy.to_string()),
        ],
    );
    let how = match (
        p.target_achieved,
        p.observed_growth,
        p.required_growth,
        p.target,
    ) {
        (true, _, _, Some(t)) => l.t_args("explain-progress-achieved", &[("target", n(t))]),
        (true, ..) => String::new(),
        (false, Some(o), Some(r), Some(t)) => l.t_args(
            "explain-progress-towards",
            &[
                ("observed", percent(l, o)),
                ("share", percent(l, p.progress_value.unwrap_or(0.0))),
                ("required", percent(l, r)),
                ("target", n(t)),
                ("year", p.target_year.to_string()),
            ],
        ),
        (false, Some(o), None, None) => l.t_args(
            if o < 0.0 {
                "explain-progress-fell"
            } else {
                "explain-progress-rose"
            },
            &[
                ("observed", percent(l, o.abs())),
                (
                    "wanted",
                    l.t(match p.direction {
                        tiendo_domain::targets::Direction::Increase => "explain-wanted-increase",
                        tiendo_domain::targets::Direction::Decrease => "explain-wanted-decrease",
                    }),
                ),
                ("moderate", percent(l, p.thresholds.med)),
                ("substantial", percent(l, p.thresholds.high)),
            ],
        ),
        _ => l.t("explain-progress-no-rate"),
    };
    let score = p
        .score
        .map(|s| {
            format!(
                " {}",
                l.t_args("explain-progress-score", &[("score", n(s))])
            )
        })
        .unwrap_or_default();
    with_caveats(l, format!("{from}{how}{score}."), &p.caveats)
}

/// A sentence followed by the caveats of the measure, if any.
fn with_caveats(
    l: Lang,
    sentence: String,
    caveats: &[tiendo_evaluation::progress::opensdg::Caveat],
) -> String {
    if caveats.is_empty() {
        return sentence;
    }
    let notes: Vec<String> = caveats.iter().map(|c| caveat(l, c)).collect();
    format!("{sentence} ({})", notes.join("; "))
}

/// What Open SDG's measure adjusted, or why it could not measure.
pub fn caveat(l: Lang, c: &tiendo_evaluation::progress::opensdg::Caveat) -> String {
    use tiendo_evaluation::progress::opensdg::Caveat as C;
    let n = |v: f64| l.number(v, decimals(v));
    match c {
        C::NoValues => l.t("caveat-no-values"),
        C::NoValueFromBaseYear { base_year } => l.t_args(
            "caveat-no-value-from-base",
            &[("year", base_year.to_string())],
        ),
        C::BaseBelowMinimum { base, limit } => l.t_args(
            "caveat-base-below-minimum",
            &[("base", n(*base)), ("limit", n(*limit))],
        ),
        C::BaseAboveMaximum { base, limit } => l.t_args(
            "caveat-base-above-maximum",
            &[("base", n(*base)), ("limit", n(*limit))],
        ),
        C::LimitIgnored => l.t("caveat-limit-ignored"),
        C::ZeroTarget => l.t("caveat-zero-target"),
        C::ZeroBase => l.t("caveat-zero-base"),
        C::SignChange { base, current } => l.t_args(
            "caveat-sign-change",
            &[("base", n(*base)), ("current", n(*current))],
        ),
        C::TooFewYears => l.t("caveat-too-few-years"),
        C::NoGrowthPath {
            base,
            base_year,
            target,
            target_year,
        } => l.t_args(
            "caveat-no-growth-path",
            &[
                ("base", n(*base)),
                ("base_year", base_year.to_string()),
                ("target", n(*target)),
                ("target_year", target_year.to_string()),
            ],
        ),
    }
}

/// Open SDG's status of a series ("substantial progress", …).
pub fn progress_status(l: Lang, s: tiendo_evaluation::progress::opensdg::Status) -> String {
    l.t(&format!("osdg-{}", serde_name(&s)))
}

/// Whether a series keeps to its trajectory or projection ("on track", …).
pub fn course(l: Lang, c: tiendo_evaluation::progress::trajectory::Course) -> String {
    l.t(&format!("course-{}", serde_name(&c)))
}

/// A task's status ("overdue", …).
pub fn task_status(l: Lang, s: tiendo_evaluation::tasks::TaskStatus) -> String {
    l.t(&format!("task-{}", serde_name(&s)))
}

/// A target's judgement ("on track", …).
pub fn judgement_name(l: Lang, j: tiendo_evaluation::targets::Judgement) -> String {
    l.t(&format!("judgement-{}", serde_name(&j)))
}

/// A unit's class under the rubric ("good", …).
pub fn class(l: Lang, c: tiendo_evaluation::scoring::Class) -> String {
    l.t(&format!("class-{}", serde_name(&c)))
}

/// The name of a warning rule.
pub fn rule(l: Lang, r: tiendo_evaluation::warnings::Rule) -> String {
    l.t(&format!("rule-{}", serde_name(&r)))
}

/// How pressing a warning is.
pub fn severity(l: Lang, s: tiendo_evaluation::warnings::Severity) -> String {
    l.t(&format!("severity-{}", serde_name(&s)))
}

/// The straight line from the base to the target, judged at the latest value.
pub fn trajectory(l: Lang, t: &tiendo_evaluation::progress::trajectory::Trajectory) -> String {
    use tiendo_evaluation::progress::trajectory::Course;
    let n = |v: f64| l.number(v, decimals(v));
    let course = l.t(&format!("course-{}", serde_name(&t.status)));
    match (t.status, t.current_year, t.current_value) {
        (Course::TargetMet, Some(year), Some(value)) => l.t_args(
            "explain-trajectory-met",
            &[
                ("course", course),
                ("value", n(value)),
                ("year", year.to_string()),
                ("target", n(t.target)),
                ("target_year", t.target_year.to_string()),
            ],
        ),
        _ => match (
            t.base_year,
            t.base_value,
            t.achieved_share,
            t.elapsed_share,
            t.expected_value,
            t.current_year,
            t.current_value,
        ) {
            (
                Some(by),
                Some(bv),
                Some(achieved),
                Some(elapsed),
                Some(expected),
                Some(cy),
                Some(cv),
            ) => l.t_args(
                "explain-trajectory",
                &[
                    ("course", course),
                    ("achieved", percent(l, achieved)),
                    ("base", n(bv)),
                    ("base_year", by.to_string()),
                    ("target", n(t.target)),
                    ("target_year", t.target_year.to_string()),
                    ("elapsed", percent(l, elapsed)),
                    ("expected", n(expected)),
                    ("year", cy.to_string()),
                    ("value", n(cv)),
                ],
            ),
            _ => l.t_args("explain-trajectory-unknown", &[("course", course)]),
        },
    }
}

/// The recency-weighted line through the values, carried to the target year.
pub fn projection(l: Lang, p: &tiendo_evaluation::progress::projection::Projection) -> String {
    let n = |v: f64| l.number(v, decimals(v));
    let course = l.t(&format!("course-{}", serde_name(&p.status)));
    match (p.base_year, p.slope, p.projected_value, p.anticipated_share) {
        (Some(by), Some(slope), Some(projected), Some(share)) => l.t_args(
            "explain-projection",
            &[
                ("course", course),
                ("base_year", by.to_string()),
                ("slope", l.number(slope, 2)),
                ("projected", n(projected)),
                ("target_year", p.target_year.to_string()),
                ("share", percent(l, share)),
                ("target", n(p.target)),
            ],
        ),
        _ => l.t_args("explain-projection-unknown", &[("course", course)]),
    }
}

fn percent(l: Lang, share: f64) -> String {
    format!("{}%", l.number(share * 100.0, 1))
}

/// A goal's requirement in the reader's language.
pub fn requirement(l: Lang, r: &tiendo_domain::targets::Requirement) -> String {
    use tiendo_domain::targets::Requirement as R;
    let n = |v: f64| l.number(v, decimals(v));
    match r {
        R::Threshold { op, value } => format!("{} {}", op.symbol(), n(*value)),
        R::Range { min, max } => format!("{}–{}", n(*min), n(*max)),
        R::Rank {
            top,
            scope,
            scope_en,
        } => l.t_args(
            "goal-rank",
            &[
                ("top", top.to_string()),
                ("scope", pick(l, scope, scope_en.as_deref())),
            ],
        ),
        R::Growth { min, max: None } => l.t_args("goal-growth", &[("rate", n(*min))]),
        R::Growth { min, max: Some(m) } => {
            l.t_args("goal-growth-range", &[("min", n(*min)), ("max", n(*m))])
        }
        R::Count { min, max: None } => format!("≥ {min}"),
        R::Count { min, max: Some(m) } => format!("{min}–{m}"),
        R::Milestone {
            description,
            description_en,
        } => match (l, description_en) {
            (Lang::En, Some(en)) if !en.trim().is_empty() => en.clone(),
            _ => description.clone(),
        },
    }
}

/// Goals in one line, in the reader's language: `≥ 30 đến năm 2030; ≥ 50 đến năm 2045`.
pub fn goals(l: Lang, goals: &[tiendo_domain::targets::Goal]) -> String {
    goals
        .iter()
        .map(|g| {
            format!(
                "{} {}",
                requirement(l, &g.requirement),
                deadline(l, &g.deadline)
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// When a goal must be met, in the reader's language.
pub fn deadline(l: Lang, d: &tiendo_domain::targets::Deadline) -> String {
    use tiendo_domain::targets::Deadline as D;
    match d {
        D::By { year } => l.t_args("deadline-by", &[("year", year.to_string())]),
        D::EveryYear {
            from: None,
            until: None,
        } => l.t("deadline-every-year"),
        D::EveryYear {
            from: Some(y),
            until: None,
        } => l.t_args("deadline-every-year-from", &[("from", y.to_string())]),
        D::EveryYear {
            from: None,
            until: Some(y),
        } => l.t_args("deadline-every-year-until", &[("until", y.to_string())]),
        D::EveryYear {
            from: Some(a),
            until: Some(b),
        } => l.t_args(
            "deadline-every-year-between",
            &[("from", a.to_string()), ("until", b.to_string())],
        ),
    }
}

/// "yearly", "quarterly", … in the reader's language.
pub fn periodicity(l: Lang, p: Periodicity) -> String {
    l.t(&format!("per-{}", p.as_str()))
}

/// Why a value needs a word of explanation before it goes to review.
pub fn unusual_change(l: Lang, u: &tiendo_domain::plausibility::UnusualChange) -> String {
    l.t_args(
        "entry-unusual",
        &[
            ("previous", l.number(u.previous, decimals(u.previous))),
            ("value", l.number(u.value, decimals(u.value))),
        ],
    )
}

/// The flag a reviewer sees beside a value whose change is unusual.
pub fn unusual_flag(l: Lang, u: &tiendo_domain::plausibility::UnusualChange) -> String {
    l.t_args(
        "queue-unusual",
        &[
            ("previous", l.number(u.previous, decimals(u.previous))),
            ("value", l.number(u.value, decimals(u.value))),
        ],
    )
}

/// The units of measure the built-in targets use, as Vietnamese officials write them. A unit of
/// measure a target defines itself is shown as written.
const MEASURES_VI: &[(&str, &str)] = &[
    ("rank", "hạng"),
    ("0-1", "thang 0–1"),
    ("score 0-100", "điểm (thang 0–100)"),
    ("points", "điểm"),
    ("objects", "đối tượng"),
    ("% of GDP", "% GDP"),
    ("% of GRDP", "% GRDP"),
    ("% of total spending", "% tổng chi"),
    ("% of annual budget", "% tổng chi ngân sách hằng năm"),
    ("qualitative", "định tính"),
    ("organisations", "tổ chức"),
    ("index", "chỉ số"),
    ("growth %/year", "% tăng trưởng/năm"),
    ("enterprises", "doanh nghiệp"),
    ("trillion VND", "nghìn tỷ đồng"),
    ("stations", "trạm"),
    ("per 10,000 people", "trên 10.000 dân"),
    ("people", "người"),
    ("agencies", "cơ quan"),
];

/// A figure as a reader expects it: whole numbers without decimals, others with two.
pub fn figure(l: Lang, v: f64) -> String {
    l.number(v, decimals(v))
}

/// A unit of measure in the reader's language.
pub fn measure(l: Lang, unit: &str) -> String {
    match l {
        Lang::Vi => MEASURES_VI
            .iter()
            .find(|(en, _)| *en == unit.trim())
            .map_or_else(|| unit.to_string(), |(_, vi)| (*vi).to_string()),
        Lang::En => unit.to_string(),
    }
}

/// A period as officials write it: "Năm 2025", "Quý III/2025", "Tháng 7/2025".
pub fn period(l: Lang, p: Period) -> String {
    let roman = |n: u8| {
        ["I", "II", "III", "IV"]
            .get(usize::from(n).wrapping_sub(1))
            .copied()
    };
    let (key, args): (&str, Vec<(&str, String)>) = match p {
        Period::Year { 0: y, .. } => ("period-year", vec![("year", y.to_string())]),
        Period::Half { 0: y, 1: h, .. } => (
            if h == 1 {
                "period-half-1"
            } else {
                "period-half-2"
            },
            vec![("year", y.to_string())],
        ),
        Period::Quarter { 0: y, 1: q, .. } => (
            "period-quarter",
            vec![
                ("year", y.to_string()),
                (
                    "quarter",
                    roman(q).map_or_else(|| q.to_string(), str::to_string),
                ),
            ],
        ),
        Period::Month { 0: y, 1: m, .. } => (
            "period-month",
            vec![("year", y.to_string()), ("month", m.to_string())],
        ),
        Period::Week { 0: y, 1: w, .. } => (
            "period-week",
            vec![("year", y.to_string()), ("week", w.to_string())],
        ),
    };
    l.t_args(key, &args)
}

/// Why a review may not happen, from its stable code.
pub fn review_refusal(l: Lang, code: &str) -> Option<String> {
    matches!(code, "own_value" | "stale_version" | "invalid_transition")
        .then(|| l.t(&format!("review-{code}")))
}

fn decimals(v: f64) -> usize {
    if v.fract() == 0.0 {
        0
    } else {
        2
    }
}

fn range(l: Lang, b: &Bounds) -> String {
    let n = |v: f64| l.number(v, decimals(v));
    let range = match (b.min, b.max) {
        (Some(min), Some(max)) => l.t_args("bounds-between", &[("min", n(min)), ("max", n(max))]),
        (Some(min), None) => l.t_args("bounds-at-least", &[("min", n(min))]),
        (None, Some(max)) => l.t_args("bounds-at-most", &[("max", n(max))]),
        (None, None) => String::new(),
    };
    if b.whole {
        l.t_args("bounds-whole", &[("range", range)])
    } else {
        range
    }
}

fn validity(l: Lang, from: Option<chrono::NaiveDate>, to: Option<chrono::NaiveDate>) -> String {
    match (from, to) {
        (Some(f), Some(t)) => l.t_args(
            "validity-between",
            &[("from", l.date(f)), ("to", l.date(t))],
        ),
        (Some(f), None) => l.t_args("validity-from", &[("from", l.date(f))]),
        (None, Some(t)) => l.t_args("validity-until", &[("to", l.date(t))]),
        (None, None) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_course_reads_in_both_languages() {
        use tiendo_evaluation::progress::{projection, trajectory, Observation};
        let obs = [
            Observation {
                year: 2020,
                value: 10.0,
            },
            Observation {
                year: 2024,
                value: 14.0,
            },
        ];
        let pace = tiendo_evaluation::progress::trajectory::Pace::default();
        let up = tiendo_domain::targets::Direction::Increase;
        let t = trajectory::trajectory(&obs, 30.0, 2030, 2020, up, pace).unwrap();
        assert_eq!(
            trajectory(Lang::Vi, &t),
            "Lộ trình — Chậm tiến độ: đã đạt 20,0% mức thay đổi cần có từ 10 (2020) đến 30 (2030) \
             sau 40,0% thời gian; theo đường thẳng, năm 2024 cần đạt 18, giá trị mới nhất là 14."
        );
        assert!(trajectory(Lang::En, &t).starts_with("Trajectory — Off track: 20.0% of the change"));
        let p = projection::projection(&obs, 30.0, 2030, 2020, up, pace).unwrap();
        assert!(
            projection(Lang::Vi, &p).starts_with("Dự báo — "),
            "{}",
            projection(Lang::Vi, &p)
        );
    }

    #[test]
    fn problems_of_a_reader_read_in_both_languages() {
        use tiendo_domain::problems::Problem;
        let p = Problem::in_sheet("tiendo", 1_048_576, "XFD", "a cell lies below row 20000")
            .coded("sheet-too-long", [("limit", "20000".into())]);
        assert_eq!(
            problem(Lang::Vi, &p),
            "Có ô nằm dưới dòng 20000, ngoài mọi biểu mẫu; hãy xóa các dòng bên dưới bảng."
        );
        assert!(problem(Lang::En, &p).starts_with("A cell lies below row 20000"));
        // Without a message of its name, the English sentence it carries.
        let plain = Problem::at(3, "Value", "something odd");
        assert_eq!(problem(Lang::Vi, &plain), "something odd");
    }

    #[test]
    fn refusals_read_in_both_languages() {
        let r = Refusal::OutOfBounds {
            target: "HT-T2".parse().unwrap(),
            value: 150.0,
            bounds: Bounds {
                min: Some(0.0),
                max: Some(100.0),
                whole: false,
            },
        };
        assert_eq!(
            refusal(Lang::Vi, &r),
            "150 không phải là giá trị có thể có của chỉ tiêu HT-T2: giá trị phải từ 0 đến 100."
        );
        assert_eq!(
            refusal(Lang::En, &r),
            "150 is not a possible value of target HT-T2: it must be from 0 to 100."
        );
    }

    #[test]
    fn warnings_and_caveats_read_in_both_languages() {
        use tiendo_evaluation::progress::opensdg::Caveat;
        use tiendo_evaluation::warnings::Evidence;
        let jump = Evidence::Jump {
            value: 104.0,
            period: "2025Q3".parse().unwrap(),
            median: 52.0,
            history: 6,
            z: 7.31,
        };
        assert_eq!(
            warning(Lang::Vi, &jump),
            "104 của kỳ 2025Q3 so với trung vị 52 của 6 kỳ trước (chỉ số z 7,3)."
        );
        assert!(warning(Lang::En, &jump).contains("median of 52"));
        let out = Evidence::OutOfBounds {
            value: 104.0,
            period: "2025Q3".parse().unwrap(),
            bounds: tiendo_domain::admissibility::Measure::Share.bounds(),
        };
        assert!(
            warning(Lang::Vi, &out).ends_with("giá trị phải từ 0 đến 100."),
            "{}",
            warning(Lang::Vi, &out)
        );
        let sign = Caveat::SignChange {
            base: -10.0,
            current: 5.0,
        };
        assert_eq!(
            caveat(Lang::Vi, &sign),
            "giá trị gốc (-10) và giá trị hiện tại (5) phải cùng dấu"
        );
        assert!(caveat(Lang::En, &sign).contains("same sign"));
    }
}
