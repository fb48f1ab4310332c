//! The soft check of a value: it keeps the hard bounds ([`crate::admissibility`]) but departs
//! from the unit's own history more than that history makes likely. Such a value is not
//! refused: the reporter confirms it with a comment, and the reviewer sees it flagged.
//!
//! "Likely" is measured on the changes between consecutive earlier values, robustly (median
//! and median absolute deviation, as DHIS2's outlier analysis does), so one odd year in the
//! history does not hide the next. With too short a history, a change of more than half the
//! previous value is unusual.

use serde::Serialize;

/// The modified z-score beyond which a change is unusual (Iglewicz and Hoaglin's 3.5).
const MODIFIED_Z: f64 = 3.5;
/// With fewer earlier changes than this, the relative rule applies.
const MIN_CHANGES: usize = 3;
/// The relative rule: a change beyond this share of the previous value is unusual.
const RELATIVE: f64 = 0.5;

/// A new value whose change from the previous one is unusual for this unit and target.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct UnusualChange {
    pub previous: f64,
    pub value: f64,
    /// The largest change (from the usual one) that would not have been flagged.
    pub allowed: f64,
}

/// The median of values sorted in ascending order (none empty).
pub fn median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

/// The values in ascending order.
pub fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(f64::total_cmp);
    v
}

/// Whether `value` is an unusual next value after `history` (earlier values, oldest first).
/// `None` when there is no history, or the change is within what the history makes likely.
pub fn unusual_change(history: &[f64], value: f64) -> Option<UnusualChange> {
    let previous = *history.last()?;
    let change = value - previous;
    let changes: Vec<f64> = history.windows(2).map(|w| w[1] - w[0]).collect();
    let short = changes.len() < MIN_CHANGES;
    if previous == 0.0 && short {
        // Nothing to compare a first non-zero figure with.
        return None;
    }
    let (usual, allowed) = if !short {
        let changes = sorted(changes);
        let centre = median(&changes);
        let deviations = sorted(changes.iter().map(|c| (c - centre).abs()).collect());
        let mad = median(&deviations);
        // 0.6745 turns the MAD into a standard deviation's scale for normal data. A history
        // of identical changes has no spread: allow the relative margin instead of none.
        let spread = (MODIFIED_Z * mad / 0.6745).max(RELATIVE * 0.2 * previous.abs());
        (centre, spread)
    } else {
        (0.0, RELATIVE * previous.abs())
    };
    // Rounding in the figures themselves is never a change.
    let allowed = allowed.max(1e-9 * (1.0 + previous.abs() + usual.abs()));
    ((change - usual).abs() > allowed).then_some(UnusualChange {
        previous,
        value,
        allowed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_doubling_after_a_short_history_is_unusual() {
        assert!(unusual_change(&[40.0], 80.1).is_some());
        assert!(unusual_change(&[40.0], 55.0).is_none());
        assert!(unusual_change(&[], 1e9).is_none());
    }

    #[test]
    fn a_jump_against_a_steady_trend_is_unusual() {
        let history = [10.0, 12.0, 14.1, 15.9, 18.0];
        assert!(unusual_change(&history, 20.0).is_none());
        assert!(unusual_change(&history, 45.0).is_some());
        assert!(unusual_change(&history, 5.0).is_some());
    }

    #[test]
    fn one_odd_year_does_not_hide_the_next() {
        // A mean and standard deviation would be pulled wide by the one spike.
        let history = [50.0, 51.0, 52.0, 90.0, 53.0, 54.0, 55.0, 56.0];
        assert!(unusual_change(&history, 95.0).is_some());
    }

    proptest! {
        #[test]
        fn continuing_a_steady_history_is_never_unusual(
            start in -1e6f64..1e6, step in -1e3f64..1e3, n in 4usize..12,
        ) {
            let history: Vec<f64> = (0..n).map(|i| start + step * i as f64).collect();
            let next = start + step * n as f64;
            prop_assert!(unusual_change(&history, next).is_none());
        }

        #[test]
        fn the_check_does_not_depend_on_the_unit_of_measure(
            history in proptest::collection::vec(0.1f64..1e4, 1..10),
            value in 0.0f64..2e4, scale in 0.01f64..100.0,
        ) {
            let scaled: Vec<f64> = history.iter().map(|v| v * scale).collect();
            let a = unusual_change(&history, value).is_some();
            let b = unusual_change(&scaled, value * scale).is_some();
            // Away from the boundary, scaling every figure changes nothing.
            let near = unusual_change(&history, value).is_some_and(|u| {
                ((u.value - u.previous).abs() - u.allowed).abs() < 1e-6 * (1.0 + u.allowed)
            });
            prop_assert!(a == b || near);
        }
    }
}
