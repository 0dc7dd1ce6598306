//! Skew-Fit's skew: sample the states seen in proportion to q̂(x)^α, α < 0, so that the states
//! the VAE finds rare are drawn (as VAE training images and as goals) more often than they
//! were seen. α = 0 draws every state as often as it was seen: that is RIG.

/// Sampling weights, summing to 1, for states whose estimated log densities are `log_density`:
/// wᵢ ∝ exp(α · log q̂(xᵢ)).
///
/// Computed in log space with the largest exponent subtracted, so densities hundreds of nats
/// apart (the VAE's summed pixel likelihoods are) neither overflow nor all underflow.
///
/// ```
/// use byfeel_agents::skewfit::skew_weights;
/// // Three common states and one rare one: with α = −1 the rare one is drawn most.
/// let w = skew_weights(&[-10.0, -10.0, -10.0, -12.0], -1.0).unwrap();
/// assert!(w[3] > w[0]);
/// // α = 0 (RIG) draws each as often as it was seen.
/// assert_eq!(skew_weights(&[-10.0, -12.0], 0.0).unwrap(), vec![0.5, 0.5]);
/// ```
pub fn skew_weights(log_density: &[f64], alpha: f64) -> Result<Vec<f64>, String> {
    if log_density.is_empty() {
        return Err("no states to weight".into());
    }
    if !alpha.is_finite() || alpha > 0.0 {
        return Err(format!(
            "the skew α must be finite and at most 0 (−1 … 0; 0 is RIG), not {alpha}"
        ));
    }
    if let Some(i) = log_density.iter().position(|v| !v.is_finite()) {
        return Err(format!(
            "state {i}'s log density is {}: the VAE's estimate diverged",
            log_density[i]
        ));
    }
    let exponents: Vec<f64> = log_density.iter().map(|&l| alpha * l).collect();
    let top = exponents.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let raw: Vec<f64> = exponents.iter().map(|&e| (e - top).exp()).collect();
    let total: f64 = raw.iter().sum();
    Ok(raw.into_iter().map(|w| w / total).collect())
}

/// How evenly weights spread over the states, as the entropy of the weights divided by the
/// entropy of uniform weights (1: uniform; near 0: a few states take everything). A cheap check
/// that a skew has not collapsed onto a handful of outliers.
pub fn weight_evenness(weights: &[f64]) -> f64 {
    if weights.len() < 2 {
        return 1.0;
    }
    let h: f64 = weights
        .iter()
        .filter(|&&w| w > 0.0)
        .map(|&w| -w * w.ln())
        .sum();
    // `+ 0.0` turns the −0 of a single occupied bin into 0.
    h / (weights.len() as f64).ln() + 0.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rare_states_gain_weight_and_alpha_sets_how_much() {
        // 90 common states (high density) and 10 rare ones.
        let log_q: Vec<f64> = (0..100)
            .map(|i| if i < 90 { -100.0 } else { -103.0 })
            .collect();
        let share_of_rare =
            |alpha| -> f64 { skew_weights(&log_q, alpha).unwrap()[90..].iter().sum() };
        let (rig, half, full) = (share_of_rare(0.0), share_of_rare(-0.5), share_of_rare(-1.0));
        assert!(
            (rig - 0.1).abs() < 1e-12,
            "α = 0 keeps the seen share: {rig}"
        );
        assert!(half > 0.3 && full > half, "{rig} {half} {full}");
        // exp(1.5) ≈ 4.48 times the weight each: 10·4.48 / (90 + 10·4.48).
        assert!((half - 44.817 / 134.817).abs() < 1e-3, "{half}");
    }

    #[test]
    fn densities_far_apart_stay_finite() {
        let w = skew_weights(&[-20000.0, -10.0, -5000.0], -1.0).unwrap();
        assert!(w.iter().all(|v| v.is_finite()));
        assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!(w[0] > 0.999);
    }

    #[test]
    fn bad_input_is_refused_with_the_reason() {
        assert!(skew_weights(&[], -0.5).unwrap_err().contains("no states"));
        assert!(skew_weights(&[1.0], 0.5).unwrap_err().contains("at most 0"));
        assert!(
            skew_weights(&[1.0, f64::NAN], -0.5)
                .unwrap_err()
                .contains("state 1")
        );
    }

    #[test]
    fn evenness_is_one_for_uniform_and_small_for_a_spike() {
        assert!((weight_evenness(&[0.25; 4]) - 1.0).abs() < 1e-12);
        assert!(weight_evenness(&[0.997, 0.001, 0.001, 0.001]) < 0.05);
    }
}
