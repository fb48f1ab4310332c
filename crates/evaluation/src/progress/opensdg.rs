//! The Open SDG / Statistics Canada progress measure, rule for rule as `sdg-build`'s
//! `ProgressMeasure.py` computes it (see `docs/progress-methodology.md` in open-sdg).
//!
//! With a target, the observed compound annual growth rate (CAGR) since the base year is
//! compared with the CAGR needed to reach the target by the target year; without one, the
//! observed CAGR itself is judged, against thresholds scaled down near a natural limit. Each
//! series also gets a score from −5 to +5; several series combine through their mean score.
//! The quirks of the reference code are kept on purpose, so results match published ones:
//! a zero base value or target counts as 0.001, a missing base year falls forward to the next
//! year with data, and the score lines are fixed to the default thresholds.

use serde::Serialize;
use tiendo_domain::targets::Direction;

use super::{base_observation, clean, Observation, SeriesError};

/// Open SDG's progress statuses, worst first (`NotAvailable` stands apart).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    NotAvailable,
    Deterioration,
    LimitedProgress,
    ModerateProgress,
    SubstantialProgress,
    TargetAchieved,
}

impl Status {
    /// The status of a mean score (`get_progress_status_from_score`).
    pub fn from_score(score: Option<f64>, target_achieved: bool) -> Status {
        if target_achieved {
            return Status::TargetAchieved;
        }
        match score {
            Some(s) if (2.5..=5.0).contains(&s) => Status::SubstantialProgress,
            Some(s) if (0.0..2.5).contains(&s) => Status::ModerateProgress,
            Some(s) if (-2.5..0.0).contains(&s) => Status::LimitedProgress,
            Some(s) if (-5.0..-2.5).contains(&s) => Status::Deterioration,
            _ => Status::NotAvailable,
        }
    }
}

/// Progress-value thresholds: at or above `high` is substantial, at or above `med` moderate,
/// at or above `low` limited, below `low` deterioration.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Thresholds {
    pub high: f64,
    pub med: f64,
    pub low: f64,
}

impl Thresholds {
    /// For the ratio of observed to required growth (a target is given).
    pub const WITH_TARGET: Thresholds = Thresholds {
        high: 0.95,
        med: 0.6,
        low: 0.0,
    };
    /// For the observed growth itself (no target).
    pub const WITHOUT_TARGET: Thresholds = Thresholds {
        high: 0.015,
        med: 0.005,
        low: 0.0,
    };
}

/// How to measure one series. `Config::new` gives the reference code's defaults.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Config {
    pub target: Option<f64>,
    pub target_year: i32,
    pub base_year: i32,
    pub direction: Direction,
    /// A natural limit (such as 0 % or 100 %) the series cannot pass; used without a target.
    pub limit: Option<f64>,
    /// Replaces the default thresholds of the method in use.
    pub thresholds: Option<Thresholds>,
}

impl Config {
    pub fn new(direction: Direction) -> Self {
        Config {
            target: None,
            target_year: 2030,
            base_year: 2015,
            direction,
            limit: None,
            thresholds: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Observed growth judged on its own (methodology 1).
    WithoutTarget,
    /// Observed growth as a share of the growth required (methodology 2).
    WithTarget,
}

/// The result for one series, with every intermediate value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeriesProgress {
    pub status: Status,
    pub score: Option<f64>,
    pub method: Method,
    pub base_year: Option<i32>,
    pub base_value: Option<f64>,
    pub current_year: Option<i32>,
    pub current_value: Option<f64>,
    pub target: Option<f64>,
    pub target_year: i32,
    pub direction: Direction,
    /// Observed compound annual growth rate from base to current.
    pub observed_growth: Option<f64>,
    /// Compound annual growth rate required from base to target (with a target).
    pub required_growth: Option<f64>,
    /// What the thresholds are applied to: the growth ratio (with a target) or the signed
    /// observed growth (without one).
    pub progress_value: Option<f64>,
    /// The thresholds applied, already scaled near a limit.
    pub thresholds: Thresholds,
    /// The scaling factor near a limit, when a limit was given.
    pub limit_coefficient: Option<f64>,
    pub target_achieved: bool,
    /// Why a value was adjusted or could not be computed, where the reference code warns.
    pub caveats: Vec<Caveat>,
}

/// A warning of the reference code, as a fact: what was adjusted or why nothing could be
/// computed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Caveat {
    NoValues,
    NoValueFromBaseYear {
        base_year: i32,
    },
    BaseBelowMinimum {
        base: f64,
        limit: f64,
    },
    BaseAboveMaximum {
        base: f64,
        limit: f64,
    },
    LimitIgnored,
    ZeroTarget,
    ZeroBase,
    SignChange {
        base: f64,
        current: f64,
    },
    TooFewYears,
    NoGrowthPath {
        base: f64,
        base_year: i32,
        target: f64,
        target_year: i32,
    },
}

/// `((v1 / v2) ^ (1 / (t1 − t2))) − 1`, or `None` where the reference code would fail
/// (a zero span, a zero or sign-changing ratio).
fn growth(v1: f64, v2: f64, t1: i32, t2: i32) -> Option<f64> {
    let ratio = v1 / v2;
    if t1 == t2 || !ratio.is_finite() || ratio < 0.0 {
        return None;
    }
    Some(ratio.powf(1.0 / f64::from(t1 - t2)) - 1.0)
}

/// Measures one series. Errors only on a malformed series (a year given twice); missing or
/// insufficient data gives `Status::NotAvailable` with the reason in `caveats`.
pub fn series_progress(
    observations: &[Observation],
    config: &Config,
) -> Result<SeriesProgress, SeriesError> {
    Ok(measure_clean(&clean(observations)?, config))
}

/// `series_progress` for observations already in year order, each year once, all finite.
pub(crate) fn measure_clean(obs: &[Observation], config: &Config) -> SeriesProgress {
    let mut caveats = Vec::new();
    let target = config.target.map(|t| {
        if t == 0.0 {
            caveats.push(Caveat::ZeroTarget);
            0.001
        } else {
            t
        }
    });
    let method = if target.is_some() {
        Method::WithTarget
    } else {
        Method::WithoutTarget
    };
    let direction = match config.direction {
        Direction::Increase => 1.0,
        Direction::Decrease => -1.0,
    };
    let mut out = SeriesProgress {
        status: Status::NotAvailable,
        score: None,
        method,
        base_year: None,
        base_value: None,
        current_year: None,
        current_value: None,
        target,
        target_year: config.target_year,
        direction: config.direction,
        observed_growth: None,
        required_growth: None,
        progress_value: None,
        thresholds: config.thresholds.unwrap_or(match method {
            Method::WithTarget => Thresholds::WITH_TARGET,
            Method::WithoutTarget => Thresholds::WITHOUT_TARGET,
        }),
        limit_coefficient: None,
        target_achieved: false,
        caveats,
    };
    let (Some(current), Some(base)) =
        (obs.last().copied(), base_observation(obs, config.base_year))
    else {
        out.caveats.push(if obs.is_empty() {
            Caveat::NoValues
        } else {
            Caveat::NoValueFromBaseYear {
                base_year: config.base_year,
            }
        });
        return out;
    };
    out.current_year = Some(current.year);
    out.current_value = Some(current.value);
    out.base_year = Some(base.year);
    out.base_value = Some(base.value);
    let sign = if base.value < 0.0 { -1.0 } else { 1.0 };

    if method == Method::WithoutTarget {
        if let Some(limit) = config.limit {
            if base.value < limit && direction < 0.0 {
                out.caveats.push(Caveat::BaseBelowMinimum {
                    base: base.value,
                    limit,
                });
            }
            if base.value > limit && direction > 0.0 {
                out.caveats.push(Caveat::BaseAboveMaximum {
                    base: base.value,
                    limit,
                });
            }
            let (b, l) = (base.value.abs(), limit.abs());
            const A: f64 = 4.44;
            let coeff = if b >= 2.0 * l {
                1.0
            } else if b <= l {
                1.0 - (b / l).powf(A)
            } else {
                1.0 - ((2.0 * l - b) / l).powf(A)
            };
            out.thresholds.high *= coeff;
            out.thresholds.med *= coeff;
            out.thresholds.low *= coeff;
            out.limit_coefficient = Some(coeff);
        }
    } else if config.limit.is_some() {
        out.caveats.push(Caveat::LimitIgnored);
    }

    out.target_achieved = target.is_some_and(|t| {
        (direction < 0.0 && current.value <= t) || (direction > 0.0 && current.value >= t)
    });
    out.progress_value = progress_value(&mut out, sign, direction);
    out.status = if out.target_achieved {
        Status::TargetAchieved
    } else {
        status_of(out.progress_value, &out.thresholds)
    };
    out.score = score(&out);
    out
}

/// `calculate_progress_value` and the two methodologies; records why it gives up.
fn progress_value(out: &mut SeriesProgress, sign: f64, direction: f64) -> Option<f64> {
    let (Some(by), Some(mut bv), Some(cy), Some(cv)) = (
        out.base_year,
        out.base_value,
        out.current_year,
        out.current_value,
    ) else {
        return None;
    };
    if bv == 0.0 {
        out.caveats.push(Caveat::ZeroBase);
        bv = 0.001;
        out.base_value = Some(bv);
    }
    if (bv > 0.0 && cv < 0.0) || (bv < 0.0 && cv > 0.0) {
        out.caveats.push(Caveat::SignChange {
            base: bv,
            current: cv,
        });
        return None;
    }
    if cy - by < 1 {
        out.caveats.push(Caveat::TooFewYears);
        return None;
    }
    let observed = growth(cv, bv, cy, by)?;
    out.observed_growth = Some(observed);
    match out.target {
        None => Some(sign * direction * observed),
        Some(t) => {
            let Some(required) = growth(t, bv, out.target_year, by).filter(|r| *r != 0.0) else {
                out.caveats.push(Caveat::NoGrowthPath {
                    base: bv,
                    base_year: by,
                    target: t,
                    target_year: out.target_year,
                });
                return None;
            };
            out.required_growth = Some(required);
            Some(sign * direction * observed / required.abs())
        }
    }
}

fn status_of(value: Option<f64>, t: &Thresholds) -> Status {
    match value {
        Some(v) if v >= t.high => Status::SubstantialProgress,
        Some(v) if v >= t.med => Status::ModerateProgress,
        Some(v) if v >= t.low => Status::LimitedProgress,
        Some(_) => Status::Deterioration,
        None => Status::NotAvailable,
    }
}

/// `get_score`: the −5…+5 score. Its lines are fixed to the default thresholds, as in the
/// reference code, even when other thresholds are configured.
fn score(out: &SeriesProgress) -> Option<f64> {
    if out.target_achieved {
        return Some(5.0);
    }
    let v = out.progress_value?;
    let t = &out.thresholds;
    Some(match out.method {
        Method::WithoutTarget => {
            let coeff = out.limit_coefficient.unwrap_or(1.0);
            if v < t.low {
                (125.0 * v - 2.5).max(-5.0)
            } else if coeff == 0.0 {
                5.0
            } else if v >= t.high {
                (500.0 * v / coeff - 5.0).min(5.0)
            } else if v >= t.med {
                250.0 * v / coeff - 1.25
            } else {
                500.0 * v / coeff - 2.5
            }
        }
        Method::WithTarget => {
            if v >= t.med {
                (7.1429 * v - 4.2857).min(5.0)
            } else {
                (4.1667 * v - 2.5).max(-5.0)
            }
        }
    })
}

/// Several series of one indicator: the mean of the available scores, and the status of that
/// mean; "target achieved" only when every scored series achieved its target.
pub fn combined(series: &[SeriesProgress]) -> (Option<f64>, Status) {
    let scored: Vec<&SeriesProgress> = series.iter().filter(|s| s.score.is_some()).collect();
    if scored.is_empty() {
        return (None, Status::NotAvailable);
    }
    let mean = scored.iter().filter_map(|s| s.score).sum::<f64>() / scored.len() as f64;
    let achieved = scored.iter().all(|s| s.target_achieved);
    (Some(mean), Status::from_score(Some(mean), achieved))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn obs(points: &[(i32, f64)]) -> Vec<Observation> {
        points
            .iter()
            .map(|&(year, value)| Observation { year, value })
            .collect()
    }

    fn with_target(target: f64, direction: Direction) -> Config {
        Config {
            target: Some(target),
            ..Config::new(direction)
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 5e-5
    }

    #[test]
    fn the_four_reference_cases() {
        let r = series_progress(
            &obs(&[(2015, 50.0), (2020, 60.0)]),
            &with_target(100.0, Direction::Increase),
        )
        .unwrap();
        assert_eq!(r.status, Status::ModerateProgress);
        assert!(close(r.score.unwrap(), 1.3232), "{:?}", r.score);

        let r = series_progress(
            &obs(&[(2015, 20.0), (2022, 18.0)]),
            &with_target(10.0, Direction::Decrease),
        )
        .unwrap();
        assert_eq!(r.status, Status::LimitedProgress);
        assert!(close(r.score.unwrap(), -1.1216), "{:?}", r.score);

        let r = series_progress(
            &obs(&[(2015, 100.0), (2020, 110.0)]),
            &Config::new(Direction::Increase),
        )
        .unwrap();
        assert_eq!(r.status, Status::SubstantialProgress);
        assert!(close(r.score.unwrap(), 4.6224), "{:?}", r.score);

        let r = series_progress(
            &obs(&[(2015, 40.0), (2021, 42.0)]),
            &Config::new(Direction::Decrease),
        )
        .unwrap();
        assert_eq!(r.status, Status::Deterioration);
        assert!(close(r.score.unwrap(), -3.5206), "{:?}", r.score);
    }

    #[test]
    fn intermediate_values() {
        let r = series_progress(
            &obs(&[(2015, 50.0), (2018, 55.0), (2020, 60.0)]),
            &with_target(100.0, Direction::Increase),
        )
        .unwrap();
        assert_eq!((r.base_year, r.current_year), (Some(2015), Some(2020)));
        assert!(close(r.observed_growth.unwrap(), 0.037137));
        assert!(close(r.required_growth.unwrap(), 0.047294));
        assert!(close(r.progress_value.unwrap(), 0.785241));
        assert_eq!(r.status, Status::ModerateProgress);
        assert!(close(r.score.unwrap(), 1.3232), "{:?}", r.score);
    }

    /// With a target, a ratio exactly on a threshold takes the higher status. The series are
    /// built so the observed growth is the required growth times the ratio.
    #[test]
    fn with_target_status_boundaries() {
        let required = (2.0f64).powf(1.0 / 15.0) - 1.0; // 50 → 100 over 2015–2030
        let at = |ratio: f64| {
            let current = 50.0 * (1.0 + ratio * required).powi(5);
            series_progress(
                &obs(&[(2015, 50.0), (2020, current)]),
                &with_target(100.0, Direction::Increase),
            )
            .unwrap()
        };
        assert_eq!(at(0.95 + 1e-9).status, Status::SubstantialProgress);
        assert_eq!(at(0.95 - 1e-6).status, Status::ModerateProgress);
        assert_eq!(at(0.60 + 1e-9).status, Status::ModerateProgress);
        assert_eq!(at(0.60 - 1e-6).status, Status::LimitedProgress);
        assert_eq!(at(1e-9).status, Status::LimitedProgress);
        assert_eq!(at(-1e-6).status, Status::Deterioration);
        // Scores on the fixed lines: 7.1429x − 4.2857 above 0.6, 4.1667x − 2.5 below.
        assert!(close(at(0.8).score.unwrap(), 7.1429 * 0.8 - 4.2857));
        assert!(close(at(0.3).score.unwrap(), 4.1667 * 0.3 - 2.5));
        assert_eq!(at(-2.0).score, Some(-5.0));
        // Reaching the target beats every ratio.
        let done = series_progress(
            &obs(&[(2015, 50.0), (2020, 100.0)]),
            &with_target(100.0, Direction::Increase),
        )
        .unwrap();
        assert_eq!(
            (done.status, done.score),
            (Status::TargetAchieved, Some(5.0))
        );
    }

    #[test]
    fn without_target_status_boundaries() {
        let at = |cagr: f64| {
            let current = 100.0 * (1.0 + cagr).powi(4);
            series_progress(
                &obs(&[(2016, 100.0), (2020, current)]),
                &Config::new(Direction::Increase),
            )
            .unwrap()
        };
        assert_eq!(at(0.015 + 1e-9).status, Status::SubstantialProgress);
        assert_eq!(at(0.015 - 1e-7).status, Status::ModerateProgress);
        assert_eq!(at(0.005 + 1e-9).status, Status::ModerateProgress);
        assert_eq!(at(0.005 - 1e-7).status, Status::LimitedProgress);
        assert_eq!(at(1e-9).status, Status::LimitedProgress);
        assert_eq!(at(-1e-7).status, Status::Deterioration);
        assert!(close(at(0.01).score.unwrap(), 250.0 * 0.01 - 1.25));
        assert_eq!(at(0.05).score, Some(5.0));
        assert_eq!(at(-0.5).score, Some(-5.0));
    }

    #[test]
    fn limits_scale_the_thresholds() {
        // Base 90 approaching a limit of 100: coefficient 1 − 0.9^4.44.
        let mut c = Config::new(Direction::Increase);
        c.limit = Some(100.0);
        let r = series_progress(&obs(&[(2015, 90.0), (2020, 91.0)]), &c).unwrap();
        let coeff = 1.0 - 0.9f64.powf(4.44);
        assert!(close(r.limit_coefficient.unwrap(), coeff));
        assert!(close(r.thresholds.high, 0.015 * coeff));
        // 0.221 % a year lies between the scaled thresholds 0.187 % and 0.561 %.
        let cagr = (91.0f64 / 90.0).powf(0.2) - 1.0;
        assert_eq!(r.status, Status::ModerateProgress);
        assert!(close(r.score.unwrap(), 250.0 * cagr / coeff - 1.25));
        // Unscaled, the same growth would only be limited progress.
        c.limit = None;
        let r = series_progress(&obs(&[(2015, 90.0), (2020, 91.0)]), &c).unwrap();
        assert_eq!(r.status, Status::LimitedProgress);
        // Beyond twice the limit the thresholds stay as they are.
        c.limit = Some(10.0);
        let r = series_progress(&obs(&[(2015, 90.0), (2020, 91.0)]), &c).unwrap();
        assert_eq!(r.limit_coefficient, Some(1.0));
        assert_eq!(
            r.caveats,
            [Caveat::BaseAboveMaximum {
                base: 90.0,
                limit: 10.0
            }]
        );
        // With a target the limit is ignored, with a warning.
        c.target = Some(95.0);
        let r = series_progress(&obs(&[(2015, 90.0), (2020, 91.0)]), &c).unwrap();
        assert_eq!(r.limit_coefficient, None);
        assert_eq!(r.caveats, [Caveat::LimitIgnored]);
    }

    #[test]
    fn edge_cases_follow_the_reference_code() {
        // The base year falls forward to the next year with data.
        let r = series_progress(
            &obs(&[(2013, 1.0), (2017, 50.0), (2020, 60.0)]),
            &with_target(100.0, Direction::Increase),
        )
        .unwrap();
        assert_eq!(r.base_year, Some(2017));
        // A zero base value is taken as 0.001.
        let r = series_progress(
            &obs(&[(2015, 0.0), (2020, 5.0)]),
            &Config::new(Direction::Increase),
        )
        .unwrap();
        assert_eq!(r.base_value, Some(0.001));
        assert_eq!(r.status, Status::SubstantialProgress);
        // A zero target is taken as 0.001.
        let r = series_progress(
            &obs(&[(2015, 10.0), (2020, 5.0)]),
            &with_target(0.0, Direction::Decrease),
        )
        .unwrap();
        assert_eq!(r.target, Some(0.001));
        // Negative series: the sign flips the growth so improvement still scores up.
        let up = series_progress(
            &obs(&[(2015, -10.0), (2020, -5.0)]),
            &Config::new(Direction::Increase),
        )
        .unwrap();
        assert_eq!(up.status, Status::SubstantialProgress);
        // A change of sign cannot be measured.
        let r = series_progress(
            &obs(&[(2015, -10.0), (2020, 5.0)]),
            &Config::new(Direction::Increase),
        )
        .unwrap();
        assert_eq!(r.status, Status::NotAvailable);
        assert_eq!(
            r.caveats,
            [Caveat::SignChange {
                base: -10.0,
                current: 5.0
            }]
        );
        // One year of data is not enough, unless the target is already met.
        let r = series_progress(
            &obs(&[(2020, 60.0)]),
            &with_target(100.0, Direction::Increase),
        )
        .unwrap();
        assert_eq!((r.status, r.score), (Status::NotAvailable, None));
        let r = series_progress(
            &obs(&[(2020, 120.0)]),
            &with_target(100.0, Direction::Increase),
        )
        .unwrap();
        assert_eq!(r.status, Status::TargetAchieved);
        // No data in or after the base year.
        let r = series_progress(&obs(&[(2010, 1.0)]), &Config::new(Direction::Increase)).unwrap();
        assert_eq!(r.status, Status::NotAvailable);
        // Missing values are dropped; a year given twice is an error.
        let r = series_progress(
            &obs(&[(2015, f64::NAN), (2016, 50.0), (2020, 60.0)]),
            &Config::new(Direction::Increase),
        )
        .unwrap();
        assert_eq!(r.base_year, Some(2016));
        assert!(series_progress(
            &obs(&[(2015, 1.0), (2015, 2.0)]),
            &Config::new(Direction::Increase)
        )
        .is_err());
    }

    #[test]
    fn status_from_mean_score() {
        assert_eq!(
            Status::from_score(Some(2.5), false),
            Status::SubstantialProgress
        );
        assert_eq!(
            Status::from_score(Some(2.4999), false),
            Status::ModerateProgress
        );
        assert_eq!(
            Status::from_score(Some(0.0), false),
            Status::ModerateProgress
        );
        assert_eq!(
            Status::from_score(Some(-0.0001), false),
            Status::LimitedProgress
        );
        assert_eq!(
            Status::from_score(Some(-2.5), false),
            Status::LimitedProgress
        );
        assert_eq!(
            Status::from_score(Some(-2.5001), false),
            Status::Deterioration
        );
        assert_eq!(Status::from_score(None, false), Status::NotAvailable);
        assert_eq!(Status::from_score(Some(-5.0), true), Status::TargetAchieved);
        let a = series_progress(
            &obs(&[(2015, 50.0), (2020, 60.0)]),
            &with_target(100.0, Direction::Increase),
        )
        .unwrap();
        let b = series_progress(
            &obs(&[(2015, 40.0), (2021, 42.0)]),
            &Config::new(Direction::Decrease),
        )
        .unwrap();
        let (mean, status) = combined(&[a, b]);
        assert!(close(mean.unwrap(), (1.323199 - 3.520606) / 2.0));
        assert_eq!(status, Status::LimitedProgress);
    }

    proptest! {
        /// Moving the latest value in the desired direction never lowers the status or score.
        #[test]
        fn improving_the_latest_value_never_worsens(
            base in 1.0f64..1000.0,
            first in 0.1f64..10.0,
            step in 0.0f64..5.0,
            target in prop::option::of(1.0f64..2000.0),
            years in 1i32..15,
            increase in any::<bool>(),
            limit in prop::option::of(1.0f64..2000.0),
        ) {
            let direction = if increase { Direction::Increase } else { Direction::Decrease };
            let config = Config { target, limit, ..Config::new(direction) };
            let worse = base * first;
            let better = if increase { worse * (1.0 + step) } else { worse / (1.0 + step) };
            let series = |v: f64| obs(&[(2015, base), (2015 + years, v)]);
            let a = series_progress(&series(worse), &config).unwrap();
            let b = series_progress(&series(better), &config).unwrap();
            prop_assert!(b.status >= a.status, "{:?} then {:?}", a.status, b.status);
            prop_assert!(b.score.unwrap() >= a.score.unwrap() - 1e-9);
            prop_assert!((-5.0..=5.0).contains(&b.score.unwrap()));
        }
    }
}
