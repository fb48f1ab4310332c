//! The national overview: targets and tasks by status, each province's overall status, this
//! week's warnings and an index ranking, computed once and served from memory.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use std::sync::{Arc, OnceLock};
use tiendo_domain::orgs::{OrgCode, OrgKind};
use tiendo_domain::periods::Period;
use tiendo_domain::targets::TargetCode;
use tiendo_evaluation::indices::{Definition, Index};
use tiendo_evaluation::national::evaluate;
use tiendo_evaluation::reporting::{self, Completeness};
use tiendo_evaluation::scoring::{Class, Rubric, UnitFacts};
use tiendo_evaluation::standing::Standing;
use tiendo_evaluation::targets::Judgement;
use tiendo_evaluation::tasks::{Role, TaskStatus};
use tiendo_evaluation::warnings::{Evidence, Inputs, Rule, Settings, Severity, Subject};

use tiendo_domain::snapshot::Snapshot;
use tiendo_domain::values::DataValue;
use tiendo_storage::Store;

use crate::WebError;

/// A province's colour on the overview, from its 100-point score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Colour {
    Green,
    Yellow,
    Red,
    Grey,
}

impl Colour {
    /// Green from 70 points, yellow from 50, red below, grey without a score.
    pub fn of(score: Option<f64>) -> Colour {
        match score {
            Some(s) if s >= 70.0 => Colour::Green,
            Some(s) if s >= 50.0 => Colour::Yellow,
            Some(_) => Colour::Red,
            None => Colour::Grey,
        }
    }

    /// The CSS class that paints it.
    pub fn css(self) -> &'static str {
        match self {
            Colour::Green => "green",
            Colour::Yellow => "yellow",
            Colour::Red => "red",
            Colour::Grey => "grey",
        }
    }

    /// The colour a map fills with: ColorBrewer's red–yellow–blue, which readers with a colour
    /// vision deficiency tell apart; no data is a light grey, never red.
    pub fn fill(self) -> &'static str {
        match self {
            Colour::Green => "#4393c3",
            Colour::Yellow => "#fdb863",
            Colour::Red => "#d6604d",
            Colour::Grey => "#e0e0e0",
        }
    }

    pub const ALL: [Colour; 4] = [Colour::Green, Colour::Yellow, Colour::Red, Colour::Grey];
}

#[derive(Debug, Clone, Serialize)]
pub struct ProvinceLine {
    pub code: OrgCode,
    pub name_vi: String,
    pub name_en: String,
    pub score: Option<f64>,
    pub class: Class,
    pub colour: Colour,
    /// The share of the rubric the score rests on; below half it is provisional.
    pub coverage: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct WarningLine {
    /// What it concerns, by name in both languages.
    #[serde(skip)]
    pub named: tiendo_notify::Names,
    pub severity: Severity,
    pub rule: Rule,
    pub unit: OrgCode,
    pub object: String,
    pub evidence: Evidence,
}

#[derive(Debug, Clone, Serialize)]
pub struct RankLine {
    pub rank: usize,
    pub unit: OrgCode,
    pub name_vi: String,
    pub name_en: String,
    pub score: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct IndexRanking {
    pub index: String,
    pub index_vi: Option<String>,
    pub period: Period,
    pub rows: Vec<RankLine>,
}

/// How many tasks stand at one status.
pub type StatusCount = (TaskStatus, usize);

/// What a unit's page shows, prepared with the overview.
#[derive(Debug, Clone, Serialize)]
pub struct UnitSummary {
    pub code: OrgCode,
    pub kind: OrgKind,
    pub name_vi: String,
    pub name_en: String,
    pub parent: Option<OrgCode>,
    pub score: Option<f64>,
    pub class: Class,
    pub colour: Colour,
    /// The facts behind the score, rendered in the reader's language when shown.
    pub facts: UnitFacts,
    /// Tasks it leads and tasks it coordinates, by status.
    pub leads: Vec<(TaskStatus, usize)>,
    pub coordinates: Vec<(TaskStatus, usize)>,
    /// The same counts of its public tasks only, for readers who may not see the others.
    pub public_leads: Vec<(TaskStatus, usize)>,
    pub public_coordinates: Vec<(TaskStatus, usize)>,
    /// Whether it leads or coordinates tasks that are not public (its score counts them).
    pub has_non_public_tasks: bool,
}

impl UnitSummary {
    /// Its task counts as a reader of `clearance` may see them: every task, or public ones.
    pub fn tasks_for(
        &self,
        clearance: tiendo_domain::tasks::Clearance,
    ) -> (&[StatusCount], &[StatusCount]) {
        if clearance.may_see(tiendo_domain::tasks::Confidentiality::Internal) {
            (&self.leads, &self.coordinates)
        } else {
            (&self.public_leads, &self.public_coordinates)
        }
    }
}

/// The figure of an approved value, for the overview's list of what has just become official.
#[derive(Debug, Clone, Serialize)]
pub struct ApprovedLine {
    pub target: tiendo_domain::targets::TargetCode,
    pub unit: OrgCode,
    pub period: Period,
    pub value: f64,
    pub approved_by: String,
    pub approved_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Clone, Serialize)]
pub struct Overview {
    pub day: NaiveDate,
    /// The latest approvals, newest first.
    pub recent_approvals: Vec<ApprovedLine>,
    pub targets_by_status: Vec<(Judgement, usize)>,
    pub tasks_by_status: Vec<(TaskStatus, usize)>,
    /// Public tasks only, by status: the public's count.
    pub public_tasks_by_status: Vec<(TaskStatus, usize)>,
    pub provinces: Vec<ProvinceLine>,
    pub warnings_by_rule: Vec<(Rule, usize)>,
    /// The most severe warnings first, at most 20.
    pub top_warnings: Vec<WarningLine>,
    pub index: Option<IndexRanking>,
    /// Every unit in force on the day, by code.
    #[serde(skip)]
    pub units: BTreeMap<OrgCode, UnitSummary>,
    /// What the figures were computed from, for the pages that show series and tasks.
    #[serde(skip)]
    pub snapshot: Arc<Snapshot>,
    /// Every series' judgement and every unit's score, kept current approval by approval.
    #[serde(skip)]
    standing: Arc<Standing>,
    /// Reporting completeness, worked out when first asked for and again for each new
    /// overview (an approval makes a new one).
    #[serde(skip)]
    reporting: Arc<OnceLock<Reporting>>,
    /// The day each unit first submitted each target's owed period, for timeliness; an
    /// approval applied since adds its own day when no earlier submission was read (a bound
    /// from above: the submission came before it).
    #[serde(skip)]
    submitted: Arc<HashMap<(TargetCode, OrgCode), NaiveDate>>,
    /// Tasks by status at the end of the last quarters, for each clearance, worked out when
    /// first asked for; approvals do not change tasks, so an overview made by one keeps them.
    #[serde(skip)]
    quarters: Arc<[OnceLock<TasksByQuarter>; 3]>,
    /// The national targets by judgement at the end of the last quarters, worked out when
    /// first asked for and again for each new overview (an approval may change them).
    #[serde(skip)]
    target_quarters: Arc<OnceLock<TargetsByQuarter>>,
}

/// The tasks a clearance may see by status at the end of each of the last quarters (the
/// current one as of the overview's day).
pub struct TasksByQuarter {
    pub quarters: Vec<Period>,
    pub tallies: Vec<tiendo_evaluation::tasks::Tally>,
}

/// The targets with a national series by judgement at the end of each of the last quarters.
pub struct TargetsByQuarter {
    pub quarters: Vec<Period>,
    pub counts: Vec<std::collections::BTreeMap<tiendo_evaluation::targets::Judgement, usize>>,
}

/// The last [`QUARTERS_SHOWN`] quarters up to the one holding `day`, oldest first, and the day
/// each is looked at: its last day, or `day` for the current one.
fn last_quarters(day: NaiveDate) -> (Vec<Period>, Vec<NaiveDate>) {
    use tiendo_domain::periods::Periodicity;
    let mut quarters = vec![Periodicity::Quarterly.period_containing(day)];
    while quarters.len() < QUARTERS_SHOWN {
        let earlier = quarters[quarters.len() - 1].previous();
        quarters.push(earlier);
    }
    quarters.reverse();
    let days = quarters.iter().map(|q| q.end().min(day)).collect();
    (quarters, days)
}

/// How many quarters the overview looks back.
const QUARTERS_SHOWN: usize = 8;

/// Reports owed and in, each unit's own and with the units within it.
pub struct Reporting {
    pub own: HashMap<OrgCode, Completeness>,
    pub within: HashMap<OrgCode, Completeness>,
}

const SHOWN_WARNINGS: usize = 20;
const SHOWN_APPROVALS: u32 = 10;

impl Overview {
    pub async fn compute(store: &Store, day: NaiveDate) -> Result<Overview, WebError> {
        let snapshot = store.snapshot(day).await?;
        let inputs = Inputs::from(&snapshot);
        let (_, rubric_text) = tiendo_dataset::default_rubric();
        let rubric: Rubric = toml::from_str(rubric_text).map_err(|e| WebError::BuiltIn {
            what: "rubric",
            detail: e.to_string(),
        })?;
        let settings = Settings::default();
        let evaluation = evaluate(&inputs, &settings, &rubric);
        let standing = Standing::new(&inputs, &evaluation, &settings, &rubric);
        let tasks_by_status = TaskStatus::ALL
            .iter()
            .map(|s| (*s, evaluation.tasks.overall.count(*s)))
            .collect();

        let h = &snapshot.hierarchy;
        let provinces = h
            .as_of(day)
            .filter(|u| u.kind == OrgKind::Province)
            .map(|u| {
                let scored = evaluation.units.get(&u.code);
                let score = scored.and_then(|(_, s)| s.score);
                ProvinceLine {
                    code: u.code.clone(),
                    name_vi: u.name_vi.clone(),
                    name_en: u.name_en.clone(),
                    score,
                    class: scored.map_or(Class::NotCompleted, |(_, s)| s.class),
                    colour: Colour::of(score),
                    coverage: scored.map_or(0.0, |(_, s)| s.coverage),
                }
            })
            .collect();

        let counts = |tally: Option<&tiendo_evaluation::tasks::Tally>| -> Vec<(TaskStatus, usize)> {
            TaskStatus::ALL
                .iter()
                .map(|s| (*s, tally.map_or(0, |t| t.count(*s))))
                .collect()
        };
        // The public's figures count only the tasks the public may see.
        let is_public = |t: &&tiendo_domain::tasks::Task| {
            t.confidentiality == tiendo_domain::tasks::Confidentiality::Public
        };
        let (_, public) = tiendo_evaluation::tasks::summarise(
            snapshot.tasks.iter().filter(is_public),
            day,
            |t| {
                snapshot
                    .last_progress
                    .get(&t.code)
                    .is_some_and(|d| *d <= day)
            },
            |u| h.in_force_for(u, day).map_or(u, |x| &x.code),
            settings.horizon,
        );
        let public_tasks_by_status = counts(Some(&public.overall));
        let mut non_public: std::collections::HashSet<&OrgCode> = std::collections::HashSet::new();
        for t in snapshot.tasks.iter().filter(|t| !is_public(t)) {
            non_public.insert(&t.lead);
            non_public.extend(t.coordinators.iter());
        }
        let units = h
            .as_of(day)
            .map(|u| {
                let scored = evaluation.units.get(&u.code);
                let score = scored.and_then(|(_, s)| s.score);
                let summary = UnitSummary {
                    code: u.code.clone(),
                    kind: u.kind,
                    name_vi: u.name_vi.clone(),
                    name_en: u.name_en.clone(),
                    parent: u.parent.clone(),
                    score,
                    class: scored.map_or(Class::NotCompleted, |(_, s)| s.class),
                    colour: Colour::of(score),
                    facts: scored.map(|(f, _)| *f).unwrap_or_default(),
                    leads: counts(evaluation.tasks.by_unit.get(&(&u.code, Role::Lead))),
                    coordinates: counts(
                        evaluation.tasks.by_unit.get(&(&u.code, Role::Coordinator)),
                    ),
                    public_leads: counts(public.by_unit.get(&(&u.code, Role::Lead))),
                    public_coordinates: counts(public.by_unit.get(&(&u.code, Role::Coordinator))),
                    has_non_public_tasks: non_public.contains(&u.code),
                };
                (u.code.clone(), summary)
            })
            .collect();

        let recent_approvals = store
            .recently_approved(SHOWN_APPROVALS)
            .await?
            .into_iter()
            .map(|v| ApprovedLine {
                target: v.target,
                unit: v.org,
                period: v.period,
                value: v.value.get(),
                approved_by: v.author,
                approved_at: v.recorded_at,
            })
            .collect();
        let index = ranking(&snapshot, day)?;
        let top_warnings = top_warnings(&standing, &snapshot);
        let owed: Vec<(TargetCode, Period)> = snapshot
            .targets
            .iter()
            .map(|t| {
                (
                    t.code.clone(),
                    tiendo_evaluation::warnings::expected_period(t, day, settings.grace_days),
                )
            })
            .collect();
        let submitted = store.first_submitted(&owed).await?;
        Ok(Overview {
            submitted: Arc::new(submitted),
            day,
            recent_approvals,
            units,
            targets_by_status: standing.by_judgement().collect(),
            tasks_by_status,
            public_tasks_by_status,
            provinces,
            warnings_by_rule: standing.warnings_by_rule().collect(),
            top_warnings,
            index,
            snapshot: Arc::new(snapshot),
            standing: Arc::new(standing),
            reporting: Arc::default(),
            quarters: Arc::default(),
            target_quarters: Arc::default(),
        })
    }

    /// Reporting completeness and timeliness on the overview's day, worked out once per
    /// overview.
    pub fn reporting(&self) -> &Reporting {
        self.reporting.get_or_init(|| {
            let inputs = Inputs::from(&*self.snapshot);
            let own = reporting::own(&inputs, Settings::default().grace_days, &self.submitted);
            let within = reporting::within(&self.snapshot.hierarchy, &own);
            Reporting { own, within }
        })
    }

    /// Tasks by status quarter by quarter as a reader of `clearance` may count them, worked out
    /// once per overview and clearance.
    pub fn tasks_by_quarter(&self, clearance: tiendo_domain::tasks::Clearance) -> &TasksByQuarter {
        use tiendo_domain::tasks::Clearance;
        let slot = match clearance {
            Clearance::Public => 0,
            Clearance::Internal => 1,
            Clearance::Secret => 2,
        };
        self.quarters[slot].get_or_init(|| {
            let (quarters, days) = last_quarters(self.day);
            let s = &self.snapshot;
            let tallies = tiendo_evaluation::tasks::tallies_over_time(
                s.tasks
                    .iter()
                    .filter(|t| clearance.may_see(t.confidentiality)),
                &days,
                |t| s.last_progress.get(&t.code).copied(),
                tiendo_evaluation::tasks::Horizon::default(),
            );
            TasksByQuarter { quarters, tallies }
        })
    }

    /// The targets with a national series by judgement at the end of each of the last quarters,
    /// each judged on the figures of the periods ended by then.
    pub fn targets_by_quarter(&self) -> &TargetsByQuarter {
        self.target_quarters.get_or_init(|| {
            let (quarters, days) = last_quarters(self.day);
            let s = &self.snapshot;
            let nation = s.hierarchy.nation().map(|n| n.code.clone());
            let national: Vec<tiendo_domain::targets::Target> = s
                .targets
                .iter()
                .filter(|t| {
                    nation
                        .as_ref()
                        .is_some_and(|n| s.series.get(&t.code).is_some_and(|by| by.contains_key(n)))
                })
                .cloned()
                .collect();
            let counts = tiendo_evaluation::targets::judgements_over_time(
                &national,
                |t| {
                    nation
                        .as_ref()
                        .and_then(|n| s.series.get(&t.code).and_then(|by| by.get(n)))
                        .map(|v| v.as_slice())
                },
                &days,
            );
            TargetsByQuarter { quarters, counts }
        })
    }

    /// Tasks by status as a reader of `clearance` may count them: every task, or public ones.
    pub fn tasks_for(&self, clearance: tiendo_domain::tasks::Clearance) -> &[(TaskStatus, usize)] {
        if clearance.may_see(tiendo_domain::tasks::Confidentiality::Internal) {
            &self.tasks_by_status
        } else {
            &self.public_tasks_by_status
        }
    }

    /// The warnings officers are notified of: tasks overdue or due soon, reports missing.
    pub fn alerts(&self) -> Vec<tiendo_notify::Event> {
        let snapshot = &self.snapshot;
        self.standing
            .warnings()
            .filter_map(|w| {
                use tiendo_notify::EventKind;
                let kind = match w.rule {
                    Rule::OverdueTask => EventKind::TaskOverdue,
                    Rule::DueSoonWithoutProgress => EventKind::TaskDueSoon,
                    Rule::StaleReport => EventKind::ReportMissing,
                    _ => return None,
                };
                let (object, name) = match &w.subject {
                    Subject::Task { task } => (format!("task {task}"), task_names(snapshot, task)),
                    Subject::Target { target } => {
                        (format!("target {target}"), target_names(snapshot, target))
                    }
                    Subject::Value { target, period } => (
                        format!("value {target}/{}/{period}", w.unit),
                        target_names(snapshot, target),
                    ),
                };
                Some(tiendo_notify::Event {
                    kind,
                    unit: w.unit.clone(),
                    object,
                    name,
                    facts: tiendo_notify::Facts::Warning(w.evidence.clone()),
                    day: self.day,
                })
            })
            .collect()
    }

    /// This overview with `approved` values applied: each value joins its series, the series
    /// is judged again, its unit scored again (and coloured, for a province), the index ranked
    /// again and the value listed among the latest approvals. Nothing is read from the
    /// database and the rest of the nation is not evaluated again. The series' warnings are
    /// derived again with it.
    pub fn with_approvals(&self, approved: &[DataValue]) -> Result<Overview, WebError> {
        let mut snapshot = (*self.snapshot).clone();
        let mut standing = (*self.standing).clone();
        for v in approved {
            let series = Arc::make_mut(snapshot.series.entry(v.target.clone()).or_default())
                .entry(v.org.clone())
                .or_default();
            match series.binary_search_by(|(p, _)| p.cmp(&v.period)) {
                Ok(i) => series[i].1 = v.value.get(),
                Err(i) => series.insert(i, (v.period, v.value.get())),
            }
        }
        {
            let inputs = Inputs::from(&snapshot);
            for v in approved {
                standing.apply(&inputs, &v.target, &v.org);
            }
        }
        let mut next = self.clone();
        next.reporting = Arc::default();
        next.target_quarters = Arc::default();
        let grace = Settings::default().grace_days;
        let mut submitted: Option<HashMap<(TargetCode, OrgCode), NaiveDate>> = None;
        for v in approved {
            let owed = snapshot
                .targets
                .iter()
                .find(|t| t.code == v.target)
                .map(|t| tiendo_evaluation::warnings::expected_period(t, self.day, grace));
            let key = (v.target.clone(), v.org.clone());
            if owed == Some(v.period) && !self.submitted.contains_key(&key) {
                submitted
                    .get_or_insert_with(|| (*self.submitted).clone())
                    .entry(key)
                    .or_insert(v.recorded_at.date_naive());
            }
        }
        if let Some(s) = submitted {
            next.submitted = Arc::new(s);
        }
        for v in approved {
            let Some((facts, score)) = standing.unit(&v.org) else {
                continue;
            };
            let colour = Colour::of(score.score);
            if let Some(line) = next.provinces.iter_mut().find(|p| p.code == v.org) {
                line.score = score.score;
                line.class = score.class;
                line.colour = colour;
                line.coverage = score.coverage;
            }
            if let Some(summary) = next.units.get_mut(&v.org) {
                summary.score = score.score;
                summary.class = score.class;
                summary.colour = colour;
                summary.facts = *facts;
            }
        }
        next.targets_by_status = standing.by_judgement().collect();
        next.warnings_by_rule = standing.warnings_by_rule().collect();
        next.top_warnings = top_warnings(&standing, &snapshot);
        let mut recent: Vec<ApprovedLine> = approved
            .iter()
            .rev()
            .map(|v| ApprovedLine {
                target: v.target.clone(),
                unit: v.org.clone(),
                period: v.period,
                value: v.value.get(),
                approved_by: v.author.clone(),
                approved_at: v.recorded_at,
            })
            .collect();
        recent.extend(
            self.recent_approvals
                .iter()
                .filter(|old| {
                    !approved.iter().any(|v| {
                        v.target == old.target && v.org == old.unit && v.period == old.period
                    })
                })
                .cloned(),
        );
        recent.truncate(SHOWN_APPROVALS as usize);
        next.recent_approvals = recent;
        next.index = ranking(&snapshot, self.day)?;
        next.snapshot = Arc::new(snapshot);
        next.standing = Arc::new(standing);
        Ok(next)
    }
}

/// The most severe of the day's warnings, as the overview lists them, with the names of what
/// they concern.
fn top_warnings(standing: &Standing, snapshot: &Snapshot) -> Vec<WarningLine> {
    standing
        .warnings()
        .take(SHOWN_WARNINGS)
        .map(|w| warning_line(w, snapshot))
        .collect()
}

/// The day's warnings of one unit: how many each rule raised, and the first of them.
#[derive(Debug, Clone)]
pub struct UnitWarnings {
    pub unit: OrgCode,
    pub total: usize,
    /// Counts by rule, in rule order; rules that raised none are left out.
    pub by_rule: BTreeMap<Rule, usize>,
    pub first: Vec<WarningLine>,
}

impl Overview {
    /// The day's warnings grouped by the unit they concern, the unit with most first, each with
    /// its first `shown` warnings (most severe first): who is behind on what.
    pub fn warnings_by_unit(&self, shown: usize) -> Vec<UnitWarnings> {
        let mut groups: BTreeMap<&OrgCode, UnitWarnings> = BTreeMap::new();
        for w in self.standing.warnings() {
            let g = groups.entry(&w.unit).or_insert_with(|| UnitWarnings {
                unit: w.unit.clone(),
                total: 0,
                by_rule: BTreeMap::new(),
                first: Vec::new(),
            });
            g.total += 1;
            *g.by_rule.entry(w.rule).or_default() += 1;
            if g.first.len() < shown {
                g.first.push(warning_line(w, &self.snapshot));
            }
        }
        let mut list: Vec<UnitWarnings> = groups.into_values().collect();
        list.sort_by(|a, b| b.total.cmp(&a.total).then_with(|| a.unit.cmp(&b.unit)));
        list
    }
}

/// One warning as pages show it, with the names of what it concerns.
fn warning_line(w: &tiendo_evaluation::warnings::Warning, snapshot: &Snapshot) -> WarningLine {
    WarningLine {
        named: match &w.subject {
            Subject::Task { task } => task_names(snapshot, task),
            Subject::Target { target } => target_names(snapshot, target),
            Subject::Value { target, period } => {
                let n = target_names(snapshot, target);
                tiendo_notify::Names {
                    vi: format!("{} — {period}", n.vi),
                    en: n.en.map(|en| format!("{en} — {period}")),
                }
            }
        },
        severity: w.severity,
        rule: w.rule,
        unit: w.unit.clone(),
        object: match &w.subject {
            Subject::Task { task } => task.to_string(),
            Subject::Target { target } => target.to_string(),
            Subject::Value { target, period } => format!("{target} {period}"),
        },
        evidence: w.evidence.clone(),
    }
}

/// An index computed for the latest year any unit reported its inputs, restated on the
/// boundaries in force on `day`: the definition, the year and the score of every node.
pub struct ComputedIndex {
    pub index: Index,
    pub period: Period,
    pub result: tiendo_evaluation::indices::IndexResult,
}

/// The built-in index definition `name`, checked.
pub fn builtin_index(name: &str) -> Result<Index, WebError> {
    let (_, text) = tiendo_dataset::builtin_index(name).ok_or(WebError::BuiltIn {
        what: "index list",
        detail: format!("{name} is missing"),
    })?;
    let def: Definition = toml::from_str(text).map_err(|e| WebError::BuiltIn {
        what: "index",
        detail: e.to_string(),
    })?;
    Index::new(def).map_err(|e| WebError::BuiltIn {
        what: "index",
        detail: e.to_string(),
    })
}

/// Computes the built-in index `name`; `None` when no unit has reported its inputs.
pub fn compute_index(
    snapshot: &Snapshot,
    day: NaiveDate,
    name: &str,
) -> Result<Option<ComputedIndex>, WebError> {
    let index = builtin_index(name)?;
    let h = &snapshot.hierarchy;
    let kind = index.definition().units;
    let mut latest: Option<i32> = None;
    for t in index.targets() {
        for series in snapshot.series.get(t).into_iter().flat_map(|m| m.values()) {
            for (p, _) in series {
                if p.year() <= day.year() {
                    latest = latest.max(Some(p.year()));
                }
            }
        }
    }
    let Some(year) = latest else {
        return Ok(None);
    };
    let Ok(period) = Period::year_of(year) else {
        return Ok(None);
    };
    let basis: Vec<OrgCode> = h
        .units()
        .iter()
        .filter(|u| u.kind == kind && u.validity.overlaps(period.start(), period.end()))
        .map(|u| u.code.clone())
        .collect();
    let mut values: std::collections::HashMap<_, std::collections::HashMap<OrgCode, f64>> =
        Default::default();
    for t in index.targets() {
        let by_unit = values.entry(t.clone()).or_default();
        for (u, series) in snapshot.series.get(t).into_iter().flat_map(|m| m.iter()) {
            if let Some((_, v)) = series.iter().find(|(p, _)| *p == period) {
                by_unit.insert(u.clone(), *v);
            }
        }
    }
    let result = index.compute(&basis, &values);
    let units: Vec<OrgCode> = h
        .as_of(day)
        .filter(|u| u.kind == kind)
        .map(|u| u.code.clone())
        .collect();
    let mut predecessors: std::collections::HashMap<OrgCode, Vec<OrgCode>> = Default::default();
    for s in h.successions().iter().filter(|s| s.effective <= day) {
        predecessors
            .entry(s.successor.clone())
            .or_default()
            .push(s.predecessor.clone());
    }
    let result = tiendo_evaluation::indices::restate(&result, &units, &predecessors);
    Ok(Some(ComputedIndex {
        index,
        period,
        result,
    }))
}

/// The PII-like ranking of provinces, for the overview.
fn ranking(snapshot: &Snapshot, day: NaiveDate) -> Result<Option<IndexRanking>, WebError> {
    let Some(c) = compute_index(snapshot, day, "pii-like")? else {
        return Ok(None);
    };
    let h = &snapshot.hierarchy;
    let mut rows: Vec<RankLine> = c.result.nodes[c.index.root_code()]
        .iter()
        .filter_map(|(u, s)| {
            let unit = h.get(u)?;
            Some(RankLine {
                rank: s.rank?,
                unit: u.clone(),
                name_vi: unit.name_vi.clone(),
                name_en: unit.name_en.clone(),
                score: s.score?,
            })
        })
        .collect();
    rows.sort_by_key(|r| r.rank);
    Ok(Some(IndexRanking {
        index: c.index.definition().name.clone(),
        index_vi: c.index.definition().name_vi.clone(),
        period: c.period,
        rows,
    }))
}

/// A task as a reader knows it: its title, then its code.
fn task_names(s: &Snapshot, code: &tiendo_domain::tasks::TaskCode) -> tiendo_notify::Names {
    let task = s.tasks.iter().find(|t| &t.code == code);
    names(
        code,
        task.map(|t| (t.title_vi.as_str(), t.title_en.as_deref())),
    )
}

/// A target as a reader knows it: its name, then its code.
pub fn target_names(
    s: &Snapshot,
    code: &tiendo_domain::targets::TargetCode,
) -> tiendo_notify::Names {
    let target = s.targets.iter().find(|t| &t.code == code);
    names(
        code,
        target.map(|t| (t.name_vi.as_str(), t.name_en.as_deref())),
    )
}

/// `name (code)` in both languages from a Vietnamese and an English name; the code alone when
/// the object is not known.
fn names(
    code: &impl std::fmt::Display,
    found: Option<(&str, Option<&str>)>,
) -> tiendo_notify::Names {
    match found {
        Some((vi, en)) => tiendo_notify::Names {
            vi: format!("{vi} ({code})"),
            en: Some(format!("{} ({code})", en.unwrap_or(vi))),
        },
        None => tiendo_notify::Names {
            vi: code.to_string(),
            en: None,
        },
    }
}
