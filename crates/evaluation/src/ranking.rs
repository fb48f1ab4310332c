//! Units ranked on one target: only the figures of the latest period any unit reported are
//! compared (a 2023 figure does not rank against 2024 ones), best first by the target's
//! direction, equal figures sharing a rank ("1, 2, 2, 4").

use tiendo_domain::periods::Period;
use tiendo_domain::targets::Direction;

/// The rank of each figure, in the order given: `Some` for the figures of the latest period,
/// `None` for older ones.
pub fn ranks(figures: &[(Period, f64)], direction: Direction) -> Vec<Option<usize>> {
    let Some(latest) = figures.iter().map(|(p, _)| *p).max() else {
        return Vec::new();
    };
    let better = |a: f64, b: f64| match direction {
        Direction::Increase => a > b,
        Direction::Decrease => a < b,
    };
    figures
        .iter()
        .map(|&(p, v)| {
            (p == latest).then(|| {
                1 + figures
                    .iter()
                    .filter(|&&(q, w)| q == latest && better(w, v))
                    .count()
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn y(year: i32) -> Period {
        format!("{year}").parse().unwrap()
    }

    #[test]
    fn the_latest_period_is_ranked_best_first_with_ties_sharing() {
        let figures = [
            (y(2024), 0.5),
            (y(2024), 0.7),
            (y(2023), 0.9),
            (y(2024), 0.5),
        ];
        assert_eq!(
            ranks(&figures, Direction::Increase),
            [Some(2), Some(1), None, Some(2)]
        );
        // A rank: lower is better.
        assert_eq!(
            ranks(&figures, Direction::Decrease),
            [Some(1), Some(3), None, Some(1)]
        );
        assert!(ranks(&[], Direction::Increase).is_empty());
    }

    proptest! {
        /// Ranks run from 1 to the number of figures compared; the best figure is first.
        #[test]
        fn ranks_are_between_one_and_the_count(values in proptest::collection::vec(-1e6f64..1e6, 1..40)) {
            let figures: Vec<(Period, f64)> = values.iter().map(|v| (y(2024), *v)).collect();
            let r = ranks(&figures, Direction::Increase);
            let n = figures.len();
            prop_assert!(r.iter().all(|x| x.is_some_and(|k| (1..=n).contains(&k))));
            let best = values.iter().cloned().fold(f64::MIN, f64::max);
            for (i, v) in values.iter().enumerate() {
                prop_assert_eq!(r[i] == Some(1), *v == best);
            }
        }
    }
}
