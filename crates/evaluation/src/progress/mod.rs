//! Progress of a time series towards a target, by three methods: Open SDG's compound-growth
//! method, a linear trajectory to the deadline, and a weighted projection to the deadline.

pub mod opensdg;
pub mod projection;
pub mod trajectory;

use serde::Serialize;

/// One observation of a yearly series.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Observation {
    pub year: i32,
    pub value: f64,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SeriesError {
    #[error("the series has {count} values for {year}; each year may appear once")]
    DuplicateYear { year: i32, count: usize },
}

/// Observations with finite values, in year order, each year once.
pub(crate) fn clean(observations: &[Observation]) -> Result<Vec<Observation>, SeriesError> {
    let mut obs: Vec<Observation> = observations
        .iter()
        .copied()
        .filter(|o| o.value.is_finite())
        .collect();
    obs.sort_by_key(|o| o.year);
    for w in obs.windows(2) {
        if w[0].year == w[1].year {
            let count = obs.iter().filter(|o| o.year == w[0].year).count();
            return Err(SeriesError::DuplicateYear {
                year: w[0].year,
                count,
            });
        }
    }
    Ok(obs)
}

/// The base observation: the one in `base_year`, or failing that the first one after it.
pub(crate) fn base_observation(obs: &[Observation], base_year: i32) -> Option<Observation> {
    obs.iter().find(|o| o.year >= base_year).copied()
}
