//! An action-conditioned frame predictor: from a few context frames and a sequence of actions,
//! the frames the sensor will see next.
//!
//! The choice: a deterministic convolutional recurrent model in the SV2P/SAVP family, kept
//! small enough for CEM to push 200 candidate sequences through it every control step.
//! - The context frames, stacked along channels, are encoded (two strided convolutions) into a
//!   spatial state at a quarter of the resolution.
//! - Each action, tiled over that grid, updates the state through a residual two-convolution
//!   cell: the state is the model's memory of where things are and how they move.
//! - Each state is decoded (two transposed convolutions, with a skip connection from the
//!   encoder) into an RGB image and a compositing mask; the prediction is the mask's blend of
//!   that image with the last context frame. Most of a gel image (and of a camera image) does
//!   not change from step to step, and copying those pixels keeps them sharp — the role of
//!   SV2P's background pathway.
//! - With `warp` (SV2P's pixel-transformation layers, as a dense flow): the decoder also gives
//!   a displacement field, and the frame copied from is the last context frame resampled
//!   along it, so a face sliding under the gel moves sharp instead of fading into the
//!   generated, blurrier image. The flow is from the last context frame to each predicted
//!   frame (not from frame to frame), so the planner can still decode only the frames it
//!   scores.
//!
//! - With `latent` > 0 (SV2P's stochastic latent, see [`super::latent`]): a random vector per
//!   sequence, tiled over the grid beside each action, picks one of the futures the context
//!   and actions allow. Without it (`latent` 0) the model predicts their average.

use burn::nn::PaddingConfig2d;
use burn::nn::conv::{Conv2d, Conv2dConfig, ConvTranspose2d, ConvTranspose2dConfig};
use burn::prelude::*;
use burn::tensor::activation::{relu, sigmoid};
use serde::{Deserialize, Serialize};

use super::latent::{Posterior, kl_to_standard_normal};

/// The predictor's shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PredictorConfig {
    /// Frames the model sees before acting (2 for most tasks, 3 for the die in the paper).
    pub context: usize,
    /// Image size (height, width); both divisible by 4.
    pub height: usize,
    /// Image width, pixels.
    pub width: usize,
    /// Numbers in one action (Δxyz: 3).
    pub action_dim: usize,
    /// Channels of the first encoder layer and of the recurrent state.
    pub channels: [usize; 2],
    /// Copy from the last context frame through a predicted flow field (see the module docs);
    /// runs saved before this option existed have none.
    #[serde(default)]
    pub warp: bool,
    /// Numbers in the stochastic latent (0: a deterministic model, as runs saved before it).
    #[serde(default)]
    pub latent: usize,
}

impl PredictorConfig {
    /// The gel's 48 × 64 images, 3 context frames, Δxyz actions.
    pub fn tactile() -> Self {
        Self {
            context: 3,
            height: 48,
            width: 64,
            action_dim: 3,
            channels: [16, 32],
            warp: false,
            latent: 0,
        }
    }

    /// Says what is wrong with the shape: every size positive, both image sides divisible by 4.
    pub fn check(&self) -> Result<(), String> {
        if self.context == 0
            || self.action_dim == 0
            || self.height == 0
            || self.width == 0
            || self.height % 4 != 0
            || self.width % 4 != 0
            || self.channels.contains(&0)
        {
            return Err(format!(
                "predictor: context, action_dim and channels must be positive and the image size divisible by 4: {self:?}"
            ));
        }
        Ok(())
    }

    /// RGB, the compositing mask, and with `warp` the flow's two components.
    fn decoded_channels(&self) -> usize {
        if self.warp { 6 } else { 4 }
    }

    /// A predictor of this shape with fresh weights on `device`.
    pub fn init(&self, device: &Device) -> FramePredictor {
        let [c1, c2] = self.channels;
        let pad = |p| PaddingConfig2d::Explicit(p, p, p, p);
        let (encode1, encode2) = quarter_encoder(3 * self.context, self.channels, device);
        FramePredictor {
            encode1,
            encode2,
            step1: Conv2dConfig::new([c2 + self.action_dim + self.latent, c2], [3, 3])
                .with_padding(pad(1))
                .init(device),
            step2: Conv2dConfig::new([c2, c2], [3, 3])
                .with_padding(pad(1))
                .init(device),
            decode1: ConvTranspose2dConfig::new([c2, c1], [4, 4])
                .with_stride([2, 2])
                .with_padding([1, 1])
                .init(device),
            decode2: ConvTranspose2dConfig::new([2 * c1, self.decoded_channels()], [4, 4])
                .with_stride([2, 2])
                .with_padding([1, 1])
                .init(device),
            posterior: (self.latent > 0).then(|| {
                Posterior::new(
                    self.latent,
                    self.channels,
                    (self.height, self.width),
                    device,
                )
            }),
            latent: self.latent,
        }
    }
}

/// Two strided convolutions (5×5 then 3×3, stride 2 each) from `inputs` channels to a map at
/// a quarter of the resolution: the predictor's encoder, and its posterior's.
pub(super) fn quarter_encoder(
    inputs: usize,
    [c1, c2]: [usize; 2],
    device: &Device,
) -> (Conv2d, Conv2d) {
    let pad = |p| PaddingConfig2d::Explicit(p, p, p, p);
    (
        Conv2dConfig::new([inputs, c1], [5, 5])
            .with_stride([2, 2])
            .with_padding(pad(2))
            .init(device),
        Conv2dConfig::new([c1, c2], [3, 3])
            .with_stride([2, 2])
            .with_padding(pad(1))
            .init(device),
    )
}

/// See the module docs. Images are `[batch, time, 3, height, width]` in [0, 1].
#[derive(Module, Debug)]
pub struct FramePredictor {
    encode1: Conv2d,
    encode2: Conv2d,
    step1: Conv2d,
    step2: Conv2d,
    decode1: ConvTranspose2d,
    decode2: ConvTranspose2d,
    /// q(z | frames), with a stochastic latent.
    posterior: Option<Posterior>,
    latent: usize,
}

impl FramePredictor {
    /// Predicts one frame per action: `context` is `[B, K, 3, H, W]`, `actions` `[B, T, A]`;
    /// returns `[B, T, 3, H, W]`.
    pub fn forward(&self, context: Tensor<5>, actions: Tensor<3>) -> Tensor<5> {
        self.forward_every(context, actions, 1)
    }

    /// Like [`forward`](Self::forward), but decodes only every `every`-th frame (and the
    /// last): `[B, ceil(T / every), 3, H, W]`. Decoding is most of the cost, and a planner
    /// whose actions are held for `every` steps can score the frames where they change.
    ///
    /// A model with a stochastic latent predicts here with the prior's mean, `z` = 0.
    pub fn forward_every(&self, context: Tensor<5>, actions: Tensor<3>, every: usize) -> Tensor<5> {
        let z = Tensor::zeros([context.dims()[0], self.latent], &context.device());
        self.forward_with(context, actions, z, every)
    }

    /// Numbers in the stochastic latent (0 for a deterministic model).
    pub fn latent_len(&self) -> usize {
        self.latent
    }

    /// The training pass: with a stochastic latent, `z` is drawn from the posterior given the
    /// frames that really followed (`targets`, `[B, T, 3, H, W]`), using the standard normal
    /// `noise` (`[B, latent]`); returns the predictions and the KL divergence of the
    /// posterior from the prior (0 without a latent).
    pub fn forward_train(
        &self,
        context: Tensor<5>,
        actions: Tensor<3>,
        targets: Tensor<5>,
        noise: Tensor<2>,
    ) -> (Tensor<5>, Tensor<1>) {
        let Some(posterior) = &self.posterior else {
            let device = context.device();
            return (self.forward(context, actions), Tensor::zeros([1], &device));
        };
        let (mean, log_var) = posterior.forward(Tensor::cat(vec![context.clone(), targets], 1));
        let z = mean.clone() + log_var.clone().mul_scalar(0.5).exp() * noise;
        let predicted = self.forward_with(context, actions, z, 1);
        (predicted, kl_to_standard_normal(mean, log_var))
    }

    /// Predicts with latent `z` (`[B, latent]`; `[B, 0]` without one), decoding every
    /// `every`-th frame and the last.
    pub fn forward_with(
        &self,
        context: Tensor<5>,
        actions: Tensor<3>,
        z: Tensor<2>,
        every: usize,
    ) -> Tensor<5> {
        self.roll_out(&self.encode(context), actions, z, every)
    }

    /// What the model keeps of the context frames (`[B, K, 3, H, W]`): the recurrent state's
    /// start, the encoder's skip features and the last frame. A planner encodes its one
    /// context once and [`Encoded::repeat`]s it for every candidate.
    pub fn encode(&self, context: Tensor<5>) -> Encoded {
        let [b, k, _, h, w] = context.dims();
        let last = context.clone().narrow(1, k - 1, 1).reshape([b, 3, h, w]);
        let skip = relu(self.encode1.forward(context.reshape([b, k * 3, h, w])));
        let state = relu(self.encode2.forward(skip.clone()));
        Encoded { state, skip, last }
    }

    /// Steps the state through `actions` (`[B, T, A]`) from an encoded context, decoding every
    /// `every`-th frame and the last: `[B, ceil(T / every), 3, H, W]`.
    pub fn roll_out(
        &self,
        encoded: &Encoded,
        actions: Tensor<3>,
        z: Tensor<2>,
        every: usize,
    ) -> Tensor<5> {
        let every = every.max(1);
        let Encoded { state, skip, last } = encoded.clone();
        let mut state = state;
        let [b, _, h, w] = last.dims();
        let [_, t, a] = actions.dims();
        let l = self.latent;
        let [_, _, sh, sw] = state.dims();
        let mut frames = Vec::with_capacity(t);
        for step in 0..t {
            let mut action = actions
                .clone()
                .narrow(1, step, 1)
                .reshape([b, a, 1, 1])
                .expand([b, a, sh, sw]);
            if l > 0 {
                let z = z.clone().reshape([b, l, 1, 1]).expand([b, l, sh, sw]);
                action = Tensor::cat(vec![action, z], 1);
            }
            let update = relu(
                self.step1
                    .forward(Tensor::cat(vec![state.clone(), action], 1)),
            );
            state = state + self.step2.forward(update);
            if (step + 1) % every != 0 && step + 1 != t {
                continue;
            }
            let up = relu(self.decode1.forward(relu(state.clone())));
            let out = self.decode2.forward(Tensor::cat(vec![up, skip.clone()], 1));
            let rgb = sigmoid(out.clone().narrow(1, 0, 3));
            let mask = sigmoid(out.clone().narrow(1, 3, 1)).expand([b, 3, h, w]);
            let copied = if out.dims()[1] == 6 {
                warp(last.clone(), out.narrow(1, 4, 2))
            } else {
                last.clone()
            };
            let frame = mask.clone() * rgb + mask.neg().add_scalar(1.0) * copied;
            frames.push(frame);
        }
        Tensor::stack(frames, 1)
    }
}

/// An encoded context (see [`FramePredictor::encode`]).
#[derive(Debug, Clone)]
pub struct Encoded {
    state: Tensor<4>,
    skip: Tensor<4>,
    last: Tensor<4>,
}

impl Encoded {
    /// A batch-of-one encoding repeated `n` times.
    pub fn repeat(&self, n: usize) -> Self {
        let grow = |t: &Tensor<4>| {
            let [_, c, h, w] = t.dims();
            t.clone().expand([n, c, h, w])
        };
        Self {
            state: grow(&self.state),
            skip: grow(&self.skip),
            last: grow(&self.last),
        }
    }
}

/// Resamples `image` (`[B, 3, H, W]`) along `flow` (`[B, 2, H, W]`, unbounded): each output
/// pixel is read from its own place shifted by `tanh(flow)` in units of the half-image, so at
/// most the whole image's width; bilinear, with the border repeated outside.
fn warp(image: Tensor<4>, flow: Tensor<4>) -> Tensor<4> {
    use burn::tensor::activation::tanh;
    use burn::tensor::ops::{GridSampleOptions, GridSamplePaddingMode, InterpolateMode};
    let [b, _, h, w] = image.dims();
    let device = image.device();
    // The identity grid in grid_sample's [-1, 1] coordinates (x along the width).
    let line = |n: usize| {
        let v: Vec<f32> = (0..n)
            .map(|i| 2.0 * i as f32 / (n as f32 - 1.0) - 1.0)
            .collect();
        Tensor::<1>::from_data(TensorData::new(v, [n]), &device)
    };
    let xs = line(w).reshape([1, 1, w, 1]).expand([b, h, w, 1]);
    let ys = line(h).reshape([1, h, 1, 1]).expand([b, h, w, 1]);
    let grid = Tensor::cat(vec![xs, ys], 3) + tanh(flow).permute([0, 2, 3, 1]);
    image.grid_sample_2d(
        grid,
        GridSampleOptions::new(InterpolateMode::Bilinear)
            .with_padding_mode(GridSamplePaddingMode::Border)
            .with_align_corners(true),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ramp(h: usize, w: usize, device: &Device) -> Tensor<4> {
        let v: Vec<f32> = (0..3 * h * w).map(|i| (i % w) as f32 / w as f32).collect();
        Tensor::<1>::from_data(TensorData::new(v, [3 * h * w]), device).reshape([1, 3, h, w])
    }

    #[test]
    fn a_flow_moves_the_copied_frame() {
        let device = Device::default();
        let (h, w) = (8, 16);
        let image = ramp(h, w, &device);
        let still = warp(image.clone(), Tensor::zeros([1, 2, h, w], &device));
        let error: f32 = (still - image.clone()).abs().max().into_scalar();
        assert!(error < 1e-5, "zero flow copies the frame: {error}");
        // A flow of one pixel along x: each pixel shows its right-hand neighbour.
        let one = (2.0f32 / (w as f32 - 1.0)).atanh();
        let flow = Tensor::cat(
            vec![
                Tensor::full([1, 1, h, w], one, &device),
                Tensor::zeros([1, 1, h, w], &device),
            ],
            1,
        );
        let moved = warp(image.clone(), flow);
        let shifted = image.clone().narrow(3, 1, w - 1);
        let error: f32 = (moved.narrow(3, 0, w - 1) - shifted)
            .abs()
            .max()
            .into_scalar();
        assert!(error < 1e-4, "shifted by one pixel: {error}");
    }

    #[test]
    fn runs_saved_before_warping_load_without_it() {
        let old = r#"{"context":3,"height":48,"width":64,"action_dim":3,"channels":[16,32]}"#;
        let config: PredictorConfig = serde_json::from_str(old).unwrap();
        assert!(!config.warp);
    }
}
