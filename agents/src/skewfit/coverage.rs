//! Exploration coverage: how evenly a set of door angles (the ones reached, or the ones of the
//! goals proposed) spreads over the hinge's range, as the entropy of a histogram over log of
//! its bin count (1: every bin equally often; 0: one bin).

use super::skew::weight_evenness;

/// Bins of the door-angle histogram that exploration coverage is the evenness of.
pub const ANGLE_BINS: usize = 20;
/// The door angles (rad) the histogram spans, from 0; the hinge stops at 1.047.
pub const ANGLE_RANGE: f64 = 1.05;

/// The histogram bin of a door angle; angles past either end count in the end bins.
pub fn angle_bin(angle: f64) -> usize {
    super::task::SkewFitTask::door().coverage.bin(angle)
}

/// The evenness of a histogram of counts or of summed weights; 0 for an empty one.
pub fn coverage(histogram: &[f64]) -> f64 {
    let total: f64 = histogram.iter().sum();
    if total <= 0.0 {
        return 0.0;
    }
    weight_evenness(&histogram.iter().map(|h| h / total).collect::<Vec<_>>())
}
