//! The classifier's losses and mixup.
//!
//! VICE's loss is the softmax cross-entropy over `[log π(a|s), f(s)]` (the classifier's
//! `p(s) / (p(s) + π(a|s))`): for label `y`, −y log σ(f − log π) − (1 − y) log σ(log π − f),
//! the binary cross-entropy of the logit `f − log π`. With `log π = 0` it is the plain binary
//! classifier's loss.

use burn::prelude::*;
use burn::tensor::activation::log_sigmoid;
use rand::Rng;
use rand::seq::SliceRandom;

/// Mean binary cross-entropy of `logits` against `labels` in [0, 1] (soft, after mixup).
pub fn binary_loss(logits: Tensor<1>, labels: Tensor<1>) -> Tensor<1> {
    let positive = log_sigmoid(logits.clone());
    let negative = log_sigmoid(logits.neg());
    let ones = labels.ones_like();
    (labels.clone() * positive + (ones - labels) * negative)
        .mean()
        .neg()
}

/// VICE's loss: [`binary_loss`] of `logits − log_pi`, where `log_pi` is the policy's
/// log-probability of a fresh action at each image's state.
pub fn vice_loss(logits: Tensor<1>, log_pi: Tensor<1>, labels: Tensor<1>) -> Tensor<1> {
    binary_loss(logits - log_pi, labels)
}

/// Mixes each image of a batch, and its label, with a shuffled copy of the batch:
/// `λ x + (1 − λ) x'`, `λ y + (1 − λ) y'`, one `λ ~ Beta(α, α)` per image (mixup, Zhang et al.
/// 2018; α = 1 in VICE's code). α = 0 leaves the batch as it is.
pub fn mixup(
    images: Tensor<4>,
    labels: Tensor<1>,
    alpha: f64,
    rng: &mut impl Rng,
) -> (Tensor<4>, Tensor<1>) {
    let [b, ..] = images.dims();
    if alpha <= 0.0 || b < 2 {
        return (images, labels);
    }
    let device = images.device();
    let mut order: Vec<i64> = (0..b as i64).collect();
    order.shuffle(rng);
    let order = Tensor::<1, Int>::from_ints(order.as_slice(), &device);
    let lambda: Vec<f32> = (0..b).map(|_| beta(alpha, rng) as f32).collect();
    let lambda = Tensor::<1>::from_floats(lambda.as_slice(), &device);
    let mix = |a: Tensor<1>, b: Tensor<1>, l: Tensor<1>| l.clone() * a + (l.ones_like() - l) * b;
    let mixed_labels = mix(
        labels.clone(),
        labels.select(0, order.clone()),
        lambda.clone(),
    );
    let l4: Tensor<4> = lambda.reshape([b as i32, 1, 1, 1]);
    let shuffled = images.clone().select(0, order);
    let mixed = l4.clone() * images + (l4.ones_like() - l4) * shuffled;
    (mixed, mixed_labels)
}

/// A draw from Beta(α, α): X / (X + Y) of two Gamma(α) draws.
pub fn beta(alpha: f64, rng: &mut impl Rng) -> f64 {
    let (x, y) = (gamma(alpha, rng), gamma(alpha, rng));
    if x + y > 0.0 { x / (x + y) } else { 0.5 }
}

/// A draw from Gamma(k, 1) (Marsaglia and Tsang 2000; k < 1 through Gamma(k + 1) · U^(1/k)).
fn gamma(k: f64, rng: &mut impl Rng) -> f64 {
    if k < 1.0 {
        let u: f64 = rng.random::<f64>().max(f64::MIN_POSITIVE);
        return gamma(k + 1.0, rng) * u.powf(1.0 / k);
    }
    let d = k - 1.0 / 3.0;
    let c = 1.0 / (9.0 * d).sqrt();
    loop {
        let z = normal(rng);
        let v = (1.0 + c * z).powi(3);
        if v <= 0.0 {
            continue;
        }
        let u: f64 = rng.random();
        if u.ln() < 0.5 * z * z + d - d * v + d * v.ln() {
            return d * v;
        }
    }
}

/// A standard normal draw (Box–Muller).
fn normal(rng: &mut impl Rng) -> f64 {
    let u: f64 = rng.random::<f64>().max(f64::MIN_POSITIVE);
    let v: f64 = rng.random();
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn beta_of_one_is_uniform_and_others_have_their_mean_and_spread() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        for alpha in [0.4, 1.0, 3.0] {
            let draws: Vec<f64> = (0..20_000).map(|_| beta(alpha, &mut rng)).collect();
            let mean = draws.iter().sum::<f64>() / draws.len() as f64;
            let var = draws.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / draws.len() as f64;
            // Beta(α, α): mean ½, variance 1 / (4 (2α + 1)).
            assert!((mean - 0.5).abs() < 0.01, "α {alpha}: mean {mean}");
            let want = 1.0 / (4.0 * (2.0 * alpha + 1.0));
            assert!(
                (var - want).abs() < 0.05 * want + 1e-3,
                "α {alpha}: var {var} vs {want}"
            );
            assert!(draws.iter().all(|x| (0.0..=1.0).contains(x)));
        }
    }

    #[test]
    fn the_binary_loss_is_the_cross_entropy() {
        let device = Device::default();
        let logits = Tensor::<1>::from_floats([0.0, 2.0, -1.0], &device);
        let labels = Tensor::<1>::from_floats([1.0, 0.0, 0.5], &device);
        let got: f32 = binary_loss(logits, labels).into_scalar();
        let s = |z: f64| 1.0 / (1.0 + (-z).exp());
        let want = -((s(0.0)).ln()
            + (1.0 - s(2.0)).ln()
            + 0.5 * s(-1.0).ln()
            + 0.5 * (1.0 - s(-1.0)).ln())
            / 3.0;
        assert!((got as f64 - want).abs() < 1e-5, "{got} vs {want}");
    }
}
