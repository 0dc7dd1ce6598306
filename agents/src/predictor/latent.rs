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

    /// The same context and action are followed by a bright left half or a bright right half,
    /// at random. Trained on that, the deterministic model predicts the grey average of the
    /// two; with a latent, a draw from the prior predicts one of them.
    #[test]
    fn a_latent_predicts_one_future_where_the_mean_is_a_blur() {
        use crate::predictor::PredictorConfig;
        use burn::optim::{AdamConfig, GradientsParams};
        let (h, w, b) = (16, 16, 16);
        let device = Device::default().autodiff();
        let half = |left: bool| -> Vec<f32> {
            (0..3 * h * w)
                .map(|i| ((i % w < w / 2) == left) as u8 as f32)
                .collect()
        };
        let batch = |rng: &mut rand_chacha::ChaCha8Rng| {
            let targets: Vec<f32> = (0..b).flat_map(|_| half(rng.random::<bool>())).collect();
            (
                Tensor::<5>::full([b, 2, 3, h, w], 0.5, &device),
                Tensor::<3>::ones([b, 1, 3], &device),
                Tensor::<5>::from_data(TensorData::new(targets, [b, 1, 3, h, w]), &device),
            )
        };
        let blur_of = |latent: usize| -> f32 {
            let config = PredictorConfig {
                context: 2,
                height: h,
                width: w,
                latent,
                ..PredictorConfig::tactile()
            };
            let mut model = config.init(&device);
            let mut optimizer = AdamConfig::new().init();
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
            for _ in 0..300 {
                let (context, actions, targets) = batch(&mut rng);
                let noise = standard_normal(&mut rng, [b, latent], &device);
                let (predicted, kl) = model.forward_train(context, actions, targets.clone(), noise);
                let loss = (predicted - targets).square().mean() + kl.mul_scalar(1e-3);
                let grads = GradientsParams::from_grads(loss.backward(), &model);
                model = optimizer.step(3e-3, model, grads);
            }
            // How far the left and right halves of a prediction from the prior are from
            // each other: 1 for a sharp future, 0 for the blur.
            let (context, actions, _) = batch(&mut rng);
            let z = standard_normal(&mut rng, [b, latent], &device);
            let p = model
                .forward_with(context, actions, z, 1)
                .reshape([b, 3, h, w]);
            let left = p.clone().narrow(3, 0, w / 2).mean_dims(&[1, 2, 3]);
            let right = p.narrow(3, w / 2, w / 2).mean_dims(&[1, 2, 3]);
            1.0 - (left - right).abs().mean().into_scalar::<f32>()
        };
        let (deterministic, stochastic) = (blur_of(0), blur_of(4));
        eprintln!("blur: deterministic {deterministic:.2}, with a latent {stochastic:.2}");
        assert!(
            deterministic > 0.8,
            "the mean of two futures: {deterministic}"
        );
        assert!(stochastic < 0.5, "one future per draw: {stochastic}");
    }

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
