//! The success classifier: a 48 × 48 RGB image to one logit, "how much this looks like the
//! examples". The reference architecture (VICE's code): two 5 × 5 convolutions of 8 filters,
//! each followed by a 2 × 2 max-pool (48 → 24 → 12), then an MLP of 256 and 256 units, one
//! logit. The logit is the reward.

use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{Linear, LinearConfig, PaddingConfig2d};
use burn::prelude::*;
use burn::tensor::activation::relu;
use serde::{Deserialize, Serialize};

/// Image side the classifier is built for.
pub const IMAGE_SIDE: usize = 48;

/// The classifier's shape; defaults are the reference's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClassifierConfig {
    /// Filters in each of the two convolutions.
    pub filters: usize,
    /// Side of the convolutions' kernels.
    pub kernel: usize,
    /// Units of the MLP's hidden layers.
    pub hidden: Vec<usize>,
}

impl Default for ClassifierConfig {
    fn default() -> Self {
        Self {
            filters: 8,
            kernel: 5,
            hidden: vec![256, 256],
        }
    }
}

impl ClassifierConfig {
    /// The settings in range, else an error naming the setting (`classifier.…`).
    pub fn check(&self) -> Result<(), String> {
        if self.filters == 0 {
            return Err("classifier.filters is 0: a convolution needs a filter".into());
        }
        if self.kernel == 0 || self.kernel % 2 == 0 || self.kernel > IMAGE_SIDE / 4 {
            return Err(format!(
                "classifier.kernel is {}: an odd side from 1 to {}",
                self.kernel,
                IMAGE_SIDE / 4
            ));
        }
        if self.hidden.contains(&0) {
            return Err("classifier.hidden has a layer of 0 units".into());
        }
        Ok(())
    }

    /// A classifier of this shape with fresh weights.
    pub fn init(&self, device: &Device) -> Classifier {
        let conv = |i: usize| {
            Conv2dConfig::new([i, self.filters], [self.kernel, self.kernel])
                .with_padding(PaddingConfig2d::Same)
                .init(device)
        };
        let side = IMAGE_SIDE / 4;
        let mut widths = vec![self.filters * side * side];
        widths.extend(&self.hidden);
        widths.push(1);
        Classifier {
            convs: vec![conv(3), conv(self.filters)],
            pool: MaxPool2dConfig::new([2, 2]).with_strides([2, 2]).init(),
            layers: widths
                .windows(2)
                .map(|w| LinearConfig::new(w[0], w[1]).init(device))
                .collect(),
        }
    }
}

/// See the module docs. Images are `[batch, 3, 48, 48]` in [0, 1].
#[derive(Module, Debug)]
pub struct Classifier {
    convs: Vec<Conv2d>,
    pool: MaxPool2d,
    layers: Vec<Linear>,
}

impl Classifier {
    /// One logit per image, `[batch]`.
    pub fn forward(&self, images: Tensor<4>) -> Tensor<1> {
        let [b, ..] = images.dims();
        let mut x = images;
        for conv in &self.convs {
            x = self.pool.forward(relu(conv.forward(x)));
        }
        let mut h: Tensor<2> = x.reshape([b as i32, -1]);
        let last = self.layers.len() - 1;
        for (i, layer) in self.layers.iter().enumerate() {
            h = layer.forward(h);
            if i < last {
                h = relu(h);
            }
        }
        h.reshape([b])
    }
}
