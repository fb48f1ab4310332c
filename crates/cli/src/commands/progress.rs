//! `tiendo progress`: measure a series a user already publishes.

use std::path::Path;

use anyhow::Result;
use serde::Serialize;
use tiendo_domain::targets::Direction;
use tiendo_evaluation::progress::opensdg::{self, Config, Thresholds};
use tiendo_evaluation::progress::projection::projection;
use tiendo_evaluation::progress::trajectory::{trajectory, Pace};

use tiendo_wording::Lang;

use crate::cli::{DirectionArg, MethodArg, ProgressFormat};
use crate::opensdg_csv;
use crate::BadInput;

pub struct Options {
    pub target: Option<f64>,
    pub target_year: i32,
    pub base_year: i32,
    pub direction: DirectionArg,
    pub limit: Option<f64>,
    pub thresholds: Option<Thresholds>,
    pub method: MethodArg,
    pub format: ProgressFormat,
    pub lang: Lang,
}

pub fn run(file: &Path, o: Options) -> Result<()> {
    let series = opensdg_csv::read_headline(file, o.lang)?;
    let direction = match o.direction {
        DirectionArg::Increase => Direction::Increase,
        DirectionArg::Decrease => Direction::Decrease,
    };
    let needs_target = |method: &str| {
        o.target.ok_or_else(|| {
            BadInput(format!(
                "--method {method} needs --target (the value to reach by --target-year)"
            ))
        })
    };
    let bad_series =
        |e: tiendo_evaluation::progress::SeriesError| BadInput(format!("{}: {e}", file.display()));
    match o.method {
        MethodArg::Opensdg => {
            let config = Config {
                target: o.target,
                target_year: o.target_year,
                base_year: o.base_year,
                direction,
                limit: o.limit,
                thresholds: o.thresholds,
            };
            let r = opensdg::series_progress(&series, &config).map_err(bad_series)?;
            let rows = vec![
                ("status", tiendo_wording::progress_status(o.lang, r.status)),
                ("score", opt(r.score)),
                ("base", year_value(r.base_year, r.base_value)),
                ("current", year_value(r.current_year, r.current_value)),
                ("observed growth", opt(r.observed_growth)),
                ("required growth", opt(r.required_growth)),
                ("ratio / progress value", opt(r.progress_value)),
            ];
            let explanation = tiendo_wording::series_progress(o.lang, &r);
            print(&r, &rows, explanation, o.format)
        }
        MethodArg::Trajectory => {
            let target = needs_target("trajectory")?;
            let r = trajectory(
                &series,
                target,
                o.target_year,
                o.base_year,
                direction,
                Pace::default(),
            )
            .map_err(bad_series)?;
            let rows = vec![
                ("status", tiendo_wording::course(o.lang, r.status)),
                ("base", year_value(r.base_year, r.base_value)),
                ("current", year_value(r.current_year, r.current_value)),
                ("achieved share", opt(r.achieved_share)),
                ("elapsed share", opt(r.elapsed_share)),
                ("pace", opt(r.pace)),
            ];
            let explanation = tiendo_wording::trajectory(o.lang, &r);
            print(&r, &rows, explanation, o.format)
        }
        MethodArg::Projection => {
            let target = needs_target("projection")?;
            let r = projection(
                &series,
                target,
                o.target_year,
                o.base_year,
                direction,
                Pace::default(),
            )
            .map_err(bad_series)?;
            let rows = vec![
                ("status", tiendo_wording::course(o.lang, r.status)),
                ("base", year_value(r.base_year, r.base_value)),
                ("slope per year", opt(r.slope)),
                ("projected value", opt(r.projected_value)),
                ("anticipated share", opt(r.anticipated_share)),
                ("gap", opt(r.gap)),
            ];
            let explanation = tiendo_wording::projection(o.lang, &r);
            print(&r, &rows, explanation, o.format)
        }
    }
}

/// A result with its sentence in the reader's language, for JSON: the facts stay as they are.
#[derive(Serialize)]
struct Explained<'a, T> {
    #[serde(flatten)]
    result: &'a T,
    explanation: String,
}

fn opt(v: Option<f64>) -> String {
    v.map_or_else(|| "–".to_string(), |v| format!("{v:.6}"))
}

fn year_value(year: Option<i32>, value: Option<f64>) -> String {
    match (year, value) {
        (Some(y), Some(v)) => format!("{v} ({y})"),
        _ => "–".to_string(),
    }
}

fn print<T: Serialize>(
    result: &T,
    rows: &[(&str, String)],
    explanation: String,
    format: ProgressFormat,
) -> Result<()> {
    match format {
        ProgressFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&Explained {
                result,
                explanation
            })?
        ),
        ProgressFormat::Text => {
            println!("{explanation}");
            for (k, v) in rows {
                println!("  {k:<24} {v}");
            }
        }
    }
    Ok(())
}
