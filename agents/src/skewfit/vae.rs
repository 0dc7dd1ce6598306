//! The VAE of Skew-Fit (and RIG): 48 × 48 RGB images to a 16-number latent and back.
//!
//! The reference architecture, read from the paper's code: three unpadded convolutions
//! (kernels 5/3/3, channels 16/32/64, strides 3/2/2: 48 → 15 → 7 → 3), linear heads for the
//! mean and log-variance of `z`; the decoder mirrors it (a linear layer to 64 × 3 × 3, then
//! transposed convolutions 3 × 3 stride 2 → 32, 3 × 3 stride 2 → 16, 6 × 6 stride 3 → 3).
//! The decoder is a Gaussian with identity variance, so log p(x | z) is −½‖x − x̂‖² up to a
//! constant, summed over the image's 6912 numbers; β prices one nat of KL divergence in those
//! units. The paper's β = 20 was set against its code's reconstruction term (a mean, not a sum,
//! of squared errors); against this summed one it leaves the door's latent almost empty (1.4
//! nats; a linear read-out of the door angle from it has R² 0.22), so the default here is β = 1
//! (12 nats, R² 0.61), measured with `experiments/door_vae_probe.rs`.

use burn::nn::conv::{Conv2d, Conv2dConfig, ConvTranspose2d, ConvTranspose2dConfig};
use burn::nn::{Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::{relu, sigmoid};
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::predictor::latent::{kl_to_standard_normal, standard_normal};

/// Image side the reference architecture is built for.
pub const IMAGE_SIDE: usize = 48;

/// The per-number variance of p(x | z) in the density estimate: e, not 1. The paper's code
/// hands its "identity variance" decoder's parameters to the estimate as a log-variance of
/// ones, so each squared error is divided by 2e there. It matters: summed over 6912 numbers,
/// the estimates of a buffer's images spread over tens of nats, and the skew raises them to
/// the power α.
pub const DENSITY_DECODER_VARIANCE: f32 = std::f32::consts::E;
const FEATURES: [usize; 3] = [64, 3, 3];

/// The VAE's shape and loss; defaults are the door's in the paper.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VaeConfig {
    /// Numbers in the latent `z`.
    pub latent: usize,
    /// Weight of the KL term against ½ the summed squared pixel error (see the module docs for
    /// why 1 and not the paper's 20).
    pub beta: f64,
}

impl Default for VaeConfig {
    fn default() -> Self {
        Self {
            latent: 16,
            beta: 1.0,
        }
    }
}

impl VaeConfig {
    /// The settings in range, else an error naming the setting (`vae.…`).
    pub fn check(&self) -> Result<(), String> {
        if self.latent == 0 {
            return Err("vae.latent is 0: a VAE needs at least one latent number".into());
        }
        if !(self.beta.is_finite() && self.beta >= 0.0) {
            return Err(format!("vae.beta is {}: it must be 0 or more", self.beta));
        }
        Ok(())
    }

    /// A VAE of this shape with fresh weights, for 48 × 48 RGB images.
    pub fn init(&self, device: &Device) -> Vae {
        assert!(self.latent > 0, "a VAE needs at least one latent number");
        let flat = FEATURES.iter().product();
        let conv = |i, o, k, s| {
            Conv2dConfig::new([i, o], [k, k])
                .with_stride([s, s])
                .init(device)
        };
        let deconv = |i, o, k, s| {
            ConvTranspose2dConfig::new([i, o], [k, k])
                .with_stride([s, s])
                .init(device)
        };
        Vae {
            encode: [conv(3, 16, 5, 3), conv(16, 32, 3, 2), conv(32, 64, 3, 2)],
            mean: LinearConfig::new(flat, self.latent).init(device),
            log_var: LinearConfig::new(flat, self.latent).init(device),
            expand: LinearConfig::new(self.latent, flat).init(device),
            decode: [
                deconv(64, 32, 3, 2),
                deconv(32, 16, 3, 2),
                deconv(16, 3, 6, 3),
            ],
            beta: self.beta,
        }
    }
}

/// See the module docs. Images are `[batch, 3, 48, 48]` in [0, 1].
#[derive(Module, Debug)]
pub struct Vae {
    encode: [Conv2d; 3],
    mean: Linear,
    log_var: Linear,
    expand: Linear,
    decode: [ConvTranspose2d; 3],
    beta: f64,
}

/// One batch's loss and its parts (each a mean over the batch).
pub struct VaeLoss {
    /// −ELBO with the KL weighted by β: what training minimises.
    pub loss: Tensor<1>,
    /// ½ of the summed squared error of the reconstruction.
    pub reconstruction: Tensor<1>,
    /// KL divergence of q(z | x) from the standard normal prior, nats.
    pub kl: Tensor<1>,
}

impl Vae {
    /// q(z | x): the mean and log-variance of `z`, each `[B, latent]`.
    pub fn encode(&self, images: Tensor<4>) -> (Tensor<2>, Tensor<2>) {
        let [b, ..] = images.dims();
        let mut x = images;
        for conv in &self.encode {
            x = relu(conv.forward(x));
        }
        let flat = x.reshape([b, FEATURES.iter().product::<usize>()]);
        // Bounded log-variance keeps exp() finite early in training.
        (
            self.mean.forward(flat.clone()),
            self.log_var.forward(flat).clamp(-10.0, 4.0),
        )
    }

    /// The mean image of p(x | z), `[B, 3, 48, 48]`.
    pub fn decode(&self, z: Tensor<2>) -> Tensor<4> {
        let [b, _] = z.dims();
        let [c, h, w] = FEATURES;
        let mut x = relu(self.expand.forward(z)).reshape([b, c, h, w]);
        let last = self.decode.len() - 1;
        for (i, deconv) in self.decode.iter().enumerate() {
            x = deconv.forward(x);
            if i < last {
                x = relu(x);
            }
        }
        sigmoid(x)
    }

    /// The latent the policy sees and the reward is measured in: the posterior's mean.
    pub fn embed(&self, images: Tensor<4>) -> Tensor<2> {
        self.encode(images).0
    }

    /// Numbers in the latent `z`.
    pub fn latent_len(&self) -> usize {
        self.mean.weight.dims()[1]
    }

    /// The training loss, with `z` drawn through the reparameterisation from standard normal
    /// `noise` (`[B, latent]`).
    pub fn loss(&self, images: Tensor<4>, noise: Tensor<2>) -> VaeLoss {
        let [b, ..] = images.dims();
        let (mean, log_var) = self.encode(images.clone());
        let z = mean.clone() + log_var.clone().mul_scalar(0.5).exp() * noise;
        let reconstruction = (self.decode(z) - images)
            .square()
            .sum()
            .mul_scalar(0.5 / b as f32);
        let kl = kl_to_standard_normal(mean, log_var);
        VaeLoss {
            loss: reconstruction.clone() + kl.clone().mul_scalar(self.beta),
            reconstruction,
            kl,
        }
    }

    /// log q̂(x) for each image, from `samples` draws of q(z | x): the mean over draws of
    /// log p(z) + log p(x | z) − log q(z | x), as the paper's code estimates it, with p(x | z)'s
    /// variance [`DENSITY_DECODER_VARIANCE`] as there. (The log of the
    /// mean of the ratios would be the unbiased estimate of q̂ itself, but with log p(x | z)
    /// summed over 6912 numbers one lucky draw dominates it.) Constants common to every image
    /// are left out: they cancel in Skew-Fit's normalised weights. `[B]`.
    pub fn log_density(&self, images: Tensor<4>, samples: usize, rng: &mut impl Rng) -> Vec<f64> {
        let [b, c, h, w] = images.dims();
        let device = images.device();
        let (mean, log_var) = self.encode(images.clone());
        let d = self.latent_len();
        let k = samples.max(1);
        // Every image repeated k times, one draw each.
        let rep = |t: Tensor<2>| t.unsqueeze_dim::<3>(1).repeat_dim(1, k).reshape([b * k, d]);
        let (mean, log_var) = (rep(mean), rep(log_var));
        let eps = standard_normal(rng, [b * k, d], &device);
        let z = mean + log_var.clone().mul_scalar(0.5).exp() * eps.clone();
        let decoded = self.decode(z.clone());
        let x = images
            .unsqueeze_dim::<5>(1)
            .repeat_dim(1, k)
            .reshape([b * k, c, h, w]);
        let log_px_z = (decoded - x)
            .square()
            .sum_dim(3)
            .sum_dim(2)
            .sum_dim(1)
            .mul_scalar(-0.5 / DENSITY_DECODER_VARIANCE);
        let log_pz = z.square().sum_dim(1).mul_scalar(-0.5);
        let log_qz = (eps.square() + log_var).sum_dim(1).mul_scalar(-0.5);
        let terms: Vec<f32> = (log_px_z.reshape([b * k]) + log_pz.reshape([b * k])
            - log_qz.reshape([b * k]))
        .into_data()
        .try_to_vec::<f32>()
        .expect("f32 terms");
        terms
            .chunks(k)
            .map(|t| t.iter().map(|&v| v as f64).sum::<f64>() / k as f64)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_shapes_round_trip() {
        let device = Device::default();
        let vae = VaeConfig::default().init(&device);
        let images = Tensor::<4>::zeros([2, 3, IMAGE_SIDE, IMAGE_SIDE], &device);
        let (mean, log_var) = vae.encode(images.clone());
        assert_eq!(mean.dims(), [2, 16]);
        assert_eq!(log_var.dims(), [2, 16]);
        assert_eq!(vae.decode(mean).dims(), [2, 3, IMAGE_SIDE, IMAGE_SIDE]);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
        let log_q = vae.log_density(images, 10, &mut rng);
        assert_eq!(log_q.len(), 2);
        assert!(log_q.iter().all(|v| v.is_finite()), "{log_q:?}");
    }

    use rand::SeedableRng;
}
