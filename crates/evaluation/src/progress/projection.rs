//! Where the series will be at the deadline if it goes on as it has: a least-squares line
//! weighted towards recent observations, projected to the target year, and the gap left to the
//! target relative to the change required (UN ESCAP's "anticipated progress").

use serde::Serialize;
use tiendo_domain::targets::Direction;

use super::trajectory::{Course, Pace};
use super::{base_observation, clean, Observation, SeriesError};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Projection {
    pub status: Course,
    pub base_year: Option<i32>,
    pub base_value: Option<f64>,
    pub target: f64,
    pub target_year: i32,
    /// Slope of the fitted line, per year.
    pub slope: Option<f64>,
    pub projected_value: Option<f64>,
    /// Share of the required change the projection reaches by the target year.
    pub anticipated_share: Option<f64>,
    /// Part of the required change still missing at the target year (≤ 0 when reached).
    pub gap: Option<f64>,
    pub observations_used: usize,
}

/// Fits `value = a + b·year` to the observations from the base year on, weighting the i-th
/// of them by i (the latest counts most), and projects it to `target_year`.
pub fn projection(
    observations: &[Observation],
    target: f64,
    target_year: i32,
    base_year: i32,
    direction: Direction,
    pace: Pace,
) -> Result<Projection, SeriesError> {
    let obs = clean(observations)?;
    let mut out = Projection {
        status: Course::NotAvailable,
        base_year: None,
        base_value: None,
        target,
        target_year,
        slope: None,
        projected_value: None,
        anticipated_share: None,
        gap: None,
        observations_used: 0,
    };
    let Some(base) = base_observation(&obs, base_year) else {
        return Ok(out);
    };
    out.base_year = Some(base.year);
    out.base_value = Some(base.value);
    let used: Vec<Observation> = obs.into_iter().filter(|o| o.year >= base.year).collect();
    out.observations_used = used.len();
    let required = target - base.value;
    if used.len() < 2 || required == 0.0 {
        return Ok(out);
    }
    let (mut sw, mut sx, mut sy) = (0.0, 0.0, 0.0);
    for (i, o) in used.iter().enumerate() {
        let w = (i + 1) as f64;
        sw += w;
        sx += w * f64::from(o.year);
        sy += w * o.value;
    }
    let (mx, my) = (sx / sw, sy / sw);
    let (mut sxx, mut sxy) = (0.0, 0.0);
    for (i, o) in used.iter().enumerate() {
        let w = (i + 1) as f64;
        let dx = f64::from(o.year) - mx;
        sxx += w * dx * dx;
        sxy += w * dx * (o.value - my);
    }
    let slope = sxy / sxx;
    let projected = my + slope * (f64::from(target_year) - mx);
    let share = (projected - base.value) / required;
    out.slope = Some(slope);
    out.projected_value = Some(projected);
    out.anticipated_share = Some(share);
    out.gap = Some(1.0 - share);
    let reaches = match direction {
        Direction::Increase => projected >= target,
        Direction::Decrease => projected <= target,
    };
    out.status = if reaches || share >= pace.on_track {
        Course::OnTrack
    } else if share >= pace.at_risk {
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

    fn series(points: &[(i32, f64)]) -> Vec<Observation> {
        points
            .iter()
            .map(|&(year, value)| Observation { year, value })
            .collect()
    }

    #[test]
    fn a_straight_line_projects_exactly() {
        let s = series(&[(2020, 10.0), (2021, 12.0), (2022, 14.0), (2023, 16.0)]);
        let p = projection(&s, 30.0, 2030, 2020, Direction::Increase, Pace::default()).unwrap();
        assert!((p.slope.unwrap() - 2.0).abs() < 1e-12);
        assert!((p.projected_value.unwrap() - 30.0).abs() < 1e-9);
        assert_eq!(p.status, Course::OnTrack);
        let p = projection(&s, 40.0, 2030, 2020, Direction::Increase, Pace::default()).unwrap();
        // Reaches 30 of the 10 → 40 change: two thirds.
        assert!((p.anticipated_share.unwrap() - 2.0 / 3.0).abs() < 1e-9);
        assert_eq!(p.status, Course::AtRisk);
        let p = projection(&s, 100.0, 2030, 2020, Direction::Increase, Pace::default()).unwrap();
        assert_eq!(p.status, Course::OffTrack);
    }

    /// A straight line from 10 in 2020 rising `slope` a year reaches 10 + 10·slope in 2030:
    /// against 30, the share of the required change is slope / 2.
    #[test]
    fn status_boundaries() {
        let at = |slope: f64| {
            let s: Vec<Observation> = (0..4)
                .map(|k| Observation {
                    year: 2020 + k,
                    value: 10.0 + slope * f64::from(k),
                })
                .collect();
            projection(&s, 30.0, 2030, 2020, Direction::Increase, Pace::default())
                .unwrap()
                .status
        };
        assert_eq!(at(1.9 + 1e-6), Course::OnTrack, "share 0.95");
        assert_eq!(at(1.9 - 1e-6), Course::AtRisk);
        assert_eq!(at(1.2 + 1e-6), Course::AtRisk, "share 0.60");
        assert_eq!(at(1.2 - 1e-6), Course::OffTrack);
        assert_eq!(at(2.5), Course::OnTrack, "past the target");
        assert_eq!(at(-1.0), Course::OffTrack);
    }

    #[test]
    fn recent_observations_weigh_more() {
        // Flat, then rising: the weighted slope follows the recent rise more than an
        // unweighted fit (0.9 a year) would.
        let s = series(&[(2020, 10.0), (2021, 10.0), (2022, 10.0), (2023, 13.0)]);
        let p = projection(&s, 30.0, 2030, 2020, Direction::Increase, Pace::default()).unwrap();
        assert!(p.slope.unwrap() > 0.9, "{:?}", p.slope);
    }

    #[test]
    fn too_little_data_is_not_available() {
        let p = projection(
            &series(&[(2020, 10.0)]),
            30.0,
            2030,
            2020,
            Direction::Increase,
            Pace::default(),
        )
        .unwrap();
        assert_eq!(p.status, Course::NotAvailable);
    }

    proptest! {
        #[test]
        fn improving_the_latest_value_never_worsens(v in 0.0f64..100.0, up in 0.0f64..50.0) {
            let s = |last: f64| series(&[(2020, 10.0), (2022, 20.0), (2024, last)]);
            let a = projection(&s(v), 60.0, 2030, 2020, Direction::Increase, Pace::default()).unwrap();
            let b = projection(&s(v + up), 60.0, 2030, 2020, Direction::Increase, Pace::default()).unwrap();
            prop_assert!(b.status >= a.status);
        }
    }
}
