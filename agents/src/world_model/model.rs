//! The latent world model: an encoder from a sensor image to a short vector, a dynamics model
//! that moves that vector forward one control step per action, and a decoder back to the
//! image, so that a person can look at what the model expects to see.
//!
//! The shape follows the latent planners (PlaNet, TD-MPC2, "Embed to Control"), kept small
//! enough for a CPU:
//! - encoder: three 4 × 4 convolutions of stride 2 (48 × 64 → 6 × 8; channels 16/32/64), a
//!   linear layer to the latent;
//! - dynamics: a residual MLP, `z' = z + f([z, a])`, two hidden layers. Planning steps it
//!   200 candidates × 18 steps × 3 iterations per control step, so it has to be cheap;
//! - decoder: a linear layer to 64 × 6 × 8 and three transposed convolutions back to the image;
//! - embedding: a linear map of the latent to a unit vector, trained contrastively (frames of
//!   one moment told from frames of other episodes) and used as the planner's cost space, so
//!   the cost weighs what persists and tells states apart (which face is up, how it is turned)
//!   rather than how many pixels differ.

use burn::nn::conv::{Conv2d, Conv2dConfig, ConvTranspose2d, ConvTranspose2dConfig};
use burn::nn::{Linear, LinearConfig, PaddingConfig2d};
use burn::prelude::*;
use burn::tensor::activation::{relu, sigmoid};
use serde::{Deserialize, Serialize};

/// The model's shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorldModelConfig {
    /// Image size; both divisible by 8.
    pub height: usize,
    /// Image width, pixels.
    pub width: usize,
    /// Numbers in one action (hand: 3, roll: 2).
    pub action_dim: usize,
    /// Numbers in the latent state.
    pub latent: usize,
    /// Width of the dynamics model's hidden layers.
    pub hidden: usize,
    /// Channels of the encoder's three convolutions (the decoder mirrors them).
    pub channels: [usize; 3],
    /// Numbers in the contrastive embedding of the latent (0: none; runs saved before it
    /// existed have none).
    #[serde(default)]
    pub embed: usize,
    /// Gate the dynamics' second hidden layer by a linear map of the action (a multiplicative
    /// action interaction, as in Oh et al.'s action-conditional video prediction): where a
    /// push sends the die depends on the push's direction *relative to* the face's turn, a
    /// product of the two that a plain ReLU MLP approximates only with many units. Runs saved
    /// before it existed have none.
    #[serde(default)]
    pub action_gate: bool,
    /// Prototypes the first stage's embedding is assigned to (SwAV's swapped prediction, see
    /// [`super::prototypes`]; 0: InfoNCE between frames instead).
    #[serde(default)]
    pub prototypes: usize,
    /// An inverse model beside the forward one ("Learning to Poke by Poking"): from a frame's
    /// latent and the next one's, the action taken between them. Telling which way a roll
    /// went from the face before and the face after needs the marks that name the faces, so
    /// training it through the encoder makes the latent keep them. Runs saved before it
    /// existed have none.
    #[serde(default)]
    pub inverse: bool,
}

impl Default for WorldModelConfig {
    fn default() -> Self {
        Self {
            height: 48,
            width: 64,
            action_dim: 3,
            latent: 64,
            hidden: 128,
            channels: [16, 32, 64],
            embed: 32,
            action_gate: true,
            prototypes: 0,
            inverse: false,
        }
    }
}

impl WorldModelConfig {
    /// Says what is wrong with a shape, naming the field.
    pub fn check(&self) -> Result<(), String> {
        for (name, v) in [
            ("height", self.height),
            ("width", self.width),
            ("action_dim", self.action_dim),
            ("latent", self.latent),
            ("hidden", self.hidden),
        ] {
            if v == 0 {
                return Err(format!("world model: {name} must be positive"));
            }
        }
        if self.height % 8 != 0 || self.width % 8 != 0 {
            return Err(format!(
                "world model: the image ({}×{}) must be divisible by 8 on both sides",
                self.height, self.width
            ));
        }
        if self.channels.contains(&0) {
            return Err("world model: every layer needs channels".into());
        }
        if self.prototypes > 0 && self.embed == 0 {
            return Err(
                "world model: prototypes are assigned from the embedding; give it one (embed > 0)"
                    .into(),
            );
        }
        Ok(())
    }

    /// The features after the encoder's convolutions: (channels, height, width).
    fn grid(&self) -> [usize; 3] {
        [self.channels[2], self.height / 8, self.width / 8]
    }

    /// A world model of this shape with fresh weights on `device`.
    pub fn init(&self, device: &Device) -> WorldModel {
        let [c0, c1, c2] = self.channels;
        let conv = |i, o| {
            Conv2dConfig::new([i, o], [4, 4])
                .with_stride([2, 2])
                .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                .init(device)
        };
        let deconv = |i, o| {
            ConvTranspose2dConfig::new([i, o], [4, 4])
                .with_stride([2, 2])
                .with_padding([1, 1])
                .init(device)
        };
        let flat: usize = self.grid().iter().product();
        let (z, a, h) = (self.latent, self.action_dim, self.hidden);
        WorldModel {
            encoder: Encoder {
                convs: [conv(3, c0), conv(c0, c1), conv(c1, c2)],
                head: LinearConfig::new(flat, z).init(device),
            },
            dynamics: Dynamics {
                layers: [
                    LinearConfig::new(z + a, h).init(device),
                    LinearConfig::new(h, h).init(device),
                    LinearConfig::new(h, z).init(device),
                ],
                gate: self
                    .action_gate
                    .then(|| LinearConfig::new(a, h).init(device)),
            },
            decoder: Decoder {
                expand: LinearConfig::new(z, flat).init(device),
                deconvs: [deconv(c2, c1), deconv(c1, c0), deconv(c0, 3)],
                grid: self.grid(),
            },
            projection: (self.embed > 0).then(|| LinearConfig::new(z, self.embed).init(device)),
            prototypes: (self.embed > 0 && self.prototypes > 0).then(|| {
                LinearConfig::new(self.embed, self.prototypes)
                    .with_bias(false)
                    .init(device)
            }),
            inverse: self.inverse.then(|| self.inverse_model(device)),
        }
    }

    /// A fresh inverse model for this shape.
    pub fn inverse_model(&self, device: &Device) -> InverseModel {
        let (z, a, h) = (self.latent, self.action_dim, self.hidden);
        InverseModel {
            layers: [
                LinearConfig::new(2 * z, h).init(device),
                LinearConfig::new(h, a).init(device),
            ],
        }
    }
}

/// A latent and the next to the action between them.
#[derive(Module, Debug)]
pub struct InverseModel {
    layers: [Linear; 2],
}

impl InverseModel {
    /// `[N, latent]` before and after to `[N, action_dim]`.
    pub fn forward(&self, before: Tensor<2>, after: Tensor<2>) -> Tensor<2> {
        let x = relu(self.layers[0].forward(Tensor::cat(vec![before, after], 1)));
        self.layers[1].forward(x)
    }
}

/// Image to latent.
#[derive(Module, Debug)]
pub struct Encoder {
    convs: [Conv2d; 3],
    head: Linear,
}

/// Latent and action to the next latent.
#[derive(Module, Debug)]
pub struct Dynamics {
    layers: [Linear; 3],
    gate: Option<Linear>,
}

/// Latent to image.
#[derive(Module, Debug)]
pub struct Decoder {
    expand: Linear,
    deconvs: [ConvTranspose2d; 3],
    grid: [usize; 3],
}

/// See the module docs.
#[derive(Module, Debug)]
pub struct WorldModel {
    /// Image to latent.
    pub encoder: Encoder,
    /// Latent and action to the next latent.
    pub dynamics: Dynamics,
    /// Latent to image, to look at what a latent keeps.
    pub decoder: Decoder,
    /// Latent to the contrastive embedding (see [`embed`]), if the model has one.
    pub projection: Option<Linear>,
    /// The embedding's prototypes, if the first stage assigns to them.
    pub prototypes: Option<Linear>,
    /// The inverse model, if the model has one ([`WorldModelConfig::inverse`]).
    pub inverse: Option<InverseModel>,
}

/// The unit-length embedding of latents `[N, latent]` through `projection`: `[N, embed]`.
pub fn embed(projection: &Linear, z: Tensor<2>) -> Tensor<2> {
    let e = projection.forward(z);
    let norm = e.clone().square().sum_dim(1).sqrt().clamp_min(1e-6);
    e / norm
}

impl Encoder {
    /// `[B, 3, H, W]` images in [0, 1] to `[B, latent]`.
    pub fn forward(&self, images: Tensor<4>) -> Tensor<2> {
        let mut x = images;
        for conv in &self.convs {
            x = relu(conv.forward(x));
        }
        self.head.forward(x.flatten::<2>(1, 3))
    }
}

impl Dynamics {
    /// One control step: `[N, latent]` and `[N, action_dim]` to `[N, latent]`.
    pub fn step(&self, z: Tensor<2>, action: Tensor<2>) -> Tensor<2> {
        let x = Tensor::cat(vec![z.clone(), action.clone()], 1);
        let x = relu(self.layers[0].forward(x));
        let x = self.layers[1].forward(x);
        let x = match &self.gate {
            Some(gate) => relu(x * gate.forward(action).add_scalar(1.0)),
            None => relu(x),
        };
        z + self.layers[2].forward(x)
    }

    /// The latents after each action of `[N, T, action_dim]` from `z`: `[N, T, latent]`.
    pub fn roll_out(&self, z: Tensor<2>, actions: Tensor<3>) -> Tensor<3> {
        let [n, t, a] = actions.dims();
        let mut z = z;
        let mut out = Vec::with_capacity(t);
        for j in 0..t {
            z = self.step(z, actions.clone().narrow(1, j, 1).reshape([n, a]));
            out.push(z.clone().unsqueeze_dim(1));
        }
        Tensor::cat(out, 1)
    }
}

impl Decoder {
    /// `[B, latent]` to `[B, 3, H, W]` in [0, 1].
    pub fn forward(&self, z: Tensor<2>) -> Tensor<4> {
        let [b, _] = z.dims();
        let [c, h, w] = self.grid;
        let mut x = relu(self.expand.forward(z)).reshape([b, c, h, w]);
        for (i, deconv) in self.deconvs.iter().enumerate() {
            x = deconv.forward(x);
            if i + 1 < self.deconvs.len() {
                x = relu(x);
            }
        }
        sigmoid(x)
    }
}

impl WorldModel {
    /// Numbers in the latent.
    pub fn latent_len(&self) -> usize {
        self.dynamics.layers[2].weight.dims()[1]
    }

    /// The frames the model expects after `actions` `[N, T, A]` from `images` `[N, 3, H, W]`:
    /// `[N, T, 3, H, W]`.
    pub fn predict(&self, images: Tensor<4>, actions: Tensor<3>) -> Tensor<5> {
        let [n, t, _] = actions.dims();
        let z = self
            .dynamics
            .roll_out(self.encoder.forward(images), actions);
        let latent = z.dims()[2];
        let frames = self.decoder.forward(z.reshape([n * t, latent]));
        let [_, c, h, w] = frames.dims();
        frames.reshape([n, t, c, h, w])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn predictions_are_frames_of_the_right_shape() {
        let device = crate::default_device();
        let model = WorldModelConfig::default().init(&device);
        let images = Tensor::<4>::ones([2, 3, 48, 64], &device).mul_scalar(0.5);
        let actions = Tensor::<3>::zeros([2, 5, 3], &device);
        let frames = model.predict(images, actions);
        assert_eq!(frames.dims(), [2, 5, 3, 48, 64]);
        let v = frames.into_data().try_to_vec::<f32>().unwrap();
        assert!(v.iter().all(|x| (0.0..=1.0).contains(x)));
        assert_eq!(model.latent_len(), 64);
    }

    #[test]
    fn bad_shapes_are_refused_naming_the_field() {
        let bad = |c: WorldModelConfig| c.check().unwrap_err();
        let base = WorldModelConfig::default();
        assert!(
            bad(WorldModelConfig {
                latent: 0,
                ..base.clone()
            })
            .contains("latent")
        );
        assert!(
            bad(WorldModelConfig {
                height: 50,
                ..base.clone()
            })
            .contains("divisible by 8")
        );
        assert!(
            bad(WorldModelConfig {
                channels: [16, 0, 64],
                ..base.clone()
            })
            .contains("channels")
        );
        let no_embedding = WorldModelConfig {
            prototypes: 40,
            embed: 0,
            ..base.clone()
        };
        assert!(bad(no_embedding).contains("embed > 0"));
        assert!(base.check().is_ok());
    }
}
