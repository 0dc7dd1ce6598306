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
//!
//! No stochastic latent: the planner scores sequences by expected image distance, and random
//! play from a reset is close enough to deterministic that a variational latent would mostly
//! add cost here.

use burn::nn::PaddingConfig2d;
use burn::nn::conv::{Conv2d, Conv2dConfig, ConvTranspose2d, ConvTranspose2dConfig};
use burn::prelude::*;
use burn::tensor::activation::{relu, sigmoid};
use serde::{Deserialize, Serialize};

/// The predictor's shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PredictorConfig {
    /// Frames the model sees before acting (2 for most tasks, 3 for the die in the paper).
    pub context: usize,
    /// Image size (height, width); both divisible by 4.
    pub height: usize,
    pub width: usize,
    pub action_dim: usize,
    /// Channels of the first encoder layer and of the recurrent state.
    pub channels: [usize; 2],
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
        }
    }

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

    pub fn init(&self, device: &Device) -> FramePredictor {
        let [c1, c2] = self.channels;
        let pad = |p| PaddingConfig2d::Explicit(p, p, p, p);
        FramePredictor {
            encode1: Conv2dConfig::new([3 * self.context, c1], [5, 5])
                .with_stride([2, 2])
                .with_padding(pad(2))
                .init(device),
            encode2: Conv2dConfig::new([c1, c2], [3, 3])
                .with_stride([2, 2])
                .with_padding(pad(1))
                .init(device),
            step1: Conv2dConfig::new([c2 + self.action_dim, c2], [3, 3])
                .with_padding(pad(1))
                .init(device),
            step2: Conv2dConfig::new([c2, c2], [3, 3])
                .with_padding(pad(1))
                .init(device),
            decode1: ConvTranspose2dConfig::new([c2, c1], [4, 4])
                .with_stride([2, 2])
                .with_padding([1, 1])
                .init(device),
            decode2: ConvTranspose2dConfig::new([2 * c1, 4], [4, 4])
                .with_stride([2, 2])
                .with_padding([1, 1])
                .init(device),
        }
    }
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
    pub fn forward_every(&self, context: Tensor<5>, actions: Tensor<3>, every: usize) -> Tensor<5> {
        let every = every.max(1);
        let [b, k, _, h, w] = context.dims();
        let [_, t, a] = actions.dims();
        let last = context.clone().narrow(1, k - 1, 1).reshape([b, 3, h, w]);
        let skip = relu(self.encode1.forward(context.reshape([b, k * 3, h, w])));
        let mut state = relu(self.encode2.forward(skip.clone()));
        let [_, _, sh, sw] = state.dims();
        let mut frames = Vec::with_capacity(t);
        for step in 0..t {
            let action = actions
                .clone()
                .narrow(1, step, 1)
                .reshape([b, a, 1, 1])
                .expand([b, a, sh, sw]);
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
            let mask = sigmoid(out.narrow(1, 3, 1)).expand([b, 3, h, w]);
            let frame = mask.clone() * rgb + mask.neg().add_scalar(1.0) * last.clone();
            frames.push(frame);
        }
        Tensor::stack(frames, 1)
    }
}
