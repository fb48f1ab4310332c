//! The national overview and each unit's page.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};
use chrono::Datelike;
use tiendo_domain::orgs::{OrgCode, OrgKind};

use crate::chrome::{Chrome, Page};
use crate::failure::Failure;
use crate::i18n::Lang;
use crate::pages::{pick, render, rendered};
use crate::wording::serde_name;
use crate::AppState;
use tiendo_report::charts;

/// One row of a two-column count table.
pub struct Count {
    pub label: String,
    pub count: String,
}

pub struct Province {
    name: String,
    code: String,
    href: String,
    score: String,
    class: String,
    colour: String,
    css: &'static str,
}

/// A national target as a small chart: its figures over the years with the goal, trajectory and
/// projection, and its status.
pub struct NationalChart {
    name: String,
    href: String,
    status: String,
    css: &'static str,
    chart: String,
}

/// A ministry or central agency on the overview, judged on the tasks it leads.
pub struct Agency {
    name: String,
    href: String,
    score: String,
    colour: String,
    css: &'static str,
    /// Tasks it leads (cancelled ones aside), overdue among them, and done; each with the task
    /// board filtered to them.
    led: (usize, String),
    overdue: (usize, String),
    done: usize,
}

pub struct WarningRow {
    rule: String,
    object: String,
    evidence: String,
}

/// One unit's warnings: counts by rule, and the first of them to expand.
pub struct WarningGroup {
    unit: String,
    href: String,
    total: String,
    counts: Vec<String>,
    items: Vec<WarningRow>,
    /// Warnings of the unit beyond those listed.
    more: String,
}

/// How many units the overview lists with their warnings, and warnings under each.
const WARNING_UNITS: usize = 40;
const WARNINGS_PER_UNIT: usize = 15;

pub struct Rank {
    rank: usize,
    name: String,
    score: String,
}

pub struct Approved {
    target: String,
    href: String,
    unit: String,
    period: String,
    value: String,
    by: String,
}

#[derive(Template)]
#[template(path = "overview.html")]
struct OverviewPage {
    c: Chrome,
    /// The dashboards a signed-in reader may open.
    dashboards: Vec<(String, String)>,
    as_of: String,
    /// The day shown, for the day picker (`YYYY-MM-DD`).
    at: String,
    targets: Vec<Count>,
    tasks: Vec<Count>,
    /// The tasks by status at the end of each of the last quarters, as a chart.
    tasks_over_time: String,
    /// The national targets by status at the end of each quarter.
    targets_over_time: String,
    provinces: Vec<Province>,
    /// Ministries and central agencies that lead tasks, the most overdue first.
    agencies: Vec<Agency>,
    /// The targets with a national series, each a small chart.
    national: Vec<NationalChart>,
    /// The provinces on a map, coloured as in the table.
    map: String,
    /// Warnings name internal tasks and unpublished reports: officials only.
    official: bool,
    warning_counts: Vec<Count>,
    /// The rules with warnings today, as the grouped table's columns.
    warning_rules: Vec<String>,
    /// The units with warnings, most first, each expandable to its warnings.
    warning_groups: Vec<WarningGroup>,
    /// Units with warnings beyond those listed.
    more_warning_units: usize,
    ranking_title: Option<String>,
    ranking: Vec<Rank>,
    approved: Vec<Approved>,
}

#[derive(Debug, serde::Deserialize)]
pub struct OverviewQuery {
    /// An earlier day to look at (`2025-06-30` shows the 63 provinces).
    at: Option<String>,
}

/// The earliest day the overview looks back to: before it, no plan of the strategy existed.
const EARLIEST: (i32, u32, u32) = (2020, 1, 1);

fn day_asked(state: &AppState, q: &OverviewQuery) -> Result<chrono::NaiveDate, Failure> {
    let Some(text) = q.at.as_deref().map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(state.day());
    };
    let (y, m, d) = EARLIEST;
    let earliest = chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap_or(chrono::NaiveDate::MIN);
    text.parse::<chrono::NaiveDate>()
        .ok()
        .filter(|day| *day >= earliest)
        .map(|day| day.min(state.day()))
        .ok_or_else(|| {
            Failure::bad_request(
                "invalid_date",
                format!("\"{text}\" is not a day from {earliest} (write YYYY-MM-DD)"),
            )
        })
}

pub async fn overview(
    State(state): State<AppState>,
    Query(q): Query<OverviewQuery>,
    uri: axum::http::Uri,
    page: Page,
) -> Result<Response, Failure> {
    let l = page.l();
    let day = day_asked(&state, &q)?;
    // The public's page of today is the same for every visitor until the overview changes.
    let address = uri.path_and_query().map_or("/", |a| a.as_str());
    let public_today = page.viewer.user.is_none() && q.at.is_none();
    if public_today {
        if let Some(html) = state.kept_pages.get(address, &state.overview()) {
            return Ok(Html(html).into_response());
        }
    }
    let o = state
        .overview_at(day)
        .await
        .map_err(|e| Failure::internal(e.to_string()))?;
    let current = state.overview();
    let approver_names: Vec<String> = o
        .recent_approvals
        .iter()
        .map(|a| a.approved_by.clone())
        .collect();
    let approvers = super::some_people(&state, &approver_names).await?;
    let h = &o.snapshot.hierarchy;
    let target_name = |code| super::target_name(l, &o.snapshot, code);
    let name = |vi: &str, en: &str| pick(l, vi, Some(en));
    // Warnings name internal tasks and unpublished reports: officials only.
    let groups = if page.viewer.access.is_official() {
        o.warnings_by_unit(WARNINGS_PER_UNIT)
    } else {
        Vec::new()
    };
    let rules: Vec<tiendo_evaluation::warnings::Rule> = groups
        .iter()
        .flat_map(|g| g.by_rule.keys().copied())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let count = |n: usize| l.number(n as f64, 0);
    let official = page.viewer.access.is_official();
    let dashboards = super::dashboards::shortcuts(&state, &page).await?;
    let body = OverviewPage {
        dashboards,
        as_of: l.date(o.day),
        at: o.day.to_string(),
        targets: o
            .targets_by_status
            .iter()
            .map(|(j, n)| Count {
                label: l.t(&format!("judgement-{}", serde_name(j))),
                count: count(*n),
            })
            .collect(),
        tasks_over_time: tasks_over_time(l, &page, &o),
        targets_over_time: targets_over_time(l, &o),
        tasks: o
            .tasks_for(page.viewer.access.clearance())
            .iter()
            .map(|(s, n)| Count {
                label: l.t(&format!("task-{}", serde_name(s))),
                count: count(*n),
            })
            .collect(),
        provinces: o
            .provinces
            .iter()
            .map(|p| Province {
                name: name(&p.name_vi, &p.name_en),
                code: p.code.to_string(),
                // On an earlier day a province merged since links to its successor's page.
                href: super::unit_link(l, &page.chrome, &current, &p.code).0,
                score: match p.score {
                    None => l.t("no-data"),
                    Some(s) if p.coverage < tiendo_evaluation::scoring::PROVISIONAL_BELOW => l
                        .t_args(
                            "score-provisional",
                            &[
                                ("score", l.number(s, 1)),
                                ("coverage", l.number(p.coverage * 100.0, 0)),
                            ],
                        ),
                    Some(s) => l.number(s, 1),
                },
                class: crate::wording::class_name(l, p.score, p.class),
                colour: l.t(&format!("colour-{}", serde_name(&p.colour))),
                css: p.colour.css(),
            })
            .collect(),
        agencies: agencies(l, &page, &o, &current),
        national: national_charts(l, &page, &o),
        map: province_map(l, &page, &o, &current),
        official,
        warning_counts: o
            .warnings_by_rule
            .iter()
            .filter(|_| official)
            .map(|(r, n)| Count {
                label: crate::wording::rule(l, *r),
                count: count(*n),
            })
            .collect(),
        warning_rules: rules.iter().map(|r| crate::wording::rule(l, *r)).collect(),
        more_warning_units: groups.len().saturating_sub(WARNING_UNITS),
        warning_groups: groups
            .iter()
            .take(WARNING_UNITS)
            .map(|g| WarningGroup {
                unit: super::unit_name(l, h, &g.unit),
                href: page.chrome.href(&format!("/units/{}", g.unit)),
                total: count(g.total),
                counts: rules
                    .iter()
                    .map(|r| g.by_rule.get(r).map_or_else(String::new, |n| count(*n)))
                    .collect(),
                items: g
                    .first
                    .iter()
                    .map(|w| WarningRow {
                        rule: crate::wording::rule(l, w.rule),
                        object: w.named.get(l).to_string(),
                        evidence: crate::wording::warning(l, &w.evidence),
                    })
                    .collect(),
                more: if g.total > g.first.len() {
                    l.t_args(
                        "warnings-more",
                        &[("count", count(g.total - g.first.len()))],
                    )
                } else {
                    String::new()
                },
            })
            .collect(),
        ranking_title: o.index.as_ref().map(|i| {
            format!(
                "{} — {}",
                pick(l, i.index_vi.as_deref().unwrap_or(&i.index), Some(&i.index)),
                crate::wording::period(l, i.period)
            )
        }),
        ranking: o
            .index
            .iter()
            .flat_map(|i| &i.rows)
            .map(|r| Rank {
                rank: r.rank,
                name: name(&r.name_vi, &r.name_en),
                score: l.number(r.score, 2),
            })
            .collect(),
        approved: o
            .recent_approvals
            .iter()
            .map(|a| Approved {
                target: target_name(&a.target),
                href: page.chrome.href(&format!("/targets/{}", a.target)),
                unit: super::unit_name(l, h, &a.unit),
                period: crate::wording::period(l, a.period),
                value: crate::wording::figure(l, a.value),
                by: super::person(&approvers, &a.approved_by),
            })
            .collect(),
        c: page.chrome,
    };
    if !public_today {
        return Ok(render(&body));
    }
    let html = Bytes::from(rendered(&body)?);
    state.kept_pages.keep(address, &o, html.clone());
    Ok(Html(html).into_response())
}

/// One group of a quarterly chart: its label's message, colour and dash, and its count at the
/// end of each quarter.
struct QuarterLine {
    key: &'static str,
    colour: &'static str,
    dashed: bool,
    counts: Vec<usize>,
}

/// Counts over the last quarters as lines, with every figure in the chart's description.
fn quarterly_chart(
    l: Lang,
    title_key: &str,
    quarters: &[tiendo_domain::periods::Period],
    groups: &[QuarterLine],
) -> String {
    // A quarter sits at its first day on the axis of years, so a year's tick marks its Q1.
    let x = |q: &tiendo_domain::periods::Period| {
        f64::from(q.year()) + f64::from(q.start().month0() / 3) / 4.0
    };
    let lines: Vec<charts::Line> = groups
        .iter()
        .map(|g| charts::Line {
            label: l.t(g.key),
            points: quarters
                .iter()
                .zip(&g.counts)
                .map(|(q, n)| (x(q), *n as f64))
                .collect(),
            colour: g.colour,
            dashed: g.dashed,
        })
        .collect();
    let desc = quarters
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let counts: Vec<String> = groups
                .iter()
                .map(|g| format!("{} {}", l.t(g.key), g.counts.get(i).copied().unwrap_or(0)))
                .collect();
            format!("{}: {}", crate::wording::period(l, *q), counts.join(", "))
        })
        .collect::<Vec<_>>()
        .join("; ");
    charts::time_series(
        charts::Axis {
            l,
            min: Some(0.0),
            max: None,
        },
        &l.t(title_key),
        &desc,
        &lines,
        &[],
    )
}

/// The tasks the reader may see by status at the end of each of the last quarters (the current
/// one as of the overview's day): overdue, under way, completed, not yet due.
fn tasks_over_time(l: Lang, page: &Page, o: &crate::overview::Overview) -> String {
    use tiendo_evaluation::tasks::TaskStatus as S;
    let by_quarter = o.tasks_by_quarter(page.viewer.access.clearance());
    let line = |key, statuses: &[S], colour, dashed| QuarterLine {
        key,
        colour,
        dashed,
        counts: by_quarter
            .tallies
            .iter()
            .map(|t| statuses.iter().map(|s| t.count(*s)).sum())
            .collect(),
    };
    quarterly_chart(
        l,
        "tasks-over-time",
        &by_quarter.quarters,
        &[
            line("task-overdue", &[S::Overdue], "#d6604d", false),
            line(
                "task-in_progress",
                &[S::InProgress, S::DueSoon],
                "#4393c3",
                false,
            ),
            line(
                "tasks-completed",
                &[S::CompletedOnTime, S::CompletedLate],
                "#2e7d32",
                false,
            ),
            line("task-not_yet_due", &[S::NotYetDue], "#888888", true),
        ],
    )
}

/// The national targets by status quarter by quarter: achieved or on track, at risk, off
/// track or deteriorating, and not yet judged, each a line over the last quarters.
fn targets_over_time(l: Lang, o: &crate::overview::Overview) -> String {
    use tiendo_evaluation::targets::Judgement as J;
    let by_quarter = o.targets_by_quarter();
    let line = |key, judgements: &[J], colour, dashed| QuarterLine {
        key,
        colour,
        dashed,
        counts: by_quarter
            .counts
            .iter()
            .map(|c| {
                judgements
                    .iter()
                    .map(|j| c.get(j).copied().unwrap_or(0))
                    .sum()
            })
            .collect(),
    };
    quarterly_chart(
        l,
        "targets-over-time",
        &by_quarter.quarters,
        &[
            line("targets-good", &[J::Achieved, J::OnTrack], "#2e7d32", false),
            line("judgement-at_risk", &[J::AtRisk], "#e6a100", false),
            line(
                "targets-bad",
                &[J::OffTrack, J::Deteriorating],
                "#d6604d",
                false,
            ),
            line(
                "judgement-not_available",
                &[J::NotAvailable],
                "#888888",
                true,
            ),
        ],
    )
}

/// The nation's own figures: every target with values for the nation as a whole, in the
/// catalogue's order, each drawn small with its goal, trajectory and projection as of the
/// overview's day, worst first so a leader sees what is off track before what is on it.
fn national_charts(l: Lang, page: &Page, o: &crate::overview::Overview) -> Vec<NationalChart> {
    let s = &o.snapshot;
    let Some(nation) = s.hierarchy.nation() else {
        return Vec::new();
    };
    let mut charts: Vec<(u8, NationalChart)> = s
        .targets
        .iter()
        .filter_map(|t| {
            let series = s.series.get(&t.code)?.get(&nation.code)?;
            if series.is_empty() {
                return None;
            }
            let judged = super::catalogue::judged_chart(l, t, &nation.code, series, o.day.year());
            let order = match judged.css {
                "red" => 0,
                "yellow" => 1,
                "green" => 2,
                _ => 3,
            };
            Some((
                order,
                NationalChart {
                    name: pick(l, &t.name_vi, t.name_en.as_deref()),
                    href: page
                        .chrome
                        .href(&format!("/targets/{}?unit={}", t.code, nation.code)),
                    status: judged.status,
                    css: judged.css,
                    chart: judged.chart,
                },
            ))
        })
        .collect();
    charts.sort_by_key(|(order, _)| *order);
    charts.into_iter().map(|(_, c)| c).collect()
}

/// The ministries and central agencies in force on the overview's day that lead tasks the
/// reader may see, the most overdue first: who is behind on what, at the centre. A merged
/// ministry's tasks count for the one that carries them now.
fn agencies(
    l: Lang,
    page: &Page,
    o: &crate::overview::Overview,
    current: &crate::overview::Overview,
) -> Vec<Agency> {
    use tiendo_evaluation::tasks::TaskStatus;
    let clearance = page.viewer.access.clearance();
    let mut found: Vec<Agency> = o
        .units
        .values()
        .filter(|u| matches!(u.kind, OrgKind::Ministry | OrgKind::CentralAgency))
        .filter_map(|u| {
            let (leads, _) = u.tasks_for(clearance);
            let count = |wanted: &[TaskStatus]| -> usize {
                leads
                    .iter()
                    .filter(|(s, _)| wanted.contains(s))
                    .map(|(_, n)| n)
                    .sum()
            };
            // Withdrawn tasks are no longer led.
            let led = leads
                .iter()
                .filter(|(s, _)| *s != TaskStatus::Cancelled)
                .map(|(_, n)| n)
                .sum();
            if led == 0 {
                return None;
            }
            let board = |status: &str| {
                let mut href = format!("/tasks?unit={}", u.code);
                if !status.is_empty() {
                    href.push_str(&format!("&status={status}"));
                }
                page.chrome.href(&href)
            };
            Some(Agency {
                name: pick(l, &u.name_vi, Some(&u.name_en)),
                href: super::unit_link(l, &page.chrome, current, &u.code).0,
                score: u.score.map_or_else(|| l.t("no-data"), |s| l.number(s, 1)),
                colour: l.t(&format!("colour-{}", serde_name(&u.colour))),
                css: u.colour.css(),
                led: (led, board("")),
                overdue: (count(&[TaskStatus::Overdue]), board("overdue")),
                done: count(&[TaskStatus::CompletedOnTime, TaskStatus::CompletedLate]),
            })
        })
        .collect();
    found.sort_by(|a, b| {
        (b.overdue.0, b.led.0)
            .cmp(&(a.overdue.0, a.led.0))
            .then_with(|| a.name.cmp(&b.name))
    });
    found
}

/// The provinces in force on the overview's day, each coloured by its state and linked to its
/// page; a province without a line (no unit page) is grey.
fn province_map(
    l: Lang,
    page: &Page,
    o: &crate::overview::Overview,
    current: &crate::overview::Overview,
) -> String {
    use crate::overview::Colour;
    let shapes = match crate::map::outlines(o.day) {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(error = %e, "the province outlines could not be read");
            return String::new();
        }
    };
    let legend: Vec<crate::map::Key> = Colour::ALL
        .iter()
        .map(|c| crate::map::Key {
            fill: c.fill(),
            label: l.t(&format!("map-key-{}", c.css())),
        })
        .collect();
    crate::map::choropleth(
        l,
        &l.t_args("map-title", &[("day", l.date(o.day))]),
        shapes,
        |code| {
            let line = o.provinces.iter().find(|p| &p.code == code);
            let colour = line.map_or(Colour::Grey, |p| p.colour);
            // Pages exist for the units of today: a province merged since links to its successor.
            let (href, name) = super::unit_link(l, &page.chrome, current, code);
            crate::map::Area {
                fill: colour.fill(),
                title: format!(
                    "{name}: {}",
                    l.t(&format!("colour-{}", serde_name(&colour)))
                ),
                href,
            }
        },
        &legend,
    )
}

pub struct Kpi {
    code: String,
    href: String,
    name: String,
    latest: String,
    period: String,
    trend: String,
    /// The nation's figure of the same period, where there is one.
    national: String,
    /// Its rank among the units of its kind in force with a figure of the same period
    /// ("3/34"), where it is one of them.
    among_peers: String,
    /// Within its region at the period's end, where a region list of that day names it: its
    /// rank among the region's provinces with a figure of the period and their median.
    in_region: String,
    /// The region it was compared within.
    region: Option<&'static tiendo_dataset::regions::Region>,
}

#[derive(Template)]
#[template(path = "unit.html")]
struct UnitPage {
    c: Chrome,
    /// Told to readers who see only public tasks when the score counts others too.
    non_public_note: Option<String>,
    code: String,
    name: String,
    as_of: String,
    score: String,
    class: String,
    colour: String,
    css: &'static str,
    explanation: String,
    parent: Option<(String, String)>,
    tasks: Vec<(String, String, String)>,
    tasks_href: String,
    kpis: Vec<Kpi>,
    /// The regions its figures are compared within, each with its source.
    regions: Vec<String>,
    entry: Option<String>,
}

pub async fn unit(
    State(state): State<AppState>,
    Path(code): Path<String>,
    page: Page,
) -> Result<Response, Failure> {
    let l: Lang = page.l();
    let o = state.overview();
    let u = o.units.get(code.as_str()).ok_or_else(|| {
        Failure::not_found(
            "unit_not_found",
            format!("{}: {code}", l.t("unit-not-found")),
        )
    })?;
    let parent = u.parent.as_ref().and_then(|p| o.units.get(p)).map(|p| {
        (
            page.chrome.href(&format!("/units/{}", p.code)),
            pick(l, &p.name_vi, Some(&p.name_en)),
        )
    });
    let snapshot = &o.snapshot;
    let h = &snapshot.hierarchy;
    let nation = h.nation();
    let mut kpis: Vec<Kpi> = snapshot
        .targets
        .iter()
        .filter_map(|t| {
            let by_unit = snapshot.series.get(&t.code)?;
            let series = by_unit.get(&u.code)?;
            let (period, latest) = series.iter().max_by_key(|(p, _)| *p)?;
            let of_period = |s: &tiendo_domain::values::Series| {
                s.iter().find(|(p, _)| p == period).map(|(_, v)| *v)
            };
            let national = nation
                .filter(|n| n.code != u.code)
                .and_then(|n| by_unit.get(&n.code))
                .and_then(&of_period)
                .map_or_else(String::new, |v| l.number(v, 2));
            // Its peers: the units of its kind in force on the day with a figure of the period.
            let peers: Vec<(&OrgCode, f64)> = by_unit
                .iter()
                .filter(|(code, _)| {
                    h.get(code)
                        .is_some_and(|x| x.kind == u.kind && x.validity.contains(o.day))
                })
                .filter_map(|(code, s)| of_period(s).map(|v| (code, v)))
                .collect();
            let figures: Vec<(tiendo_domain::periods::Period, f64)> =
                peers.iter().map(|(_, v)| (*period, *v)).collect();
            let among_peers = peers
                .iter()
                .zip(tiendo_evaluation::ranking::ranks(&figures, t.direction))
                .find(|((code, _), _)| **code == u.code)
                .and_then(|(_, r)| r)
                .filter(|_| peers.len() > 1)
                .map_or_else(String::new, |r| format!("{r}/{}", peers.len()));
            let (in_region, region) = match region_comparison(l, t, by_unit, &u.code, *period) {
                Some((text, region)) => (text, Some(region)),
                None => (String::new(), None),
            };
            let mut points: Vec<(f64, f64)> = series
                .iter()
                .map(|(p, v)| (f64::from(p.year()), *v))
                .collect();
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            let name = pick(l, &t.name_vi, t.name_en.as_deref());
            Some(Kpi {
                code: t.code.to_string(),
                href: page
                    .chrome
                    .href(&format!("/targets/{}?unit={}", t.code, u.code)),
                trend: charts::sparkline(&name, &points),
                name,
                latest: format!(
                    "{} {}",
                    l.number(*latest, 2),
                    crate::wording::measure(l, &t.unit)
                ),
                period: crate::wording::period(l, *period),
                national,
                among_peers,
                in_region,
                region,
            })
        })
        .collect();
    kpis.sort_by(|a, b| a.code.cmp(&b.code));
    // The regions the unit's figures were compared within, with the document that sets them.
    let mut regions: Vec<String> = Vec::new();
    for k in &kpis {
        if let Some(r) = k.region {
            let line = l.t_args(
                "region-of-unit",
                &[
                    ("region", pick(l, &r.name_vi, Some(&r.name_en))),
                    ("document", pick(l, &r.document, Some(&r.document_en))),
                ],
            );
            if !regions.contains(&line) {
                regions.push(line);
            }
        }
    }
    let hierarchy = &snapshot.hierarchy;
    let entry = page
        .viewer
        .access
        .may_capture(hierarchy, &u.code)
        .then(|| page.chrome.href(&format!("/units/{}/entry", u.code)));
    let clearance = page.viewer.access.clearance();
    let (leads, coordinates) = u.tasks_for(clearance);
    // The score counts every task; the public is told so, without what the others are.
    let non_public_note = (u.has_non_public_tasks
        && !clearance.may_see(tiendo_domain::tasks::Confidentiality::Internal))
    .then(|| l.t("score-counts-non-public-tasks"));
    let body = UnitPage {
        non_public_note,
        code: u.code.to_string(),
        name: pick(l, &u.name_vi, Some(&u.name_en)),
        as_of: l.date(o.day),
        score: u.score.map_or_else(|| l.t("no-data"), |s| l.number(s, 1)),
        class: crate::wording::class_name(l, u.score, u.class),
        colour: l.t(&format!("colour-{}", serde_name(&u.colour))),
        css: u.colour.css(),
        explanation: crate::wording::score(l, u.score, u.class, &u.facts),
        parent,
        tasks: leads
            .iter()
            .zip(coordinates)
            .map(|((s, lead), (_, coord))| {
                (
                    l.t(&format!("task-{}", serde_name(s))),
                    l.number(*lead as f64, 0),
                    l.number(*coord as f64, 0),
                )
            })
            .collect(),
        tasks_href: page.chrome.href(&format!("/tasks?unit={}", u.code)),
        kpis,
        regions,
        entry,
        c: page.chrome,
    };
    Ok(render(&body))
}

/// The regions shipped with tiendo, read once; embedded and tested, so they always read.
static REGIONS: std::sync::LazyLock<tiendo_dataset::regions::Regions> = std::sync::LazyLock::new(
    || {
        tiendo_dataset::regions::regions().unwrap_or_else(|e| {
            tracing::error!(error = %e, "the regions cannot be read; no unit is compared within one");
            Default::default()
        })
    },
);

/// "hạng 2/14 · trung vị 0,52": `unit`'s rank among the provinces of its region at the end of
/// `period` that have a figure of it, and their median, with the region; none where no region
/// list of that day names the unit or it is the only one with a figure.
fn region_comparison(
    l: Lang,
    t: &tiendo_domain::targets::Target,
    by_unit: &std::collections::HashMap<OrgCode, tiendo_domain::values::Series>,
    unit: &OrgCode,
    period: tiendo_domain::periods::Period,
) -> Option<(String, &'static tiendo_dataset::regions::Region)> {
    let day = period.end();
    let region = REGIONS.of(unit, day)?;
    let figures: Vec<(&OrgCode, f64)> = region
        .members_on(day)
        .filter_map(|m| {
            let v = by_unit.get(m)?.iter().find(|(p, _)| *p == period)?.1;
            Some((m, v))
        })
        .collect();
    if figures.len() < 2 {
        return None;
    }
    let ranks = tiendo_evaluation::ranking::ranks(
        &figures
            .iter()
            .map(|(_, v)| (period, *v))
            .collect::<Vec<_>>(),
        t.direction,
    );
    let rank = figures
        .iter()
        .zip(ranks)
        .find(|((m, _), _)| *m == unit)
        .and_then(|(_, r)| r)?;
    use tiendo_domain::plausibility::{median, sorted};
    let n = figures.len();
    let median = median(&sorted(figures.iter().map(|(_, v)| *v).collect()));
    let text = l.t_args(
        "region-rank-median",
        &[
            ("rank", format!("{rank}/{n}")),
            ("median", l.number(median, 2)),
        ],
    );
    Some((text, region))
}
