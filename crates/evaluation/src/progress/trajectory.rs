//! A linear trajectory from the baseline to the target: is the share of the required change
//! achieved keeping pace with the share of the time elapsed?

use serde::Serialize;
use tiendo_domain::targets::Direction;

use super::{base_observation, clean, Observation, SeriesError};

/// Whether a series is on course for its deadline, best first in reverse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Course {
    NotAvailable,
    OffTrack,
    AtRisk,
    OnTrack,
    TargetMet,
}

/// Pace thresholds: at or above `on_track` of the expected pace is on track, at or above
/// `at_risk` is at risk, below it off track.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Pace {
    pub on_track: f64,
    pub at_risk: f64,
}

impl Default for Pace {
    fn default() -> Self {
        Pace {
            on_track: 0.95,
            at_risk: 0.6,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trajectory {
    pub status: Course,
    pub base_year: Option<i32>,
    pub base_value: Option<f64>,
    pub current_year: Option<i32>,
    pub current_value: Option<f64>,
    pub target: f64,
    pub target_year: i32,
    /// Share of the change from base to target achieved so far.
    pub achieved_share: Option<f64>,
    /// Share of the time from base year to target year elapsed.
    pub elapsed_share: Option<f64>,
    /// `achieved_share / elapsed_share`: 1 means exactly on the line.
    pub pace: Option<f64>,
    /// The value the straight line expects in the current year.
    pub expected_value: Option<f64>,
}

/// Judges the latest value against the straight line from the base observation (the one in
/// `base_year` or the first after it) to `target` in `target_year`.
pub fn trajectory(
    observations: &[Observation],
    target: f64,
    target_year: i32,
    base_year: i32,
    direction: Direction,
    pace: Pace,
) -> Result<Trajectory, SeriesError> {
    let obs = clean(observations)?;
    let mut out = Trajectory {
        status: Course::NotAvailable,
        base_year: None,
        base_value: None,
        current_year: None,
        current_value: None,
        target,
        target_year,
        achieved_share: None,
        elapsed_share: None,
        pace: None,
        expected_value: None,
    };
    let (Some(base), Some(current)) = (base_observation(&obs, base_year), obs.last().copied())
    else {
        return Ok(out);
    };
    out.base_year = Some(base.year);
    out.base_value = Some(base.value);
    out.current_year = Some(current.year);
    out.current_value = Some(current.value);
    let met = match direction {
        Direction::Increase => current.value >= target,
        Direction::Decrease => current.value <= target,
    };
    if met {
        out.status = Course::TargetMet;
        return Ok(out);
    }
    let required = target - base.value;
    if target_year <= base.year || current.year <= base.year || required == 0.0 {
        return Ok(out);
    }
    let achieved = (current.value - base.value) / required;
    let elapsed = f64::from(current.year - base.year) / f64::from(target_year - base.year);
    let ratio = achieved / elapsed;
    out.achieved_share = Some(achieved);
    out.elapsed_share = Some(elapsed);
    out.pace = Some(ratio);
    out.expected_value = Some(base.value + required * elapsed);
    out.status = if ratio >= pace.on_track {
        Course::OnTrack
    } else if ratio >= pace.at_risk {
        Course::AtRisk
    } else {
        Course::OffTrack
    };
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn run(current: f64, year: i32) -> Trajectory {
        let obs = [
            Observation {
                year: 2020,
                value: 10.0,
            },
            Observation {
                year,
                value: current,
            },
        ];
        trajectory(&obs, 30.0, 2030, 2020, Direction::Increase, Pace::default()).unwrap()
    }

    #[test]
    fn pace_boundaries() {
        // Half the time gone (2025): the line expects 20.
        assert_eq!(run(20.0, 2025).status, Course::OnTrack);
        assert_eq!(run(10.0 + 20.0 * 0.5 * 0.95, 2025).status, Course::OnTrack);
        assert_eq!(
            run(10.0 + 20.0 * 0.5 * 0.95 - 1e-9, 2025).status,
            Course::AtRisk
        );
        assert_eq!(run(10.0 + 20.0 * 0.5 * 0.6, 2025).status, Course::AtRisk);
        assert_eq!(
            run(10.0 + 20.0 * 0.5 * 0.6 - 1e-9, 2025).status,
            Course::OffTrack
        );
        assert_eq!(run(9.0, 2025).status, Course::OffTrack);
        assert_eq!(run(30.0, 2025).status, Course::TargetMet);
        let t = run(16.0, 2025);
        assert_eq!(t.expected_value, Some(20.0));
        assert_eq!(t.status, Course::AtRisk);
        assert!((t.achieved_share.unwrap() - 0.3).abs() < 1e-12);
        assert_eq!(t.elapsed_share, Some(0.5));
    }

    #[test]
    fn decreasing_targets_and_missing_data() {
        let obs = [
            Observation {
                year: 2020,
                value: 20.0,
            },
            Observation {
                year: 2024,
                value: 17.0,
            },
        ];
        // 20 → 10 by 2030: 40% of the time gone, 30% achieved: pace 0.75.
        let t = trajectory(&obs, 10.0, 2030, 2020, Direction::Decrease, Pace::default()).unwrap();
        assert_eq!(t.status, Course::AtRisk);
        assert!((t.pace.unwrap() - 0.75).abs() < 1e-12);
        let one = [Observation {
            year: 2020,
            value: 20.0,
        }];
        let t = trajectory(&one, 10.0, 2030, 2020, Direction::Decrease, Pace::default()).unwrap();
        assert_eq!(t.status, Course::NotAvailable);
    }

    proptest! {
        #[test]
        fn improving_the_latest_value_never_worsens(v in -50.0f64..50.0, up in 0.0f64..20.0, year in 2021i32..2030) {
            prop_assert!(run(v + up, year).status >= run(v, year).status);
        }
    }
}
