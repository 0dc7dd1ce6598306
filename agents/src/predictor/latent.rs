//! SV2P's stochastic latent: one random vector per sequence says which of the futures that the
//! context and actions allow is the one that happens.
//!
//! Why: a deterministic model trained on mean squared error predicts the *average* of the
//! futures it cannot tell apart. A die pushed under the gel either rolls or does not, over one
//! edge or another, and the average of those is a blur, which a pixel cost then prefers to any
//! sharp face. With a latent, training lets an inference network look at the frames that
//! really followed and pass a few numbers (`z`) to the predictor, paid for by their KL
//! divergence from a standard normal; planning draws `z` from that normal, one per candidate,
//! so each candidate is scored on one sharp, possible future instead of their blur.

use burn::nn::conv::Conv2d;
use burn::nn::{Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::relu;
use rand::Rng;

/// q(z | frames): each frame (context and what followed) encoded by two strided convolutions,
/// averaged over time, then a linear layer over the whole quarter-resolution map (not pooled
/// over space: where things are is most of what tells futures apart) to the mean and
/// log-variance of `z`.
#[derive(Module, Debug)]
pub struct Posterior {
    encode1: Conv2d,
    encode2: Conv2d,
    head: Linear,
}

impl Posterior {
    /// For `height` × `width` images (each divisible by 4).
    pub fn new(
        latent: usize,
        [c1, c2]: [usize; 2],
        (height, width): (usize, usize),
        device: &Device,
    ) -> Self {
        let (encode1, encode2) = super::model::quarter_encoder(3, [c1, c2], device);
        Self {
            encode1,
            encode2,
            head: LinearConfig::new(c2 * (height / 4) * (width / 4), 2 * latent).init(device),
        }
    }

    /// `frames` `[B, N, 3, H, W]` → (mean, log-variance), each `[B, latent]`.
    pub fn forward(&self, frames: Tensor<5>) -> (Tensor<2>, Tensor<2>) {
        let [b, n, c, h, w] = frames.dims();
        let features = relu(
            self.encode2
                .forward(relu(self.encode1.forward(frames.reshape([b * n, c, h, w])))),
        );
        let [_, f, fh, fw] = features.dims();
        let pooled = features
            .reshape([b, n, f * fh * fw])
            .mean_dim(1)
            .reshape([b, f * fh * fw]);
        let out = self.head.forward(pooled);
        let latent = out.dims()[1] / 2;
        // Bounded log-variance keeps exp() finite early in training.
        (
            out.clone().narrow(1, 0, latent),
            out.narrow(1, latent, latent).clamp(-8.0, 4.0),
        )
    }
}

/// KL(N(mean, exp(log_var)) ‖ N(0, 1)), summed over the latent and averaged over the batch.
pub fn kl_to_standard_normal(mean: Tensor<2>, log_var: Tensor<2>) -> Tensor<1> {
    let [b, _] = mean.dims();
    (mean.square() + log_var.clone().exp() - log_var - 1.0)
        .sum()
        .mul_scalar(0.5 / b as f32)
}

/// `[rows, cols]` standard normal draws from `rng` (so that training and planning repeat
/// exactly for a seed).
pub fn standard_normal(rng: &mut impl Rng, [rows, cols]: [usize; 2], device: &Device) -> Tensor<2> {
    let v: Vec<f32> = (0..rows * cols)
        .map(|_| {
            let u1: f32 = rng.random::<f32>().max(f32::MIN_POSITIVE);
            let u2: f32 = rng.random();
            (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos()
        })
        .collect();
    Tensor::<2>::from_data(TensorData::new(v, [rows, cols]), device)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn the_kl_is_zero_only_at_the_prior() {
        let device = Device::default();
        let zeros = Tensor::<2>::zeros([4, 3], &device);
        let at_prior: f32 = kl_to_standard_normal(zeros.clone(), zeros.clone()).into_scalar();
        assert!(at_prior.abs() < 1e-6, "{at_prior}");
        // A mean of 1 in each of 3 numbers: 0.5 · 3.
        let off: f32 = kl_to_standard_normal(zeros.clone().add_scalar(1.0), zeros).into_scalar();
        assert!((off - 1.5).abs() < 1e-5, "{off}");
    }

    #[test]
    fn draws_are_standard_normal_and_repeat_for_a_seed() {
        let device = Device::default();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let draws = standard_normal(&mut rng, [2000, 4], &device);
        let mean: f32 = draws.clone().mean().into_scalar();
        let var: f32 = draws.clone().square().mean().into_scalar();
        assert!(mean.abs() < 0.05 && (var - 1.0).abs() < 0.1, "{mean} {var}");
        let mut again = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let same = standard_normal(&mut again, [2000, 4], &device);
        let diff: f32 = (draws - same).abs().max().into_scalar();
        assert_eq!(diff, 0.0);
    }
}
